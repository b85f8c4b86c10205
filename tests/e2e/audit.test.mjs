// End-to-end cases of the "Audit a Hub model" view, against the replay
// server (`modelvet-replay`, crates/modelvet-testkit) serving the recorded Hub
// responses and model cards of /work/shared/fixtures.
//
// Plug into run.mjs:  import { tests as auditTests } from "./audit.test.mjs";
// and iterate over [...tests, ...auditTests]. Each case takes the runner's
// env ({ origin, context }). The replay binary is started on first use
// (path from $MODELVET_REPLAY, default target/debug/modelvet-replay; build it
// with `cargo build -p modelvet-testkit --bin modelvet-replay`) and stopped
// when the process exits.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";

export const tests = [];
const test = (name, run) => tests.push({ name: `audit: ${name}`, run });

let replay;
async function replayUrl() {
  if (!replay) {
    const bin = resolve(process.env.MODELVET_REPLAY ?? "target/debug/modelvet-replay");
    if (!existsSync(bin)) throw new Error(`${bin} not found: cargo build -p modelvet-testkit --bin modelvet-replay`);
    const child = spawn(bin, [], { stdio: ["ignore", "pipe", "inherit"] });
    process.on("exit", () => child.kill());
    replay = new Promise((ok, fail) => {
      child.once("error", fail);
      createInterface({ input: child.stdout }).once("line", (line) => ok(line.trim()));
    });
  }
  return replay;
}

/// Open the audit view of `target` (a permalink) with the replay endpoint.
async function openAudit(context, origin, target) {
  const endpoint = await replayUrl();
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const url = `${origin}/?endpoint=${encodeURIComponent(endpoint)}#/audit/${target}`;
  await page.goto(url);
  await page.waitForSelector("#audit", { timeout: 20_000 });
  return { page, problems, endpoint };
}

async function items(page) {
  return page.$$eval("#audit-items tr[data-item]", (rows) =>
    Object.fromEntries(rows.map((r) => [r.dataset.item, r.dataset.status])),
  );
}

test("well-documented card from a permalink", async ({ context, origin }) => {
  const { page, problems } = await openAudit(context, origin, "acme-research/sentiment-distilbert-v2");
  const result = await page.waitForSelector("#audit-result", { timeout: 20_000 });
  assert.equal(await result.getAttribute("data-grade"), "A");
  assert.ok(Number(await result.getAttribute("data-score")) >= 95);
  assert.equal(await page.getAttribute("#audit-license", "data-class"), "permissive");
  const status = await items(page);
  assert.equal(Object.keys(status).length, 17);
  assert.equal(status["bias-risks-limitations"], "pass");
  assert.equal(status["weights-format"], "pass");
  const files = await page.$$eval("#audit-files tr[data-path]", (rows) => rows.map((r) => r.dataset.path));
  assert.deepEqual(files, ["README.md", "config.json", "model.safetensors"]);
  assert.equal(await page.getAttribute("#audit-permalink", "href"), "#/audit/acme-research/sentiment-distilbert-v2");
  assert.deepEqual(problems, []);
  assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
});

test("typed id with revision: pickle-only bert at the pinned commit", async ({ context, origin }) => {
  const { page } = await openAudit(context, origin, "");
  await page.fill("#audit-repo", "google-bert/bert-base-uncased");
  await page.dispatchEvent("#audit-repo", "change");
  await page.fill("#audit-revision", "dd4bc8b21efa05ec961e3efc4ee5e3832a3679c7");
  await page.dispatchEvent("#audit-revision", "change");
  await page.click("#audit-run");
  const result = await page.waitForSelector("#audit-result", { timeout: 20_000 });
  assert.equal(await result.getAttribute("data-verdict"), "fail");
  const status = await items(page);
  assert.equal(status["card-present"], "fail");
  assert.equal(status["weights-format"], "fail");
  assert.equal(
    await page.evaluate(() => location.hash),
    "#/audit/google-bert/bert-base-uncased@dd4bc8b21efa05ec961e3efc4ee5e3832a3679c7",
  );
});

test("gated model: metadata shown, the card needs a token", async ({ context, origin }) => {
  const { page } = await openAudit(context, origin, "meta-llama/Llama-3.2-1B");
  await page.waitForSelector("#audit-result", { timeout: 20_000 });
  const incomplete = await page.textContent("#audit-incomplete");
  assert.match(incomplete, /gated: accept the terms/);
  assert.equal(await page.getAttribute("#audit-result", "data-verdict"), "error");
});

test("missing repo: a clear error", async ({ context, origin }) => {
  const { page } = await openAudit(context, origin, "nobody/nothing");
  const error = await page.waitForSelector("#audit-error", { timeout: 20_000 });
  assert.match(await error.textContent(), /nobody\/nothing was not found/);
});
