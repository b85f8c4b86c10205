// Browser half of `cargo xtask bench hash`: serve page/ + the wasm-bindgen
// output + hash-wasm, drive headless Chromium with playwright-core, sample the
// renderer's memory from /proc, print one JSON object on stdout.
//
// node run.mjs --pkg DIR --files A,B,C,D --big FILE [--runs 3] [--chunk BYTES]
import { createServer } from "node:http";
import { readFile, readdir } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { extname, join, dirname, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const files = args.files.split(",");
const runs = Number(args.runs ?? 3);
const chunk = Number(args.chunk ?? 1024 * 1024);

const roots = {
  "/pkg/": args.pkg,
  "/hash-wasm/": join(here, "node_modules/hash-wasm/dist"),
  "/": join(here, "page"),
};
const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
const server = createServer(async (req, res) => {
  const url = new URL(req.url, "http://x").pathname;
  const prefix = Object.keys(roots).find((p) => url.startsWith(p));
  const rel = normalize(url.slice(prefix.length) || "index.html");
  if (rel.startsWith("..")) return res.writeHead(403).end();
  try {
    const body = await readFile(join(roots[prefix], rel));
    res.writeHead(200, { "content-type": types[extname(rel)] ?? "application/octet-stream" }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-precise-memory-info",
  ],
});
const version = browser.version();
const page = await browser.newPage();
page.on("console", (m) => process.stderr.write(`page: ${m.text()}\n`));
page.on("pageerror", (e) => process.stderr.write(`page error: ${e}\n`));
await page.goto(url);
await page.setInputFiles("#files", [...files, args.big]);

// Every process Chromium started (descendants of this Node process).
function descendants() {
  const parent = new Map();
  for (const pid of readdirSyncSafe("/proc")) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      parent.set(Number(pid), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {}
  }
  const out = [];
  const frontier = [process.pid];
  while (frontier.length) {
    const p = frontier.pop();
    for (const [c, pp] of parent) if (pp === p) (out.push(c), frontier.push(c));
  }
  return out;
}
function readdirSyncSafe(d) {
  try {
    return readdirSync(d).filter((n) => /^\d+$/.test(n));
  } catch {
    return [];
  }
}
import { readdirSync } from "node:fs";
function rssKiB(pid) {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/);
  return m ? Number(m[1]) : 0;
}
function memory() {
  let renderer = 0,
    all = 0;
  for (const pid of descendants()) {
    try {
      const kib = rssKiB(pid);
      all += kib;
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("--type=renderer")) renderer += kib;
    } catch {}
  }
  return { renderer: renderer * 1024, all: all * 1024 };
}

// CPU seconds (user + system) used so far by every Chromium process.
const ticks = 100; // USER_HZ
function cpuSeconds() {
  let total = 0;
  for (const pid of descendants()) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += Number(fields[11]) + Number(fields[12]);
    } catch {}
  }
  return total / ticks;
}

async function best(impl, indices) {
  const times = [];
  const cores = [];
  let digests;
  for (let r = 0; r < runs; r++) {
    const cpu0 = cpuSeconds();
    const out = await Promise.race([
      page.evaluate(([i, ix, c]) => window.bench(i, ix, c), [impl, indices, chunk]),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`${impl} x${indices.length} did not finish in 5 minutes`)), 300_000),
      ),
    ]);
    times.push(out.ms);
    // Cores kept busy on average: Chromium's CPU time over the wall time.
    cores.push((cpuSeconds() - cpu0) / (out.ms / 1000));
    digests = out.results.map((x) => x.digest);
    process.stderr.write(`bench: ${impl} x${indices.length} run ${r + 1}: ${out.ms.toFixed(0)} ms\n`);
  }
  const fastest = times.indexOf(Math.min(...times));
  return { ms: times[fastest], runs: times, cores: cores[fastest], digests };
}

const result = { chromium: version, chunk, single: {}, four: {}, inMemory: {}, memory: null };

// Memory first, on the fresh page: the renderer's resident set while one
// worker hashes the big file, sampled every 250 ms.
const samples = [];
const t0 = Date.now();
const sample = async () => samples.push({ t: Date.now() - t0, ...memory(), heap: await page.evaluate(() => window.heap()) });
await sample();
let done = false;
const sampler = (async () => {
  while (!done) {
    await new Promise((r) => setTimeout(r, 250));
    await sample();
  }
})();
const big = await page.evaluate(([c, n]) => window.bench("modelvet", [n], c), [chunk, files.length]);
done = true;
await sampler;
await sample();
const r0 = big.results[0];
result.memory = { ms: big.ms, digest: r0.digest, size: r0.size, wasmBytes: r0.wasmBytes, samples };

for (const impl of ["modelvet", "hash-wasm", "webcrypto"]) result.single[impl] = await best(impl, [0]);
for (const impl of ["modelvet", "hash-wasm"]) result.four[impl] = await best(impl, [0, 1, 2, 3]);
const inMemoryBytes = 256 * 1024 * 1024;
for (const impl of ["modelvet", "hash-wasm"]) {
  result.inMemory[impl] = await page.evaluate(([i, b, c, r]) => window.inMemory(i, b, c, r), [impl, inMemoryBytes, chunk, runs]);
}
result.inMemory.bytes = inMemoryBytes;

await browser.close();
server.close();
process.stdout.write(JSON.stringify(result) + "\n");
