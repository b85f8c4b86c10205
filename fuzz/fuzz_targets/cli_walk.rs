//! The CLI's walk over a folder built from the input: nested folders,
//! files, links (inside the folder, out of it, to themselves, broken) and
//! named pipes. The walk must end (a pipe inside a folder is never opened),
//! list every regular file of the folder exactly once, flag every link that
//! leaves it, and turn everything else into a problem, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelvet_cli::files::{walk, ExternalSymlinks, Found, Spools, WalkOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Names are drawn from a small alphabet so that operations meet each other.
fn name(b: u8) -> String {
    ["a", "b", "c", "d.pkl", "e.bin", "f"][usize::from(b % 6)].to_owned()
}

fn build(root: &Path, outside: &Path, data: &[u8]) -> BTreeMap<PathBuf, ()> {
    let mut files = BTreeMap::new();
    let mut dirs = vec![root.to_path_buf()];
    for op in data.chunks(3).take(40) {
        let [kind, a, b] = [op.first(), op.get(1), op.get(2)].map(|x| x.copied().unwrap_or(0));
        let parent = dirs[usize::from(a) % dirs.len()].clone();
        let path = parent.join(name(b));
        if path.symlink_metadata().is_ok() {
            continue;
        }
        match kind % 6 {
            0 => {
                if std::fs::create_dir(&path).is_ok() {
                    dirs.push(path);
                }
            }
            1 => {
                if std::fs::write(&path, [b; 3]).is_ok() {
                    files.insert(path, ());
                }
            }
            2 => {
                let target = dirs[usize::from(b) % dirs.len()].clone();
                let _ = std::os::unix::fs::symlink(target, &path);
            }
            3 => {
                let _ = std::os::unix::fs::symlink(outside, &path);
            }
            4 => {
                let _ = std::os::unix::fs::symlink(root.join("missing"), &path);
            }
            _ => {
                let _ = std::process::Command::new("mkfifo").arg(&path).status();
            }
        }
    }
    files
}

fuzz_target!(|data: &[u8]| {
    let Ok(tmp) = tempfile::tempdir() else { return };
    let root = tmp.path().join("root");
    let outside = tmp.path().join("outside.bin");
    if std::fs::create_dir(&root).is_err() || std::fs::write(&outside, b"x").is_err() {
        return;
    }
    let files = build(&root, &outside, data);
    for refuse in [false, true] {
        let opts = WalkOptions {
            external_symlinks: if refuse { ExternalSymlinks::Refuse } else { ExternalSymlinks::Follow },
            max_stream_bytes: 1 << 20,
        };
        let mut listed: BTreeMap<PathBuf, usize> = BTreeMap::new();
        let mut spools = Spools::default();
        walk(&[root.clone()], opts, &mut spools, |found| match found {
            Found::File(t) => {
                // Every link out of the folder is flagged (the only such
                // target is `outside.bin`); nothing else is.
                let real = std::fs::canonicalize(&t.path).unwrap_or_default();
                assert_eq!(t.outside_link.is_some(), real == std::fs::canonicalize(&outside).unwrap_or_default());
                assert!(!refuse || t.outside_link.is_none());
                *listed.entry(t.path).or_default() += 1;
            }
            Found::Problem { message, .. } => assert!(!message.is_empty()),
        });
        // Every regular file made directly is listed exactly once.
        for f in files.keys() {
            assert_eq!(listed.get(f), Some(&1), "{f:?} listed {:?}", listed.get(f));
        }
    }
});
