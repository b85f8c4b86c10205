//! Multi-GB tensor files: scanners read their headers, never the tensor data.

use modelvet_core::source::{ByteSource, ReadError};
use modelvet_core::{scan_artifact, ScanOptions};
use modelvet_testkit::gguf::{Gguf, Tensor, Value};
use modelvet_testkit::safetensors;

/// A source of `len` bytes whose first bytes are `prefix` and the rest zeros,
/// counting how many bytes scanners ask for.
struct Huge {
    prefix: Vec<u8>,
    len: u64,
    read: u64,
}

impl ByteSource for Huge {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, ReadError> {
        let n = (self.len.saturating_sub(offset)).min(buf.len() as u64) as usize;
        for (i, b) in buf[..n].iter_mut().enumerate() {
            *b = usize::try_from(offset)
                .ok()
                .and_then(|o| self.prefix.get(o + i))
                .copied()
                .unwrap_or(0);
        }
        self.read += n as u64;
        Ok(n)
    }
}

const TWENTY_GB: u64 = 20 << 30;

#[test]
fn safetensors_reads_only_the_header_of_a_20_gb_file() {
    let data_len = TWENTY_GB - 4096;
    let header = format!(
        r#"{{"__metadata__":{{"format":"pt"}},"w":{{"dtype":"U8","shape":[{data_len}],"data_offsets":[0,{data_len}]}}}}"#
    );
    let prefix = safetensors::with_header(&header, &[]);
    let header_len = prefix.len() as u64;
    let mut src = Huge {
        prefix,
        len: header_len + data_len,
        read: 0,
    };
    let s = scan_artifact("big.safetensors", &mut src, &ScanOptions::default());
    assert!(s.findings.is_empty(), "{:?}", s.findings);
    assert_eq!(s.facts["safetensors.tensors"]["parameters"], data_len);
    assert_eq!(s.facts["safetensors.reference_loader"]["accepts"], true);
    assert!(src.read < 1 << 20, "read {} bytes", src.read);
}

#[test]
fn gguf_reads_only_the_metadata_of_a_20_gb_file() {
    let rows = TWENTY_GB / 4 / 4096;
    let mut t = Tensor::f32("big", &[4096, 1]);
    t.dims = vec![4096, rows];
    t.data = Vec::new();
    let prefix = Gguf::default()
        .kv("general.architecture", Value::str("llama"))
        .tensor(t)
        .build();
    let mut src = Huge {
        len: prefix.len() as u64 + rows * 4096 * 4,
        prefix,
        read: 0,
    };
    let s = scan_artifact("big.gguf", &mut src, &ScanOptions::default());
    assert!(s.findings.is_empty(), "{:?}", s.findings);
    assert_eq!(s.facts["gguf.tensors"]["parameters"], rows * 4096);
    assert!(src.read < 1 << 20, "read {} bytes", src.read);
}
