//! Running the binary and making files.

use std::path::Path;
use std::process::{Command, Output};

/// The `modelvet` binary built for these tests.
pub fn modelvet() -> Command {
    Command::new(env!("CARGO_BIN_EXE_modelvet"))
}

/// Run `modelvet` with `args` in `dir`; never on a terminal, so no progress bar.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    modelvet()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("modelvet runs")
}

/// The exit code (panics if the process was killed by a signal).
pub fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

/// The JSON report printed by `modelvet scan --format json ...` in `dir`.
pub fn json_report(dir: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["scan", "--format", "json"];
    all.extend_from_slice(args);
    let out = run_in(dir, &all);
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code(&out), report)
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary folder")
}

/// A valid safetensors file with one 2×2 F32 tensor (testkit builder).
pub fn safetensors_bytes() -> Vec<u8> {
    modelvet_testkit::safetensors::tiny()
}

/// `sha256sum FILE`'s digest.
pub fn sha256sum(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum (coreutils) is installed");
    assert!(
        out.status.success(),
        "sha256sum failed on {}",
        path.display()
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    text.split_whitespace()
        .next()
        .expect("sha256sum prints a digest")
        .to_owned()
}
