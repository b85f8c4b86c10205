//! The human-readable text report.

use modelvet_core::{Report, Severity};
use std::fmt::Write;

pub fn text(report: &Report) -> String {
    let mut out = String::new();
    let path_w = report
        .artifacts
        .iter()
        .map(|a| a.path.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 60);
    let _ = writeln!(
        out,
        "{:<path_w$}  {:>10}  {:<14}  {:<7}  SHA-256",
        "PATH", "SIZE", "FORMAT", "VERDICT"
    );
    for a in &report.artifacts {
        let _ = writeln!(
            out,
            "{:<path_w$}  {:>10}  {:<14}  {:<7}  {}",
            a.path,
            human_size(a.size),
            a.format.as_str(),
            a.verdict.as_str(),
            a.sha256.as_deref().unwrap_or("-"),
        );
    }
    if !report.findings.is_empty() {
        let _ = writeln!(out, "\nFindings:");
        for f in &report.findings {
            let _ = writeln!(
                out,
                "  {:<8} {} [{}] {}: {}",
                f.severity.as_str().to_uppercase(),
                f.artifact,
                f.rule_id,
                f.location,
                f.message
            );
            if let Some(evidence) = &f.evidence {
                let _ = writeln!(out, "           {evidence}");
            }
            if let Some(help) = &f.help {
                let _ = writeln!(out, "           help: {help}");
            }
        }
    }
    if !report.errors.is_empty() {
        let _ = writeln!(out, "\nNot scanned completely:");
        for e in &report.errors {
            let _ = writeln!(out, "  {}: {}", e.artifact, e.message);
        }
    }
    let counts: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .filter_map(|s| {
            let n = report.summary.findings.get(s).copied().unwrap_or(0);
            (n > 0).then(|| format!("{n} {s}"))
        })
        .collect();
    let _ = writeln!(
        out,
        "\n{} files, {}, {} findings{}{}, verdict: {} (fail on {})",
        report.summary.artifacts,
        human_size(report.summary.bytes),
        report.findings.len(),
        if counts.is_empty() {
            String::new()
        } else {
            format!(" ({})", counts.join(", "))
        },
        if report.errors.is_empty() {
            String::new()
        } else {
            format!(", {} errors", report.errors.len())
        },
        report.verdict,
        report.settings.fail_on,
    );
    out
}

fn human_size(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS.get(unit).copied().unwrap_or("B"))
    }
}
