//! Exit codes: 0 nothing at or above `--fail-on`, 1 a finding at or above it,
//! 2 an error or something not scanned (fail closed).

use crate::support::{code, json_report, run_in, safetensors_bytes, tempdir};

#[test]
fn clean_file_exits_0() {
    let dir = tempdir();
    std::fs::write(dir.path().join("model.safetensors"), safetensors_bytes()).unwrap();
    let (code, report) = json_report(dir.path(), &["model.safetensors"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["findings"].as_array().map(Vec::len), Some(0));
}

#[test]
fn finding_at_the_threshold_exits_1() {
    let dir = tempdir();
    std::fs::write(dir.path().join("x.safetensors"), "just some text\n").unwrap();
    let (code, report) = json_report(dir.path(), &["--fail-on", "medium", "x.safetensors"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["verdict"], "fail");
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule_id"].as_str())
        .collect();
    assert!(rules.contains(&"extension-mismatch"), "{rules:?}");
}

#[test]
fn finding_below_the_threshold_exits_0() {
    let dir = tempdir();
    std::fs::write(dir.path().join("x.safetensors"), "just some text\n").unwrap();
    let (code, report) = json_report(dir.path(), &["--fail-on", "high", "x.safetensors"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["verdict"], "warn");
}

#[test]
fn text_output_exits_like_json() {
    let dir = tempdir();
    std::fs::write(dir.path().join("x.safetensors"), "just some text\n").unwrap();
    let out = run_in(
        dir.path(),
        &["scan", "--fail-on", "medium", "x.safetensors"],
    );
    assert_eq!(code(&out), 1);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("extension-mismatch"), "{text}");
    assert!(text.contains("verdict: fail"), "{text}");
}

#[test]
fn missing_path_exits_2() {
    let dir = tempdir();
    let (code, report) = json_report(dir.path(), &["no-such-model.bin"]);
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(report["verdict"], "error");
    let errors = report["errors"].as_array().unwrap();
    assert!(
        errors.iter().any(|e| e["artifact"] == "no-such-model.bin"),
        "{errors:?}"
    );
}

/// A link whose target is gone cannot be scanned: the folder fails closed,
/// and the readable file beside it is still reported.
#[cfg(unix)]
#[test]
fn dangling_symlink_in_a_folder_exits_2() {
    let dir = tempdir();
    let models = dir.path().join("models");
    std::fs::create_dir(&models).unwrap();
    std::fs::write(models.join("a.safetensors"), safetensors_bytes()).unwrap();
    std::os::unix::fs::symlink("gone.bin", models.join("b.bin")).unwrap();
    let (code, report) = json_report(dir.path(), &["models"]);
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(report["verdict"], "error");
    let errors = report["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["artifact"].as_str().is_some_and(|a| a.ends_with("b.bin"))),
        "{errors:?}"
    );
    let paths: Vec<&str> = report["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["path"].as_str())
        .collect();
    assert_eq!(paths, ["models/a.safetensors"]);
}

#[test]
fn unknown_severity_is_a_usage_error() {
    let dir = tempdir();
    let out = run_in(dir.path(), &["scan", "--fail-on", "severe", "."]);
    assert_eq!(code(&out), 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown severity"), "{err}");
}
