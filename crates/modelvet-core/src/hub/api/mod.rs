//! The Hub's JSON answers, read leniently: the API adds fields over time and
//! older repos carry odd metadata, so every field is optional and a field of
//! the wrong type is ignored rather than failing the audit.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// `gated` of model info: `false`, `"auto"` or `"manual"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Gating {
    /// Open to everyone.
    No,
    /// Access granted automatically after accepting the terms.
    Auto,
    /// Access granted by the authors after review.
    Manual,
}

/// One file of the repo: from `siblings` (model info) merged with the tree.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RepoFile {
    /// Path in the repo.
    pub path: String,
    /// Size in bytes (the content's size for LFS files).
    pub size: Option<u64>,
    /// SHA-256 of the content for LFS/Xet files (`lfs.sha256` / `lfs.oid`).
    pub lfs_sha256: Option<String>,
    /// Git blob id (of the pointer for LFS files).
    pub git_oid: Option<String>,
    /// The Hub's per-file scan (`securityFileStatus`, tree with `expand=true`).
    pub security: Option<FileSecurity>,
}

/// The Hub's scan of one file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FileSecurity {
    /// `safe`, `unsafe`, `caution`, ...
    pub status: Option<String>,
    /// Names reported by the antivirus scan.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub viruses: Vec<String>,
    /// Highest pickle import safety level: `innocuous`, `suspicious`, `dangerous`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickle_level: Option<String>,
    /// Imports the pickle scan judged not innocuous, as `module.name (safety)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flagged_imports: Vec<String>,
}

/// `securityRepoStatus` (model info with `securityStatus=true`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RepoSecurity {
    /// Whether the Hub finished scanning.
    pub scans_done: bool,
    /// Files the Hub flagged: path and level (`unsafe`, `caution`, ...).
    pub files_with_issues: Vec<(String, String)>,
}

/// The parts of `GET /api/models/{id}` an audit uses.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelInfo {
    /// Repo id as the Hub spells it.
    pub id: String,
    /// The commit the revision resolved to (40 hex).
    pub sha: String,
    /// Namespace owner.
    pub author: Option<String>,
    /// ISO-8601 time of the last commit.
    pub last_modified: Option<String>,
    /// ISO-8601 creation time.
    pub created_at: Option<String>,
    /// Private repo.
    pub private: bool,
    /// Gating.
    pub gated: Option<Gating>,
    /// Disabled by the Hub.
    pub disabled: bool,
    /// Downloads in the last 30 days (context only).
    pub downloads: Option<u64>,
    /// Likes (context only).
    pub likes: Option<u64>,
    /// Hub-computed tags (`license:…`, `arxiv:…`, `dataset:…`, `base_model:…`).
    pub tags: Vec<String>,
    /// Task.
    pub pipeline_tag: Option<String>,
    /// Library.
    pub library_name: Option<String>,
    /// The Hub's parse of the README front matter.
    pub card_data: Option<Value>,
    /// Subset of `config.json`.
    pub config: Option<Value>,
    /// `transformersInfo.custom_class`: loading needs remote code.
    pub custom_class: Option<String>,
    /// Files (`siblings`).
    pub siblings: Vec<RepoFile>,
    /// Whether `siblings` was present at all.
    pub has_siblings: bool,
    /// Repo scan status.
    pub security: Option<RepoSecurity>,
    /// Parameter count computed by the Hub from safetensors headers.
    pub safetensors_params: Option<u64>,
}

/// Whether `s` is a 40-hex commit id.
pub fn is_commit_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Why an answer of the Hub API could not be read. The words are those the
/// audit shows (inside [`super::HubError::InvalidResponse`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The model info was cut at the response size limit.
    #[error("model info is larger than the limit")]
    InfoTooLarge,
    /// The model info is not JSON at all.
    #[error("not JSON: {0}")]
    InfoNotJson(String),
    /// The model info is JSON but not an object.
    #[error("model info is not a JSON object")]
    InfoNotAnObject,
    /// No `sha` string: the revision did not resolve to a commit.
    #[error("model info has no `sha`")]
    NoSha,
    /// A `sha` that is not a commit id.
    #[error("`sha` {0:?} is not a 40-hex commit id")]
    BadSha(String),
    /// Neither `id` nor `modelId`.
    #[error("model info has no `id`")]
    NoId,
    /// A tree page was cut at the response size limit.
    #[error("tree page is larger than the limit")]
    TreeTooLarge,
    /// A tree page that is not a JSON array.
    #[error("not a JSON array: {0}")]
    TreeNotAnArray(String),
}

impl ModelInfo {
    /// Read the body of `GET /api/models/{id}[/revision/{rev}]`.
    pub fn from_slice(body: &[u8]) -> Result<ModelInfo, ApiError> {
        let v = serde_json::from_slice::<Value>(body)
            .map_err(|e| ApiError::InfoNotJson(e.to_string()))?;
        ModelInfo::from_json(&v)
    }

    /// Read model info; `Err` names what is missing or malformed.
    pub fn from_json(v: &Value) -> Result<ModelInfo, ApiError> {
        let wire: InfoWire = object(v).ok_or(ApiError::InfoNotAnObject)?;
        let sha = wire.sha.ok_or(ApiError::NoSha)?;
        if !is_commit_sha(&sha) {
            return Err(ApiError::BadSha(sha));
        }
        let id = wire.id.or(wire.model_id).ok_or(ApiError::NoId)?;
        let gated = wire.gated.map(|g| match g {
            GatedWire::Flag(false) => Gating::No,
            GatedWire::Flag(true) => Gating::Auto,
            GatedWire::Mode(m) if m == "manual" => Gating::Manual,
            GatedWire::Mode(_) => Gating::Auto,
        });
        let has_siblings = wire.siblings.is_some();
        let siblings = wire
            .siblings
            .unwrap_or_default()
            .into_iter()
            .filter_map(|f| {
                Some(RepoFile {
                    path: f.rfilename?,
                    size: f.size,
                    lfs_sha256: f.lfs.and_then(|l| l.sha256),
                    git_oid: f.blob_id,
                    security: None,
                })
            })
            .collect();
        let security = wire.security_repo_status.map(|sec| RepoSecurity {
            scans_done: sec.scans_done.unwrap_or(false),
            files_with_issues: sec
                .files_with_issues
                .unwrap_or_default()
                .into_iter()
                .filter_map(|f| {
                    let level = f.level.unwrap_or_else(|| "unknown".to_owned());
                    Some((f.path?, level))
                })
                .collect(),
        });
        Ok(ModelInfo {
            id,
            sha,
            author: wire.author,
            last_modified: wire.last_modified,
            created_at: wire.created_at,
            private: wire.private.unwrap_or(false),
            gated,
            disabled: wire.disabled.unwrap_or(false),
            downloads: wire.downloads,
            likes: wire.likes,
            tags: wire.tags.unwrap_or_default(),
            pipeline_tag: wire.pipeline_tag,
            library_name: wire.library_name,
            card_data: wire.card_data,
            config: wire.config,
            custom_class: wire
                .transformers_info
                .and_then(|t| t.custom_class)
                .filter(|c| !c.is_empty()),
            siblings,
            has_siblings,
            security,
            safetensors_params: wire.safetensors.and_then(|st| st.total),
        })
    }

    /// Tags with a `prefix:` (e.g. `arxiv`), prefix removed.
    pub fn tag_values(&self, prefix: &str) -> Vec<&str> {
        self.tags
            .iter()
            .filter_map(|t| t.strip_prefix(prefix)?.strip_prefix(':'))
            .collect()
    }
}

/// Read one page of `GET /api/models/{id}/tree/{rev}`: its files, in order
/// (directories and unreadable entries left out).
pub fn tree_page(body: &[u8]) -> Result<Vec<RepoFile>, ApiError> {
    let entries = serde_json::from_slice::<Vec<Value>>(body)
        .map_err(|e| ApiError::TreeNotAnArray(e.to_string()))?;
    Ok(entries.iter().filter_map(tree_file).collect())
}

/// One entry of `GET /api/models/{id}/tree/{rev}`; directories give `None`.
pub fn tree_file(v: &Value) -> Option<RepoFile> {
    let entry: TreeEntryWire = object(v)?;
    if entry.kind.as_deref() != Some("file") {
        return None;
    }
    let security = entry.security_file_status.map(|sec| {
        let pickle = sec.pickle_import_scan;
        let (pickle_level, imports) = match pickle {
            Some(p) => (p.highest_safety_level, p.imports.unwrap_or_default()),
            None => (None, Vec::new()),
        };
        FileSecurity {
            status: sec.status,
            viruses: sec.av_scan.and_then(|a| a.virus_names).unwrap_or_default(),
            pickle_level,
            flagged_imports: imports
                .into_iter()
                .filter_map(|i| {
                    let safety = i.safety?;
                    (safety != "innocuous").then(|| {
                        format!(
                            "{}.{} ({safety})",
                            i.module.unwrap_or_default(),
                            i.name.unwrap_or_default()
                        )
                    })
                })
                .collect(),
        }
    });
    Some(RepoFile {
        path: entry.path?,
        size: entry.size,
        lfs_sha256: entry.lfs.and_then(|l| l.oid),
        git_oid: entry.oid,
        security,
    })
}

// The wire types. Every field is optional and lenient: a field of the wrong
// type reads as absent (`lenient`), a nested object that is not an object
// reads as absent (`lenient_object`), and a list keeps the items of the
// right type (`items`, `object_items`). Nothing here fails but the checks
// above.

/// `GET /api/models/{id}`.
#[derive(Deserialize)]
struct InfoWire {
    #[serde(default, deserialize_with = "lenient")]
    id: Option<String>,
    #[serde(default, rename = "modelId", deserialize_with = "lenient")]
    model_id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    sha: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    author: Option<String>,
    #[serde(default, rename = "lastModified", deserialize_with = "lenient")]
    last_modified: Option<String>,
    #[serde(default, rename = "createdAt", deserialize_with = "lenient")]
    created_at: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    private: Option<bool>,
    #[serde(default, deserialize_with = "lenient")]
    gated: Option<GatedWire>,
    #[serde(default, deserialize_with = "lenient")]
    disabled: Option<bool>,
    #[serde(default, deserialize_with = "lenient")]
    downloads: Option<u64>,
    #[serde(default, deserialize_with = "lenient")]
    likes: Option<u64>,
    #[serde(default, deserialize_with = "items")]
    tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient")]
    pipeline_tag: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    library_name: Option<String>,
    #[serde(default, rename = "cardData", deserialize_with = "object_value")]
    card_data: Option<Value>,
    #[serde(default, deserialize_with = "object_value")]
    config: Option<Value>,
    #[serde(
        default,
        rename = "transformersInfo",
        deserialize_with = "lenient_object"
    )]
    transformers_info: Option<TransformersInfoWire>,
    #[serde(default, deserialize_with = "object_items")]
    siblings: Option<Vec<SiblingWire>>,
    #[serde(
        default,
        rename = "securityRepoStatus",
        deserialize_with = "lenient_object"
    )]
    security_repo_status: Option<RepoSecurityWire>,
    #[serde(default, deserialize_with = "lenient_object")]
    safetensors: Option<SafetensorsWire>,
}

/// `gated`: `false`, `true` (older answers) or the gating mode.
#[derive(Deserialize)]
#[serde(untagged)]
enum GatedWire {
    Flag(bool),
    Mode(String),
}

#[derive(Deserialize)]
struct TransformersInfoWire {
    #[serde(default, deserialize_with = "lenient")]
    custom_class: Option<String>,
}

/// One of `siblings`.
#[derive(Deserialize)]
struct SiblingWire {
    #[serde(default, deserialize_with = "lenient")]
    rfilename: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    size: Option<u64>,
    #[serde(default, deserialize_with = "lenient_object")]
    lfs: Option<SiblingLfsWire>,
    #[serde(default, rename = "blobId", deserialize_with = "lenient")]
    blob_id: Option<String>,
}

#[derive(Deserialize)]
struct SiblingLfsWire {
    #[serde(default, deserialize_with = "lenient")]
    sha256: Option<String>,
}

#[derive(Deserialize)]
struct RepoSecurityWire {
    #[serde(default, rename = "scansDone", deserialize_with = "lenient")]
    scans_done: Option<bool>,
    #[serde(default, rename = "filesWithIssues", deserialize_with = "object_items")]
    files_with_issues: Option<Vec<FileIssueWire>>,
}

#[derive(Deserialize)]
struct FileIssueWire {
    #[serde(default, deserialize_with = "lenient")]
    path: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    level: Option<String>,
}

#[derive(Deserialize)]
struct SafetensorsWire {
    #[serde(default, deserialize_with = "lenient")]
    total: Option<u64>,
}

/// One entry of a tree page.
#[derive(Deserialize)]
struct TreeEntryWire {
    #[serde(default, rename = "type", deserialize_with = "lenient")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    path: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    size: Option<u64>,
    #[serde(default, deserialize_with = "lenient_object")]
    lfs: Option<TreeLfsWire>,
    #[serde(default, deserialize_with = "lenient")]
    oid: Option<String>,
    #[serde(
        default,
        rename = "securityFileStatus",
        deserialize_with = "lenient_object"
    )]
    security_file_status: Option<FileSecurityWire>,
}

#[derive(Deserialize)]
struct TreeLfsWire {
    #[serde(default, deserialize_with = "lenient")]
    oid: Option<String>,
}

#[derive(Deserialize)]
struct FileSecurityWire {
    #[serde(default, deserialize_with = "lenient")]
    status: Option<String>,
    #[serde(default, rename = "avScan", deserialize_with = "lenient_object")]
    av_scan: Option<AvScanWire>,
    #[serde(
        default,
        rename = "pickleImportScan",
        deserialize_with = "lenient_object"
    )]
    pickle_import_scan: Option<PickleScanWire>,
}

#[derive(Deserialize)]
struct AvScanWire {
    #[serde(default, rename = "virusNames", deserialize_with = "items")]
    virus_names: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct PickleScanWire {
    #[serde(default, rename = "highestSafetyLevel", deserialize_with = "lenient")]
    highest_safety_level: Option<String>,
    #[serde(default, deserialize_with = "object_items")]
    imports: Option<Vec<PickleImportWire>>,
}

#[derive(Deserialize)]
struct PickleImportWire {
    #[serde(default, deserialize_with = "lenient")]
    module: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    safety: Option<String>,
}

/// `v` as the wire type `T`, if it is a JSON object. (A derived struct
/// would also accept an array of its fields in order; the Hub never sends
/// one, so neither is read.)
fn object<T: DeserializeOwned>(v: &Value) -> Option<T> {
    if v.is_object() {
        T::deserialize(v).ok()
    } else {
        None
    }
}

/// A value of type `T`, or absent if it has another type.
fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(T::deserialize(&v).ok())
}

/// A nested object, or absent if it is not an object.
fn lenient_object<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Option<T>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(object(&v))
}

/// An object kept as it is (`cardData`, `config`), or absent.
fn object_value<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(v.is_object().then_some(v))
}

/// A list's items of type `T` (the others skipped), or absent if it is not
/// a list.
fn items<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<Vec<T>>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(v.as_array()
        .map(|list| list.iter().filter_map(|i| T::deserialize(i).ok()).collect()))
}

/// A list's object items (the others skipped), or absent if it is not a
/// list.
fn object_items<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Option<Vec<T>>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(v.as_array()
        .map(|list| list.iter().filter_map(object).collect()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
