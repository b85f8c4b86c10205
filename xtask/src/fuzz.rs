//! The fuzz targets (a separate workspace that needs nightly): building them
//! (`cargo xtask fuzz-build`) and running every one for a while with memory
//! and time limits (`cargo xtask fuzz --time N`), so a decompression bomb or
//! a hang is a failure like a crash.
//!
//! A run records per target the executions, executions per second, coverage
//! and corpus size from libFuzzer's final statistics, and every finding
//! (crash, out-of-memory, timeout) with its artifact, in the fuzz section of
//! docs/BENCHMARKS.md. Each finding is also copied into
//! `fuzz/regressions/<target>/`, which a native test replays
//! (`crates/modelvet-core/tests/fuzz_regressions.rs`).

use crate::{bench_report, cmd, setup};
use anyhow::{bail, Context};
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// `-rss_limit_mb`: a target whose resident memory passes this is an
/// out-of-memory finding. 2 GiB is 4× the default `archive.max_member_bytes`
/// and what a browser tab can hope for.
pub const RSS_LIMIT_MB: u64 = 2048;
/// `-malloc_limit_mb`: one allocation larger than this is an out-of-memory
/// finding at once (before the memory is touched).
pub const MALLOC_LIMIT_MB: u64 = 2048;
/// `-timeout`: one input taking longer than this is a timeout finding.
pub const TIMEOUT_SECS: u64 = 10;
/// `-max_len` for most targets: model headers and compressed streams that
/// matter fit in 64 KiB, and longer inputs only slow the search down.
pub const MAX_LEN: u64 = 64 * 1024;

/// Targets that need longer inputs (a tar member after its 512-byte header,
/// several members), or only short ones (a few HTTP header lines).
fn max_len(target: &str) -> u64 {
    match target {
        "tar" | "zip" | "scan_any" => 256 * 1024,
        "hub_links" => 8 * 1024,
        _ => MAX_LEN,
    }
}

const BEGIN: &str = "<!-- fuzz: begin (cargo xtask fuzz rewrites this part) -->";
const END: &str = "<!-- fuzz: end -->";

/// Why the fuzz targets cannot be built here, or `None` if they can.
pub fn unavailable() -> Option<String> {
    if cmd::stdout_of("cargo", ["+nightly", "--version"]).is_none() {
        return Some(
            "no nightly toolchain; install with `rustup toolchain install nightly`".into(),
        );
    }
    None
}

/// `cargo +nightly fuzz ...` run from `fuzz/`.
fn cargo_fuzz(root: &Path) -> Command {
    // The rustup proxy picks the toolchain from `+nightly`; a `CARGO` set by
    // the outer stable cargo would override it, so call `cargo` from PATH.
    // The fuzz workspace keeps its own target folder (`fuzz/target`).
    let mut c = Command::new("cargo");
    c.args(["+nightly", "fuzz"])
        .env_remove("CARGO")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTC")
        .env_remove("RUSTUP_TOOLCHAIN")
        .current_dir(root.join("fuzz"));
    c
}

/// `cargo xtask fuzz-build`: installs cargo-fuzz when it is missing, then
/// builds every target.
pub fn build(root: &Path) -> anyhow::Result<()> {
    if let Some(why) = unavailable() {
        bail!("cannot build the fuzz targets: {why}");
    }
    setup::ensure_cargo_tools(root, &[setup::CARGO_FUZZ])?;
    let mut c = cargo_fuzz(root);
    c.arg("build");
    cmd::run(&mut c)
}

/// What one target's run gave.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TargetRun {
    pub name: String,
    pub execs: u64,
    pub execs_per_sec: u64,
    pub cov: u64,
    pub ft: u64,
    pub corpus_units: u64,
    pub corpus_bytes: u64,
    pub peak_rss_mb: u64,
    /// Artifact file names (`crash-…`, `oom-…`, `timeout-…`).
    pub findings: Vec<String>,
    /// Set when libFuzzer stopped without final statistics or an artifact.
    pub problem: Option<String>,
}

impl TargetRun {
    fn failed(&self) -> bool {
        !self.findings.is_empty() || self.problem.is_some()
    }
}

/// `cargo xtask fuzz --time N`.
pub fn run(root: &Path, rest: &[&str]) -> anyhow::Result<()> {
    let secs = parse_time(rest)?;
    build(root)?;
    let listed =
        cmd::stdout_of_in(cargo_fuzz(root).arg("list")).context("`cargo fuzz list` failed")?;
    let targets: Vec<String> = listed.lines().map(|l| l.trim().to_owned()).collect();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    let logs = root.join("target/xtask/fuzz");
    std::fs::create_dir_all(&logs)?;
    let started = Instant::now();
    let mut runs = Vec::new();
    for target in &targets {
        let r = run_target(root, &logs, target, secs)?;
        eprintln!(
            "fuzz: {target}: {} execs ({}/s), cov {} ft {}, corpus {}{}",
            r.execs,
            r.execs_per_sec,
            r.cov,
            r.ft,
            r.corpus_units,
            if r.failed() {
                format!(", FOUND {}", describe_findings(&r))
            } else {
                String::new()
            }
        );
        runs.push(r);
    }
    let section = render(&runs, secs, &load, cmd::human(started.elapsed()));
    bench_report::write_section(root, BEGIN, END, &section)?;
    eprintln!("\n{section}");
    let failed: Vec<&str> = runs
        .iter()
        .filter(|r| r.failed())
        .map(|r| r.name.as_str())
        .collect();
    if !failed.is_empty() {
        bail!(
            "findings in {} (artifacts in fuzz/artifacts/<target>/, copied to fuzz/regressions/<target>/)",
            failed.join(", ")
        );
    }
    Ok(())
}

fn parse_time(rest: &[&str]) -> anyhow::Result<u64> {
    let n = match rest {
        ["--time", n] => *n,
        [flag] if flag.starts_with("--time=") => flag.trim_start_matches("--time="),
        _ => bail!("usage: cargo xtask fuzz --time SECONDS"),
    };
    match n.parse::<u64>() {
        Ok(s) if s > 0 => Ok(s),
        _ => bail!("bad time `{n}`: a whole number of seconds"),
    }
}

/// Run one target for `secs` seconds with the limits; parse what it printed.
fn run_target(root: &Path, logs: &Path, target: &str, secs: u64) -> anyhow::Result<TargetRun> {
    let corpus = root.join("fuzz/corpus").join(target);
    let artifacts = root.join("fuzz/artifacts").join(target);
    let seeds = root.join("fuzz/regressions").join(target);
    std::fs::create_dir_all(&corpus)?;
    std::fs::create_dir_all(&artifacts)?;
    let before = file_names(&artifacts);
    let mut c = cargo_fuzz(root);
    c.args(["run", target]).arg(&corpus);
    if seeds.is_dir() {
        // Read as seeds; new units go to the first folder only.
        c.arg(&seeds);
    }
    c.arg("--").args([
        format!("-max_total_time={secs}"),
        format!("-rss_limit_mb={RSS_LIMIT_MB}"),
        format!("-malloc_limit_mb={MALLOC_LIMIT_MB}"),
        format!("-timeout={TIMEOUT_SECS}"),
        format!("-max_len={}", max_len(target)),
        "-print_final_stats=1".to_owned(),
    ]);
    let log_path = logs.join(format!("{target}.log"));
    let log = std::fs::File::create(&log_path)?;
    eprintln!(
        "\n==> fuzz {target} ({secs} s)\n$ {}\n  (log: {})",
        cmd::display(&c),
        log_path.display()
    );
    let status = c
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .status()
        .with_context(|| format!("cannot start cargo fuzz run {target}"))?;
    let text = std::fs::read_to_string(&log_path).unwrap_or_default();
    let mut r = parse_log(target, &text);
    let new: Vec<String> = file_names(&artifacts)
        .into_iter()
        .filter(|n| !before.contains(n))
        .collect();
    for name in &new {
        std::fs::create_dir_all(&seeds)?;
        std::fs::copy(artifacts.join(name), seeds.join(name))?;
    }
    r.findings = new;
    if r.findings.is_empty() && !status.success() {
        r.problem = Some(format!(
            "stopped ({status}) without an artifact; see {}",
            log_path.display()
        ));
    }
    Ok(r)
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|it| {
            it.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The numbers of a libFuzzer log: `stat::` lines of `-print_final_stats`,
/// coverage and corpus from the last status line (`#N DONE cov: … ft: …
/// corp: U/Bb …`).
pub fn parse_log(target: &str, log: &str) -> TargetRun {
    let mut r = TargetRun {
        name: target.to_owned(),
        ..TargetRun::default()
    };
    let stat = |key: &str| {
        log.lines()
            .filter_map(|l| l.trim().strip_prefix(key))
            .filter_map(|v| v.trim_start_matches(':').trim().parse::<u64>().ok())
            .next_back()
    };
    r.execs = stat("stat::number_of_executed_units").unwrap_or(0);
    r.execs_per_sec = stat("stat::average_exec_per_sec").unwrap_or(0);
    r.peak_rss_mb = stat("stat::peak_rss_mb").unwrap_or(0);
    let status_line = log
        .lines()
        .rfind(|l| l.starts_with('#') && l.contains(" cov: "))
        .unwrap_or_default();
    let field = |name: &str| {
        let mut words = status_line.split_whitespace();
        words.find(|w| *w == name)?;
        words.next()
    };
    let num = |name: &str| field(name).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    r.cov = num("cov:");
    r.ft = num("ft:");
    if let Some((units, bytes)) = field("corp:").and_then(|c| c.split_once('/')) {
        r.corpus_units = units.parse().unwrap_or(0);
        r.corpus_bytes = parse_size(bytes.trim_end_matches('b'));
    }
    if r.execs == 0 {
        // A run stopped by a finding prints no final statistics: take the
        // execution count from the last status line (`#1234`).
        r.execs = status_line
            .split_whitespace()
            .next()
            .and_then(|w| w.trim_start_matches('#').parse().ok())
            .unwrap_or(0);
    }
    r
}

/// `315`, `12Kb` (already stripped of `b`), `3Mb`.
fn parse_size(s: &str) -> u64 {
    let (digits, mult) = match s.chars().last() {
        Some('K') => (&s[..s.len() - 1], 1 << 10),
        Some('M') => (&s[..s.len() - 1], 1 << 20),
        _ => (s, 1),
    };
    digits.parse::<u64>().unwrap_or(0) * mult
}

fn kind(artifact: &str) -> &str {
    artifact.split('-').next().unwrap_or("finding")
}

fn describe_findings(r: &TargetRun) -> String {
    let mut parts: Vec<String> = r
        .findings
        .iter()
        .map(|f| format!("{} `{f}`", kind(f)))
        .collect();
    if let Some(p) = &r.problem {
        parts.push(p.clone());
    }
    parts.join(", ")
}

fn render(runs: &[TargetRun], secs: u64, load: &str, took: String) -> String {
    let mut s = String::new();
    let date = cmd::stdout_of("date", ["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default();
    let _ = writeln!(s, "## Fuzzing (`cargo xtask fuzz --time {secs}`, {date})\n");
    let _ = writeln!(
        s,
        "Every target of `fuzz/` for {secs} s, one after another ({took} in all, load \
         average {load} when it started), each with `-rss_limit_mb={RSS_LIMIT_MB}` \
         `-malloc_limit_mb={MALLOC_LIMIT_MB}` `-timeout={TIMEOUT_SECS}` and `-max_len` \
         ({} bytes for most targets), so a decompression bomb is an out-of-memory finding \
         and a hang a timeout finding, like a crash. The corpus is `fuzz/corpus/<target>/` \
         (kept between runs, not committed) plus the seeds in `fuzz/regressions/<target>/`; \
         coverage is libFuzzer's `cov:` (edges) and `ft:` (features) from the last status \
         line; the build is `cargo fuzz build` (release, debug assertions, AddressSanitizer).\n",
        MAX_LEN
    );
    let _ = writeln!(
        s,
        "| target | executions | exec/s | cov | ft | corpus (units / bytes) | peak RSS (MiB) | findings |\n\
         |---|---:|---:|---:|---:|---:|---:|---|"
    );
    for r in runs {
        let findings = if r.failed() {
            describe_findings(r)
        } else {
            "none".to_owned()
        };
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} | {} / {} | {} | {findings} |",
            r.name,
            r.execs,
            r.execs_per_sec,
            r.cov,
            r.ft,
            r.corpus_units,
            r.corpus_bytes,
            r.peak_rss_mb
        );
    }
    let failed = runs.iter().filter(|r| r.failed()).count();
    let _ = writeln!(
        s,
        "\n{} of {} targets found nothing. A finding's artifact is in \
         `fuzz/artifacts/<target>/` and is copied to `fuzz/regressions/<target>/`; reproduce \
         with `cargo +nightly fuzz run <target> fuzz/regressions/<target>/<artifact>` (from the \
         `fuzz/` folder: `cargo +nightly fuzz run <target> regressions/<target>/<artifact>`).\n",
        runs.len() - failed,
        runs.len()
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const DONE: &str = "\
INFO: Seed: 1
#1697\tDONE   cov: 1351 ft: 1937 corp: 113/315b lim: 4 exec/s: 424 rss: 130Mb
Done 1697 runs in 4 second(s)
stat::number_of_executed_units: 1697
stat::average_exec_per_sec:     424
stat::new_units_added:          111
stat::slowest_unit_time_sec:    0
stat::peak_rss_mb:              130
";

    #[test]
    fn final_stats_are_read() {
        let r = parse_log("tar", DONE);
        assert_eq!(
            (
                r.execs,
                r.execs_per_sec,
                r.cov,
                r.ft,
                r.corpus_units,
                r.corpus_bytes
            ),
            (1697, 424, 1351, 1937, 113, 315)
        );
        assert_eq!(r.peak_rss_mb, 130);
    }

    #[test]
    fn a_run_stopped_by_a_finding_keeps_its_last_status() {
        let log = "#4096\tpulse  cov: 10 ft: 20 corp: 5/12Kb lim: 4096 exec/s: 2048 rss: 50Mb\n\
                   ==1== ERROR: libFuzzer: out-of-memory (malloc(4294967296))\n";
        let r = parse_log("lzma", log);
        assert_eq!((r.execs, r.cov, r.ft, r.corpus_units), (4096, 10, 20, 5));
        assert_eq!(r.corpus_bytes, 12 << 10);
    }

    #[test]
    fn time_argument() {
        assert_eq!(parse_time(&["--time", "10"]).ok(), Some(10));
        assert_eq!(parse_time(&["--time=3"]).ok(), Some(3));
        assert!(parse_time(&["--time", "0"]).is_err());
        assert!(parse_time(&[]).is_err());
    }
}
