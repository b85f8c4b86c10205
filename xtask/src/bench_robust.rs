//! `cargo xtask bench robust`: every class of hostile input that once froze
//! or fooled a scan, run through the release CLI with `-j 2` as CI would:
//! its size, wall time, peak memory (the process's high-water mark, read
//! from `/proc` while it runs), exit code, the budget that stopped it and
//! whether the report is valid JSON. Inputs come from
//! `modelvet_testkit::bombs`, generated here (nothing large is committed).
//!
//! Targets (issue "Reliability under hostile input"): every input ends
//! within 10 s and 512 MiB, with exit 2 or a finding, and a valid report.

use crate::{bench_report, cmd};
use anyhow::Context;
use modelvet_testkit::{bombs, joblib, pickle, zip::ZipBuilder};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BEGIN: &str = "<!-- bench robust: begin (cargo xtask bench robust rewrites this part) -->";
const END: &str = "<!-- bench robust: end -->";
const MAX_SECONDS: f64 = 10.0;
const MAX_MIB: f64 = 512.0;
/// A case still running after this is killed and reported as a failure.
const KILL_AFTER: Duration = Duration::from_secs(120);

/// How a case feeds the CLI.
enum Input {
    /// A file (or folder) in the case folder, named on the command line.
    Path(&'static str),
    /// `cat FILE | modelvet scan -`.
    Stdin(&'static str),
    /// `cat /dev/zero | modelvet scan -`: a stream that never ends.
    EndlessStdin,
    /// A path outside the case folder (a device).
    Device(&'static str),
}

struct Case {
    class: &'static str,
    input: Input,
    extra: &'static [&'static str],
    /// Exit codes that are right for this input.
    expect: &'static [i32],
}

struct Measured {
    class: &'static str,
    expect: &'static [i32],
    size: u64,
    seconds: f64,
    peak_mib: f64,
    exit: Option<i32>,
    budget: String,
    report: String,
}

pub fn run(root: &Path) -> anyhow::Result<()> {
    let bin = cmd::dist_cli(root)?;
    let dir = root.join("target/bench-robust");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    eprintln!(
        "bench robust: generating the hostile inputs in {}",
        dir.display()
    );
    generate(&dir)?;
    let mut rows = Vec::new();
    for case in cases() {
        let m = measure(&bin, &dir, &case)?;
        eprintln!(
            "  {:<48} {:>6.2} s {:>7.1} MiB exit {:?} {}",
            m.class, m.seconds, m.peak_mib, m.exit, m.budget
        );
        rows.push(m);
    }
    let section = render(&rows);
    bench_report::write_section(root, BEGIN, END, &section)?;
    let failed: Vec<&str> = rows.iter().filter(|m| !meets(m)).map(|m| m.class).collect();
    anyhow::ensure!(failed.is_empty(), "targets missed: {}", failed.join(", "));
    Ok(())
}

fn generate(dir: &Path) -> anyhow::Result<()> {
    let write = |name: &str, bytes: Vec<u8>| -> anyhow::Result<()> {
        std::fs::write(dir.join(name), bytes).with_context(|| format!("writing {name}"))
    };
    write("evil.pkl", pickle::os_system(2, "id > /tmp/pwned"))?;
    write("fanout.zip", bombs::nested_zip_fanout(8, 20))?;
    write("nested42.zip", nested_deflated_zips(5, 16, 256 << 20))?;
    write("overlap.zip", bombs::zip_overlap(1000, 64 << 20))?;
    write("bomb.gz", bombs::gzip_members(160, 64 << 20))?;
    write(
        "nested.gz.gz.gz",
        bombs::nested_gzip(2, &bombs::gzip_members(16, 64 << 20)),
    )?;
    write("bombs.tar", bombs::tar_of_gzip_bombs(8, 5 << 27))?;
    write("bomb.xz", bombs::xz_streams(1024, 8 << 20))?;
    write("dictionary.lzma", bombs::lzma_alone_dictionary(0xffff_0000))?;
    write("errors.zip", bombs::zip_error_flood(100_000))?;
    write("joblib.pkl.gz", benign_joblib(64 << 20))?;
    let folder = dir.join("folder-with-pipe");
    std::fs::create_dir_all(&folder)?;
    std::fs::write(folder.join("model.pkl"), pickle::os_system(2, "id"))?;
    cmd::run(Command::new("mkfifo").arg(folder.join("pipe.pkl")))?;
    Ok(())
}

/// A benign joblib-style dump (`joblib.dump(data, f, compress=("gzip", 3))`
/// of one bytes object): a protocol 4 pickle of `len` bytes that compress
/// like real float weights (hardly at all), gzipped.
fn benign_joblib(len: u32) -> Vec<u8> {
    let mut data = b"\x80\x04B".to_vec();
    data.extend_from_slice(&len.to_le_bytes());
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    data.extend((0..len).map(|_| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x.to_le_bytes()[0]
    }));
    data.push(b'.');
    joblib::gzip(&data)
}

/// A 42.zip-style bomb without copies: each level is a zip of `fanout`
/// records that all point at one deflated copy of the level below, and the
/// bottom is `leaf` zeros.
fn nested_deflated_zips(levels: usize, fanout: usize, leaf: usize) -> Vec<u8> {
    let mut inner = vec![0u8; leaf];
    for level in 0..levels {
        let name = if level == 0 { "zeros.bin" } else { "inner.zip" };
        let mut zip = ZipBuilder::new().deflated(name, &inner);
        for i in 1..fanout {
            zip = zip.alias(&format!("{i}-{name}"));
        }
        inner = zip.build();
    }
    inner
}

/// A hostile input ends with a finding (1) or an error (2).
const HOSTILE: &[i32] = &[1, 2];

fn cases() -> Vec<Case> {
    vec![
        Case {
            class: "pickle on standard input (`-`)",
            input: Input::Stdin("evil.pkl"),
            extra: &[],
            expect: HOSTILE,
        },
        Case {
            class: "endless standard input (`/dev/zero` piped)",
            input: Input::EndlessStdin,
            extra: &[],
            expect: HOSTILE,
        },
        Case {
            class: "a device (`/dev/zero`)",
            input: Input::Device("/dev/zero"),
            extra: &[],
            expect: HOSTILE,
        },
        Case {
            class: "a named pipe in a folder",
            input: Input::Path("folder-with-pipe"),
            extra: &[],
            expect: HOSTILE,
        },
        Case {
            class: "stored overlapping nested zips (20^8 members)",
            input: Input::Path("fanout.zip"),
            extra: &[],
            expect: HOSTILE,
        },
        Case {
            class: "42.zip-style nested zips (16^5 x 256 MiB)",
            input: Input::Path("nested42.zip"),
            extra: &[],
            expect: HOSTILE,
        },
        Case {
            class: "overlapping zip bomb (1,000 x 64 MiB)",
            input: Input::Path("overlap.zip"),
            extra: &[],
            expect: HOSTILE,
        },
        Case {
            class: "gzip bomb (160 members, 10 GiB)",
            input: Input::Path("bomb.gz"),
            extra: &[],
            expect: HOSTILE,
        },
        Case {
            class: "gzip in gzip in gzip (1 GiB)",
            input: Input::Path("nested.gz.gz.gz"),
            extra: &[],
            expect: HOSTILE,
        },
        Case {
            class: "tar of 8 gzip bombs (10 GiB)",
            input: Input::Path("bombs.tar"),
            extra: &[],
            expect: HOSTILE,
        },
        Case {
            class: "xz bomb (1,024 streams, 8 GiB)",
            input: Input::Path("bomb.xz"),
            extra: &[],
            expect: HOSTILE,
        },
        Case {
            class: "lzma declaring a 4 GiB dictionary",
            input: Input::Path("dictionary.lzma"),
            extra: &[],
            expect: HOSTILE,
        },
        Case {
            class: "zip of 100,000 unreadable members (errors)",
            input: Input::Path("errors.zip"),
            extra: &[],
            expect: HOSTILE,
        },
        Case {
            class: "joblib dump of 64 MiB (benign, takes the heavy slot)",
            input: Input::Path("joblib.pkl.gz"),
            extra: &[],
            expect: &[0],
        },
        Case {
            class: "`-j 100000`",
            input: Input::Path("evil.pkl"),
            extra: &["-j", "100000"],
            expect: HOSTILE,
        },
    ]
}

fn measure(bin: &Path, dir: &Path, case: &Case) -> anyhow::Result<Measured> {
    let out = dir.join("report.json");
    let _ = std::fs::remove_file(&out);
    let mut command = Command::new(bin);
    command
        .current_dir(dir)
        .args(["scan", "-j", "2", "--format", "json", "-o"]);
    command
        .arg(&out)
        .args(case.extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut feeder: Option<Child> = None;
    let size = match &case.input {
        Input::Path(p) => {
            command.arg(p);
            size_of(&dir.join(p))
        }
        Input::Device(p) => {
            command.arg(p);
            0
        }
        Input::Stdin(p) => {
            let mut cat = Command::new("cat")
                .arg(dir.join(p))
                .stdout(Stdio::piped())
                .spawn()?;
            let pipe = cat.stdout.take().context("cat's output")?;
            command.stdin(Stdio::from(pipe)).arg("-");
            feeder = Some(cat);
            size_of(&dir.join(p))
        }
        Input::EndlessStdin => {
            let mut cat = Command::new("cat")
                .arg("/dev/zero")
                .stdout(Stdio::piped())
                .spawn()?;
            let pipe = cat.stdout.take().context("cat's output")?;
            command.stdin(Stdio::from(pipe)).arg("-");
            feeder = Some(cat);
            0
        }
    };
    let started = Instant::now();
    let mut child = command.spawn().context("starting modelvet")?;
    let status_path = PathBuf::from(format!("/proc/{}/status", child.id()));
    let mut peak_kib = 0u64;
    let status = loop {
        if let Some(kib) = std::fs::read_to_string(&status_path)
            .ok()
            .as_deref()
            .and_then(hwm_kib)
        {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if started.elapsed() > KILL_AFTER {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let seconds = started.elapsed().as_secs_f64();
    if let Some(mut f) = feeder {
        let _ = f.kill();
        let _ = f.wait();
    }
    let (budget, report) = read_report(&out);
    Ok(Measured {
        class: case.class,
        expect: case.expect,
        size,
        seconds,
        peak_mib: peak_kib as f64 / 1024.0,
        exit: status.and_then(|s| s.code()),
        budget,
        report,
    })
}

fn size_of(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// `VmHWM:   12345 kB` from `/proc/PID/status`.
fn hwm_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The budgets or limits named in the report's errors (or what stopped it
/// otherwise), and whether the report is valid JSON (with its size).
fn read_report(path: &Path) -> (String, String) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return ("—".into(), "none".into());
    };
    let Ok(report) = serde_json::from_str::<serde_json::Value>(&text) else {
        return ("—".into(), "invalid JSON".into());
    };
    let mut limits: Vec<String> = Vec::new();
    let mut other = None;
    for e in report["errors"].as_array().into_iter().flatten() {
        let m = e["message"].as_str().unwrap_or("");
        match m.split_once("limit `").and_then(|(_, r)| r.split_once('`')) {
            Some((limit, _)) => {
                if !limits.iter().any(|l| l == limit) {
                    limits.push(limit.to_owned());
                }
            }
            None => other = other.or(Some(cmd::abbreviate(m, 48))),
        }
    }
    let budget = if limits.is_empty() {
        match (other, report["verdict"].as_str()) {
            (Some(m), _) => m,
            (None, Some("fail")) => "— (finding)".into(),
            (None, v) => format!("— ({})", v.unwrap_or("?")),
        }
    } else {
        limits
            .iter()
            .map(|l| format!("`{l}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let kib = text.len() as f64 / 1024.0;
    (
        budget,
        format!(
            "valid, {kib:.0} KiB, {}",
            report["verdict"].as_str().unwrap_or("?")
        ),
    )
}

fn meets(m: &Measured) -> bool {
    m.seconds <= MAX_SECONDS
        && m.peak_mib <= MAX_MIB
        && m.exit.is_some_and(|c| m.expect.contains(&c))
        && (m.report.starts_with("valid") || m.class.starts_with("`-j"))
}

fn render(rows: &[Measured]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "## Hostile inputs (`cargo xtask bench robust`)\n\n\
         Each input is generated by `modelvet_testkit::bombs` and scanned by the `dist` \
         build with `scan -j 2 --format json -o report.json`, default limits, on this \
         machine ({} cores). Peak memory is the process's `VmHWM`. Targets: at most \
         {MAX_SECONDS:.0} s and {MAX_MIB:.0} MiB, exit 1 (a finding) or 2 (an error) for \
         hostile input and 0 for the benign dump, and a valid report. `-j 100000` is refused by the argument parser (exit 2, no report).\n",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    s.push_str(
        "| input | size | wall time | peak memory | exit | stopped by | report | target |\n",
    );
    s.push_str("|---|---:|---:|---:|---:|---|---|---|\n");
    for m in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {:.2} s | {:.0} MiB | {} | {} | {} | {} |",
            m.class,
            human_bytes(m.size),
            m.seconds,
            m.peak_mib,
            m.exit.map_or("killed".into(), |c| c.to_string()),
            m.budget,
            m.report,
            if meets(m) { "met" } else { "**missed**" }
        );
    }
    s.push('\n');
    s
}

fn human_bytes(n: u64) -> String {
    match n {
        0 => "—".into(),
        n if n < 1 << 10 => format!("{n} B"),
        n if n < 1 << 20 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0)),
    }
}
