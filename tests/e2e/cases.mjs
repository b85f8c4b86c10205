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
