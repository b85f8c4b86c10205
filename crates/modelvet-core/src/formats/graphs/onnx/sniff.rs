//! Recognising a `ModelProto` by its structure.

use crate::format::Sniff;
use crate::formats::graphs::protobuf::{walk_prefix, PrefixValue};

/// Field numbers and wire types of `ModelProto` (onnx.proto, IR version 10).
const MODEL_FIELDS: &[(u32, u8)] = &[
    (1, 0),  // ir_version
    (2, 2),  // producer_name
    (3, 2),  // producer_version
    (4, 2),  // domain
    (5, 0),  // model_version
    (6, 2),  // doc_string
    (7, 2),  // graph
    (8, 2),  // opset_import
    (14, 2), // metadata_props
    (20, 2), // training_info
    (25, 2), // functions
    (26, 2), // configuration
];

/// Field numbers of `GraphProto` that are length-delimited.
const GRAPH_FIELDS: &[u32] = &[1, 2, 5, 10, 11, 12, 13, 14, 15, 16];

/// Highest IR version accepted when sniffing (IR 11 is current; room to grow).
const MAX_IR_VERSION: u64 = 64;

/// Whether the bytes look like a `ModelProto`: every field of the head a known
/// `ModelProto` field with its wire type, an `ir_version` in range and a graph.
pub fn sniff(s: &Sniff<'_>) -> bool {
    let mut ir_version = None;
    let mut graph_ok = None;
    let mut valid = true;
    let mut cut_before_graph = false;
    let walked = walk_prefix(s.head, |number, value| {
        if !MODEL_FIELDS.contains(&(number, value.wire_type())) {
            valid = false;
            return false;
        }
        match (number, value) {
            (1, PrefixValue::Varint(v)) => ir_version = Some(v),
            (7, PrefixValue::Len { payload, .. }) => {
                let mut ok = true;
                let inner = walk_prefix(payload, |n, v| {
                    ok = GRAPH_FIELDS.contains(&n) && v.wire_type() == 2;
                    ok
                });
                graph_ok = Some(ok && inner.is_ok());
            }
            (
                _,
                PrefixValue::Len {
                    complete: false, ..
                },
            ) => cut_before_graph = true,
            _ => {}
        }
        true
    });
    // A long doc string can push the graph past the sniffed window: then the
    // `.onnx` name breaks the tie.
    let graph = match graph_ok {
        Some(ok) => ok,
        None => cut_before_graph && s.extension() == "onnx",
    };
    valid && walked.is_ok() && matches!(ir_version, Some(1..=MAX_IR_VERSION)) && graph
}
