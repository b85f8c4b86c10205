//! Git LFS pointer files: the real content was not downloaded.

use crate::finding::{abbreviate, Location};
use crate::rule::Rule;
use crate::scan::ScanCtx;

pub use crate::formats::repo::rules::LFS_POINTER;
use serde_json::json;

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
