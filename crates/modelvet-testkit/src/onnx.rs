//! ONNX `ModelProto`s, with the field numbers of `onnx/onnx.proto` (IR version 10+).
//!
//! Fields are written in field-number order, as the protobuf serializer used
//! by `onnx.save` does: the output of [`benign`] re-serializes byte for byte
//! through `onnx` 1.23's `ModelProto` and passes `onnx.checker.check_model`.

use crate::protobuf::Message;

/// `TensorProto.DataType.FLOAT`.
pub const FLOAT: u64 = 1;

/// A `NodeProto`.
#[derive(Debug, Clone, Default)]
pub struct Node {
    /// Inputs.
    pub inputs: Vec<String>,
    /// Outputs.
    pub outputs: Vec<String>,
    /// Name.
    pub name: String,
    /// Operator.
    pub op_type: String,
    /// Operator domain (`""` is `ai.onnx`).
    pub domain: String,
    /// Graph-valued attributes (`then_branch`, `body`, ...).
    pub graphs: Vec<(String, Graph)>,
    /// Tensor-valued attributes (`Constant`'s `value`).
    pub tensors: Vec<(String, Tensor)>,
}

impl Node {
    /// A node `op_type` in `domain` named `name`.
    pub fn new(op_type: &str, domain: &str, name: &str) -> Node {
        Node {
            inputs: vec!["x".into()],
            outputs: vec![format!("{name}_out")],
            name: name.into(),
            op_type: op_type.into(),
            domain: domain.into(),
            ..Node::default()
        }
    }

    /// Add a graph attribute.
    pub fn with_graph(mut self, attr: &str, g: Graph) -> Node {
        self.graphs.push((attr.into(), g));
        self
    }

    /// Add a tensor attribute.
    pub fn with_tensor(mut self, attr: &str, t: Tensor) -> Node {
        self.tensors.push((attr.into(), t));
        self
    }

    /// Serialize (field numbers: input 1, output 2, name 3, op_type 4,
    /// attribute 5, domain 7).
    pub fn message(&self) -> Message {
        let mut m = Message::new();
        for i in &self.inputs {
            m = m.string(1, i);
        }
        for o in &self.outputs {
            m = m.string(2, o);
        }
        m = m.string(3, &self.name).string(4, &self.op_type);
        for (name, g) in &self.graphs {
            // AttributeProto: name 1, g 6, type 20 (GRAPH = 5).
            let a = Message::new()
                .string(1, name)
                .message(6, &g.message())
                .varint(20, 5);
            m = m.message(5, &a);
        }
        for (name, t) in &self.tensors {
            // AttributeProto: name 1, t 5, type 20 (TENSOR = 4).
            let a = Message::new()
                .string(1, name)
                .message(5, &t.message())
                .varint(20, 4);
            m = m.message(5, &a);
        }
        if !self.domain.is_empty() {
            m = m.string(7, &self.domain);
        }
        m
    }
}

/// A `TensorProto`, with its data inline or in an external file.
#[derive(Debug, Clone, Default)]
pub struct Tensor {
    /// Name.
    pub name: String,
    /// Float values (inline).
    pub floats: Vec<f32>,
    /// `external_data` entries; when set the tensor is `EXTERNAL`.
    pub external: Vec<(String, String)>,
}

impl Tensor {
    /// An inline float tensor.
    pub fn floats(name: &str, values: &[f32]) -> Tensor {
        Tensor {
            name: name.into(),
            floats: values.to_vec(),
            external: Vec::new(),
        }
    }

    /// A tensor whose bytes live in the file `location`.
    pub fn external(name: &str, location: &str) -> Tensor {
        Tensor {
            name: name.into(),
            floats: Vec::new(),
            external: vec![
                ("location".into(), location.into()),
                ("length".into(), "8".into()),
            ],
        }
    }

    /// Serialize (dims 1, data_type 2, float_data 4 packed, name 8,
    /// external_data 13, data_location 14).
    pub fn message(&self) -> Message {
        let n = if self.external.is_empty() {
            self.floats.len()
        } else {
            2
        };
        let mut m = Message::new().varint(1, n as u64).varint(2, FLOAT);
        if !self.floats.is_empty() {
            let packed: Vec<u8> = self.floats.iter().flat_map(|f| f.to_le_bytes()).collect();
            m = m.bytes(4, &packed);
        }
        m = m.string(8, &self.name);
        for (k, v) in &self.external {
            m = m.message(13, &Message::new().string(1, k).string(2, v));
        }
        if !self.external.is_empty() {
            m = m.varint(14, 1);
        }
        m
    }
}

/// A `GraphProto`.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// Nodes.
    pub nodes: Vec<Node>,
    /// Name.
    pub name: String,
    /// Initializers.
    pub initializers: Vec<Tensor>,
}

impl Graph {
    /// A graph named `name` with `nodes`.
    pub fn new(name: &str, nodes: Vec<Node>) -> Graph {
        Graph {
            nodes,
            name: name.into(),
            initializers: Vec::new(),
        }
    }

    /// Add an initializer.
    pub fn with_initializer(mut self, t: Tensor) -> Graph {
        self.initializers.push(t);
        self
    }

    /// Serialize (node 1, name 2, initializer 5, input 11, output 12).
    pub fn message(&self) -> Message {
        let mut m = Message::new();
        for n in &self.nodes {
            m = m.message(1, &n.message());
        }
        m = m.string(2, &self.name);
        for t in &self.initializers {
            m = m.message(5, &t.message());
        }
        m.message(11, &value_info("x"))
            .message(12, &value_info("y"))
    }
}

/// A `FunctionProto`.
#[derive(Debug, Clone, Default)]
pub struct Function {
    /// Name.
    pub name: String,
    /// Domain.
    pub domain: String,
    /// Body.
    pub nodes: Vec<Node>,
}

impl Function {
    /// Serialize (name 1, input 4, output 5, node 7, opset_import 9, domain 10).
    pub fn message(&self) -> Message {
        let mut m = Message::new()
            .string(1, &self.name)
            .string(4, "a")
            .string(5, "c");
        for n in &self.nodes {
            m = m.message(7, &n.message());
        }
        m.message(9, &opset("", 17)).string(10, &self.domain)
    }
}

/// `ValueInfoProto` (name 1, type 2) of a float tensor of shape `[2]`:
/// `TypeProto.tensor_type` 1 { elem_type 1, shape 2 { dim 1 { dim_value 1 } } }.
fn value_info(name: &str) -> Message {
    let dim = Message::new().varint(1, 2);
    let shape = Message::new().message(1, &dim);
    let tensor = Message::new().varint(1, FLOAT).message(2, &shape);
    Message::new()
        .string(1, name)
        .message(2, &Message::new().message(1, &tensor))
}

fn opset(domain: &str, version: u64) -> Message {
    Message::new().string(1, domain).varint(2, version)
}

/// A `ModelProto`.
#[derive(Debug, Clone)]
pub struct Model {
    /// IR version (10 for ONNX 1.16).
    pub ir_version: u64,
    /// Producer.
    pub producer_name: String,
    /// Main graph.
    pub graph: Graph,
    /// Imported opsets beyond `("", 17)`.
    pub opsets: Vec<(String, u64)>,
    /// `metadata_props`.
    pub metadata: Vec<(String, String)>,
    /// Model-local functions.
    pub functions: Vec<Function>,
}

impl Model {
    /// A model around `graph`.
    pub fn new(graph: Graph) -> Model {
        Model {
            ir_version: 10,
            producer_name: "modelvet-testkit".into(),
            graph,
            opsets: Vec::new(),
            metadata: Vec::new(),
            functions: Vec::new(),
        }
    }

    /// Serialize (ir_version 1, producer_name 2, graph 7, opset_import 8,
    /// metadata_props 14, functions 25).
    pub fn build(&self) -> Vec<u8> {
        let mut m = Message::new()
            .varint(1, self.ir_version)
            .string(2, &self.producer_name)
            .message(7, &self.graph.message())
            .message(8, &opset("", 17));
        for (d, v) in &self.opsets {
            m = m.message(8, &opset(d, *v));
        }
        for (k, v) in &self.metadata {
            m = m.message(14, &Message::new().string(1, k).string(2, v));
        }
        for f in &self.functions {
            m = m.message(25, &f.message());
        }
        m.build()
    }
}

/// A benign model: `y = Relu(Add(x, w))` (passes `onnx.checker.check_model`).
pub fn benign() -> Vec<u8> {
    let mut add = Node::new("Add", "", "add");
    add.inputs = vec!["x".into(), "w".into()];
    add.outputs = vec!["s".into()];
    let mut relu = Node::new("Relu", "", "relu");
    relu.inputs = vec!["s".into()];
    relu.outputs = vec!["y".into()];
    let g =
        Graph::new("benign", vec![add, relu]).with_initializer(Tensor::floats("w", &[1.0, 2.0]));
    Model::new(g).build()
}
