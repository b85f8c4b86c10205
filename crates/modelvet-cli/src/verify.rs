//! `modelvet verify PATH`: are these the bytes the publisher released?
//!
//! Glue only: reads the manifest or lists the Hub repo at a pinned commit
//! (the core's [`HubSession`] over the audit's transport), hashes and scans
//! the files once (the scan's own hashing, with the git blob SHA-1 added to
//! the same stream), and hands both to [`provenance::compare`].
//!
//! Exit codes: 0 everything matched, 1 a mismatch or a missing, extra or
//! pointer-stub file not allowed, 2 the check could not be completed.

use crate::audit::{env_nonempty, UreqTransport};
use crate::{write_stdout, OutputFormat, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use modelvet_cli::files::{ExternalSymlinks, WalkOptions};
use modelvet_core::hub::{run_blocking, HubConfig, HubSession, RepoRef, DEFAULT_ENDPOINT};
use modelvet_core::provenance::{
    self, hub::expected_from_snapshot, lfs, manifest, CompareOptions, DigestAlgorithm, ExpectedSet,
    FileStatus, IgnorePaths, LocalFile, ProvenanceReport, ProvenanceSource, ProvenanceVerdict,
};
use modelvet_core::{Format, Report, ReportBuilder, ScanOptions, Severity, Verdict};
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["hub", "manifest"])))]
pub struct VerifyArgs {
    /// The folder (or file) to verify; paths are compared relative to it.
    path: PathBuf,
    /// Compare with a Hub repo at a revision: `REPO[@REV]` (default branch
    /// when no revision), resolved to a commit first.
    #[arg(long, value_name = "REPO[@REV]")]
    hub: Option<String>,
    /// Hub endpoint (default: $HF_ENDPOINT, else https://huggingface.co).
    #[arg(long, requires = "hub")]
    endpoint: Option<String>,
    /// Compare with a known-good list: `sha256sum` output or a JSON object
    /// of path to SHA-256.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    /// Files or folders (relative to PATH) left out on both sides, besides
    /// `.git*` and `.cache/huggingface/`.
    #[arg(long, value_name = "P", num_args = 1..)]
    ignore_paths: Vec<String>,
    /// Local files the source does not list do not fail the check.
    #[arg(long)]
    allow_extra: bool,
    /// Listed files that are absent (or only Git LFS pointer stubs) do not
    /// fail the check; they are still listed.
    #[arg(long)]
    allow_missing: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Threads that hash and scan files (default: number of CPUs).
    #[arg(long, short, value_parser = crate::parse_jobs)]
    jobs: Option<usize>,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub fn run(args: VerifyArgs) -> anyhow::Result<u8> {
    let mut ignore = args.ignore_paths.clone();
    let expected = match expected_set(&args, &mut ignore) {
        Ok(set) => set,
        Err(message) => return failed(&args, &message),
    };
    let ignore = match IgnorePaths::new(&ignore) {
        Ok(i) => i,
        Err((p, e)) => return failed(&args, &format!("--ignore-paths {p:?}: {e}")),
    };
    let git_blob = expected
        .files
        .values()
        .any(|f| f.digest.algorithm == DigestAlgorithm::GitSha1);
    let walk = WalkOptions {
        external_symlinks: ExternalSymlinks::Follow,
        max_stream_bytes: 0,
    };
    let (mut report, hashed) = crate::scan::scan_and_hash(
        std::slice::from_ref(&args.path),
        Severity::High,
        modelvet_core::Limits::default(),
        args.jobs,
        walk,
        git_blob,
    )?;
    let mut expected = expected;
    for (path, message) in &hashed.problems {
        expected.problems.push(format!("{path}: {message}"));
    }
    let locals = local_files(&args.path, &report, hashed.files);
    let opts = CompareOptions {
        ignore,
        allow_extra: args.allow_extra,
        allow_missing: args.allow_missing,
    };
    let check = provenance::compare(&expected, &locals, &opts);
    let code = match check.verdict {
        ProvenanceVerdict::Pass => EXIT_CLEAN,
        ProvenanceVerdict::Fail => EXIT_FINDINGS,
        ProvenanceVerdict::Incomplete => EXIT_ERROR,
    };
    for problem in &check.problems {
        let _ = writeln!(std::io::stderr(), "error: {problem}");
    }
    let text = match args.format {
        OutputFormat::Json => {
            report.verdict = report.verdict.max(match check.verdict {
                ProvenanceVerdict::Pass => Verdict::Pass,
                ProvenanceVerdict::Fail => Verdict::Fail,
                ProvenanceVerdict::Incomplete => Verdict::Error,
            });
            report.provenance = Some(check);
            report.to_json_pretty() + "\n"
        }
        OutputFormat::Text => render(&check),
    };
    emit(&args, &text)?;
    Ok(code)
}

/// The expected digests, from the manifest or the Hub. A manifest inside
/// PATH is added to the ignored paths.
fn expected_set(args: &VerifyArgs, ignore: &mut Vec<String>) -> Result<ExpectedSet, String> {
    if let Some(path) = &args.manifest {
        let name = path.display().to_string();
        let bytes = read_bounded(path, manifest::ManifestLimits::default().max_bytes)
            .map_err(|e| format!("cannot read the manifest {name}: {e}"))?;
        let m = manifest::parse(&bytes, &manifest::ManifestLimits::default())
            .map_err(|e| format!("the manifest {name} is not usable: {e}"))?;
        if let Some(rel) = inside(&args.path, path) {
            ignore.push(rel);
        }
        return Ok(ExpectedSet::from_manifest(&name, &m));
    }
    let Some(repo) = &args.hub else {
        return Err("give --hub REPO[@REV] or --manifest FILE".to_owned());
    };
    let target = RepoRef::parse(repo, None).map_err(|e| e.to_string())?;
    let config = HubConfig {
        endpoint: args
            .endpoint
            .clone()
            .or_else(|| env_nonempty("HF_ENDPOINT"))
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned()),
        token: env_nonempty("HF_TOKEN"),
        ..HubConfig::default()
    };
    let session = HubSession::new(config, target).map_err(|e| e.to_string())?;
    let show_progress = std::io::stderr().is_terminal();
    let started = Instant::now();
    let elapsed_ms = || u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let snapshot = run_blocking(session, &mut UreqTransport::new(), elapsed_ms, |req| {
        if show_progress {
            let _ = writeln!(std::io::stderr(), "fetching {}…", req.purpose);
        }
    })
    .map_err(|e| e.to_string())?;
    Ok(expected_from_snapshot(&snapshot))
}

/// Read at most `limit` + 1 bytes (the parser refuses more).
fn read_bounded(path: &Path, limit: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    std::fs::File::open(path)?
        .take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut out)?;
    Ok(out)
}

/// `file`'s POSIX path relative to `root`, when it lies inside it.
fn inside(root: &Path, file: &Path) -> Option<String> {
    let root = std::fs::canonicalize(root).ok()?;
    let file = std::fs::canonicalize(file).ok()?;
    posix(file.strip_prefix(&root).ok()?)
}

fn posix(rel: &Path) -> Option<String> {
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The files the scan hashed, named by their path relative to `root`.
fn local_files(
    root: &Path,
    report: &Report,
    files: Vec<(modelvet_cli::files::Target, Option<String>)>,
) -> Vec<LocalFile> {
    let root_is_file = root.is_file();
    files
        .into_iter()
        .map(|(target, git_sha1)| {
            let rel = if root_is_file {
                target
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
            } else {
                target.path.strip_prefix(root).ok().and_then(posix)
            }
            .unwrap_or_else(|| target.display.clone());
            let artifact = report.artifacts.iter().find(|a| a.path == target.display);
            let sha256 = artifact.and_then(|a| a.sha256.clone());
            let lfs_pointer = artifact
                .filter(|a| a.format == Format::LfsPointer)
                .and_then(|a| a.facts.get("lfs.pointer"))
                .and_then(|f| f.get("oid"))
                .and_then(|o| o.as_str())
                .and_then(lfs::oid_sha256);
            let unreadable = sha256.is_none().then(|| {
                report
                    .errors
                    .iter()
                    .find(|e| e.artifact == target.display)
                    .map_or_else(|| "it could not be read".to_owned(), |e| e.message.clone())
            });
            LocalFile {
                path: rel,
                size: target.size,
                sha256,
                git_sha1,
                lfs_pointer,
                unreadable,
            }
        })
        .collect()
}

/// The check could not start: say why on stderr and, in JSON, in a report
/// (verdict `error`, the reason in `errors`). Exit 2.
fn failed(args: &VerifyArgs, message: &str) -> anyhow::Result<u8> {
    let _ = writeln!(std::io::stderr(), "error: {message}");
    if args.format == OutputFormat::Json {
        let mut builder = ReportBuilder::new(ScanOptions::default());
        let source = args
            .hub
            .clone()
            .or_else(|| args.manifest.as_ref().map(|m| m.display().to_string()))
            .unwrap_or_default();
        builder.add_error(&source, message);
        emit(args, &(builder.build().to_json_pretty() + "\n"))?;
    }
    Ok(EXIT_ERROR)
}

fn emit(args: &VerifyArgs, text: &str) -> anyhow::Result<()> {
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display())),
        None => write_stdout(text),
    }
}

fn digest(d: Option<&provenance::Digest>) -> String {
    d.map_or_else(
        || "-".to_owned(),
        |d| {
            let alg = match d.algorithm {
                DigestAlgorithm::Sha256 => "sha256",
                DigestAlgorithm::GitSha1 => "git-sha1",
            };
            format!("{alg}:{}", d.hex)
        },
    )
}

/// The human-readable check.
pub fn render(r: &ProvenanceReport) -> String {
    let mut out = String::new();
    let _ = match &r.source {
        ProvenanceSource::Hub {
            endpoint,
            repo_id,
            commit,
            ..
        } => writeln!(out, "verify against {repo_id} @ {commit} ({endpoint})"),
        ProvenanceSource::Manifest { name, .. } => writeln!(out, "verify against {name}"),
    };
    for f in &r.files {
        let _ = write!(out, "  {:<12} {}", f.status.as_str(), f.path);
        match f.status {
            FileStatus::Mismatch | FileStatus::LfsPointer => {
                let _ = write!(
                    out,
                    "\n               expected {}\n               actual   {}",
                    digest(f.expected.as_ref()),
                    digest(f.actual.as_ref())
                );
            }
            _ => {}
        }
        let _ = writeln!(out);
    }
    if !r.ignored.is_empty() {
        let _ = writeln!(out, "ignored: {}", r.ignored.join(", "));
    }
    for p in &r.problems {
        let _ = writeln!(out, "incomplete: {p}");
    }
    let counts: Vec<String> = FileStatus::ALL
        .iter()
        .filter_map(|s| {
            let n = r.counts.get(s).copied().unwrap_or(0);
            (n > 0).then(|| format!("{n} {}", s.as_str()))
        })
        .collect();
    let verdict = match r.verdict {
        ProvenanceVerdict::Pass => "pass",
        ProvenanceVerdict::Fail => "fail",
        ProvenanceVerdict::Incomplete => "incomplete",
    };
    let _ = writeln!(out, "\nverdict: {verdict} ({})", counts.join(", "));
    out
}
