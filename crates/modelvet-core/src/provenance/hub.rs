//! Expected digests from a Hub repo's file list at the pinned commit.
//!
//! `lfs.oid` (tree) / `lfs.sha256` (siblings) is the SHA-256 of an LFS or
//! Xet file's content; a plain git file's `oid` / `blobId` is its git blob
//! SHA-1. `xetHash` is a merkle hash of Xet's, not a digest of the bytes, and
//! is never compared. `huggingface_hub`'s own `verify_repo_checksums` makes
//! the same choice.

use super::{normalize_path, Digest, ExpectedFile, ExpectedSet, ProvenanceSource};
use crate::hash::{is_sha1_hex, is_sha256_hex};
use crate::hub::{HubSnapshot, RepoFile};
use std::collections::BTreeMap;

/// The expected set of a snapshot: every file of the tree (or of the
/// siblings when the tree could not be listed). A listing that may be
/// incomplete, and a file without a usable digest, are problems: a check
/// against them cannot pass.
pub fn expected_from_snapshot(snapshot: &HubSnapshot) -> ExpectedSet {
    let mut problems = Vec::new();
    if snapshot.tree_truncated {
        problems.push(
            "the Hub's file list has more pages than the limit: files beyond it are unknown"
                .to_owned(),
        );
    }
    // Without the tree, the siblings (model info with `blobs=true`, which the
    // session asks for) carry the same digests; a file without one is a
    // problem below. Without either, nothing is known.
    if !snapshot.files_from_tree && !snapshot.info.has_siblings {
        let why = snapshot
            .notes
            .first()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        problems.push(format!("the Hub listed no file for this commit{why}"));
    }
    let (files, mut more) = expected_files(&snapshot.files);
    problems.append(&mut more);
    ExpectedSet {
        source: ProvenanceSource::Hub {
            endpoint: snapshot.endpoint.clone(),
            repo_id: snapshot.info.id.clone(),
            revision: snapshot.target.revision.clone(),
            commit: snapshot.info.sha.clone(),
        },
        files,
        problems,
    }
}

/// Expected digests of Hub file entries, and the problems met.
pub fn expected_files(entries: &[RepoFile]) -> (BTreeMap<String, ExpectedFile>, Vec<String>) {
    let mut files = BTreeMap::new();
    let mut problems = Vec::new();
    for f in entries {
        let path = match normalize_path(&f.path) {
            Ok(p) => p,
            Err(e) => {
                problems.push(format!("the Hub lists {:?}: {e}", f.path));
                continue;
            }
        };
        let digest = match (&f.lfs_sha256, &f.git_oid) {
            (Some(lfs), _) if is_sha256_hex(lfs) => Digest::sha256(lfs),
            (Some(lfs), _) => {
                problems.push(format!(
                    "{path}: the Hub's LFS digest {lfs:?} is not a SHA-256"
                ));
                continue;
            }
            (None, Some(oid)) if is_sha1_hex(oid) => Digest::git_sha1(oid),
            _ => {
                problems.push(format!("{path}: the Hub gives no digest to compare with"));
                continue;
            }
        };
        let size = f.size;
        if files
            .insert(path.clone(), ExpectedFile { digest, size })
            .is_some()
        {
            problems.push(format!("the Hub lists {path} twice"));
        }
    }
    (files, problems)
}
