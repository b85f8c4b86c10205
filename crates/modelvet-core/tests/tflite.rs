//! TFLite scanning on real bytes: models written with the TFLite schema's
//! generated Python (tests/fixtures/tensors) and the testkit flatbuffer writer.

use modelvet_core::{scan_artifact, ArtifactScan, Format, ScanOptions, Severity, SliceSource};
use modelvet_testkit::tflite::{self, operator_code, ADD, CUSTOM};

fn scan(bytes: &[u8]) -> ArtifactScan {
    scan_artifact(
        "model.tflite",
        &mut SliceSource::new(bytes),
        &ScanOptions::default(),
    )
}

fn rules(s: &ArtifactScan) -> Vec<&str> {
    s.findings.iter().map(|f| f.rule_id.as_str()).collect()
}

#[test]
fn builtin_only_models_are_clean() {
    for bytes in [
        tflite::tiny(),
        include_bytes!("../../../tests/fixtures/tensors/tiny-add.tflite").to_vec(),
    ] {
        let s = scan(&bytes);
        assert_eq!(s.format, Some(Format::Tflite));
        assert!(s.findings.is_empty(), "{:?}", s.findings);
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        let m = &s.facts["tflite.model"];
        assert_eq!(m["version"], 3);
        assert_eq!(m["operators"], 1);
        assert_eq!(m["builtin_codes"], serde_json::json!([ADD]));
    }
}

#[test]
fn flex_and_custom_ops_from_the_schema_writer() {
    let bytes = include_bytes!("../../../tests/fixtures/tensors/flex-custom.tflite");
    let s = scan(bytes);
    let flex = s
        .findings
        .iter()
        .find(|f| f.rule_id == "tflite-flex-op")
        .expect("flex op");
    assert!(flex.message.contains("FlexReadFile"));
    assert_eq!(flex.severity, Severity::High);
    let custom = s
        .findings
        .iter()
        .find(|f| f.rule_id == "tflite-custom-op")
        .expect("custom op");
    assert!(custom.message.contains("MyCustomOp"));
    assert_eq!(custom.severity, Severity::Medium);
    assert_eq!(
        s.facts["tflite.model"]["custom_codes"],
        serde_json::json!(["FlexReadFile", "MyCustomOp"])
    );
}

#[test]
fn severities_follow_what_the_op_can_do() {
    let bytes = tflite::model(
        vec![
            operator_code(CUSTOM, Some("FlexAddV2")),
            operator_code(CUSTOM, Some("TFLite_Detection_PostProcess")),
        ],
        &[0, 1],
    );
    let s = scan(&bytes);
    let sev: Vec<(String, Severity)> = s
        .findings
        .iter()
        .map(|f| (f.rule_id.clone(), f.severity))
        .collect();
    assert!(
        sev.contains(&("tflite-flex-op".into(), Severity::Medium)),
        "{sev:?}"
    );
    assert!(
        sev.contains(&("tflite-custom-op".into(), Severity::Low)),
        "{sev:?}"
    );
}

#[test]
fn malformed_flatbuffers() {
    // Root offset past the end.
    let mut bytes = tflite::tiny();
    bytes[0..4].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
    assert!(rules(&scan(&bytes)).contains(&"tflite-malformed"));
    // Truncated.
    let bytes = tflite::tiny();
    assert!(rules(&scan(&bytes[..bytes.len() / 2])).contains(&"tflite-malformed"));
    // An operator pointing past the operator-code table.
    let bytes = tflite::model(vec![operator_code(ADD, None)], &[5]);
    assert!(rules(&scan(&bytes)).contains(&"tflite-malformed"));
}

#[test]
fn read_budget_fails_closed() {
    let mut opts = ScanOptions::default();
    opts.limits.tensors.max_tflite_bytes = 100;
    let bytes = tflite::tiny();
    let s = scan_artifact("m.tflite", &mut SliceSource::new(&bytes), &opts);
    assert!(
        s.errors
            .iter()
            .any(|e| e.message.contains("max_tflite_bytes")),
        "{:?}",
        s.errors
    );
}

#[test]
#[ignore = "writes the testkit model to the temp dir for cross-checking with the Python schema reader"]
fn dump_testkit_model() {
    let path = std::env::temp_dir().join("modelvet-testkit.tflite");
    let bytes = tflite::model(
        vec![
            operator_code(CUSTOM, Some("FlexReadFile")),
            operator_code(ADD, None),
        ],
        &[0, 1],
    );
    std::fs::write(path, bytes).unwrap();
}
