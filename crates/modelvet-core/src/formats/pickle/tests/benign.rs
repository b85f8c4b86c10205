//! Real checkpoints raise nothing.

use super::*;
use modelvet_testkit::pickle::{self as tk, TensorSpec};

#[test]
fn torch_state_dict_is_clean() {
    let bytes = tk::torch_state_dict(&[
        TensorSpec::f32("linear.weight", &[4, 3]),
        TensorSpec::f32("linear.bias", &[4]),
        TensorSpec {
            name: "embed.weight".into(),
            storage: "HalfStorage".into(),
            shape: vec![10, 2, 2],
        },
    ]);
    let scan = scan_bytes(&bytes);
    assert_clean(&scan);
    let globals = &scan.facts["pickle_globals"];
    assert_eq!(
        globals,
        &serde_json::json!([
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor_v2",
            "torch.FloatStorage",
            "torch.HalfStorage"
        ])
    );
    let calls = scan.facts["pickle_calls"].as_array().unwrap();
    assert!(calls.iter().any(|c| c["call"]
        .as_str()
        .unwrap()
        .starts_with("torch._utils._rebuild_tensor_v2(persistent_load(('storage', torch.FloatStorage, '0', 'cpu', 12)), 0, (4, 3), (3, 1), False")));
}

#[test]
fn single_tensor_state_dict_is_clean() {
    assert_clean(&scan_bytes(&tk::torch_state_dict(&[TensorSpec::f32(
        "w",
        &[2, 2],
    )])));
}

#[test]
fn numpy_arrays_are_clean_at_every_protocol() {
    for proto in [2, 3, 4, 5] {
        assert_clean(&scan_bytes(&tk::numpy_arange_f64(proto, 16)));
    }
}

#[test]
fn plain_values_are_clean_at_every_protocol() {
    for proto in 0..=5 {
        let mut p = tk::Pickler::new(proto);
        p.empty_dict().memoize().mark();
        p.str("lr")
            .float(0.001)
            .str("epochs")
            .int(10)
            .str("name")
            .str("résumé");
        p.str("big")
            .int(1 << 40)
            .str("neg")
            .int(-70000)
            .str("flag")
            .bool(true);
        p.setitems();
        let scan = scan_bytes(&p.finish());
        assert_clean(&scan);
        assert_eq!(scan.format, Some(crate::Format::Pickle), "protocol {proto}");
    }
}

#[test]
fn joblib_inline_array_is_skipped_like_joblib_load() {
    let bytes = tk::joblib_dict_f64(3);
    let scan = scan_bytes(&bytes);
    assert_clean(&scan);
    assert_eq!(scan.facts["pickle_stream"]["joblib_arrays"], 1);
    assert_eq!(scan.facts["pickle_stream"]["end"], bytes.len() as u64);
    let summary = stream(&bytes, &StreamOptions::default());
    assert_eq!(summary.pickles, 1);
    assert_eq!(summary.end, bytes.len() as u64);
}

#[test]
fn joblib_large_inline_array_is_not_read_as_opcodes() {
    // 4096 float64 values: the data holds many bytes that are opcodes.
    let bytes = tk::joblib_dict_f64(4096);
    let scan = scan_bytes(&bytes);
    assert_clean(&scan);
}

#[test]
fn joblib_object_array_reads_the_nested_pickle() {
    let scan = scan_bytes(tk::JOBLIB_OBJECT_ARRAY);
    assert_clean(&scan);
    let globals = scan.facts["pickle_globals"].as_array().unwrap();
    assert!(globals.contains(&serde_json::json!("numpy._core.multiarray._reconstruct")));
    assert_eq!(
        scan.facts["pickle_stream"]["end"],
        tk::JOBLIB_OBJECT_ARRAY.len() as u64
    );
}

#[test]
fn joblib_object_array_payload_is_found() {
    // Replace the nested pickle's items by a call to os.system.
    let mut bytes = tk::JOBLIB_OBJECT_ARRAY.to_vec();
    let nested = bytes.windows(2).rposition(|w| w == b"\x80\x05").unwrap();
    bytes.truncate(nested);
    bytes.extend_from_slice(&tk::os_system(2, "id"));
    bytes.push(b'.');
    let scan = scan_bytes(&bytes);
    let f = dangerous(&scan);
    assert_eq!(f.evidence.as_deref(), Some("os.system('id')"));
    assert!(with_rule(&scan, "pickle-trailing-data").is_empty());
}
