//! The Hub's JSON answers, read leniently: the API adds fields over time and
//! older repos carry odd metadata, so every field is optional and a field of
//! the wrong type is ignored rather than failing the audit.

use serde::{Deserialize, Serialize};
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

fn s(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// Whether `s` is a 40-hex commit id.
pub fn is_commit_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl ModelInfo {
    /// Read model info; `Err` names what is missing or malformed.
    pub fn from_json(v: &Value) -> Result<ModelInfo, String> {
        if !v.is_object() {
            return Err("model info is not a JSON object".to_owned());
        }
        let sha = s(v, "sha").ok_or("model info has no `sha`")?;
        if !is_commit_sha(&sha) {
            return Err(format!("`sha` {sha:?} is not a 40-hex commit id"));
        }
        let id = s(v, "id")
            .or_else(|| s(v, "modelId"))
            .ok_or("model info has no `id`")?;
        let gated = match v.get("gated") {
            Some(Value::Bool(false)) => Some(Gating::No),
            Some(Value::Bool(true)) => Some(Gating::Auto),
            Some(Value::String(g)) if g == "manual" => Some(Gating::Manual),
            Some(Value::String(_)) => Some(Gating::Auto),
            _ => None,
        };
        let siblings_v = v.get("siblings").and_then(Value::as_array);
        let siblings = siblings_v
            .map(|list| list.iter().filter_map(sibling).collect())
            .unwrap_or_default();
        let security = v.get("securityRepoStatus").and_then(|sec| {
            let obj = sec.as_object()?;
            let files = obj
                .get("filesWithIssues")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .filter_map(|f| {
                            let path = s(f, "path")?;
                            let level = s(f, "level").unwrap_or_else(|| "unknown".to_owned());
                            Some((path, level))
                        })
                        .collect()
                })
                .unwrap_or_default();
            Some(RepoSecurity {
                scans_done: obj
                    .get("scansDone")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                files_with_issues: files,
            })
        });
        Ok(ModelInfo {
            id,
            sha,
            author: s(v, "author"),
            last_modified: s(v, "lastModified"),
            created_at: s(v, "createdAt"),
            private: v.get("private").and_then(Value::as_bool).unwrap_or(false),
            gated,
            disabled: v.get("disabled").and_then(Value::as_bool).unwrap_or(false),
            downloads: v.get("downloads").and_then(Value::as_u64),
            likes: v.get("likes").and_then(Value::as_u64),
            tags: v
                .get("tags")
                .and_then(Value::as_array)
                .map(|t| {
                    t.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            pipeline_tag: s(v, "pipeline_tag"),
            library_name: s(v, "library_name"),
            card_data: v.get("cardData").filter(|c| c.is_object()).cloned(),
            config: v.get("config").filter(|c| c.is_object()).cloned(),
            custom_class: v
                .get("transformersInfo")
                .and_then(|t| s(t, "custom_class"))
                .filter(|c| !c.is_empty()),
            siblings,
            has_siblings: siblings_v.is_some(),
            security,
            safetensors_params: v
                .get("safetensors")
                .and_then(|st| st.get("total"))
                .and_then(Value::as_u64),
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

fn sibling(v: &Value) -> Option<RepoFile> {
    Some(RepoFile {
        path: s(v, "rfilename")?,
        size: v.get("size").and_then(Value::as_u64),
        lfs_sha256: v.get("lfs").and_then(|l| s(l, "sha256")),
        git_oid: s(v, "blobId"),
        security: None,
    })
}

/// One entry of `GET /api/models/{id}/tree/{rev}`; directories give `None`.
pub fn tree_file(v: &Value) -> Option<RepoFile> {
    if v.get("type").and_then(Value::as_str) != Some("file") {
        return None;
    }
    let security = v.get("securityFileStatus").and_then(|sec| {
        if !sec.is_object() {
            return None;
        }
        let viruses = sec
            .get("avScan")
            .and_then(|a| a.get("virusNames"))
            .and_then(Value::as_array)
            .map(|n| {
                n.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let pickle = sec.get("pickleImportScan").filter(|p| p.is_object());
        let flagged_imports = pickle
            .and_then(|p| p.get("imports"))
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|i| {
                        let safety = s(i, "safety")?;
                        (safety != "innocuous").then(|| {
                            format!(
                                "{}.{} ({safety})",
                                s(i, "module").unwrap_or_default(),
                                s(i, "name").unwrap_or_default()
                            )
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(FileSecurity {
            status: s(sec, "status"),
            viruses,
            pickle_level: pickle.and_then(|p| s(p, "highestSafetyLevel")),
            flagged_imports,
        })
    });
    Some(RepoFile {
        path: s(v, "path")?,
        size: v.get("size").and_then(Value::as_u64),
        lfs_sha256: v.get("lfs").and_then(|l| s(l, "oid")),
        git_oid: s(v, "oid"),
        security,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
