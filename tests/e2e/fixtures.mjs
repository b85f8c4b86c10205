// Test inputs written in the real formats, and their SHA-256 computed here
// with node's crypto (never copied from the app).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/// A safetensors file as the reference writer lays it out: an 8-byte
/// little-endian header length, the JSON header, then the tensor data.
export function safetensors(name = "w", values = [1, 2, 3, 4]) {
  const data = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => data.writeFloatLE(v, i * 4));
  const header = JSON.stringify({
    [name]: { dtype: "F32", shape: [values.length], data_offsets: [0, data.length] },
  });
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(header)));
  return Buffer.concat([len, Buffer.from(header), data]);
}

export function sha256(bytes) {
  return createHash("sha256").update(bytes).digest("hex");
}

export function sha256File(path) {
  return new Promise((ok, fail) => {
    const h = createHash("sha256");
    createReadStream(path, { highWaterMark: 8 << 20 })
      .on("data", (c) => h.update(c))
      .on("error", fail)
      .on("end", () => ok(h.digest("hex")));
  });
}

export async function writeFileAt(path, bytes) {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
}

/// A `size`-byte file that is mostly holes, with a distinct 64 KiB pattern
/// written every 64 MiB so its digest is not that of zeros.
export async function bigFile(path, size) {
  await mkdir(dirname(path), { recursive: true });
  const f = await open(path, "w");
  try {
    await f.truncate(size);
    const block = Buffer.alloc(64 * 1024);
    for (let at = 0, i = 0; at < size; at += 64 << 20, i++) {
      for (let j = 0; j < block.length; j++) block[j] = (j * 31 + i * 7) & 0xff;
      await f.write(block, 0, Math.min(block.length, size - at), at);
    }
  } finally {
    await f.close();
  }
}
