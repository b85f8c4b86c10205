//! Rules: the stable, documented reasons a finding exists.
//!
//! A rule id (`pickle-dangerous-global`) is public API: policies, SARIF output,
//! suppressions and users' CI configuration refer to it. Ids are kebab-case,
//! prefixed by the family that owns them, never renamed and never reused.
//! Every rule is declared as a `static` next to the scanner that raises it and
//! listed in that module's `RULES`; [`crate::rules::all`] gathers them, and
//! `docs/rules/` is generated from these declarations.

use crate::severity::Severity;

/// A documented reason for a finding.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// Stable kebab-case id, e.g. `pickle-dangerous-global`.
    pub id: &'static str,
    /// Severity of a finding of this rule unless the finding says otherwise.
    pub severity: Severity,
    /// One line: what the rule detects.
    pub summary: &'static str,
    /// Markdown: why it matters, an example, what to do, references.
    pub docs: &'static str,
}

impl Rule {
    /// Path of the rule's page, relative to the repository root.
    pub fn docs_path(&self) -> String {
        format!("docs/rules/{}.md", self.id)
    }

    /// The rule page rendered as Markdown (what `docs/rules/<id>.md` holds).
    pub fn render_markdown(&self) -> String {
        format!(
            "# `{id}`\n\nDefault severity: **{sev}**\n\n{summary}\n\n{docs}\n",
            id = self.id,
            sev = self.severity,
            summary = self.summary,
            docs = self.docs.trim(),
        )
    }
}

/// Whether `id` has the shape of a rule id: lowercase ASCII words joined by `-`.
pub fn is_valid_rule_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
