//! Hash and scan files in parallel, with a progress bar on a terminal.

use crate::files::{collect, FileSource, Target};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use modelvet_core::{
    scan_artifact, ArtifactScan, Report, ReportBuilder, ScanOptions, Severity, Sha256Stream,
    SliceSource,
};
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Read size while hashing.
const HASH_CHUNK: usize = 4 * 1024 * 1024;

pub fn scan_paths(
    paths: &[PathBuf],
    fail_on: Severity,
    jobs: Option<usize>,
) -> anyhow::Result<Report> {
    let opts = ScanOptions {
        fail_on,
        ..ScanOptions::default()
    };
    let (targets, problems) = collect(paths);
    let mut builder = ReportBuilder::new(opts.clone());
    for (path, message) in problems {
        builder.add_error(&path, message);
    }
    let total: u64 = targets.iter().map(|t| t.size).sum();
    let progress = progress_bar(total);
    let jobs = jobs
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
        .unwrap_or(1)
        .clamp(1, targets.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Outcome)>> = Mutex::new(Vec::with_capacity(targets.len()));
    let work = || {
        // One read buffer per thread, grown to the largest file seen (at most HASH_CHUNK).
        let mut buf = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(target) = targets.get(i) else { break };
            let outcome = scan_one(target, &opts, &progress, &mut buf);
            if let Ok(mut r) = results.lock() {
                r.push((i, outcome));
            }
        }
    };
    // The calling thread is one of the workers: no thread is started for one job.
    std::thread::scope(|scope| {
        for _ in 1..jobs {
            scope.spawn(work);
        }
        work();
    });
    progress.finish_and_clear();
    let mut results = results
        .into_inner()
        .map_err(|_| anyhow::anyhow!("a scan thread panicked"))?;
    results.sort_by_key(|(i, _)| *i);
    for (i, outcome) in results {
        let Some(target) = targets.get(i) else {
            continue;
        };
        match outcome {
            Outcome::Scanned { sha256, scan } => {
                builder.add(&target.display, target.size, Some(sha256), scan)
            }
            Outcome::Unreadable(message) => {
                builder.add_unreadable(&target.display, target.size, message)
            }
        }
    }
    Ok(builder.build())
}

enum Outcome {
    Scanned { sha256: String, scan: ArtifactScan },
    Unreadable(String),
}

fn scan_one(
    target: &Target,
    opts: &ScanOptions,
    progress: &ProgressBar,
    buf: &mut Vec<u8>,
) -> Outcome {
    // A file that fits the buffer is read once: hashed and scanned from memory.
    if usize::try_from(target.size).is_ok_and(|n| n <= HASH_CHUNK) {
        match read_small(target, buf) {
            Ok(true) => {
                progress.inc(buf.len() as u64);
                let mut hasher = Sha256Stream::new();
                hasher.update(buf);
                let sha256 = hasher.finalize_hex();
                let scan = scan_artifact(&target.display, &mut SliceSource::new(buf), opts);
                return Outcome::Scanned { sha256, scan };
            }
            // The file grew past the buffer since it was listed: stream it.
            Ok(false) => {}
            Err(e) => return Outcome::Unreadable(format!("cannot read {}: {e}", target.display)),
        }
    }
    let sha256 = match hash_file(target, progress, buf) {
        Ok(h) => h,
        Err(e) => return Outcome::Unreadable(format!("cannot read {}: {e}", target.display)),
    };
    let mut source = match FileSource::open(&target.path) {
        Ok(s) => s,
        Err(e) => return Outcome::Unreadable(format!("cannot open {}: {e}", target.display)),
    };
    let scan = scan_artifact(&target.display, &mut source, opts);
    Outcome::Scanned { sha256, scan }
}

/// Read the whole file into `buf` if it holds at most `HASH_CHUNK` bytes.
fn read_small(target: &Target, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    let file = std::fs::File::open(&target.path)?;
    buf.clear();
    let want = usize::try_from(target.size).unwrap_or(HASH_CHUNK);
    buf.reserve(want.saturating_add(1));
    file.take(HASH_CHUNK as u64 + 1).read_to_end(buf)?;
    Ok(buf.len() <= HASH_CHUNK)
}

fn hash_file(
    target: &Target,
    progress: &ProgressBar,
    buf: &mut Vec<u8>,
) -> std::io::Result<String> {
    let mut file = std::fs::File::open(&target.path)?;
    let mut hasher = Sha256Stream::new();
    let want = usize::try_from(target.size).map_or(HASH_CHUNK, |n| n.clamp(1, HASH_CHUNK));
    if buf.len() < want {
        buf.resize(want, 0);
    }
    loop {
        let n = match file.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = buf.get(..n).unwrap_or_default();
        hasher.update(chunk);
        progress.inc(n as u64);
    }
    Ok(hasher.finalize_hex())
}

fn progress_bar(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
    ) {
        bar.set_style(style);
    }
    bar
}
