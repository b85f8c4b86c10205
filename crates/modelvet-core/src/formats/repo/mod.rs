//! The other files of a model repository: code, configs, executables, notebooks, LFS pointers.
//!
//! Weights are not the only way into a pipeline: `trust_remote_code=True`
//! runs a repository's Python, `auto_map` decides which Python, chat
//! templates are rendered by servers, setup scripts are run by people, and a
//! pointer file left by a clone without Git LFS means the weights were never
//! seen. Plain text and JSON without any of this pass without findings.

use crate::finding::Location;
use crate::format::{self, Format, Sniff};
use crate::rule::Rule;
use crate::scan::ScanCtx;
use crate::source::{read_window, ByteSource, ReadError};
use serde::{Deserialize, Serialize};

pub mod config;
pub mod executable;
pub mod lfs;
pub mod notebook;
mod pyast;
pub mod python;
pub mod rules;
pub mod shell;

/// Rules raised by this family.
pub const RULES: &[&Rule] = &[
    &python::PYTHON_CUSTOM_CODE,
    &python::PYTHON_DANGEROUS_CALL,
    &python::PYTHON_UNPARSED,
    &config::CONFIG_REMOTE_CODE,
    &config::JSON_MALFORMED,
    &shell::SHELL_REMOTE_EXEC,
    &shell::SHELL_DOWNLOAD,
    &executable::REPO_EXECUTABLE,
    &lfs::LFS_POINTER,
];

/// Limits of this family's parsers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct RepoLimits {
    /// Most bytes of a Python or shell file read. Default 8 MiB.
    pub max_text_bytes: u64,
    /// Largest JSON document (config, notebook) parsed; checked before reading. Default 16 MiB.
    pub max_json_bytes: u64,
    /// Most values in one JSON document. Default 2,000,000.
    pub max_json_nodes: u64,
    /// Most code cells of a notebook scanned. Default 10,000.
    pub max_notebook_cells: u64,
}

impl Default for RepoLimits {
    fn default() -> Self {
        RepoLimits {
            max_text_bytes: 8 * 1024 * 1024,
            max_json_bytes: 16 * 1024 * 1024,
            max_json_nodes: 2_000_000,
            max_notebook_cells: 10_000,
        }
    }
}

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
    // Jinja templates start with `{{` or `{%` and are not JSON; neither are
    // text files such as Keras vocabularies (`[UNK]` on the first line).
    if matches!(s.extension().as_str(), "jinja" | "j2" | "txt") {
        return Some(Format::Text);
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

/// Read a text file up to `repo.max_text_bytes` (reporting the limit if the
/// file is longer; the prefix is still scanned).
fn read_text(src: &mut dyn ByteSource, ctx: &mut ScanCtx<'_>) -> Result<String, ReadError> {
    let max = ctx.limits().repo.max_text_bytes;
    let bytes = read_window(src, 0, max)?;
    if src.len() > max {
        ctx.limit_hit(
            crate::LimitId::RepoMaxTextBytes,
            max,
            &format!("in a {}-byte file", src.len()),
        );
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Read a JSON document whole, if within `repo.max_json_bytes`.
fn read_json(
    src: &mut dyn ByteSource,
    ctx: &mut ScanCtx<'_>,
) -> Result<Option<Vec<u8>>, ReadError> {
    let max = ctx.limits().repo.max_json_bytes;
    if src.len() > max {
        ctx.limit_hit(
            crate::LimitId::RepoMaxJsonBytes,
            max,
            &format!("by a {}-byte JSON file", src.len()),
        );
        return Ok(None);
    }
    read_window(src, 0, max).map(Some)
}

/// Scan a file of one of this family's formats.
pub fn scan(
    format: Format,
    src: &mut dyn ByteSource,
    ctx: &mut ScanCtx<'_>,
) -> Result<Format, ReadError> {
    let name = format::file_name(ctx.current_name()).to_owned();
    match format {
        Format::Elf | Format::Pe | Format::MachO => {
            let head = read_window(src, 0, 64)?;
            executable::scan(format, &head, ctx);
        }
        Format::LfsPointer => {
            let head = read_window(src, 0, 1024)?;
            lfs::scan(&String::from_utf8_lossy(&head), ctx);
        }
        Format::Python => {
            let text = read_text(src, ctx)?;
            python::scan_source(&text, ctx, true);
        }
        Format::Shell => {
            let text = read_text(src, ctx)?;
            let lines = text.lines().enumerate().map(|(n, l)| (n as u64 + 1, l));
            shell::scan_lines(lines, ctx, &|line| Location::Line { line });
        }
        Format::Notebook => {
            if let Some(bytes) = read_json(src, ctx)? {
                notebook::scan(&bytes, ctx);
            }
        }
        Format::Json => {
            if let Some(bytes) = read_json(src, ctx)? {
                config::scan_json(&bytes, &name, ctx);
            }
        }
        Format::Text if matches!(format::extension(&name).as_str(), "jinja" | "j2") => {
            // `chat_template.jinja`: transformers' separate chat-template file.
            let text = read_text(src, ctx)?;
            crate::formats::chat_template::check(&text, Location::File, ctx);
        }
        _ => {}
    }
    Ok(format)
}
