//! `cargo xtask bench hash`: SHA-256 throughput of the CLI against
//! `sha256sum` and `openssl`, and of the browser wasm hasher against hash-wasm
//! and WebCrypto; memory while hashing a 4 GiB file. Every number comes from
//! one run on the same files, and goes into docs/BENCHMARKS.md.

use crate::{bench_report, cmd};
use anyhow::{bail, ensure, Context};
use serde_json::Value;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const GIB: u64 = 1 << 30;
pub const RUNS: usize = 3;
/// Read size of the browser workers (the app's `READ_CHUNK`).
const BROWSER_CHUNK: u64 = 1 << 20;

pub struct Timed {
    pub name: String,
    pub best: f64,
    pub runs: Vec<f64>,
}

impl Timed {
    pub fn mb_s(&self, bytes: u64) -> f64 {
        bytes as f64 / 1e6 / self.best
    }
}

pub fn run(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    ensure!(args.is_empty(), "usage: cargo xtask bench hash");
    let date = cmd::stdout_of("date", ["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default();
    let work = root.join("bench-work/hash");
    std::fs::create_dir_all(&work)?;

    eprintln!("bench: preparing data in {}", work.display());
    let one = data_file(&work, "a-1g.bin", GIB, 1)?;
    let four: Vec<PathBuf> = std::iter::once(Ok(one.clone()))
        .chain((2..=4).map(|i| {
            data_file(
                &work,
                &format!("{}-1g.bin", (b'a' + i - 1) as char),
                GIB,
                u64::from(i),
            )
        }))
        .collect::<anyhow::Result<_>>()?;
    let big = data_file(&work, "big-4g.bin", 4 * GIB, 9)?;

    let modelvet = cmd::dist_cli(root)?;

    // Warm the page cache, and take the reference digests.
    let mut reference = Vec::new();
    for f in four.iter().chain([&big]) {
        reference.push(openssl_digest(f)?);
    }

    eprintln!("bench: native, best of {RUNS} on {}", one.display());
    let native = vec![
        time_native(
            "modelvet scan --format json",
            &one,
            reference[0].as_str(),
            || {
                let mut c = Command::new(&modelvet);
                c.args(["scan", "--format", "json"]).arg(&one);
                c
            },
        )?,
        time_native("sha256sum", &one, reference[0].as_str(), || {
            let mut c = Command::new("sha256sum");
            c.arg(&one);
            c
        })?,
        time_native("openssl dgst -sha256", &one, reference[0].as_str(), || {
            let mut c = Command::new("openssl");
            c.args(["dgst", "-sha256"]).arg(&one);
            c
        })?,
    ];

    eprintln!("bench: building modelvet-js for the browser");
    cmd::run(cmd::cargo().current_dir(root).args([
        "build",
        "--release",
        "-p",
        "modelvet-js",
        "--target",
        "wasm32-unknown-unknown",
    ]))?;
    let pkg = work.join("pkg");
    cmd::run(
        Command::new("wasm-bindgen")
            .args(["--target", "web", "--out-dir"])
            .arg(&pkg)
            .arg(root.join("target/wasm32-unknown-unknown/release/modelvet_js.wasm")),
    )?;
    let bench_dir = root.join("xtask/bench");
    cmd::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&bench_dir),
    )?;

    eprintln!("bench: headless Chromium");
    let files: Vec<String> = four.iter().map(|p| p.display().to_string()).collect();
    let out = Command::new("node")
        .arg(bench_dir.join("run.mjs"))
        .arg("--pkg")
        .arg(&pkg)
        .args(["--files", &files.join(",")])
        .arg("--big")
        .arg(&big)
        .args([
            "--runs",
            &RUNS.to_string(),
            "--chunk",
            &BROWSER_CHUNK.to_string(),
        ])
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run node")?;
    ensure!(out.status.success(), "the browser benchmark failed");
    let browser: Value = serde_json::from_slice(&out.stdout).context("browser benchmark output")?;
    std::fs::write(work.join("browser.json"), &out.stdout)?;
    check_browser_digests(&browser, &reference)?;

    let section = bench_report::render(root, &date, GIB, &native, &browser);
    let path = root.join("docs/BENCHMARKS.md");
    let existing = std::fs::read_to_string(&path).ok();
    std::fs::create_dir_all(root.join("docs"))?;
    std::fs::write(&path, bench_report::splice(existing.as_deref(), &section))?;
    eprintln!("bench: wrote docs/BENCHMARKS.md\n\n{section}");
    Ok(())
}

/// A file of `len` bytes: 1 MiB of xorshift output, each MiB stamped with its
/// index and `seed` so no two blocks (or files) are equal. Reused if present.
fn data_file(dir: &Path, name: &str, len: u64, seed: u64) -> anyhow::Result<PathBuf> {
    let path = dir.join(name);
    if path.metadata().is_ok_and(|m| m.len() == len) {
        return Ok(path);
    }
    let mut state = 0x9e37_79b9_7f4a_7c15_u64 ^ seed;
    let mut block = vec![0u8; 1 << 20];
    for word in block.chunks_exact_mut(8) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        word.copy_from_slice(&state.to_le_bytes());
    }
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    for i in 0..len / block.len() as u64 {
        block[..16].copy_from_slice(&[i.to_le_bytes(), seed.to_le_bytes()].concat());
        out.write_all(&block)?;
    }
    out.flush()?;
    Ok(path)
}

fn openssl_digest(path: &Path) -> anyhow::Result<String> {
    let out = cmd::stdout_of(
        "openssl",
        [
            std::ffi::OsStr::new("dgst"),
            "-sha256".as_ref(),
            path.as_os_str(),
        ],
    )
    .context("openssl dgst failed")?;
    digest_in(&out).context("no digest in openssl output")
}

/// The first 64-hex-digit word of a tool's output.
fn digest_in(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_hexdigit())
        .find(|w| w.len() == 64)
        .map(str::to_lowercase)
}

fn time_native(
    name: &str,
    file: &Path,
    expected: &str,
    make: impl Fn() -> Command,
) -> anyhow::Result<Timed> {
    let mut runs = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let out = make().stderr(Stdio::null()).output()?;
        runs.push(started.elapsed().as_secs_f64());
        let text = String::from_utf8_lossy(&out.stdout);
        ensure!(
            digest_in(&text).as_deref() == Some(expected),
            "{name} printed a wrong digest for {}",
            file.display()
        );
    }
    let best = runs.iter().copied().fold(f64::INFINITY, f64::min);
    eprintln!("bench: {name}: best {best:.3}s of {runs:?}");
    Ok(Timed {
        name: name.to_owned(),
        best,
        runs,
    })
}

fn check_browser_digests(b: &Value, reference: &[String]) -> anyhow::Result<()> {
    let check = |impl_: &str, digests: &Value, want: &[String]| -> anyhow::Result<()> {
        let got: Vec<&str> = digests
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if got != want.iter().map(String::as_str).collect::<Vec<_>>() {
            bail!("{impl_} in the browser computed {got:?}, expected {want:?}");
        }
        Ok(())
    };
    for (name, v) in b["single"].as_object().context("single")? {
        check(name, &v["digests"], &reference[..1])?;
    }
    for (name, v) in b["four"].as_object().context("four")? {
        check(name, &v["digests"], &reference[..4])?;
    }
    let big = b["memory"]["digest"].as_str().unwrap_or_default();
    ensure!(big == reference[4], "4 GiB digest in the browser is wrong");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::digest_in;

    #[test]
    fn digests_from_tool_output() {
        let d = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(digest_in(&format!("{d}  file.bin\n")).as_deref(), Some(d));
        assert_eq!(
            digest_in(&format!("SHA2-256(file.bin)= {}\n", d.to_uppercase())).as_deref(),
            Some(d)
        );
        assert_eq!(
            digest_in(&format!("{{\"sha256\": \"{d}\"}}")).as_deref(),
            Some(d)
        );
        assert_eq!(digest_in("abc 123"), None);
    }
}
