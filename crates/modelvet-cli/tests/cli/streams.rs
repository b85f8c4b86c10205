//! What is not a regular file: standard input and pipes are read as streams
//! and scanned; devices, sockets and pipes inside folders are errors that
//! say why; links out of the scanned folder are reported or refused. Never a
//! pass for something that was not scanned.

use crate::support::{code, modelvet, run_in, stdout, tempdir};
use std::io::Write;
use std::process::{Command, Stdio};

fn evil() -> Vec<u8> {
    modelvet_testkit::pickle::os_system(2, "id > /tmp/pwned")
}

/// `modelvet scan --format json ARGS` with `input` on standard input.
fn with_stdin(dir: &std::path::Path, args: &[&str], input: &[u8]) -> (i32, serde_json::Value) {
    let mut child = modelvet()
        .args(["scan", "--format", "json"])
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("modelvet starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    // A writer thread: the reader may stop early (over the limit).
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("modelvet ends");
    let _ = writer.join();
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (code(&out), report)
}

fn errors(report: &serde_json::Value) -> Vec<String> {
    report["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["message"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn standard_input_is_scanned_as_dash() {
    let dir = tempdir();
    let (code, report) = with_stdin(dir.path(), &["-"], &evil());
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["artifacts"][0]["path"], "-");
    assert_eq!(report["artifacts"][0]["format"], "pickle");
    assert_eq!(report["findings"][0]["severity"], "critical", "{report:#}");
    // The digest is the stream's.
    let digest = modelvet_core::hash::sha256_hex(&evil());
    assert_eq!(report["artifacts"][0]["sha256"], digest.as_str());
}

#[test]
fn dev_stdin_fed_by_a_pipe_is_scanned() {
    let dir = tempdir();
    let (code, report) = with_stdin(dir.path(), &["/dev/stdin"], &evil());
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["verdict"], "fail");
}

#[test]
fn process_substitution_is_scanned() {
    let dir = tempdir();
    std::fs::write(dir.path().join("evil.pkl"), evil()).unwrap();
    let bin = env!("CARGO_BIN_EXE_modelvet");
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("'{bin}' scan --format json <(cat evil.pkl)"))
        .current_dir(dir.path())
        .output()
        .expect("bash runs");
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["artifacts"], 1);
}

#[test]
fn a_stream_over_the_limit_is_an_error() {
    let dir = tempdir();
    let big = vec![0u8; 200_000];
    let (code, report) = with_stdin(dir.path(), &["--max-stream-bytes", "100000", "-"], &big);
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(report["verdict"], "error");
    assert!(
        errors(&report)[0].contains("--max-stream-bytes"),
        "{report:#}"
    );
}

#[test]
fn devices_are_errors_that_say_why() {
    let dir = tempdir();
    let out = run_in(
        dir.path(),
        &["scan", "--format", "json", "/dev/zero", "/dev/null"],
    );
    assert_eq!(code(&out), 2);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let errors = errors(&report);
    assert_eq!(errors.len(), 2, "{report:#}");
    assert!(
        errors.iter().all(|e| e.contains("character device")),
        "{errors:?}"
    );
}

#[test]
fn a_pipe_inside_a_folder_is_an_error_not_a_hang() {
    let dir = tempdir();
    let models = dir.path().join("models");
    std::fs::create_dir(&models).unwrap();
    std::fs::write(
        models.join("ok.safetensors"),
        modelvet_testkit::safetensors::tiny(),
    )
    .unwrap();
    let made = Command::new("mkfifo").arg(models.join("pipe.pkl")).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo (coreutils) works");
    let out = run_in(dir.path(), &["scan", "--format", "json", "models"]);
    assert_eq!(code(&out), 2);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(errors(&report)[0].contains("named pipe"), "{report:#}");
    assert_eq!(report["summary"]["artifacts"], 1);
}

#[cfg(unix)]
#[test]
fn a_socket_is_an_error() {
    let dir = tempdir();
    let path = dir.path().join("sock");
    let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let out = run_in(dir.path(), &["scan", "--format", "json", "sock"]);
    assert_eq!(code(&out), 2);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(errors(&report)[0].contains("a socket"), "{report:#}");
}

#[cfg(unix)]
#[test]
fn links_out_of_the_folder_are_reported_or_refused() {
    let dir = tempdir();
    std::fs::write(dir.path().join("elsewhere.pkl"), evil()).unwrap();
    let models = dir.path().join("models");
    std::fs::create_dir(&models).unwrap();
    std::fs::write(models.join("inside.pkl"), evil()).unwrap();
    std::os::unix::fs::symlink(dir.path().join("elsewhere.pkl"), models.join("out.pkl")).unwrap();
    std::os::unix::fs::symlink(models.join("inside.pkl"), models.join("in.pkl")).unwrap();

    let out = run_in(dir.path(), &["scan", "--format", "json", "models"]);
    assert_eq!(code(&out), 1);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let links: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "symlink-outside-root")
        .map(|f| f["artifact"].as_str().unwrap())
        .collect();
    // Only the link that leaves the folder; its target was scanned too.
    assert_eq!(links, ["models/out.pkl"], "{report:#}");
    assert_eq!(report["summary"]["artifacts"], 3);

    let out = run_in(
        dir.path(),
        &[
            "scan",
            "--format",
            "json",
            "--external-symlinks",
            "refuse",
            "models",
        ],
    );
    assert_eq!(code(&out), 2);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(
        errors(&report)[0].contains("was not followed"),
        "{report:#}"
    );
    assert_eq!(report["summary"]["artifacts"], 2);
}

#[test]
fn absurd_job_counts_are_rejected() {
    let dir = tempdir();
    for jobs in ["0", "100000"] {
        let out = run_in(dir.path(), &["scan", "-j", jobs, "."]);
        assert_eq!(code(&out), 2, "-j {jobs}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("between 1 and 256"), "{err}");
    }
}
