//! The one registry of every rule modelvet can raise.

use crate::rule::Rule;

/// Every rule, grouped by the family that owns it, in a stable order.
pub fn all() -> Vec<&'static Rule> {
    let families: [&[&'static Rule]; 7] = [
        crate::scan::RULES,
        crate::formats::pickle::RULES,
        crate::formats::archive::RULES,
        crate::formats::numpy::RULES,
        crate::formats::tensors::RULES,
        crate::formats::graphs::RULES,
        crate::formats::repo::RULES,
    ];
    families.into_iter().flatten().copied().collect()
}

/// Look a rule up by id.
pub fn by_id(id: &str) -> Option<&'static Rule> {
    all().into_iter().find(|rule| rule.id == id)
}

/// The index page of `docs/rules/` (kept true by a test).
pub fn render_index() -> String {
    let mut out = String::from(
        "# Rules\n\nEvery finding names one of these rules. Rule ids are stable public API: \
         policies, SARIF output and CI configuration refer to them.\n\n\
         | id | default severity | summary |\n|---|---|---|\n",
    );
    for rule in all() {
        out.push_str(&format!(
            "| [`{id}`]({id}.md) | {sev} | {summary} |\n",
            id = rule.id,
            sev = rule.severity,
            summary = rule.summary
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn rule_ids_are_unique_and_well_formed() {
        let mut seen = BTreeSet::new();
        for rule in all() {
            assert!(crate::rule::is_valid_rule_id(rule.id), "bad id {}", rule.id);
            assert!(seen.insert(rule.id), "duplicate rule id {}", rule.id);
            assert!(!rule.summary.is_empty(), "{} has no summary", rule.id);
            assert!(!rule.docs.trim().is_empty(), "{} has no docs", rule.id);
        }
    }
}
