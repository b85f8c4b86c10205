//! `cargo deny check` over our own dependency graph (licences, advisories,
//! duplicate versions, sources), configured by `deny.toml`.
//!
//! The advisory servers are unreachable from the machines that run the
//! suite, so the RustSec database comes from the snapshot in
//! `../shared/fixtures/rustsec/` when it is there: it is unpacked once into
//! the directory cargo-deny expects under `db-path`, made a git repository
//! (cargo-deny opens the database as one), and the check runs without
//! fetching. Without the snapshot, cargo-deny fetches the database itself.

use crate::cmd;
use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where `deny.toml`'s `db-path` points, relative to the workspace root.
const DB_PATH: &str = "target/advisory-db";

/// The directory cargo-deny derives from the default `db-urls` entry
/// (`https://github.com/rustsec/advisory-db`): the URL's last segment and a
/// hash of the canonical URL.
const DB_DIR: &str = "advisory-db-3157b0e258782691";

pub fn check(root: &Path) -> anyhow::Result<()> {
    // cargo-deny reads the graph through `cargo metadata`, which needs every
    // crate's manifest downloaded.
    cmd::run(cmd::cargo().current_dir(root).args(["fetch", "--locked"]))?;
    let mut deny = Command::new("cargo");
    deny.current_dir(root).args(["deny", "--locked"]);
    match snapshot(root) {
        Some(tarball) => {
            unpack(root, &tarball)?;
            deny.args(["--offline", "check"]);
        }
        None => {
            eprintln!(
                "deny: no advisory snapshot in ../shared/fixtures/rustsec; cargo-deny fetches the database"
            );
            deny.arg("check");
        }
    }
    cmd::run(&mut deny)
}

/// The newest `advisory-db-*.tar.gz` next to the workspace.
fn snapshot(root: &Path) -> Option<PathBuf> {
    let dir = root.join("../shared/fixtures/rustsec");
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("advisory-db-") && n.ends_with(".tar.gz"))
        })
        .collect();
    found.sort();
    found.pop()
}

/// Unpack `tarball` as a one-commit git repository where cargo-deny looks
/// for the database (once per snapshot: a marker names the tarball).
fn unpack(root: &Path, tarball: &Path) -> anyhow::Result<()> {
    let db = root.join(DB_PATH);
    let repo = db.join(DB_DIR);
    let marker = db.join("snapshot");
    let name = tarball
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    if repo.join(".git").is_dir() && std::fs::read_to_string(&marker).ok().as_deref() == Some(&name)
    {
        return Ok(());
    }
    if db.exists() {
        std::fs::remove_dir_all(&db).with_context(|| format!("cannot clear {}", db.display()))?;
    }
    std::fs::create_dir_all(&db)?;
    eprintln!(
        "deny: unpacking {} into {}",
        tarball.display(),
        repo.display()
    );
    cmd::run(
        Command::new("tar")
            .arg("xzf")
            .arg(tarball)
            .arg("-C")
            .arg(&db),
    )?;
    let unpacked = db.join("advisory-db");
    if !unpacked.is_dir() {
        bail!("{} holds no advisory-db/ folder", tarball.display());
    }
    std::fs::rename(&unpacked, &repo)?;
    let git = |args: &[&str]| {
        let mut c = Command::new("git");
        c.current_dir(&repo)
            .args([
                "-c",
                "user.name=modelvet",
                "-c",
                "user.email=modelvet@localhost",
            ])
            .args(["-c", "commit.gpgsign=false"])
            .args(args);
        cmd::run(&mut c)
    };
    git(&["init", "-q", "-b", "main"])?;
    git(&["add", "-A"])?;
    git(&["commit", "-q", "-m", &format!("snapshot {name}")])?;
    std::fs::write(&marker, name)?;
    Ok(())
}
