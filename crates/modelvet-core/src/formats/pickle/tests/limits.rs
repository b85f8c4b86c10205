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
    assert_limit(
        &scan_with(&bytes, &opts(|l| l.max_line_bytes = 1000)),
        "pickle.max_line_bytes",
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
