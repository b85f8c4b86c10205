//! Native executables and libraries (ELF, PE, Mach-O) in a model repository.

use crate::finding::Location;
use crate::format::Format;
use crate::rule::Rule;
use crate::scan::ScanCtx;

pub use crate::formats::repo::rules::REPO_EXECUTABLE;
use serde_json::json;

/// Rules of the executable scanner.
pub const RULES: &[&Rule] = &[&REPO_EXECUTABLE];

/// What kind of binary `head` is, for the message.
fn describe(format: Format, head: &[u8]) -> String {
    match format {
        Format::Elf => {
            let class = match head.get(4) {
                Some(1) => "32-bit",
                Some(2) => "64-bit",
                _ => "unknown-class",
            };
            let e_type = head
                .get(16..18)
                .and_then(|b| <[u8; 2]>::try_from(b).ok())
                .map(u16::from_le_bytes);
            let kind = match e_type {
                Some(2) => "executable",
                Some(3) => "shared object or PIE executable",
                Some(1) => "relocatable object",
                _ => "file",
            };
            format!("{class} ELF {kind}")
        }
        Format::Pe => "Windows PE executable or DLL".into(),
        Format::MachO => "Mach-O executable or library".into(),
        other => other.to_string(),
    }
}

/// Report a binary.
pub fn scan(format: Format, head: &[u8], ctx: &mut ScanCtx<'_>) {
    let what = describe(format, head);
    ctx.fact("executable.kind", json!(what));
    let f = ctx.finding(
        &REPO_EXECUTABLE,
        Location::File,
        format!("{what} in the model repository"),
    );
    ctx.push(f.with_help(
        "model repositories should not ship binaries; remove it or rebuild it from reviewed source",
    ));
}
