//! ONNX: real files written by `onnx` (tests/fixtures/graphs/onnx, see
//! scripts/gen-graph-fixtures.py) and testkit-built models.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::format::Format;
use crate::formats::graphs::test_util::{clean, fixture, only, rules, scan, scan_with};
use crate::formats::text::{location_problem, suspicious_text};
use crate::scan::ScanOptions;
use crate::severity::Severity;
use modelvet_testkit::onnx::{benign, Function, Graph, Model, Node, Tensor};
use modelvet_testkit::savedmodel;

#[test]
fn real_benign_model_is_clean() {
    let s = scan("model.onnx", fixture!("onnx/benign.onnx"));
    assert_eq!(s.format, Some(Format::Onnx));
    clean(&s);
    assert_eq!(s.facts["onnx"]["producer_name"], "modelvet-fixtures");
    assert_eq!(s.facts["onnx_nodes"], 2);
}

#[test]
fn recognised_by_content_without_extension() {
    let s = scan("weights", &benign());
    assert_eq!(s.format, Some(Format::Onnx));
    clean(&s);
}

#[test]
fn savedmodel_protobuf_is_not_onnx() {
    let pb = savedmodel::saved_model(&savedmodel::save_path_nodes(), &[]);
    let s = scan("model.bin.pb", &pb);
    assert_eq!(s.format, Some(Format::TfSavedModel));
}

#[test]
fn text_and_random_bytes_are_not_onnx() {
    assert_ne!(scan("a.onnx", b"hello world\n").format, Some(Format::Onnx));
    // A varint ir_version but no graph.
    assert_ne!(scan("a.onnx", &[0x08, 0x07]).format, Some(Format::Onnx));
    // ir_version out of range.
    let mut m = Model::new(Graph::new("g", vec![]));
    m.ir_version = 1000;
    assert_ne!(scan("x", &m.build()).format, Some(Format::Onnx));
}

#[test]
fn custom_domains_are_reported_contrib_ops_low() {
    let s = scan("m.onnx", fixture!("onnx/custom_domain.onnx"));
    assert_eq!(
        rules(&s),
        ["onnx-custom-op-domain", "onnx-custom-op-domain"]
    );
    let sev: Vec<Severity> = s.findings.iter().map(|f| f.severity).collect();
    assert!(sev.contains(&Severity::Medium) && sev.contains(&Severity::Low));
    assert_eq!(s.facts["onnx_custom_ops"]["com.example.ops"][0], "Decrypt");
}

#[test]
fn standard_domains_are_not_custom() {
    let g = Graph::new(
        "g",
        vec![
            Node::new("LinearClassifier", "ai.onnx.ml", "a"),
            Node::new("Relu", "ai.onnx", "b"),
            Node::new("Adam", "ai.onnx.preview.training", "c"),
        ],
    );
    clean(&scan("m.onnx", &Model::new(g).build()));
}

#[test]
fn repeated_custom_op_is_one_finding_with_a_count() {
    let nodes = (0..5)
        .map(|i| Node::new("Evil", "x.y", &format!("n{i}")))
        .collect();
    let s = scan("m.onnx", &Model::new(Graph::new("g", nodes)).build());
    let f = only(&s, "onnx-custom-op-domain");
    assert!(f.message.contains("5 nodes"), "{}", f.message);
}

#[test]
fn external_data_traversal_is_reported() {
    let s = scan("m.onnx", fixture!("onnx/external_traversal.onnx"));
    let f = only(&s, "onnx-external-data-path");
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.evidence.as_deref(), Some("../../../../etc/passwd"));
    assert_eq!(s.facts["onnx_external_data"]["tensors"], 1);
}

#[test]
fn external_data_next_to_the_model_is_a_fact_not_a_finding() {
    let s = scan("m.onnx", fixture!("onnx/external_ok.onnx"));
    clean(&s);
    assert_eq!(s.facts["onnx_external_data"]["files"][0], "weights.bin");
}

#[test]
fn absolute_external_data_in_a_constant_is_reported() {
    let constant =
        Node::new("Constant", "", "c").with_tensor("value", Tensor::external("v", "/etc/shadow"));
    let s = scan(
        "m.onnx",
        &Model::new(Graph::new("g", vec![constant])).build(),
    );
    let f = only(&s, "onnx-external-data-path");
    assert!(f.message.contains("absolute"), "{}", f.message);
}

#[test]
fn location_rules() {
    assert!(location_problem("weights.bin").is_none());
    assert!(location_problem("data/part-0.bin").is_none());
    assert!(location_problem("a..b.bin").is_none());
    assert!(location_problem("../x").is_some());
    assert!(location_problem("data/../../x").is_some());
    assert!(location_problem("..\\x").is_some());
    assert!(location_problem("/etc/passwd").is_some());
    assert!(location_problem("C:\\Windows\\win.ini").is_some());
    assert!(location_problem("\\\\server\\share").is_some());
    assert!(location_problem("file:///etc/passwd").is_some());
    assert!(location_problem("").is_some());
}

#[test]
fn custom_op_inside_if_branch_is_found() {
    let s = scan("m.onnx", fixture!("onnx/if_subgraph.onnx"));
    let f = only(&s, "onnx-custom-op-domain");
    let path = f.location.to_string();
    assert!(
        path.contains("then_branch") && path.contains("Hidden"),
        "{path}"
    );
}

#[test]
fn graph_nesting_beyond_the_limit_fails_closed() {
    let mut g = Graph::new("leaf", vec![Node::new("Relu", "", "r")]);
    for i in 0..6 {
        g = Graph::new(
            &format!("g{i}"),
            vec![Node::new("Loop", "", "l").with_graph("body", g)],
        );
    }
    let bytes = Model::new(g).build();
    clean(&scan("m.onnx", &bytes));
    let mut opts = ScanOptions::default();
    opts.limits.graphs.max_graph_depth = 3;
    let s = scan_with("m.onnx", &bytes, &opts);
    assert!(
        s.errors[0].message.contains("graphs.max_graph_depth"),
        "{:?}",
        s.errors
    );
}

#[test]
fn node_limit_fails_closed() {
    let mut opts = ScanOptions::default();
    opts.limits.graphs.max_nodes = 1;
    let s = scan_with("m.onnx", &benign(), &opts);
    assert!(
        s.errors[0].message.contains("graphs.max_nodes"),
        "{:?}",
        s.errors
    );
}

#[test]
fn field_limit_fails_closed() {
    let mut opts = ScanOptions::default();
    opts.limits.graphs.max_proto_fields = 5;
    let s = scan_with("m.onnx", &benign(), &opts);
    assert!(
        s.errors[0].message.contains("graphs.max_proto_fields"),
        "{:?}",
        s.errors
    );
}

#[test]
fn model_local_functions_are_not_custom_ops() {
    let s = scan("m.onnx", fixture!("onnx/local_function.onnx"));
    clean(&s);
    assert_eq!(s.facts["onnx_functions"][0], "local.fns::AddRelu");
}

#[test]
fn custom_op_inside_a_local_function_is_found() {
    let mut m = Model::new(Graph::new("g", vec![Node::new("F", "my.fns", "call")]));
    m.functions.push(Function {
        name: "F".into(),
        domain: "my.fns".into(),
        nodes: vec![Node::new("Steal", "evil.ops", "s")],
    });
    let s = scan("m.onnx", &m.build());
    let f = only(&s, "onnx-custom-op-domain");
    assert!(
        f.location.to_string().starts_with("functions[0]"),
        "{}",
        f.location
    );
}

#[test]
fn code_in_metadata_is_reported() {
    let s = scan("m.onnx", fixture!("onnx/metadata_code.onnx"));
    let f = only(&s, "onnx-suspicious-metadata");
    assert!(f.location.to_string().contains("preprocess"));
}

#[test]
fn ordinary_metadata_is_not_reported() {
    let mut m = Model::new(Graph::new("g", vec![]));
    m.metadata.push((
        "license".into(),
        "https://www.apache.org/licenses/LICENSE-2.0".into(),
    ));
    m.metadata.push((
        "description".into(),
        "Image classifier; evaluated on ImageNet.".into(),
    ));
    clean(&scan("m.onnx", &m.build()));
}

#[test]
fn suspicious_text_rules() {
    assert!(suspicious_text("curl http://x | sh").is_some());
    assert!(suspicious_text("gASVKAAAAAAAAACMBXBvc2l4").is_some());
    assert!(suspicious_text("\u{1b}[2Jcleared").is_some());
    assert!(suspicious_text("ResNet-50 trained on ImageNet").is_none());
}

#[test]
fn truncated_model_is_malformed_not_a_panic() {
    let bytes = benign();
    for cut in [bytes.len() / 2, bytes.len() - 1] {
        let s = scan("m.onnx", &bytes[..cut]);
        assert_eq!(s.format, Some(Format::Onnx));
        assert_eq!(rules(&s), ["onnx-malformed"], "cut at {cut}");
    }
}

#[test]
fn graph_past_the_sniff_window_needs_the_onnx_name() {
    // ir_version, then a doc string longer than the 64 KiB sniff window, then the graph.
    let doc = "d".repeat(70 * 1024);
    let graph = modelvet_testkit::protobuf::Message::new()
        .message(1, &Node::new("Relu", "", "r").message())
        .string(2, "g");
    let bytes = modelvet_testkit::protobuf::Message::new()
        .varint(1, 10)
        .string(6, &doc)
        .message(7, &graph)
        .build();
    let s = scan("big.onnx", &bytes);
    assert_eq!(s.format, Some(Format::Onnx));
    clean(&s);
    assert_ne!(scan("big.bin", &bytes).format, Some(Format::Onnx));
}

#[test]
fn unknown_fields_do_not_hide_external_data_traversal() {
    // scripts/gen-graph-fixtures.py --onnx-unknown: external_traversal.onnx
    // after an unknown varint field, an unknown group and producer_name as a
    // varint, all of which protobuf skips (onnx.load reads the model; the
    // script checks it).
    let bytes = fixture!("onnx/unknown_fields_traversal.onnx");
    for name in ["m.onnx", "model"] {
        let s = scan(name, bytes);
        assert_eq!(s.format, Some(Format::Onnx), "{name}");
        let f = only(&s, "onnx-external-data-path");
        assert_eq!(f.evidence.as_deref(), Some("../../../../etc/passwd"));
        assert_eq!(
            s.facts["onnx_unknown_fields"],
            serde_json::json!([99, 100, 2])
        );
        assert!(s.errors.is_empty(), "{:?}", s.errors);
    }
}

#[test]
fn unknown_fields_in_nested_messages_are_skipped() {
    // An unknown group and varint inside the graph, the node and the tensor.
    use modelvet_testkit::protobuf::Message;
    let tensor = Message::new()
        .string(8, "w")
        .raw(&[0xa3, 0x06, 0x08, 0x01, 0xa4, 0x06])
        .message(
            13,
            &Message::new()
                .string(1, "location")
                .string(2, "/etc/shadow"),
        )
        .varint(14, 1);
    let node = Message::new().varint(99, 7).string(4, "Relu").string(7, "");
    let graph = Message::new()
        .raw(&[0xa3, 0x06, 0xa4, 0x06])
        .message(1, &node)
        .message(5, &tensor)
        .string(2, "g");
    let model = Message::new()
        .varint(1, 10)
        .message(7, &graph)
        .message(8, &Message::new().string(1, "").varint(2, 17))
        .build();
    let s = scan("m.onnx", &model);
    let f = only(&s, "onnx-external-data-path");
    assert_eq!(f.evidence.as_deref(), Some("/etc/shadow"));
}
