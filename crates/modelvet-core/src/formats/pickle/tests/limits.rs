//! One test per named limit: reaching it stops the scan with an error
//! naming the limit (fail closed), and what was found before is kept.

use super::*;

fn opts(f: impl FnOnce(&mut PickleLimits)) -> ScanOptions {
    let mut o = ScanOptions::default();
    f(&mut o.limits.pickle);
    o
}

fn assert_limit(scan: &ArtifactScan, name: &str) {
    assert!(
        scan.errors
            .iter()
            .any(|e| e.message.contains(&format!("`{name}`"))),
        "{name}: {:#?}",
        scan.errors
    );
}

/// An os.system call, then `filler`, then STOP.
fn payload_then(filler: &[u8]) -> Vec<u8> {
    let mut b = b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00id\x85R0".to_vec();
    b.extend_from_slice(filler);
    b.extend_from_slice(b"N.");
    b
}

#[test]
fn max_ops() {
    let bytes = payload_then(&b"N0".repeat(100));
    let scan = scan_with(&bytes, &opts(|l| l.max_ops = 50));
    assert_limit(&scan, "pickle.max_ops");
    // What was found before the limit is kept.
    assert_eq!(
        dangerous(&scan).evidence.as_deref(),
        Some("os.system('id')")
    );
    assert!(scan_with(&bytes, &opts(|l| l.max_ops = 500))
        .errors
        .is_empty());
}

#[test]
fn max_memo() {
    let filler: Vec<u8> = (0..=255u8).flat_map(|i| [b'N', b'q', i, b'0']).collect();
    let bytes = payload_then(&filler);
    assert_limit(
        &scan_with(&bytes, &opts(|l| l.max_memo = 100)),
        "pickle.max_memo",
    );
    assert!(scan_with(&bytes, &opts(|l| l.max_memo = 300))
        .errors
        .is_empty());
}

#[test]
fn max_stack() {
    let bytes = payload_then(&b"N".repeat(100));
    assert_limit(
        &scan_with(&bytes, &opts(|l| l.max_stack = 50)),
        "pickle.max_stack",
    );
    assert!(scan_with(&bytes, &opts(|l| l.max_stack = 200))
        .errors
        .is_empty());
}

#[test]
fn max_nesting() {
    let bytes = payload_then(&b"(".repeat(100));
    assert_limit(
        &scan_with(&bytes, &opts(|l| l.max_nesting = 50)),
        "pickle.max_nesting",
    );
    assert!(scan_with(&bytes, &opts(|l| l.max_nesting = 200))
        .errors
        .is_empty());
}

#[test]
fn max_bytes_arg() {
    let mut filler = b"\x8e".to_vec();
    filler.extend_from_slice(&1000u64.to_le_bytes());
    filler.extend(std::iter::repeat_n(0u8, 1000));
    filler.push(b'0');
    let bytes = payload_then(&filler);
    assert_limit(
        &scan_with(&bytes, &opts(|l| l.max_bytes_arg = 999)),
        "pickle.max_bytes_arg",
    );
    assert!(scan_with(&bytes, &opts(|l| l.max_bytes_arg = 1000))
        .errors
        .is_empty());
}

#[test]
fn huge_declared_length_does_not_allocate() {
    // A length of 2^60 with no data behind it: truncated, never allocated.
    let mut bytes = b"\x80\x04\x8e".to_vec();
    bytes.extend_from_slice(&(1u64 << 60).to_le_bytes());
    let scan = scan_with(&bytes, &opts(|l| l.max_bytes_arg = u64::MAX));
    assert_eq!(
        with_rule(&scan, "pickle-malformed").len(),
        1,
        "{:#?}",
        scan.findings
    );
}

#[test]
fn max_line_bytes() {
    let mut bytes = b"c".to_vec();
    bytes.extend(std::iter::repeat_n(b'a', 2000));
    bytes.extend_from_slice(b"\nb\n.");
    // The loader reads any name; one longer than the limit could hide
    // anything, so it is a failing finding that names the limit (it was an
    // error that stopped the scan).
    let scan = scan_with(&bytes, &opts(|l| l.max_line_bytes = 1000));
    let malformed = with_rule(&scan, "pickle-malformed");
    assert!(
        malformed
            .iter()
            .any(|f| f.severity == Severity::High && f.message.contains("`pickle.max_line_bytes`")),
        "{:#?}",
        scan.findings
    );
    assert!(scan_with(&bytes, &opts(|l| l.max_line_bytes = 4000))
        .errors
        .is_empty());
}

#[test]
fn max_findings() {
    let mut bytes = b"\x80\x02".to_vec();
    for i in 0..50 {
        bytes.extend_from_slice(format!("cmod{i}\nf\n0").as_bytes());
    }
    bytes.extend_from_slice(b"N.");
    let scan = scan_with(&bytes, &opts(|l| l.max_findings = 20));
    assert_limit(&scan, "pickle.max_findings");
    assert_eq!(with_rule(&scan, "pickle-unknown-global").len(), 20);
    let scan = scan_with(&bytes, &opts(|l| l.max_findings = 100));
    assert_eq!(with_rule(&scan, "pickle-unknown-global").len(), 50);
}

#[test]
fn max_pickles() {
    let bytes = b"\x80\x02N.".repeat(30);
    assert_limit(
        &scan_with(&bytes, &opts(|l| l.max_pickles = 10)),
        "pickle.max_pickles",
    );
    let scan = scan_with(&bytes, &opts(|l| l.max_pickles = 30));
    assert!(scan.errors.is_empty());
    assert_eq!(scan.facts["pickle_stream"]["pickles"], 30);
}

#[test]
fn deeply_nested_values_drop_without_recursion() {
    // NONE then 200,000 TUPLE1: a tuple nested 200,000 deep.
    let mut bytes = b"\x80\x02N".to_vec();
    bytes.extend(std::iter::repeat_n(0x85u8, 200_000));
    bytes.push(b'.');
    let scan = scan_bytes(&bytes);
    assert!(scan.errors.is_empty(), "{:#?}", scan.errors);
    // A list chain built through the memo, top down.
    let mut bytes = b"\x80\x02]q\x00".to_vec();
    for _ in 0..100_000 {
        bytes.extend_from_slice(b"h\x00]q\x00a0");
    }
    bytes.extend_from_slice(b"N.");
    let scan = scan_bytes(&bytes);
    assert!(scan.errors.is_empty(), "{:#?}", scan.errors);
}

#[test]
fn max_nested_pickles() {
    // joblib object arrays nested in each other's nested pickles.
    let wrapper = modelvet_testkit::pickle::JOBLIB_OBJECT_ARRAY;
    let nested_at = wrapper.windows(2).rposition(|w| w == b"\x80\x05").unwrap();
    let head = &wrapper[..nested_at];
    let mut bytes = Vec::new();
    for _ in 0..5 {
        bytes.extend_from_slice(head);
    }
    bytes.extend_from_slice(b"\x80\x02N.");
    bytes.extend(std::iter::repeat_n(b'.', 5));
    assert_limit(
        &scan_with(&bytes, &opts(|l| l.max_nested_pickles = 3)),
        "pickle.max_nested_pickles",
    );
    let scan = scan_with(&bytes, &opts(|l| l.max_nested_pickles = 8));
    assert!(scan.errors.is_empty(), "{:#?}", scan.errors);
    assert!(scan.findings.is_empty(), "{:#?}", scan.findings);
}

#[test]
fn kept_bytes_are_budgeted_per_stream() {
    use super::super::input::{Input, KEPT_AFTER_BUDGET, KEPT_BUDGET};
    // Enough 4 KiB strings to spend the budget, then one more.
    let n = (KEPT_BUDGET / 4096) as usize + 1;
    let mut bytes = Vec::with_capacity(n * 4101);
    for _ in 0..n {
        bytes.push(b'X');
        bytes.extend_from_slice(&4096u32.to_le_bytes());
        bytes.extend(std::iter::repeat_n(b'a', 4096));
    }
    let mut src = SliceSource::new(&bytes);
    let mut input = Input::new(&mut src);
    let mut last = Vec::new();
    for _ in 0..n {
        assert_eq!(input.u8("op").unwrap(), b'X');
        input.array::<4>("len").unwrap();
        last = input.blob(4096, u64::MAX, "s").unwrap();
    }
    assert_eq!(last.len(), KEPT_AFTER_BUDGET);
}

#[test]
fn max_resync_bytes() {
    // A broken pickle, 2,000 bytes of junk, then a headerless payload: only
    // tried offsets find it.
    let mut bytes = b"\x80\x02N\xff".to_vec();
    bytes.extend(std::iter::repeat_n(b'~', 2000));
    bytes.extend_from_slice(b"cos\nsystem\n(S'id'\ntR.");
    let scan = scan_with(&bytes, &opts(|l| l.max_resync_bytes = 100));
    assert_limit(&scan, "pickle.max_resync_bytes");
    assert!(with_rule(&scan, "pickle-dangerous-global").is_empty());
    let scan = scan_with(&bytes, &opts(|l| l.max_resync_bytes = 4000));
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    assert_eq!(
        dangerous(&scan).evidence.as_deref(),
        Some("os.system('id')")
    );
}
