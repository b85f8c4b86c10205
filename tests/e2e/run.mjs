// Runs the browser end-to-end tests against a built app:
//   node tests/e2e/run.mjs --dist dist [--only <name substring>]
// Serves the directory on 127.0.0.1, drives headless Chromium through
// playwright-core, prints one line per test and a final
// `e2e: N passed, M failed`; exits non-zero if any test failed.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { launch } from "./browser.mjs";
import { serve } from "./server.mjs";
import { tests as scanTests } from "./cases.mjs";
import { tests as auditTests } from "./audit.test.mjs";

const tests = [...scanTests, ...auditTests];

const { values } = parseArgs({
  options: { dist: { type: "string", default: "dist" }, only: { type: "string" } },
});
const dist = resolve(values.dist);
if (!existsSync(join(dist, "index.html"))) {
  console.error(`e2e: ${dist}/index.html not found; run \`trunk build --release\` first`);
  process.exit(2);
}

const server = await serve(dist);
const browser = await launch();
const scratch = await mkdtemp(join(tmpdir(), "modelvet-e2e-"));
const env = { origin: server.origin, context: browser.context, scratch, server };
let passed = 0;
let failed = 0;
try {
  for (const t of tests) {
    if (values.only && !t.name.includes(values.only)) continue;
    const started = Date.now();
    try {
      await t.run(env);
      passed++;
      console.log(`ok   ${t.name} (${Date.now() - started} ms)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${t.name} (${Date.now() - started} ms)\n     ${e?.stack ?? e}`);
    } finally {
      for (const page of browser.context.pages()) await page.close().catch(() => {});
    }
  }
} finally {
  await browser.close();
  await server.close();
  await rm(scratch, { recursive: true, force: true });
}
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
