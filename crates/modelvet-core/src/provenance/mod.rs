//! Provenance: are these the bytes the publisher released?
//!
//! Sans-I/O. The shell hashes every local file once (SHA-256 and, from the
//! same stream, the git blob SHA-1 — see [`crate::hash::Sha256Stream::with_git_blob`]),
//! builds an [`ExpectedSet`] from a Hub tree ([`hub::expected_from_snapshot`])
//! or a known-good list ([`manifest::parse`]), and [`compare`]s them. Each file
//! gets a [`FileStatus`]; the [`ProvenanceReport`] says whether everything
//! matched, something did not, or the check could not be completed — and a
//! check that did not look at a file never passes it.

pub mod hub;
pub mod lfs;
pub mod manifest;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which hash a digest is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum DigestAlgorithm {
    /// SHA-256 of the content (LFS/Xet files, manifests).
    Sha256,
    /// Git blob id: `sha1("blob <len>\0" + content)` (plain git files).
    GitSha1,
}

/// A digest, lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Digest {
    /// The hash.
    pub algorithm: DigestAlgorithm,
    /// Its value, lowercase hex.
    pub hex: String,
}

impl Digest {
    /// A SHA-256 digest.
    pub fn sha256(hex: &str) -> Digest {
        Digest {
            algorithm: DigestAlgorithm::Sha256,
            hex: hex.to_ascii_lowercase(),
        }
    }

    /// A git blob id.
    pub fn git_sha1(hex: &str) -> Digest {
        Digest {
            algorithm: DigestAlgorithm::GitSha1,
            hex: hex.to_ascii_lowercase(),
        }
    }
}

/// Where the expected digests came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ProvenanceSource {
    /// A Hub repo's file list at a pinned commit.
    Hub {
        /// The endpoint asked.
        endpoint: String,
        /// Repo id.
        repo_id: String,
        /// The revision asked for (`None`: the default branch).
        revision: Option<String>,
        /// The commit it resolved to (40 hex).
        commit: String,
    },
    /// A known-good list.
    Manifest {
        /// The manifest's name as given.
        name: String,
        /// Its syntax.
        format: manifest::ManifestFormat,
    },
}

/// What one file should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedFile {
    /// The digest to match.
    pub digest: Digest,
    /// The content's size, when known.
    pub size: Option<u64>,
}

/// Every file the source lists, by POSIX relative path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedSet {
    /// Where it came from.
    pub source: ProvenanceSource,
    /// Files by path.
    pub files: BTreeMap<String, ExpectedFile>,
    /// Why the list cannot be trusted to be complete (a truncated tree, a
    /// file without a digest): a check against it is incomplete.
    pub problems: Vec<String>,
}

impl ExpectedSet {
    /// The set a manifest describes (every digest a SHA-256).
    pub fn from_manifest(name: &str, m: &manifest::Manifest) -> ExpectedSet {
        ExpectedSet {
            source: ProvenanceSource::Manifest {
                name: name.to_owned(),
                format: m.format,
            },
            files: m
                .entries
                .iter()
                .map(|(path, hex)| {
                    (
                        path.clone(),
                        ExpectedFile {
                            digest: Digest::sha256(hex),
                            size: None,
                        },
                    )
                })
                .collect(),
            problems: Vec::new(),
        }
    }
}

/// One local file, as the shell hashed it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocalFile {
    /// POSIX path relative to the folder verified.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the content (`None`: not hashed).
    pub sha256: Option<String>,
    /// Git blob id of the content (`None`: not computed).
    pub git_sha1: Option<String>,
    /// The content SHA-256 it names when the file is a Git LFS pointer stub.
    pub lfs_pointer: Option<String>,
    /// Why it could not be read, if it could not.
    pub unreadable: Option<String>,
}

/// The outcome for one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum FileStatus {
    /// The local bytes have the expected digest.
    Match,
    /// They do not.
    Mismatch,
    /// Listed by the source, not here.
    Missing,
    /// Here, not listed by the source.
    Extra,
    /// A Git LFS pointer stub to the expected content: the content itself
    /// was never downloaded.
    LfsPointer,
    /// Listed, but the local file could not be read or hashed.
    Unreadable,
}

impl FileStatus {
    /// Every status, in report order.
    pub const ALL: [FileStatus; 6] = [
        FileStatus::Match,
        FileStatus::Mismatch,
        FileStatus::Missing,
        FileStatus::Extra,
        FileStatus::LfsPointer,
        FileStatus::Unreadable,
    ];

    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Match => "match",
            FileStatus::Mismatch => "mismatch",
            FileStatus::Missing => "missing",
            FileStatus::Extra => "extra",
            FileStatus::LfsPointer => "lfs-pointer",
            FileStatus::Unreadable => "unreadable",
        }
    }
}

/// One path's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FileProvenance {
    /// POSIX path relative to the folder verified.
    pub path: String,
    /// Outcome.
    pub status: FileStatus,
    /// What the source lists (absent for `extra`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<Digest>,
    /// What the local bytes hash to, in the same algorithm (absent for
    /// `missing` and `unreadable`; `sha256` for `extra`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<Digest>,
    /// Expected size, when the source gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_size: Option<u64>,
    /// Local size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_size: Option<u64>,
}

/// The overall outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ProvenanceVerdict {
    /// Every file checked matched (extras and missing files only as allowed).
    Pass,
    /// A mismatch, or a missing/extra/pointer file not allowed.
    Fail,
    /// The check could not be completed: it vouches for nothing.
    Incomplete,
}

/// What [`compare`] tolerates and skips.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CompareOptions {
    /// Paths left out on both sides.
    pub ignore: IgnorePaths,
    /// Local files the source does not list do not fail the check.
    pub allow_extra: bool,
    /// Listed files absent here (or only pointer stubs) do not fail the
    /// check; they are still listed.
    pub allow_missing: bool,
}

/// The `provenance` section of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProvenanceReport {
    /// Where the expected digests came from.
    pub source: ProvenanceSource,
    /// Overall outcome.
    pub verdict: ProvenanceVerdict,
    /// Whether extras were tolerated.
    pub allow_extra: bool,
    /// Whether missing files and pointer stubs were tolerated.
    pub allow_missing: bool,
    /// Count of files per status (every status present, possibly 0).
    pub counts: BTreeMap<FileStatus, u64>,
    /// Every path compared, sorted.
    pub files: Vec<FileProvenance>,
    /// Paths left out (on either side), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<String>,
    /// Why the check is incomplete, if it is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// Why a path is not a repo's POSIX relative path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// Empty.
    #[error("an empty path")]
    Empty,
    /// Starts with `/`.
    #[error("an absolute path")]
    Absolute,
    /// Has a `..` component.
    #[error("a `..` component leads out of the folder")]
    DotDot,
    /// Has an empty or `.` component inside.
    #[error("an empty or `.` component")]
    EmptyComponent,
    /// Has a NUL byte.
    #[error("a NUL character")]
    Nul,
    /// Longer than [`MAX_PATH_BYTES`].
    #[error("longer than {MAX_PATH_BYTES} bytes")]
    TooLong,
}

/// Most bytes in one path.
pub const MAX_PATH_BYTES: usize = 4096;

/// A repo's POSIX relative path: leading `./` dropped; `..`, absolute
/// paths, NUL and empty or `.` components refused (a trailing `/` is dropped).
pub fn normalize_path(path: &str) -> Result<String, PathError> {
    let mut p = path;
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.trim_start_matches('/');
    }
    let p = p.strip_suffix('/').unwrap_or(p);
    if path.len() > MAX_PATH_BYTES {
        return Err(PathError::TooLong);
    }
    if p.is_empty() {
        return Err(PathError::Empty);
    }
    if p.starts_with('/') {
        return Err(PathError::Absolute);
    }
    if p.contains('\0') {
        return Err(PathError::Nul);
    }
    for part in p.split('/') {
        match part {
            ".." => return Err(PathError::DotDot),
            "" | "." => return Err(PathError::EmptyComponent),
            _ => {}
        }
    }
    Ok(p.to_owned())
}

/// Paths left out of a check, as the model_signing reference does: exact
/// paths and folder prefixes, plus (unless turned off) git's own files —
/// every top-level name starting with `.git` (`.git/`, `.gitattributes`,
/// `.gitignore`, `.github/`) — and `.cache/huggingface/`, where
/// `huggingface_hub` keeps its download metadata inside a `--local-dir`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnorePaths {
    paths: Vec<String>,
    defaults: bool,
}

impl Default for IgnorePaths {
    fn default() -> Self {
        IgnorePaths {
            paths: Vec::new(),
            defaults: true,
        }
    }
}

impl IgnorePaths {
    /// The defaults plus `paths` (each a file or a folder).
    pub fn new<S: AsRef<str>>(paths: &[S]) -> Result<IgnorePaths, (String, PathError)> {
        let mut out = IgnorePaths::default();
        for p in paths {
            let p = p.as_ref();
            out.paths
                .push(normalize_path(p).map_err(|e| (p.to_owned(), e))?);
        }
        Ok(out)
    }

    /// Without the default `.git*` and `.cache/huggingface` entries.
    pub fn without_defaults(mut self) -> IgnorePaths {
        self.defaults = false;
        self
    }

    /// Whether `path` is left out.
    pub fn contains(&self, path: &str) -> bool {
        let under = |prefix: &str| {
            path == prefix
                || path
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('/'))
        };
        if self.defaults {
            let top = path.split('/').next().unwrap_or_default();
            if top.starts_with(".git") || under(".cache/huggingface") {
                return true;
            }
        }
        self.paths.iter().any(|p| under(p))
    }
}

/// Compare local files with what the source expects.
pub fn compare(
    expected: &ExpectedSet,
    local: &[LocalFile],
    opts: &CompareOptions,
) -> ProvenanceReport {
    let mut files = Vec::new();
    let mut ignored = Vec::new();
    let mut problems = expected.problems.clone();
    let mut seen: BTreeMap<&str, &LocalFile> = BTreeMap::new();
    for f in local {
        if opts.ignore.contains(&f.path) {
            ignored.push(f.path.clone());
        } else if seen.insert(f.path.as_str(), f).is_some() {
            problems.push(format!("{} was given twice", f.path));
        }
    }
    for (path, want) in &expected.files {
        if opts.ignore.contains(path) {
            if !seen.contains_key(path.as_str()) && !ignored.contains(path) {
                ignored.push(path.clone());
            }
            continue;
        }
        let Some(have) = seen.remove(path.as_str()) else {
            files.push(FileProvenance {
                path: path.clone(),
                status: FileStatus::Missing,
                expected: Some(want.digest.clone()),
                actual: None,
                expected_size: want.size,
                actual_size: None,
            });
            continue;
        };
        files.push(check(path, want, have, &mut problems));
    }
    for (path, have) in seen {
        files.push(FileProvenance {
            path: path.to_owned(),
            status: FileStatus::Extra,
            expected: None,
            actual: have.sha256.as_deref().map(Digest::sha256),
            expected_size: None,
            actual_size: Some(have.size),
        });
        if let Some(why) = &have.unreadable {
            problems.push(format!("{path}: {why}"));
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    ignored.sort();
    ignored.dedup();
    let mut counts: BTreeMap<FileStatus, u64> = FileStatus::ALL.iter().map(|&s| (s, 0)).collect();
    for f in &files {
        *counts.entry(f.status).or_insert(0) += 1;
    }
    let n = |s: FileStatus| counts.get(&s).copied().unwrap_or(0);
    let failed = n(FileStatus::Mismatch) > 0
        || (n(FileStatus::Extra) > 0 && !opts.allow_extra)
        || (n(FileStatus::Missing) + n(FileStatus::LfsPointer) > 0 && !opts.allow_missing);
    if !failed && n(FileStatus::Match) == 0 && problems.is_empty() {
        // Everything allowed, nothing checked: it vouches for nothing.
        problems.push("no local file was compared with an expected digest".to_owned());
    }
    let verdict = if !problems.is_empty() || n(FileStatus::Unreadable) > 0 {
        ProvenanceVerdict::Incomplete
    } else if failed {
        ProvenanceVerdict::Fail
    } else {
        ProvenanceVerdict::Pass
    };
    ProvenanceReport {
        source: expected.source.clone(),
        verdict,
        allow_extra: opts.allow_extra,
        allow_missing: opts.allow_missing,
        counts,
        files,
        ignored,
        problems,
    }
}

/// One listed file that is here.
fn check(
    path: &str,
    want: &ExpectedFile,
    have: &LocalFile,
    problems: &mut Vec<String>,
) -> FileProvenance {
    let actual_hex = match want.digest.algorithm {
        DigestAlgorithm::Sha256 => have.sha256.as_deref(),
        DigestAlgorithm::GitSha1 => have.git_sha1.as_deref(),
    };
    let mut out = FileProvenance {
        path: path.to_owned(),
        status: FileStatus::Mismatch,
        expected: Some(want.digest.clone()),
        actual: None,
        expected_size: want.size,
        actual_size: Some(have.size),
    };
    let Some(actual_hex) = actual_hex.filter(|_| have.unreadable.is_none()) else {
        out.status = FileStatus::Unreadable;
        problems.push(match &have.unreadable {
            Some(why) => format!("{path}: {why}"),
            None => format!("{path}: its digest was not computed"),
        });
        return out;
    };
    let actual = Digest {
        algorithm: want.digest.algorithm,
        hex: actual_hex.to_ascii_lowercase(),
    };
    out.status = if actual == want.digest && want.size.is_none_or(|s| s == have.size) {
        FileStatus::Match
    } else if want.digest.algorithm == DigestAlgorithm::Sha256
        && have.lfs_pointer.as_deref() == Some(want.digest.hex.as_str())
    {
        FileStatus::LfsPointer
    } else {
        FileStatus::Mismatch
    };
    out.actual = Some(actual);
    out
}

#[cfg(test)]
mod tests;
