use super::*;

#[test]
fn keeps_duplicates_in_order() {
    let v = parse(br#"{"a":1,"b":[true,null],"a":-2}"#, 100).unwrap();
    let Json::Object(entries) = &v else {
        panic!("not an object")
    };
    assert_eq!(entries.len(), 3);
    assert_eq!(duplicate_keys(entries), vec!["a"]);
    assert_eq!(v.get("a"), Some(&Json::Number(Number::I64(-2))));
}

#[test]
fn budget_and_syntax_errors() {
    assert_eq!(parse(b"[1,2,3,4]", 3), Err(JsonError::TooManyNodes));
    assert!(parse(b"[1,2,3,4]", 6).is_ok());
    assert!(matches!(parse(b"{\"a\":}", 10), Err(JsonError::Syntax(_))));
    assert!(matches!(parse(b"{} x", 10), Err(JsonError::Syntax(_))));
}

#[test]
fn depth_up_to_the_limit_is_read_without_recursion() {
    // Deeper than serde_json's 128 and than Python 3.13's 9,998 levels.
    let deep = "[".repeat(MAX_JSON_DEPTH) + &"]".repeat(MAX_JSON_DEPTH);
    let v = parse(deep.as_bytes(), 1_000_000).unwrap();
    assert!(matches!(v, Json::Array(_)));
    drop(v);
    let objects = r#"{"a":"#.repeat(MAX_JSON_DEPTH) + "1" + &"}".repeat(MAX_JSON_DEPTH);
    assert!(parse(objects.as_bytes(), 1_000_000).is_ok());
    let deeper = "[".repeat(MAX_JSON_DEPTH + 1) + &"]".repeat(MAX_JSON_DEPTH + 1);
    assert_eq!(parse(deeper.as_bytes(), 1_000_000), Err(JsonError::TooDeep));
    // An unclosed deep prefix fails on depth before reading to the end.
    let open = "[".repeat(MAX_JSON_DEPTH * 3);
    assert_eq!(parse(open.as_bytes(), 1_000_000), Err(JsonError::TooDeep));
}

#[test]
fn strict_grammar() {
    for bad in [
        "",
        "[",
        "[1,]",
        "{\"a\" 1}",
        "{1:2}",
        "01",
        "1.",
        "-",
        ".5",
        "1e",
        "tru",
        "\"\\x\"",
        "\"a\nb\"",
        "[1] [2]",
        "NaN",
        "\u{feff}{}",
        "'a'",
    ] {
        assert!(
            matches!(parse(bad.as_bytes(), 100), Err(JsonError::Syntax(_))),
            "{bad:?}"
        );
    }
    let v = parse(
        br#"{"s":"\u00e9\ud83d\ude00\ud800x\n","n":[-0,1.5e3,18446744073709551616,-3]}"#,
        100,
    )
    .unwrap();
    assert_eq!(
        v.get("s").and_then(Json::as_str),
        Some("\u{e9}\u{1f600}\u{fffd}x\n")
    );
    let Some(Json::Array(n)) = v.get("n") else {
        panic!()
    };
    assert_eq!(n[0], Json::Number(Number::U64(0)));
    assert_eq!(n[1], Json::Number(Number::F64(1500.0)));
    assert_eq!(
        n[2],
        Json::Number(Number::F64(18_446_744_073_709_551_616.0))
    );
    assert_eq!(n[3], Json::Number(Number::I64(-3)));
    let e = parse(b"{\n  \"a\": x}", 100).unwrap_err();
    assert_eq!(
        e,
        JsonError::Syntax("expected value at line 2 column 8".into())
    );
}

#[test]
fn python_reads_what_json_loads_reads() {
    // What CPython's json.loads(bytes) accepts (checked with 3.12):
    // NaN/Infinity, a UTF-8 BOM, UTF-16 and UTF-32 documents.
    let v = parse_python(b"[NaN, Infinity, -Infinity]", 100).unwrap();
    let Json::Array(items) = &v else { panic!() };
    assert!(matches!(items[0], Json::Number(Number::F64(f)) if f.is_nan()));
    assert_eq!(items[2], Json::Number(Number::F64(f64::NEG_INFINITY)));
    assert!(parse_python(b"\xef\xbb\xbf{\"a\": 1}", 100).is_ok());
    let doc = r#"{"class_name": "Lambda"}"#;
    let le: Vec<u8> = doc.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = doc.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let mut bom = vec![0xff, 0xfe];
    bom.extend_from_slice(&le);
    let le32: Vec<u8> = doc.chars().flat_map(|c| (c as u32).to_le_bytes()).collect();
    for bytes in [&le, &be, &bom, &le32] {
        let v = parse_python(bytes, 100).unwrap();
        assert_eq!(v.get("class_name").and_then(Json::as_str), Some("Lambda"));
        assert!(parse(bytes, 100).is_err());
    }
    assert!(parse_python(b"[1, 2", 100).is_err());
}
