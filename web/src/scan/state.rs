//! The page's state: one row per dropped file, and the reducer that moves
//! rows through `queued → hashing → scanning → done` as worker messages
//! ([`FromWorker`]) arrive.
//!
//! Pure and host-testable: no browser types. The report is built by
//! [`modelvet_core::ReportBuilder`], the same code path as the CLI.

use crate::scan::wire::FromWorker;
use modelvet_core::report::verdict_for;
use modelvet_core::{ArtifactScan, Report, ReportBuilder, ScanOptions, Verdict};
use std::rc::Rc;
use yew::Reducible;

/// Identifies one file of the page's session. Allocated by the worker pool,
/// strictly increasing, never reused (so late messages from a cancelled run
/// cannot land on a newer row).
pub type RowId = u64;

/// A file accepted for scanning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    /// Its id.
    pub id: RowId,
    /// Path relative to the dropped folder (or the bare file name).
    pub path: String,
    /// Size in bytes.
    pub size: u64,
}

/// Where a file is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Waiting for a free worker.
    Queued,
    /// A worker is computing its SHA-256.
    Hashing,
    /// Hashed; a worker is running the static scanners.
    Scanning,
    /// Hashed and scanned.
    Done,
    /// The browser could not read it (or the worker failed).
    Failed,
    /// Cancelled before it finished.
    Cancelled,
}

impl Status {
    /// Lower-case name, used in the page and in CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Hashing => "hashing",
            Status::Scanning => "scanning",
            Status::Done => "done",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }

    /// Whether work on the file is still pending.
    pub fn is_active(self) -> bool {
        matches!(self, Status::Queued | Status::Hashing | Status::Scanning)
    }
}

/// One file of the drop.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Its id.
    pub id: RowId,
    /// Relative path.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Where it is in its life.
    pub status: Status,
    /// Bytes hashed so far.
    pub hashed: u64,
    /// SHA-256, once hashed.
    pub sha256: Option<String>,
    /// Scan results, once scanned.
    pub scan: Option<ArtifactScan>,
    /// Why it could not be read.
    pub error: Option<String>,
}

/// Message recorded for a file cancelled before it finished.
pub const CANCELLED_MESSAGE: &str = "scan cancelled before it finished";

impl Row {
    fn new(file: NewFile) -> Row {
        Row {
            id: file.id,
            path: file.path,
            size: file.size,
            status: Status::Queued,
            hashed: 0,
            sha256: None,
            scan: None,
            error: None,
        }
    }

    /// The file's verdict, once it has one: from its findings and errors,
    /// with the same function the report uses.
    pub fn verdict(&self, options: &ScanOptions) -> Option<Verdict> {
        match self.status {
            Status::Done => self.scan.as_ref().map(|scan| {
                verdict_for(
                    scan.findings.iter().map(|f| f.severity),
                    !scan.errors.is_empty(),
                    options.fail_on,
                )
            }),
            Status::Failed | Status::Cancelled => Some(Verdict::Error),
            Status::Queued | Status::Hashing | Status::Scanning => None,
        }
    }

    /// Hashing progress in `[0, 1]`.
    pub fn progress(&self) -> f64 {
        match self.status {
            Status::Queued => 0.0,
            Status::Hashing if self.size == 0 => 0.0,
            Status::Hashing => (self.hashed as f64 / self.size as f64).min(1.0),
            Status::Scanning | Status::Done => 1.0,
            Status::Failed | Status::Cancelled => {
                (self.hashed as f64 / self.size.max(1) as f64).min(1.0)
            }
        }
    }
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct State {
    /// Settings of the scan (embedded in the report).
    pub options: ScanOptions,
    /// Files, in the order they were added (ids strictly increasing).
    /// Rows are shared so an update copies pointers, not scans.
    pub rows: Vec<Rc<Row>>,
    /// Problems met while walking dropped folders: (path, message).
    pub walk_errors: Vec<(String, String)>,
}

/// Everything that changes the state: what the page does, and what the
/// workers say ([`FromWorker`], as they send it).
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// The limits of the scans that start from now (the *Limits* setting).
    SetLimits(Box<modelvet_core::Limits>),
    /// Files accepted for scanning.
    Add(Vec<NewFile>),
    /// A folder (or entry) could not be read while walking a drop.
    WalkError {
        /// The entry's path.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A worker took the file.
    Started(RowId),
    /// A worker's message about its file. The pool also sends
    /// [`FromWorker::Failed`] for a file whose worker died or never started.
    Worker(FromWorker),
    /// Stop everything still pending.
    Cancel,
    /// Forget every file.
    Clear,
}

impl From<FromWorker> for Action {
    fn from(msg: FromWorker) -> Action {
        Action::Worker(msg)
    }
}

impl State {
    /// Whether any file is still queued or being worked on.
    pub fn is_busy(&self) -> bool {
        self.rows.iter().any(|r| r.status.is_active())
    }

    /// Number of files that finished (done, failed or cancelled).
    pub fn finished(&self) -> usize {
        self.rows.iter().filter(|r| !r.status.is_active()).count()
    }

    /// Bytes hashed so far over all files.
    pub fn hashed_bytes(&self) -> u64 {
        self.rows.iter().map(|r| r.hashed).sum()
    }

    /// The report over every finished file: the JSON the CLI prints with
    /// `--format json`. Failed and cancelled files are errors (fail closed);
    /// files still in progress are left out.
    pub fn report(&self) -> Report {
        let mut builder = ReportBuilder::new(self.options.clone());
        for (path, message) in &self.walk_errors {
            builder.add_error(path, message.clone());
        }
        for row in &self.rows {
            match row.status {
                Status::Done => {
                    let scan = row.scan.clone().unwrap_or_default();
                    builder.add(&row.path, row.size, row.sha256.clone(), scan);
                }
                Status::Failed => builder.add_unreadable(
                    &row.path,
                    row.size,
                    row.error.clone().unwrap_or_default(),
                ),
                Status::Cancelled => builder.add_unreadable(&row.path, row.size, CANCELLED_MESSAGE),
                Status::Queued | Status::Hashing | Status::Scanning => {}
            }
        }
        builder.build()
    }

    fn index_of(&self, id: RowId) -> Option<usize> {
        self.rows.binary_search_by_key(&id, |r| r.id).ok()
    }

    /// Apply `change` to row `id` if it is still active. Messages about
    /// unknown or finished rows (late messages after a cancel) are ignored.
    fn update(&mut self, id: RowId, change: impl FnOnce(&mut Row)) {
        let Some(i) = self.index_of(id) else {
            return;
        };
        let Some(row) = self.rows.get_mut(i) else {
            return;
        };
        if !row.status.is_active() {
            return;
        }
        change(Rc::make_mut(row));
    }

    /// Apply a worker's message to its row.
    fn receive(&mut self, msg: FromWorker) {
        match msg {
            FromWorker::Ready => {}
            FromWorker::Progress { id, hashed } => self.update(id, |r| {
                r.status = Status::Hashing;
                r.hashed = hashed.min(r.size);
            }),
            FromWorker::Hashed { id, sha256 } => self.update(id, |r| {
                r.status = Status::Scanning;
                r.hashed = r.size;
                r.sha256 = Some(sha256);
            }),
            FromWorker::Scanned { id, scan } => self.update(id, |r| {
                r.status = Status::Done;
                r.scan = Some(scan);
            }),
            FromWorker::Failed { id, message } => self.update(id, |r| {
                r.status = Status::Failed;
                r.error = Some(message);
            }),
        }
    }

    /// Apply one action (the reducer, on a mutable state).
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Add(files) => {
                for file in files {
                    let last = self.rows.last().map(|r| r.id);
                    if last.is_some_and(|last| file.id <= last) {
                        continue;
                    }
                    self.rows.push(Rc::new(Row::new(file)));
                }
            }
            Action::WalkError { path, message } => self.walk_errors.push((path, message)),
            Action::Started(id) => self.update(id, |r| r.status = Status::Hashing),
            Action::Worker(msg) => self.receive(msg),
            Action::Cancel => {
                for row in &mut self.rows {
                    if row.status.is_active() {
                        Rc::make_mut(row).status = Status::Cancelled;
                    }
                }
            }
            Action::Clear => {
                self.rows.clear();
                self.walk_errors.clear();
            }
            Action::SetLimits(limits) => self.options.limits = *limits,
        }
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = Rc::unwrap_or_clone(self);
        next.apply(action);
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests;
