//! Item statuses, the 0–100 score and the grade.

use crate::severity::Severity;
use serde::{Deserialize, Serialize};

/// Outcome of one checklist item.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumIter,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum ItemStatus {
    /// Fully satisfied.
    Pass,
    /// Half satisfied (counts half its weight).
    Partial,
    /// Not satisfied.
    Fail,
    /// Does not apply to this repo (excluded from the score).
    NotApplicable,
}

impl ItemStatus {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Share of the weight earned, in halves.
    fn halves(self) -> u32 {
        match self {
            ItemStatus::Pass => 2,
            ItemStatus::Partial => 1,
            ItemStatus::Fail | ItemStatus::NotApplicable => 0,
        }
    }
}

/// Letter grade of a score.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Grade {
    /// 90–100.
    A,
    /// 80–89.
    B,
    /// 65–79.
    C,
    /// 50–64.
    D,
    /// 35–49.
    E,
    /// 0–34.
    F,
}

impl Grade {
    /// The grade for a 0–100 score.
    pub fn of(score: u8) -> Grade {
        match score {
            90.. => Grade::A,
            80..=89 => Grade::B,
            65..=79 => Grade::C,
            50..=64 => Grade::D,
            35..=49 => Grade::E,
            _ => Grade::F,
        }
    }

    /// The letter.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Score over `(weight, status)` pairs: earned weight over applicable weight,
/// rounded to the nearest integer. No applicable item scores 0.
pub fn score(items: impl IntoIterator<Item = (u8, ItemStatus)>) -> u8 {
    let mut earned = 0u32;
    let mut total = 0u32;
    for (weight, status) in items {
        if status == ItemStatus::NotApplicable {
            continue;
        }
        let w = u32::from(weight);
        total = total.saturating_add(w.saturating_mul(2));
        earned = earned.saturating_add(w.saturating_mul(status.halves()));
    }
    if total == 0 {
        return 0;
    }
    let pct = earned.saturating_mul(100).saturating_add(total / 2) / total;
    u8::try_from(pct.min(100)).unwrap_or(100)
}

/// The severity an item's outcome carries: its own when it fails, one step
/// lower when partial, none otherwise.
pub fn outcome_severity(status: ItemStatus, severity: Severity) -> Option<Severity> {
    match status {
        ItemStatus::Fail => Some(severity),
        ItemStatus::Partial => Some(match severity {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium => Severity::Low,
            Severity::Low | Severity::Info => Severity::Info,
        }),
        ItemStatus::Pass | ItemStatus::NotApplicable => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_serde_names() {
        crate::names::assert_match_serde::<ItemStatus>();
        crate::names::assert_match_serde::<Grade>();
        assert_eq!(NotApplicable.as_str(), "not-applicable");
    }
    use ItemStatus::*;

    #[test]
    fn scores_and_grades() {
        assert_eq!(score([(10, Pass), (10, Pass)]), 100);
        assert_eq!(score([(10, Pass), (10, Fail)]), 50);
        assert_eq!(score([(10, Partial), (10, NotApplicable)]), 50);
        assert_eq!(score([(3, Pass), (7, Partial)]), 65);
        assert_eq!(score([(1, Pass), (2, Fail)]), 33);
        assert_eq!(score([]), 0);
        assert_eq!(score([(5, NotApplicable)]), 0);
        assert_eq!(Grade::of(100), Grade::A);
        assert_eq!(Grade::of(90), Grade::A);
        assert_eq!(Grade::of(89), Grade::B);
        assert_eq!(Grade::of(65), Grade::C);
        assert_eq!(Grade::of(50), Grade::D);
        assert_eq!(Grade::of(35), Grade::E);
        assert_eq!(Grade::of(34), Grade::F);
    }

    #[test]
    fn partial_lowers_severity() {
        assert_eq!(outcome_severity(Fail, Severity::High), Some(Severity::High));
        assert_eq!(
            outcome_severity(Partial, Severity::High),
            Some(Severity::Medium)
        );
        assert_eq!(outcome_severity(Pass, Severity::Critical), None);
    }
}
