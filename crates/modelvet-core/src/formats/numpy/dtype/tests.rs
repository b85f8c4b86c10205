use super::*;
use crate::formats::numpy::literal;

fn lit(s: &str) -> Descr {
    from_literal(&literal::parse(s, 16).unwrap())
}

fn object(d: &Descr) -> Option<bool> {
    match d {
        Descr::Known { object, .. } => Some(*object),
        _ => None,
    }
}

// Every expectation below is what numpy 2.5.5
// (`numpy.lib.format.descr_to_dtype(...)`, then `.hasobject` and
// `.itemsize`) gave under CPython 3.12.1 on x86-64 Linux.
#[test]
fn object_spellings_numpy_accepts() {
    for (descr, size) in [
        ("'O'", 8),
        ("'|O'", 8),
        ("'<O'", 8),
        ("'>O'", 8),
        ("'=O'", 8),
        ("'O8'", 8),
        ("'O4'", 8),
        ("'|O8'", 8),
        ("'<O8'", 8),
        ("'object'", 8),
        ("'object_'", 8),
        ("'T'", 16),
        ("'i4,O'", 12),
        ("'O,O'", 16),
        ("'(2,)O'", 16),
        ("'(2,3)O'", 48),
        ("'2O'", 16),
        ("'3O'", 24),
        ("'O,'", 8),
        ("'U3,O'", 20),
        ("'i4, O'", 12),
        ("'O4,i4'", 12),
        ("'object,int'", 16),
        ("[('a', 'O')]", 8),
        ("[('a', '<f4'), ('b', 'O')]", 12),
        ("[('a', [('x', 'O')])]", 8),
        ("[('a', 'O', (2,))]", 16),
        ("[('a', 'O', 2)]", 16),
        ("[('a', ('O', (2,)))]", 16),
        ("[(('t', 'a'), 'O')]", 8),
        ("[('a', 'i4,O')]", 12),
        ("('O', (2,))", 16),
        ("('O', 2)", 16),
        ("('O', ())", 8),
    ] {
        assert_eq!(
            lit(descr),
            Descr::Known {
                object: true,
                itemsize: size
            },
            "{descr}"
        );
    }
}

#[test]
fn plain_dtypes_have_no_objects() {
    for (descr, size) in [
        ("'<f4'", 4),
        ("'f4'", 4),
        ("'|f4'", 4),
        ("'>f8'", 8),
        ("'=f8'", 8),
        ("'f'", 4),
        ("'d'", 8),
        ("'float32'", 4),
        ("'int'", 8),
        ("'bool'", 1),
        ("'|b1'", 1),
        ("'?'", 1),
        ("'u8'", 8),
        ("'|S10'", 10),
        ("'S'", 0),
        ("'|V8'", 8),
        ("'<U3'", 12),
        ("'<M8[ns]'", 8),
        ("'<m8[s]'", 8),
        ("'M8'", 8),
        ("'<c16'", 16),
        ("'e'", 2),
        ("'g'", 16),
        ("'G'", 32),
        ("'p'", 8),
        ("'P'", 8),
        ("'S3,i4'", 7),
        ("'<i4 , <f8'", 12),
        ("'(2,)i4'", 8),
        ("'1i4'", 4),
        ("[('a', '<i4', (2, 3))]", 24),
        ("[('', '|V4'), ('b', '<i4')]", 8),
        ("('<i4', (2,))", 8),
        ("[]", 0),
    ] {
        assert_eq!(
            lit(descr),
            Descr::Known {
                object: false,
                itemsize: size
            },
            "{descr}"
        );
    }
}

#[test]
fn what_numpy_rejects_is_invalid_or_unknown_never_plain() {
    // numpy raises on all of these (TypeError or ValueError). modelvet
    // calls the clear structural ones invalid and anything else unknown
    // (which fails closed): none is taken for a plain array.
    for descr in [
        "'O16'",
        "'O0'",
        "'O1'",
        "'Object'",
        "'O '",
        "' O'",
        "'object0'",
        "'(2)O'",
        "'O(2,)'",
        "'a5'",
        "'i4 '",
        "1",
        "None",
        "{'a': 'O'}",
        "['O']",
        "('O',)",
        "[('a', '<f4', 'x')]",
        "[('a',)]",
        "[('a', 'O', (2,), 1)]",
        "[(1, 'O')]",
    ] {
        let d = lit(descr);
        assert!(object(&d) != Some(false), "{descr}: {d:?}");
    }
    assert!(matches!(lit("'O16'"), Descr::Invalid(_)));
    assert!(matches!(lit("1"), Descr::Invalid(_)));
    assert!(matches!(lit("'float96x'"), Descr::Unknown(_)));
}
