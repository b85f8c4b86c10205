//! Shell scripts (and notebook `!` lines): downloads piped into an
//! interpreter, encoded payloads, reverse shells.

use crate::finding::{abbreviate, Location};
use crate::rule::Rule;
use crate::scan::ScanCtx;

pub use crate::formats::repo::rules::{SHELL_DOWNLOAD, SHELL_REMOTE_EXEC};

/// Rules of the shell scanner.
pub const RULES: &[&Rule] = &[&SHELL_REMOTE_EXEC, &SHELL_DOWNLOAD];

/// Why a command line is remote execution, if it is.
pub fn remote_exec(line: &str) -> Option<&'static str> {
    let l = line.to_ascii_lowercase();
    let downloads = l.contains("curl")
        || l.contains("wget")
        || l.contains("invoke-webrequest")
        || l.contains("iwr ");
    let pipes_to_interpreter = [
        "| sh", "|sh", "| bash", "|bash", "| zsh", "| python", "|python", "| sudo", "| perl",
        "| iex",
    ]
    .iter()
    .any(|p| l.contains(p));
    if downloads && pipes_to_interpreter {
        return Some("pipes a download into an interpreter");
    }
    if downloads
        && (l.contains("<(curl")
            || l.contains("<(wget")
            || l.contains("$(curl")
            || l.contains("$(wget")
            || l.contains("`curl")
            || l.contains("`wget"))
    {
        return Some("runs the output of a download");
    }
    if (l.contains("base64 -d") || l.contains("base64 --decode")) && pipes_to_interpreter {
        return Some("decodes and runs an encoded payload");
    }
    if l.contains("/dev/tcp/")
        || l.contains("nc -e")
        || l.contains("ncat -e")
        || l.contains("mkfifo") && l.contains("nc ")
    {
        return Some("opens a reverse shell");
    }
    None
}

fn downloads(line: &str) -> bool {
    line.split(|c: char| {
        c.is_whitespace() || c == ';' || c == '|' || c == '&' || c == '(' || c == '!'
    })
    .any(|w| w == "curl" || w == "wget")
}

/// Scan shell source; `loc` maps a 1-based line to a location.
pub fn scan_lines<'a>(
    lines: impl Iterator<Item = (u64, &'a str)>,
    ctx: &mut ScanCtx<'_>,
    loc: &dyn Fn(u64) -> Location,
) {
    let mut raised = 0usize;
    for (n, line) in lines {
        let code = line.trim();
        if code.starts_with('#') || raised >= 200 {
            continue;
        }
        if let Some(why) = remote_exec(code) {
            let f = ctx.finding(&SHELL_REMOTE_EXEC, loc(n), format!("command {why}"));
            ctx.push(f.with_evidence(abbreviate(code, 200)));
            raised = raised.saturating_add(1);
        } else if downloads(code) {
            let f = ctx.finding(&SHELL_DOWNLOAD, loc(n), "command downloads a file");
            ctx.push(f.with_evidence(abbreviate(code, 200)));
            raised = raised.saturating_add(1);
        }
    }
}
