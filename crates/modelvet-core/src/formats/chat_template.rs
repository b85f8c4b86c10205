//! Server-side template injection in chat templates (Jinja).
//!
//! Inference servers render a model's chat template (GGUF
//! `tokenizer.chat_template`, `tokenizer_config.json` `chat_template`) with a
//! Jinja engine. Rendered outside a sandbox, or with a sandbox escape, a
//! template can walk Python's object graph (`''.__class__.__mro__[1]
//! .__subclasses__()`) to reach `os.popen`: CVE-2024-34359 in
//! llama-cpp-python did exactly that with a GGUF file.
//!
//! The check is static. Each `{{ … }}` / `{% … %}` block is tokenised; string
//! escapes (`\x5f`, `\u005f`) are decoded; string concatenations (`~`, `+`,
//! adjacent literals, `[…]|join`, `*` repetition), `%`/`format` building and
//! `{% set %}` string variables are folded; then attribute names, subscripts
//! and `attr()` arguments are matched against the names such payloads need.
//! Real chat templates (Llama 3, Mistral, ChatML, Gemma) use none of them.

use crate::finding::{abbreviate, Location};
use crate::rule::Rule;
use crate::scan::ScanCtx;
use crate::severity::Severity;
use std::collections::BTreeMap;

/// A chat template reaches into Python internals.
pub static CHAT_TEMPLATE_INJECTION: Rule = Rule {
    id: "chat-template-injection",
    severity: Severity::Critical,
    summary: "A chat template walks Python internals (`__class__`, `__globals__`, `os.popen`, …): server-side template injection.",
    docs: r#"
## Why it matters
Inference servers render a model's Jinja chat template on every request. A template that
reaches `__class__`, `__mro__`, `__subclasses__`, `__globals__` or `__builtins__` is
climbing from a string to the Python runtime to run commands on the server. Without a
sandbox this is remote code execution as soon as the model serves a request;
CVE-2024-34359 ("Llama Drama") in llama-cpp-python ran such a payload from a GGUF file's
`tokenizer.chat_template`. Obfuscated forms (`|attr('__cla' ~ 'ss__')`, `\x5f` escapes,
`['__glo','bals__']|join`, `'%s'|format(...)`) exist only to hide it.

## Example
`{{ ''.__class__.__mro__[1].__subclasses__()[408]('id', shell=True, stdout=-1).communicate() }}`

## What to do
Do not serve the model. If you need it, replace the chat template with the one from the
base model's `tokenizer_config.json`, and render templates only in a sandboxed
environment (`jinja2.sandbox.ImmutableSandboxedEnvironment`).

## References
- CVE-2024-34359 (GHSA-56xg-wfcc-g829), llama-cpp-python
- Jinja documentation, "Sandbox"
"#,
};

/// Python internals a template payload needs.
const DANGEROUS_NAMES: &[&str] = &[
    "os",
    "popen",
    "system",
    "eval",
    "exec",
    "import",
    "subprocess",
    "getattr",
    "func_globals",
    "f_globals",
    "_TemplateReference__context",
    "communicate",
    "check_output",
];

/// Jinja and Flask objects whose attributes lead to the runtime.
const GADGETS: &[&str] = &[
    "cycler",
    "joiner",
    "lipsum",
    "request",
    "config",
    "self",
    "namespace",
    "range",
    "url_for",
    "get_flashed_messages",
];

/// Dunder names searched for in folded string content.
const KEY_DUNDERS: &[&str] = &[
    "__class__",
    "__globals__",
    "__subclasses__",
    "__builtins__",
    "__init__",
    "__mro__",
    "__base__",
    "__bases__",
    "__import__",
    "__dict__",
    "__getattribute__",
];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A string literal, decoded; `true` if escapes or folding built it.
    Str(String, bool),
    Ident(String),
    Num(u64),
    Op(char),
}

/// Whether `s` is a dunder name (`__x__`).
fn is_dunder(s: &str) -> bool {
    s.len() > 4
        && s.starts_with("__")
        && s.ends_with("__")
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn dangerous(name: &str) -> bool {
    is_dunder(name) || DANGEROUS_NAMES.contains(&name)
}

/// The blocks of a template: the text between `{{`/`}}` and `{%`/`%}`,
/// read as Jinja's lexer reads them (a delimiter inside a string literal does
/// not end the block).
fn blocks(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0usize;
    while i < bytes.len() {
        let (Some(b'{'), Some(kind @ (b'{' | b'%' | b'#'))) =
            (bytes.get(i), bytes.get(i.saturating_add(1)))
        else {
            i = i.saturating_add(1);
            continue;
        };
        let close = if *kind == b'{' { b'}' } else { *kind };
        let start = i.saturating_add(2);
        let mut j = start;
        let mut quote: Option<u8> = None;
        let mut end = bytes.len();
        while j < bytes.len() {
            let c = bytes.get(j).copied().unwrap_or(0);
            match quote {
                Some(_) if c == b'\\' => j = j.saturating_add(1),
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if (c == b'\'' || c == b'"') && *kind != b'#' => quote = Some(c),
                None if c == close && bytes.get(j.saturating_add(1)) == Some(&b'}') => {
                    end = j;
                    break;
                }
                None => {}
            }
            j = j.saturating_add(1);
        }
        if *kind != b'#' {
            out.extend(text.get(start..end));
        }
        i = end.saturating_add(2);
    }
    out
}

/// The character of a Unicode name among those an identifier is spelled
/// with (letters, digits, `_`, `.`, space), looked up as Python does,
/// ignoring case. Other names are not resolved (see [`unresolved_names`]).
fn named_char(name: &str) -> Option<char> {
    let upper = name.trim().to_ascii_uppercase();
    const DIGITS: [&str; 10] = [
        "ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE",
    ];
    let letter = |rest: &str| {
        let mut cs = rest.chars();
        match (cs.next(), cs.next()) {
            (Some(c), None) if c.is_ascii_uppercase() => Some(c),
            _ => None,
        }
    };
    match upper.as_str() {
        "LOW LINE" => Some('_'),
        "FULL STOP" => Some('.'),
        "SPACE" => Some(' '),
        _ => {
            if let Some(rest) = upper.strip_prefix("LATIN SMALL LETTER ") {
                letter(rest).map(|c| c.to_ascii_lowercase())
            } else if let Some(rest) = upper.strip_prefix("LATIN CAPITAL LETTER ") {
                letter(rest)
            } else {
                let digit = upper.strip_prefix("DIGIT ")?;
                let n = DIGITS.iter().position(|d| *d == digit)?;
                char::from_digit(u32::try_from(n).ok()?, 10)
            }
        }
    }
}

/// Whether a block spells a string with a `\N{…}` named escape that
/// [`named_char`] does not resolve: Jinja reads it (or rejects the template),
/// modelvet cannot see what it spells, and honest templates never use one.
fn unresolved_names(block: &str) -> bool {
    let mut rest = block;
    while let Some(at) = rest.find("\\N{") {
        let after = rest.get(at.saturating_add(3)..).unwrap_or("");
        let name = after.split('}').next().unwrap_or("");
        if named_char(name).is_none() {
            return true;
        }
        rest = after;
    }
    false
}

/// Decode a Python/Jinja string-literal body (escapes resolved).
fn decode(raw: &str) -> (String, bool) {
    let mut out = String::new();
    let mut escaped = false;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        escaped = true;
        let Some(e) = chars.next() else { break };
        let hex = |n: usize, chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
            let digits: String = (0..n)
                .filter_map(|_| chars.next_if(|c| c.is_ascii_hexdigit()))
                .collect();
            u32::from_str_radix(&digits, 16)
                .ok()
                .and_then(char::from_u32)
        };
        match e {
            'x' => out.extend(hex(2, &mut chars)),
            'u' => out.extend(hex(4, &mut chars)),
            'U' => out.extend(hex(8, &mut chars)),
            'N' => {
                // `\N{LOW LINE}`: Jinja decodes literals with Python's
                // `unicode-escape`, which looks names up case-insensitively.
                if chars.next_if_eq(&'{').is_some() {
                    let name: String = chars.by_ref().take_while(|c| *c != '}').take(100).collect();
                    out.extend(named_char(&name));
                }
            }
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            // A backslash before a line break continues the line.
            '\n' => {}
            '0'..='7' => {
                let mut digits = String::from(e);
                while digits.len() < 3 {
                    match chars.next_if(|c| ('0'..='7').contains(c)) {
                        Some(d) => digits.push(d),
                        None => break,
                    }
                }
                out.extend(
                    u32::from_str_radix(&digits, 8)
                        .ok()
                        .and_then(char::from_u32),
                );
            }
            other => out.push(other),
        }
    }
    (out, escaped)
}

fn tokenize(block: &str) -> Vec<Tok> {
    let mut toks = Vec::new();
    let mut chars = block.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        if c == '\'' || c == '"' {
            let start = i.saturating_add(1);
            let mut end = block.len();
            let mut prev_backslash = false;
            for (j, d) in chars.by_ref() {
                if d == c && !prev_backslash {
                    end = j;
                    break;
                }
                prev_backslash = d == '\\' && !prev_backslash;
            }
            let (s, escaped) = decode(block.get(start..end).unwrap_or(""));
            toks.push(Tok::Str(s, escaped));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let mut id = String::from(c);
            while let Some((_, d)) = chars.next_if(|(_, d)| d.is_ascii_alphanumeric() || *d == '_')
            {
                id.push(d);
            }
            toks.push(Tok::Ident(id));
        } else if c.is_ascii_digit() {
            let mut n = u64::from(c.to_digit(10).unwrap_or(0));
            while let Some((_, d)) = chars.next_if(|(_, d)| d.is_ascii_digit()) {
                n = n
                    .saturating_mul(10)
                    .saturating_add(u64::from(d.to_digit(10).unwrap_or(0)));
            }
            toks.push(Tok::Num(n));
        } else {
            toks.push(Tok::Op(c));
        }
    }
    toks
}

/// Substitute `{}`/`{0}`/`%s` placeholders with `args`, in order.
fn format_with(fmt: &str, args: &[String]) -> String {
    let mut out = String::new();
    let mut args = args.iter();
    let mut rest = fmt;
    loop {
        let next = [
            rest.find("%s"),
            rest.find("{}"),
            rest.find("{0}"),
            rest.find("{1}"),
        ]
        .into_iter()
        .flatten()
        .min();
        let Some(at) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(rest.get(..at).unwrap_or(""));
        let width = if rest
            .get(at..)
            .is_some_and(|r| r.starts_with("{0}") || r.starts_with("{1}"))
        {
            3
        } else {
            2
        };
        if let Some(a) = args.next() {
            out.push_str(a);
        }
        rest = rest.get(at.saturating_add(width)..).unwrap_or("");
    }
}

/// String literals between `open` and its matching close at `toks[from..]`,
/// if the group holds only string literals and commas.
fn literal_group(toks: &[Tok], from: usize, close: char) -> Option<(Vec<String>, usize)> {
    let mut items = Vec::new();
    let mut i = from;
    loop {
        match toks.get(i)? {
            Tok::Str(s, _) => items.push(s.clone()),
            Tok::Op(',') => {}
            Tok::Op(c) if *c == close => return Some((items, i)),
            _ => return None,
        }
        i = i.saturating_add(1);
    }
}

/// Keyword names of `name=value, ...)` starting at `from` (one-token values),
/// and the index of the closing parenthesis.
fn keyword_names(toks: &[Tok], from: usize) -> Option<(Vec<String>, usize)> {
    let mut names = Vec::new();
    let mut i = from;
    loop {
        match (
            toks.get(i)?,
            toks.get(i.saturating_add(1)),
            toks.get(i.saturating_add(2)),
        ) {
            (Tok::Op(')'), _, _) => return Some((names, i)),
            (Tok::Op(','), _, _) => i = i.saturating_add(1),
            (Tok::Ident(n), Some(Tok::Op('=')), Some(_)) => {
                names.push(n.clone());
                i = i.saturating_add(3);
            }
            _ => return None,
        }
    }
}

/// One folding step; returns whether anything changed.
fn fold_once(toks: &mut Vec<Tok>) -> bool {
    for i in 0..toks.len() {
        let at = |k: usize| toks.get(i.saturating_add(k));
        // 'a' ~ 'b', 'a' + 'b', 'a' 'b'
        if let Some(Tok::Str(a, _)) = at(0) {
            let (b, skip) = match (at(1), at(2)) {
                (Some(Tok::Op('~' | '+')), Some(Tok::Str(b, _))) => (b.clone(), 3),
                (Some(Tok::Str(b, _)), _) => (b.clone(), 2),
                (Some(Tok::Op('*')), Some(Tok::Num(n))) if *n <= 64 => (
                    a.repeat(usize::try_from(*n).unwrap_or(0).saturating_sub(1)),
                    3,
                ),
                _ => (String::new(), 0),
            };
            if skip > 0 {
                let merged = format!("{a}{b}");
                toks.splice(i..i.saturating_add(skip), [Tok::Str(merged, true)]);
                return true;
            }
            // 'fmt' % 'x' | 'fmt' % ('x', 'y') | 'fmt'|format('x') | 'fmt'.format('x')
            let a = a.clone();
            let args = match (at(1), at(2), at(3)) {
                (Some(Tok::Op('%')), Some(Tok::Str(x, _)), _) => {
                    Some((vec![x.clone()], i.saturating_add(2)))
                }
                (Some(Tok::Op('%')), Some(Tok::Op('(')), _) => {
                    literal_group(toks, i.saturating_add(3), ')')
                }
                (Some(Tok::Op('|' | '.')), Some(Tok::Ident(f)), Some(Tok::Op('(')))
                    if f == "format" =>
                {
                    literal_group(toks, i.saturating_add(4), ')')
                }
                _ => None,
            };
            if let Some((args, end)) = args {
                let formatted = format_with(&a, &args);
                toks.splice(i..=end, [Tok::Str(formatted, true)]);
                return true;
            }
        }
        // dict(__cla=1, ss__=2)|join joins the keyword names.
        if let (Some(Tok::Ident(d)), Some(Tok::Op('('))) = (at(0), at(1)) {
            if d == "dict" {
                if let Some((names, end)) = keyword_names(toks, i.saturating_add(2)) {
                    let after = (
                        toks.get(end.saturating_add(1)),
                        toks.get(end.saturating_add(2)),
                    );
                    if let (Some(Tok::Op('|')), Some(Tok::Ident(j))) = after {
                        if j == "join" && !names.is_empty() {
                            toks.splice(
                                i..=end.saturating_add(2),
                                [Tok::Str(names.concat(), true)],
                            );
                            return true;
                        }
                    }
                }
            }
        }
        // ['a', 'b']|join  and ('a', 'b')|join
        if let Some(Tok::Op(open @ ('[' | '('))) = at(0) {
            let close = if *open == '[' { ']' } else { ')' };
            let callable_before = i > 0
                && matches!(
                    toks.get(i.saturating_sub(1)),
                    Some(Tok::Ident(_) | Tok::Op(')' | ']'))
                );
            if let Some((items, end)) = literal_group(toks, i.saturating_add(1), close) {
                let after = (
                    toks.get(end.saturating_add(1)),
                    toks.get(end.saturating_add(2)),
                );
                if let (Some(Tok::Op('|')), Some(Tok::Ident(j))) = after {
                    if j == "join" && !items.is_empty() {
                        toks.splice(i..=end.saturating_add(2), [Tok::Str(items.concat(), true)]);
                        return true;
                    }
                }
                // ('a' ~ 'b') after folding: a parenthesised single string.
                if *open == '('
                    && items.len() == 1
                    && !callable_before
                    && end == i.saturating_add(2)
                {
                    if let Some(s) = items.into_iter().next() {
                        toks.splice(i..=end, [Tok::Str(s, true)]);
                        return true;
                    }
                }
            }
        }
    }
    false
}

fn fold(toks: &mut Vec<Tok>) {
    // Each step shortens the list, so this ends; the cap bounds hostile input.
    for _ in 0..toks.len().min(10_000) {
        if !fold_once(toks) {
            break;
        }
    }
}

/// What a payload in one block reaches for, if anything.
fn inspect(toks: &[Tok]) -> Option<(String, Severity)> {
    let prev = |i: usize, k: usize| i.checked_sub(k).and_then(|j| toks.get(j));
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Ident(f)
                if f == "string"
                    && matches!(prev(i, 1), Some(Tok::Op('|')))
                    && (matches!(
                        (toks.get(i.saturating_add(1)), toks.get(i.saturating_add(2))),
                        (Some(Tok::Op('|')), Some(Tok::Ident(l))) if l == "list"
                    ) || matches!(
                        (toks.get(i.saturating_add(1)), toks.get(i.saturating_add(2))),
                        (Some(Tok::Op(')' | '[')), Some(Tok::Op('[') | Tok::Num(_)))
                    )) =>
            {
                return Some((
                    "characters cut out of an object's string form (`|string|list`, `|string[n]`)"
                        .into(),
                    Severity::High,
                ));
            }
            Tok::Ident(id) => {
                let after_dot = matches!(prev(i, 1), Some(Tok::Op('.')));
                if is_dunder(id) || (after_dot && dangerous(id)) {
                    return Some((format!("attribute `{id}`"), Severity::Critical));
                }
                if ["os", "subprocess", "eval", "exec", "__import__"].contains(&id.as_str()) {
                    return Some((format!("name `{id}`"), Severity::Critical));
                }
                if id == "import" && i == 0 {
                    return Some(("an `import` statement".into(), Severity::High));
                }
                let walks = matches!(toks.get(i.saturating_add(1)), Some(Tok::Op('.' | '[')))
                    || matches!(
                        (toks.get(i.saturating_add(1)), toks.get(i.saturating_add(2))),
                        (Some(Tok::Op('|')), Some(Tok::Ident(a))) if a == "attr"
                    );
                if !after_dot && walks && GADGETS.contains(&id.as_str()) {
                    return Some((
                        format!("attributes of the Jinja object `{id}`"),
                        Severity::High,
                    ));
                }
                if !after_dot && ["lipsum", "cycler", "joiner"].contains(&id.as_str()) {
                    return Some((format!("the Jinja gadget `{id}`"), Severity::High));
                }
            }
            Tok::Str(s, built) => {
                let subscript = matches!(prev(i, 1), Some(Tok::Op('[')));
                let attr_call = matches!(prev(i, 1), Some(Tok::Op('(')))
                    && matches!(prev(i, 2), Some(Tok::Ident(a)) if a == "attr" || a == "getattr");
                let how = if *built {
                    "a built-up string"
                } else {
                    "the string"
                };
                if is_dunder(s) || ((subscript || attr_call) && dangerous(s)) {
                    return Some((format!("{how} `{}`", abbreviate(s, 60)), Severity::Critical));
                }
            }
            _ => {}
        }
    }
    // Last resort: the block's literals, concatenated, spelling a key dunder.
    let joined: String = toks
        .iter()
        .filter_map(|t| match t {
            Tok::Str(s, _) => Some(s.as_str()),
            _ => None,
        })
        .collect::<String>()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    KEY_DUNDERS.iter().find(|d| joined.contains(*d)).map(|d| {
        (
            format!("strings that combine into `{d}`"),
            Severity::Critical,
        )
    })
}

/// One place where a template reaches for Python internals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// What the block reaches, for a human.
    pub what: String,
    /// How bad it is.
    pub severity: Severity,
    /// The block (between the delimiters), trimmed.
    pub block: String,
}

fn substitute(toks: &mut [Tok], vars: &BTreeMap<String, String>) {
    let assigns = matches!(toks.first(), Some(Tok::Ident(s)) if s == "set");
    for i in 0..toks.len() {
        if assigns && i <= 1 {
            continue;
        }
        let after_dot = i > 0 && matches!(toks.get(i.saturating_sub(1)), Some(Tok::Op('.')));
        if let Some(t @ Tok::Ident(_)) = toks.get_mut(i) {
            if let Tok::Ident(id) = &*t {
                if let Some(v) = vars.get(id.as_str()).filter(|_| !after_dot) {
                    *t = Tok::Str(v.clone(), true);
                }
            }
        }
    }
}

/// Every block of `text` that reaches for Python internals, at most `max`.
pub fn analyse(text: &str, max: usize) -> Vec<Issue> {
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    let mut issues = Vec::new();
    for block in blocks(text) {
        let body = block
            .trim()
            .trim_start_matches(['-', '+'])
            .trim_end_matches(['-', '+']);
        let mut toks = tokenize(body);
        substitute(&mut toks, &vars);
        fold(&mut toks);
        if let [Tok::Ident(set), Tok::Ident(name), Tok::Op('='), Tok::Str(v, _)] = toks.as_slice() {
            if set == "set" && vars.len() < 10_000 {
                vars.insert(name.clone(), v.clone());
            }
        }
        let found = inspect(&toks).or_else(|| {
            unresolved_names(body).then(|| {
                (
                    "a string spelled with a `\\N{…}` escape modelvet does not resolve".into(),
                    Severity::High,
                )
            })
        });
        if let Some((what, severity)) = found {
            issues.push(Issue {
                what,
                severity,
                block: abbreviate(body.trim(), 300),
            });
            if issues.len() >= max {
                break;
            }
        }
    }
    issues
}

/// Check one template and raise a finding at `loc` for each offending block (at most 20).
pub fn check(text: &str, loc: Location, ctx: &mut ScanCtx<'_>) {
    for issue in analyse(text, 20) {
        let f = ctx.finding(
            &CHAT_TEMPLATE_INJECTION,
            loc.clone(),
            format!("chat template reaches {}", issue.what),
        );
        ctx.push(
            f.with_severity(issue.severity)
                .with_evidence(issue.block)
                .with_help("do not serve this model with this template; use the base model's template and a sandboxed renderer"),
        );
    }
}
