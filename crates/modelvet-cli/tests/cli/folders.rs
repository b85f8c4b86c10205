//! Folders are walked recursively, in path order, and files are named
//! relative to what was given on the command line.

use crate::support::{json_report, safetensors_bytes, tempdir};

fn paths(report: &serde_json::Value) -> Vec<String> {
    report["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["path"].as_str().unwrap().to_owned())
        .collect()
}

fn repo() -> tempfile::TempDir {
    let dir = tempdir();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("weights/shard")).unwrap();
    std::fs::write(repo.join("config.json"), "{\"model_type\": \"bert\"}").unwrap();
    std::fs::write(repo.join("weights/model.safetensors"), safetensors_bytes()).unwrap();
    std::fs::write(
        repo.join("weights/shard/part-2.safetensors"),
        safetensors_bytes(),
    )
    .unwrap();
    dir
}

#[test]
fn folder_named_on_the_command_line() {
    let dir = repo();
    let (code, report) = json_report(dir.path(), &["repo"]);
    assert_ne!(code, 2, "{report:#}");
    assert_eq!(
        paths(&report),
        [
            "repo/config.json",
            "repo/weights/model.safetensors",
            "repo/weights/shard/part-2.safetensors",
        ]
    );
    assert_eq!(report["summary"]["artifacts"], 3);
}

#[test]
fn current_folder_has_no_dot_prefix() {
    let dir = repo();
    let (_, report) = json_report(&dir.path().join("repo"), &["."]);
    assert_eq!(
        paths(&report),
        [
            "config.json",
            "weights/model.safetensors",
            "weights/shard/part-2.safetensors",
        ]
    );
}

#[test]
fn findings_name_the_relative_path() {
    let dir = repo();
    std::fs::write(dir.path().join("repo/weights/fake.safetensors"), "text").unwrap();
    let (_, report) = json_report(dir.path(), &["--fail-on", "medium", "repo"]);
    let artifacts: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "extension-mismatch")
        .filter_map(|f| f["artifact"].as_str())
        .collect();
    assert_eq!(artifacts, ["repo/weights/fake.safetensors"]);
}
