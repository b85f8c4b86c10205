//! The pure core of modelvet.
//!
//! Everything here is sans-I/O: no filesystem, clock, environment, threads or
//! network. Scanners read the byte windows they ask for through [`ByteSource`],
//! so the same code serves `Blob.slice` in the browser, files in the CLI and
//! HTTP range requests against a model hub. The crate builds for
//! `wasm32-unknown-unknown`.
//!
//! The main entry points are [`scan::scan_artifact`] (detect the format of one
//! file and run the matching static scanner), [`hash::Sha256Stream`]
//! (incremental SHA-256) and [`report::ReportBuilder`] (assemble the versioned
//! JSON report that the CLI, web app, policies and exporters consume).
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod card;
pub mod finding;
pub mod format;
pub mod formats;
pub mod hash;
pub mod hub;
pub mod limits;
pub mod report;
pub mod rule;
pub mod rules;
pub mod scan;
pub mod severity;
pub mod source;

pub use finding::{Finding, Location};
pub use format::Format;
pub use hash::Sha256Stream;
pub use limits::{LimitId, Limits, LimitsError};
pub use report::{ArtifactReport, ErrorKind, Report, ReportBuilder, ScanError};
pub use rule::Rule;
pub use scan::{scan_artifact, scan_artifact_with, ArtifactScan, ScanHost, ScanOptions};
pub use severity::{Severity, Verdict};
pub use source::{ByteSource, ReadError, SliceSource};

/// The tool name written into every report.
pub const TOOL_NAME: &str = "modelvet";
/// The tool version written into every report.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
