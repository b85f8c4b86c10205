//! Model-card audit: is a Hub model fit to use?
//!
//! [`audit`] takes what [`crate::hub::HubSession`] gathered and returns a
//! [`CardAudit`]: the licence and what it allows, a checklist of documented
//! items (each with a status, its evidence and a link to the card section),
//! the file inventory with the Hub's scan results, a 0–100 score and a grade.
//! The checklist is documented in `docs/checklist.md`.
//!
//! Pure: the caller passes "now" for the staleness check.

pub mod checklist;
pub mod files;
mod judge;
pub mod license;
pub mod markdown;
pub mod score;
pub mod yaml;

use crate::hub::{FileFetch, Gating, HubSnapshot, RepoSecurity};
use crate::severity::{Severity, Verdict};
pub use checklist::{CheckItem, ItemId};
pub use files::FileEntry;
pub use license::{IntendedUse, LicenseClass, Permission};
pub use score::{Grade, ItemStatus};
use serde::{Deserialize, Serialize};

/// Options of an audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditOptions {
    /// The use the licence is checked against.
    pub intended_use: IntendedUse,
    /// Current time in seconds since the Unix epoch (for staleness); `None`
    /// skips that item.
    pub now_unix: Option<i64>,
    /// Items whose outcome severity is at or above this fail the audit.
    pub fail_on: Severity,
    /// Front matter bounds.
    pub yaml: yaml::YamlLimits,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            intended_use: IntendedUse::Commercial,
            now_unix: None,
            fail_on: Severity::High,
            yaml: yaml::YamlLimits::default(),
        }
    }
}

/// The licence as declared and classified.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LicenseReport {
    /// Ids declared in the front matter (`license`), else from `license:` tags.
    pub declared: Vec<String>,
    /// The id judged (the first declared).
    pub id: Option<String>,
    /// Human name from the Hub's table.
    pub name: Option<String>,
    /// Class.
    pub class: Option<LicenseClass>,
    /// SPDX id when one fits.
    pub spdx: Option<String>,
    /// `license_name` (custom licences).
    pub custom_name: Option<String>,
    /// `license_link` (custom licences), made absolute.
    pub link: Option<String>,
    /// What it means for the selected use.
    pub permission: Option<Permission>,
}

/// Downloads and likes: shown as context, never counted as trust.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Popularity {
    /// Downloads in the last 30 days.
    pub downloads: Option<u64>,
    /// Likes.
    pub likes: Option<u64>,
}

/// What the front matter parse found.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FrontMatterReport {
    /// Whether the README has front matter.
    pub present: bool,
    /// Keys given twice (dotted paths); the first value is used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duplicate_keys: Vec<String>,
    /// Why it could not be parsed (the Hub's `cardData` is used instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A heading of the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SectionRef {
    /// Heading text.
    pub title: String,
    /// Heading level.
    pub level: u8,
    /// Link to it on the Hub.
    pub link: String,
    /// Whether it has content beyond placeholders.
    pub has_content: bool,
}

/// The audit of one model at one commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CardAudit {
    /// Repo id.
    pub repo_id: String,
    /// Revision asked for (`None`: default branch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// Commit every file was read at.
    pub sha: String,
    /// Endpoint used.
    pub endpoint: String,
    /// The model's page at that commit.
    pub url: String,
    /// Use the licence was checked against.
    pub intended_use: IntendedUse,
    /// Namespace owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Last commit time (ISO-8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// Task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline_tag: Option<String>,
    /// Library.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub library_name: Option<String>,
    /// Gating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gated: Option<Gating>,
    /// Disabled by the Hub.
    pub disabled: bool,
    /// Context only.
    pub popularity: Popularity,
    /// Licence.
    pub license: LicenseReport,
    /// The checklist, in documented order.
    pub items: Vec<CheckItem>,
    /// 0–100.
    pub score: u8,
    /// A–F.
    pub grade: Grade,
    /// `fail` when an item's outcome is at or above `fail_on`; `error` when
    /// the audit is incomplete; `warn` for lesser problems; else `pass`.
    pub verdict: Verdict,
    /// Threshold used for `verdict`.
    pub fail_on: Severity,
    /// Files at the commit.
    pub files: Vec<FileEntry>,
    /// Whether the list is complete (the tree had no more pages than the limit).
    pub files_complete: bool,
    /// The Hub's repo-level scan status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<RepoSecurity>,
    /// Front matter parse.
    pub front_matter: FrontMatterReport,
    /// Headings of the card.
    pub sections: Vec<SectionRef>,
    /// What could not be fetched or checked; non-empty makes the verdict `error`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incomplete: Vec<String>,
    /// Other remarks (e.g. a truncated card).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl CardAudit {
    /// Items whose outcome is at or above the threshold.
    pub fn failing(&self) -> impl Iterator<Item = &CheckItem> {
        let fail_on = self.fail_on;
        self.items
            .iter()
            .filter(move |i| i.severity.is_some_and(|s| s >= fail_on))
    }
}

/// Audit a snapshot.
pub fn audit(snap: &HubSnapshot, opts: &AuditOptions) -> CardAudit {
    let ctx = checklist::Context::new(snap, opts);
    let items = checklist::evaluate(&ctx);
    let score = score::score(items.iter().map(|i| (i.weight, i.status)));
    let mut incomplete = Vec::new();
    let mut notes = Vec::new();
    for n in &snap.notes {
        let message = n.to_string();
        if !incomplete.contains(&message) {
            incomplete.push(message);
        }
    }
    if let Some(limit) = &ctx.limit_hit {
        incomplete.push(format!("the card's {limit}; it was not read (fail closed)"));
    }
    if let FileFetch::Text {
        truncated: true, ..
    } = snap.readme
    {
        notes.push("the card is larger than the limit; only its beginning was read".to_owned());
    }
    if snap.tree_truncated {
        notes.push(
            "the file list has more pages than the limit; the inventory is partial".to_owned(),
        );
    }
    let worst = items.iter().filter_map(|i| i.severity).max();
    let verdict = if !incomplete.is_empty() {
        Verdict::Error
    } else {
        match worst {
            Some(s) if s >= opts.fail_on => Verdict::Fail,
            Some(s) if s > Severity::Info => Verdict::Warn,
            _ => Verdict::Pass,
        }
    };
    let info = &snap.info;
    CardAudit {
        repo_id: info.id.clone(),
        revision: snap.target.revision.clone(),
        sha: info.sha.clone(),
        endpoint: snap.endpoint.clone(),
        url: format!("{}/{}/tree/{}", snap.endpoint, info.id, info.sha),
        intended_use: opts.intended_use,
        author: info.author.clone(),
        last_modified: info.last_modified.clone(),
        pipeline_tag: info.pipeline_tag.clone(),
        library_name: info.library_name.clone(),
        gated: info.gated.clone(),
        disabled: info.disabled,
        popularity: Popularity {
            downloads: info.downloads,
            likes: info.likes,
        },
        license: ctx.license.clone(),
        grade: Grade::of(score),
        score,
        items,
        verdict,
        fail_on: opts.fail_on,
        files: files::inventory(snap),
        files_complete: !snap.tree_truncated,
        security: info.security.clone(),
        front_matter: ctx.front_matter_report.clone(),
        sections: ctx
            .sections
            .iter()
            .map(|s| SectionRef {
                title: s.title.clone(),
                level: s.level,
                link: ctx.section_link(&s.anchor),
                has_content: s.has_content(),
            })
            .collect(),
        incomplete,
        notes,
    }
}

#[cfg(test)]
mod tests;
