//! Generated documentation: one page per rule, the rule index, the JSON
//! Schema of the report and the table of limits (docs/limits.md). The
//! sources of truth are `modelvet_core::rules::all()`, the report types and
//! the limits tree; these files are only ever written from them.

use anyhow::bail;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const RULES_DIR: &str = "docs/rules";
const SCHEMA_PATH: &str = "docs/report.schema.json";
const LIMITS_PATH: &str = "docs/limits.md";

/// The JSON Schema of [`modelvet_core::Report`], as committed.
pub fn report_schema() -> String {
    let schema = schemars::schema_for!(modelvet_core::Report);
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}

/// Every generated file, by path relative to the repository root.
fn generated() -> BTreeMap<PathBuf, String> {
    let mut files = BTreeMap::new();
    for rule in modelvet_core::rules::all() {
        files.insert(PathBuf::from(rule.docs_path()), rule.render_markdown());
    }
    files.insert(
        Path::new(RULES_DIR).join("README.md"),
        modelvet_core::rules::render_index(),
    );
    files.insert(PathBuf::from(SCHEMA_PATH), report_schema());
    files.insert(
        PathBuf::from(LIMITS_PATH),
        modelvet_core::limits::render_markdown(),
    );
    files
}

/// Pages in `docs/rules/` that no rule generates (a rule was removed).
fn stale(root: &Path, files: &BTreeMap<PathBuf, String>) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root.join(RULES_DIR)) else {
        return Vec::new();
    };
    let mut stale: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| Path::new(RULES_DIR).join(e.file_name()))
        .filter(|p| p.extension().is_some_and(|x| x == "md") && !files.contains_key(p))
        .collect();
    stale.sort();
    stale
}

/// `cargo xtask docs`: write every generated file, remove stale rule pages.
pub fn write(root: &Path) -> anyhow::Result<()> {
    let files = generated();
    let mut changed = 0;
    for (rel, content) in &files {
        let path = root.join(rel);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(content.as_str()) {
            continue;
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, content)?;
        eprintln!("docs: wrote {}", rel.display());
        changed += 1;
    }
    for rel in stale(root, &files) {
        std::fs::remove_file(root.join(&rel))?;
        eprintln!("docs: removed {} (no such rule)", rel.display());
        changed += 1;
    }
    eprintln!("docs: {} files generated, {changed} changed", files.len());
    Ok(())
}

/// `cargo xtask docs --check`: fail if any generated file differs.
pub fn check(root: &Path) -> anyhow::Result<()> {
    let files = generated();
    let mut problems = Vec::new();
    for (rel, content) in &files {
        match std::fs::read_to_string(root.join(rel)) {
            Ok(on_disk) if on_disk == *content => {}
            Ok(_) => problems.push(format!("{} is out of date", rel.display())),
            Err(_) => problems.push(format!("{} is missing", rel.display())),
        }
    }
    for rel in stale(root, &files) {
        problems.push(format!("{} belongs to no rule", rel.display()));
    }
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("docs: {p}");
        }
        bail!(
            "{} generated doc files are out of date; regenerate with `cargo xtask docs` and commit them",
            problems.len()
        );
    }
    eprintln!("docs: {} generated files up to date", files.len());
    Ok(())
}
