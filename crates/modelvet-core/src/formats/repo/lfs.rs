//! Git LFS pointer files: the real content was not downloaded.

use crate::finding::{abbreviate, Location};
use crate::rule::Rule;
use crate::scan::ScanCtx;
use crate::severity::Severity;
use serde_json::json;

/// A pointer stands where content should be.
pub static LFS_POINTER: Rule = Rule {
    id: "lfs-pointer",
    severity: Severity::Medium,
    summary: "A Git LFS pointer stands where the file's content should be: the real file was not scanned.",
    docs: r#"
## Why it matters
Cloning a model repository without `git lfs` leaves small text pointers
(`version https://git-lfs.github.com/spec/v1`, `oid sha256:…`, `size …`) in place of the
weights. Scanning the pointer says nothing about the weights, whose hash cannot be
checked either.

## What to do
Fetch the content (`git lfs pull`, or download the file from the hub) and scan again;
compare its SHA-256 with the pointer's `oid`.
"#,
};

/// Rules of the LFS scanner.
pub const RULES: &[&Rule] = &[&LFS_POINTER];

/// Scan a pointer file's text.
pub fn scan(text: &str, ctx: &mut ScanCtx<'_>) {
    let mut oid = None;
    let mut size = None;
    for line in text.lines().take(16) {
        if let Some(v) = line.strip_prefix("oid ") {
            oid = Some(abbreviate(v.trim(), 80));
        } else if let Some(v) = line.strip_prefix("size ") {
            size = v.trim().parse::<u64>().ok();
        }
    }
    ctx.fact("lfs.pointer", json!({"oid": oid, "size": size}));
    let msg = format!(
        "Git LFS pointer to {} ({} bytes): the real content was not downloaded, so it was not scanned and its hash cannot be checked",
        oid.as_deref().unwrap_or("an unknown object"),
        size.map_or_else(|| "unknown".to_owned(), |s| s.to_string()),
    );
    let f = ctx.finding(&LFS_POINTER, Location::File, msg);
    ctx.push(f.with_help("run `git lfs pull` (or download the file) and scan again"));
}
