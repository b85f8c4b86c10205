//! `cargo xtask test`: every check CI runs, in order, each timed, with a
//! summary. A step that cannot run here (no browser outside CI) is skipped
//! loudly and the run is reported INCOMPLETE; in CI it is a failure.

use crate::setup::{self, Browser};
use crate::{cmd, deny, docs, fuzz};
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

enum Outcome {
    Pass,
    Fail(String),
    Skip(String),
}

struct StepResult {
    name: &'static str,
    outcome: Outcome,
    took: Duration,
}

/// Whether to build the fuzz targets in `test` (measured: see docs/BENCHMARKS.md).
/// The step installs cargo-fuzz when it is missing (about 1.5 min on 2 cores)
/// and is skipped only without a nightly toolchain.
const FUZZ_BUILD_IN_TEST: bool = true;

struct Run<'a> {
    root: &'a Path,
    results: Vec<StepResult>,
}

impl Run<'_> {
    fn step(&mut self, name: &'static str, f: impl FnOnce() -> Outcome) -> bool {
        eprintln!("\n==> {name}");
        let started = Instant::now();
        let outcome = f();
        let took = started.elapsed();
        let ok = matches!(outcome, Outcome::Pass);
        match &outcome {
            Outcome::Pass => eprintln!("==> {name}: pass ({})", cmd::human(took)),
            Outcome::Fail(why) => eprintln!("==> {name}: FAIL ({}): {why}", cmd::human(took)),
            Outcome::Skip(why) => eprintln!("==> {name}: SKIPPED: {why}"),
        }
        self.results.push(StepResult {
            name,
            outcome,
            took,
        });
        ok
    }

    fn command(&mut self, name: &'static str, mut command: Command) -> bool {
        let root = self.root;
        self.step(name, || outcome(cmd::run(command.current_dir(root))))
    }

    /// A step that needs the browser: skipped outside CI when it is missing.
    fn browser_command(&mut self, name: &'static str, browser: &Browser, command: Command) -> bool {
        match browser.missing() {
            None => self.command(name, command),
            Some(why) if cmd::in_ci() => self.step(name, || Outcome::Fail(why)),
            Some(why) => self.step(name, || Outcome::Skip(why)),
        }
    }

    fn skip(&mut self, name: &'static str, why: &str) {
        self.step(name, || Outcome::Skip(why.to_owned()));
    }
}

fn outcome(r: anyhow::Result<()>) -> Outcome {
    match r {
        Ok(()) => Outcome::Pass,
        Err(e) => Outcome::Fail(format!("{e:#}")),
    }
}

fn cargo(args: &[&str]) -> Command {
    let mut c = cmd::cargo();
    c.args(args);
    c
}

pub fn run(root: &Path) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let mut run = Run {
        root,
        results: Vec::new(),
    };
    let mut browser = Browser::find();
    run.step("setup", || {
        match setup::ensure_with(root, &[setup::CARGO_DENY]) {
            Ok(b) => {
                browser = b;
                Outcome::Pass
            }
            Err(e) => Outcome::Fail(format!("{e:#}")),
        }
    });
    run.step("generated docs up to date", || outcome(docs::check(root)));
    run.step("dependencies (cargo deny, offline advisories)", || {
        outcome(deny::check(root))
    });
    run.command("fmt", cargo(&["fmt", "--all", "--check"]));
    run.command(
        "clippy (native)",
        cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    );
    run.command(
        "clippy (wasm32)",
        cargo(&[
            "clippy",
            "-p",
            "modelvet-core",
            "-p",
            "modelvet-web",
            "-p",
            "modelvet-js",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ]),
    );
    run.command("tests (native)", cargo(&["test", "--workspace"]));

    let mut wasm_tests = cargo(&[
        "test",
        "-p",
        "modelvet-core",
        "--target",
        "wasm32-unknown-unknown",
        "--test",
        "wasm",
    ]);
    wasm_tests.env(
        "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
        "wasm-bindgen-test-runner",
    );
    if let Some(driver) = &browser.chromedriver {
        wasm_tests.env("CHROMEDRIVER", driver);
    }
    run.browser_command("tests (wasm, headless Chromium)", &browser, wasm_tests);

    let mut worker_tests = cargo(&[
        "test",
        "-p",
        "modelvet-web",
        "--target",
        "wasm32-unknown-unknown",
        "--test",
        "worker_job",
    ]);
    worker_tests.env(
        "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
        "wasm-bindgen-test-runner",
    );
    if let Some(driver) = &browser.chromedriver {
        worker_tests.env("CHROMEDRIVER", driver);
    }
    run.browser_command(
        "web worker tests (wasm, headless Chromium)",
        &browser,
        worker_tests,
    );

    if FUZZ_BUILD_IN_TEST {
        match fuzz::unavailable() {
            None => {
                run.step("fuzz targets build", || outcome(fuzz::build(root)));
            }
            Some(why) => run.skip("fuzz targets build", &why),
        }
    }

    let mut trunk = Command::new("trunk");
    trunk.args(["build", "--release"]);
    if run.command("web app build (trunk --release)", trunk) {
        let mut npm = Command::new("npm");
        npm.args(["ci", "--prefix", "tests/e2e"]);
        let replay = cargo(&[
            "build",
            "-p",
            "modelvet-testkit",
            "--bin",
            "modelvet-replay",
        ]);
        if run.command("e2e dependencies (npm ci)", npm)
            && run.command("Hub replay server build", replay)
        {
            let mut e2e = Command::new("node");
            e2e.args(["tests/e2e/run.mjs", "--dist", "dist"]);
            if let Some(chromium) = &browser.chromium {
                e2e.env("CHROMIUM", chromium);
            }
            run.browser_command("end to end (headless Chromium)", &browser, e2e);
        } else {
            run.skip(
                "end to end (headless Chromium)",
                "npm ci or the replay server build failed",
            );
        }
    } else {
        run.skip("e2e dependencies (npm ci)", "the web app did not build");
        run.skip(
            "end to end (headless Chromium)",
            "the web app did not build",
        );
    }

    summarize(&run.results, started.elapsed())
}

fn summarize(results: &[StepResult], total: Duration) -> anyhow::Result<ExitCode> {
    let width = results.iter().map(|r| r.name.len()).max().unwrap_or(0);
    let (mut passed, mut failed, mut skipped) = (0, 0, Vec::new());
    eprintln!("\n==================== xtask test summary ====================");
    for r in results {
        let (label, note) = match &r.outcome {
            Outcome::Pass => {
                passed += 1;
                ("pass", String::new())
            }
            Outcome::Fail(why) => {
                failed += 1;
                ("FAIL", first_line(why))
            }
            Outcome::Skip(why) => {
                skipped.push((r.name, why.clone()));
                ("SKIP", first_line(why))
            }
        };
        eprintln!(
            "  {label}  {:<width$}  {:>7}  {note}",
            r.name,
            cmd::human(r.took)
        );
    }
    eprintln!("  total {}", cmd::human(total));
    if !skipped.is_empty() {
        eprintln!("\n!!!!!!!!!!!!!!!!!!!!!!!!!!! INCOMPLETE !!!!!!!!!!!!!!!!!!!!!!!!!!!");
        for (name, why) in &skipped {
            eprintln!("!! not run: {name}: {why}");
        }
        eprintln!(
            "!! {} steps did not run; this is not a full pass.",
            skipped.len()
        );
        eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
    }
    println!("xtask test: {passed} passed, {failed} failed");
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or_default();
    crate::cmd::abbreviate(line, 90)
}
