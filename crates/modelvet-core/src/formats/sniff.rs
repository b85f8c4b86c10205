//! Recognising a byte source by its first and last bytes: the driver's
//! detection of every file, and the scanners that ask what the bytes after a
//! file's data are (GGUF and safetensors trailing data) use this one reader.

use crate::format::{self, Format, Sniff};
use crate::limits::ScanLimits;
use crate::source::{read_window, ByteSource, ReadError};

/// Read the head window (`sniff_head_bytes`) and the tail window
/// (`sniff_tail_bytes`) of `src` and recognise its format. `path` is the
/// name the extension is taken from (empty for unnamed bytes). A file no
/// longer than the head window is not read twice: its tail is the end of the
/// head.
pub fn sniff_source(
    src: &mut dyn ByteSource,
    limits: &ScanLimits,
    path: &str,
) -> Result<Format, ReadError> {
    let len = src.len();
    let head = read_window(src, 0, u64::from(limits.sniff_head_bytes))?;
    let tail_len = u64::from(limits.sniff_tail_bytes).min(len);
    let tail_read;
    let tail: &[u8] = if len <= head.len() as u64 {
        // `tail_len <= len <= head.len()`: the last `tail_len` bytes of the head.
        let from = usize::try_from(len - tail_len).unwrap_or(0);
        head.get(from..).unwrap_or(&head)
    } else {
        tail_read = read_window(src, len - tail_len, tail_len)?;
        &tail_read
    };
    Ok(format::sniff(&Sniff {
        head: &head,
        tail,
        len,
        path,
    }))
}
