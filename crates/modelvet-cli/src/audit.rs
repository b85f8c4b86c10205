//! `modelvet audit REPO[@REV]`: audit a Hugging Face Hub model's card,
//! licence, files and Hub scan results.
//!
//! Glue only: reads `HF_ENDPOINT` / `HF_TOKEN`, sends the requests the core's
//! [`HubSession`] asks for over blocking HTTPS (ureq + rustls), and renders
//! the [`CardAudit`].
//!
//! The whole audit has one deadline (`--deadline`): the core's session is
//! told the elapsed time before each request and gives every request what is
//! left as its timeout. An audit that could not complete exits 2 and, with
//! `--format json`, still prints a report whose `errors` say why.

use crate::{write_stdout, OutputFormat, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};
use modelvet_core::card::{self, AuditOptions, CardAudit, IntendedUse, ItemStatus};
use modelvet_core::hub::{
    run_blocking, HttpRequest, HttpResponse, HubConfig, HubSession, RepoRef, Transport,
    TransportError, DEFAULT_ENDPOINT,
};
use modelvet_core::{ReportBuilder, ScanOptions, Severity, Verdict};
use std::fmt::Write as _;
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Time allowed for one request, connection to last byte.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Repo id (`google-bert/bert-base-uncased`), `id@revision`, or a Hub URL.
    repo: String,
    /// Branch, tag or commit (overrides one in REPO).
    #[arg(long)]
    revision: Option<String>,
    /// Hub endpoint (default: $HF_ENDPOINT, else https://huggingface.co).
    #[arg(long)]
    endpoint: Option<String>,
    /// The use the licence is checked against.
    #[arg(long = "use", value_enum, default_value_t = UseArg::Commercial)]
    use_: UseArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Lowest item severity that fails the audit (exit code 1).
    #[arg(long, default_value = "high", value_parser = crate::parse_severity)]
    fail_on: Severity,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Seconds the whole audit may take; past it the audit is incomplete
    /// (exit 2). Default: `hub.deadline_ms` of --limits, else 120.
    #[arg(long, value_name = "SECS",
        value_parser = clap::value_parser!(u64).range(1..=86_400))]
    deadline: Option<u64>,
    /// Limits file, JSON or TOML, in the shape of the report's
    /// `settings.limits` and any subset of it (`hub` and `card` apply here;
    /// see docs/limits.md).
    #[arg(long, value_name = "FILE")]
    limits: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum UseArg {
    /// A product or service that earns money.
    Commercial,
    /// Research, teaching, evaluation.
    Research,
}

/// Blocking HTTPS. The `Authorization` header is set only by the core, for the
/// endpoint's origin, and ureq drops it on every redirect (to the CDN).
pub(crate) struct UreqTransport {
    agent: ureq::Agent,
}

impl UreqTransport {
    pub(crate) fn new() -> UreqTransport {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(REQUEST_TIMEOUT))
            .max_redirects(5)
            .redirect_auth_headers(ureq::config::RedirectAuthHeaders::Never)
            .user_agent(concat!("modelvet/", env!("CARGO_PKG_VERSION")))
            .build();
        UreqTransport {
            agent: config.into(),
        }
    }
}

impl Transport for UreqTransport {
    fn send(&mut self, req: &HttpRequest) -> Result<HttpResponse, TransportError> {
        // What is left of the audit's deadline, if that is shorter.
        let timeout = req
            .timeout_ms
            .map(Duration::from_millis)
            .map_or(REQUEST_TIMEOUT, |left| left.min(REQUEST_TIMEOUT));
        let mut builder = self
            .agent
            .get(&req.url)
            .config()
            .timeout_global(Some(timeout))
            .build();
        for (k, v) in &req.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let resp = builder.call().map_err(|e| TransportError(e.to_string()))?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    v.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        resp.into_body()
            .into_reader()
            .take(req.max_body.saturating_add(1))
            .read_to_end(&mut body)
            .map_err(|e| TransportError(format!("reading {}: {e}", req.url)))?;
        let max = usize::try_from(req.max_body).unwrap_or(usize::MAX);
        let truncated = body.len() > max;
        body.truncate(max);
        Ok(HttpResponse {
            status,
            headers,
            body,
            truncated,
        })
    }
}

pub(crate) fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

pub fn run(args: AuditArgs) -> anyhow::Result<u8> {
    let mut limits = crate::limits::LimitArgs {
        limits: args.limits.clone(),
        ..crate::limits::LimitArgs::default()
    }
    .resolve()?;
    if let Some(secs) = args.deadline {
        limits.hub.deadline_ms = secs.saturating_mul(1000);
    }
    let endpoint = args
        .endpoint
        .clone()
        .or_else(|| env_nonempty("HF_ENDPOINT"))
        .unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned());
    let token = env_nonempty("HF_TOKEN");
    let target = match RepoRef::parse(&args.repo, args.revision.as_deref()) {
        Ok(t) => t,
        Err(e) => return failed(&args, &args.repo, &e.to_string()),
    };
    let endpoint_trimmed = endpoint.trim_end_matches('/').to_ascii_lowercase();
    if let Some(origin) = &target.origin {
        if !endpoint_trimmed.starts_with(origin.as_str()) {
            let _ = writeln!(
                std::io::stderr(),
                "note: the URL is on {origin}, but the audit asks {endpoint} (use --endpoint {origin} to audit there)"
            );
        }
    }
    let config = HubConfig {
        endpoint,
        token,
        limits: limits.hub.clone(),
    };
    let repo_id = target.repo_id.clone();
    let session = match HubSession::new(config, target) {
        Ok(s) => s,
        Err(e) => return failed(&args, &repo_id, &e.to_string()),
    };
    let show_progress = std::io::stderr().is_terminal();
    let mut transport = UreqTransport::new();
    let started = Instant::now();
    let elapsed_ms = || u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let snapshot = run_blocking(session, &mut transport, elapsed_ms, |req| {
        if show_progress {
            let _ = writeln!(std::io::stderr(), "fetching {}…", req.purpose);
        }
    });
    let snapshot = match snapshot {
        Ok(s) => s,
        Err(e) => return failed(&args, &repo_id, &e.to_string()),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok());
    let opts = AuditOptions {
        intended_use: match args.use_ {
            UseArg::Commercial => IntendedUse::Commercial,
            UseArg::Research => IntendedUse::Research,
        },
        now_unix: now,
        fail_on: args.fail_on,
        yaml: limits.card.clone(),
    };
    let audit = card::audit(&snapshot, &opts);
    let code = match audit.verdict {
        Verdict::Error => EXIT_ERROR,
        Verdict::Fail => EXIT_FINDINGS,
        Verdict::Pass | Verdict::Warn => EXIT_CLEAN,
    };
    for problem in &audit.incomplete {
        let _ = writeln!(std::io::stderr(), "error: {problem}");
    }
    let text = match args.format {
        OutputFormat::Json => {
            let mut builder = report_builder(&args);
            for problem in &audit.incomplete {
                builder.add_error(&audit.repo_id, problem.clone());
            }
            builder.card(audit);
            builder.build().to_json_pretty() + "\n"
        }
        OutputFormat::Text => render(&audit),
    };
    emit(&args, &text)?;
    Ok(code)
}

fn report_builder(args: &AuditArgs) -> ReportBuilder {
    ReportBuilder::new(ScanOptions {
        fail_on: args.fail_on,
        ..ScanOptions::default()
    })
}

/// The audit could not complete: say why on stderr and, in JSON, in a report
/// (verdict `error`, the reason in `errors`, no card). Exit 2.
fn failed(args: &AuditArgs, repo: &str, message: &str) -> anyhow::Result<u8> {
    let _ = writeln!(std::io::stderr(), "error: {message}");
    if args.format == OutputFormat::Json {
        let mut builder = report_builder(args);
        builder.add_error(repo, message);
        emit(args, &(builder.build().to_json_pretty() + "\n"))?;
    }
    Ok(EXIT_ERROR)
}

fn emit(args: &AuditArgs, text: &str) -> anyhow::Result<()> {
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display())),
        None => write_stdout(text),
    }
}

/// The human-readable audit.
pub fn render(a: &CardAudit) -> String {
    let mut out = String::new();
    let short = a.sha.get(..12).unwrap_or(&a.sha);
    let _ = writeln!(out, "{} @ {short} ({})", a.repo_id, a.endpoint);
    let _ = writeln!(out, "{}", a.url);
    let l = &a.license;
    let licence = match (&l.id, l.class) {
        (Some(id), Some(class)) => format!(
            "{id} ({}{})",
            l.name
                .as_deref()
                .map(|n| format!("{n}, "))
                .unwrap_or_default(),
            class.as_str()
        ),
        _ => "none declared".to_owned(),
    };
    let permission = l
        .permission
        .map(|p| format!("{p:?}").to_lowercase())
        .unwrap_or_else(|| "unknown".to_owned());
    let _ = writeln!(
        out,
        "licence: {licence}; {} use: {permission}",
        a.intended_use.as_str()
    );
    let _ = writeln!(
        out,
        "score: {}/100, grade {}   (context, not scored: {} downloads, {} likes)",
        a.score,
        a.grade.as_str(),
        a.popularity
            .downloads
            .map_or_else(|| "?".to_owned(), |d| d.to_string()),
        a.popularity
            .likes
            .map_or_else(|| "?".to_owned(), |d| d.to_string()),
    );
    let _ = writeln!(out);
    for item in &a.items {
        let status = match item.status {
            ItemStatus::Pass => "PASS",
            ItemStatus::Partial => "PARTIAL",
            ItemStatus::Fail => "FAIL",
            ItemStatus::NotApplicable => "N/A",
        };
        let sev = item.severity.map(|s| format!("[{s}]")).unwrap_or_default();
        let (id, ..) = item.id.spec();
        let _ = writeln!(out, "  {status:<8} {id:<24} {sev:<11} {}", item.evidence);
        if let Some(link) = &item.link {
            let _ = writeln!(out, "  {:<8} {:<24} {:<11} {link}", "", "", "");
        }
    }
    if !a.files.is_empty() {
        let _ = writeln!(
            out,
            "\nfiles ({}{}):",
            a.files.len(),
            if a.files_complete {
                ""
            } else {
                ", list truncated"
            }
        );
        for f in &a.files {
            let scan = match (&f.flagged, &f.hub_scan) {
                (Some(level), _) => format!("hub: {level}"),
                (None, Some(s)) => format!("hub: {}", s.status.as_deref().unwrap_or("scanned")),
                (None, None) => String::new(),
            };
            let _ = writeln!(
                out,
                "  {:<40} {:>12} {:<12} {:<64} {scan}",
                f.path,
                f.size.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
                f.format.as_str(),
                f.lfs_sha256.as_deref().unwrap_or("-"),
            );
        }
    }
    if !a.front_matter.duplicate_keys.is_empty() {
        let _ = writeln!(
            out,
            "\nfront matter: duplicate keys {} (the first value is used)",
            a.front_matter.duplicate_keys.join(", ")
        );
    }
    if let Some(err) = &a.front_matter.error {
        let _ = writeln!(out, "\nfront matter: {err}");
    }
    for note in &a.notes {
        let _ = writeln!(out, "note: {note}");
    }
    for problem in &a.incomplete {
        let _ = writeln!(out, "incomplete: {problem}");
    }
    let _ = writeln!(out, "\nverdict: {} (fail on {})", a.verdict, a.fail_on);
    out
}
