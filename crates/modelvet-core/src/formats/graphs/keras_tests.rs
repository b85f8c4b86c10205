//! Keras configurations: real `.keras` and `.h5` files written by Keras
//! (tests/fixtures/graphs/keras, see scripts/gen-graph-fixtures.py) and
//! configurations in testkit-built HDF5 files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::test_util::{base64, clean, fake_code_object, fixture, only, rules, scan, scan_with};
use crate::format::Format;
use crate::scan::ScanOptions;
use crate::severity::Severity;
use modelvet_testkit::hdf5::{keras_h5, Layout};
use serde_json::{json, Value};

fn h5(config: &Value) -> Vec<u8> {
    keras_h5(Layout::Earliest, &config.to_string())
}

fn sequential(layers: Vec<Value>) -> Value {
    json!({"class_name": "Sequential", "config": {"name": "seq", "layers": layers}})
}

fn dense() -> Value {
    json!({"module": "keras.layers", "class_name": "Dense", "config": {"units": 2, "activation": "relu"}, "registered_name": null})
}

#[test]
fn real_benign_keras_archive_is_clean() {
    let s = scan("model.keras", fixture!("keras/benign.keras"));
    assert_eq!(s.format, Some(Format::Keras));
    clean(&s);
    assert_eq!(s.facts["keras"]["keras_version"], "3.15.1");
    assert_eq!(s.facts["keras"]["layers"], 2);
    // The weights file was read too, nested.
    assert!(
        s.facts.contains_key("model.weights.h5:hdf5"),
        "{:?}",
        s.facts.keys()
    );
}

#[test]
fn real_lambda_keras_archive_is_critical() {
    let s = scan("model.keras", fixture!("keras/lambda.keras"));
    let f = only(&s, "keras-lambda-bytecode");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.location.to_string(), "config.json: json /config/layers/2");
}

#[test]
fn real_keras_h5_files() {
    let s = scan("model.h5", fixture!("keras/benign.h5"));
    assert_eq!(s.format, Some(Format::Hdf5));
    clean(&s);
    assert_eq!(s.facts["keras"]["backend"], "jax");
    let s = scan("model.h5", fixture!("keras/lambda.h5"));
    assert_eq!(rules(&s), ["keras-lambda-bytecode"]);
}

#[test]
fn keras2_lambda_bytecode_is_critical_with_names_as_evidence() {
    let lambda = json!({"class_name": "Lambda", "config": {"name": "l", "function": [base64(&fake_code_object()), null, null], "function_type": "lambda", "module": "__main__"}});
    let s = scan("m.h5", &h5(&sequential(vec![dense(), lambda])));
    let f = only(&s, "keras-lambda-bytecode");
    assert_eq!(f.location.to_string(), "json /config/layers/1");
    assert_eq!(
        f.evidence.as_deref(),
        Some("names in the bytecode: os, system")
    );
}

#[test]
fn lambda_naming_a_function_is_high() {
    let lambda = json!({"class_name": "Lambda", "config": {"function": "preprocess", "function_type": "function", "module": "my_project.ops"}});
    let s = scan("m.h5", &h5(&sequential(vec![lambda])));
    let f = only(&s, "keras-lambda-layer");
    assert!(
        f.message.contains("my_project.ops.preprocess"),
        "{}",
        f.message
    );
}

#[test]
fn lambda_activation_object_is_found_anywhere() {
    let act = json!({"class_name": "__lambda__", "config": {"code": base64(&fake_code_object()), "defaults": null, "closure": null}});
    let layer = json!({"module": "keras.layers", "class_name": "Dense", "config": {"units": 2, "activation": act}});
    let s = scan("m.h5", &h5(&sequential(vec![layer])));
    let f = only(&s, "keras-lambda-bytecode");
    assert_eq!(
        f.location.to_string(),
        "json /config/layers/0/config/activation"
    );
}

#[test]
fn lambda_nested_in_an_inner_functional_model_is_found() {
    let lambda = json!({"class_name": "Lambda", "config": {"function": [base64(&fake_code_object()), null, null]}});
    let inner = json!({"class_name": "Functional", "config": {"layers": [dense(), lambda]}});
    let s = scan("m.h5", &h5(&sequential(vec![dense(), inner])));
    let f = only(&s, "keras-lambda-bytecode");
    assert_eq!(
        f.location.to_string(),
        "json /config/layers/1/config/layers/1"
    );
    assert_eq!(s.facts["keras"]["layers"], 4);
}

#[test]
fn dangerous_module_is_critical_other_modules_high_keras_none() {
    let evil = json!({"module": "os", "class_name": "system", "config": "id"});
    let s = scan("m.h5", &h5(&sequential(vec![evil])));
    assert_eq!(only(&s, "keras-module-import").severity, Severity::Critical);
    let third = json!({"module": "my_layers.blocks", "class_name": "Block", "config": {}});
    let s = scan("m.h5", &h5(&sequential(vec![third])));
    assert_eq!(only(&s, "keras-module-import").severity, Severity::High);
    let ours = json!({"module": "keras.src.models.functional", "class_name": "Functional", "config": {"layers": [dense()]}});
    clean(&scan("m.h5", &h5(&ours)));
}

#[test]
fn registered_custom_objects_are_medium() {
    let custom = json!({"module": "keras.layers", "class_name": "Attention2", "config": {}, "registered_name": "my_pkg>Attention2"});
    let s = scan("m.h5", &h5(&sequential(vec![custom])));
    let f = only(&s, "keras-custom-object");
    assert_eq!(f.severity, Severity::Medium);
    assert!(f.message.contains("my_pkg>Attention2"));
}

#[test]
fn named_functions_custom_or_dangerous_builtin() {
    let custom = json!({"module": "keras.layers", "class_name": "Dense", "config": {"activation": {"module": "builtins", "class_name": "function", "config": "my_act", "registered_name": "function"}}});
    let s = scan("m.h5", &h5(&sequential(vec![custom])));
    only(&s, "keras-custom-object");
    let evil = json!({"module": "keras.layers", "class_name": "Dense", "config": {"activation": {"module": "builtins", "class_name": "function", "config": "exec", "registered_name": "function"}}});
    let s = scan("m.h5", &h5(&sequential(vec![evil])));
    assert_eq!(only(&s, "keras-module-import").severity, Severity::Critical);
}

#[test]
fn base64_that_is_not_bytecode_is_not_reported_as_bytecode() {
    // A Lambda whose function list holds base64 of text, not a code object.
    let lambda = json!({"class_name": "Lambda", "config": {"function": [base64(b"just some text, not code at all"), null, null]}});
    let s = scan("m.h5", &h5(&sequential(vec![lambda])));
    assert_eq!(rules(&s), ["keras-lambda-layer"]);
}

#[test]
fn malformed_config_is_reported() {
    let s = scan(
        "m.h5",
        &keras_h5(Layout::Earliest, "{\"class_name\": \"Sequential\", "),
    );
    only(&s, "keras-malformed-config");
}

#[test]
fn config_nesting_beyond_the_limit_fails_closed() {
    let mut v = dense();
    for _ in 0..20 {
        v = json!({"class_name": "Wrapper", "config": {"layer": v}});
    }
    let bytes = h5(&v);
    clean(&scan("m.h5", &bytes));
    let mut opts = ScanOptions::default();
    opts.limits.graphs.max_config_depth = 10;
    let s = scan_with("m.h5", &bytes, &opts);
    assert!(
        s.errors[0].message.contains("graphs.max_config_depth"),
        "{:?}",
        s.errors
    );
}
