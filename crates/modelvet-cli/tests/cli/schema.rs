//! docs/report.schema.json is generated from the report types (schemars) and
//! every report the CLI prints validates against it.

use crate::support::{json_report, safetensors_bytes, tempdir};
use std::path::PathBuf;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/report.schema.json")
}

/// What `cargo xtask docs` writes (xtask/src/docs.rs `report_schema`).
fn generated() -> String {
    let schema = schemars::schema_for!(modelvet_core::Report);
    serde_json::to_string_pretty(&schema).unwrap() + "\n"
}

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(&generated()).unwrap();
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

fn assert_valid(report: &serde_json::Value) {
    let v = validator();
    let errors: Vec<String> = v
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{report:#}");
}

#[test]
fn committed_schema_is_up_to_date() {
    let committed = std::fs::read_to_string(committed_path()).unwrap_or_default();
    assert!(
        committed == generated(),
        "docs/report.schema.json is out of date: run `cargo xtask docs` and commit it"
    );
}

#[test]
fn schema_requires_the_documented_fields() {
    let schema: serde_json::Value = serde_json::from_str(&generated()).unwrap();
    let required = |v: &serde_json::Value| -> Vec<String> {
        v["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    };
    let top = required(&schema);
    for f in [
        "schema_version",
        "tool",
        "artifacts",
        "findings",
        "errors",
        "verdict",
    ] {
        assert!(top.contains(&f.to_owned()), "report requires {f}: {top:?}");
    }
    let defs = &schema["definitions"];
    for (def, fields) in [
        ("Tool", &["name", "version"][..]),
        ("ArtifactReport", &["path", "size", "format", "verdict"][..]),
        (
            "Finding",
            &["rule_id", "severity", "artifact", "location", "message"][..],
        ),
        ("ScanError", &["artifact", "message"][..]),
    ] {
        let req = required(&defs[def]);
        for f in fields {
            assert!(
                req.contains(&(*f).to_owned()),
                "{def} requires {f}: {req:?}"
            );
        }
    }
    for (def, field) in [("ArtifactReport", "sha256"), ("Finding", "help")] {
        assert!(
            defs[def]["properties"][field].is_object(),
            "{def} documents {field}"
        );
    }
}

#[test]
fn clean_warning_and_error_reports_validate() {
    let dir = tempdir();
    std::fs::write(dir.path().join("model.safetensors"), safetensors_bytes()).unwrap();
    std::fs::write(dir.path().join("x.safetensors"), "text").unwrap();
    let (_, clean) = json_report(dir.path(), &["model.safetensors"]);
    assert_valid(&clean);
    let (_, findings) = json_report(dir.path(), &["--fail-on", "medium", "x.safetensors"]);
    assert!(!findings["findings"].as_array().unwrap().is_empty());
    assert_valid(&findings);
    let (_, errors) = json_report(dir.path(), &["model.safetensors", "gone"]);
    assert!(!errors["errors"].as_array().unwrap().is_empty());
    assert_valid(&errors);
}

/// The schema is not vacuous: breaking a real report makes it invalid.
#[test]
fn broken_reports_do_not_validate() {
    let dir = tempdir();
    std::fs::write(dir.path().join("x.safetensors"), "text").unwrap();
    let (_, report) = json_report(dir.path(), &["x.safetensors"]);
    let v = validator();
    assert!(v.is_valid(&report));

    let mut no_verdict = report.clone();
    no_verdict.as_object_mut().unwrap().remove("verdict");
    assert!(!v.is_valid(&no_verdict));

    let mut bad_severity = report.clone();
    bad_severity["findings"][0]["severity"] = "severe".into();
    assert!(!v.is_valid(&bad_severity));

    let mut no_rule = report.clone();
    no_rule["findings"][0]
        .as_object_mut()
        .unwrap()
        .remove("rule_id");
    assert!(!v.is_valid(&no_rule));

    let mut bad_size = report;
    bad_size["artifacts"][0]["size"] = (-1).into();
    assert!(!v.is_valid(&bad_size));
}

/// docs/limits.md is written by `cargo xtask docs` from the limits tree
/// (`modelvet_core::limits::render_markdown`).
#[test]
fn committed_limits_page_is_up_to_date() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/limits.md");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let generated = modelvet_core::limits::render_markdown();
    for id in modelvet_core::LimitId::ALL {
        assert!(
            generated.contains(&format!("| `{}` |", id.path())),
            "{id} is missing"
        );
    }
    assert!(
        committed == generated,
        "docs/limits.md is out of date: run `cargo xtask docs` and commit it"
    );
}
