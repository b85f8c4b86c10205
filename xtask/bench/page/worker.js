// One file per worker, read as the app reads it (web/src/browser/blob_stream.rs):
// `File.stream()` with a bring-your-own-buffer reader, reads filling one
// buffer until a whole chunk is there, so the browser reads ahead while the
// worker hashes and nothing is allocated per chunk. Both streaming hashers
// get exactly the same chunks. WebCrypto has no streaming digest, so it reads
// the whole file.
import init, { Sha256Stream } from "./pkg/modelvet_js.js";
import { createSHA256 } from "./hash-wasm/index.esm.min.js";

const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");

// Readers in use, held from the global scope: while a read is pending, the
// suspended function that awaits it is reachable only through the stream.
// A read that never settled was seen with four streams at once; keeping the
// readers reachable rules out their being collected mid-read. (The app holds
// its readers from wasm memory, which is such a root too.)
const active = new Set();

async function chunks(file, size, feed) {
  const reader = file.stream().getReader({ mode: "byob" });
  active.add(reader);
  try {
    await fill(reader, size, feed);
  } finally {
    active.delete(reader);
  }
}

async function fill(reader, size, feed) {
  let buffer = new ArrayBuffer(size);
  for (;;) {
    let filled = 0;
    let done = false;
    while (filled < size && !done) {
      const r = await reader.read(new Uint8Array(buffer, filled, size - filled));
      if (r.value) {
        buffer = r.value.buffer;
        filled += r.value.byteLength;
      }
      done = r.done;
    }
    if (filled) feed(new Uint8Array(buffer, 0, filled));
    if (done) return;
  }
}

const hashers = {
  async modelvet() {
    const h = new Sha256Stream();
    return { update: (c) => h.update(c), digest: () => h.finalize() };
  },
  async "hash-wasm"() {
    const h = await createSHA256();
    h.init();
    return { update: (c) => h.update(c), digest: () => h.digest("hex") };
  },
};

async function hashFile(impl, file, size) {
  if (impl === "webcrypto") return hex(await crypto.subtle.digest("SHA-256", await file.arrayBuffer()));
  const h = await hashers[impl]();
  await chunks(file, size, (c) => h.update(c));
  return h.digest();
}

// The hasher alone: `bytes` of pseudo-random data already in memory, fed in
// chunks of `size`; best of `runs`, in MB/s.
async function inMemory(impl, bytes, size, runs) {
  const data = new Uint8Array(bytes);
  let x = 0x9e3779b9;
  for (let i = 0; i < data.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = x;
  }
  let best = 0;
  for (let r = 0; r < runs; r++) {
    const h = await hashers[impl]();
    const start = performance.now();
    for (let off = 0; off < data.length; off += size) h.update(data.subarray(off, off + size));
    h.digest();
    best = Math.max(best, data.length / 1e3 / (performance.now() - start));
  }
  return best;
}

onmessage = async (e) => {
  try {
    if (e.data.inMemory) {
      const { impl, bytes, chunk, runs } = e.data.inMemory;
      postMessage({ mbs: await inMemory(impl, bytes, chunk, runs) });
      return;
    }
    const { impl, file, chunk } = e.data;
    const start = performance.now();
    const digest = await hashFile(impl, file, chunk);
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
