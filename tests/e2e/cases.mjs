// The end-to-end cases. Each asserts values computed here (node's crypto,
// the files it wrote) against what the page shows.
import assert from "node:assert/strict";
import { join } from "node:path";
import { openApp, rows, waitFinished } from "./browser.mjs";
import { safetensors, sha256, sha256File, writeFileAt, bigFile } from "./fixtures.mjs";

export const tests = [];
const test = (name, run) => tests.push({ name, run });

/// Drop `files` ([{name, bytes}]) on the drop zone through a script-built
/// DataTransfer, the way a page sees a drop of loose files.
async function dropBytes(page, files) {
  await page.evaluate((files) => {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([new Uint8Array(f.bytes)], f.name));
    const zone = document.querySelector("#drop-zone");
    zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files.map((f) => ({ name: f.name, bytes: [...f.bytes] })));
}

test("drop a file: SHA-256 and format", async ({ context, origin }) => {
  const { page, problems } = await openApp(context, origin);
  const bytes = safetensors("embed", [0.5, -1, 2, 8, 13]);
  await dropBytes(page, [{ name: "tiny.safetensors", bytes }]);
  await waitFinished(page, 1);
  const [row] = await rows(page);
  assert.equal(row.path, "tiny.safetensors");
  assert.equal(row.status, "done");
  assert.equal(row.sha256, sha256(bytes));
  assert.equal(row.format, "safetensors");
  assert.deepEqual(problems, []);
});

test("pick a file with the file input: SHA-256 and format", async ({ context, origin, scratch }) => {
  const { page, problems } = await openApp(context, origin);
  const bytes = safetensors("lm_head", [3, 1, 4, 1, 5, 9, 2, 6]);
  const path = join(scratch, "picked", "head.safetensors");
  await writeFileAt(path, bytes);
  await page.setInputFiles("#file-input", path);
  await waitFinished(page, 1);
  const [row] = await rows(page);
  assert.equal(row.path, "head.safetensors");
  assert.equal(row.sha256, await sha256File(path));
  assert.equal(row.format, "safetensors");
  assert.deepEqual(problems, []);
});

/// A folder with nested subfolders, and more files in one folder than
/// Chromium's `readEntries` returns per batch (100), so a walker that reads
/// only the first batch would miss some.
async function modelFolder(scratch, name) {
  const root = join(scratch, name);
  const files = new Map();
  const add = async (rel, bytes) => {
    await writeFileAt(join(root, rel), bytes);
    files.set(`${name}/${rel}`, sha256(bytes));
  };
  await add("config.json", Buffer.from('{"model_type": "bert"}\n'));
  await add("weights/model.safetensors", safetensors("w", [1, 2]));
  await add("weights/shards/deep/part.safetensors", safetensors("p", [7]));
  for (let i = 0; i < 130; i++) {
    await add(`many/n${String(i).padStart(3, "0")}.txt`, Buffer.from(`note ${i}\n`));
  }
  return { root, files };
}

function assertFolder(shown, files) {
  assert.equal(shown.length, files.size, "one row per file");
  for (const row of shown) {
    assert.ok(files.has(row.path), `unexpected path ${row.path}`);
    assert.equal(row.status, "done", row.path);
    assert.equal(row.sha256, files.get(row.path), row.path);
  }
}

test("drop a real folder (CDP drag with a directory path): nested relative paths", async ({ context, origin, scratch }) => {
  // Chromium turns the dragged path into real FileSystemDirectoryEntry
  // objects, so this exercises the recursive walker, readEntries batching
  // included.
  const { page, problems } = await openApp(context, origin);
  const { root, files } = await modelFolder(scratch, "dropped-model");
  const cdp = await context.newCDPSession(page);
  const box = await page.locator("#drop-zone").boundingBox();
  const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const data = { items: [], files: [root], dragOperationsMask: 1 };
  for (const type of ["dragEnter", "dragOver", "drop"]) {
    await cdp.send("Input.dispatchDragEvent", { type, ...at, data });
  }
  await waitFinished(page, files.size);
  const shown = await rows(page);
  assertFolder(shown, files);
  const nested = shown.find((r) => r.path === "dropped-model/weights/shards/deep/part.safetensors");
  assert.equal(nested?.format, "safetensors");
  assert.deepEqual(problems, []);
});

test("pick a folder with the folder input (webkitdirectory)", async ({ context, origin, scratch }) => {
  const { page, problems } = await openApp(context, origin);
  assert.notEqual(await page.getAttribute("#folder-input", "webkitdirectory"), null);
  const { root, files } = await modelFolder(scratch, "picked-model");
  await page.setInputFiles("#folder-input", root);
  await waitFinished(page, files.size);
  assertFolder(await rows(page), files);
  assert.deepEqual(problems, []);
});

test("findings: a text file named .safetensors", async ({ context, origin }) => {
  const { page, problems } = await openApp(context, origin);
  const bytes = Buffer.from("this is not a tensor file\n");
  await dropBytes(page, [{ name: "model.safetensors", bytes }]);
  await waitFinished(page, 1);
  const [row] = await rows(page);
  assert.equal(row.sha256, sha256(bytes));
  assert.notEqual(row.format, "safetensors");
  const finding = row.findings.find((f) => f.rule === "extension-mismatch");
  assert.ok(finding, `findings shown: ${JSON.stringify(row.findings)}`);
  assert.match(finding.message, /safetensors/);
  assert.match(finding.message, new RegExp(row.format));
  assert.equal(finding.location, "file");
  assert.ok(finding.help.length > 0);
  assert.notEqual(row.verdict, "pass");
  const summary = await page.textContent("#summary");
  assert.match(summary, new RegExp(`1 ${finding.severity}`));
  assert.deepEqual(problems, []);
});

test("responsiveness: the page keeps ticking while a 512 MiB file is hashed", async ({ context, origin, scratch }) => {
  const { page, problems } = await openApp(context, origin);
  const path = join(scratch, "big", "weights.bin");
  await bigFile(path, 512 * 1024 * 1024);
  const expected = await sha256File(path);
  await page.evaluate(() => {
    window.__ticks = [];
    window.__timer = setInterval(() => window.__ticks.push(performance.now()), 20);
  });
  await page.setInputFiles("#file-input", path);
  await page.waitForSelector('tbody.file[data-status="hashing"]', { timeout: 20_000 });
  const started = Date.now();
  await waitFinished(page, 1, 120_000);
  const seconds = (Date.now() - started) / 1000;
  const gaps = await page.evaluate(() => {
    clearInterval(window.__timer);
    const t = window.__ticks;
    return { count: t.length, max: Math.max(...t.slice(1).map((v, i) => v - t[i])) };
  });
  const [row] = await rows(page);
  assert.equal(row.status, "done");
  assert.equal(row.sha256, expected);
  assert.ok(gaps.count > 10, `only ${gaps.count} ticks`);
  assert.ok(gaps.max < 500, `the page froze for ${gaps.max.toFixed(0)} ms`);
  console.log(
    `     ${gaps.count} ticks, longest gap ${gaps.max.toFixed(0)} ms; ` +
      `hashed and scanned in ${seconds.toFixed(1)} s (${(512 / seconds).toFixed(0)} MiB/s)`,
  );
  assert.deepEqual(problems, []);
});

test("cancel stops the workers and marks unfinished rows", async ({ context, origin, scratch }) => {
  const { page, problems } = await openApp(context, origin);
  const paths = [];
  for (const name of ["a.bin", "b.bin", "c.bin"]) {
    const path = join(scratch, "cancel", name);
    await bigFile(path, 768 * 1024 * 1024);
    paths.push(path);
  }
  await page.setInputFiles("#file-input", paths);
  // Files are hashed in parallel, one worker per core (at most 8).
  const parallel = Math.min(await page.evaluate(() => navigator.hardwareConcurrency), 8, paths.length);
  await page.waitForFunction(
    (n) => document.querySelectorAll('tbody.file[data-status="hashing"]').length === n,
    parallel,
    { timeout: 20_000, polling: 20 },
  );
  assert.equal(page.workers().length, parallel, "one worker per file being hashed");
  await page.click("#cancel");
  await waitFinished(page, 3);
  let shown = await rows(page);
  assert.deepEqual(shown.map((r) => r.status), ["cancelled", "cancelled", "cancelled"]);
  assert.ok(shown.every((r) => r.sha256 === "" && r.verdict === "error"));
  // The workers are gone, not just ignored.
  const deadline = Date.now() + 5_000;
  while (page.workers().length > 0 && Date.now() < deadline) await page.waitForTimeout(50);
  assert.equal(page.workers().length, 0, "workers still alive after cancel");
  const progress = await page.$$eval("progress", (ps) => ps.map((p) => p.value));
  await page.waitForTimeout(500);
  assert.deepEqual(await page.$$eval("progress", (ps) => ps.map((p) => p.value)), progress);
  // The page scans again after a cancel.
  const bytes = safetensors("after", [1]);
  await dropBytes(page, [{ name: "after.safetensors", bytes }]);
  await waitFinished(page, 4);
  shown = await rows(page);
  assert.equal(shown[3].sha256, sha256(bytes));
  assert.deepEqual(problems, []);
});

test("download the JSON report", async ({ context, origin }) => {
  const { page, problems } = await openApp(context, origin);
  const files = [
    { name: "b.safetensors", bytes: safetensors("b", [2, 2]) },
    { name: "a.safetensors", bytes: Buffer.from("not tensors at all\n") },
  ];
  await dropBytes(page, files);
  await waitFinished(page, 2);
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  assert.equal(download.suggestedFilename(), "modelvet-report.json");
  const report = JSON.parse(await streamText(await download.createReadStream()));
  assert.equal(typeof report.schema_version, "string");
  assert.ok(report.schema_version.length > 0);
  assert.equal(report.tool.name, "modelvet");
  assert.deepEqual(
    report.artifacts.map((a) => [a.path, a.sha256, a.size]),
    files
      .map((f) => [f.name, sha256(f.bytes), f.bytes.length])
      .sort((x, y) => x[0].localeCompare(y[0])),
  );
  assert.equal(report.summary.artifacts, 2);
  assert.ok(report.findings.some((f) => f.rule_id === "extension-mismatch" && f.artifact === "a.safetensors"));
  for (const key of ["settings", "errors", "verdict", "summary"]) assert.ok(key in report, key);
  // The page's summary shows the report's verdict.
  assert.equal(await page.getAttribute("#summary", "data-verdict"), report.verdict);
  assert.deepEqual(problems, []);
});

async function streamText(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}

test("nothing leaves the page's origin; the CSP is in force", async ({ context, origin, scratch }) => {
  const seen = [];
  const record = (r) => seen.push(r.url());
  context.on("request", record);
  try {
    const { page, problems } = await openApp(context, origin);
    const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', "content");
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    assert.match(csp, /connect-src 'self'/);
    // Only connect-src names other origins (the Hub, for the audit view; loopback
    // for local mirrors), never a whole scheme or every host; nothing else does.
    for (const directive of csp.split(";").map((d) => d.trim()).filter(Boolean)) {
      const [name, ...sources] = directive.split(/\s+/);
      assert.doesNotMatch(directive, /'unsafe-inline'|'unsafe-eval'/, directive);
      if (name === "connect-src") {
        for (const src of sources) assert.doesNotMatch(src, /^(\*|https?:|data:|blob:)$/, directive);
      } else {
        assert.doesNotMatch(directive, /https?:|\*/, directive);
      }
    }
    const path = join(scratch, "origin", "m.safetensors");
    await writeFileAt(path, safetensors("m", [1, 2, 3]));
    await page.setInputFiles("#file-input", path);
    await waitFinished(page, 1);
    await Promise.all([page.waitForEvent("download"), page.click("#download")]);
    assert.ok(seen.length > 0, "requests were observed");
    const foreign = seen.filter((u) => !u.startsWith(origin + "/") && !u.startsWith("blob:") && !u.startsWith("data:"));
    assert.deepEqual(foreign, []);
    // The worker's script and module came from the origin too.
    assert.ok(seen.some((u) => u === `${origin}/worker_loader.js`), "worker loaded from the origin");
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(problems, []);
  } finally {
    context.off("request", record);
  }
});
