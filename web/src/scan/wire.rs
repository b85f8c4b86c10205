//! Messages between the page and its scan workers.
//!
//! The page posts a plain JS object `{id, path, file}` (a `File` is
//! structured-cloneable, so no bytes are copied); the worker answers with
//! [`FromWorker`] messages serialised as JSON strings.

use crate::scan::state::RowId;
use modelvet_core::ArtifactScan;
use serde::{Deserialize, Serialize};

/// Property names of the job object the page posts to a worker.
pub mod job {
    /// The row id (a number).
    pub const ID: &str = "id";
    /// The path shown in the report (a string).
    pub const PATH: &str = "path";
    /// The `File` to hash and scan.
    pub const FILE: &str = "file";
    /// The limits in force: the JSON of `settings.limits` (a string).
    pub const LIMITS: &str = "limits";
}

/// What a worker tells the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FromWorker {
    /// The worker's module is loaded and it accepts jobs.
    Ready,
    /// Bytes hashed so far.
    Progress {
        /// The file.
        id: RowId,
        /// Bytes hashed so far.
        hashed: u64,
    },
    /// The whole file has been hashed.
    Hashed {
        /// The file.
        id: RowId,
        /// SHA-256, lowercase hex.
        sha256: String,
    },
    /// The scanners finished; the worker is free again.
    Scanned {
        /// The file.
        id: RowId,
        /// What they found.
        scan: ArtifactScan,
    },
    /// The file could not be read; the worker is free again.
    Failed {
        /// The file.
        id: RowId,
        /// Why.
        message: String,
    },
}

impl FromWorker {
    /// Encode for `postMessage`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            // Only reachable if a fact holds a non-string map key; report it
            // as a failure rather than losing the message.
            let id = self.id().unwrap_or_default();
            format!(
                r#"{{"kind":"failed","id":{id},"message":"result could not be encoded: {}"}}"#,
                e.to_string().replace(['"', '\\'], "'")
            )
        })
    }

    /// Decode a message posted by a worker.
    pub fn from_json(s: &str) -> Result<FromWorker, serde_json::Error> {
        serde_json::from_str(s)
    }

    /// The file the message is about.
    pub fn id(&self) -> Option<RowId> {
        match self {
            FromWorker::Ready => None,
            FromWorker::Progress { id, .. }
            | FromWorker::Hashed { id, .. }
            | FromWorker::Scanned { id, .. }
            | FromWorker::Failed { id, .. } => Some(*id),
        }
    }

    /// Whether the worker is done with its job after this message.
    pub fn ends_job(&self) -> bool {
        matches!(self, FromWorker::Scanned { .. } | FromWorker::Failed { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use modelvet_core::{scan_artifact, ScanOptions, SliceSource};

    #[test]
    fn a_real_scan_survives_the_round_trip() {
        // A text file named like safetensors raises `extension-mismatch`.
        let bytes = b"just some text, not tensors\n";
        let scan = scan_artifact(
            "model.safetensors",
            &mut SliceSource::new(bytes),
            &ScanOptions::default(),
        );
        assert!(scan
            .findings
            .iter()
            .any(|f| f.rule_id == "extension-mismatch"));
        let msg = FromWorker::Scanned {
            id: 7,
            scan: scan.clone(),
        };
        let back = FromWorker::from_json(&msg.to_json()).unwrap();
        assert_eq!(back, msg);
        let FromWorker::Scanned { scan: got, .. } = back else {
            panic!("wrong variant");
        };
        assert_eq!(got, scan);
    }

    #[test]
    fn job_ends_only_on_scanned_or_failed() {
        assert!(!FromWorker::Ready.ends_job());
        assert!(!FromWorker::Progress { id: 1, hashed: 2 }.ends_job());
        let failed = FromWorker::Failed {
            id: 1,
            message: "gone".into(),
        };
        assert!(failed.ends_job());
        assert_eq!(failed.id(), Some(1));
        let json = failed.to_json();
        assert!(json.contains(r#""kind":"failed""#), "{json}");
    }
}
