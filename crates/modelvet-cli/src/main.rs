//! `modelvet`: vet model files before they reach production.
//!
//! Glue only: argument parsing, file I/O, terminal rendering and exit codes.
//! Every decision is made in `modelvet-core`.

mod audit;
mod limits;
mod render;
mod scan;
mod verify;

use clap::{Parser, Subcommand, ValueEnum};
use modelvet_cli::files;
use modelvet_core::Severity;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

// The scanners allocate many small, short-lived values (pickle machine
// values, archive entries, findings); mimalloc serves them faster than the
// system allocator, as in uv and ruff.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code: nothing at or above the threshold.
const EXIT_CLEAN: u8 = 0;
/// Exit code: a finding at or above the threshold.
const EXIT_FINDINGS: u8 = 1;
/// Exit code: an error, or something that could not be scanned (fail closed).
const EXIT_ERROR: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "modelvet",
    version,
    about = "Vet ML model files statically: formats, embedded code, hashes"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scan files and folders (recursively) without executing anything in them.
    ///
    /// Exit codes: 0 clean, 1 a finding at or above --fail-on, 2 an error or a
    /// file that could not be scanned completely.
    Scan(ScanArgs),
    /// Audit a Hugging Face Hub model: licence, card, weights, remote code, Hub scans.
    ///
    /// Token from $HF_TOKEN (sent only to the endpoint); endpoint from --endpoint
    /// or $HF_ENDPOINT. Exit codes: 0 no item failing at or above --fail-on,
    /// 1 such an item, 2 the audit could not complete.
    Audit(audit::AuditArgs),
    /// Check that local files are the bytes a Hub repo (at a pinned commit)
    /// or a known-good manifest lists: per file match, mismatch, missing,
    /// extra or lfs-pointer.
    ///
    /// Exit codes: 0 everything matched, 1 a mismatch or a missing, extra
    /// or pointer-stub file not allowed, 2 the check could not be completed.
    Verify(verify::VerifyArgs),
    /// List every rule modelvet can raise.
    Rules,
}

#[derive(Debug, clap::Args)]
struct ScanArgs {
    /// Files or folders to scan.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Lowest severity that fails the scan (exit code 1).
    #[arg(long, default_value = "high", value_parser = parse_severity)]
    fail_on: Severity,
    /// Threads that hash and scan files (default: number of CPUs; at most 256).
    #[arg(long, short, value_parser = parse_jobs)]
    jobs: Option<usize>,
    /// A symbolic link that leads out of a scanned folder: follow it and
    /// report it (a `symlink-outside-root` finding), or refuse it (an error).
    #[arg(long, value_enum, default_value_t = files::ExternalSymlinks::Follow)]
    external_symlinks: files::ExternalSymlinks,
    /// Most bytes read from standard input (`-`) or a pipe; longer streams
    /// are an error.
    #[arg(long, default_value_t = 2 << 30)]
    max_stream_bytes: u64,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    #[command(flatten)]
    limits: limits::LimitArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    /// A readable table.
    Text,
    /// The JSON report (docs/report.schema.json).
    Json,
}

fn parse_jobs(s: &str) -> Result<usize, String> {
    let n: usize = s.parse().map_err(|e| format!("{e}"))?;
    if (1..=scan::MAX_JOBS).contains(&n) {
        Ok(n)
    } else {
        Err(format!("must be between 1 and {}", scan::MAX_JOBS))
    }
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
        .map_err(|e: modelvet_core::severity::UnknownSeverity| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "error: {err:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Rules => {
            let mut out = std::io::stdout().lock();
            for rule in modelvet_core::rules::all() {
                writeln!(out, "{:<36} {:<8} {}", rule.id, rule.severity, rule.summary)?;
            }
            Ok(EXIT_CLEAN)
        }
        Command::Audit(args) => audit::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Scan(args) => {
            let walk = files::WalkOptions {
                external_symlinks: args.external_symlinks,
                max_stream_bytes: args.max_stream_bytes,
            };
            let limits = args.limits.resolve()?;
            let report = scan::scan_paths(&args.paths, args.fail_on, limits, args.jobs, walk)?;
            let text = match args.format {
                OutputFormat::Json => report.to_json_pretty() + "\n",
                OutputFormat::Text => render::text(&report),
            };
            match &args.output {
                Some(path) => std::fs::write(path, text)
                    .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
                None => write_stdout(&text)?,
            }
            let code = exit_code(&report);
            // The process ends now: freeing every finding and fact one by one
            // would only delay the exit.
            std::mem::forget(report);
            Ok(code)
        }
    }
}

/// Write to stdout, treating a closed pipe (`| head`) as success.
fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn exit_code(report: &modelvet_core::Report) -> u8 {
    match report.verdict {
        modelvet_core::Verdict::Error => EXIT_ERROR,
        modelvet_core::Verdict::Fail => EXIT_FINDINGS,
        modelvet_core::Verdict::Pass | modelvet_core::Verdict::Warn => EXIT_CLEAN,
    }
}
