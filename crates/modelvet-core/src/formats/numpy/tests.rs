//! `.npy`/`.npz` on bytes written the way numpy writes them.
#![allow(clippy::unwrap_used)]

use crate::format::Format;
use crate::scan::{scan_artifact, ArtifactScan, ScanOptions};
use crate::source::SliceSource;
use modelvet_testkit::numpy::{f32_array, npy, npy_raw_header, npz, object_array};

fn scan(name: &str, bytes: &[u8]) -> ArtifactScan {
    scan_artifact(name, &mut SliceSource::new(bytes), &ScanOptions::default())
}

fn rules(s: &ArtifactScan) -> Vec<&str> {
    s.findings.iter().map(|f| f.rule_id.as_str()).collect()
}

#[test]
fn benign_arrays_of_every_version_are_clean() {
    let s = scan("a.npy", &f32_array(&[1.0, 2.0, 3.0]));
    assert_eq!(s.format, Some(Format::Npy));
    assert!(s.findings.is_empty(), "{:?}", s.findings);
    assert_eq!(s.facts["npy"]["shape"], serde_json::json!([3]));
    for v in [2, 3] {
        let a = npy(v, "'<i8'", true, &[2, 2], &[0u8; 32]);
        let s = scan("a.npy", &a);
        assert!(s.findings.is_empty(), "v{v}: {:?}", s.findings);
    }
    let structured = npy(
        1,
        "[('x', '<f4'), ('name', '|S3'), ('v', '<u2', (2,))]",
        false,
        &[2],
        &[0u8; 2 * (4 + 3 + 4)],
    );
    assert!(scan("s.npy", &structured).findings.is_empty());
    let scalar = npy(1, "'<U2'", false, &[], &[0u8; 8]);
    assert!(scan("u.npy", &scalar).findings.is_empty());
}

#[test]
fn object_arrays_are_flagged_and_their_pickle_scanned() {
    let s = scan("o.npy", &object_array(1, b"\x80\x03]q\x00K\x01a."));
    assert_eq!(rules(&s), ["npy-object-array"], "{:?}", s.findings);
    let nested_objects = npy(1, "[('a', '<i4'), ('b', '|O')]", false, &[1], b"\x80\x03N.");
    assert!(rules(&scan("o.npy", &nested_objects)).contains(&"npy-object-array"));
}

#[test]
fn data_length_must_match_the_shape() {
    let mut a = f32_array(&[1.0, 2.0]);
    a.extend_from_slice(b"\x00\xff\x01 hidden");
    let s = scan("a.npy", &a);
    assert!(rules(&s).contains(&"npy-size-mismatch"), "{:?}", s.findings);
    // The extra bytes were scanned as a file of their own.
    let nested = s.findings.iter().any(|f| {
        f.rule_id == "unknown-format" && f.location.to_string().contains("<bytes after the array>")
    });
    assert!(nested, "{:?}", s.findings);
    let mut short = f32_array(&[1.0, 2.0]);
    short.truncate(short.len() - 3);
    assert_eq!(rules(&scan("a.npy", &short)), ["npy-size-mismatch"]);
}

#[test]
fn malformed_headers() {
    let cases = [
        "{'descr': '<f4', 'fortran_order': False}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}",
        "{'descr': __import__('os').system('id'), 'fortran_order': False, 'shape': (1,)}",
        "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}",
        "['descr', '<f4']",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} trailing",
    ];
    for h in cases {
        let s = scan("a.npy", &npy_raw_header(1, h, &[0u8; 4]));
        assert_eq!(rules(&s), ["npy-malformed-header"], "{h}: {:?}", s.findings);
    }
    // numpy raises on `<q9` too, but a dtype spelling not known here fails
    // closed (it used to be medium); a repeated key is no error at all for
    // ast.literal_eval, which keeps the last value (it used to be malformed).
    let h = "{'descr': '<q9', 'fortran_order': False, 'shape': (1,)}";
    let s = scan("a.npy", &npy_raw_header(1, h, &[0u8; 4]));
    assert_eq!(rules(&s), ["npy-unreadable-header"], "{:?}", s.findings);
    let h = "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}";
    assert!(scan("a.npy", &npy_raw_header(1, h, &[0u8; 4]))
        .findings
        .is_empty());
    let mut v9 = f32_array(&[1.0]);
    v9[6] = 9;
    assert_eq!(rules(&scan("a.npy", &v9)), ["npy-malformed-header"]);
    let huge = format!(
        "{{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }}{}",
        " ".repeat(20_000)
    );
    assert_eq!(
        rules(&scan("a.npy", &npy_raw_header(2, &huge, &[0u8; 4]))),
        ["npy-malformed-header"]
    );
    for cut in 0..80 {
        let a = f32_array(&[1.0]);
        let _ = scan("a.npy", &a[..cut.min(a.len())]);
    }
}

#[test]
fn npz_members_are_scanned() {
    let arrays = [("w", f32_array(&[1.0])), ("b", f32_array(&[2.0, 3.0]))];
    for compressed in [false, true] {
        let s = scan("a.npz", &npz(&arrays, compressed));
        assert_eq!(s.format, Some(Format::Npz));
        assert!(s.findings.is_empty(), "{:?}", s.findings);
    }
    let bad = npz(
        &[
            ("w", f32_array(&[1.0])),
            ("o", object_array(1, b"\x80\x03N.")),
        ],
        false,
    );
    let s = scan("a.npz", &bad);
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "npy-object-array")
        .unwrap();
    assert!(f.location.to_string().contains("o.npy"), "{}", f.location);
}

/// A hidden `os.system('id')` as a protocol 2 pickle.
const EVIL: &[u8] = b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.";

fn dangerous(s: &ArtifactScan) -> bool {
    s.findings
        .iter()
        .any(|f| f.rule_id == "pickle-dangerous-global")
}

#[test]
fn object_dtypes_under_any_spelling_scan_their_pickle() {
    // numpy 2.5.5 `descr_to_dtype(...).hasobject` is True for each of these
    // (CPython 3.12.1); they used to be "malformed" and the pickle unscanned.
    for descr in [
        "'O'",
        "'|O'",
        "'O8'",
        "'O4'",
        "'object'",
        "'object_'",
        "'i4,O'",
        "'(2,)O'",
        "'3O'",
        "[('a', 'O')]",
        "[('a', [('x', '<i4'), ('y', 'O')])]",
        "[('a', 'O', (2,))]",
        "('O', (2,))",
        "'\\x4f'",
        "u'O'",
        "'' 'O'",
    ] {
        for v in [1, 2, 3] {
            let a = npy(v, descr, false, &[1], EVIL);
            let s = scan("o.npy", &a);
            assert!(
                rules(&s).contains(&"npy-object-array"),
                "{descr} v{v}: {:?}",
                s.findings
            );
            assert!(dangerous(&s), "{descr} v{v}: {:?}", s.findings);
        }
    }
    // np.load unpickles before it looks at the shape: (True,) and (-1,) too
    // (numpy 2.5.5 `np.load(allow_pickle=True)` loaded the pickle of each
    // header in this test, and those with comments and `\\N{...}` below).
    for shape in ["(True,)", "(-1,)"] {
        let header = format!("{{'descr': '|O', 'fortran_order': False, 'shape': {shape}, }}");
        let a = npy_raw_header(1, &header, EVIL);
        assert!(dangerous(&scan("o.npy", &a)), "{shape}");
    }
    // A repeated key keeps its last value, as ast.literal_eval does.
    let header = "{'descr': '<f4', 'descr': '|O', 'fortran_order': False, 'shape': (1,), }";
    let a = npy_raw_header(1, header, EVIL);
    assert!(dangerous(&scan("o.npy", &a)));
}

#[test]
fn headers_not_read_here_fail_closed_and_their_data_is_scanned() {
    // `'\N{...}'` and comments are Python that ast.literal_eval reads;
    // 'float96x' is a dtype this reader does not know.
    for header in [
        "{'descr': '\\N{LATIN CAPITAL LETTER O}', 'fortran_order': False, 'shape': (1,), }",
        "{'descr': '|O', # objects\n 'fortran_order': False, 'shape': (1,), }",
        "{'descr': 'float96x', 'fortran_order': False, 'shape': (1,), }",
    ] {
        let s = scan("o.npy", &npy_raw_header(1, header, EVIL));
        let f: Vec<_> = s
            .findings
            .iter()
            .filter(|f| f.rule_id == "npy-unreadable-header")
            .collect();
        assert_eq!(f.len(), 1, "{header}: {:?}", s.findings);
        assert_eq!(f[0].severity, crate::Severity::High);
        assert!(dangerous(&s), "{header}: {:?}", s.findings);
    }
    // Plain data after such a header is not taken for a pickle.
    let header = "{'descr': 'float96x', 'fortran_order': False, 'shape': (1,), }";
    let s = scan("o.npy", &npy_raw_header(1, header, &[0u8; 12]));
    assert_eq!(rules(&s), ["npy-unreadable-header"], "{:?}", s.findings);
}

#[test]
fn what_numpy_rejects_stays_malformed() {
    // numpy 2.5.5 raises on these descr values: no data is read.
    for descr in ["'O16'", "1", "['O']", "[('a',)]"] {
        let s = scan("o.npy", &npy(1, descr, false, &[1], EVIL));
        assert_eq!(
            rules(&s),
            ["npy-malformed-header"],
            "{descr}: {:?}",
            s.findings
        );
    }
}
