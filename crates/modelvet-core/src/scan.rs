//! The scan driver: detect a file's format and run the matching scanner.

use crate::finding::{Finding, Location};
use crate::format::{self, Format};
use crate::formats;
use crate::formats::archive::decompress::{Bounds, Cap, Stop};
use crate::limits::Limits;
use crate::report::{ErrorKind, ScanError};
use crate::rule::Rule;
use crate::severity::Severity;
use crate::source::{ByteSource, ReadError};
use crate::LimitId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Settings of one scan (embedded in the report so it can be reproduced).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ScanOptions {
    /// Findings at or above this severity make the verdict `fail`.
    pub fail_on: Severity,
    /// Parser limits.
    #[serde(default)]
    pub limits: Limits,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            fail_on: Severity::High,
            limits: Limits::default(),
        }
    }
}

/// What scanning one artifact produced (serialisable, so a browser worker can
/// hand it to the page).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ArtifactScan {
    /// The detected format (refined by the scanner).
    pub format: Option<Format>,
    /// Findings, in the order they were raised.
    pub findings: Vec<Finding>,
    /// What could not be scanned (fail closed).
    pub errors: Vec<ScanError>,
    /// Format-specific facts (tensor counts, architecture, pickle globals, ...).
    pub facts: BTreeMap<String, serde_json::Value>,
}

/// The format could not be recognised.
pub static UNKNOWN_FORMAT: Rule = Rule {
    id: "unknown-format",
    severity: Severity::Low,
    summary: "The file's content matches no format modelvet knows, so nothing vouches for it.",
    docs: r#"
## Why it matters
modelvet recognises formats from their content, never from the file name. A file that
matches no known format was not analysed: it may be harmless data (a tokenizer model, a
vocabulary in an unusual encoding) or a payload in a format a loader will still accept.

## What to do
Check what the file is and which code loads it. If it is loaded by a library that
deserialises objects, treat it as untrusted code.
"#,
};

/// The extension claims one format; the content is another.
pub static EXTENSION_MISMATCH: Rule = Rule {
    id: "extension-mismatch",
    severity: Severity::Medium,
    summary: "The file's extension claims one format but its content is another.",
    docs: r#"
## Why it matters
Loaders usually decide by content (`torch.load` opens a zip or a pickle whatever the file
is called), while people and some scanners decide by the name. A `.safetensors` file that
is really a pickle, or a `.bin` that is really an executable, is either a mistake or an
attempt to slip past a name-based check.

## Example
`model.safetensors` whose content starts with the pickle opcode `\x80\x04`.

## What to do
Rename the file after its real format, or replace it with the format its name promises.
"#,
};

/// Too many findings in one artifact; the rest are summarised.
pub static FINDINGS_TRUNCATED: Rule = Rule {
    id: "findings-truncated",
    severity: Severity::Info,
    summary: "An artifact raised more findings than the per-artifact limit; the rest were counted, not listed.",
    docs: r#"
## Why it matters
A hostile file can raise millions of findings to drown a report. modelvet keeps the first
`limits.scan.max_findings_per_artifact` and reports how many more there were. The
verdict still accounts for every finding's severity.
"#,
};

/// A file reached through a symbolic link that leads out of the folder being scanned.
pub static SYMLINK_OUTSIDE_ROOT: Rule = Rule {
    id: "symlink-outside-root",
    severity: Severity::Low,
    summary: "A file in the scanned folder is a symbolic link to a place outside it.",
    docs: r#"
## Why it matters
A model folder is usually copied, archived or uploaded as a whole. A link that leads out of
it makes the folder's content depend on the machine it sits on: a loader reading the
folder reads whatever the link points at, which may be a file the publisher never shipped
(or, in a shared folder, one an attacker swapped in). The Hugging Face cache lays out
snapshots this way on purpose (`snapshots/<rev>/x -> ../../blobs/<hash>`), so on its own it
is no sign of an attack.

## What modelvet does
The CLI follows the link and scans its target, naming both in the finding. With
`--external-symlinks refuse` it does not follow it and reports an error instead (the scan
then ends with exit code 2: nothing not scanned passes).

## What to do
Check that the link's target is the file you expect; copy the real file into the folder
before publishing or vetting it.
"#,
};

/// Rules owned by the scan driver.
pub const RULES: &[&Rule] = &[
    &UNKNOWN_FORMAT,
    &EXTENSION_MISMATCH,
    &FINDINGS_TRUNCATED,
    &SYMLINK_OUTSIDE_ROOT,
];

/// Scan state shared by every scanner during one artifact's scan.
///
/// Scanners raise findings with [`ScanCtx::finding`] + [`ScanCtx::push`], report
/// incomplete work with [`ScanCtx::error`] / [`ScanCtx::limit_hit`], and recurse
/// into containers with [`ScanCtx::scan_nested`]; locations are wrapped in the
/// chain of archive members automatically.
pub struct ScanCtx<'o> {
    opts: &'o ScanOptions,
    host: &'o dyn ScanHost,
    artifact: String,
    members: Vec<String>,
    out: ArtifactScan,
    dropped: u64,
    dropped_max: Option<Severity>,
    errors_dropped: u64,
    facts_dropped: u64,
    budget: Budget,
}

/// What the shell running a scan lends it: a clock and a memory gate. The
/// core has neither, so by default nothing expires and nothing waits.
pub trait ScanHost {
    /// Whether the artifact's wall time (`limits.scan.max_seconds`) is spent.
    /// Asked between container members and while decompressing.
    fn expired(&self) -> bool {
        false
    }
    /// The most decompressed bytes an artifact may hold without the heavy
    /// slot, if the shell wants less than `limits.scan.light_held_bytes`
    /// (a shell running many scans at once divides its memory among them).
    /// It changes only when a scan waits, never what it finds.
    fn light_held_bytes(&self) -> Option<u64> {
        None
    }
    /// The artifact is about to hold more than its light allowance
    /// of decompressed data. A shell scanning several files at once may wait
    /// here until no other artifact is heavy, which bounds the memory of the
    /// whole run. Called at most once per artifact; [`ScanHost::leave_heavy`]
    /// follows when the artifact's scan ends.
    fn enter_heavy(&self) {}
    /// The heavy artifact's scan has ended.
    fn leave_heavy(&self) {}
}

/// A host without a clock or a memory gate (tests, single scans in memory).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHost;

impl ScanHost for NoHost {}

/// What one artifact has used of the whole-scan budget (`limits.scan`),
/// shared by every level of nesting and every container type.
#[derive(Debug, Default)]
struct Budget {
    /// Bytes decompressed so far.
    inflated: u64,
    /// Decompressed bytes held in memory now.
    held: u64,
    /// Container members visited so far.
    members: u64,
    /// Whether the host's heavy slot is held.
    heavy: bool,
    /// The budget that ended the scan, once one has.
    spent: Option<LimitId>,
}

impl<'o> ScanCtx<'o> {
    /// A context for the artifact at `artifact` (its path, as shown to users).
    pub fn new(artifact: impl Into<String>, opts: &'o ScanOptions) -> ScanCtx<'o> {
        ScanCtx::with_host(artifact, opts, &NoHost)
    }

    /// A context whose clock and memory gate are the shell's `host`.
    pub fn with_host(
        artifact: impl Into<String>,
        opts: &'o ScanOptions,
        host: &'o dyn ScanHost,
    ) -> ScanCtx<'o> {
        ScanCtx {
            opts,
            host,
            artifact: artifact.into(),
            members: Vec::new(),
            out: ArtifactScan::default(),
            dropped: 0,
            dropped_max: None,
            errors_dropped: 0,
            facts_dropped: 0,
            budget: Budget::default(),
        }
    }

    /// The shell's clock and memory gate.
    pub fn host(&self) -> &'o dyn ScanHost {
        self.host
    }

    /// Whether a whole-scan budget (time, members, bytes inflated) is spent:
    /// then no further member is scanned. The first time it is found spent,
    /// an error names the budget.
    pub fn budget_spent(&mut self) -> bool {
        if self.budget.spent.is_some() {
            return true;
        }
        if self.host.expired() {
            self.spend(
                crate::LimitId::ScanMaxSeconds,
                u64::from(self.opts.limits.scan.max_seconds),
                "",
            );
            return true;
        }
        false
    }

    /// Stop the whole artifact's scan: `limit` is spent.
    fn spend(&mut self, limit: LimitId, value: u64, what: &str) {
        if self.budget.spent.is_none() {
            self.budget.spent = Some(limit);
            let whole = "for this artifact (every level of nesting together)";
            let what = if what.is_empty() {
                whole.to_owned()
            } else {
                format!("{what} {whole}")
            };
            self.limit_hit(limit, value, &what);
        }
    }

    /// The bounds for decompressing one stream or member: `cap`, tightened
    /// to what is left of `scan.max_inflated_bytes` and `scan.max_held_bytes`,
    /// the decoder memory limit and the host's clock. May wait for the host's
    /// heavy slot when the artifact could hold more than `scan.light_held_bytes`.
    pub fn inflate_bounds(&mut self, cap: Cap) -> Bounds<'o> {
        let limits = &self.opts.limits.scan;
        let mut cap = cap;
        let left = limits
            .max_inflated_bytes
            .saturating_sub(self.budget.inflated);
        if left < cap.bytes {
            cap = Cap {
                bytes: left,
                limit: Some(crate::LimitId::ScanMaxInflatedBytes),
                value: limits.max_inflated_bytes,
            };
        }
        let room = limits.max_held_bytes.saturating_sub(self.budget.held);
        if room < cap.bytes {
            cap = Cap {
                bytes: room,
                limit: Some(crate::LimitId::ScanMaxHeldBytes),
                value: limits.max_held_bytes,
            };
        }
        if !self.budget.heavy
            && self.budget.held.saturating_add(cap.bytes)
                > self
                    .host
                    .light_held_bytes()
                    .map_or(limits.light_held_bytes, |l| l.min(limits.light_held_bytes))
        {
            self.budget.heavy = true;
            self.host.enter_heavy();
        }
        Bounds {
            cap,
            decoder_memory: self.opts.limits.archive.max_decoder_memory_bytes,
            host: self.host,
        }
    }

    /// Account for `bytes` just decompressed, and report a limit that
    /// stopped the decoder early: a spent `scan.max_inflated_bytes` or
    /// deadline ends the whole artifact's scan; other caps end only this
    /// stream. Corrupt data and read errors are the caller's to report.
    pub fn inflated(&mut self, bytes: u64, stop: Option<&Stop>, what: &str) {
        self.budget.inflated = self.budget.inflated.saturating_add(bytes);
        match stop {
            Some(Stop::Cap(cap)) => match cap.limit {
                Some(LimitId::ScanMaxInflatedBytes) => {
                    self.spend(LimitId::ScanMaxInflatedBytes, cap.value, what);
                }
                Some(limit) => self.limit_hit(limit, cap.value, what),
                None => self.error(format!(
                    "a fixed bound ({}) reached {what}; the rest was not scanned",
                    cap.value
                )),
            },
            Some(Stop::Expired) => {
                let secs = u64::from(self.opts.limits.scan.max_seconds);
                self.spend(crate::LimitId::ScanMaxSeconds, secs, what);
            }
            Some(Stop::DecoderMemory { needed, limit }) => {
                let needs = needed.map_or_else(String::new, |n| {
                    format!(" (the stream declares a dictionary of {n} bytes)")
                });
                self.limit_hit(
                    crate::LimitId::ArchiveMaxDecoderMemoryBytes,
                    limit,
                    &format!("{what}{needs}"),
                );
            }
            Some(Stop::Corrupt(_) | Stop::Read(_)) | None => {}
        }
    }

    /// Run `scan` while `bytes` of decompressed data are held in memory
    /// (they count against `scan.max_held_bytes` for every nested level).
    pub fn holding<T>(&mut self, bytes: u64, scan: impl FnOnce(&mut ScanCtx<'o>) -> T) -> T {
        self.budget.held = self.budget.held.saturating_add(bytes);
        let out = scan(self);
        self.budget.held = self.budget.held.saturating_sub(bytes);
        out
    }

    /// Count one more container member against `scan.max_members`; `false`
    /// (and no scan) once a budget is spent.
    fn enter_member(&mut self, member: &str) -> bool {
        if self.budget_spent() {
            return false;
        }
        let max = self.opts.limits.scan.max_members;
        if self.budget.members >= max {
            self.spend(
                crate::LimitId::ScanMaxMembers,
                max,
                &format!("at member `{member}`"),
            );
            return false;
        }
        self.budget.members = self.budget.members.saturating_add(1);
        let depth = self.opts.limits.scan.max_nesting;
        if self.members.len() >= depth as usize {
            self.limit_hit(
                crate::LimitId::ScanMaxNesting,
                depth,
                &format!("at member `{member}`"),
            );
            return false;
        }
        true
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.opts.limits
    }

    /// The scan options in force.
    pub fn options(&self) -> &ScanOptions {
        self.opts
    }

    /// The artifact path.
    pub fn artifact(&self) -> &str {
        &self.artifact
    }

    /// Nesting depth: 0 for the artifact itself, 1 inside one archive member, ...
    pub fn depth(&self) -> usize {
        self.members.len()
    }

    /// The chain of archive members currently being scanned, outermost first.
    pub fn member_path(&self) -> &[String] {
        &self.members
    }

    /// Name of the file or member being scanned (for extension hints).
    pub fn current_name(&self) -> &str {
        self.members.last().unwrap_or(&self.artifact)
    }

    fn wrap(&self, mut location: Location) -> Location {
        for member in self.members.iter().rev() {
            location = location.in_member(member.clone());
        }
        location
    }

    /// Start a finding of `rule` at `location` (relative to the current member).
    pub fn finding(
        &self,
        rule: &'static Rule,
        location: Location,
        message: impl Into<String>,
    ) -> Finding {
        Finding::new(rule, self.artifact.clone(), self.wrap(location), message)
    }

    /// Record a finding.
    pub fn push(&mut self, finding: Finding) {
        let cap = self.opts.limits.scan.max_findings_per_artifact as usize;
        if self.out.findings.len() < cap {
            self.out.findings.push(finding);
        } else {
            self.dropped = self.dropped.saturating_add(1);
            self.dropped_max = self.dropped_max.max(Some(finding.severity));
        }
    }

    /// Record that part of the artifact could not be scanned.
    pub fn error(&mut self, message: impl Into<String>) {
        self.push_error(ErrorKind::Unscannable, None, message.into());
    }

    fn push_error(&mut self, kind: ErrorKind, limit: Option<LimitId>, message: String) {
        if self.out.errors.len() >= self.opts.limits.scan.max_errors_per_artifact as usize {
            self.errors_dropped = self.errors_dropped.saturating_add(1);
            return;
        }
        let mut message = message;
        if !self.members.is_empty() {
            message = format!("{}: {message}", self.members.join(": "));
        }
        self.out.errors.push(ScanError {
            artifact: self.artifact.clone(),
            kind,
            limit,
            message,
        });
    }

    /// Record that the limit stopped the scan (fail closed).
    pub fn limit_hit(&mut self, limit: LimitId, value: impl std::fmt::Display, what: &str) {
        self.push_error(
            ErrorKind::Limit,
            Some(limit),
            format!("limit `{limit}` ({value}) reached {what}; the rest was not scanned"),
        );
    }

    /// Record a format-specific fact (merged into the artifact's `facts`).
    /// Facts of nested members are keyed by member path.
    pub fn fact(&mut self, key: &str, value: serde_json::Value) {
        let key = if self.members.is_empty() {
            key.to_owned()
        } else {
            format!("{}:{key}", self.members.join(":"))
        };
        let max = self.opts.limits.scan.max_facts_per_artifact as usize;
        if self.out.facts.len() >= max && !self.out.facts.contains_key(&key) {
            self.facts_dropped = self.facts_dropped.saturating_add(1);
            return;
        }
        self.out.facts.insert(key, value);
    }

    /// Set the artifact's format (only at depth 0; nested formats are facts).
    pub fn set_format(&mut self, format: Format) {
        if self.members.is_empty() {
            self.out.format = Some(format);
        }
    }

    /// Detect and scan `src` as member `member` of the current container.
    /// Returns the member's detected format.
    /// Enforces `limits.scan.max_nesting` and the whole-scan budget
    /// (`max_members`, `max_seconds`, `max_inflated_bytes`): `None` when the
    /// member was not scanned.
    pub fn scan_nested(&mut self, member: &str, src: &mut dyn ByteSource) -> Option<Format> {
        if !self.enter_member(member) {
            return None;
        }
        self.members.push(member.to_owned());
        let format = detect_and_scan(src, self);
        self.members.pop();
        Some(format)
    }

    /// Run `scan` as if inside member `member` of the current container
    /// (locations, errors and facts are wrapped), for containers that know
    /// which scanner a member needs (a pickle followed by raw bytes). `None`
    /// when `limits.scan.max_nesting` is reached.
    pub fn in_member<T>(
        &mut self,
        member: &str,
        scan: impl FnOnce(&mut ScanCtx<'o>) -> T,
    ) -> Option<T> {
        if !self.enter_member(member) {
            return None;
        }
        self.members.push(member.to_owned());
        let out = scan(self);
        self.members.pop();
        Some(out)
    }

    fn finish(mut self) -> ArtifactScan {
        if self.budget.heavy {
            self.host.leave_heavy();
        }
        if self.errors_dropped > 0 {
            self.out.errors.push(ScanError {
                artifact: self.artifact.clone(),
                kind: ErrorKind::Limit,
                limit: Some(LimitId::ScanMaxErrorsPerArtifact),
                message: format!(
                    "{} more errors were not listed (limit `scan.max_errors_per_artifact`)",
                    self.errors_dropped
                ),
            });
        }
        if self.facts_dropped > 0 {
            self.out
                .facts
                .insert("facts_truncated".into(), self.facts_dropped.into());
        }
        if self.dropped > 0 {
            let sev = self.dropped_max.unwrap_or(Severity::Info);
            let f = Finding::new(
                &FINDINGS_TRUNCATED,
                self.artifact.clone(),
                Location::File,
                format!(
                    "{} more findings were not listed (highest severity among them: {sev})",
                    self.dropped
                ),
            )
            .with_severity(sev);
            self.out.findings.push(f);
        }
        self.out
    }
}

/// Detect the format of one artifact and scan it statically.
///
/// `path` is how the artifact is named in the report (relative path, member
/// name or URL). Never panics; content problems become findings, source
/// failures and limit hits become errors.
pub fn scan_artifact(path: &str, src: &mut dyn ByteSource, opts: &ScanOptions) -> ArtifactScan {
    scan_artifact_with(path, src, opts, &NoHost)
}

/// [`scan_artifact`] with the shell's clock and memory gate (`host`).
pub fn scan_artifact_with(
    path: &str,
    src: &mut dyn ByteSource,
    opts: &ScanOptions,
    host: &dyn ScanHost,
) -> ArtifactScan {
    let mut ctx = ScanCtx::with_host(path, opts, host);
    let format = detect_and_scan(src, &mut ctx);
    ctx.set_format(format);
    ctx.finish()
}

fn detect_and_scan(src: &mut dyn ByteSource, ctx: &mut ScanCtx<'_>) -> Format {
    let detected = match detect(src, ctx) {
        Ok(f) => f,
        Err(e) => {
            ctx.error(format!("could not read: {e}"));
            return Format::Unknown;
        }
    };
    let refined = match dispatch(detected, src, ctx) {
        Ok(f) => f,
        Err(e) => {
            ctx.error(format!("could not read: {e}"));
            detected
        }
    };
    check_extension(refined, ctx);
    if refined == Format::Unknown {
        let f = ctx.finding(
            &UNKNOWN_FORMAT,
            Location::File,
            "content matches no known format; it was not analysed",
        );
        ctx.push(f.with_help(
            "find out what loads this file; treat it as untrusted if a deserialiser does",
        ));
    }
    refined
}

/// Scan the configuration of a Keras 3 `.keras` archive whose directory the
/// zip scanner has read. Families reach each other only through the driver:
/// the archive family finds the archive, the graphs family judges it.
pub(crate) fn scan_keras_archive(
    src: &mut dyn ByteSource,
    dir: &formats::archive::zip::ZipDirectory,
    ctx: &mut ScanCtx<'_>,
) -> Result<(), ReadError> {
    formats::graphs::keras::scan_archive(src, dir, ctx)
}

/// Read the head and tail windows and sniff the format.
pub fn detect(src: &mut dyn ByteSource, ctx: &ScanCtx<'_>) -> Result<Format, ReadError> {
    formats::sniff::sniff_source(src, &ctx.limits().scan, ctx.current_name())
}

fn dispatch(
    format: Format,
    src: &mut dyn ByteSource,
    ctx: &mut ScanCtx<'_>,
) -> Result<Format, ReadError> {
    use Format::*;
    match format {
        Pickle => formats::pickle::scan(format, src, ctx),
        PytorchZip | PytorchLegacy | PytorchTar | Torchscript | Joblib | Zip | Tar | Gzip
        | Bzip2 | Xz | Lz4 | Zstd => formats::archive::scan(format, src, ctx),
        Npy | Npz => formats::numpy::scan(format, src, ctx),
        Safetensors | Gguf | Tflite | FlaxMsgpack => formats::tensors::scan(format, src, ctx),
        Onnx | Keras | Hdf5 | TfSavedModel => formats::graphs::scan(format, src, ctx),
        Python | Shell | Elf | Pe | MachO | Notebook | LfsPointer | Json | Text => {
            formats::repo::scan(format, src, ctx)
        }
        Empty | Unknown => Ok(format),
    }
}

fn check_extension(format: Format, ctx: &mut ScanCtx<'_>) {
    let ext = format::extension(ctx.current_name());
    let Some(expected) = format::expected_for_extension(&ext) else {
        return;
    };
    if expected.contains(&format) || format == Format::Unknown {
        return;
    }
    let f = ctx.finding(
        &EXTENSION_MISMATCH,
        Location::File,
        format!("named `.{ext}` but the content is {format}"),
    );
    let expected: Vec<&str> = expected.iter().map(|f| f.as_str()).collect();
    ctx.push(f.with_help(format!(
        "a `.{ext}` file should hold {}; rename it after its real format or replace it",
        expected.join(" or ")
    )));
}
