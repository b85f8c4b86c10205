//! GGUF files (versions 1–3), laid out as llama.cpp's `gguf-py` writer does:
//! header, metadata, tensor infos, padding to the alignment, tensor data.

/// A metadata value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// type 0
    U8(u8),
    /// type 1
    I8(i8),
    /// type 2
    U16(u16),
    /// type 3
    I16(i16),
    /// type 4
    U32(u32),
    /// type 5
    I32(i32),
    /// type 6
    F32(f32),
    /// type 7
    Bool(bool),
    /// type 8
    Str(String),
    /// type 9: element type and elements (all of that type).
    Array(u32, Vec<Value>),
    /// type 10
    U64(u64),
    /// type 11
    I64(i64),
    /// type 12
    F64(f64),
}

impl Value {
    /// The GGUF value type number.
    pub fn type_id(&self) -> u32 {
        match self {
            Value::U8(_) => 0,
            Value::I8(_) => 1,
            Value::U16(_) => 2,
            Value::I16(_) => 3,
            Value::U32(_) => 4,
            Value::I32(_) => 5,
            Value::F32(_) => 6,
            Value::Bool(_) => 7,
            Value::Str(_) => 8,
            Value::Array(..) => 9,
            Value::U64(_) => 10,
            Value::I64(_) => 11,
            Value::F64(_) => 12,
        }
    }

    /// A string value.
    pub fn str(s: &str) -> Value {
        Value::Str(s.to_owned())
    }
}

/// A tensor info plus its data. `offset: None` places the tensor after the
/// previous one, aligned, as writers do; `Some` writes the given offset as is.
#[derive(Debug, Clone)]
pub struct Tensor {
    /// Name.
    pub name: String,
    /// Dimensions, innermost first (ggml order).
    pub dims: Vec<u64>,
    /// ggml type (0 = F32, 1 = F16, 8 = Q8_0, ...).
    pub ty: u32,
    /// Offset override (for hostile files).
    pub offset: Option<u64>,
    /// Data bytes.
    pub data: Vec<u8>,
}

impl Tensor {
    /// An F32 tensor with the given dims, zero-filled.
    pub fn f32(name: &str, dims: &[u64]) -> Tensor {
        let n = dims.iter().fold(1u64, |a, d| a.saturating_mul(*d));
        Tensor {
            name: name.into(),
            dims: dims.to_vec(),
            ty: 0,
            offset: None,
            data: vec![0; (n * 4) as usize],
        }
    }
}

/// A GGUF file to write.
#[derive(Debug, Clone)]
pub struct Gguf {
    /// Version: 1, 2 or 3.
    pub version: u32,
    /// Write big-endian (version 3 allows it).
    pub big_endian: bool,
    /// Metadata, in order (duplicates written as given).
    pub kv: Vec<(String, Value)>,
    /// Tensors, in order.
    pub tensors: Vec<Tensor>,
    /// Alignment used for padding (write `general.alignment` yourself to change the reader's).
    pub alignment: u64,
    /// Override the tensor count in the header (hostile files).
    pub tensor_count: Option<u64>,
    /// Override the metadata count in the header (hostile files).
    pub kv_count: Option<u64>,
}

impl Default for Gguf {
    fn default() -> Self {
        Gguf {
            version: 3,
            big_endian: false,
            kv: Vec::new(),
            tensors: Vec::new(),
            alignment: 32,
            tensor_count: None,
            kv_count: None,
        }
    }
}

impl Gguf {
    /// Add a metadata entry.
    pub fn kv(mut self, key: &str, value: Value) -> Gguf {
        self.kv.push((key.to_owned(), value));
        self
    }

    /// Add a tensor.
    pub fn tensor(mut self, t: Tensor) -> Gguf {
        self.tensors.push(t);
        self
    }

    fn int(&self, out: &mut Vec<u8>, bytes: &[u8]) {
        if self.big_endian {
            out.extend(bytes.iter().rev());
        } else {
            out.extend_from_slice(bytes);
        }
    }

    fn count(&self, out: &mut Vec<u8>, n: u64) {
        if self.version == 1 {
            self.int(out, &(n as u32).to_le_bytes());
        } else {
            self.int(out, &n.to_le_bytes());
        }
    }

    fn string(&self, out: &mut Vec<u8>, s: &str) {
        self.count(out, s.len() as u64);
        out.extend_from_slice(s.as_bytes());
    }

    fn value(&self, out: &mut Vec<u8>, v: &Value) {
        match v {
            Value::U8(x) => out.push(*x),
            Value::I8(x) => out.extend_from_slice(&x.to_le_bytes()),
            Value::U16(x) => self.int(out, &x.to_le_bytes()),
            Value::I16(x) => self.int(out, &x.to_le_bytes()),
            Value::U32(x) => self.int(out, &x.to_le_bytes()),
            Value::I32(x) => self.int(out, &x.to_le_bytes()),
            Value::F32(x) => self.int(out, &x.to_le_bytes()),
            Value::Bool(x) => out.push(u8::from(*x)),
            Value::Str(s) => self.string(out, s),
            Value::Array(ty, items) => {
                self.int(out, &ty.to_le_bytes());
                self.count(out, items.len() as u64);
                for item in items {
                    self.value(out, item);
                }
            }
            Value::U64(x) => self.int(out, &x.to_le_bytes()),
            Value::I64(x) => self.int(out, &x.to_le_bytes()),
            Value::F64(x) => self.int(out, &x.to_le_bytes()),
        }
    }

    /// Write the file.
    pub fn build(&self) -> Vec<u8> {
        let align = |n: u64| n.div_ceil(self.alignment) * self.alignment;
        let mut out = b"GGUF".to_vec();
        self.int(&mut out, &self.version.to_le_bytes());
        let tensor_count = self.tensor_count.unwrap_or(self.tensors.len() as u64);
        let kv_count = self.kv_count.unwrap_or(self.kv.len() as u64);
        self.count(&mut out, tensor_count);
        self.count(&mut out, kv_count);
        for (k, v) in &self.kv {
            self.string(&mut out, k);
            self.int(&mut out, &v.type_id().to_le_bytes());
            self.value(&mut out, v);
        }
        let mut offsets = Vec::new();
        let mut next = 0u64;
        for t in &self.tensors {
            let offset = t.offset.unwrap_or(next);
            offsets.push(offset);
            next = align(offset + t.data.len() as u64);
            self.string(&mut out, &t.name);
            self.int(&mut out, &(t.dims.len() as u32).to_le_bytes());
            for d in &t.dims {
                self.count(&mut out, *d);
            }
            self.int(&mut out, &t.ty.to_le_bytes());
            self.int(&mut out, &offset.to_le_bytes());
        }
        out.resize(align(out.len() as u64) as usize, 0);
        let data_start = out.len();
        for (t, offset) in self.tensors.iter().zip(offsets) {
            let at = data_start + offset as usize;
            if out.len() < at {
                out.resize(at, 0);
            }
            let end = at + t.data.len();
            if out.len() < end {
                out.resize(end, 0);
            }
            out[at..end].copy_from_slice(&t.data);
        }
        out
    }
}

/// A small valid llama-style file with a ChatML chat template and two tensors.
pub fn tiny(version: u32) -> Vec<u8> {
    Gguf {
        version,
        ..Gguf::default()
    }
    .kv("general.architecture", Value::str("llama"))
    .kv("general.name", Value::str("tiny"))
    .kv("general.file_type", Value::U32(0))
    .kv("llama.context_length", Value::U32(64))
    .kv(
        "tokenizer.ggml.tokens",
        Value::Array(8, vec![Value::str("<s>"), Value::str("a")]),
    )
    .kv(
        "tokenizer.ggml.scores",
        Value::Array(6, vec![Value::F32(0.0), Value::F32(-1.0)]),
    )
    .kv("tokenizer.chat_template", Value::str(CHATML))
    .tensor(Tensor::f32("token_embd.weight", &[4, 2]))
    .tensor(Tensor::f32("output_norm.weight", &[4]))
    .build()
}

/// The ChatML chat template as published with Qwen and other models.
pub const CHATML: &str = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
