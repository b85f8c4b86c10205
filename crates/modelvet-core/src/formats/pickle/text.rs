//! Decoding the textual and numeric arguments of opcodes as CPython does
//! (`int(x, 0)`, `codecs.escape_decode`, `raw-unicode-escape`, little-endian
//! two's-complement longs).

use super::value::{as_str, with, Node, Val};

/// Decode UTF-8 leniently; a prefix cut inside a character loses only that character.
pub fn utf8_prefix(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Decode bytes one char per byte (Python's `latin1`).
pub fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Whether `s` is a special `__name__`.
pub fn is_dunder(s: &str) -> bool {
    s.len() > 4 && s.starts_with("__") && s.ends_with("__")
}

/// Whether `s` can name a special attribute of Python's data model
/// (`__class__`, `__setstate__`, `__globals__`, ...). Every name Python
/// defines is a lowercase dunder; a key such as `__FILE_RESOURCE_DATA__`
/// only looks like one and is ordinary instance state.
pub fn is_special_attribute(s: &str) -> bool {
    is_dunder(s)
        && s.get(2..s.len().saturating_sub(2)).is_some_and(|inner| {
            inner
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
}

/// Python `int(text, base)` for base 0 (prefixes allowed) or 10.
pub fn parse_int(line: &[u8], base: u32) -> Option<Node> {
    let s = std::str::from_utf8(line).ok()?.trim();
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, s.get(1..)?),
        b'+' => (false, s.get(1..)?),
        _ => (false, s),
    };
    let lower = digits.to_ascii_lowercase();
    let (radix, body) = if base == 0 {
        if let Some(rest) = lower.strip_prefix("0x") {
            (16, rest.to_owned())
        } else if let Some(rest) = lower.strip_prefix("0o") {
            (8, rest.to_owned())
        } else if let Some(rest) = lower.strip_prefix("0b") {
            (2, rest.to_owned())
        } else {
            (10, lower.clone())
        }
    } else {
        (10, lower.clone())
    };
    let body = body.trim_start_matches('_').replace('_', "");
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    if base == 0
        && radix == 10
        && body.len() > 1
        && body.starts_with('0')
        && body.bytes().any(|b| b != b'0')
    {
        return None;
    }
    match i128::from_str_radix(&body, radix) {
        Ok(v) => {
            let v = if neg { -v } else { v };
            Some(i64::try_from(v).map_or(Node::BigInt(body.len() as u64), Node::Int))
        }
        Err(_) => Some(Node::BigInt(body.len() as u64)),
    }
}

/// Python `float(text)`.
pub fn parse_float(line: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(line).ok()?.trim();
    match s.to_ascii_lowercase().as_str() {
        "nan" | "+nan" | "-nan" => Some(f64::NAN),
        "inf" | "+inf" | "infinity" | "+infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        _ => s.replace('_', "").parse().ok(),
    }
}

/// A `LONG1`/`LONG4` payload: little-endian two's complement.
pub fn decode_long(bytes: &[u8], len: u64) -> Node {
    if len > 8 || bytes.len() as u64 != len {
        return Node::BigInt(len);
    }
    let mut buf = if bytes.last().is_some_and(|b| b & 0x80 != 0) {
        [0xffu8; 8]
    } else {
        [0u8; 8]
    };
    for (dst, src) in buf.iter_mut().zip(bytes) {
        *dst = *src;
    }
    Node::Int(i64::from_le_bytes(buf))
}

/// The argument of protocol 0 `STRING`: a quoted literal decoded with
/// `codecs.escape_decode`. `None` if it is not quoted.
pub fn parse_quoted(line: &[u8]) -> Option<String> {
    let first = *line.first()?;
    if line.len() < 2 || line.last() != Some(&first) || !(first == b'\'' || first == b'"') {
        return None;
    }
    let inner = line.get(1..line.len() - 1)?;
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0usize;
    while let Some(&b) = inner.get(i) {
        i += 1;
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let Some(&e) = inner.get(i) else {
            // A trailing backslash: Python raises; keep it literally.
            out.push(b'\\');
            break;
        };
        i += 1;
        match e {
            b'\n' => {}
            b'\\' | b'\'' | b'"' => out.push(e),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'x' => {
                let hex = inner
                    .get(i..i + 2)
                    .and_then(|h| std::str::from_utf8(h).ok());
                let v = hex.and_then(|h| u8::from_str_radix(h, 16).ok())?;
                out.push(v);
                i += 2;
            }
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                for _ in 0..2 {
                    match inner.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push((v & 0xff) as u8);
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Some(latin1(&out))
}

/// Python's `raw-unicode-escape` codec: `\uXXXX` and `\UXXXXXXXX`, other bytes as latin-1.
pub fn raw_unicode_escape(line: &[u8]) -> String {
    let mut out = String::with_capacity(line.len());
    let mut i = 0usize;
    while let Some(&b) = line.get(i) {
        if b == b'\\' {
            let width = match line.get(i + 1) {
                Some(b'u') => 4,
                Some(b'U') => 8,
                _ => 0,
            };
            if width > 0 {
                let hex = line
                    .get(i + 2..i + 2 + width)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u32::from_str_radix(h, 16).ok());
                if let Some(c) = hex.and_then(char::from_u32) {
                    out.push(c);
                    i += 2 + width;
                    continue;
                }
            }
        }
        out.push(char::from(b));
        i += 1;
    }
    out
}

/// A string known at scan time: a fully kept constant, or `str(x)` of one
/// (the only computation on names that is folded; anything else is dynamic).
pub fn const_str(v: &Val) -> Option<String> {
    if let Some(s) = as_str(v) {
        return Some(s);
    }
    with(v, |n| match n {
        Node::Call { callable, args, .. } => {
            if super::value::as_global(callable).as_deref() != Some("builtins.str") {
                return None;
            }
            let items = super::value::items(args)?;
            match items.as_slice() {
                [one] => as_str(one),
                _ => None,
            }
        }
        _ => None,
    })
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_follow_python() {
        assert!(matches!(parse_int(b"42", 0), Some(Node::Int(42))));
        assert!(matches!(parse_int(b"-0x10", 0), Some(Node::Int(-16))));
        assert!(parse_int(b"010", 0).is_none());
        assert!(matches!(parse_int(b"010", 10), Some(Node::Int(10))));
        assert!(parse_int(b"abc", 0).is_none());
        assert!(matches!(
            parse_int(b"123456789012345678901234567890123456789012", 0),
            Some(Node::BigInt(_))
        ));
    }

    #[test]
    fn longs_are_twos_complement() {
        assert!(matches!(decode_long(&[0xff], 1), Node::Int(-1)));
        assert!(matches!(decode_long(&[0xff, 0x00], 2), Node::Int(255)));
        assert!(matches!(decode_long(&[], 0), Node::Int(0)));
        assert!(matches!(decode_long(&[0; 9], 9), Node::BigInt(9)));
    }

    #[test]
    fn quoted_strings_unescape() {
        assert_eq!(parse_quoted(b"'os'").as_deref(), Some("os"));
        assert_eq!(
            parse_quoted(br"'a\nb\x41\101\''").as_deref(),
            Some("a\nbAA'")
        );
        assert_eq!(parse_quoted(b"os"), None);
        assert_eq!(parse_quoted(b"'"), None);
        assert_eq!(raw_unicode_escape(br"caf\u00e9"), "café");
    }
}
