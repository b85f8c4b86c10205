//! safetensors scanning on real bytes (testkit builders and files written by
//! the reference Python writer, see tests/fixtures/tensors/README.md).

use modelvet_core::{scan_artifact, ArtifactScan, Format, ScanOptions, SliceSource};
use modelvet_testkit::safetensors::{self as st, Tensor};

fn scan(bytes: &[u8]) -> ArtifactScan {
    scan_artifact(
        "model.safetensors",
        &mut SliceSource::new(bytes),
        &ScanOptions::default(),
    )
}

fn rules(s: &ArtifactScan) -> Vec<&str> {
    s.findings.iter().map(|f| f.rule_id.as_str()).collect()
}

fn accepts(s: &ArtifactScan) -> bool {
    s.facts["safetensors.reference_loader"]["accepts"] == serde_json::json!(true)
}

fn t(name: &str, dtype: &str, shape: &[u64], data: Vec<u8>) -> Tensor {
    Tensor {
        name: name.into(),
        dtype: dtype.into(),
        shape: shape.to_vec(),
        data,
    }
}

#[test]
fn benign_file_is_clean_and_summarised() {
    let bytes = st::build(
        &[
            t("a.weight", "F32", &[2, 3], st::f32_data(6)),
            t("a.bias", "F16", &[4], vec![0; 8]),
            t("b.weight", "F32", &[5], st::f32_data(5)),
        ],
        &[("format", "pt")],
    );
    let s = scan(&bytes);
    assert_eq!(s.format, Some(Format::Safetensors));
    assert!(s.findings.is_empty(), "{:?}", s.findings);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert!(accepts(&s));
    let summary = &s.facts["safetensors.tensors"];
    assert_eq!(summary["count"], 3);
    assert_eq!(summary["parameters"], 15);
    assert_eq!(summary["parameters_by_dtype"]["F32"], 11);
    assert_eq!(summary["parameters_by_dtype"]["F16"], 4);
    assert_eq!(s.facts["safetensors.metadata"]["format"], "pt");
}

#[test]
fn file_from_reference_writer_is_clean() {
    let bytes = include_bytes!("../../../tests/fixtures/tensors/tiny.safetensors");
    let s = scan(bytes);
    assert!(s.findings.is_empty(), "{:?}", s.findings);
    assert!(accepts(&s));
    assert_eq!(s.facts["safetensors.tensors"]["count"], 2);
}

#[test]
fn duplicate_key_is_a_differential() {
    let header = r#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;
    let s = scan(&st::with_header(header, &st::f32_data(2)));
    let r = rules(&s);
    assert!(r.contains(&"safetensors-duplicate-key"), "{r:?}");
    // The reference loader keeps the last `w` and accepts the file.
    assert!(accepts(&s));
    assert!(r.contains(&"safetensors-parser-differential"), "{r:?}");
}

#[test]
fn unknown_field_is_flagged_and_differs() {
    let header = r#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"exec":"x"}}"#;
    let s = scan(&st::with_header(header, &st::f32_data(2)));
    let r = rules(&s);
    assert!(r.contains(&"safetensors-unknown-field"), "{r:?}");
    assert!(accepts(&s));
    assert!(r.contains(&"safetensors-parser-differential"));
}

#[test]
fn inconsistent_and_overflowing_shapes() {
    let header = r#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#;
    let s = scan(&st::with_header(header, &st::f32_data(2)));
    assert!(rules(&s).contains(&"safetensors-inconsistent-tensor"));
    assert!(!accepts(&s));

    let header = r#"{"w":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}}"#;
    let s = scan(&st::with_header(header, &st::f32_data(2)));
    assert!(rules(&s).contains(&"safetensors-inconsistent-tensor"));
    assert!(!accepts(&s));
}

#[test]
fn gaps_overlaps_and_out_of_bounds() {
    let gap = r#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[8,12]}}"#;
    let s = scan(&st::with_header(gap, &[0; 12]));
    assert!(
        rules(&s).contains(&"safetensors-bad-offsets"),
        "{:?}",
        s.findings
    );
    assert!(!accepts(&s));

    let overlap = r#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}"#;
    let s = scan(&st::with_header(overlap, &[0; 6]));
    assert!(rules(&s).contains(&"safetensors-bad-offsets"));

    let oob = r#"{"a":{"dtype":"U8","shape":[64],"data_offsets":[0,64]}}"#;
    let s = scan(&st::with_header(oob, &[0; 4]));
    assert!(rules(&s).contains(&"safetensors-bad-offsets"));
    assert!(!accepts(&s));
}

#[test]
fn trailing_pickle_and_zip_are_named_and_scanned() {
    let mut bytes = st::tiny();
    bytes.extend_from_slice(b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00K\x01.");
    let s = scan(&bytes);
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "safetensors-trailing-data")
        .expect("trailing data finding");
    assert!(f.message.contains("pickle"), "{}", f.message);
    assert!(!accepts(&s));

    // A zip local header after the data. (A whole zip appended puts its
    // end-of-central-directory record in the file's tail, and the driver then
    // treats the file as the zip loaders would open.)
    let mut bytes = st::tiny();
    bytes.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00\x00\x00");
    let s = scan(&bytes);
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "safetensors-trailing-data")
        .expect("trailing data finding");
    assert!(f.message.contains("zip"), "{}", f.message);
}

#[test]
fn suspicious_metadata() {
    let bytes = st::build(
        &[t("w", "F32", &[1], st::f32_data(1))],
        &[("format", "pt"), ("post", "import os; os.system('id')")],
    );
    let s = scan(&bytes);
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "safetensors-suspicious-metadata")
        .expect("metadata finding");
    assert!(f.message.contains("post"));
    // Code in a string is not a structural problem.
    assert!(!rules(&s).contains(&"safetensors-parser-differential"));

    let header = r#"{"__metadata__":{"n":5},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#;
    let s = scan(&st::with_header(header, &st::f32_data(1)));
    assert!(rules(&s).contains(&"safetensors-suspicious-metadata"));
    assert!(!accepts(&s));
}

#[test]
fn malformed_headers() {
    let s = scan(&st::with_header("{\"w\": [1, 2}", &[]));
    assert!(rules(&s).contains(&"safetensors-malformed"));
    let s = scan(&st::with_header(
        r#"{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}"#,
        &[0; 4],
    ));
    assert!(rules(&s).contains(&"safetensors-malformed"));
    // Not UTF-8: sniffed as safetensors by the length prefix and the `{`.
    let mut bytes = st::with_header("{\"w\":\"\u{00e9}\"}", &[]);
    let e = bytes.iter().position(|b| *b == 0xc3).unwrap();
    bytes[e] = 0xff;
    let s = scan(&bytes);
    assert!(rules(&s).contains(&"safetensors-malformed"), "{:?}", s);
}

#[test]
fn header_length_limit_fails_closed_before_allocating() {
    let mut bytes = st::tiny();
    let mut opts = ScanOptions::default();
    opts.limits.tensors.max_safetensors_header = 16;
    let s = scan_artifact("m.safetensors", &mut SliceSource::new(&bytes), &opts);
    assert!(s
        .errors
        .iter()
        .any(|e| e.message.contains("max_safetensors_header")));
    // A declared length past the end of the file is malformed, not read.
    bytes.truncate(40);
    let s = scan(&bytes);
    assert!(s.errors.is_empty());
    assert!(rules(&s).contains(&"safetensors-malformed"), "{s:?}");
}
