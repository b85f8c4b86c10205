//! The versioned JSON report: what the CLI prints, the web app downloads, and
//! policies, SARIF and ML-BOM exporters consume. Its schema is
//! `docs/report.schema.json`.

use crate::finding::Finding;
use crate::format::Format;
use crate::scan::{ArtifactScan, ScanOptions};
use crate::severity::{Severity, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the report format. Bumped on any incompatible change.
pub const SCHEMA_VERSION: &str = "1.0";

/// The tool that wrote a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Tool {
    /// Always `modelvet`.
    pub name: String,
    /// The tool's version.
    pub version: String,
}

impl Default for Tool {
    fn default() -> Self {
        Tool {
            name: crate::TOOL_NAME.to_owned(),
            version: crate::TOOL_VERSION.to_owned(),
        }
    }
}

/// One scanned file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ArtifactReport {
    /// Path as given (relative to the dropped folder or the scanned root).
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the whole file, lowercase hex (absent if it was not hashed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Format detected from the content.
    pub format: Format,
    /// Outcome for this file.
    pub verdict: Verdict,
    /// Format-specific facts (tensor summary, architecture, pickle globals, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub facts: BTreeMap<String, serde_json::Value>,
}

/// Something that could not be scanned: the tool failed, a source could not be
/// read, or a limit stopped the parser. Any error makes the verdict `error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ScanError {
    /// Path of the artifact concerned.
    pub artifact: String,
    /// What kind of error (`unscannable` when absent, as in older reports).
    #[serde(default)]
    pub kind: ErrorKind,
    /// The limit that stopped the scan, by its path in `settings.limits`,
    /// when `kind` is `limit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<crate::LimitId>,
    /// What went wrong.
    pub message: String,
}

/// What kind of [`ScanError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// A limit stopped the scan (the error names it); raising the limit may
    /// let the scan finish.
    Limit,
    /// Part of the artifact could not be scanned: malformed, truncated or
    /// using a feature modelvet does not read.
    #[default]
    Unscannable,
    /// The artifact or a directory could not be read at all.
    Unreadable,
}

/// A whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Report {
    /// Version of this format (`1.0`).
    pub schema_version: String,
    /// The tool that wrote it.
    pub tool: Tool,
    /// The settings that produced it.
    pub settings: ScanOptions,
    /// Every file looked at, sorted by path.
    pub artifacts: Vec<ArtifactReport>,
    /// Every finding, sorted by artifact, severity (highest first) and rule.
    pub findings: Vec<Finding>,
    /// Everything that could not be scanned.
    pub errors: Vec<ScanError>,
    /// The overall outcome.
    pub verdict: Verdict,
    /// Counts for a summary line.
    pub summary: Summary,
    /// Model-card audit of a Hub model (`modelvet audit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<crate::card::CardAudit>,
    /// Provenance check of the files (`modelvet verify`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<crate::provenance::ProvenanceReport>,
}

/// Counts over a report.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Summary {
    /// Number of artifacts.
    pub artifacts: u64,
    /// Total bytes.
    pub bytes: u64,
    /// Findings per severity (all severities present, possibly 0).
    pub findings: BTreeMap<Severity, u64>,
    /// Number of errors.
    pub errors: u64,
}

impl Report {
    /// The highest severity among the findings.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// Serialise as pretty JSON.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"error\":\"report could not be serialised: {e}\"}}"))
    }
}

/// Verdict from findings' severities and whether anything failed to scan.
pub fn verdict_for(
    severities: impl IntoIterator<Item = Severity>,
    had_error: bool,
    fail_on: Severity,
) -> Verdict {
    if had_error {
        return Verdict::Error;
    }
    match severities.into_iter().max() {
        None => Verdict::Pass,
        Some(max) if max >= fail_on => Verdict::Fail,
        Some(_) => Verdict::Warn,
    }
}

/// Collects per-artifact results into a [`Report`].
#[derive(Debug, Clone)]
pub struct ReportBuilder {
    settings: ScanOptions,
    artifacts: Vec<(String, u64, Option<String>, ArtifactScan)>,
    errors: Vec<ScanError>,
    card: Option<crate::card::CardAudit>,
    provenance: Option<crate::provenance::ProvenanceReport>,
}

impl ReportBuilder {
    /// A builder for a scan made with `settings`.
    pub fn new(settings: ScanOptions) -> ReportBuilder {
        ReportBuilder {
            settings,
            artifacts: Vec::new(),
            errors: Vec::new(),
            card: None,
            provenance: None,
        }
    }

    /// Attach a provenance check: a failed check fails the report, an
    /// incomplete one makes it an error.
    pub fn provenance(&mut self, check: crate::provenance::ProvenanceReport) -> &mut Self {
        self.provenance = Some(check);
        self
    }

    /// Attach a model-card audit.
    pub fn card(&mut self, audit: crate::card::CardAudit) -> &mut Self {
        self.card = Some(audit);
        self
    }

    /// Add one artifact's results.
    pub fn add(&mut self, path: &str, size: u64, sha256: Option<String>, scan: ArtifactScan) {
        self.artifacts.push((path.to_owned(), size, sha256, scan));
    }

    /// Record an artifact that could not be read at all.
    pub fn add_unreadable(&mut self, path: &str, size: u64, message: impl Into<String>) {
        let scan = ArtifactScan {
            format: Some(Format::Unknown),
            errors: vec![ScanError {
                artifact: path.to_owned(),
                kind: ErrorKind::Unreadable,
                limit: None,
                message: message.into(),
            }],
            ..ArtifactScan::default()
        };
        self.add(path, size, None, scan);
    }

    /// Record an error not tied to one artifact (an unreadable directory, ...).
    pub fn add_error(&mut self, artifact: &str, message: impl Into<String>) {
        self.errors.push(ScanError {
            artifact: artifact.to_owned(),
            kind: ErrorKind::Unreadable,
            limit: None,
            message: message.into(),
        });
    }

    /// Build the report: sort deterministically and compute verdicts.
    pub fn build(self) -> Report {
        let fail_on = self.settings.fail_on;
        let mut artifacts = Vec::with_capacity(self.artifacts.len());
        let mut findings = Vec::new();
        let mut errors = self.errors;
        let mut summary = Summary::default();
        for sev in Severity::ALL {
            summary.findings.insert(sev, 0);
        }
        for (path, size, sha256, scan) in self.artifacts {
            let verdict = verdict_for(
                scan.findings.iter().map(|f| f.severity),
                !scan.errors.is_empty(),
                fail_on,
            );
            summary.artifacts = summary.artifacts.saturating_add(1);
            summary.bytes = summary.bytes.saturating_add(size);
            artifacts.push(ArtifactReport {
                path,
                size,
                sha256,
                format: scan.format.unwrap_or(Format::Unknown),
                verdict,
                facts: scan.facts,
            });
            findings.extend(scan.findings);
            errors.extend(scan.errors);
        }
        for f in &findings {
            if let Some(n) = summary.findings.get_mut(&f.severity) {
                *n = n.saturating_add(1);
            }
        }
        summary.errors = errors.len() as u64;
        artifacts.sort_by(|a, b| a.path.cmp(&b.path));
        findings.sort_by(|a, b| {
            a.artifact
                .cmp(&b.artifact)
                .then(b.severity.cmp(&a.severity))
                .then(a.rule_id.cmp(&b.rule_id))
                .then(a.location.cmp(&b.location))
        });
        errors.sort_by(|a, b| a.artifact.cmp(&b.artifact).then(a.message.cmp(&b.message)));
        let mut verdict = verdict_for(
            findings.iter().map(|f| f.severity),
            !errors.is_empty(),
            fail_on,
        );
        if let Some(card) = &self.card {
            verdict = verdict.max(card.verdict);
        }
        if let Some(check) = &self.provenance {
            use crate::provenance::ProvenanceVerdict;
            verdict = verdict.max(match check.verdict {
                ProvenanceVerdict::Pass => Verdict::Pass,
                ProvenanceVerdict::Fail => Verdict::Fail,
                ProvenanceVerdict::Incomplete => Verdict::Error,
            });
        }
        Report {
            schema_version: SCHEMA_VERSION.to_owned(),
            tool: Tool::default(),
            settings: self.settings,
            artifacts,
            findings,
            errors,
            verdict,
            summary,
            card: self.card,
            provenance: self.provenance,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        use Severity::*;
        assert_eq!(verdict_for([], false, High), Verdict::Pass);
        assert_eq!(verdict_for([Medium], false, High), Verdict::Warn);
        assert_eq!(verdict_for([Medium, Critical], false, High), Verdict::Fail);
        assert_eq!(verdict_for([Medium], false, Medium), Verdict::Fail);
        assert_eq!(verdict_for([], true, High), Verdict::Error);
    }
}
