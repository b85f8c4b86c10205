//! GGUF scanning on real bytes: the testkit writer (versions 1–3, both byte
//! orders) and a file written by llama.cpp's gguf-py (tests/fixtures/tensors).

use modelvet_core::{scan_artifact, ArtifactScan, Format, Location, ScanOptions, SliceSource};
use modelvet_testkit::gguf::{self, Gguf, Tensor, Value};

fn scan(bytes: &[u8]) -> ArtifactScan {
    scan_artifact(
        "model.gguf",
        &mut SliceSource::new(bytes),
        &ScanOptions::default(),
    )
}

fn rules(s: &ArtifactScan) -> Vec<&str> {
    s.findings.iter().map(|f| f.rule_id.as_str()).collect()
}

fn base() -> Gguf {
    Gguf::default()
        .kv("general.architecture", Value::str("llama"))
        .tensor(Tensor::f32("a", &[4, 2]))
}

#[test]
fn every_version_and_byte_order_reads_cleanly() {
    for version in [1, 2, 3] {
        let s = scan(&gguf::tiny(version));
        assert_eq!(s.format, Some(Format::Gguf));
        assert!(s.findings.is_empty(), "v{version}: {:?}", s.findings);
        assert!(s.errors.is_empty(), "v{version}: {:?}", s.errors);
        assert_eq!(s.facts["gguf.version"], version);
        assert_eq!(s.facts["gguf.architecture"], "llama");
        assert_eq!(s.facts["gguf.tensors"]["count"], 2);
        assert_eq!(s.facts["gguf.tensors"]["parameters"], 12);
    }
    let be = Gguf {
        big_endian: true,
        ..base()
    }
    .kv("n", Value::U64(7))
    .build();
    let s = scan(&be);
    assert!(s.findings.is_empty(), "{:?}", s.findings);
    assert_eq!(s.facts["gguf.byte_order"], "big-endian");
}

#[test]
fn every_value_type_and_nested_arrays() {
    let bytes = base()
        .kv("u8", Value::U8(1))
        .kv("i8", Value::I8(-1))
        .kv("u16", Value::U16(2))
        .kv("i16", Value::I16(-2))
        .kv("u32", Value::U32(3))
        .kv("i32", Value::I32(-3))
        .kv("f32", Value::F32(1.5))
        .kv("bool", Value::Bool(true))
        .kv("u64", Value::U64(4))
        .kv("i64", Value::I64(-4))
        .kv("f64", Value::F64(2.5))
        .kv(
            "nested",
            Value::Array(
                9,
                vec![
                    Value::Array(4, vec![Value::U32(1), Value::U32(2)]),
                    Value::Array(8, vec![Value::str("x")]),
                ],
            ),
        )
        .build();
    let s = scan(&bytes);
    assert!(s.findings.is_empty(), "{:?}", s.findings);
    assert_eq!(s.facts["gguf.metadata_count"], 13);
}

#[test]
fn file_from_gguf_py_is_clean_and_summarised() {
    let bytes = include_bytes!("../../../tests/fixtures/tensors/tiny.gguf");
    let s = scan(bytes);
    assert!(s.findings.is_empty(), "{:?}", s.findings);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(s.facts["gguf.architecture"], "llama");
    assert_eq!(s.facts["gguf.name"], "tiny-test");
    assert_eq!(s.facts["gguf.file_type"]["name"], "ALL_F32");
    assert_eq!(s.facts["gguf.tensors"]["count"], 2);
    assert_eq!(s.facts["gguf.tensors"]["parameters"], 24);
    assert_eq!(s.facts["gguf.tensors"]["types"]["F16"], 1);
    assert!(s.facts["gguf.chat_templates"]["tokenizer.chat_template"].is_number());
}

#[test]
fn chat_template_injection_is_found_in_every_variant() {
    let payload = "{{ cycler.__init__.__globals__.os.popen('id').read() }}";
    for key in [
        "tokenizer.chat_template",
        "tokenizer.chat_template.tool_use",
    ] {
        let s = scan(&base().kv(key, Value::str(payload)).build());
        let f = s
            .findings
            .iter()
            .find(|f| f.rule_id == "chat-template-injection")
            .unwrap_or_else(|| panic!("{key}: {:?}", s.findings));
        assert_eq!(f.location, Location::GgufKey { key: key.into() });
        assert!(f.evidence.as_deref().unwrap_or("").contains("popen"));
    }
    // The same text under another key is not a template.
    let s = scan(
        &base()
            .kv("general.description", Value::str(payload))
            .build(),
    );
    assert!(!rules(&s).contains(&"chat-template-injection"));
}

#[test]
fn duplicate_keys_and_tensor_names() {
    let s = scan(
        &base()
            .kv("general.architecture", Value::str("gpt2"))
            .build(),
    );
    assert!(rules(&s).contains(&"gguf-duplicate-key"));
    let s = scan(&base().tensor(Tensor::f32("a", &[4])).build());
    assert!(rules(&s).contains(&"gguf-duplicate-key"));
}

#[test]
fn counts_that_cannot_fit_are_overflows() {
    let s = scan(
        &Gguf {
            tensor_count: Some(u64::MAX / 2),
            ..base()
        }
        .build(),
    );
    assert!(
        rules(&s).contains(&"gguf-integer-overflow"),
        "{:?}",
        s.findings
    );
    let s = scan(
        &Gguf {
            kv_count: Some(1 << 40),
            ..base()
        }
        .build(),
    );
    assert!(rules(&s).contains(&"gguf-integer-overflow"));
    // Dimensions whose product passes i64::MAX.
    let t = Tensor {
        name: "big".into(),
        dims: vec![1 << 32, 1 << 32],
        ty: 0,
        offset: None,
        data: vec![0; 4],
    };
    let s = scan(&Gguf::default().tensor(t).build());
    assert!(
        rules(&s).contains(&"gguf-integer-overflow"),
        "{:?}",
        s.findings
    );
    // An array claiming more elements than bytes left.
    let mut bytes = Gguf::default()
        .kv("arr", Value::Array(4, vec![Value::U32(1)]))
        .build();
    let at = bytes.windows(3).position(|w| w == b"arr").unwrap() + 3 + 4 + 4;
    bytes[at..at + 8].copy_from_slice(&(1u64 << 60).to_le_bytes());
    let s = scan(&bytes);
    assert!(
        rules(&s).contains(&"gguf-integer-overflow"),
        "{:?}",
        s.findings
    );
}

#[test]
fn tensor_bounds_alignment_and_overlap() {
    let mut t = Tensor::f32("far", &[4]);
    t.offset = Some(1 << 20);
    let bytes = Gguf::default().tensor(t).build();
    // The builder pads the data up to the offset; cut it back.
    let s = scan(&bytes[..bytes.len() - 16]);
    assert!(
        rules(&s).contains(&"gguf-tensor-bounds"),
        "{:?}",
        s.findings
    );

    let mut t = Tensor::f32("odd", &[4]);
    t.offset = Some(4);
    let s = scan(&Gguf::default().tensor(t).build());
    assert!(rules(&s).contains(&"gguf-tensor-bounds"));

    let mut b = Tensor::f32("b", &[8]);
    b.offset = Some(0);
    let s = scan(
        &Gguf::default()
            .tensor(Tensor::f32("a", &[8]))
            .tensor(b)
            .build(),
    );
    assert!(rules(&s).contains(&"gguf-tensor-bounds"));

    let s = scan(&base().kv("general.alignment", Value::U32(24)).build());
    assert!(rules(&s).contains(&"gguf-tensor-bounds"));
    let aligned = Gguf {
        alignment: 64,
        ..base()
    };
    let s = scan(&aligned.kv("general.alignment", Value::U32(64)).build());
    assert!(
        !rules(&s).contains(&"gguf-tensor-bounds"),
        "{:?}",
        s.findings
    );
}

#[test]
fn malformed_headers() {
    let good = gguf::tiny(3);
    // Truncated in the metadata.
    let cut = good
        .windows(23)
        .position(|w| w == b"tokenizer.chat_template")
        .unwrap()
        + 23
        + 4
        + 8
        + 10;
    let s = scan(&good[..cut]);
    assert!(rules(&s).contains(&"gguf-malformed"), "{:?}", s.findings);
    // Unknown version.
    let mut v9 = good.clone();
    v9[4] = 9;
    assert!(rules(&scan(&v9)).contains(&"gguf-malformed"));
    // Unknown value type.
    let mut bytes = Gguf::default().kv("k", Value::U32(1)).build();
    let at = bytes.windows(1).position(|w| w == b"k").unwrap() + 1;
    bytes[at] = 13;
    assert!(rules(&scan(&bytes)).contains(&"gguf-malformed"));
    // Five dimensions, an unknown ggml type, a bool that is neither 0 nor 1.
    let s = scan(
        &Gguf::default()
            .tensor(Tensor::f32("t", &[1, 1, 1, 1, 2]))
            .build(),
    );
    assert!(rules(&s).contains(&"gguf-malformed"));
    let mut t = Tensor::f32("t", &[4]);
    t.ty = 4;
    assert!(rules(&scan(&Gguf::default().tensor(t).build())).contains(&"gguf-malformed"));
    let mut bytes = Gguf::default().kv("b", Value::Bool(true)).build();
    let at = bytes.windows(1).rposition(|w| w == [1]).unwrap();
    bytes[at] = 7;
    assert!(rules(&scan(&bytes)).contains(&"gguf-malformed"));
    // A quantised tensor whose row is not a whole number of blocks.
    let mut t = Tensor::f32("q", &[33]);
    t.ty = 8;
    assert!(rules(&scan(&Gguf::default().tensor(t).build())).contains(&"gguf-malformed"));
}

#[test]
fn limits_fail_closed() {
    let mut opts = ScanOptions::default();
    opts.limits.tensors.max_gguf_array = 1;
    let bytes = gguf::tiny(3);
    let s = scan_artifact("m.gguf", &mut SliceSource::new(&bytes), &opts);
    assert!(
        s.errors
            .iter()
            .any(|e| e.message.contains("max_gguf_array")),
        "{:?}",
        s.errors
    );

    let mut opts = ScanOptions::default();
    opts.limits.tensors.max_gguf_array_depth = 1;
    let bytes = base()
        .kv(
            "n",
            Value::Array(9, vec![Value::Array(4, vec![Value::U32(1)])]),
        )
        .build();
    let s = scan_artifact("m.gguf", &mut SliceSource::new(&bytes), &opts);
    assert!(s
        .errors
        .iter()
        .any(|e| e.message.contains("max_gguf_array_depth")));

    let mut opts = ScanOptions::default();
    opts.limits.tensors.max_template_bytes = 8;
    let s = scan_artifact(
        "m.gguf",
        &mut SliceSource::new(&bytes_with_template()),
        &opts,
    );
    assert!(s
        .errors
        .iter()
        .any(|e| e.message.contains("max_template_bytes")));
}

fn bytes_with_template() -> Vec<u8> {
    base()
        .kv("tokenizer.chat_template", Value::str(gguf::CHATML))
        .build()
}

#[test]
fn appended_archives_and_pickles_are_trailing_data() {
    // A whole (empty) zip appended: readers that look for the zip directory at
    // the end would open it; the GGUF magic keeps it a GGUF file here.
    let mut polyglot = gguf::tiny(3);
    polyglot.extend_from_slice(b"PK\x05\x06");
    polyglot.extend_from_slice(&[0; 18]);
    let s = scan(&polyglot);
    assert_eq!(s.format, Some(Format::Gguf));
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "gguf-trailing-data")
        .expect("trailing data");
    assert!(f.message.contains("zip"), "{}", f.message);

    let mut pickled = gguf::tiny(2);
    pickled.extend_from_slice(b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00K\x01.");
    let f = scan(&pickled)
        .findings
        .into_iter()
        .find(|f| f.rule_id == "gguf-trailing-data")
        .expect("trailing data");
    assert!(f.message.contains("pickle"), "{}", f.message);

    // Alignment padding after the last tensor is not trailing data.
    let mut padded = gguf::tiny(3);
    padded.resize(padded.len().next_multiple_of(32), 0);
    assert!(!rules(&scan(&padded)).contains(&"gguf-trailing-data"));
}
