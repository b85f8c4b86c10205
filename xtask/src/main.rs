//! `cargo xtask`: the developer and CI entry points of modelvet.
//!
//! A shell around cargo, trunk, wasm-bindgen, node and the browser. It sets up
//! the pinned tools when they are missing, then runs what was asked.

mod bench_hash;
mod bench_report;
mod bench_robust;
mod bench_scan;
mod cmd;
mod deny;
mod docs;
mod fuzz;
mod serve;
mod setup;
mod test;

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  serve [--port N]   set up the tools, then `trunk serve` the web app (default port 8080)
  test               set up the tools, then every check CI runs (cargo deny, fmt, clippy, tests,
                     wasm tests in headless Chromium, browser end to end, generated docs)
  docs [--check]     regenerate docs/rules/*.md, docs/report.schema.json, docs/limits.md
                     (--check: fail if they are out of date)
  deny               cargo deny check (licences, advisories, duplicate versions,
                     sources) with the RustSec snapshot of ../shared, offline;
                     installs cargo-deny when it is missing
  fuzz-build         build every fuzz target (`cargo +nightly fuzz build`; installs
                     cargo-fuzz when it is missing)
  fuzz --time N      run every fuzz target for N seconds with memory and time limits;
                     writes docs/BENCHMARKS.md, fails on any crash, OOM or timeout
  setup              only install what is missing (wasm32 target, trunk, wasm-bindgen-cli)
  bench hash         SHA-256 throughput: CLI vs sha256sum/openssl, browser wasm vs
                     hash-wasm vs WebCrypto; writes docs/BENCHMARKS.md
  bench scan [--corpus-only]
                     detection and time vs peers on target/bench-corpus/; writes
                     docs/BENCHMARKS.md (--corpus-only: only write the corpus)
  bench robust       hostile inputs (bombs, streams, devices) through the CLI: time,
                     peak memory, exit code, budget hit; writes docs/BENCHMARKS.md
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("xtask: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    let root = repo_root()?;
    let strs: Vec<&str> = args.iter().map(String::as_str).collect();
    if strs == ["test"] {
        // Ends with its own summary line; no error message after it.
        return test::run(&root);
    }
    match strs.as_slice() {
        ["serve", rest @ ..] => serve::run(&root, parse_port(rest)?),
        ["docs"] => docs::write(&root),
        ["docs", "--check"] => docs::check(&root),
        ["deny"] => {
            setup::ensure_cargo_tools(&root, &[setup::CARGO_DENY]).and_then(|()| deny::check(&root))
        }
        ["fuzz-build"] => fuzz::build(&root),
        ["fuzz", rest @ ..] => fuzz::run(&root, rest),
        ["setup"] => setup::ensure_all(&root).map(|_| ()),
        ["bench", "hash", rest @ ..] => bench_hash::run(&root, rest),
        ["bench", "scan"] => bench_scan::run(&root),
        ["bench", "scan", "--corpus-only"] => bench_scan::corpus_only(&root),
        ["bench", "robust"] => bench_robust::run(&root),
        [] | ["help" | "--help" | "-h"] => {
            print!("{USAGE}");
            Ok(())
        }
        _ => {
            eprint!("{USAGE}");
            bail!("unknown command: {}", args.join(" "))
        }
    }
    .map(|()| ExitCode::SUCCESS)
}

fn parse_port(rest: &[&str]) -> anyhow::Result<u16> {
    match rest {
        [] => Ok(8080),
        ["--port", n] => n.parse().with_context(|| format!("bad port `{n}`")),
        [flag] if flag.starts_with("--port=") => {
            let n = flag.trim_start_matches("--port=");
            n.parse().with_context(|| format!("bad port `{n}`"))
        }
        _ => bail!("usage: cargo xtask serve [--port N]"),
    }
}

/// The workspace root (the folder above `xtask/`).
fn repo_root() -> anyhow::Result<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .context("xtask has no parent folder")
}
