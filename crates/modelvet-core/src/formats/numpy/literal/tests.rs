use super::*;

#[test]
fn numpy_headers() {
    let h = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }          \n";
    let Literal::Dict(items) = parse(h, 8).unwrap() else {
        panic!()
    };
    assert_eq!(items.len(), 3);
    assert_eq!(
        items[2].1,
        Literal::Tuple(vec![Literal::Int(3), Literal::Int(4)])
    );
    let s = "{'descr': [('a', '<i4'), ('b', '|O', (2,))], 'fortran_order': True, 'shape': (5L,)}";
    assert!(parse(s, 8).is_ok());
}

// `ast.literal_eval` (CPython 3.12.1) gives 'O' for each of these.
#[test]
fn string_forms_python_reads() {
    for s in [
        r"'O'",
        r"'\x4f'",
        r"'\117'",
        r"'\u004f'",
        r"'\U0000004f'",
        r"u'O'",
        r"r'O'",
        r"'' 'O'",
        r"'O' ''",
        r#""O""#,
    ] {
        assert_eq!(parse(s, 8).unwrap(), Literal::Str("O".into()), "{s}");
    }
    // Unknown escapes keep their backslash; raw strings keep escapes.
    assert_eq!(parse(r"'\q'", 8).unwrap(), Literal::Str(r"\q".into()));
    assert_eq!(parse(r"r'\x4f'", 8).unwrap(), Literal::Str(r"\x4f".into()));
    // Python raises on the first. It reads the others ('O', 'O', b'O'),
    // which this parser does not: the caller then fails closed.
    for bad in [r"'\x4'", r"'\N{LATIN CAPITAL LETTER O}'", "'''O'''", "b'O'"] {
        assert!(parse(bad, 8).is_err(), "{bad}");
    }
}

#[test]
fn rejects_what_literal_eval_rejects() {
    for bad in [
        "{'a': __import__('os')}",
        "{'a': 1} x",
        "{'a' 1}",
        "'unterminated",
        "((((((((((1))))))))))",
        "{'a': 1.5}",
        "",
    ] {
        assert!(parse(bad, 8).is_err(), "{bad}");
    }
    // Certain: Python raises on these too.
    for bad in ["{'a': __import__('os')}", "{'a': 1} x", "{'a': O}"] {
        assert!(parse(bad, 8).unwrap_err().definite, "{bad}");
    }
    // Python reads these (a comment, hex, a float, `set()`): not
    // read here, and not called certain.
    for unread in [
        "{'a': 1} # c",
        "{'a': 0x1}",
        "{'a': 1.5}",
        "{'a': set()}",
        "{'a': - 1}",
    ] {
        assert!(!parse(unread, 8).unwrap_err().definite, "{unread}");
    }
}

// `ast.literal_eval("('|O')")` is the string '|O' (CPython 3.12.1).
#[test]
fn parentheses_without_a_comma_are_no_tuple() {
    assert_eq!(parse("('|O')", 8).unwrap(), Literal::Str("|O".into()));
    assert_eq!(
        parse("('|O',)", 8).unwrap(),
        Literal::Tuple(vec![Literal::Str("|O".into())])
    );
    assert_eq!(parse("()", 8).unwrap(), Literal::Tuple(vec![]));
}
