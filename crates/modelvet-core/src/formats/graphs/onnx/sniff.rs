//! Recognising a `ModelProto` by its structure.

use crate::format::Sniff;
use crate::formats::protobuf::{walk_prefix, PrefixValue};

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

/// Whether the bytes look like a `ModelProto`.
///
/// `onnx.load` parses any protobuf as a `ModelProto`, and protobuf skips the
/// fields it does not know (unknown numbers, known numbers with another wire
/// type, groups): an unknown field must not turn a model into an unknown
/// format and hide the rest of it. So the head must be well-formed protobuf,
/// and the model is recognised by what the runtime needs: a graph whose
/// fields are well-formed, and an `ir_version` in range (onnxruntime refuses
/// a model without one) or the `.onnx` name (`onnx.load` does not check it).
pub fn sniff(s: &Sniff<'_>) -> bool {
    let mut ir_version = None;
    let mut graph_ok = None;
    let mut known = 0u32;
    let mut unknown = 0u32;
    let mut cut_before_graph = false;
    let walked = walk_prefix(s.head, |number, value| {
        if MODEL_FIELDS.contains(&(number, value.wire_type())) {
            known = known.saturating_add(1);
        } else {
            unknown = unknown.saturating_add(1);
        }
        match (number, value) {
            (1, PrefixValue::Varint(v)) => ir_version = Some(v),
            (7, PrefixValue::Len { payload, .. }) => {
                let mut fields = 0u32;
                let mut graph_known = 0u32;
                let inner = walk_prefix(payload, |n, v| {
                    fields = fields.saturating_add(1);
                    if GRAPH_FIELDS.contains(&n) && v.wire_type() == 2 {
                        graph_known = graph_known.saturating_add(1);
                    }
                    true
                });
                // The graph must parse, and hold at least one GraphProto
                // field (or be empty, cut by the window).
                graph_ok = Some(inner.is_ok() && (graph_known > 0 || fields == 0));
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
    let named = s.extension() == "onnx";
    let graph = match graph_ok {
        Some(ok) => ok,
        None => cut_before_graph && named,
    };
    let ir_ok = matches!(ir_version, Some(1..=MAX_IR_VERSION));
    // Without the name, unknown fields may not outnumber known ones (random
    // bytes and other protobufs stay out).
    let plausible = named || unknown <= known;
    walked.is_ok() && graph && plausible && (ir_ok || (named && ir_version.is_none()))
}
