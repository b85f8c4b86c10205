//! `--format json` is the report described in docs/report.schema.json.

use crate::support::{json_report, safetensors_bytes, tempdir};

#[test]
fn report_has_the_documented_fields() {
    let dir = tempdir();
    std::fs::write(dir.path().join("model.safetensors"), safetensors_bytes()).unwrap();
    std::fs::write(dir.path().join("x.safetensors"), "text").unwrap();
    let (_, report) = json_report(dir.path(), &["model.safetensors", "x.safetensors", "gone"]);

    assert_eq!(
        report["schema_version"],
        modelvet_core::report::SCHEMA_VERSION
    );
    assert_eq!(report["tool"]["name"], "modelvet");
    assert_eq!(report["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(report["verdict"], "error");

    let artifacts = report["artifacts"].as_array().unwrap();
    assert_eq!(artifacts.len(), 2);
    let model = &artifacts[0];
    assert_eq!(model["path"], "model.safetensors");
    assert_eq!(model["size"], safetensors_bytes().len());
    assert_eq!(
        model["sha256"],
        modelvet_core::hash::sha256_hex(&safetensors_bytes())
    );
    assert_eq!(model["format"], "safetensors");
    assert_eq!(model["verdict"], "pass");

    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "extension-mismatch")
        .expect("x.safetensors is not safetensors");
    assert_eq!(finding["severity"], "medium");
    assert_eq!(finding["artifact"], "x.safetensors");
    assert!(finding["location"].is_object(), "{finding}");
    assert!(finding["message"].as_str().is_some_and(|m| !m.is_empty()));

    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["artifact"], "gone");
    assert!(errors[0]["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[test]
fn output_file_holds_the_same_report() {
    let dir = tempdir();
    std::fs::write(dir.path().join("model.safetensors"), safetensors_bytes()).unwrap();
    let (_, printed) = json_report(dir.path(), &["model.safetensors"]);
    let out = crate::support::run_in(
        dir.path(),
        &[
            "scan",
            "--format",
            "json",
            "-o",
            "report.json",
            "model.safetensors",
        ],
    );
    assert_eq!(crate::support::code(&out), 0);
    assert!(out.stdout.is_empty());
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(written, printed);
}
