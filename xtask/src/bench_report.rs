//! docs/BENCHMARKS.md: the hash section is rewritten from the numbers of one
//! `cargo xtask bench hash` run; everything outside its markers is kept.
//! [`splice_section`] does the same for any other section (`cargo xtask fuzz`).

use crate::bench_hash::Timed;
use crate::cmd;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

const BEGIN: &str = "<!-- bench hash: begin (cargo xtask bench hash rewrites this part) -->";
const END: &str = "<!-- bench hash: end -->";
const MB: f64 = 1e6;
const MIB: f64 = 1024.0 * 1024.0;

/// Put `section` between the hash markers of the existing file (or a new one).
pub fn splice(existing: Option<&str>, section: &str) -> String {
    splice_section(existing, BEGIN, END, section)
}

/// Put `section` between the markers `begin` and `end` of the existing file
/// (appended with them when they are missing, or a new file).
pub fn splice_section(existing: Option<&str>, begin: &str, end: &str, section: &str) -> String {
    let block = format!("{begin}\n{section}{end}\n");
    match existing {
        Some(old) => match (old.find(begin), old.find(end)) {
            (Some(b), Some(e)) if b < e => {
                let after = old.get(e + end.len()..).unwrap_or_default();
                let after = after.trim_start_matches('\n');
                let gap = if after.is_empty() { "" } else { "\n" };
                format!("{}{block}{gap}{after}", &old[..b])
            }
            _ => format!("{}\n\n{block}", old.trim_end()),
        },
        None => format!("# Benchmarks\n\n{block}"),
    }
}

/// Rewrite the section between `begin` and `end` of `docs/BENCHMARKS.md`.
pub fn write_section(root: &Path, begin: &str, end: &str, section: &str) -> anyhow::Result<()> {
    let path = root.join("docs/BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).ok();
    std::fs::write(&path, splice_section(old.as_deref(), begin, end, section))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn first_line(program: &str, args: &[&str]) -> String {
    cmd::stdout_of(program, args)
        .and_then(|s| s.lines().next().map(str::to_owned))
        .unwrap_or_else(|| "not found".into())
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|s| s.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown".into());
    let sha_ni = cpuinfo
        .lines()
        .find(|l| l.starts_with("flags"))
        .is_some_and(|l| l.split_whitespace().any(|f| f == "sha_ni"));
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        })
        .map_or_else(
            || "?".into(),
            |kib| format!("{:.0} GiB", kib / 1024.0 / 1024.0),
        );
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!(
        "- CPU: {model}, {cores} cores, SHA-NI {}\n- Memory: {mem}\n- OS: {os}, kernel {}\n\
         - Load average when the run started: {} (the machine is shared; numbers are best of {} runs)\n",
        if sha_ni { "present" } else { "absent" },
        first_line("uname", &["-r"]),
        load.join(" "),
        crate::bench_hash::RUNS,
    )
}

fn npm_version(root: &Path, package: &str) -> String {
    let path = root.join(format!("xtask/bench/node_modules/{package}/package.json"));
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| serde_json::from_str::<Value>(&s).ok())
        .and_then(|v| v["version"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

fn versions(root: &Path, browser: &Value) -> String {
    format!(
        "- {}; modelvet {}; sha2 0.11 (wasm32 built with `+simd128`)\n- {}\n- {}\n\
         - Chromium {} (headless), Node {}, playwright-core {}, hash-wasm {}\n",
        first_line("rustc", &["-V"]),
        modelvet_core::TOOL_VERSION,
        first_line("sha256sum", &["--version"]),
        first_line("openssl", &["version"]),
        browser["chromium"].as_str().unwrap_or("?"),
        first_line("node", &["--version"]),
        npm_version(root, "playwright-core"),
        npm_version(root, "hash-wasm"),
    )
}

fn met(ok: bool) -> &'static str {
    if ok {
        "**met**"
    } else {
        "**not met**"
    }
}

fn secs(ms: &Value) -> f64 {
    ms.as_f64().unwrap_or(f64::NAN) / 1000.0
}

fn runs_ms(v: &Value) -> String {
    v["runs"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| format!("{:.2}", secs(x)))
                .collect::<Vec<_>>()
                .join(" / ")
        })
        .unwrap_or_default()
}

pub fn render(root: &Path, date: &str, bytes: u64, native: &[Timed], b: &Value) -> String {
    let gib = bytes as f64 / (1u64 << 30) as f64;
    let mut s = String::new();
    let _ = writeln!(s, "## SHA-256 (`cargo xtask bench hash`, {date})\n");
    let _ = writeln!(s, "### Machine\n\n{}", machine());
    let _ = writeln!(s, "### Versions\n\n{}", versions(root, b));
    let _ = writeln!(
        s,
        "### Method\n\n\
         Files of pseudo-random bytes (xorshift, each MiB stamped with its index) in `bench-work/hash/`: \
         four of {gib:.0} GiB and one of 4 GiB. The page cache is warm (every file is read once by \
         `openssl dgst` before timing, which also gives the reference digests). Every run's digest is \
         checked against that reference. Times are wall clock, best of {runs}; all runs are listed.\n\n\
         - Command line: the whole process, `modelvet scan --format json FILE` (the `dist` build; \
         hashing plus format detection and scan) against `sha256sum FILE` and `openssl dgst -sha256 FILE`.\n\
         - Browser: headless Chromium driven by playwright-core; the page is served from localhost \
         (`xtask/bench/page/`). Each file is hashed in a Web Worker that reads it as the app does: \
         `File.stream()` with a bring-your-own-buffer reader whose reads fill one reused {chunk} MiB \
         buffer before it goes to the hasher, so the browser reads ahead while the worker hashes. Both \
         streaming hashers get the same chunks: modelvet-js (`Sha256Stream`, this repository, \
         `wasm-bindgen --target web`) and hash-wasm's `createSHA256`. WebCrypto has no streaming \
         digest, so it reads the whole file (`File.arrayBuffer`) and calls `subtle.digest` once; \
         that time includes the read. Times are from posting the file to receiving the digest.\n\
         - Hasher alone: {in_memory} MiB of pseudo-random bytes already in a worker's memory, \
         fed in {chunk} MiB chunks; best of {runs}.\n\
         - Memory: first, on the freshly loaded page, while one worker hashes the 4 GiB file \
         with modelvet-js, the resident set of Chromium's renderer process (`/proc/PID/status` \
         VmRSS, which includes workers and wasm memory) and `performance.memory` of the page are \
         sampled every 250 ms.\n\
         - MB/s is 10^6 bytes per second.\n",
        runs = crate::bench_hash::RUNS,
        chunk = b["chunk"].as_u64().unwrap_or(0) >> 20,
        in_memory = b["inMemory"]["bytes"].as_u64().unwrap_or(0) >> 20,
    );

    // Command line.
    let sha256sum = native.iter().find(|t| t.name == "sha256sum");
    let _ = writeln!(
        s,
        "### Command line, one {gib:.0} GiB file\n\n| command | best | MB/s | × sha256sum | runs (s) |\n|---|---:|---:|---:|---|"
    );
    for t in native {
        let ratio = sha256sum.map_or(f64::NAN, |base| base.best / t.best);
        let _ = writeln!(
            s,
            "| `{}` | {:.2} s | {:.0} | {ratio:.2}× | {} |",
            t.name,
            t.best,
            t.mb_s(bytes),
            t.runs
                .iter()
                .map(|r| format!("{r:.2}"))
                .collect::<Vec<_>>()
                .join(" / ")
        );
    }
    let cli_ratio = match (native.first(), sha256sum) {
        (Some(cli), Some(base)) => base.best / cli.best,
        _ => f64::NAN,
    };
    let _ = writeln!(
        s,
        "\nTarget: the CLI at least 4× `sha256sum`: {cli_ratio:.2}×, {}.\n",
        met(cli_ratio >= 4.0)
    );

    // Browser, one stream.
    let single = &b["single"];
    let base = secs(&single["hash-wasm"]["ms"]);
    let _ = writeln!(
        s,
        "### Browser, one {gib:.0} GiB file, one worker\n\n| implementation | best | MB/s | × hash-wasm | runs (s) |\n|---|---:|---:|---:|---|"
    );
    for (name, label) in [
        ("modelvet", "modelvet-js `Sha256Stream`"),
        ("hash-wasm", "hash-wasm `createSHA256`"),
        (
            "webcrypto",
            "WebCrypto `subtle.digest` (one shot, includes reading the file)",
        ),
    ] {
        let t = secs(&single[name]["ms"]);
        let _ = writeln!(
            s,
            "| {label} | {t:.2} s | {:.0} | {:.2}× | {} |",
            bytes as f64 / MB / t,
            base / t,
            runs_ms(&single[name])
        );
    }
    let ours = base / secs(&single["modelvet"]["ms"]);
    let _ = writeln!(
        s,
        "\nTarget: one stream at least 1.25× hash-wasm: {ours:.2}×, {}.\n",
        met(ours >= 1.25)
    );
    let alone = &b["inMemory"];
    let (ours_alone, theirs_alone) = (
        alone["modelvet"].as_f64().unwrap_or(f64::NAN),
        alone["hash-wasm"].as_f64().unwrap_or(f64::NAN),
    );
    let _ = writeln!(
        s,
        "The hashers alone, on bytes already in memory: modelvet-js {ours_alone:.0} MB/s, \
         hash-wasm {theirs_alone:.0} MB/s ({:.2}×).\n",
        ours_alone / theirs_alone
    );

    // Browser, four files.
    let four = &b["four"];
    let _ = writeln!(
        s,
        "### Browser, four {gib:.0} GiB files at once, four workers\n\n| implementation | best (all four) | aggregate MB/s | × its one-stream rate | cores busy (one stream → four) | runs (s) |\n|---|---:|---:|---:|---:|---|"
    );
    let mut scaling = Vec::new();
    for (name, label) in [
        ("modelvet", "modelvet-js `Sha256Stream`"),
        ("hash-wasm", "hash-wasm `createSHA256`"),
    ] {
        let t = secs(&four[name]["ms"]);
        let scale = 4.0 * secs(&single[name]["ms"]) / t;
        scaling.push(scale);
        let _ = writeln!(
            s,
            "| {label} | {t:.2} s | {:.0} | {scale:.2}× | {:.2} → {:.2} | {} |",
            4.0 * bytes as f64 / MB / t,
            single[name]["cores"].as_f64().unwrap_or(f64::NAN),
            four[name]["cores"].as_f64().unwrap_or(f64::NAN),
            runs_ms(&four[name])
        );
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let ours4 = scaling.first().copied().unwrap_or(f64::NAN);
    // One stream already keeps more than one core busy: the worker hashes
    // while the browser reads the file on its own threads. Four streams can
    // go at most as much faster as the cores left allow.
    let per_stream = single["modelvet"]["cores"].as_f64().unwrap_or(f64::NAN);
    let ceiling = (cores as f64 / per_stream).min(4.0);
    let _ = writeln!(
        s,
        "\nTarget: four files scale with workers. \"Cores busy\" is Chromium's CPU time (every \
         process, from `/proc`) over the wall time. One modelvet-js stream keeps {per_stream:.2} \
         cores busy (the worker hashes while the browser reads ahead on its own threads), so on \
         {cores} cores four streams can be at most {ceiling:.2}× faster than one; modelvet-js \
         reaches {ours4:.2}×, {:.0}% of that ceiling ({}, counting ≥ 80% as scaling).\n\
         WebCrypto is left out here: one-shot digests of four files would hold 4 × {gib:.0} GiB in memory.\n",
        100.0 * ours4 / ceiling,
        met(ours4 >= 0.8 * ceiling),
    );

    // Memory.
    let m = &b["memory"];
    let samples: Vec<&Value> = m["samples"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let rss: Vec<f64> = samples
        .iter()
        .filter_map(|x| x["renderer"].as_f64())
        .collect();
    let heap: Vec<f64> = samples
        .iter()
        .filter_map(|x| x["heap"]["used"].as_f64())
        .collect();
    let first = rss.first().copied().unwrap_or(f64::NAN);
    let peak = rss.iter().copied().fold(f64::NAN, f64::max);
    let last = rss.last().copied().unwrap_or(f64::NAN);
    let big = m["size"].as_f64().unwrap_or(f64::NAN);
    let growth = peak - first;
    let _ = writeln!(
        s,
        "### Memory while hashing a {:.0} GiB file (modelvet-js, one worker)\n\n\
         Hashed in {:.1} s ({:.0} MB/s), {} samples.\n\n\
         | renderer RSS | MiB |\n|---|---:|\n| before | {:.0} |\n| peak | {:.0} |\n| after | {:.0} |\n| peak − before | {:.0} |\n\n\
         Page JS heap (`performance.memory.usedJSHeapSize`): {:.1} – {:.1} MiB. \
         Linear memory of the modelvet-js module after hashing: {:.1} MiB (the hasher's own state \
         is constant, and every read reuses the same buffer, so nothing waits for the garbage \
         collector).\n\n\
         Renderer RSS over time (MiB): {}\n\n\
         Target: memory flat (peak growth under 5% of the file, {:.0} MiB): {:.0} MiB, {}.\n",
        big / (1u64 << 30) as f64,
        secs(&m["ms"]),
        big / MB / secs(&m["ms"]),
        samples.len(),
        first / MIB,
        peak / MIB,
        last / MIB,
        growth / MIB,
        heap.iter().copied().fold(f64::INFINITY, f64::min) / MIB,
        heap.iter().copied().fold(f64::NAN, f64::max) / MIB,
        m["wasmBytes"].as_f64().unwrap_or(f64::NAN) / MIB,
        sparse(&rss),
        0.05 * big / MIB,
        growth / MIB,
        met(growth < 0.05 * big),
    );
    s
}

/// About twenty evenly spaced samples, in MiB.
fn sparse(rss: &[f64]) -> String {
    let step = (rss.len() / 20).max(1);
    rss.iter()
        .step_by(step)
        .map(|v| format!("{:.0}", v / MIB))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_replaces_only_the_hash_section() {
        let first = splice(None, "one\n");
        assert!(first.starts_with("# Benchmarks\n"));
        let edited = format!("{first}\n## Scan\n\nkept\n");
        let second = splice(Some(&edited), "two\n");
        assert!(
            second.contains("two\n") && !second.contains("one\n"),
            "{second}"
        );
        assert!(second.ends_with("## Scan\n\nkept\n"), "{second}");
        let appended = splice(Some("# Benchmarks\n\n## Scan\n"), "three\n");
        assert!(
            appended.starts_with("# Benchmarks\n\n## Scan\n\n<!--"),
            "{appended}"
        );
    }
}
