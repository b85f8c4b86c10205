//! Hash and scan files in parallel, with a progress bar on a terminal.
//!
//! The paths are walked on the calling thread while `--jobs` threads take
//! tasks from a shared queue, the biggest file found so far first. A file of
//! at least [`SPLIT_AT`] bytes is two tasks, its hash and its scan, so that
//! two threads share it; a smaller file is read once, hashed and scanned
//! from memory.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use modelvet_cli::files::{walk, FileSource, Found, Spools, Target, WalkOptions};
use modelvet_core::hash::StreamDigests;
use modelvet_core::{
    scan_artifact_with, ArtifactScan, ByteSource, Finding, Location, Report, ReportBuilder,
    ScanHost, ScanOptions, Severity, Sha256Stream, SliceSource,
};
use std::collections::BinaryHeap;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::sync::{mpsc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Read size while hashing; files up to this size are read into memory once.
const HASH_CHUNK: usize = 4 * 1024 * 1024;

/// Files at least this big are read on a thread of their own, one chunk
/// ahead of the hashing.
const READ_AHEAD_AT: u64 = 64 * 1024 * 1024;

/// Files at least this big are hashed and scanned as two tasks (hashing one
/// takes about a millisecond with SHA-NI).
const SPLIT_AT: u64 = 1024 * 1024;

/// Most threads `--jobs` may ask for.
pub const MAX_JOBS: usize = 256;

pub fn scan_paths(
    paths: &[PathBuf],
    fail_on: Severity,
    limits: modelvet_core::Limits,
    jobs: Option<usize>,
    walk_opts: WalkOptions,
) -> anyhow::Result<Report> {
    Ok(scan_and_hash(paths, fail_on, limits, jobs, walk_opts, false)?.0)
}

/// What a scan hashed, for `verify`: every file listed (in listing order)
/// with its git blob id (when asked for and the file was read whole), and
/// the paths that could not be walked.
pub struct Hashed {
    pub files: Vec<(Target, Option<String>)>,
    pub problems: Vec<(String, String)>,
}

/// [`scan_paths`], also computing each file's git blob SHA-1 from the same
/// reads when `git_blob` is set.
pub fn scan_and_hash(
    paths: &[PathBuf],
    fail_on: Severity,
    limits: modelvet_core::Limits,
    jobs: Option<usize>,
    walk_opts: WalkOptions,
    git_blob: bool,
) -> anyhow::Result<(Report, Hashed)> {
    let opts = ScanOptions { fail_on, limits };
    let jobs = jobs
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
        .unwrap_or(1)
        .clamp(1, MAX_JOBS);
    let queue = Queue::new(jobs > 1);
    let gate = HeavyGate::default();
    let worker = Worker {
        queue: &queue,
        opts: &opts,
        gate: &gate,
        jobs,
        progress: progress_bar(),
        git_blob,
    };
    let mut spools = Spools::default();
    let mut parts = std::thread::scope(|scope| {
        // Waiting workers are released even if the walk unwinds.
        let _close = Close(&queue);
        let threads: Vec<_> = (0..jobs)
            // A thread that cannot be started only means less parallelism.
            .filter_map(|_| {
                std::thread::Builder::new()
                    .spawn_scoped(scope, || worker.run())
                    .ok()
            })
            .collect();
        walk(paths, walk_opts, &mut spools, |found| {
            queue.add(found, &worker.progress)
        });
        queue.close();
        // The walk keeps this thread busy at the start; at the end it only
        // waits, so there are never more busy threads than `jobs` + 1.
        let mut parts = Vec::new();
        if threads.is_empty() {
            // No thread could be started: work here.
            parts = worker.run();
        }
        for thread in threads {
            parts.extend(
                thread
                    .join()
                    .map_err(|_| anyhow::anyhow!("a scan thread panicked"))?,
            );
        }
        anyhow::Ok(parts)
    })?;
    worker.progress.finish_and_clear();
    let listing = queue
        .state
        .into_inner()
        .map_err(|_| anyhow::anyhow!("a scan thread panicked"))?;
    let mut builder = ReportBuilder::new(opts);
    for (path, message) in &listing.problems {
        builder.add_error(path, message.clone());
    }
    let mut hashed = Hashed {
        files: Vec::with_capacity(listing.files.len()),
        problems: listing.problems,
    };
    // In the order the files were listed.
    parts.sort_by_key(|(i, _)| *i);
    let mut parts = parts.into_iter().peekable();
    while let Some((i, part)) = parts.next() {
        let Some(target) = listing.files.get(i) else {
            continue;
        };
        let outcome = match part {
            Part::Whole(outcome) => outcome,
            first => {
                let second = parts.next_if(|(j, _)| *j == i).map(|(_, p)| p);
                join(first, second, target)
            }
        };
        match outcome {
            Outcome::Scanned { digests, mut scan } => {
                if let Some(to) = &target.outside_link {
                    scan.findings.push(outside_link(&target.display, to));
                }
                builder.add(&target.display, target.size, Some(digests.sha256), scan);
                hashed.files.push((target.clone(), digests.git_sha1));
            }
            Outcome::Unreadable(message) => {
                builder.add_unreadable(&target.display, target.size, message);
                hashed.files.push((target.clone(), None));
            }
        }
    }
    drop(spools);
    Ok((builder.build(), hashed))
}

fn outside_link(display: &str, to: &str) -> Finding {
    Finding::new(
        &modelvet_core::scan::SYMLINK_OUTSIDE_ROOT,
        display.to_owned(),
        Location::File,
        format!("`{display}` is a symbolic link out of the scanned folder, to {to}; its target was scanned"),
    )
    .with_help("check that the target is the file you expect; copy it into the folder before publishing")
}

/// The CLI's side of [`ScanHost`]: a deadline per artifact
/// (`limits.scan.max_seconds`) and one heavy slot for the whole run. Only the
/// holder of the slot may hold more than [`LIGHT_FOR_ALL`] divided among
/// the jobs (at least 1 MiB each), so the decompressed data of the whole run
/// stays under `limits.scan.max_held_bytes` plus 256 MiB, whatever `--jobs`
/// (at most 256); the reports do not depend on it.
struct Host<'a> {
    deadline: Instant,
    gate: &'a HeavyGate,
    light: u64,
}

/// Decompressed bytes all the jobs may hold together without the heavy slot.
const LIGHT_FOR_ALL: u64 = 128 << 20;

impl<'a> Host<'a> {
    fn new(opts: &ScanOptions, gate: &'a HeavyGate, jobs: usize) -> Host<'a> {
        let secs = u64::from(opts.limits.scan.max_seconds);
        let now = Instant::now();
        Host {
            deadline: now.checked_add(Duration::from_secs(secs)).unwrap_or(now),
            gate,
            // At least 1 MiB each (a small zip member's cap), so that many
            // jobs do not all queue for the slot: at most 256 MiB in all.
            light: (LIGHT_FOR_ALL / (jobs.max(1) as u64)).max(1 << 20),
        }
    }
}

impl ScanHost for Host<'_> {
    fn expired(&self) -> bool {
        Instant::now() >= self.deadline
    }
    fn light_held_bytes(&self) -> Option<u64> {
        Some(self.light)
    }
    fn enter_heavy(&self) {
        self.gate.enter();
    }
    fn leave_heavy(&self) {
        self.gate.leave();
    }
}

/// One slot: a thread waiting for it holds no heavy memory, and the holder
/// waits for nothing, so no two threads can wait for each other.
#[derive(Default)]
struct HeavyGate {
    busy: Mutex<bool>,
    freed: Condvar,
}

impl HeavyGate {
    fn enter(&self) {
        let Ok(mut busy) = self.busy.lock() else {
            return;
        };
        while *busy {
            busy = match self.freed.wait(busy) {
                Ok(b) => b,
                Err(_) => return,
            };
        }
        *busy = true;
    }

    fn leave(&self) {
        if let Ok(mut busy) = self.busy.lock() {
            *busy = false;
        }
        self.freed.notify_one();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// Read once, hash and scan.
    Whole,
    /// Scan only (a big file; its hash is another task). Taken before the
    /// hash: scanning a big archive usually takes longer.
    Scan,
    /// Hash only.
    Hash,
}

/// A task waiting in the queue: the biggest first, then in listing order.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Pending {
    size: u64,
    index: std::cmp::Reverse<usize>,
    kind: std::cmp::Reverse<Kind>,
}

#[derive(Default)]
struct Listing {
    /// Every file found, in listing order (the report's order).
    files: Vec<Target>,
    /// Paths that could not be walked.
    problems: Vec<(String, String)>,
    pending: BinaryHeap<Pending>,
    /// The walk is over: an empty queue means the work is done.
    done: bool,
}

struct Queue {
    state: Mutex<Listing>,
    changed: Condvar,
    split: bool,
}

impl Queue {
    fn new(split: bool) -> Queue {
        Queue {
            state: Mutex::default(),
            changed: Condvar::new(),
            split,
        }
    }

    fn add(&self, found: Found, progress: &ProgressBar) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        match found {
            Found::File(target) => {
                let index = std::cmp::Reverse(state.files.len());
                let size = target.size;
                progress.inc_length(size);
                state.files.push(target);
                let kinds: &[Kind] = if self.split && size >= SPLIT_AT {
                    &[Kind::Scan, Kind::Hash]
                } else {
                    &[Kind::Whole]
                };
                for &kind in kinds {
                    let kind = std::cmp::Reverse(kind);
                    state.pending.push(Pending { size, index, kind });
                    self.changed.notify_one();
                }
            }
            Found::Problem { path, message } => state.problems.push((path, message)),
        }
    }

    fn close(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.done = true;
        }
        self.changed.notify_all();
    }

    /// The next task, waiting for the walk if nothing is queued; `None` when
    /// the work is done.
    fn next(&self) -> Option<(usize, Kind, Target)> {
        let mut state = self.state.lock().ok()?;
        loop {
            if let Some(p) = state.pending.pop() {
                let target = state.files.get(p.index.0)?.clone();
                return Some((p.index.0, p.kind.0, target));
            }
            if state.done {
                return None;
            }
            state = self.changed.wait(state).ok()?;
        }
    }
}

struct Close<'a>(&'a Queue);

impl Drop for Close<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

enum Part {
    Whole(Outcome),
    Hash(Result<StreamDigests, String>),
    Scan(Result<ArtifactScan, String>),
}

enum Outcome {
    Scanned {
        digests: StreamDigests,
        scan: ArtifactScan,
    },
    Unreadable(String),
}

struct Worker<'a> {
    queue: &'a Queue,
    opts: &'a ScanOptions,
    gate: &'a HeavyGate,
    jobs: usize,
    progress: ProgressBar,
    /// Also compute git blob ids.
    git_blob: bool,
}

impl Worker<'_> {
    /// Take tasks until the work is done.
    fn run(&self) -> Vec<(usize, Part)> {
        let mut parts = Vec::new();
        // One read buffer per thread, grown to the largest file seen (at most HASH_CHUNK).
        let mut buf = Vec::new();
        while let Some((i, kind, target)) = self.queue.next() {
            let part = match kind {
                Kind::Whole => Part::Whole(self.whole(&target, &mut buf)),
                Kind::Hash => Part::Hash(self.hash(&target, &mut buf)),
                Kind::Scan => Part::Scan(self.scan(&target, &mut buf)),
            };
            parts.push((i, part));
        }
        parts
    }

    fn whole(&self, target: &Target, buf: &mut Vec<u8>) -> Outcome {
        if usize::try_from(target.size).is_ok_and(|n| n <= HASH_CHUNK) {
            match read_small(target, buf) {
                Ok(true) => {
                    self.progress.inc(buf.len() as u64);
                    let mut hasher = hasher_for(buf.len() as u64, self.git_blob);
                    hasher.update(buf);
                    let digests = hasher.finalize_digests();
                    let scan = self.scan_source(&target.display, &mut SliceSource::new(buf));
                    return Outcome::Scanned { digests, scan };
                }
                // The file grew past the buffer since it was listed: stream it.
                Ok(false) => {}
                Err(e) => {
                    return Outcome::Unreadable(format!("cannot read {}: {e}", target.display))
                }
            }
        }
        match (self.hash(target, buf), self.scan(target, buf)) {
            (Ok(digests), Ok(scan)) => Outcome::Scanned { digests, scan },
            (Err(message), _) | (_, Err(message)) => Outcome::Unreadable(message),
        }
    }

    fn hash(&self, target: &Target, buf: &mut Vec<u8>) -> Result<StreamDigests, String> {
        hash_file(target, &self.progress, buf, self.git_blob)
            .map_err(|e| format!("cannot read {}: {e}", target.display))
    }

    fn scan(&self, target: &Target, buf: &mut Vec<u8>) -> Result<ArtifactScan, String> {
        // A file that fits the buffer is scanned from memory: fewer system calls.
        if usize::try_from(target.size).is_ok_and(|n| n <= HASH_CHUNK) {
            if let Ok(true) = read_small(target, buf) {
                return Ok(self.scan_source(&target.display, &mut SliceSource::new(buf)));
            }
        }
        let mut source = FileSource::open(&target.path)
            .map_err(|e| format!("cannot open {}: {e}", target.display))?;
        Ok(self.scan_source(&target.display, &mut source))
    }

    fn scan_source(&self, display: &str, src: &mut dyn ByteSource) -> ArtifactScan {
        let host = Host::new(self.opts, self.gate, self.jobs);
        scan_artifact_with(display, src, self.opts, &host)
    }
}

/// A file hashed and scanned as two tasks: both must have succeeded.
fn join(first: Part, second: Option<Part>, target: &Target) -> Outcome {
    let (mut hash, mut scan) = (None, None);
    for part in [Some(first), second].into_iter().flatten() {
        match part {
            Part::Hash(h) => hash = Some(h),
            Part::Scan(s) => scan = Some(s),
            Part::Whole(outcome) => return outcome,
        }
    }
    match (hash, scan) {
        (Some(Ok(digests)), Some(Ok(scan))) => Outcome::Scanned { digests, scan },
        (Some(Err(message)), _) | (_, Some(Err(message))) => Outcome::Unreadable(message),
        _ => Outcome::Unreadable(format!("{} was not completely processed", target.display)),
    }
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

/// A hasher for a file of `len` bytes; the git blob header needs the length
/// up front, which the listing knows (a file that changes size while it is
/// read gets no git blob id).
fn hasher_for(len: u64, git_blob: bool) -> Sha256Stream {
    if git_blob {
        Sha256Stream::with_git_blob(len)
    } else {
        Sha256Stream::new()
    }
}

fn hash_file(
    target: &Target,
    progress: &ProgressBar,
    buf: &mut Vec<u8>,
    git_blob: bool,
) -> std::io::Result<StreamDigests> {
    let mut file = std::fs::File::open(&target.path)?;
    let mut hasher = hasher_for(target.size, git_blob);
    if target.size >= READ_AHEAD_AT {
        return hash_reading_ahead(file, progress, hasher);
    }
    let want = usize::try_from(target.size).map_or(HASH_CHUNK, |n| n.clamp(1, HASH_CHUNK));
    if buf.len() < want {
        buf.resize(want, 0);
    }
    loop {
        let n = fill(&mut file, buf)?;
        if n == 0 {
            break;
        }
        hasher.update(buf.get(..n).unwrap_or_default());
        progress.inc(n as u64);
    }
    Ok(hasher.finalize_digests())
}

/// Hash `file` while another thread reads the next chunk: copying a chunk
/// out of the page cache costs about a tenth of hashing it, and that tenth
/// now overlaps. Two buffers go back and forth between the threads.
fn hash_reading_ahead(
    mut file: std::fs::File,
    progress: &ProgressBar,
    hasher: Sha256Stream,
) -> std::io::Result<StreamDigests> {
    let (full_tx, full_rx) = mpsc::sync_channel::<std::io::Result<(Vec<u8>, usize)>>(1);
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        let reader = std::thread::Builder::new().spawn_scoped(scope, move || {
            // Ends when the file does, on a read error, or when the hashing
            // side is gone (its ends of both channels dropped).
            while let Ok(mut buf) = empty_rx.recv() {
                match fill(&mut file, &mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if full_tx.send(Ok((buf, n))).is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        let _ = full_tx.send(Err(e));
                        break;
                    }
                }
            }
        });
        reader?;
        for _ in 0..2 {
            // The reader holds the other end until it is done.
            let _ = empty_tx.send(vec![0u8; HASH_CHUNK]);
        }
        hash_chunks(full_rx, empty_tx, progress, hasher)
    })
}

/// The hashing side of [`hash_reading_ahead`]; owning the channel ends, it
/// lets the reader go when it returns, on success or error.
fn hash_chunks(
    full: mpsc::Receiver<std::io::Result<(Vec<u8>, usize)>>,
    empty: mpsc::Sender<Vec<u8>>,
    progress: &ProgressBar,
    mut hasher: Sha256Stream,
) -> std::io::Result<StreamDigests> {
    for chunk in full {
        let (buf, n) = chunk?;
        hasher.update(buf.get(..n).unwrap_or_default());
        progress.inc(n as u64);
        let _ = empty.send(buf);
    }
    Ok(hasher.finalize_digests())
}

/// Read until `buf` is full or the file ends; the number of bytes read.
fn fill(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|r| !r.is_empty()) {
        match file.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// A progress bar on a terminal, its length growing as files are found.
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
    ) {
        bar.set_style(style);
    }
    bar
}
