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
pub mod provenance;
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

#[cfg(test)]
pub(crate) mod names {
    //! Test helper: an enum's `as_str` names (from strum) against serde's.

    /// Every variant's strum name is the JSON string serde writes, and serde
    /// reads it back to the same variant; names are distinct.
    #[allow(clippy::unwrap_used)]
    pub(crate) fn assert_match_serde<T>()
    where
        T: strum::IntoEnumIterator
            + Into<&'static str>
            + serde::Serialize
            + serde::de::DeserializeOwned
            + Copy
            + PartialEq
            + std::fmt::Debug,
    {
        let mut seen = std::collections::BTreeSet::new();
        for v in T::iter() {
            let name: &'static str = v.into();
            assert_eq!(
                serde_json::to_value(v).unwrap(),
                serde_json::Value::String(name.to_owned()),
                "{v:?}"
            );
            assert_eq!(serde_json::from_value::<T>(name.into()).unwrap(), v);
            assert!(seen.insert(name), "{name} twice");
        }
        assert!(!seen.is_empty());
    }
}
