//! Hub licence ids, their class and what they allow.
//!
//! The table is `data/hub-licenses.json`: every licence id the Hub accepts
//! (from hub-docs `repositories-licenses.md`), our practical class and a
//! best-effort SPDX id. It is data, not code, because the Hub's list changes.
//! The class is a practical grouping, not legal advice.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const TABLE_JSON: &str = include_str!("../../data/hub-licenses.json");

/// Practical class of a licence.
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
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum LicenseClass {
    /// Attribution or notice duties only.
    Permissive,
    /// Commercial use allowed; behavioural use restrictions flow down (OpenRAIL).
    ResponsibleAiUseRestrictions,
    /// File- or library-level share-alike.
    WeakCopyleft,
    /// Share-alike on derivatives (GPL, AGPL, CC-BY-SA, ODbL).
    StrongCopyleft,
    /// No derivatives: fine-tuning or quantising is not allowed.
    NoDerivatives,
    /// Custom licence with commercial conditions (Llama, Gemma, ...).
    CustomCommercialWithConditions,
    /// Research or non-commercial use only.
    NonCommercial,
    /// A family id (`cc`) that does not say which variant.
    FamilyAmbiguous,
    /// `unknown`, `other`, or an id the Hub does not know.
    Unknown,
}

impl LicenseClass {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What the user means to do with the model.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum IntendedUse {
    /// A product or service that earns money.
    #[default]
    Commercial,
    /// Research, teaching, evaluation.
    Research,
}

impl IntendedUse {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl std::str::FromStr for IntendedUse {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "commercial" => Ok(IntendedUse::Commercial),
            "research" => Ok(IntendedUse::Research),
            other => Err(format!(
                "unknown use `{other}` (expected commercial or research)"
            )),
        }
    }
}

/// Whether a licence allows a use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Permission {
    /// Allowed with notice/attribution duties.
    Allowed,
    /// Allowed under conditions someone must read (use policies, share-alike, thresholds).
    Conditions,
    /// Not allowed.
    Denied,
    /// Cannot tell.
    Unknown,
}

/// One row of the licence table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LicenseInfo {
    /// Hub id (`apache-2.0`).
    pub id: String,
    /// Human name.
    pub name: String,
    /// Class.
    pub class: LicenseClass,
    /// SPDX id when one fits.
    pub spdx: Option<String>,
}

#[derive(Deserialize)]
struct Table {
    licenses: Vec<LicenseInfo>,
}

fn table() -> &'static [LicenseInfo] {
    static TABLE: OnceLock<Vec<LicenseInfo>> = OnceLock::new();
    TABLE.get_or_init(|| {
        serde_json::from_str::<Table>(TABLE_JSON)
            .map(|t| t.licenses)
            .unwrap_or_default()
    })
}

/// Look a Hub licence id up (case-insensitive).
pub fn lookup(id: &str) -> Option<&'static LicenseInfo> {
    let id = id.trim();
    table().iter().find(|l| l.id.eq_ignore_ascii_case(id))
}

/// Every licence the Hub knows.
pub fn all() -> &'static [LicenseInfo] {
    table()
}

/// What `class` means for `use_`.
pub fn permission(class: LicenseClass, use_: IntendedUse) -> Permission {
    use LicenseClass::*;
    match (class, use_) {
        (Permissive, _) => Permission::Allowed,
        (NonCommercial, IntendedUse::Research) => Permission::Allowed,
        (NonCommercial, IntendedUse::Commercial) => Permission::Denied,
        (
            ResponsibleAiUseRestrictions
            | WeakCopyleft
            | StrongCopyleft
            | NoDerivatives
            | CustomCommercialWithConditions,
            _,
        ) => Permission::Conditions,
        (FamilyAmbiguous | Unknown, _) => Permission::Unknown,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_are_serde_names() {
        crate::names::assert_match_serde::<LicenseClass>();
        crate::names::assert_match_serde::<IntendedUse>();
        for u in <IntendedUse as strum::IntoEnumIterator>::iter() {
            assert_eq!(u.as_str().parse::<IntendedUse>(), Ok(u));
        }
    }

    #[test]
    fn table_loads_every_hub_id() {
        // data/hub-licenses.json is a copy of /work/shared/fixtures/licenses/hub-licenses.json.
        assert_eq!(all().len(), 83);
        assert_eq!(
            lookup("Apache-2.0").unwrap().class,
            LicenseClass::Permissive
        );
        assert_eq!(
            lookup("apache-2.0").unwrap().spdx.as_deref(),
            Some("Apache-2.0")
        );
        assert_eq!(
            lookup("llama3.2").unwrap().class,
            LicenseClass::CustomCommercialWithConditions
        );
        assert_eq!(
            lookup("cc-by-nc-4.0").unwrap().class,
            LicenseClass::NonCommercial
        );
        assert_eq!(lookup("other").unwrap().class, LicenseClass::Unknown);
        assert!(lookup("made-up-1.0").is_none());
    }

    #[test]
    fn permissions_follow_the_use() {
        assert_eq!(
            permission(LicenseClass::NonCommercial, IntendedUse::Commercial),
            Permission::Denied
        );
        assert_eq!(
            permission(LicenseClass::NonCommercial, IntendedUse::Research),
            Permission::Allowed
        );
        assert_eq!(
            permission(LicenseClass::Permissive, IntendedUse::Commercial),
            Permission::Allowed
        );
        assert_eq!(
            permission(
                LicenseClass::CustomCommercialWithConditions,
                IntendedUse::Commercial
            ),
            Permission::Conditions
        );
        assert_eq!(
            permission(LicenseClass::Unknown, IntendedUse::Research),
            Permission::Unknown
        );
    }
}
