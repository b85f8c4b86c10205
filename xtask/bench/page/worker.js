// One file per worker: read `File.slice` chunks synchronously and feed the
// hasher. WebCrypto has no streaming digest, so it reads the whole file.
import init, { Sha256Stream } from "./pkg/modelvet_js.js";
import { createSHA256 } from "./hash-wasm/index.esm.min.js";

const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");

function chunks(file, size, feed) {
  const reader = new FileReaderSync();
  for (let off = 0; off < file.size; off += size) {
    feed(new Uint8Array(reader.readAsArrayBuffer(file.slice(off, off + size))));
  }
}

const impls = {
  async modelvet(file, size) {
    const h = new Sha256Stream();
    chunks(file, size, (c) => h.update(c));
    return h.finalize();
  },
  async "hash-wasm"(file, size) {
    const h = await createSHA256();
    h.init();
    chunks(file, size, (c) => h.update(c));
    return h.digest("hex");
  },
  async webcrypto(file) {
    return hex(await crypto.subtle.digest("SHA-256", await file.arrayBuffer()));
  },
};

onmessage = async (e) => {
  const { impl, file, chunk } = e.data;
  try {
    const start = performance.now();
    const digest = await impls[impl](file, chunk);
    const ms = performance.now() - start;
    postMessage({ digest, ms, size: file.size, wasmBytes: wasm.memory.buffer.byteLength });
  } catch (err) {
    postMessage({ error: String(err && err.stack ? err.stack : err) });
  }
};

let wasm;
try {
  wasm = await init();
  // Both hashers are compiled before any timing starts.
  await createSHA256();
  postMessage({ ready: true });
} catch (err) {
  postMessage({ error: String(err) });
}
