//! What the user typed: a repo id (`google-bert/bert-base-uncased`), a repo id
//! with a revision (`org/model@v1.0`), or any Hub URL (model page, `blob`,
//! `resolve`, `tree`, `commit` links, `/api/models/...`).

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::fmt;

/// Longest repo id the Hub accepts (namespace + `/` + name).
const MAX_REPO_ID_LEN: usize = 96 * 2 + 1;
/// Longest revision we accept (branch names are bounded by git; this is generous).
const MAX_REVISION_LEN: usize = 255;

/// A model repository and an optional revision (branch, tag or commit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoRef {
    /// `namespace/name` (or a legacy single-segment name).
    pub repo_id: String,
    /// Branch, tag or commit as given; `None` means the default branch.
    pub revision: Option<String>,
    /// Origin (`https://host[:port]`) of a pasted URL, so the caller can tell
    /// the user when it differs from the configured endpoint.
    pub origin: Option<String>,
}

/// Why a repo reference could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RepoRefError {
    /// Nothing was given.
    #[error(
        "no repository given: expected an id such as `google-bert/bert-base-uncased` or a Hub URL"
    )]
    Empty,
    /// The id has characters or a shape the Hub does not allow.
    #[error("`{0}` is not a valid Hub repo id (letters, digits, `-`, `_`, `.`; at most one `/`; no `--` or `..`)")]
    InvalidId(String),
    /// The revision is empty, too long or has control characters.
    #[error("`{0}` is not a valid revision")]
    InvalidRevision(String),
    /// The URL points at a dataset or a Space, not a model.
    #[error("{kind} are not models: `{url}`")]
    NotAModel {
        /// `datasets` or `spaces`.
        kind: String,
        /// The URL given.
        url: String,
    },
    /// The URL has no repository in its path.
    #[error("no repository in URL `{0}`")]
    NoRepoInUrl(String),
}

impl fmt::Display for RepoRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.revision {
            Some(rev) => write!(f, "{}@{rev}", self.repo_id),
            None => f.write_str(&self.repo_id),
        }
    }
}

impl RepoRef {
    /// Parse a repo id, `id@revision`, or a Hub URL. An explicit `revision`
    /// (from a separate field) wins over one found in the input.
    pub fn parse(input: &str, revision: Option<&str>) -> Result<RepoRef, RepoRefError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(RepoRefError::Empty);
        }
        let mut parsed = if let Some(rest) = strip_scheme(input) {
            parse_url(input, rest)?
        } else {
            let (id, rev) = match input.split_once('@') {
                Some((id, rev)) => (id, Some(rev.to_owned())),
                None => (input, None),
            };
            RepoRef {
                repo_id: id.trim_matches('/').to_owned(),
                revision: rev,
                origin: None,
            }
        };
        if let Some(rev) = revision.map(str::trim).filter(|r| !r.is_empty()) {
            parsed.revision = Some(rev.to_owned());
        }
        validate_repo_id(&parsed.repo_id)?;
        if let Some(rev) = &parsed.revision {
            validate_revision(rev)?;
        }
        Ok(parsed)
    }
}

fn strip_scheme(input: &str) -> Option<&str> {
    let lower = input.get(..8).unwrap_or(input).to_ascii_lowercase();
    if lower.starts_with("https://") {
        input.get(8..)
    } else if lower.starts_with("http://") {
        input.get(7..)
    } else {
        None
    }
}

fn parse_url(url: &str, after_scheme: &str) -> Result<RepoRef, RepoRefError> {
    let without_fragment = after_scheme.split('#').next().unwrap_or_default();
    let without_query = without_fragment.split('?').next().unwrap_or_default();
    let (host, path) = without_query.split_once('/').unwrap_or((without_query, ""));
    let scheme_len = url.len().saturating_sub(after_scheme.len());
    let origin = format!(
        "{}{}",
        url.get(..scheme_len)
            .unwrap_or("https://")
            .to_ascii_lowercase(),
        host.to_ascii_lowercase()
    );
    let mut segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segs.first() == Some(&"api") {
        segs.remove(0);
        if segs.first() == Some(&"models") {
            segs.remove(0);
        }
    }
    if let Some(kind @ ("datasets" | "spaces")) = segs.first().copied() {
        return Err(RepoRefError::NotAModel {
            kind: kind.to_owned(),
            url: url.to_owned(),
        });
    }
    if segs.first() == Some(&"models") {
        segs.remove(0);
    }
    const ACTIONS: [&str; 7] = [
        "blob", "resolve", "tree", "commit", "raw", "revision", "edit",
    ];
    let action_at = segs.iter().position(|s| ACTIONS.contains(s));
    let id_segs = match action_at {
        Some(i) => segs.get(..i).unwrap_or_default(),
        None => segs.get(..segs.len().min(2)).unwrap_or_default(),
    };
    if id_segs.is_empty() || id_segs.len() > 2 {
        return Err(RepoRefError::NoRepoInUrl(url.to_owned()));
    }
    let repo_id = id_segs.join("/");
    let revision = action_at
        .and_then(|i| segs.get(i.saturating_add(1)))
        .map(|rev| percent_decode(rev));
    Ok(RepoRef {
        repo_id,
        revision,
        origin: Some(origin),
    })
}

fn validate_repo_id(id: &str) -> Result<(), RepoRefError> {
    let bad = || RepoRefError::InvalidId(id.to_owned());
    if id.is_empty() || id.len() > MAX_REPO_ID_LEN || id.contains("--") || id.contains("..") {
        return Err(bad());
    }
    let parts: Vec<&str> = id.split('/').collect();
    if parts.len() > 2 {
        return Err(bad());
    }
    for part in parts {
        let ok_chars = part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        let edges_ok = !part.starts_with(['-', '.']) && !part.ends_with(['-', '.']);
        if part.is_empty() || part.len() > 96 || !ok_chars || !edges_ok {
            return Err(bad());
        }
    }
    Ok(())
}

fn validate_revision(rev: &str) -> Result<(), RepoRefError> {
    if rev.is_empty() || rev.len() > MAX_REVISION_LEN || rev.chars().any(char::is_control) {
        return Err(RepoRefError::InvalidRevision(rev.to_owned()));
    }
    Ok(())
}

/// What a path segment keeps as it is: the RFC 3986 unreserved characters
/// (letters, digits, `-._~`); everything else is escaped.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A file path: segments as [`SEGMENT`], `/` kept between them.
const PATH: &AsciiSet = &SEGMENT.remove(b'/');

/// Decode `%XX` escapes; invalid escapes are kept as they are, and bytes
/// that are not UTF-8 become U+FFFD.
pub fn percent_decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Encode one path segment: everything but RFC 3986 unreserved characters.
pub fn encode_segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// Encode a file path: each `/`-separated segment on its own.
pub fn encode_path(path: &str) -> String {
    utf8_percent_encode(path, PATH).to_string()
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used)]
mod tests;
