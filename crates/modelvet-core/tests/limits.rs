//! Limits as the scanners meet them: the defaults accept real files, a
//! limit that stops a scan is named by its typed id in the error, and the
//! error serialises with the limit's path.

use modelvet_core::{scan_artifact, ErrorKind, LimitId, Limits, ScanOptions, SliceSource};

/// `pickle.dumps({"k": "x" * len}, protocol=0)` as CPython 3.12 writes it:
/// `(dp0\nVk\np1\nV<len x>\np2\ns.` (checked against CPython's output for a
/// short string; the string line grows with `len`, nothing else changes).
fn protocol0_dict_with_long_string(len: usize) -> Vec<u8> {
    let mut out = b"(dp0\nVk\np1\nV".to_vec();
    out.extend(std::iter::repeat_n(b'x', len));
    out.extend_from_slice(b"\np2\ns.");
    out
}

#[test]
fn defaults_accept_a_protocol0_pickle_with_a_multi_megabyte_string_line() {
    let bytes = protocol0_dict_with_long_string(5_000_000);
    let scan = scan_artifact(
        "data.pkl",
        &mut SliceSource::new(&bytes),
        &ScanOptions::default(),
    );
    assert_eq!(scan.format, Some(modelvet_core::Format::Pickle));
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    assert!(scan.findings.is_empty(), "{:?}", scan.findings);
}

#[test]
fn a_limit_that_stops_the_scan_is_named_by_its_id() {
    let bytes = protocol0_dict_with_long_string(10);
    let mut limits = Limits::default();
    limits
        .set(LimitId::PickleMaxMemo, 1)
        .unwrap_or_else(|e| panic!("{e}"));
    let opts = ScanOptions {
        limits,
        ..ScanOptions::default()
    };
    let scan = scan_artifact("data.pkl", &mut SliceSource::new(&bytes), &opts);
    let hit: Vec<_> = scan
        .errors
        .iter()
        .filter(|e| e.limit == Some(LimitId::PickleMaxMemo))
        .collect();
    assert_eq!(hit.len(), 1, "{:?}", scan.errors);
    assert_eq!(hit[0].kind, ErrorKind::Limit);
    assert!(
        hit[0].message.contains("`pickle.max_memo` (1)"),
        "{}",
        hit[0].message
    );
    let json = serde_json::to_value(hit[0]).unwrap_or_default();
    assert_eq!(json["kind"], "limit");
    assert_eq!(json["limit"], "pickle.max_memo");
    // The default lets the same file through.
    let scan = scan_artifact(
        "data.pkl",
        &mut SliceSource::new(&bytes),
        &ScanOptions::default(),
    );
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
}

#[test]
fn an_error_that_is_no_limit_has_no_limit() {
    let mut report = modelvet_core::ReportBuilder::new(ScanOptions::default());
    report.add_unreadable("gone.pkl", 0, "cannot open: No such file or directory");
    let report = report.build();
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    let e = &report.errors[0];
    assert_eq!((e.kind, e.limit), (ErrorKind::Unreadable, None));
    let json = serde_json::to_value(e).unwrap_or_default();
    assert_eq!(json["kind"], "unreadable");
    assert!(json.get("limit").is_none(), "{json}");
    // Old reports (no `kind`, no `limit`) still read.
    let old: modelvet_core::ScanError =
        serde_json::from_str(r#"{"artifact": "a", "message": "m"}"#)
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((old.kind, old.limit), (ErrorKind::Unscannable, None));
}
