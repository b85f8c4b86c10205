//! `modelvet verify` against the replay server and against manifests.
//!
//! Two Hub repos: the recorded bert-base-uncased tree at dd4bc8b (real LFS
//! digests of weights these tests cannot produce: used for the listing, the
//! `missing` and the `lfs-pointer` cases) and `acme-research/provenance-demo`,
//! whose tree `tests/fixtures/provenance-demo.tree.json` was written by
//! `tests/fixtures/make_provenance_demo_tree.py` from the same bytes
//! [`demo_files`] builds, so every digest in it is real.

use modelvet_testkit::replay::{standard, Access, Commit, ReplayServer, Repo, Scenario};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

mod common;
use common::Run;

const DEMO_TREE: &str = include_str!("fixtures/provenance-demo.tree.json");
const DEMO_ID: &str = "acme-research/provenance-demo";
/// SYNTHETIC commit of the demo repo.
const DEMO_SHA: &str = "4444444444444444444444444444444444444444";

/// The demo repo's files (the generator script writes the same bytes).
fn demo_files() -> Vec<(&'static str, Vec<u8>)> {
    let mut header = br#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#.to_vec();
    while header.len() % 8 != 0 {
        header.push(b' ');
    }
    let mut weights = (header.len() as u64).to_le_bytes().to_vec();
    weights.extend_from_slice(&header);
    weights.extend_from_slice(&1.0f32.to_le_bytes());
    weights.extend_from_slice(&(-2.0f32).to_le_bytes());
    vec![
        (
            ".gitattributes",
            b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n".to_vec(),
        ),
        (
            "config.json",
            b"{\"model_type\": \"bert\", \"hidden_size\": 2}\n".to_vec(),
        ),
        ("model.safetensors", weights),
        ("tokenizer/vocab.txt", b"[PAD]\n[UNK]\nhello\n".to_vec()),
    ]
}

fn demo_repo() -> Repo {
    let files = demo_files();
    let siblings: Vec<Value> = files.iter().map(|(p, _)| json!({"rfilename": p})).collect();
    let config = files
        .iter()
        .find(|(p, _)| *p == "config.json")
        .map(|(_, b)| b.clone())
        .unwrap_or_default();
    Repo {
        id: DEMO_ID.into(),
        commits: vec![Commit {
            sha: DEMO_SHA.into(),
            info: json!({"id": DEMO_ID, "sha": DEMO_SHA, "siblings": siblings}),
            tree: serde_json::from_str::<Value>(DEMO_TREE)
                .unwrap()
                .as_array()
                .cloned(),
            files: vec![("config.json".into(), config)],
        }],
        refs: vec![("main".into(), DEMO_SHA.into())],
        access: Access::Open,
    }
}

fn serve() -> ReplayServer {
    let mut scenario: Scenario = standard::scenario();
    scenario.repos.push(demo_repo());
    ReplayServer::start(scenario, 0).expect("start replay server")
}

fn write_demo(dir: &Path) {
    for (path, bytes) in demo_files() {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

fn verify(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_modelvet"))
        .arg("verify")
        .arg(dir)
        .args(args)
        .env_remove("HF_ENDPOINT")
        .env_remove("HF_TOKEN")
        .output()
        .expect("run modelvet");
    Run::of(out)
}

fn hub_json(server: &ReplayServer, dir: &Path, repo: &str, extra: &[&str]) -> (i32, Value) {
    let url = server.url();
    let mut args = vec!["--hub", repo, "--endpoint", &url, "--format", "json"];
    args.extend_from_slice(extra);
    let run = verify(dir, &args);
    let report = run.json();
    common::assert_schema_valid(&report, "provenance");
    (run.code, report)
}

fn status(report: &Value, path: &str) -> String {
    report["provenance"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("{path} not in {report:#}"))["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn hub_all_match_at_the_resolved_commit() {
    let server = serve();
    let dir = tempdir();
    write_demo(dir.path());
    let (code, r) = hub_json(&server, dir.path(), DEMO_ID, &[]);
    assert_eq!(code, 0, "{r:#}");
    let p = &r["provenance"];
    assert_eq!(p["verdict"], "pass");
    assert_eq!(p["source"]["kind"], "hub");
    assert_eq!(p["source"]["commit"], DEMO_SHA);
    assert_eq!(status(&r, "config.json"), "match");
    assert_eq!(status(&r, "tokenizer/vocab.txt"), "match");
    assert_eq!(status(&r, "model.safetensors"), "match");
    assert_eq!(p["files"].as_array().unwrap().len(), 3);
    assert_eq!(p["ignored"], json!([".gitattributes"]));
    // LFS files by SHA-256, git files by blob SHA-1.
    let algs: Vec<&str> = p["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["expected"]["algorithm"].as_str().unwrap())
        .collect();
    assert_eq!(algs, ["git-sha1", "sha256", "git-sha1"]);
    // The tree was listed at the commit `main` resolved to.
    assert!(server
        .seen()
        .iter()
        .any(|s| s.target.contains(&format!("/tree/{DEMO_SHA}"))));
    // Text output, pinned revision.
    let url = server.url();
    let run = verify(
        dir.path(),
        &["--hub", &format!("{DEMO_ID}@main"), "--endpoint", &url],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("match        model.safetensors"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("verdict: pass (3 match)"),
        "{}",
        run.stdout
    );
}

#[test]
fn hub_mismatch_names_both_digests() {
    let server = serve();
    let dir = tempdir();
    write_demo(dir.path());
    std::fs::write(
        dir.path().join("tokenizer/vocab.txt"),
        b"[PAD]\n[UNK]\nhellO\n",
    )
    .unwrap();
    let (code, r) = hub_json(
        &server,
        dir.path(),
        DEMO_ID,
        &["--allow-extra", "--allow-missing"],
    );
    assert_eq!(code, 1, "{r:#}");
    let f = r["provenance"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "tokenizer/vocab.txt")
        .unwrap()
        .clone();
    assert_eq!(f["status"], "mismatch");
    assert_eq!(
        f["expected"]["hex"],
        "d1fa58a435b32d6686f3ed0bbe86b7ef42480a57"
    );
    assert_eq!(f["actual"]["algorithm"], "git-sha1");
    assert_ne!(f["actual"]["hex"], f["expected"]["hex"]);
    assert_eq!(r["provenance"]["verdict"], "fail");
    assert_eq!(r["verdict"], "fail");
}

#[test]
fn hub_extra_and_allow_extra() {
    let server = serve();
    let dir = tempdir();
    write_demo(dir.path());
    std::fs::write(dir.path().join("extra.py"), b"print('hi')\n").unwrap();
    let (code, r) = hub_json(&server, dir.path(), DEMO_ID, &[]);
    assert_eq!(code, 1);
    assert_eq!(status(&r, "extra.py"), "extra");
    let (code, r) = hub_json(&server, dir.path(), DEMO_ID, &["--allow-extra"]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(status(&r, "extra.py"), "extra");
}

#[test]
fn hub_missing_and_allow_missing() {
    let server = serve();
    let dir = tempdir();
    write_demo(dir.path());
    std::fs::remove_file(dir.path().join("config.json")).unwrap();
    let (code, r) = hub_json(&server, dir.path(), DEMO_ID, &[]);
    assert_eq!(code, 1);
    assert_eq!(status(&r, "config.json"), "missing");
    let (code, r) = hub_json(&server, dir.path(), DEMO_ID, &["--allow-missing"]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(status(&r, "config.json"), "missing", "still listed");
}

#[test]
fn hub_pointer_stub_of_the_demo_weights() {
    let server = serve();
    let dir = tempdir();
    write_demo(dir.path());
    let weights = &demo_files()[2].1;
    let pointer = format!(
        "version https://git-lfs.github.com/spec/v1\noid sha256:{}\nsize {}\n",
        modelvet_core::hash::sha256_hex(weights),
        weights.len()
    );
    std::fs::write(dir.path().join("model.safetensors"), pointer).unwrap();
    let (code, r) = hub_json(&server, dir.path(), DEMO_ID, &[]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(status(&r, "model.safetensors"), "lfs-pointer");
    let (code, _) = hub_json(&server, dir.path(), DEMO_ID, &["--allow-missing"]);
    assert_eq!(code, 0);
}

#[test]
fn recorded_bert_tree_missing_and_pointer() {
    // Real digests from the recorded tree at dd4bc8b; the local folder holds
    // tf_model.h5's real pointer (http-exchanges.md §2) and a config.json
    // that is not the published one.
    let server = serve();
    let dir = tempdir();
    std::fs::write(
        dir.path().join("tf_model.h5"),
        "version https://git-lfs.github.com/spec/v1\n\
         oid sha256:a7a17d6d844b5de815ccab5f42cad6d24496db3850a2a43d8258221018ce87d2\n\
         size 536063208\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("config.json"), b"{}\n").unwrap();
    let repo = format!("google-bert/bert-base-uncased@{}", standard::BERT_OLD_SHA);
    let (code, r) = hub_json(&server, dir.path(), &repo, &[]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(status(&r, "tf_model.h5"), "lfs-pointer");
    assert_eq!(status(&r, "pytorch_model.bin"), "missing");
    assert_eq!(status(&r, "vocab.txt"), "missing");
    assert_eq!(status(&r, "config.json"), "mismatch");
    assert_eq!(r["provenance"]["source"]["commit"], standard::BERT_OLD_SHA);
    assert_eq!(r["provenance"]["counts"]["missing"], 2);
}

#[test]
fn unreachable_hub_is_exit_2() {
    let dir = tempdir();
    write_demo(dir.path());
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let run = verify(
        dir.path(),
        &[
            "--hub",
            DEMO_ID,
            "--endpoint",
            &endpoint,
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let r = run.json();
    common::assert_schema_valid(&r, "provenance");
    assert_eq!(r["verdict"], "error");
    assert!(r.get("provenance").is_none());
    assert!(!r["errors"].as_array().unwrap().is_empty());
    // An unknown repo is exit 2 too.
    let server = serve();
    let (code, _) = hub_json(&server, dir.path(), "nobody/nothing", &[]);
    assert_eq!(code, 2);
}

#[test]
fn manifest_from_the_system_sha256sum() {
    let Ok(probe) = Command::new("sha256sum").arg("--version").output() else {
        eprintln!("SKIPPED: sha256sum (GNU coreutils) is not installed");
        return;
    };
    assert!(probe.status.success());
    let dir = tempdir();
    write_demo(dir.path());
    // Text mode, binary mode and `./` prefixes, as people write them.
    let out = Command::new("sha256sum")
        .args(["config.json", "./model.safetensors"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let bin = Command::new("sha256sum")
        .args(["-b", "tokenizer/vocab.txt", ".gitattributes"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let mut text = b"# written by sha256sum\n".to_vec();
    text.extend_from_slice(&out.stdout);
    text.extend_from_slice(&bin.stdout);
    let manifest = dir.path().join("SHA256SUMS");
    std::fs::write(&manifest, &text).unwrap();
    let m = manifest.to_str().unwrap();
    // The manifest is inside the folder: it is left out, not an extra.
    let run = verify(dir.path(), &["--manifest", m, "--format", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let r = run.json();
    common::assert_schema_valid(&r, "provenance");
    assert_eq!(r["provenance"]["source"]["format"], "sha256sum");
    assert_eq!(r["provenance"]["counts"]["match"], 3);
    assert_eq!(
        r["provenance"]["ignored"],
        json!([".gitattributes", "SHA256SUMS"])
    );
    // A changed byte is a mismatch.
    std::fs::write(dir.path().join("config.json"), b"{}\n").unwrap();
    let run = verify(dir.path(), &["--manifest", m]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("mismatch     config.json"),
        "{}",
        run.stdout
    );
    // An escaped name (GNU writes `\` before the digest).
    let odd = dir.path().join("odd");
    std::fs::create_dir(&odd).unwrap();
    std::fs::write(odd.join("a\\b.bin"), b"x").unwrap();
    let esc = Command::new("sha256sum")
        .arg("a\\b.bin")
        .current_dir(&odd)
        .output()
        .unwrap();
    assert!(esc.stdout.starts_with(b"\\"), "{:?}", esc.stdout);
    let sums = tempdir();
    let esc_path = sums.path().join("sums");
    std::fs::write(&esc_path, &esc.stdout).unwrap();
    let run = verify(&odd, &["--manifest", esc_path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn json_manifest_and_ignore_paths() {
    let dir = tempdir();
    write_demo(dir.path());
    let files = demo_files();
    let map: serde_json::Map<String, Value> = files
        .iter()
        .map(|(p, b)| (format!("./{p}"), json!(modelvet_core::hash::sha256_hex(b))))
        .collect();
    let sums = tempdir();
    let manifest = sums.path().join("manifest.json");
    std::fs::write(&manifest, serde_json::to_vec(&map).unwrap()).unwrap();
    let m = manifest.to_str().unwrap();
    let run = verify(dir.path(), &["--manifest", m, "--format", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["provenance"]["source"]["format"], "json");
    std::fs::write(dir.path().join("tokenizer/vocab.txt"), b"changed").unwrap();
    assert_eq!(verify(dir.path(), &["--manifest", m]).code, 1);
    let run = verify(
        dir.path(),
        &[
            "--manifest",
            m,
            "--ignore-paths",
            "tokenizer",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.json()["provenance"]["ignored"],
        json!([".gitattributes", "tokenizer/vocab.txt"])
    );
}

#[test]
fn malformed_manifest_is_exit_2() {
    let dir = tempdir();
    write_demo(dir.path());
    let sums = tempdir();
    for (name, text) in [
        ("bad-line", "not a digest line\n"),
        (
            "dotdot",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  ../x\n",
        ),
        ("empty", ""),
        ("bad-json", "{\"a\": 3}"),
    ] {
        let p = sums.path().join(name);
        std::fs::write(&p, text).unwrap();
        let run = verify(
            dir.path(),
            &["--manifest", p.to_str().unwrap(), "--format", "json"],
        );
        assert_eq!(run.code, 2, "{name}: {}{}", run.stdout, run.stderr);
        let r = run.json();
        common::assert_schema_valid(&r, "provenance");
        assert_eq!(r["verdict"], "error", "{name}");
        assert!(run.stderr.contains("not usable"), "{name}: {}", run.stderr);
    }
    let missing = sums.path().join("nope");
    let run = verify(dir.path(), &["--manifest", missing.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    // No source at all is a usage error (clap's exit 2).
    assert_eq!(verify(dir.path(), &[]).code, 2);
}
