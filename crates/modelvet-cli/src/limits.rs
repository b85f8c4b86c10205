//! `--limits FILE` and the per-limit flags: the limits of a run, in the
//! shape of the report's `settings.limits` (docs/limits.md).

use modelvet_core::{LimitId, Limits};
use std::path::{Path, PathBuf};

/// Limit options shared by `scan` (all of them) and `audit` (the file).
#[derive(Debug, Default, clap::Args)]
pub struct LimitArgs {
    /// Limits file, JSON or TOML, in the shape of the report's
    /// `settings.limits` and any subset of it (see docs/limits.md). The
    /// flags below override it.
    #[arg(long, value_name = "FILE")]
    pub limits: Option<PathBuf>,
    /// Set one limit: `--limit pickle.max_memo=1000000` (repeatable;
    /// overrides --limits).
    #[arg(long = "limit", value_name = "PATH=VALUE")]
    pub limit: Vec<String>,
    /// Wall time for one file, in seconds (`scan.max_seconds`).
    #[arg(long, value_name = "SECS")]
    pub max_seconds: Option<u64>,
    /// Most bytes decompressed for one file, every level of nesting
    /// together (`scan.max_inflated_bytes`).
    #[arg(long, value_name = "BYTES")]
    pub max_inflated_bytes: Option<u64>,
    /// Most decompressed bytes one file holds in memory at once
    /// (`scan.max_held_bytes`).
    #[arg(long, value_name = "BYTES")]
    pub max_held_bytes: Option<u64>,
    /// Deepest nesting of containers (`scan.max_nesting`).
    #[arg(long, value_name = "N")]
    pub max_nesting: Option<u64>,
    /// Most container members visited for one file (`scan.max_members`).
    #[arg(long, value_name = "N")]
    pub max_members: Option<u64>,
}

impl LimitArgs {
    /// The defaults, then the file, then the flags.
    pub fn resolve(&self) -> anyhow::Result<Limits> {
        let mut limits = Limits::default();
        if let Some(path) = &self.limits {
            let doc = read_document(path)?;
            limits
                .apply_json(&doc)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        }
        for flag in &self.limit {
            let (path, value) = flag
                .split_once('=')
                .ok_or_else(|| anyhow::anyhow!("--limit {flag}: expected PATH=VALUE"))?;
            let id = LimitId::from_path(path.trim())
                .ok_or_else(|| anyhow::anyhow!("--limit {flag}: unknown limit `{path}`"))?;
            let value: u64 = value
                .trim()
                .parse()
                .map_err(|e| anyhow::anyhow!("--limit {flag}: {e}"))?;
            limits
                .set(id, value)
                .map_err(|e| anyhow::anyhow!("--limit {flag}: {e}"))?;
        }
        for (value, id, flag) in [
            (self.max_seconds, LimitId::ScanMaxSeconds, "--max-seconds"),
            (
                self.max_inflated_bytes,
                LimitId::ScanMaxInflatedBytes,
                "--max-inflated-bytes",
            ),
            (
                self.max_held_bytes,
                LimitId::ScanMaxHeldBytes,
                "--max-held-bytes",
            ),
            (self.max_nesting, LimitId::ScanMaxNesting, "--max-nesting"),
            (self.max_members, LimitId::ScanMaxMembers, "--max-members"),
        ] {
            if let Some(value) = value {
                limits
                    .set(id, value)
                    .map_err(|e| anyhow::anyhow!("{flag}: {e}"))?;
            }
        }
        Ok(limits)
    }
}

/// Read a limits file: TOML when it is named `.toml`, else JSON.
pub fn read_document(path: &Path) -> anyhow::Result<serde_json::Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read limits file {}: {e}", path.display()))?;
    let toml = path
        .extension()
        .is_some_and(|x| x.eq_ignore_ascii_case("toml"));
    if toml {
        toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("limits file {} is not valid TOML: {e}", path.display()))
    } else {
        serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("limits file {} is not valid JSON: {e}", path.display()))
    }
}
