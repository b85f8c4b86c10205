//! Real checkpoints raise nothing.

use super::*;
use modelvet_testkit::pickle::{self as tk, Pickler, TensorSpec};

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

/// Real `joblib.dump` / `pickle.dump` output of fitted scikit-learn estimators
/// (`tests/fixtures/pickle/sklearn/generate.py`): structured-dtype inline
/// arrays (tree nodes), random states, nested estimators.
#[test]
fn real_sklearn_dumps_are_clean() {
    let files: [(&str, &[u8]); 8] = [
        (
            "lr.joblib",
            include_bytes!("../../../../../../tests/fixtures/pickle/sklearn/lr.joblib"),
        ),
        (
            "rf.joblib",
            include_bytes!("../../../../../../tests/fixtures/pickle/sklearn/rf.joblib"),
        ),
        (
            "gb.joblib",
            include_bytes!("../../../../../../tests/fixtures/pickle/sklearn/gb.joblib"),
        ),
        (
            "pipe.joblib",
            include_bytes!("../../../../../../tests/fixtures/pickle/sklearn/pipe.joblib"),
        ),
        (
            "dt.joblib",
            include_bytes!("../../../../../../tests/fixtures/pickle/sklearn/dt.joblib"),
        ),
        (
            "tfidf.joblib",
            include_bytes!("../../../../../../tests/fixtures/pickle/sklearn/tfidf.joblib"),
        ),
        (
            "dt.pkl",
            include_bytes!("../../../../../../tests/fixtures/pickle/sklearn/dt.pkl"),
        ),
        (
            "rf.pkl",
            include_bytes!("../../../../../../tests/fixtures/pickle/sklearn/rf.pkl"),
        ),
    ];
    for (name, bytes) in files {
        let scan = scan_bytes(bytes);
        assert!(scan.findings.is_empty(), "{name}: {:#?}", scan.findings);
        assert!(scan.errors.is_empty(), "{name}: {:#?}", scan.errors);
        assert_eq!(
            scan.facts["pickle_stream"]["end"],
            bytes.len() as u64,
            "{name}"
        );
        if name.ends_with(".joblib") {
            assert!(
                scan.facts["pickle_stream"]["joblib_arrays"]
                    .as_u64()
                    .unwrap()
                    > 0,
                "{name}"
            );
        }
    }
}

#[test]
fn ordinary_objects_of_current_pythons_are_clean() {
    // Python 3.13 pickles paths as `pathlib._local.PosixPath` (protocol 4
    // output of `pickle.dumps(pathlib.Path('/tmp/x'))`, rebuilt here).
    let mut p = Pickler::new(4);
    p.global("pathlib._local", "PosixPath")
        .str("/tmp/x")
        .tuple(1)
        .reduce();
    assert_clean(&scan_bytes(&p.finish()));
    // `io.BytesIO(b'abc')`: `_io.BytesIO` with (bytes, position, dict) state.
    let mut p = Pickler::new(4);
    p.global("_io", "BytesIO").empty_tuple().newobj();
    p.bytes(b"abc").int(0).none().tuple(3).build();
    assert_clean(&scan_bytes(&p.finish()));
    // A whole-model save references `torch._C._nn.gelu` (F.gelu) as an attribute.
    let mut p = Pickler::new(2);
    p.empty_dict()
        .str("act")
        .global("torch._C._nn", "gelu")
        .setitem();
    assert_clean(&scan_bytes(&p.finish()));
    // ... but not an attribute of one, nor a special name.
    let mut p = Pickler::new(4);
    p.str("torch._C._nn").str("gelu.__globals__").stack_global();
    assert!(worst_severity(&scan_bytes(&p.finish())) >= Some(Severity::High));
}

fn worst_severity(scan: &ArtifactScan) -> Option<Severity> {
    scan.findings.iter().map(|f| f.severity).max()
}

#[test]
fn library_classes_restored_from_state_are_clean() {
    // `torch.save(model)`: each layer is `cls.__new__(cls)` then BUILD.
    let mut p = Pickler::new(2);
    p.global("torch.nn.modules.linear", "Linear")
        .empty_tuple()
        .newobj();
    p.empty_dict().str("in_features").int(3).setitem().build();
    assert_clean(&scan_bytes(&p.finish()));
    // The same class called with the file's arguments is judged as any call.
    let mut p = Pickler::new(2);
    p.global("torch.nn.modules.linear", "Linear")
        .int(100_000)
        .int(100_000)
        .tuple(2)
        .reduce();
    let scan = scan_bytes(&p.finish());
    assert_eq!(
        with_rule(&scan, "pickle-unknown-call").len(),
        1,
        "{:#?}",
        scan.findings
    );
    // A function in the namespace is not a class.
    let mut p = Pickler::new(2);
    p.global("sklearn.utils", "load_thing")
        .empty_tuple()
        .newobj();
    assert_eq!(
        worst_severity(&scan_bytes(&p.finish())),
        Some(Severity::Medium)
    );
}

#[test]
fn a_reference_the_index_cannot_follow_is_not_low() {
    // `pandas.pandas.pandas...` is pandas itself at every step, longer than
    // the resolver walks: referenced only, but not known, so medium.
    let name = format!(
        "{}DataFrame",
        "pandas.".repeat(crate::formats::pynames::MAX_SEGMENTS + 1)
    );
    let mut p = Pickler::new(4);
    p.str("pandas").str(&name).stack_global();
    assert_eq!(
        worst_severity(&scan_bytes(&p.finish())),
        Some(Severity::Medium)
    );
    // A short one is: `pandas.DataFrame` referenced as data.
    let mut p = Pickler::new(4);
    p.str("pandas").str("pandas.DataFrame").stack_global();
    assert_eq!(
        worst_severity(&scan_bytes(&p.finish())),
        Some(Severity::Low)
    );
}
