//! Intrinsic severity of a finding and the verdict derived from it.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How much risk a finding carries, independent of any policy.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Severity {
    /// Context only; never a problem on its own.
    Info,
    /// Worth knowing; rarely blocks.
    Low,
    /// Unknown or unusual content that a reviewer should look at.
    Medium,
    /// Content that can run code or reach outside the model when loaded.
    High,
    /// Known-dangerous content: command execution, arbitrary import, code objects.
    Critical,
}

impl Severity {
    /// All severities, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lowercase name used in JSON, the CLI and policies.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for an unrecognised severity name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity `{0}` (expected one of: info, low, medium, high, critical)")]
pub struct UnknownSeverity(pub String);

impl FromStr for Severity {
    type Err = UnknownSeverity;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownSeverity(s.to_owned()))
    }
}

/// The outcome for one artifact or a whole report.
///
/// `fail` means a finding at or above the report's `fail_on` threshold,
/// `warn` means findings below it, `error` means something could not be
/// scanned completely (fail closed), `pass` means nothing was found.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Verdict {
    /// Scanned completely; no findings.
    Pass,
    /// Findings below the threshold.
    Warn,
    /// At least one finding at or above the threshold.
    Fail,
    /// The scan could not complete; the artifact is not vouched for.
    Error,
}

impl Verdict {
    /// The lowercase name used in JSON and the CLI.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_serde_names() {
        crate::names::assert_match_serde::<Severity>();
        crate::names::assert_match_serde::<Verdict>();
        // `ALL` is every severity, lowest first (the declaration order).
        assert!(Severity::ALL
            .into_iter()
            .eq(<Severity as strum::IntoEnumIterator>::iter()));
    }

    #[test]
    fn severity_round_trips_and_orders() {
        for sev in Severity::ALL {
            assert_eq!(sev.as_str().parse::<Severity>(), Ok(sev));
        }
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Info < Severity::Low);
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!("severe".parse::<Severity>().is_err());
    }
}
