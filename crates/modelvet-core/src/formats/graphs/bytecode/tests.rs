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
