//! The pickle scanner reads what the loaders read: headerless pickles that
//! start with any opcode, heads cut inside a long argument, multi-MB protocol
//! 0 string lines, and what can run after a parse error. Each byte string
//! was checked with CPython 3.12.1's `pickle.loads` on the same shape with a
//! harmless global (`builtins.len`): every one of them loads.

use super::*;
use crate::format::Sniff;

fn sniff_file(bytes: &[u8]) -> Option<crate::Format> {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    sniff(&Sniff {
        head,
        tail: head,
        len: bytes.len() as u64,
        path: "x",
    })
}

/// `os.system('id')` as protocol 0 text after a `POP`.
const P0_TAIL: &[u8] = b"0cos\nsystem\n(S'id'\ntR.";

fn catches(bytes: &[u8]) -> ArtifactScan {
    let scan = scan_bytes(bytes);
    assert_eq!(scan.format, Some(crate::Format::Pickle));
    assert_eq!(
        dangerous(&scan).evidence.as_deref(),
        Some("os.system('id')"),
        "{:#?}",
        scan.findings
    );
    scan
}

#[test]
fn headerless_pickles_start_with_any_opcode() {
    // Protocol 4 opcodes without a PROTO header, SHORT_BINBYTES and NEWTRUE
    // first: the unpickler does not need a header.
    for bytes in [
        &b"\x8c\x02os\x8c\x06system\x93\x8c\x02id\x85R."[..],
        b"C\x02ab0cos\nsystem\n(S'id'\ntR.",
        b"\x880cos\nsystem\n(S'id'\ntR.",
    ] {
        assert_eq!(sniff_file(bytes), Some(crate::Format::Pickle), "{bytes:?}");
        catches(bytes);
    }
}

#[test]
fn a_head_cut_inside_a_long_first_argument_is_a_pickle() {
    // BINUNICODE of 100,000 bytes: the 64 KiB head ends inside it.
    let mut big = b"X".to_vec();
    big.extend(100_000u32.to_le_bytes());
    big.extend(std::iter::repeat_n(b'a', 100_000));
    big.extend_from_slice(P0_TAIL);
    assert_eq!(sniff_file(&big), Some(crate::Format::Pickle));
    catches(&big);
    // Protocol 0 STRING and UNICODE lines of 3 MB, longer than
    // `pickle.max_line_bytes`: held as a prefix, never whole.
    for (start, end) in [(&b"S'"[..], &b"'\n"[..]), (b"V", b"\n")] {
        let mut long = start.to_vec();
        long.extend(std::iter::repeat_n(b'a', 3_000_000));
        long.extend_from_slice(end);
        long.extend_from_slice(P0_TAIL);
        assert_eq!(sniff_file(&long), Some(crate::Format::Pickle));
        let scan = catches(&long);
        assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    }
}

#[test]
fn a_long_string_line_alone_is_clean() {
    // `pickle.dumps('a' * 3_000_000, protocol=0)` is `V` + the text + `\np0\n.`.
    let mut long = b"V".to_vec();
    long.extend(std::iter::repeat_n(b'a', 3_000_000));
    long.extend_from_slice(b"\np0\n.");
    assert_clean(&scan_bytes(&long));
}

#[test]
fn a_cut_head_is_not_a_pickle_when_the_argument_runs_past_the_file() {
    // The declared length runs past the end of the file: the loader raises
    // before anything runs.
    let mut bytes = b"X".to_vec();
    bytes.extend(1_000_000u32.to_le_bytes());
    bytes.extend(std::iter::repeat_n(b'a', 100_000));
    assert_eq!(sniff_file(&bytes), None);
    // Text and binary that do not run are still not pickles.
    for text in [
        &b"import os\nimport sys\n"[..],
        b"class Net(nn.Module):\n    pass\n",
        b"Version 1.0\nbuild 7\n",
        b"\x00\x01\x02\x03",
    ] {
        assert_eq!(
            sniff_file(text),
            None,
            "{:?}",
            String::from_utf8_lossy(text)
        );
    }
}

#[test]
fn malformed_streams_fail_high() {
    let scan = scan_bytes(b"\x80\x02N\xff");
    let f = with_rule(&scan, "pickle-malformed");
    assert_eq!(f.len(), 1, "{:#?}", scan.findings);
    assert_eq!(f[0].severity, Severity::High);
    // An escape the loader rejects is malformed too (it was accepted).
    let scan = scan_bytes(b"\x80\x02S'a\\x4'\np0\n.");
    assert_eq!(with_rule(&scan, "pickle-malformed").len(), 1);
    // And one it accepts is clean (`010` is 8 for the C unpickler).
    assert_clean(&scan_bytes(b"I010\np0\n."));
}

#[test]
fn resync_finds_a_headerless_pickle_after_an_error() {
    // An invalid opcode, junk, then a protocol 0 payload with no header to
    // resynchronise on (found before only after a `\x80\x02`).
    let mut bytes = b"\x80\x02N\xff junk ".to_vec();
    bytes.extend_from_slice(b"cos\nsystem\n(S'id'\ntR.");
    let scan = scan_bytes(&bytes);
    assert_eq!(
        dangerous(&scan).evidence.as_deref(),
        Some("os.system('id')")
    );
    assert_eq!(with_rule(&scan, "pickle-malformed").len(), 1);
}

#[test]
fn a_pickle_with_an_end_record_in_its_tail_is_a_pickle() {
    // A benign protocol 2 pickle whose last bytes hold an empty zip's end
    // record as data (`SHORT_BINBYTES` of 22 bytes): torch.load and
    // pickle.load read a pickle; zipfile sees an empty zip, nothing to load.
    let mut bytes = b"\x80\x02C\x16PK\x05\x06".to_vec();
    bytes.extend([0u8; 18]);
    bytes.extend_from_slice(b"q\x00.");
    let scan = scan_bytes(&bytes);
    assert_eq!(scan.format, Some(crate::Format::Pickle));
    assert_clean(&scan);
}

/// `joblib.dump({'w': numpy.array([1, 'a'], dtype=object)})` with the
/// wrapper's dtype spelled `code`, its `__setstate__` flags `flags` (no
/// state when `None`), and the nested items pickle replaced by
/// `os.system('id')`; shaped after joblib 1.5's output
/// (`tk::JOBLIB_OBJECT_ARRAY`).
fn joblib_object_dump(code: &str, flags: Option<i64>) -> Vec<u8> {
    use modelvet_testkit::pickle::{self as tk, Pickler};
    let mut p = Pickler::new(4);
    p.empty_dict().memoize().str("w");
    p.global("joblib.numpy_pickle", "NumpyArrayWrapper");
    p.empty_tuple().newobj().memoize();
    p.empty_dict().memoize().mark();
    p.str("subclass");
    let numpy = p.next_memo();
    p.global("numpy", "ndarray");
    p.str("shape").int(2).tuple(1);
    p.str("order").str("C");
    p.str("dtype")
        .get(numpy)
        .str("dtype")
        .stack_global()
        .memoize();
    p.str(code)
        .bool(false)
        .bool(true)
        .tuple(3)
        .reduce()
        .memoize();
    if let Some(flags) = flags {
        p.mark()
            .int(3)
            .str("|")
            .none()
            .none()
            .none()
            .int(-1)
            .int(-1)
            .int(flags);
        p.tuple_mark().memoize().build();
    }
    p.str("allow_mmap").bool(false);
    p.setitems().build();
    let mut out = p.finish_raw();
    out.extend_from_slice(&tk::os_system(2, "id"));
    out.extend_from_slice(b"s.");
    out
}

#[test]
fn joblib_object_dtypes_under_any_spelling_hold_a_nested_pickle() {
    // numpy 2.5.5: `numpy.dtype(code)` has objects for these codes, and a
    // `__setstate__` with flags 63 gives `<f8` objects too (the flags decide).
    for (code, flags) in [
        ("O8", Some(63)),
        ("O8", None),
        ("object", None),
        ("|O", None),
        ("(2,)O", None),
        ("i4,O", None),
        ("<f8", Some(63)),
        ("<f8", Some(1)),
    ] {
        let scan = scan_bytes(&joblib_object_dump(code, flags));
        assert_eq!(
            dangerous(&scan).evidence.as_deref(),
            Some("os.system('id')"),
            "{code} {flags:?}"
        );
        assert!(
            with_rule(&scan, "pickle-malformed").is_empty(),
            "{code} {flags:?}: {:#?}",
            scan.findings
        );
    }
}

#[test]
fn joblib_dtypes_not_read_here_fail_closed() {
    let scan = scan_bytes(&joblib_object_dump("float96x", None));
    let f = with_rule(&scan, "pickle-malformed");
    assert!(
        f.iter()
            .any(|f| f.severity == Severity::High && f.message.contains("float96x")),
        "{:#?}",
        scan.findings
    );
    // What follows is still scanned after resynchronising.
    assert_eq!(with_rule(&scan, "pickle-dangerous-global").len(), 1);
}
