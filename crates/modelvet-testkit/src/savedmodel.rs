//! TensorFlow `saved_model.pb` and Keras `keras_metadata.pb`, with the field
//! numbers of `saved_model.proto`, `meta_graph.proto`, `graph.proto`,
//! `node_def.proto`, `function.proto`, `attr_value.proto`, `tensor.proto` and
//! Keras' `saved_metadata.proto`. The output parses with the protos of
//! TensorFlow 2.21 and tf_keras 2.21 (checked when the builder was written).

use crate::protobuf::Message;

/// `DataType.DT_STRING`.
pub const DT_STRING: u64 = 7;

/// A `NodeDef`.
#[derive(Debug, Clone, Default)]
pub struct NodeDef {
    /// Name.
    pub name: String,
    /// Op.
    pub op: String,
    /// Inputs (`node`, `node:1`, `^control`).
    pub inputs: Vec<String>,
    /// String attributes (one value: `s`; several: `list.s`).
    pub attrs: Vec<(String, Vec<String>)>,
    /// For `Const`: the string values of its `value` tensor.
    pub const_strings: Vec<String>,
}

impl NodeDef {
    /// A node `name` running `op` on `inputs`.
    pub fn new(name: &str, op: &str, inputs: &[&str]) -> NodeDef {
        NodeDef {
            name: name.into(),
            op: op.into(),
            inputs: inputs.iter().map(|s| (*s).to_owned()).collect(),
            ..NodeDef::default()
        }
    }

    /// A `Const` node holding a string scalar.
    pub fn string_const(name: &str, value: &str) -> NodeDef {
        NodeDef {
            name: name.into(),
            op: "Const".into(),
            const_strings: vec![value.into()],
            ..NodeDef::default()
        }
    }

    /// Add a string attribute.
    pub fn attr(mut self, key: &str, values: &[&str]) -> NodeDef {
        self.attrs
            .push((key.into(), values.iter().map(|s| (*s).to_owned()).collect()));
        self
    }

    /// Serialize (name 1, op 2, input 3, attr 5 as map entries key 1 / value 2).
    pub fn message(&self) -> Message {
        let mut m = Message::new().string(1, &self.name).string(2, &self.op);
        for i in &self.inputs {
            m = m.string(3, i);
        }
        if self.op == "Const" {
            // AttrValue.type = 6; AttrValue.tensor = 8: TensorProto dtype 1,
            // tensor_shape 2, string_val 8.
            let dtype = Message::new().varint(6, DT_STRING);
            m = m.message(5, &Message::new().string(1, "dtype").message(2, &dtype));
            let mut t = Message::new()
                .varint(1, DT_STRING)
                .message(2, &Message::new());
            for s in &self.const_strings {
                t = t.string(8, s);
            }
            let value = Message::new().message(8, &t);
            m = m.message(5, &Message::new().string(1, "value").message(2, &value));
        }
        for (key, values) in &self.attrs {
            let value = if values.len() == 1 {
                Message::new().string(2, &values[0])
            } else {
                let mut list = Message::new();
                for v in values {
                    list = list.string(2, v);
                }
                Message::new().message(1, &list)
            };
            m = m.message(5, &Message::new().string(1, key).message(2, &value));
        }
        m
    }
}

/// Serialize a `GraphDef`: node 1, library 2 (`FunctionDefLibrary.function` 1:
/// `FunctionDef` signature 1 (`OpDef.name` 1), node_def 3), versions 4.
pub fn graph_def(nodes: &[NodeDef], functions: &[(&str, Vec<NodeDef>)]) -> Message {
    let mut g = Message::new();
    for n in nodes {
        g = g.message(1, &n.message());
    }
    if !functions.is_empty() {
        let mut lib = Message::new();
        for (name, body) in functions {
            let mut f = Message::new().message(1, &Message::new().string(1, name));
            for n in body {
                f = f.message(3, &n.message());
            }
            lib = lib.message(1, &f);
        }
        g = g.message(2, &lib);
    }
    // VersionDef: producer 1.
    g.message(4, &Message::new().varint(1, 1645))
}

/// Serialize a `SavedModel` with one `MetaGraphDef` tagged `serve`:
/// saved_model_schema_version 1, meta_graphs 2 (meta_info_def 1 with tags 4
/// and tensorflow_version 5, graph_def 2).
pub fn saved_model(nodes: &[NodeDef], functions: &[(&str, Vec<NodeDef>)]) -> Vec<u8> {
    let info = Message::new()
        .string(1, "")
        .string(4, "serve")
        .string(5, "2.16.1")
        .string(6, "v2.16.1-0-g5bc9d26649c");
    let meta = Message::new()
        .message(1, &info)
        .message(2, &graph_def(nodes, functions));
    Message::new().varint(1, 1).message(2, &meta).build()
}

/// Serialize a `SavedModel` whose `MetaGraphDef.object_graph_def` (7) holds
/// one `SavedObject` per entry with `user_object` (4) { identifier 1,
/// metadata 3 }, as TensorFlow 2.0–2.4 stored Keras metadata.
pub fn saved_model_with_user_objects(metadata: &[&str]) -> Vec<u8> {
    let mut graph = Message::new();
    for m in metadata {
        let user = Message::new().string(1, "_tf_keras_layer").string(3, m);
        graph = graph.message(1, &Message::new().message(4, &user));
    }
    let info = Message::new().string(4, "serve").string(5, "2.4.0");
    let meta = Message::new()
        .message(1, &info)
        .message(2, &graph_def(&save_path_nodes(), &[]))
        .message(7, &graph);
    Message::new().varint(1, 1).message(2, &meta).build()
}

/// The checkpoint save path every SavedModel has (TF2 `tf.saved_model.save`).
pub fn save_path_nodes() -> Vec<NodeDef> {
    vec![
        NodeDef::new("saver_filename", "Placeholder", &[]),
        NodeDef::string_const("Const", "_temp/part"),
        NodeDef::new("StringJoin", "StringJoin", &["saver_filename", "Const"]),
        NodeDef::new("num_shards", "Const", &[]),
        NodeDef::new(
            "ShardedFilename",
            "ShardedFilename",
            &["StringJoin", "num_shards"],
        ),
        NodeDef::new("SaveV2", "SaveV2", &["ShardedFilename"]),
        NodeDef::new(
            "MergeV2Checkpoints",
            "MergeV2Checkpoints",
            &["ShardedFilename"],
        ),
        NodeDef::new("RestoreV2", "RestoreV2", &["saver_filename"]),
    ]
}

/// Serialize a `SavedMetadata` (`keras_metadata.pb`): nodes 1, each a
/// `SavedObject` with node_id 2, node_path 3, identifier 4, metadata 5.
pub fn keras_metadata(objects: &[(&str, &str)]) -> Vec<u8> {
    let mut m = Message::new();
    for (i, (path, json)) in objects.iter().enumerate() {
        let o = Message::new()
            .varint(2, i as u64)
            .string(3, path)
            .string(4, "_tf_keras_layer")
            .string(5, json);
        m = m.message(1, &o);
    }
    m.build()
}
