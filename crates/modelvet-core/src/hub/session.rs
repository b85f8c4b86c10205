//! The request/feed state machine that gathers what an audit needs.
//!
//! ```text
//! model info (?blobs=true&securityStatus=true)   -> pins the commit sha
//! tree/<sha>?recursive=true&expand=true           -> Link: rel="next" pages, capped
//! resolve/<sha>/README.md                         -> the card
//! resolve/<sha>/config.json                       -> auto_map (remote code)
//! ```
//!
//! The session never does I/O: [`HubSession::next_request`] says what to send,
//! [`HubSession::feed`] takes the answer. The browser awaits `fetch` between
//! the two; the CLI calls [`run_blocking`] with a [`Transport`].
//!
//! One deadline bounds the whole session ([`HubLimits::deadline_ms`]). The
//! core has no clock: the shell tells the session how long it has been running
//! with [`HubSession::tick`] before asking for a request and again before
//! feeding the answer. Each [`HttpRequest`] carries what is left of the
//! deadline as its `timeout_ms`, so a slow answer cannot outlive it; once the
//! deadline has passed the session fails with [`HubError::DeadlineExceeded`],
//! never with a partial snapshot.

use super::api::{tree_page, ApiError, ModelInfo, RepoFile};
use super::error::HubError;
use super::http::{link_next, origin_of, HttpRequest, HttpResponse, Transport, TransportError};
use super::repo::{encode_path, encode_segment, RepoRef};
use std::collections::{BTreeMap, HashMap};

/// The public Hub.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

/// Bounds on what a session fetches.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct HubLimits {
    /// Tree pages followed (50 entries each with `expand=true`). Default 40.
    pub max_tree_pages: u32,
    /// Largest model-info or tree-page body read. Default 16 MiB.
    pub max_json_bytes: u64,
    /// Largest README read; longer cards are parsed up to this size. Default 1 MiB.
    pub max_readme_bytes: u64,
    /// Largest config.json read. Default 1 MiB.
    pub max_config_bytes: u64,
    /// Time the whole session may take, in milliseconds, measured by the
    /// shell (see [`HubSession::tick`]). Default 120,000 (two minutes).
    pub deadline_ms: u64,
}

/// Default of [`HubLimits::deadline_ms`]: two minutes.
pub const DEFAULT_DEADLINE_MS: u64 = 120_000;

impl Default for HubLimits {
    fn default() -> Self {
        HubLimits {
            max_tree_pages: 40,
            max_json_bytes: 16 * 1024 * 1024,
            max_readme_bytes: 1024 * 1024,
            max_config_bytes: 1024 * 1024,
            deadline_ms: DEFAULT_DEADLINE_MS,
        }
    }
}

/// Where to ask and with which credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubConfig {
    /// Base URL, e.g. `https://huggingface.co` or a mirror.
    pub endpoint: String,
    /// Access token; sent only to the endpoint's origin.
    pub token: Option<String>,
    /// Bounds.
    pub limits: HubLimits,
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            endpoint: DEFAULT_ENDPOINT.to_owned(),
            token: None,
            limits: HubLimits::default(),
        }
    }
}

/// How fetching one optional file went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileFetch {
    /// Not in the repo's file list, so not requested.
    Absent,
    /// Fetched (possibly cut at the size limit).
    Text {
        /// The content, decoded as UTF-8 (lossily).
        text: String,
        /// Whether it was cut at the limit.
        truncated: bool,
    },
    /// Requested but refused or failed; the error says why.
    Failed(HubError),
}

impl FileFetch {
    /// The text, when fetched.
    pub fn text(&self) -> Option<&str> {
        match self {
            FileFetch::Text { text, .. } => Some(text),
            _ => None,
        }
    }
}

/// Everything gathered about one model at one commit.
#[derive(Debug, Clone, PartialEq)]
pub struct HubSnapshot {
    /// What was asked for.
    pub target: RepoRef,
    /// Endpoint used (no trailing slash).
    pub endpoint: String,
    /// Model info at the pinned commit.
    pub info: ModelInfo,
    /// Files: tree entries when the tree could be listed, else siblings.
    pub files: Vec<RepoFile>,
    /// Whether `files` comes from the tree (with per-file scans).
    pub files_from_tree: bool,
    /// Whether the tree had more pages than the limit allowed.
    pub tree_truncated: bool,
    /// README.md at the pinned commit.
    pub readme: FileFetch,
    /// config.json at the pinned commit.
    pub config: FileFetch,
    /// Non-fatal problems (tree listing failed, gated files, ...).
    pub notes: Vec<HubError>,
}

/// Where a session is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// What is being fetched.
    pub step: &'static str,
    /// Requests answered so far.
    pub done: u32,
}

#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Info,
    Tree { url: String, page: u32 },
    Readme,
    Config,
    Done,
    Failed(HubError),
}

/// Gathers a [`HubSnapshot`] through a request/feed loop.
#[derive(Debug, Clone)]
pub struct HubSession {
    config: HubConfig,
    endpoint_origin: String,
    target: RepoRef,
    stage: Stage,
    info: Option<ModelInfo>,
    /// Tree entries by path (the first entry of a path wins), so merging and
    /// lookups stay linear in the number of files.
    tree: BTreeMap<String, RepoFile>,
    tree_ok: bool,
    tree_truncated: bool,
    readme: FileFetch,
    config_file: FileFetch,
    notes: Vec<HubError>,
    answered: u32,
    elapsed_ms: u64,
}

impl HubSession {
    /// A session for `target`; fails only on a malformed endpoint.
    pub fn new(mut config: HubConfig, target: RepoRef) -> Result<HubSession, HubError> {
        let endpoint = config.endpoint.trim().trim_end_matches('/').to_owned();
        let origin = origin_of(&endpoint).ok_or_else(|| HubError::BadEndpoint(endpoint.clone()))?;
        config.endpoint = endpoint;
        config.token = config.token.filter(|t| !t.trim().is_empty());
        Ok(HubSession {
            config,
            endpoint_origin: origin,
            target,
            stage: Stage::Info,
            info: None,
            tree: BTreeMap::new(),
            tree_ok: false,
            tree_truncated: false,
            readme: FileFetch::Absent,
            config_file: FileFetch::Absent,
            notes: Vec::new(),
            answered: 0,
            elapsed_ms: 0,
        })
    }

    /// Tell the session how long it has been running (milliseconds since the
    /// shell started it; time never goes back). Call before
    /// [`Self::next_request`] and again before [`Self::feed`]: once the
    /// deadline has passed, an unfinished session fails with
    /// [`HubError::DeadlineExceeded`] and asks for nothing more.
    pub fn tick(&mut self, elapsed_ms: u64) {
        self.elapsed_ms = self.elapsed_ms.max(elapsed_ms);
        let deadline_ms = self.config.limits.deadline_ms;
        if self.elapsed_ms >= deadline_ms && !self.is_finished() {
            let step = self.progress().step.to_owned();
            self.stage = Stage::Failed(HubError::DeadlineExceeded { deadline_ms, step });
        }
    }

    /// Milliseconds left before the deadline.
    pub fn remaining_ms(&self) -> u64 {
        self.config
            .limits
            .deadline_ms
            .saturating_sub(self.elapsed_ms)
    }

    /// The endpoint in use (no trailing slash).
    pub fn endpoint(&self) -> &str {
        &self.config.endpoint
    }

    /// The request to send next, or `None` when finished (see [`Self::finish`]).
    pub fn next_request(&self) -> Option<HttpRequest> {
        let ep = &self.config.endpoint;
        let repo = &self.target.repo_id;
        let sha = self
            .info
            .as_ref()
            .map(|i| i.sha.as_str())
            .unwrap_or_default();
        let limits = &self.config.limits;
        let (url, max, purpose) = match &self.stage {
            Stage::Info => {
                let base = match &self.target.revision {
                    Some(rev) => format!("{ep}/api/models/{repo}/revision/{}", encode_segment(rev)),
                    None => format!("{ep}/api/models/{repo}"),
                };
                (
                    format!("{base}?blobs=true&securityStatus=true"),
                    limits.max_json_bytes,
                    "model info",
                )
            }
            Stage::Tree { url, .. } => (url.clone(), limits.max_json_bytes, "file list"),
            Stage::Readme => (
                format!("{ep}/{repo}/resolve/{sha}/README.md"),
                limits.max_readme_bytes,
                "model card",
            ),
            Stage::Config => (
                format!("{ep}/{repo}/resolve/{sha}/{}", encode_path("config.json")),
                limits.max_config_bytes,
                "config.json",
            ),
            Stage::Done | Stage::Failed(_) => return None,
        };
        let mut headers = vec![(
            "Accept".to_owned(),
            "application/json, text/plain, */*".to_owned(),
        )];
        if let Some(token) = &self.config.token {
            if origin_of(&url).as_deref() == Some(self.endpoint_origin.as_str()) {
                headers.push(("Authorization".to_owned(), format!("Bearer {token}")));
            }
        }
        Some(HttpRequest {
            method: "GET".to_owned(),
            url,
            headers,
            max_body: max,
            purpose: purpose.to_owned(),
            timeout_ms: Some(self.remaining_ms()),
        })
    }

    /// Where the session is, for a progress display.
    pub fn progress(&self) -> Progress {
        let step = match &self.stage {
            Stage::Info => "model info",
            Stage::Tree { .. } => "file list",
            Stage::Readme => "model card",
            Stage::Config => "config.json",
            Stage::Done => "done",
            Stage::Failed(_) => "failed",
        };
        Progress {
            step,
            done: self.answered,
        }
    }

    /// Whether the session has nothing more to send.
    pub fn is_finished(&self) -> bool {
        matches!(self.stage, Stage::Done | Stage::Failed(_))
    }

    /// Take the answer to the last [`Self::next_request`].
    pub fn feed(&mut self, answer: Result<HttpResponse, TransportError>) {
        let Some(req) = self.next_request() else {
            return;
        };
        self.answered = self.answered.saturating_add(1);
        let with_token = req.headers.iter().any(|(k, _)| k == "Authorization");
        let resp = match answer {
            Ok(r) => r,
            Err(e) => {
                let err = HubError::Network {
                    url: req.url.clone(),
                    message: e.0,
                };
                match self.stage {
                    // Files and extra pages are optional; model info is not.
                    Stage::Info => self.stage = Stage::Failed(err),
                    _ => self.soft_fail(err),
                }
                return;
            }
        };
        let rev = self
            .target
            .revision
            .clone()
            .unwrap_or_else(|| "main".to_owned());
        let path = match self.stage {
            Stage::Readme => Some("README.md"),
            Stage::Config => Some("config.json"),
            _ => None,
        };
        if !(200..300).contains(&resp.status) {
            let err = HubError::from_response(
                &resp,
                &req.url,
                &self.target.repo_id,
                &rev,
                path,
                with_token,
            );
            if matches!(self.stage, Stage::Info) || matches!(err, HubError::RateLimited { .. }) {
                self.stage = Stage::Failed(err);
            } else {
                self.soft_fail(err);
            }
            return;
        }
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Info => self.on_info(&req, &resp),
            Stage::Tree { page, .. } => self.on_tree_page(&req, &resp, page),
            Stage::Readme => {
                self.readme = text_of(resp);
                self.stage = self.after_readme();
            }
            Stage::Config => {
                self.config_file = text_of(resp);
                self.stage = Stage::Done;
            }
            done @ (Stage::Done | Stage::Failed(_)) => self.stage = done,
        }
    }

    /// A non-fatal failure: note it and move on to the next stage.
    fn soft_fail(&mut self, err: HubError) {
        let is_entry_missing = matches!(err, HubError::EntryNotFound { .. });
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Tree { .. } => {
                self.notes.push(err);
                self.tree_ok = false;
                self.tree.clear();
                self.stage = self.after_tree();
            }
            Stage::Readme => {
                self.readme = if is_entry_missing {
                    FileFetch::Absent
                } else {
                    FileFetch::Failed(err)
                };
                self.stage = self.after_readme();
            }
            Stage::Config => {
                self.config_file = if is_entry_missing {
                    FileFetch::Absent
                } else {
                    FileFetch::Failed(err)
                };
                self.stage = Stage::Done;
            }
            other => self.stage = other,
        }
    }

    fn on_info(&mut self, req: &HttpRequest, resp: &HttpResponse) {
        let parsed = if resp.truncated {
            Err(ApiError::InfoTooLarge)
        } else {
            ModelInfo::from_slice(&resp.body)
        };
        match parsed {
            Ok(info) => {
                let ep = &self.config.endpoint;
                let url = format!(
                    "{ep}/api/models/{}/tree/{}?recursive=true&expand=true",
                    self.target.repo_id, info.sha
                );
                self.info = Some(info);
                self.stage = Stage::Tree { url, page: 1 };
            }
            Err(e) => {
                self.stage = Stage::Failed(HubError::InvalidResponse {
                    url: req.url.clone(),
                    message: e.to_string(),
                })
            }
        }
    }

    fn on_tree_page(&mut self, req: &HttpRequest, resp: &HttpResponse, page: u32) {
        let files = if resp.truncated {
            Err(ApiError::TreeTooLarge)
        } else {
            tree_page(&resp.body)
        };
        let files = match files {
            Ok(files) => files,
            Err(e) => {
                self.stage = Stage::Tree {
                    url: req.url.clone(),
                    page,
                };
                self.soft_fail(HubError::InvalidResponse {
                    url: req.url.clone(),
                    message: e.to_string(),
                });
                return;
            }
        };
        for file in files {
            self.tree.entry(file.path.clone()).or_insert(file);
        }
        self.tree_ok = true;
        let next = resp
            .header("Link")
            .and_then(link_next)
            .map(|n| self.absolute(&n));
        self.stage = match next {
            Some(url) if page < self.config.limits.max_tree_pages => Stage::Tree {
                url,
                page: page.saturating_add(1),
            },
            Some(_) => {
                self.tree_truncated = true;
                self.after_tree()
            }
            None => self.after_tree(),
        };
    }

    fn absolute(&self, url: &str) -> String {
        if url.starts_with('/') {
            format!("{}{url}", self.endpoint_origin)
        } else {
            url.to_owned()
        }
    }

    fn listed(&self, path: &str) -> bool {
        if self.tree_ok {
            return self.tree.contains_key(path);
        }
        match &self.info {
            Some(info) if info.has_siblings => info.siblings.iter().any(|f| f.path == path),
            _ => true,
        }
    }

    fn after_tree(&self) -> Stage {
        if self.listed("README.md") {
            Stage::Readme
        } else {
            self.after_readme()
        }
    }

    fn after_readme(&self) -> Stage {
        if self.listed("config.json") {
            Stage::Config
        } else {
            Stage::Done
        }
    }

    /// The snapshot, or the error that stopped the session. Call when
    /// [`Self::next_request`] returns `None`.
    pub fn finish(self) -> Result<HubSnapshot, HubError> {
        if let Stage::Failed(err) = self.stage {
            return Err(err);
        }
        let info = self.info.ok_or_else(|| HubError::InvalidResponse {
            url: self.config.endpoint.clone(),
            message: "the session finished without model info".to_owned(),
        })?;
        let (files, from_tree) = if self.tree_ok {
            (merge_files(self.tree, &info.siblings), true)
        } else {
            (info.siblings.clone(), false)
        };
        let mut notes = self.notes;
        for fetched in [&self.readme, &self.config_file] {
            if let FileFetch::Failed(e) = fetched {
                notes.push(e.clone());
            }
        }
        Ok(HubSnapshot {
            target: self.target,
            endpoint: self.config.endpoint,
            info,
            files,
            files_from_tree: from_tree,
            tree_truncated: self.tree_truncated,
            readme: self.readme,
            config: self.config_file,
            notes,
        })
    }
}

/// Tree entries sorted by path, with LFS hashes and sizes filled from the
/// siblings where the tree lacks them. Linear in the number of files (plus
/// the map's lookups): a repo of 100,000 files merges in milliseconds.
pub(super) fn merge_files(
    tree: BTreeMap<String, RepoFile>,
    siblings: &[RepoFile],
) -> Vec<RepoFile> {
    let mut by_path: HashMap<&str, &RepoFile> = HashMap::with_capacity(siblings.len());
    for s in siblings {
        // The first sibling of a path wins, as in the tree.
        by_path.entry(s.path.as_str()).or_insert(s);
    }
    tree.into_values()
        .map(|mut f| {
            if let Some(s) = by_path.get(f.path.as_str()) {
                f.lfs_sha256 = f.lfs_sha256.take().or_else(|| s.lfs_sha256.clone());
                f.size = f.size.or(s.size);
            }
            f
        })
        .collect()
}

fn text_of(resp: HttpResponse) -> FileFetch {
    FileFetch::Text {
        text: String::from_utf8_lossy(&resp.body).into_owned(),
        truncated: resp.truncated,
    }
}

/// Drive a session to the end with a blocking transport. `elapsed_ms` is the
/// shell's clock: milliseconds since the audit started.
pub fn run_blocking(
    mut session: HubSession,
    transport: &mut dyn Transport,
    mut elapsed_ms: impl FnMut() -> u64,
    mut on_progress: impl FnMut(&HttpRequest),
) -> Result<HubSnapshot, HubError> {
    loop {
        session.tick(elapsed_ms());
        let Some(req) = session.next_request() else {
            break;
        };
        on_progress(&req);
        let answer = transport.send(&req);
        session.tick(elapsed_ms());
        session.feed(answer);
    }
    session.finish()
}
