//! Python files: custom modelling code loaded with `trust_remote_code=True`.
//!
//! The file is parsed by a real Python parser (Ruff's `ruff_python_parser`,
//! the syntax of Python 3.9 to 3.15) into an
//! AST. Every call, and every callable passed as an argument, is resolved
//! through the file's imports and assignments to a dotted path (`import os
//! as o; o.system` is `os.system`, `x = os; x.system` too, `getattr(os,
//! "system")` and `__import__("os").system` as well), then judged: first by
//! a table of calls that run commands, evaluate code, deserialise pickles or
//! download, then by the pickle denylist ([`crate::formats::pickle::classify`]).
//! A file the parser refuses is still scanned by a light tokenizer (the
//! fallback), and reported. It never runs the code.

use super::pyast;
use crate::finding::{abbreviate, Location};
pub use crate::formats::repo::rules::{PYTHON_CUSTOM_CODE, PYTHON_DANGEROUS_CALL, PYTHON_UNPARSED};
use crate::rule::Rule;
use crate::scan::ScanCtx;
use crate::severity::Severity;
use std::collections::BTreeMap;

/// Rules of the Python scanner.
pub const RULES: &[&Rule] = &[
    &PYTHON_CUSTOM_CODE,
    &PYTHON_DANGEROUS_CALL,
    &PYTHON_UNPARSED,
];

/// Largest file handed to the parser (the reader already stops at
/// `repo.max_text_bytes`, 8 MiB by default).
pub const MAX_PARSE_BYTES: usize = 8 * 1024 * 1024;

/// Deepest estimated nesting of expressions and brackets parsed. The syntax
/// tree is visited and dropped recursively, so deeper input is not parsed
/// (see [`nesting`]); CPython refuses more than 200 nested brackets but
/// accepts long operator chains.
pub const MAX_NESTING: u32 = 300;

/// A token of the fallback tokenizer.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A name or keyword.
    Name(String),
    /// A string literal.
    Str,
    /// Any other character.
    Op(char),
    /// The end of a line.
    Newline,
}

/// Tokens with their 1-based line numbers.
pub fn tokenize(src: &str) -> Vec<(Tok, u64)> {
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
    pub why: String,
    /// Severity.
    pub severity: Severity,
    /// 1-based line.
    pub line: u64,
    /// How the written name resolves, when it differs (``"`o.system` is
    /// `os.system` (import os as o)"``).
    pub via: Option<String>,
}

/// What matters about a call's arguments.
#[derive(Debug, Clone, Copy, Default)]
struct Args {
    /// `weights_only=True` is passed.
    weights_only: bool,
    /// `allow_pickle=True` is passed.
    allow_pickle: bool,
    /// An argument names a module whose attributes run code (`getattr(os, name)`).
    dangerous_module: bool,
}

/// Modules whose attributes, looked up by a computed name, can run code.
const DANGEROUS_MODULES: &[&str] = &[
    "os",
    "posix",
    "nt",
    "subprocess",
    "builtins",
    "__builtins__",
    "pickle",
    "marshal",
    "pty",
    "importlib",
    "ctypes",
    "shutil",
    "socket",
];

/// The code-specific judgement of a resolved call. Order matters: a more
/// precise rule comes first.
fn classify(name: &str, args: Args) -> Option<(&'static str, Severity)> {
    let (module, func) = name.rsplit_once('.').unwrap_or(("", name));
    let root = name.split('.').next().unwrap_or(name);
    Some(match (module, func) {
        ("os" | "posix" | "nt", "system" | "popen" | "startfile") => {
            ("runs a shell command", Severity::High)
        }
        ("os" | "posix" | "nt", f)
            if f.starts_with("exec")
                || f.starts_with("spawn")
                || f.starts_with("posix_spawn")
                || f.starts_with("fork") =>
        {
            ("replaces, forks or spawns a process", Severity::High)
        }
        (
            "subprocess",
            "run" | "call" | "Popen" | "check_output" | "check_call" | "getoutput"
            | "getstatusoutput",
        )
        | ("_posixsubprocess", "fork_exec")
        | ("asyncio.subprocess", "create_subprocess_exec" | "create_subprocess_shell")
        | ("commands", "getoutput" | "getstatusoutput")
        | ("pty", "spawn" | "fork")
        | ("asyncio", "create_subprocess_exec" | "create_subprocess_shell") => {
            ("starts a process", Severity::High)
        }
        ("" | "builtins", "eval" | "exec") => ("evaluates code from a string", Severity::High),
        ("code", "interact" | "InteractiveInterpreter" | "InteractiveConsole")
        | ("runpy", _)
        | ("types", "FunctionType" | "CodeType") => ("runs or builds code", Severity::High),
        ("" | "builtins", "__import__") => {
            ("imports a module chosen at run time", Severity::Medium)
        }
        _ if root == "importlib" => ("imports a module chosen at run time", Severity::Medium),
        ("" | "builtins", "compile") => ("compiles code from a string", Severity::Medium),
        (
            "pickle" | "cPickle" | "_pickle" | "dill" | "cloudpickle",
            "load" | "loads" | "Unpickler",
        )
        | ("marshal", "loads" | "load")
        | ("joblib", "load")
        | ("pandas" | "pd", "read_pickle")
        | ("shelve", "open") => ("deserialises a pickle, which can run code", Severity::High),
        ("torch", "load") if !args.weights_only => (
            "loads a checkpoint without weights_only=True, which unpickles arbitrary objects",
            Severity::High,
        ),
        ("numpy" | "np", "load") if args.allow_pickle => {
            ("loads a numpy file with allow_pickle=True", Severity::High)
        }
        ("torch.hub", "load") => ("downloads and runs repository code", Severity::High),
        ("urllib.request" | "urllib" | "urllib2", "urlopen" | "urlretrieve" | "Request")
        | ("requests" | "httpx" | "aiohttp", _)
        | ("http.client", "HTTPConnection" | "HTTPSConnection")
        | ("ftplib", "FTP" | "FTP_TLS")
        | ("wget", "download")
        | ("socket", "socket" | "create_connection" | "socketpair") => {
            ("reaches the network", Severity::Medium)
        }
        _ if root == "requests" || root == "httpx" || root == "urllib3" => {
            ("reaches the network", Severity::Medium)
        }
        ("huggingface_hub", "hf_hub_download" | "snapshot_download")
        | ("torch.hub", "download_url_to_file" | "load_state_dict_from_url") => {
            ("downloads further files or code", Severity::Medium)
        }
        ("" | "builtins", "getattr") if args.dangerous_module => (
            "looks up a function of a dangerous module by name",
            Severity::High,
        ),
        (
            "ctypes" | "ctypes.cdll" | "ctypes.windll",
            "CDLL" | "LoadLibrary" | "PyDLL" | "WinDLL",
        ) => ("loads a native library", Severity::High),
        _ => return None,
    })
}

/// [`classify`], then the pickle denylist for what the table does not name:
/// an entry there that runs code (code execution, processes, code objects,
/// native code: [`crate::formats::pickle::RUNS_CODE`]) outside
/// `os` and `builtins` (whose dangerous members the table lists; the rest,
/// `os.path.join`, is everyday code) is high in a code file.
fn judge(name: &str, args: Args) -> Option<(String, Severity)> {
    if let Some((why, severity)) = classify(name, args) {
        return Some((why.to_owned(), severity));
    }
    let root = name.split('.').next().unwrap_or(name);
    if matches!(root, "os" | "builtins" | "") || !name.contains('.') {
        return None;
    }
    match crate::formats::pickle::classify(name) {
        crate::formats::pickle::Class::Dangerous { reason, .. }
            if crate::formats::pickle::RUNS_CODE
                .iter()
                .any(|code| reason.starts_with(code)) =>
        {
            Some((reason, Severity::High))
        }
        _ => None,
    }
}

/// The arguments of a call as tokens (the tokenizer fallback).
fn token_args(args: &[Tok]) -> Args {
    let has_kw = |k: &str, v: &str| {
        args.windows(3)
            .any(|w| matches!(w, [Tok::Name(a), Tok::Op('='), Tok::Name(b)] if a == k && b == v))
    };
    Args {
        weights_only: has_kw("weights_only", "True"),
        allow_pickle: has_kw("allow_pickle", "True"),
        dangerous_module: args
            .iter()
            .any(|t| matches!(t, Tok::Name(n) if DANGEROUS_MODULES.contains(&n.as_str()))),
    }
}

/// Every flagged call in `src` found by the tokenizer, at most `max` (the
/// fallback for files the parser refuses).
pub fn token_calls(src: &str, max: usize) -> Vec<Call> {
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
                let args = token_args(&call_args(&toks, next));
                let mut class = judge(&resolved, args);
                // A bare name may come from `from module import *`.
                if class.is_none() && !name.contains('.') && !aliases.contains_key(&name) {
                    for m in &star {
                        let full = format!("{m}.{name}");
                        if let Some(c) = judge(&full, args) {
                            resolved = full;
                            class = Some(c);
                            break;
                        }
                    }
                }
                if let Some((why, severity)) = class {
                    let via = (resolved != name).then(|| format!("`{name}` is `{resolved}`"));
                    calls.push(Call {
                        name: resolved,
                        why,
                        severity,
                        line,
                        via,
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

/// What the analysis of one file found.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Flagged calls, in source order.
    pub calls: Vec<Call>,
    /// Why the file was not parsed (then `calls` come from the tokenizer),
    /// and how bad that is.
    pub unparsed: Option<(String, Severity)>,
}

/// Estimated nesting of `toks`: open brackets plus, at each bracket level,
/// the operators chained since the last separator (`a + b + c` nests its
/// syntax tree as deep as it has operators).
pub fn nesting(toks: &[(Tok, u64)]) -> u32 {
    let mut levels: Vec<u32> = vec![0];
    let mut max = 0u32;
    for (t, _) in toks {
        match t {
            Tok::Op('(' | '[' | '{') => {
                if let Some(last) = levels.last_mut() {
                    *last = last.saturating_add(1);
                }
                levels.push(0);
            }
            Tok::Op(')' | ']' | '}') if levels.len() > 1 => {
                levels.pop();
            }
            Tok::Op(',' | ';' | ':') => {
                if let Some(last) = levels.last_mut() {
                    *last = 0;
                }
            }
            Tok::Newline if levels.len() == 1 => levels = vec![0],
            Tok::Op(c) if "+-*/%@|&^~<>.=!".contains(*c) => {
                if let Some(last) = levels.last_mut() {
                    *last = last.saturating_add(1);
                }
            }
            Tok::Name(n)
                if matches!(
                    n.as_str(),
                    "not" | "and" | "or" | "if" | "else" | "lambda" | "await" | "in" | "is"
                ) =>
            {
                if let Some(last) = levels.last_mut() {
                    *last = last.saturating_add(1);
                }
            }
            _ => {}
        }
        let depth = u32::try_from(levels.len())
            .unwrap_or(u32::MAX)
            .saturating_add(levels.iter().fold(0u32, |a, b| a.saturating_add(*b)));
        max = max.max(depth);
    }
    max
}

/// Deepest indentation, in columns, of a line (blocks nest the syntax tree too).
fn max_indent(src: &str) -> usize {
    src.lines()
        .map(|l| l.len().saturating_sub(l.trim_start().len()))
        .max()
        .unwrap_or(0)
}

/// The newest Python the parser knows. Syntax it reports as too new for
/// this version (none today) or as added in any version is accepted: only
/// real syntax errors and syntax removed before Python 3.9 fail.
const PYTHON_VERSION: ruff_python_ast::PythonVersion = ruff_python_ast::PythonVersion::PY315;

/// Parse `src` as a module with Ruff's parser, accepting the syntax of every
/// Python from 3.9 to the newest it knows (3.15); the first syntax error
/// otherwise.
fn parse(src: &str) -> Result<ruff_python_ast::ModModule, String> {
    use ruff_python_parser::{Mode, ParseOptions, UnsupportedSyntaxErrorKind};
    let options = ParseOptions::from(Mode::Module).with_target_version(PYTHON_VERSION);
    let parsed = ruff_python_parser::parse_unchecked(src, options);
    if let Some(e) = parsed.errors().first() {
        return Err(e.error.to_string());
    }
    // Version-dependent errors: only syntax that no Python from 3.9 on
    // accepts fails (keyword argument names in parentheses, `f((a)=1)`,
    // removed in 3.8); syntax added in a version is accepted, since some
    // Python that loads the file may be that new.
    if let Some(e) = parsed.unsupported_syntax_errors().iter().find(|e| {
        matches!(
            e.kind,
            UnsupportedSyntaxErrorKind::ParenthesizedKeywordArgumentName
        )
    }) {
        return Err(e.to_string());
    }
    match parsed.into_syntax() {
        ruff_python_ast::Mod::Module(m) => Ok(m),
        ruff_python_ast::Mod::Expression(_) => Err("not a module".to_owned()),
    }
}

/// Parse `src` and return every flagged call, at most `max`; a file the
/// parser refuses is scanned by the tokenizer and says why.
pub fn analyse(src: &str, max: usize) -> Analysis {
    if src.len() > MAX_PARSE_BYTES {
        return Analysis {
            calls: token_calls(src, max),
            unparsed: Some((
                format!("larger than {MAX_PARSE_BYTES} bytes"),
                Severity::High,
            )),
        };
    }
    let toks = tokenize(src);
    let depth = nesting(&toks);
    // Columns of indentation bound block nesting from above (one per level
    // at least); CPython refuses 100 levels, so 4 columns each is generous.
    let indent = max_indent(src);
    if depth > MAX_NESTING || indent > MAX_NESTING as usize * 4 {
        return Analysis {
            calls: token_calls(src, max),
            unparsed: Some((
                format!(
                    "nests deeper than {MAX_NESTING} levels (estimated {depth}, indentation {indent} columns)"
                ),
                Severity::High,
            )),
        };
    }
    let module = match parse(src) {
        Ok(m) => m,
        Err(why) => {
            return Analysis {
                calls: token_calls(src, max),
                unparsed: Some((
                    format!("syntax error: {}", abbreviate(&why, 160)),
                    Severity::Medium,
                )),
            }
        }
    };
    let mut collector = pyast::Collector::default();
    collector.visit_module(&module.body);
    drop(module);
    let found = collector.found;
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(src.match_indices('\n').map(|(i, _)| i.saturating_add(1)))
        .collect();
    let line_of = |offset: usize| {
        let l = line_starts.partition_point(|s| *s <= offset);
        l as u64
    };
    let mut calls: Vec<Call> = Vec::new();
    for r in &found.refs {
        let last = r.path.attrs.last().map_or_else(
            || match &r.path.head {
                pyast::Head::Name(n) | pyast::Head::Module(n) => n.as_str(),
            },
            String::as_str,
        );
        // Constants passed as values (`stdout=subprocess.PIPE`) are not calls.
        if !r.called && last.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
            continue;
        }
        let dangerous_module = r.getattr_of.as_ref().is_some_and(|p| {
            found.resolve(p).iter().any(|(d, _, _)| {
                DANGEROUS_MODULES.contains(&d.as_str())
                    || d.strip_prefix("builtins.")
                        .is_some_and(|b| DANGEROUS_MODULES.contains(&b))
            })
        });
        let args = Args {
            weights_only: r.weights_only,
            allow_pickle: r.allow_pickle,
            dangerous_module,
        };
        let written = r.path.written();
        for (dotted, chain, star) in found.resolve(&r.path) {
            // A star-imported guess is judged by the table only: the module
            // may not define the name at all.
            let judged = if star {
                classify(&dotted, args).map(|(w, s)| (w.to_owned(), s))
            } else {
                judge(&dotted, args)
            };
            let Some((why, severity)) = judged else {
                continue;
            };
            let line = line_of(r.offset);
            if calls.iter().any(|c| c.line == line && c.name == dotted) {
                continue;
            }
            let why = if r.called {
                why
            } else {
                format!("is passed as a value; it {why}")
            };
            let via = (written != dotted).then(|| {
                let how = if chain.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", chain.join("; "))
                };
                format!(
                    "`{}` is `{}`{how}",
                    abbreviate(&written, 120),
                    abbreviate(&dotted, 120)
                )
            });
            calls.push(Call {
                name: dotted,
                why,
                severity,
                line,
                via,
            });
            if calls.len() >= max {
                break;
            }
        }
        if calls.len() >= max {
            break;
        }
    }
    calls.sort_by_key(|c| c.line);
    Analysis {
        calls,
        unparsed: None,
    }
}

/// Every flagged call in `src`, at most `max` (parsed, or scanned by the
/// tokenizer when the parser refuses the file).
pub fn dangerous_calls(src: &str, max: usize) -> Vec<Call> {
    analyse(src, max).calls
}

/// Scan Python source: one finding that the file is code, one per flagged
/// call, and one if the parser refused the file.
pub fn scan_source(src: &str, ctx: &mut ScanCtx<'_>, custom_code_finding: bool) {
    if custom_code_finding {
        let f = ctx.finding(
            &PYTHON_CUSTOM_CODE,
            Location::File,
            "Python code: `trust_remote_code=True` would run it",
        );
        ctx.push(f);
    }
    let analysis = analyse(src, 200);
    if let Some((why, severity)) = &analysis.unparsed {
        let f = ctx.finding(
            &PYTHON_UNPARSED,
            Location::File,
            format!(
                "the Python file was not parsed ({why}); its calls were found by a token scan only"
            ),
        );
        ctx.push(f.with_severity(*severity));
    }
    let lines: Vec<&str> = src.lines().collect();
    for call in analysis.calls {
        let text = usize::try_from(call.line.saturating_sub(1))
            .ok()
            .and_then(|l| lines.get(l))
            .map(|l| abbreviate(l.trim(), 200))
            .unwrap_or_default();
        let evidence = match &call.via {
            Some(via) => format!("{via}: {text}"),
            None => text,
        };
        let f = ctx.finding(
            &PYTHON_DANGEROUS_CALL,
            Location::Line { line: call.line },
            format!("`{}` {}", call.name, call.why),
        );
        ctx.push(f.with_severity(call.severity).with_evidence(evidence));
    }
}

#[cfg(test)]
mod tests {
    //! The samples in `testdata/` are hand-written Python. `ast.parse` of
    //! CPython 3.13.0 accepts `py313_*.py` (3.12.1 too once the two PEP 696
    //! type-parameter defaults are removed; 3.11 refuses them) and
    //! `py310_missed.py` (3.10.13 to 3.13.0). No Python 3.14 interpreter was
    //! available to check `py314.py`, whose syntax follows PEP 758 and PEP 750.
    use super::*;

    /// The `(line, name)` pairs that `# finds: name, name` comments announce.
    fn announced(src: &str) -> Vec<(u64, String)> {
        let mut out = Vec::new();
        for (i, line) in src.lines().enumerate() {
            if let Some((_, name)) = line.rsplit_once("# finds: ") {
                for name in name.split(", ") {
                    out.push((i as u64 + 1, name.trim().to_owned()));
                }
            }
        }
        out
    }

    fn found(src: &str) -> Vec<(u64, String)> {
        let a = analyse(src, 200);
        assert_eq!(a.unparsed, None, "{a:?}");
        let mut out: Vec<(u64, String)> = a.calls.into_iter().map(|c| (c.line, c.name)).collect();
        out.sort();
        out
    }

    fn check(src: &str) {
        let mut expected = announced(src);
        expected.sort();
        assert!(!expected.is_empty());
        assert_eq!(found(src), expected);
    }

    #[test]
    fn modern_benign_code_parses_and_flags_nothing() {
        assert_eq!(found(include_str!("testdata/py313_benign.py")), []);
    }

    #[test]
    fn calls_inside_pep_695_generics_and_nested_f_strings_are_found() {
        check(include_str!("testdata/py313_malicious.py"));
    }

    #[test]
    fn calls_in_keywords_with_items_defaults_and_match_cases_are_found() {
        check(include_str!("testdata/py310_missed.py"));
    }

    #[test]
    fn python_3_14_except_groups_without_parentheses_and_t_strings() {
        check(include_str!("testdata/py314.py"));
    }

    #[test]
    fn python_3_15_lazy_imports_bind_like_imports() {
        // PEP 810 syntax, which the parser knows as 3.15 (no interpreter here
        // to check it).
        let src =
            "lazy import os as o\nlazy from subprocess import run\no.system('id')\nrun('id')\n";
        let calls: Vec<(u64, String)> = found(src);
        assert_eq!(
            calls,
            [
                (3, "os.system".to_owned()),
                (4, "subprocess.run".to_owned())
            ]
        );
    }

    #[test]
    fn identifiers_are_nfkc_normalised_as_python_does() {
        // Fullwidth letters: CPython 3.13.0's `ast.parse` reads
        // `ｏｓ.ｓｙｓｔｅｍ("id")` as `os.system("id")` (NFKC, PEP 3131).
        let src = "import os\n\u{ff4f}\u{ff53}.\u{ff53}\u{ff59}\u{ff53}\u{ff54}\u{ff45}\u{ff4d}(\"id\")\n";
        assert_eq!(found(src), [(2, "os.system".to_owned())]);
    }

    #[test]
    fn syntax_errors_and_removed_syntax_fail() {
        // Real syntax errors in every Python, and a keyword argument name in
        // parentheses, which Python 3.8 removed (3.9.18 to 3.13.0 refuse
        // `f((a)=1)`).
        for src in [
            "def f(:\n    pass\n",
            "x = (1,\n",
            "print 'x'\n",
            "f((a)=1)\n",
            "def f[T](x):\n  return x\n  return\n pass\n",
        ] {
            let a = analyse(src, 10);
            let (why, severity) = a.unparsed.expect(src);
            assert!(why.starts_with("syntax error: "), "{why}");
            assert_eq!(severity, Severity::Medium);
        }
    }

    #[test]
    fn syntax_errors_still_token_scan() {
        let a = analyse("import os\nx = f\"{\nos.system('id')\n", 10);
        assert!(a.unparsed.is_some());
        assert!(a.calls.iter().any(|c| c.name == "os.system"), "{a:?}");
    }
}
