//! Comparison, paths and Hub listings. Digests are computed here from bytes
//! built in the test, or read from the recorded bert-base-uncased tree
//! (/work/shared/fixtures/hub/bert-base-uncased.tree.dd4bc8b.expand.json).

use super::*;
use crate::hash::{git_blob_sha1_hex, sha256_hex};
use crate::hub::api::tree_file;

const BERT_TREE: &str = include_str!(
    "../../../modelvet-testkit/fixtures/hub/bert-base-uncased.tree.dd4bc8b.expand.json"
);

fn local(path: &str, bytes: &[u8]) -> LocalFile {
    LocalFile {
        path: path.to_owned(),
        size: bytes.len() as u64,
        sha256: Some(sha256_hex(bytes)),
        git_sha1: Some(git_blob_sha1_hex(bytes)),
        lfs_pointer: lfs::parse_pointer(bytes).map(|p| p.sha256),
        unreadable: None,
    }
}

fn manifest_set(entries: &[(&str, &[u8])]) -> ExpectedSet {
    let text: String = entries
        .iter()
        .map(|(p, b)| format!("{}  {p}\n", sha256_hex(b)))
        .collect();
    let m = manifest::parse(text.as_bytes(), &manifest::ManifestLimits::default()).unwrap();
    ExpectedSet::from_manifest("SHA256SUMS", &m)
}

fn status_of(r: &ProvenanceReport, path: &str) -> FileStatus {
    r.files.iter().find(|f| f.path == path).unwrap().status
}

fn bert_snapshot_files() -> Vec<crate::hub::RepoFile> {
    let tree: Vec<serde_json::Value> = serde_json::from_str(BERT_TREE).unwrap();
    tree.iter().filter_map(tree_file).collect()
}

#[test]
fn every_status_against_a_manifest() {
    let set = manifest_set(&[
        ("a.bin", b"alpha"),
        ("dir/b.bin", b"beta"),
        ("gone.bin", b"gamma"),
    ]);
    let locals = [
        local("a.bin", b"alpha"),
        local("dir/b.bin", b"BETA"),
        local("new.bin", b"delta"),
    ];
    let r = compare(&set, &locals, &CompareOptions::default());
    assert_eq!(status_of(&r, "a.bin"), FileStatus::Match);
    assert_eq!(status_of(&r, "dir/b.bin"), FileStatus::Mismatch);
    assert_eq!(status_of(&r, "gone.bin"), FileStatus::Missing);
    assert_eq!(status_of(&r, "new.bin"), FileStatus::Extra);
    let b = r.files.iter().find(|f| f.path == "dir/b.bin").unwrap();
    assert_eq!(b.expected, Some(Digest::sha256(&sha256_hex(b"beta"))));
    assert_eq!(b.actual, Some(Digest::sha256(&sha256_hex(b"BETA"))));
    assert_eq!(r.verdict, ProvenanceVerdict::Fail);
    assert_eq!(r.counts[&FileStatus::Match], 1);
    assert_eq!(r.counts[&FileStatus::LfsPointer], 0);
    let paths: Vec<&str> = r.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["a.bin", "dir/b.bin", "gone.bin", "new.bin"]);
}

#[test]
fn allowances_and_pass() {
    let set = manifest_set(&[("a", b"1"), ("b", b"2")]);
    let locals = [local("a", b"1"), local("c", b"3")];
    let run = |allow_extra, allow_missing| {
        let opts = CompareOptions {
            allow_extra,
            allow_missing,
            ..CompareOptions::default()
        };
        compare(&set, &locals, &opts).verdict
    };
    assert_eq!(run(false, false), ProvenanceVerdict::Fail);
    assert_eq!(run(true, false), ProvenanceVerdict::Fail);
    assert_eq!(run(false, true), ProvenanceVerdict::Fail);
    assert_eq!(run(true, true), ProvenanceVerdict::Pass);
    let all = [local("a", b"1"), local("b", b"2")];
    let r = compare(&set, &all, &CompareOptions::default());
    assert_eq!(r.verdict, ProvenanceVerdict::Pass);
    // A mismatch is never allowed.
    let bad = [local("a", b"1"), local("b", b"x")];
    let opts = CompareOptions {
        allow_extra: true,
        allow_missing: true,
        ..CompareOptions::default()
    };
    assert_eq!(compare(&set, &bad, &opts).verdict, ProvenanceVerdict::Fail);
}

#[test]
fn nothing_compared_is_incomplete() {
    let set = manifest_set(&[("a", b"1")]);
    let opts = CompareOptions {
        allow_missing: true,
        ..CompareOptions::default()
    };
    let r = compare(&set, &[], &opts);
    assert_eq!(r.verdict, ProvenanceVerdict::Incomplete);
    assert_eq!(status_of(&r, "a"), FileStatus::Missing);
}

#[test]
fn unreadable_files_make_it_incomplete() {
    let set = manifest_set(&[("a", b"1"), ("b", b"2")]);
    let mut b = local("b", b"2");
    b.sha256 = None;
    b.unreadable = Some("permission denied".into());
    let r = compare(&set, &[local("a", b"1"), b], &CompareOptions::default());
    assert_eq!(status_of(&r, "b"), FileStatus::Unreadable);
    assert_eq!(r.verdict, ProvenanceVerdict::Incomplete);
    assert!(r.problems.iter().any(|p| p.contains("permission denied")));
}

#[test]
fn hub_tree_lfs_and_git_digests() {
    // The recorded tree: LFS files by content SHA-256, plain files by git blob id.
    let (files, problems) = hub::expected_files(&bert_snapshot_files());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(files.len(), 5);
    assert_eq!(
        files["tf_model.h5"].digest,
        Digest::sha256("a7a17d6d844b5de815ccab5f42cad6d24496db3850a2a43d8258221018ce87d2")
    );
    assert_eq!(files["tf_model.h5"].size, Some(536_063_208));
    assert_eq!(
        files["config.json"].digest,
        Digest::git_sha1("fca794a5f07ff8f963fe8b61e3694b0fb7f955df")
    );
}

#[test]
fn pointer_stubs_and_git_files_against_the_bert_tree() {
    let (files, _) = hub::expected_files(&bert_snapshot_files());
    let set = ExpectedSet {
        source: ProvenanceSource::Manifest {
            name: "bert".into(),
            format: manifest::ManifestFormat::Json,
        },
        files,
        problems: Vec::new(),
    };
    // The real pointer of tf_model.h5 (its git blob id is the tree's `oid`).
    let pointer = b"version https://git-lfs.github.com/spec/v1\n\
oid sha256:a7a17d6d844b5de815ccab5f42cad6d24496db3850a2a43d8258221018ce87d2\n\
size 536063208\n";
    assert_eq!(
        git_blob_sha1_hex(pointer),
        "9eb98c817f04b051b3bcca591bcd4e03cec88018"
    );
    // A pointer to other content is a mismatch, not a stub of this file.
    let other = String::from_utf8_lossy(pointer).replace("a7a17d6d", "00000000");
    let locals = [
        local("tf_model.h5", pointer),
        local("pytorch_model.bin", other.as_bytes()),
        local("config.json", b"{}"),
    ];
    let r = compare(&set, &locals, &CompareOptions::default());
    assert_eq!(status_of(&r, "tf_model.h5"), FileStatus::LfsPointer);
    assert_eq!(status_of(&r, "pytorch_model.bin"), FileStatus::Mismatch);
    let cfg = r.files.iter().find(|f| f.path == "config.json").unwrap();
    assert_eq!(cfg.status, FileStatus::Mismatch);
    assert_eq!(
        cfg.actual,
        Some(Digest::git_sha1(&git_blob_sha1_hex(b"{}")))
    );
    assert_eq!(status_of(&r, "vocab.txt"), FileStatus::Missing);
    // `.gitattributes` is left out by default, on both sides.
    assert!(r.files.iter().all(|f| f.path != ".gitattributes"));
    assert_eq!(r.ignored, [".gitattributes"]);
    assert_eq!(r.verdict, ProvenanceVerdict::Fail);
}

#[test]
fn git_digest_that_was_not_computed_is_unreadable() {
    let (files, _) = hub::expected_files(&bert_snapshot_files());
    let set = ExpectedSet {
        source: ProvenanceSource::Manifest {
            name: "bert".into(),
            format: manifest::ManifestFormat::Json,
        },
        files,
        problems: Vec::new(),
    };
    let mut cfg = local("config.json", b"{}");
    cfg.git_sha1 = None;
    let r = compare(&set, &[cfg], &CompareOptions::default());
    assert_eq!(status_of(&r, "config.json"), FileStatus::Unreadable);
    assert_eq!(r.verdict, ProvenanceVerdict::Incomplete);
}

#[test]
fn hub_entries_without_usable_digests_are_problems() {
    let mut entries = bert_snapshot_files();
    entries.push(crate::hub::RepoFile {
        path: "no-digest.bin".into(),
        ..Default::default()
    });
    entries.push(crate::hub::RepoFile {
        path: "bad-lfs.bin".into(),
        lfs_sha256: Some("xyz".into()),
        ..Default::default()
    });
    entries.push(crate::hub::RepoFile {
        path: "../escape".into(),
        git_oid: Some("fca794a5f07ff8f963fe8b61e3694b0fb7f955df".into()),
        ..Default::default()
    });
    entries.push(entries[1].clone());
    let (files, problems) = hub::expected_files(&entries);
    assert_eq!(files.len(), 5);
    assert_eq!(problems.len(), 4, "{problems:?}");
}

#[test]
fn ignore_paths() {
    let ig = IgnorePaths::new(&["docs", "./model.sig", "sub/dir/"]).unwrap();
    for p in [
        ".git/HEAD",
        ".gitattributes",
        ".github/x.yml",
        ".cache/huggingface/download/a.metadata",
        "docs",
        "docs/a.md",
        "model.sig",
        "sub/dir/x",
    ] {
        assert!(ig.contains(p), "{p}");
    }
    for p in [
        "docsx",
        "a/.gitattributes",
        "model.sig2",
        "sub/directory",
        ".cache/other",
        "x.git",
    ] {
        assert!(!ig.contains(p), "{p}");
    }
    let plain = IgnorePaths::new(&["docs"]).unwrap().without_defaults();
    assert!(!plain.contains(".gitattributes"));
    assert!(plain.contains("docs/a"));
    assert_eq!(
        IgnorePaths::new(&["../x"]).unwrap_err().1,
        PathError::DotDot
    );
}

#[test]
fn paths() {
    assert_eq!(normalize_path("./a/b").unwrap(), "a/b");
    assert_eq!(normalize_path("././a").unwrap(), "a");
    assert_eq!(normalize_path("a/").unwrap(), "a");
    assert_eq!(normalize_path(""), Err(PathError::Empty));
    assert_eq!(normalize_path("./"), Err(PathError::Empty));
    assert_eq!(normalize_path("/a"), Err(PathError::Absolute));
    assert_eq!(normalize_path("a/../b"), Err(PathError::DotDot));
    assert_eq!(normalize_path("a/./b"), Err(PathError::EmptyComponent));
    assert_eq!(normalize_path("a\0b"), Err(PathError::Nul));
    assert_eq!(
        normalize_path(&"a".repeat(MAX_PATH_BYTES + 1)),
        Err(PathError::TooLong)
    );
}

#[test]
fn report_serialises_with_kebab_case_statuses() {
    let set = manifest_set(&[("a", b"1")]);
    let r = compare(&set, &[local("a", b"1")], &CompareOptions::default());
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["verdict"], "pass");
    assert_eq!(v["source"]["kind"], "manifest");
    assert_eq!(v["source"]["format"], "sha256sum");
    assert_eq!(v["files"][0]["status"], "match");
    assert_eq!(v["files"][0]["expected"]["algorithm"], "sha256");
    assert_eq!(v["counts"]["lfs-pointer"], 0);
    let back: ProvenanceReport = serde_json::from_value(v).unwrap();
    assert_eq!(back, r);
}
