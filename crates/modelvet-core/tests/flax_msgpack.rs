//! Flax msgpack scanning: the testkit writer and a file in Flax's layout
//! written by the msgpack library (tests/fixtures/tensors).

use modelvet_core::{scan_artifact, ArtifactScan, Format, ScanOptions, SliceSource};
use modelvet_testkit::msgpack::{self as mp, Value};

fn scan_named(name: &str, bytes: &[u8]) -> ArtifactScan {
    scan_artifact(name, &mut SliceSource::new(bytes), &ScanOptions::default())
}

fn scan(bytes: &[u8]) -> ArtifactScan {
    scan_named("flax_model.msgpack", bytes)
}

fn rules(s: &ArtifactScan) -> Vec<&str> {
    s.findings.iter().map(|f| f.rule_id.as_str()).collect()
}

#[test]
fn flax_states_are_clean_and_summarised() {
    for bytes in [
        mp::to_bytes(&mp::dense_state()),
        include_bytes!("../../../tests/fixtures/tensors/flax_model.msgpack").to_vec(),
    ] {
        let s = scan(&bytes);
        assert_eq!(s.format, Some(Format::FlaxMsgpack));
        assert!(s.findings.is_empty(), "{:?}", s.findings);
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        assert_eq!(s.facts["flax.params"]["arrays"], 2);
        assert_eq!(s.facts["flax.params"]["parameters"], 8);
        assert_eq!(s.facts["flax.params"]["parameters_by_dtype"]["float32"], 8);
        assert!(s.facts["flax.code_path"]
            .as_str()
            .unwrap()
            .starts_with("none"));
    }
}

#[test]
fn recognised_by_structure_without_a_name_hint() {
    let bytes = mp::to_bytes(&mp::dense_state());
    assert_eq!(
        scan_named("weights.bin", &bytes).format,
        Some(Format::FlaxMsgpack)
    );
    // A msgpack map without arrays and without a name hint is not claimed.
    let plain = mp::to_bytes(&Value::Map(vec![("a".into(), Value::Uint(1))]));
    assert_ne!(
        scan_named("data.bin", &plain).format,
        Some(Format::FlaxMsgpack)
    );
}

#[test]
fn inconsistent_arrays_and_truncation() {
    let bad = Value::Map(vec![(
        "w".into(),
        mp::ndarray(&[1000, 1000], "float32", vec![0; 16]),
    )]);
    let s = scan(&mp::to_bytes(&bad));
    assert!(rules(&s).contains(&"msgpack-malformed"), "{:?}", s.findings);

    let bad = Value::Map(vec![("w".into(), mp::ndarray(&[2], "object", vec![0; 16]))]);
    assert!(rules(&scan(&mp::to_bytes(&bad))).contains(&"msgpack-malformed"));

    let bytes = mp::to_bytes(&mp::dense_state());
    assert!(rules(&scan(&bytes[..bytes.len() - 5])).contains(&"msgpack-malformed"));

    let mut extra = bytes.clone();
    extra.extend_from_slice(b"\x80\x04junk");
    assert!(rules(&scan(&extra)).contains(&"msgpack-malformed"));

    let not_map = mp::to_bytes(&Value::Array(vec![Value::Nil]));
    assert!(rules(&scan(&not_map)).contains(&"msgpack-malformed"));
}

#[test]
fn unknown_ext_types() {
    let state = Value::Map(vec![("x".into(), Value::Ext(42, vec![1, 2, 3, 4]))]);
    assert!(rules(&scan(&mp::to_bytes(&state))).contains(&"msgpack-unknown-ext"));
    let state = Value::Map(vec![("x".into(), Value::Ext(3, vec![1, 2, 3, 4]))]);
    assert!(rules(&scan(&mp::to_bytes(&state))).is_empty());
}

#[test]
fn depth_limit_fails_closed() {
    let mut v = Value::Nil;
    for _ in 0..100 {
        v = Value::Map(vec![("k".into(), v)]);
    }
    let s = scan(&mp::to_bytes(&v));
    assert!(
        s.errors
            .iter()
            .any(|e| e.message.contains("max_msgpack_depth")),
        "{:?}",
        s.errors
    );
}
