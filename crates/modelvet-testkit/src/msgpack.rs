//! msgpack documents in Flax's layout (`flax.serialization.to_bytes`): maps of
//! string keys, arrays as ext type 1 holding msgpack `(shape, dtype, bytes)`.

/// A msgpack value.
#[derive(Debug, Clone)]
pub enum Value {
    /// nil
    Nil,
    /// unsigned integer
    Uint(u64),
    /// string
    Str(String),
    /// binary
    Bin(Vec<u8>),
    /// array
    Array(Vec<Value>),
    /// map with string keys, in order
    Map(Vec<(String, Value)>),
    /// ext type and payload
    Ext(i8, Vec<u8>),
}

fn len_header(out: &mut Vec<u8>, n: usize, fix: Option<(u8, usize)>, codes: [u8; 3]) {
    match fix {
        Some((base, max)) if n <= max => out.push(base | n as u8),
        _ if n <= 0xff && codes[0] != 0 => {
            out.push(codes[0]);
            out.push(n as u8);
        }
        _ if n <= 0xffff => {
            out.push(codes[1]);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        _ => {
            out.push(codes[2]);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
    }
}

/// Encode `v` as the reference msgpack packer does (smallest encodings).
pub fn encode(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Nil => out.push(0xc0),
        Value::Uint(n) if *n < 0x80 => out.push(*n as u8),
        Value::Uint(n) => {
            out.push(0xcf);
            out.extend_from_slice(&n.to_be_bytes());
        }
        Value::Str(s) => {
            len_header(out, s.len(), Some((0xa0, 31)), [0xd9, 0xda, 0xdb]);
            out.extend_from_slice(s.as_bytes());
        }
        Value::Bin(b) => {
            len_header(out, b.len(), None, [0xc4, 0xc5, 0xc6]);
            out.extend_from_slice(b);
        }
        Value::Array(items) => {
            len_header(out, items.len(), Some((0x90, 15)), [0, 0xdc, 0xdd]);
            for i in items {
                encode(i, out);
            }
        }
        Value::Map(entries) => {
            len_header(out, entries.len(), Some((0x80, 15)), [0, 0xde, 0xdf]);
            for (k, v) in entries {
                encode(&Value::Str(k.clone()), out);
                encode(v, out);
            }
        }
        Value::Ext(ty, payload) => {
            let fixed = [(1, 0xd4), (2, 0xd5), (4, 0xd6), (8, 0xd7), (16, 0xd8)];
            match fixed.iter().find(|(n, _)| *n == payload.len()) {
                Some((_, code)) => out.push(*code),
                None => len_header(out, payload.len(), None, [0xc7, 0xc8, 0xc9]),
            }
            out.push(*ty as u8);
            out.extend_from_slice(payload);
        }
    }
}

/// Encode `v` into a new buffer.
pub fn to_bytes(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode(v, &mut out);
    out
}

/// A Flax array: ext 1 holding `(shape, dtype, data)`.
pub fn ndarray(shape: &[u64], dtype: &str, data: Vec<u8>) -> Value {
    let inner = Value::Array(vec![
        Value::Array(shape.iter().map(|d| Value::Uint(*d)).collect()),
        Value::Str(dtype.into()),
        Value::Bin(data),
    ]);
    Value::Ext(1, to_bytes(&inner))
}

/// A Flax state with one Dense layer (kernel 3×2, bias 2; float32).
pub fn dense_state() -> Value {
    Value::Map(vec![(
        "params".into(),
        Value::Map(vec![(
            "Dense_0".into(),
            Value::Map(vec![
                ("kernel".into(), ndarray(&[3, 2], "float32", vec![0; 24])),
                ("bias".into(), ndarray(&[2], "float32", vec![0; 8])),
            ]),
        )]),
    )])
}
