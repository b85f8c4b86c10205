//! Tests of the pickle analyser on real pickle bytes (testkit builders and
//! verbatim `pickle.dumps` vectors); nothing here is ever unpickled.

mod attacks;
mod benign;
mod limits;
mod loader;
mod opcodes;
mod streams;

use super::*;
use crate::scan::{ScanCtx, ScanOptions};
use crate::source::SliceSource;
use crate::{ArtifactScan, Finding, Severity};

/// Scan `bytes` as a raw pickle artifact with default options.
pub(super) fn scan_bytes(bytes: &[u8]) -> ArtifactScan {
    scan_with(bytes, &ScanOptions::default())
}

/// Scan `bytes` as a raw pickle artifact.
pub(super) fn scan_with(bytes: &[u8], opts: &ScanOptions) -> ArtifactScan {
    crate::scan_artifact("model.pkl", &mut SliceSource::new(bytes), opts)
}

/// Run `scan_stream` directly with stream options.
pub(super) fn stream(bytes: &[u8], options: &StreamOptions) -> StreamSummary {
    let opts = ScanOptions::default();
    let mut ctx = ScanCtx::new("stream", &opts);
    scan_stream(&mut SliceSource::new(bytes), &mut ctx, options).unwrap()
}

pub(super) fn with_rule<'a>(scan: &'a ArtifactScan, id: &str) -> Vec<&'a Finding> {
    scan.findings.iter().filter(|f| f.rule_id == id).collect()
}

/// The single dangerous-global finding of a scan, asserting there is one.
pub(super) fn dangerous(scan: &ArtifactScan) -> &Finding {
    let found = with_rule(scan, "pickle-dangerous-global");
    assert_eq!(found.len(), 1, "{:#?}", scan.findings);
    found[0]
}

pub(super) fn assert_clean(scan: &ArtifactScan) {
    assert!(scan.findings.is_empty(), "{:#?}", scan.findings);
    assert!(scan.errors.is_empty(), "{:#?}", scan.errors);
}

#[test]
fn protocol0_os_system_is_critical() {
    let scan = scan_bytes(b"cos\nsystem\n(S'echo hi'\ntR.");
    let f = dangerous(&scan);
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.evidence.as_deref(), Some("os.system('echo hi')"));
    assert_eq!(
        f.location,
        crate::Location::PickleOp {
            offset: 0,
            pickle: 0
        }
    );
    assert_eq!(scan.format, Some(crate::Format::Pickle));
}

#[test]
fn every_rule_is_registered_with_docs() {
    for rule in RULES {
        assert!(crate::rule::is_valid_rule_id(rule.id), "{}", rule.id);
        assert!(rule.id.starts_with("pickle-"));
        assert!(rule.docs.contains("## Why it matters"), "{}", rule.id);
    }
}
