//! Python bytecode that Keras stores in configurations: base64 of a
//! `marshal`led code object (`keras.src.utils.python_utils.func_dump`). It is
//! recognised and its names listed for evidence, never unmarshalled.

use crate::finding::abbreviate;
use crate::formats::json::Json;

/// Marshalled bytecode found in a configuration value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bytecode {
    /// Decoded length.
    pub len: usize,
    /// Identifiers found in the code object (names, constants), for evidence.
    pub names: Vec<String>,
    /// FNV-1a hash of the decoded bytes (the same function seen twice).
    pub hash: u64,
}

/// Find base64 of a marshalled code object anywhere in `value`
/// (`func_dump` output: `[code, defaults, closure]`, or Keras 3's
/// `{"value": [...]}`).
pub fn find_bytecode(value: &Json) -> Option<Bytecode> {
    // Iterative, depth first in document order: configurations nest deep.
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Json::Str(s) => {
                if let Some(code) = decode_bytecode(s) {
                    return Some(code);
                }
            }
            Json::Array(items) => stack.extend(items.iter().rev()),
            Json::Object(entries) => stack.extend(entries.iter().rev().map(|(_, v)| v)),
            _ => {}
        }
    }
    None
}

/// Decode `s` as base64 of a marshalled code object (type `c`, possibly
/// with the reference flag).
pub fn decode_bytecode(s: &str) -> Option<Bytecode> {
    if s.len() < 16 {
        return None;
    }
    // What Keras would unmarshal ([`loader_bytes`]). Raw marshal text must
    // hold a NUL byte: a code object's integer fields do, while the names and
    // prose of a configuration never do.
    let bytes = match s.is_ascii().then(|| base64_decode(s)).flatten() {
        Some(bytes) => bytes,
        None => Some(raw_unicode_escape(s)).filter(|b| b.contains(&0))?,
    };
    let first = bytes.first()?;
    if first & 0x7f != b'c' {
        return None;
    }
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    Some(Bytecode {
        len: bytes.len(),
        names: marshal_names(&bytes),
        hash,
    })
}

/// The bytes Keras hands to `marshal.loads` for the function string `s`
/// (`func_load` in `keras.src.utils.python_utils`, and `generic_utils` of
/// tf.keras): `codecs.decode(s.encode("ascii"), "base64")`, and when that
/// fails (a character outside ASCII, or base64 Python rejects)
/// `s.encode("raw_unicode_escape")`, the raw marshal data itself.
pub fn loader_bytes(s: &str) -> Vec<u8> {
    if s.is_ascii() {
        if let Some(bytes) = base64_decode(s) {
            return bytes;
        }
    }
    raw_unicode_escape(s)
}

/// Python's `str.encode("raw_unicode_escape")`: characters below U+0100 are
/// their byte, others `\uXXXX` or `\UXXXXXXXX` (lower-case hex).
pub fn raw_unicode_escape(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        let code = u32::from(c);
        if let Ok(byte) = u8::try_from(code) {
            out.push(byte);
        } else if code <= 0xffff {
            out.extend_from_slice(format!("\\u{code:04x}").as_bytes());
        } else {
            out.extend_from_slice(format!("\\U{code:08x}").as_bytes());
        }
    }
    out
}

/// Decode base64 exactly as Keras does (`codecs.decode(s, "base64")`, that
/// is CPython's non-strict `binascii.a2b_base64`): bytes outside the
/// alphabet are discarded wherever they are, `=` before the third character
/// of a quad is ignored, the first complete padding ends the input (what
/// follows is never read), and a final partial quad is an error (`None`).
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut quad_pos = 0u8;
    let mut pads = 0u8;
    let mut left = 0u8;
    for c in s.bytes() {
        if c == b'=' {
            if quad_pos >= 2 {
                pads = pads.saturating_add(1);
                if quad_pos.saturating_add(pads) >= 4 {
                    return Some(out);
                }
            }
            continue;
        }
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        pads = 0;
        match quad_pos {
            0 => {
                quad_pos = 1;
                left = v;
            }
            1 => {
                quad_pos = 2;
                out.push((left << 2) | (v >> 4));
                left = v & 0x0f;
            }
            2 => {
                quad_pos = 3;
                out.push((left << 4) | (v >> 2));
                left = v & 0x03;
            }
            _ => {
                quad_pos = 0;
                out.push((left << 6) | v);
                left = 0;
            }
        }
    }
    (quad_pos == 0).then_some(out)
}

/// Short ASCII strings of a marshal stream that look like identifiers
/// (`co_names`, `co_varnames`, string constants), first 16, deduplicated.
fn marshal_names(bytes: &[u8]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut i = 0usize;
    while i < bytes.len() && names.len() < 16 {
        let tag = bytes.get(i).copied().unwrap_or(0) & 0x7f;
        // 'z'/'Z': short ASCII (interned), 1-byte length.
        if tag == b'z' || tag == b'Z' {
            let len = usize::from(bytes.get(i + 1).copied().unwrap_or(0));
            if let Some(s) = bytes.get(i + 2..i + 2 + len) {
                let printable =
                    !s.is_empty() && s.iter().all(|b| b.is_ascii_graphic() || *b == b' ');
                if printable {
                    let text = String::from_utf8_lossy(s).into_owned();
                    if !text.starts_with('<') && !names.contains(&text) {
                        names.push(abbreviate(&text, 60));
                    }
                    i += 2 + len;
                    continue;
                }
            }
        }
        i += 1;
    }
    names
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;
