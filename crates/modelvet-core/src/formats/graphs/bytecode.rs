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
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_python_output() {
        // base64.encodebytes(b"hello world, this is marshal") with a line break.
        let s = "aGVsbG8gd29ybGQs\nIHRoaXMgaXMgbWFyc2hhbA==\n";
        assert_eq!(base64_decode(s).unwrap(), b"hello world, this is marshal");
    }

    /// Every expected value is what CPython 3.11's `codecs.decode(s,
    /// "base64")` returns for the same input (an error is `None`).
    #[test]
    fn base64_matches_python_non_strict_decoding() {
        let cases: &[(&str, Option<&[u8]>)] = &[
            // The first complete padding ends the input.
            ("QQ==QQ", Some(b"A")),
            // Bytes outside the alphabet are discarded, wherever they are.
            ("aGVs*bG8=", Some(b"hello")),
            ("QUJD\0RA==", Some(b"ABCD")),
            // `=` before the third character of a quad is ignored.
            ("Q=Q=QQ==", Some(b"A\x04\x10")),
            ("=QUJD", Some(b"ABC")),
            ("QU=JD", Some(b"ABC")),
            // A partial final quad is an error.
            ("QUJDRA", None),
            ("QUJDR", None),
            ("not base64!", None),
        ];
        for (input, expected) in cases {
            assert_eq!(base64_decode(input).as_deref(), *expected, "{input:?}");
        }
    }

    /// Padding and noise around `=`: every expected value is what
    /// `codecs.decode(s.encode("ascii"), "base64")` returns (`None`: it
    /// raises `binascii.Error`), identical in CPython 3.6.15, 3.7.16,
    /// 3.8.18, 3.9.18, 3.10.13, 3.11.7, 3.12.1 and 3.13.0 (pyenv builds).
    #[test]
    fn base64_matches_python_on_padding_edge_cases() {
        let cases: &[(&str, Option<&[u8]>)] = &[
            ("QQ=", None),
            ("QQ=a", None),
            ("QUI=", Some(b"AB")),
            ("QUI=QQ==", Some(b"AB")),
            ("Q===", None),
            ("====", Some(b"")),
            ("QQ==\n", Some(b"A")),
            ("QQ=\n=", Some(b"A")),
            ("QUJD=", Some(b"ABC")),
            ("QUJD==QUJD", Some(b"ABCABC")),
            ("QQ=*=", Some(b"A")),
            ("QQ=Q=", Some(b"A\x04")),
            ("QUI==", Some(b"AB")),
            ("Q=Q=", None),
            ("QUJ=D", Some(b"AB")),
            ("QUJDRA=", None),
            ("QUJDRA=x=", Some(b"ABCD\x0c")),
            ("QUJDRA=\n=", Some(b"ABCD")),
            ("QUJDRUY", None),
            ("QUJDRUY=", Some(b"ABCEF")),
            ("QUJDRUY=QQ", Some(b"ABCEF")),
            ("QQ", None),
            ("Q", None),
            ("", Some(b"")),
            ("=", Some(b"")),
            ("QU JD", Some(b"ABC")),
            ("QU\tJD", Some(b"ABC")),
            // The URL-safe alphabet is not base64 to `a2b_base64`.
            ("-_-_", Some(b"")),
        ];
        for (input, expected) in cases {
            assert_eq!(base64_decode(input).as_deref(), *expected, "{input:?}");
        }
    }

    /// Keras falls back to `s.encode("raw_unicode_escape")` when the string
    /// is not ASCII or not base64. Expected bytes printed by CPython 3.12.1:
    /// `'\xe3' + '\x00'*24 + '\xda\x02os' + '\u0101'` raises
    /// `UnicodeEncodeError` on `.encode("ascii")` and becomes 35 bytes,
    /// ending in `b"\\u0101"`; `'c' + 'A'*20 + '\x01'` raises
    /// `binascii.Error` and becomes its own 22 bytes; `'\U0001F600'` becomes
    /// `b"\\U0001f600"`.
    #[test]
    fn raw_marshal_text_is_what_keras_loads_when_base64_fails() {
        let s = format!("\u{e3}{}\u{da}\u{2}os\u{101}", "\0".repeat(24));
        let mut expected = vec![0xe3u8];
        expected.extend_from_slice(&[0; 24]);
        expected.extend_from_slice(b"\xda\x02os\\u0101");
        assert_eq!(loader_bytes(&s), expected);
        let found = decode_bytecode(&s).unwrap();
        assert_eq!((found.names, found.len), (vec!["os".to_owned()], 35));

        let ascii = format!("c{}\u{1}", "A".repeat(20));
        assert_eq!(base64_decode(&ascii), None);
        assert_eq!(loader_bytes(&ascii), ascii.as_bytes());
        // Without a NUL byte raw text is a name, not a code object.
        assert!(decode_bytecode(&ascii).is_none());
        assert!(decode_bytecode("custom_lambda_function_name").is_none());
        assert!(decode_bytecode(&format!("{ascii}\0")).is_some());

        assert_eq!(raw_unicode_escape("\u{1F600}"), b"\\U0001f600");
        // Base64 that decodes is used as decoded, never as raw text.
        assert_eq!(loader_bytes("QUJD"), b"ABC");
    }

    #[test]
    fn padded_lambda_bytecode_is_still_bytecode() {
        // A marshalled code object with junk bytes Python discards, and data
        // after the padding that Python never reads.
        // CPython 3.11 decodes it to the code object's bytes and a final `A`.
        let code = "4wAA!AAAAAAAA AAAAAAAAAAAA*AAAAAA\nDaAm9zQQ==ignored";
        let found = decode_bytecode(code).unwrap();
        assert_eq!(
            (found.names.as_slice(), found.len),
            (&["os".to_owned()][..], 28)
        );
    }

    #[test]
    fn code_objects_are_recognised_by_their_type_byte() {
        // b"\xe3" + padding + interned "os": a code object header.
        let code = "4wAAAAAAAAAAAAAAAAAAAAAAAAAAAADaAm9z";
        let found = decode_bytecode(code).unwrap();
        assert_eq!(found.names, ["os"]);
        // base64 of text is not bytecode.
        assert!(decode_bytecode("aGVsbG8gd29ybGQsIHRoaXMgaXMgdGV4dA==").is_none());
    }
}
