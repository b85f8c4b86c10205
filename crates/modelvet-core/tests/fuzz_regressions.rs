//! Replays `fuzz/regressions/<target>/`: every crash, bomb and hang fuzzing
//! found, and hand-made hostile inputs, run through the same harness as the
//! fuzz target (`fuzz/harness.rs`), plus large hostile inputs generated here.
//!
//! Each input must end without a panic, within [`MAX_SECONDS`], and (on
//! Linux) with the peak resident memory of this test process under the fuzz
//! runs' `-rss_limit_mb` ([`MAX_RSS_MB`]). The harness itself checks that the
//! output is bounded (decoders within their cap, findings within the limit).

#[path = "../../../fuzz/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The fuzz runs' `-rss_limit_mb` (see `cargo xtask fuzz`).
const MAX_RSS_MB: u64 = 2048;
/// The fuzz runs' `-timeout` is 10 s on an optimised build; tests are built
/// with less optimisation and share the machine, so allow more.
const MAX_SECONDS: u64 = 30;

fn regressions() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions")
}

/// Peak resident memory of this process (`VmHWM`), where Linux reports it.
fn peak_rss_mb() -> Option<u64> {
    #[allow(clippy::disallowed_methods)] // a test may read /proc
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kb / 1024)
}

fn replay(target: &str, name: &str, data: &[u8]) {
    #[allow(clippy::disallowed_methods)] // tests may read the clock
    let started = Instant::now();
    assert!(
        harness::run(target, data),
        "fuzz/regressions/{target}/ has no harness in fuzz/harness.rs"
    );
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(MAX_SECONDS),
        "{target}/{name} took {took:?}"
    );
    if let Some(mb) = peak_rss_mb() {
        assert!(
            mb < MAX_RSS_MB,
            "{target}/{name}: peak memory {mb} MiB, over {MAX_RSS_MB} MiB"
        );
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|it| it.filter_map(|e| Some(e.ok()?.path())).collect())
        .unwrap_or_default();
    out.retain(|p| p.is_file());
    out.sort();
    out
}

/// Large hostile inputs, made here rather than committed.
fn generated() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let zeros = vec![0u8; 64 << 20];
    let deflated = miniz_oxide::deflate::compress_to_vec(&zeros, 6);
    let mut gzip_bomb = b"\x1f\x8b\x08\0\0\0\0\0\0\xff".to_vec();
    gzip_bomb.extend_from_slice(&deflated);
    gzip_bomb.extend_from_slice(&[0; 8]);

    let mut zlib_bomb = b"\x78\x9c".to_vec();
    zlib_bomb.extend_from_slice(&deflated);

    // Ten thousand empty gzip members, one after another.
    let empty_member = harness::gzip(b"");
    let many_members = empty_member.repeat(10_000);

    let lz4_bomb = {
        use std::io::Write;
        let mut enc = lz4_flex::frame::FrameEncoder::new(Vec::new());
        let _ = enc.write_all(&zeros);
        enc.finish().unwrap_or_default()
    };

    // Ten thousand zstd skippable frames.
    let skippable = b"\x50\x2a\x4d\x18\x04\0\0\0abcd".repeat(10_000);

    // A tar of 20,000 empty members (the header checksums are fixed up by the harness).
    let mut header = vec![0u8; 512];
    header[..5].copy_from_slice(b"empty");
    header[124..136].copy_from_slice(b"00000000000\0");
    header[156] = b'0';
    let many_entries = header.repeat(20_000);

    // A Hub tree that always has a next page.
    let mut paging = b"\x00\nfuzz/model\n\x00".to_vec();
    for i in 0..100 {
        paging.extend_from_slice(
            format!("\n\x00</api/models/fuzz/model/tree/x?cursor={i}>; rel=\"next\"").as_bytes(),
        );
    }

    let mut joblib_bomb = vec![0u8]; // harness mode 0: the bytes as they are
    joblib_bomb.extend_from_slice(&harness::zf(64 << 20, false, &zlib_bomb));

    // `os.path.os.path....system`: a real path (posixpath has `os`) of more
    // attribute steps than the resolver walks (dotted, harness mode 0), and
    // one within (module and name, mode 1).
    let long_chain = [b"\0".as_slice(), &b"os.path.".repeat(8_000), b"system"].concat();
    let walked_chain = [b"\x01os\0".as_slice(), &b"path.os.".repeat(200), b"system"].concat();

    vec![
        ("pynames", "os-path-16001-steps", long_chain),
        ("pynames", "os-path-401-steps", walked_chain),
        ("gzip", "bomb-64MiB-of-zeros.gz", gzip_bomb),
        ("gzip", "ten-thousand-empty-members.gz", many_members),
        ("lz4", "bomb-64MiB-of-zeros.lz4", lz4_bomb),
        ("zstd", "ten-thousand-skippable-frames.zst", skippable),
        ("tar", "twenty-thousand-entries.tar", many_entries),
        ("hub_links", "endless-next-links", paging),
        ("joblib", "zf-bomb-64MiB-of-zeros", joblib_bomb),
    ]
}

#[test]
fn every_regression_replays_within_bounds() {
    let root = regressions();
    let mut replayed = 0;
    for dir in dirs(&root) {
        let target = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        for file in files(&dir) {
            #[allow(clippy::disallowed_methods)] // a test may read its fixtures
            let data = std::fs::read(&file).unwrap_or_default();
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("?");
            if name == "README.md" {
                continue;
            }
            replay(&target, name, &data);
            replayed += 1;
        }
    }
    for (target, name, data) in generated() {
        replay(target, name, &data);
        replayed += 1;
    }
    assert!(replayed > 40, "only {replayed} inputs replayed");
}

/// Every target of the harness has a regression folder, and every folder a target.
#[test]
fn folders_match_the_targets() {
    let folders: Vec<String> = dirs(&regressions())
        .iter()
        .filter_map(|d| Some(d.file_name()?.to_str()?.to_owned()))
        .collect();
    let mut targets: Vec<String> = harness::TARGETS.iter().map(|t| (*t).to_owned()).collect();
    targets.sort();
    assert_eq!(folders, targets);
}

fn dirs(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|it| it.filter_map(|e| Some(e.ok()?.path())).collect())
        .unwrap_or_default();
    out.retain(|p| p.is_dir());
    out.sort();
    out
}
