//! TensorFlow Lite flatbuffers: a minimal flatbuffer writer and a `Model`
//! builder following `tensorflow/lite/schema/schema.fbs` (file identifier
//! `TFL3`). Objects are laid out parent first, children after, with every
//! offset forward, as flatbuffer readers and verifiers expect.

/// A flatbuffer value.
#[derive(Debug, Clone)]
pub enum Node {
    /// A table: field slots in schema order (`None` = absent).
    Table(Vec<Option<Slot>>),
    /// A vector of offsets to other nodes (tables, strings).
    Refs(Vec<Node>),
    /// A vector of 32-bit integers.
    Ints(Vec<i32>),
    /// A string.
    Str(String),
}

/// One field of a table.
#[derive(Debug, Clone)]
pub enum Slot {
    /// A one-byte scalar.
    I8(i8),
    /// A four-byte scalar.
    I32(i32),
    /// An offset to another node.
    Ref(Node),
}

fn pad4(buf: &mut Vec<u8>) {
    while buf.len() % 4 != 0 {
        buf.push(0);
    }
}

fn patch(buf: &mut [u8], at: usize, target: usize) {
    let off = (target - at) as u32;
    buf[at..at + 4].copy_from_slice(&off.to_le_bytes());
}

/// Append `node` to `buf`; returns its position (what offsets point at).
pub fn write(buf: &mut Vec<u8>, node: &Node) -> usize {
    pad4(buf);
    match node {
        Node::Str(s) => {
            let at = buf.len();
            buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
            buf.extend_from_slice(s.as_bytes());
            buf.push(0);
            at
        }
        Node::Ints(v) => {
            let at = buf.len();
            buf.extend_from_slice(&(v.len() as u32).to_le_bytes());
            for x in v {
                buf.extend_from_slice(&x.to_le_bytes());
            }
            at
        }
        Node::Refs(items) => {
            let at = buf.len();
            buf.extend_from_slice(&(items.len() as u32).to_le_bytes());
            let slots: Vec<usize> = items
                .iter()
                .map(|_| {
                    let s = buf.len();
                    buf.extend_from_slice(&[0; 4]);
                    s
                })
                .collect();
            for (item, slot) in items.iter().zip(slots) {
                let target = write(buf, item);
                patch(buf, slot, target);
            }
            at
        }
        Node::Table(fields) => {
            // vtable: size, table size, one u16 offset per field (4-byte slots after the soffset).
            let vtable = buf.len();
            let vt_len = 4 + 2 * fields.len();
            let table_len = 4 + 4 * fields.len();
            buf.extend_from_slice(&(vt_len as u16).to_le_bytes());
            buf.extend_from_slice(&(table_len as u16).to_le_bytes());
            for (i, f) in fields.iter().enumerate() {
                let off = if f.is_some() { 4 + 4 * i } else { 0 };
                buf.extend_from_slice(&(off as u16).to_le_bytes());
            }
            pad4(buf);
            let table = buf.len();
            buf.extend_from_slice(&((table - vtable) as i32).to_le_bytes());
            let mut refs = Vec::new();
            for f in fields {
                let at = buf.len();
                match f {
                    None => buf.extend_from_slice(&[0; 4]),
                    Some(Slot::I8(x)) => buf.extend_from_slice(&[*x as u8, 0, 0, 0]),
                    Some(Slot::I32(x)) => buf.extend_from_slice(&x.to_le_bytes()),
                    Some(Slot::Ref(node)) => {
                        buf.extend_from_slice(&[0; 4]);
                        refs.push((at, node));
                    }
                }
            }
            for (at, node) in refs {
                let target = write(buf, node);
                patch(buf, at, target);
            }
            table
        }
    }
}

/// A whole flatbuffer with `root` as root table and file identifier `ident`.
pub fn finish(root: &Node, ident: &[u8; 4]) -> Vec<u8> {
    let mut buf = vec![0; 4];
    buf.extend_from_slice(ident);
    let at = write(&mut buf, root);
    patch(&mut buf, 0, at);
    buf
}

/// `BuiltinOperator_ADD`.
pub const ADD: i32 = 0;
/// `BuiltinOperator_CUSTOM`.
pub const CUSTOM: i32 = 32;

/// An `OperatorCode` table: builtin code and optional custom code.
pub fn operator_code(builtin: i32, custom: Option<&str>) -> Node {
    Node::Table(vec![
        Some(Slot::I8(builtin.min(127) as i8)),
        custom.map(|c| Slot::Ref(Node::Str(c.to_owned()))),
        Some(Slot::I32(1)),
        Some(Slot::I32(builtin)),
    ])
}

/// An `Operator` table using operator code `index`.
pub fn operator(index: i32) -> Node {
    Node::Table(vec![
        Some(Slot::I32(index)),
        Some(Slot::Ref(Node::Ints(vec![0, 1]))),
        Some(Slot::Ref(Node::Ints(vec![2]))),
    ])
}

/// A model with the given operator codes and one subgraph running `ops`
/// (operator-code indices).
pub fn model(codes: Vec<Node>, ops: &[i32]) -> Vec<u8> {
    let subgraph = Node::Table(vec![
        Some(Slot::Ref(Node::Refs(vec![]))),
        Some(Slot::Ref(Node::Ints(vec![0, 1]))),
        Some(Slot::Ref(Node::Ints(vec![2]))),
        Some(Slot::Ref(Node::Refs(
            ops.iter().map(|i| operator(*i)).collect(),
        ))),
        Some(Slot::Ref(Node::Str("main".into()))),
    ]);
    let root = Node::Table(vec![
        Some(Slot::I32(3)),
        Some(Slot::Ref(Node::Refs(codes))),
        Some(Slot::Ref(Node::Refs(vec![subgraph]))),
        Some(Slot::Ref(Node::Str("built by modelvet-testkit".into()))),
        Some(Slot::Ref(Node::Refs(vec![Node::Table(vec![])]))),
    ]);
    finish(&root, b"TFL3")
}

/// A model with one ADD operator.
pub fn tiny() -> Vec<u8> {
    model(vec![operator_code(ADD, None)], &[0])
}
