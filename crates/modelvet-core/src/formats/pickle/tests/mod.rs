//! Tests of the pickle analyser on real pickle bytes.

use super::*;
use crate::scan::{ScanCtx, ScanOptions};
use crate::source::SliceSource;
use crate::{ArtifactScan, Finding};

/// Scan `bytes` as a raw pickle artifact.
pub(super) fn scan_bytes(bytes: &[u8]) -> ArtifactScan {
    crate::scan_artifact(
        "model.pkl",
        &mut SliceSource::new(bytes),
        &ScanOptions::default(),
    )
}

/// Run `scan_stream` directly with options (findings stay on the context).
pub(super) fn stream(bytes: &[u8], options: &StreamOptions) -> StreamSummary {
    let opts = ScanOptions::default();
    let mut ctx = ScanCtx::new("stream", &opts);
    scan_stream(&mut SliceSource::new(bytes), &mut ctx, options).unwrap()
}

pub(super) fn with_rule<'a>(scan: &'a ArtifactScan, id: &str) -> Vec<&'a Finding> {
    scan.findings.iter().filter(|f| f.rule_id == id).collect()
}

#[test]
fn protocol0_os_system_is_critical() {
    let bytes = b"cos\nsystem\n(S'echo hi'\ntR.";
    let scan = scan_bytes(bytes);
    let found = with_rule(&scan, "pickle-dangerous-global");
    assert_eq!(found.len(), 1, "{scan:#?}");
    assert_eq!(found[0].severity, crate::Severity::Critical);
    assert_eq!(found[0].evidence.as_deref(), Some("os.system('echo hi')"));
    assert_eq!(scan.format, Some(crate::Format::Pickle));
}
