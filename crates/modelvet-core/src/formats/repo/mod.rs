//! The other files of a model repository: code, configs, executables, notebooks, LFS pointers.

use crate::format::{Format, Sniff};
use crate::rule::Rule;
use crate::scan::ScanCtx;
use crate::source::{ByteSource, ReadError};
use serde::{Deserialize, Serialize};

/// Rules raised by this family.
pub const RULES: &[&Rule] = &[];

/// Limits of this family's parsers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RepoLimits {}

/// Recognise this family's formats by content.
pub fn sniff(s: &Sniff<'_>) -> Option<Format> {
    if s.head
        .starts_with(b"version https://git-lfs.github.com/spec/")
    {
        return Some(Format::LfsPointer);
    }
    // Text: valid UTF-8 (allowing a cut multi-byte character at the window end), no NUL.
    let text = match std::str::from_utf8(s.head) {
        Ok(t) => t,
        Err(e) if e.error_len().is_none() && s.len > s.head.len() as u64 => {
            std::str::from_utf8(s.head.get(..e.valid_up_to())?).ok()?
        }
        Err(_) => return None,
    };
    if text.contains('\0') {
        return None;
    }
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if let Some(first) = trimmed.lines().next() {
        if first.starts_with("#!") {
            if first.contains("python") {
                return Some(Format::Python);
            }
            if ["sh", "bash", "zsh", "dash", "ksh"].iter().any(|sh| {
                first.ends_with(&format!("/{sh}"))
                    || first.contains(&format!("/{sh} "))
                    || first.contains(&format!("env {sh}"))
            }) {
                return Some(Format::Shell);
            }
        }
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        if trimmed.starts_with('{') && text.contains("\"cells\"") && text.contains("\"nbformat\"") {
            return Some(Format::Notebook);
        }
        return Some(Format::Json);
    }
    match s.extension().as_str() {
        "py" | "pyi" => Some(Format::Python),
        "sh" | "bash" => Some(Format::Shell),
        _ => Some(Format::Text),
    }
}

/// Whether `head` is a PE file: `MZ` header whose `e_lfanew` points at `PE\0\0`.
pub fn looks_like_pe(head: &[u8]) -> bool {
    let Some(lfanew) = head
        .get(0x3c..0x40)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
    else {
        return false;
    };
    let at = u32::from_le_bytes(lfanew) as usize;
    head.get(at..at.saturating_add(4)) == Some(b"PE\0\0")
}

/// Scan a file of one of this family's formats.
pub fn scan(
    format: Format,
    _src: &mut dyn ByteSource,
    _ctx: &mut ScanCtx<'_>,
) -> Result<Format, ReadError> {
    Ok(format)
}
