//! safetensors files, laid out as the reference `safetensors` writer does.

/// One tensor to write.
#[derive(Debug, Clone)]
pub struct Tensor {
    /// Tensor name.
    pub name: String,
    /// dtype string (`F32`, `F16`, `BF16`, `I64`, ...).
    pub dtype: String,
    /// Shape.
    pub shape: Vec<u64>,
    /// Raw little-endian data.
    pub data: Vec<u8>,
}

/// Build a safetensors file: 8-byte little-endian header length, JSON header
/// padded with spaces to a multiple of 8, then the tensors' data in order.
pub fn build(tensors: &[Tensor], metadata: &[(&str, &str)]) -> Vec<u8> {
    let mut header = serde_json::Map::new();
    if !metadata.is_empty() {
        let meta: serde_json::Map<String, serde_json::Value> = metadata
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String((*v).to_owned())))
            .collect();
        header.insert("__metadata__".into(), meta.into());
    }
    let mut offset = 0u64;
    for t in tensors {
        let end = offset + t.data.len() as u64;
        header.insert(
            t.name.clone(),
            serde_json::json!({"dtype": t.dtype, "shape": t.shape, "data_offsets": [offset, end]}),
        );
        offset = end;
    }
    let mut json = serde_json::Value::Object(header).to_string().into_bytes();
    while json.len() % 8 != 0 {
        json.push(b' ');
    }
    let mut out = (json.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&json);
    for t in tensors {
        out.extend_from_slice(&t.data);
    }
    out
}

/// A small valid file: one 2×2 F32 tensor named `weight`.
pub fn tiny() -> Vec<u8> {
    let data: Vec<u8> = [1.0f32, 2.0, 3.0, 4.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    build(
        &[Tensor {
            name: "weight".into(),
            dtype: "F32".into(),
            shape: vec![2, 2],
            data,
        }],
        &[("format", "pt")],
    )
}

/// A file with `header` written verbatim (it may be hostile: duplicate keys,
/// bad offsets), padded with spaces to a multiple of 8 as the reference writer
/// pads, followed by `data`.
pub fn with_header(header: &str, data: &[u8]) -> Vec<u8> {
    let mut json = header.as_bytes().to_vec();
    while json.len() % 8 != 0 {
        json.push(b' ');
    }
    let mut out = (json.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&json);
    out.extend_from_slice(data);
    out
}

/// `n` bytes of F32 data (`n / 4` values counting up).
pub fn f32_data(values: usize) -> Vec<u8> {
    (0..values).flat_map(|v| (v as f32).to_le_bytes()).collect()
}
