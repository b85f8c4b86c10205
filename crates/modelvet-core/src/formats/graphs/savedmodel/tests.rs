//! SavedModel: `saved_model.pb` and `keras_metadata.pb` built by the testkit
//! with the field numbers of TensorFlow's protos (no TensorFlow at test time).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::format::Format;
use crate::formats::graphs::test_util::{
    base64, clean, fake_code_object, fixture, only, rules, scan,
};
use crate::severity::Severity;
use modelvet_testkit::protobuf::Message;
use modelvet_testkit::savedmodel::{keras_metadata, save_path_nodes, saved_model, NodeDef};

fn with(extra: Vec<NodeDef>) -> Vec<u8> {
    let mut nodes = save_path_nodes();
    nodes.extend(extra);
    saved_model(&nodes, &[])
}

#[test]
fn checkpoint_save_path_is_clean() {
    let s = scan("saved_model.pb", &with(vec![]));
    assert_eq!(s.format, Some(Format::TfSavedModel));
    clean(&s);
    assert_eq!(s.facts["savedmodel"]["tags"][0][0], "serve");
    assert_eq!(s.facts["savedmodel_graph"]["ops"]["SaveV2"], 1);
}

#[test]
fn read_file_with_a_constant_path_is_reported_with_the_path() {
    let s = scan(
        "saved_model.pb",
        &with(vec![
            NodeDef::string_const("path", "/etc/passwd"),
            NodeDef::new("read", "ReadFile", &["path"]),
        ]),
    );
    let f = only(&s, "savedmodel-file-op");
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.evidence.as_deref(), Some("/etc/passwd"));
    assert!(f.location.to_string().contains("op ReadFile"));
}

#[test]
fn write_file_inside_a_library_function_is_reported() {
    let body = vec![
        NodeDef::string_const("p", "../../.bashrc"),
        NodeDef::new("w", "WriteFile", &["p:output:0", "contents"]),
    ];
    let s = scan(
        "saved_model.pb",
        &saved_model(&save_path_nodes(), &[("__inference_serve_12", body)]),
    );
    let f = only(&s, "savedmodel-file-op");
    assert!(
        f.location
            .to_string()
            .contains("library/function[0] '__inference_serve_12'"),
        "{}",
        f.location
    );
    assert_eq!(f.evidence.as_deref(), Some("../../.bashrc"));
}

#[test]
fn python_ops_are_reported() {
    for op in ["PyFunc", "PyFuncStateless", "EagerPyFunc"] {
        let s = scan(
            "saved_model.pb",
            &with(vec![
                NodeDef::new("py", op, &["x"]).attr("token", &["pyfunc_3"])
            ]),
        );
        let f = only(&s, "savedmodel-python-op");
        assert_eq!(f.evidence.as_deref(), Some("pyfunc_3"));
    }
}

#[test]
fn debug_ops_depend_on_their_urls() {
    let s = scan(
        "saved_model.pb",
        &with(vec![NodeDef::new("d", "DebugIdentity", &["x"])
            .attr("debug_urls", &["grpc://10.0.0.1:6064"])]),
    );
    only(&s, "savedmodel-network-op");
    let s = scan(
        "saved_model.pb",
        &with(vec![
            NodeDef::new("d", "DebugIdentityV2", &["x"]).attr("debug_urls", &["file:///tmp/dump"])
        ]),
    );
    only(&s, "savedmodel-file-op");
    clean(&scan(
        "saved_model.pb",
        &with(vec![NodeDef::new("d", "DebugIdentity", &["x"])]),
    ));
}

#[test]
fn print_to_a_file_is_reported_print_to_stderr_is_not() {
    let s = scan(
        "saved_model.pb",
        &with(vec![
            NodeDef::new("p", "PrintV2", &["x"]).attr("output_stream", &["file:///tmp/leak.txt"])
        ]),
    );
    only(&s, "savedmodel-file-op");
    clean(&scan(
        "saved_model.pb",
        &with(vec![
            NodeDef::new("p", "PrintV2", &["x"]).attr("output_stream", &["stderr"])
        ]),
    ));
}

#[test]
fn legacy_save_is_reported_only_to_fixed_outside_paths() {
    let s = scan(
        "saved_model.pb",
        &with(vec![
            NodeDef::string_const("target", "/var/www/shell.php"),
            NodeDef::new("s", "Save", &["target", "names", "t"]),
        ]),
    );
    only(&s, "savedmodel-file-op");
    clean(&scan(
        "saved_model.pb",
        &with(vec![NodeDef::new(
            "s",
            "SaveSlices",
            &["save/filename", "names", "t"],
        )]),
    ));
}

#[test]
fn dataset_readers_are_medium_unless_they_leave_the_model() {
    let s = scan(
        "saved_model.pb",
        &with(vec![NodeDef::new("r", "TFRecordDataset", &["files"])]),
    );
    assert_eq!(only(&s, "savedmodel-file-op").severity, Severity::Medium);
    let s = scan(
        "saved_model.pb",
        &with(vec![
            NodeDef::string_const("files", "/home/user/.aws/credentials"),
            NodeDef::new("r", "TextLineDataset", &["files"]),
        ]),
    );
    assert_eq!(only(&s, "savedmodel-file-op").severity, Severity::High);
}

#[test]
fn rpc_ops_are_reported() {
    let s = scan(
        "saved_model.pb",
        &with(vec![NodeDef::new("r", "Rpc", &["addr", "m", "req"])]),
    );
    only(&s, "savedmodel-network-op");
}

#[test]
fn sniffed_by_structure_without_the_name() {
    let s = scan("export/model_v3.pb", &with(vec![]));
    assert_eq!(s.format, Some(Format::TfSavedModel));
}

#[test]
fn other_protobufs_are_not_saved_models() {
    // Field 1 varint + field 2 holding something that is not a MetaGraphDef.
    let pb = Message::new()
        .varint(1, 1)
        .message(2, &Message::new().varint(9, 1))
        .build();
    assert_ne!(scan("x.pb", &pb).format, Some(Format::TfSavedModel));
    // The file name alone is only a tie-breaker: text named saved_model.pb is not one.
    assert_ne!(
        scan("saved_model.pb", b"not a protobuf\n").format,
        Some(Format::TfSavedModel)
    );
}

#[test]
fn truncated_saved_model_is_malformed() {
    let bytes = with(vec![NodeDef::new("read", "ReadFile", &["p"])]);
    let s = scan("saved_model.pb", &bytes[..bytes.len() - 3]);
    assert!(
        rules(&s).contains(&"savedmodel-malformed"),
        "{:?}",
        s.findings
    );
}

#[test]
fn keras_metadata_lambda_is_reported() {
    let code = base64(&fake_code_object());
    let lambda = serde_json::json!({
        "class_name": "Lambda",
        "config": {"name": "lambda", "function": [code, null, null], "function_type": "lambda"}
    })
    .to_string();
    let dense = r#"{"class_name": "Dense", "config": {"units": 2}}"#;
    let bytes = keras_metadata(&[("root.layer-0", dense), ("root.layer-1", &lambda)]);
    let s = scan("keras_metadata.pb", &bytes);
    assert_eq!(s.format, Some(Format::TfSavedModel));
    let f = only(&s, "keras-lambda-bytecode");
    assert_eq!(f.location.to_string(), "json /nodes/1/metadata");
    assert!(f.evidence.as_deref().unwrap().contains("system"));
    clean(&scan(
        "keras_metadata.pb",
        &keras_metadata(&[("root.layer-0", dense)]),
    ));
}

#[test]
fn real_benign_saved_model_is_clean() {
    let s = scan(
        "saved_model.pb",
        fixture!("savedmodel/benign/saved_model.pb"),
    );
    assert_eq!(s.format, Some(Format::TfSavedModel));
    clean(&s);
    assert_eq!(s.facts["savedmodel"]["tensorflow_version"], "2.21.0");
    assert_eq!(s.facts["savedmodel_graph"]["ops"]["SaveV2"], 1);
}

#[test]
fn real_saved_model_file_ops_are_reported_with_their_paths() {
    let s = scan(
        "saved_model.pb",
        fixture!("savedmodel/file_ops/saved_model.pb"),
    );
    let evidence: Vec<&str> = s
        .findings
        .iter()
        .map(|f| {
            assert_eq!(f.rule_id, "savedmodel-file-op");
            assert_eq!(f.severity, Severity::High);
            f.evidence.as_deref().unwrap()
        })
        .collect();
    assert_eq!(
        evidence,
        [
            "/etc/hostname",
            "/tmp/modelvet-fixture-planted.txt",
            "/home/*/.ssh/*"
        ]
    );
}

#[test]
fn real_saved_model_folder_parts_are_recognised() {
    let s = scan(
        "m/fingerprint.pb",
        fixture!("savedmodel/benign/fingerprint.pb"),
    );
    assert_eq!(s.format, Some(Format::TfSavedModel));
    clean(&s);
    let s = scan(
        "m/variables/variables.index",
        fixture!("savedmodel/benign/variables/variables.index"),
    );
    assert_eq!(s.format, Some(Format::TfSavedModel));
    clean(&s);
    // The names alone do not make them.
    assert_ne!(
        scan("fingerprint.pb", b"\xff\xff").format,
        Some(Format::TfSavedModel)
    );
    assert_ne!(
        scan("variables.index", &[0u8; 64]).format,
        Some(Format::TfSavedModel)
    );
}

#[test]
fn real_tf_keras_metadata_lambda_is_reported_once() {
    let s = scan(
        "m/keras_metadata.pb",
        fixture!("savedmodel/keras_lambda/keras_metadata.pb"),
    );
    let f = only(&s, "keras-lambda-bytecode");
    assert_eq!(
        f.location.to_string(),
        "json /nodes/0/metadata/config/layers/2"
    );
    assert_eq!(s.facts["keras"]["class_names"]["Lambda"], 3);
}

#[test]
fn real_tf_keras_saved_model_is_clean() {
    clean(&scan(
        "m/keras_metadata.pb",
        fixture!("savedmodel/keras_benign/keras_metadata.pb"),
    ));
    let s = scan(
        "m/saved_model.pb",
        fixture!("savedmodel/keras_benign/saved_model.pb"),
    );
    assert_eq!(s.format, Some(Format::TfSavedModel));
    clean(&s);
}

#[test]
fn lambda_in_object_graph_user_metadata_is_reported() {
    let code = base64(&fake_code_object());
    let lambda =
        serde_json::json!({"class_name": "Lambda", "config": {"function": [code, null, null]}})
            .to_string();
    let dense = r#"{"class_name": "Dense", "config": {"units": 2}}"#;
    let bytes = modelvet_testkit::savedmodel::saved_model_with_user_objects(&[dense, &lambda]);
    let s = scan("saved_model.pb", &bytes);
    let f = only(&s, "keras-lambda-bytecode");
    assert_eq!(
        f.location.to_string(),
        "json /meta_graphs/0/object_graph_def/nodes/1/user_object/metadata"
    );
    let bytes = modelvet_testkit::savedmodel::saved_model_with_user_objects(&[dense]);
    let s = scan("saved_model.pb", &bytes);
    clean(&s);
    assert_eq!(s.facts["keras"]["class_names"]["Dense"], 1);
}
