//! Canonical Python names: what a dotted global really is once module
//! attributes, re-exports and aliases are followed.
//!
//! A pickle names a global by `(module, name)` and the loader resolves that
//! spelling by importing `module` and walking `name` attribute by attribute.
//! Many spellings reach one object: `tempfile._os.system` is `os.system`,
//! which is `posix.system`; `os.path.join` is `posixpath.join`; `io.open` is
//! `_io.open`. [`resolve`] follows the spelling through an index generated
//! from real installed code (`scripts/gen-pynames.py`; the versions are in
//! [`sources`]) and returns every canonical target the indexed versions
//! disagree on, so a caller can judge the worst.
//!
//! The index (`data/pynames.txt.xz`) is sorted into tables that lookups
//! read in place (`pynames/layout.rs`): at compile time by `build.rs` for
//! native targets, so a process pays nothing for it; once per instance on
//! wasm32, with the xz decoder archives use, so the page downloads the
//! smaller file. Its text lines:
//!
//! - `# ...`: the header (sources and notes);
//! - `=name`: a module seen in `sys.modules`;
//! - `>key<TAB>name...`: the `sys.modules` key `key` holds a module whose
//!   `__name__` is `name` (one or more across versions);
//! - `@module`: the attribute lines that follow are `module`'s;
//! - `attr<TAB>cell...`: `vars(module)[attr]`, each cell a kind letter then
//!   the target (`M` module, `C` class, `F` function, `X` other callable;
//!   lower case when the target, from `__module__` and `__qualname__`, did
//!   not resolve back to the same object). A target `=` is `module.attr`
//!   itself; one ending in `.` is completed by `attr`. Only attributes with
//!   a target other than `module.attr` in some version are listed; the
//!   identity is among the cells when another version has it.

#[cfg(target_arch = "wasm32")]
use super::archive::decompress::{self, Cap, Codec};
#[cfg(target_arch = "wasm32")]
use crate::source::SliceSource;
use std::sync::OnceLock;

/// The generated index, xz (native builds read it at compile time, in
/// `build.rs`).
#[cfg(target_arch = "wasm32")]
const DATA: &[u8] = include_bytes!("../../data/pynames.txt.xz");

/// Largest decoded index accepted (the data is ours; this bounds a bad build).
pub const MAX_INDEX_BYTES: usize = 64 << 20;
/// Most attribute steps walked in one name; a longer name is not walked and
/// comes back as spelled with [`Kind::Unknown`] and a chain that says so.
pub const MAX_SEGMENTS: usize = 512;
/// Most targets carried through a walk; past it the walk stops and the
/// spelled path is added as [`Kind::Unknown`] with a chain that says so.
pub const MAX_TARGETS: usize = 32;
/// Most steps kept in one target's chain (later steps are summarised).
pub const MAX_CHAIN: usize = 16;
/// Longest input (module plus name) looked at; a longer one is not walked.
pub const MAX_NAME_BYTES: usize = 64 << 10;

/// What a canonical name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A module.
    Module,
    /// A class.
    Class,
    /// A Python or builtin function (bound methods included).
    Function,
    /// Another callable: a method descriptor, a `functools.partial`, a ufunc...
    Callable,
    /// Not in the index: an attribute of an indexed object, of an unknown
    /// module, or a walk that was cut short.
    Unknown,
}

impl Kind {
    /// Lower-case name for messages ("module", "class", ...).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Module => "module",
            Kind::Class => "class",
            Kind::Function => "function",
            Kind::Callable => "callable",
            Kind::Unknown => "unknown",
        }
    }
}

/// One canonical target of a spelled name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The dotted canonical name (`posix.system`), or the spelling when
    /// nothing maps it.
    pub canonical: String,
    /// What it is, as far as the index knows.
    pub kind: Kind,
    /// Human steps from the spelling to `canonical`, e.g. "`tempfile._os` is
    /// the module `os`", "`os.system` is `posix.system`". Empty when the
    /// spelling is canonical.
    pub chain: Vec<String>,
    /// False when the walk was cut short by a limit ([`MAX_SEGMENTS`],
    /// [`MAX_NAME_BYTES`], [`MAX_TARGETS`]): the loader may reach something
    /// the index was not asked about, so judge it as unknown code.
    pub walked: bool,
}

/// How `pickle`'s `find_class(module, name)` resolves: import `module` (a
/// `sys.modules` alias maps it: `os.path` is `posixpath`), then walk `name`
/// attribute by attribute (dotted names from protocol 4) through the index.
///
/// Returns every distinct canonical target across the indexed versions, at
/// least one: the spelled path itself when nothing maps it.
pub fn resolve(module: &str, name: &str) -> Vec<Target> {
    let index = index();
    let segments = match segments_of(module, name) {
        Ok(s) => s,
        Err(why) => return vec![unwalked(module, name, why)],
    };
    let mut states: Vec<State> = Vec::new();
    for canon in index.module_names(module) {
        let mut chain = Vec::new();
        if canon != module {
            chain.push(format!("`{module}` is the module `{canon}`"));
        }
        push_state(&mut states, State::module(canon.to_string(), chain));
    }
    walk(index, states, &segments, module, name)
}

/// [`resolve`] for a dotted path without the module/name split: the longest
/// prefix that is an indexed module is the module (the first segment when
/// none is), the rest the name.
pub fn resolve_dotted(path: &str) -> Vec<Target> {
    if path.len() > MAX_NAME_BYTES {
        return vec![unwalked(
            path,
            "",
            format!("longer than {MAX_NAME_BYTES} bytes"),
        )];
    }
    let index = index();
    let mut split = None;
    let mut end = path.len();
    while let Some(prefix) = path.get(..end) {
        if index.is_module(prefix) {
            split = Some(end);
            break;
        }
        match prefix.rfind('.') {
            Some(dot) => end = dot,
            None => break,
        }
    }
    let at = split.unwrap_or_else(|| path.find('.').unwrap_or(path.len()));
    let module = path.get(..at).unwrap_or(path);
    let name = path.get(at + 1..).unwrap_or("");
    resolve(module, name)
}

/// The module part of `path` when it is a module the index saw imported:
/// the longest dotted prefix of `path` that is an indexed module. Importing
/// such a module is known to run only the library's own set-up code.
pub fn indexed_module(path: &str) -> Option<&str> {
    if path.len() > MAX_NAME_BYTES {
        return None;
    }
    let index = index();
    let mut end = path.len();
    loop {
        let prefix = path.get(..end)?;
        if index.is_module(prefix) {
            return Some(prefix);
        }
        end = prefix.rfind('.')?;
    }
}

/// The header of the index: the Python and package versions it was
/// generated from, and notes (`# source: ...`, `# note: ...` lines).
pub fn sources() -> &'static str {
    index().layout.header
}

// ------------------------------------------------------------------- walk

/// Where a walk stands: in a module, or at an object (whose attributes are
/// not indexed: the rest of the name is appended).
#[derive(Debug, Clone)]
struct State {
    canonical: String,
    kind: Kind,
    in_module: bool,
    chain: Vec<String>,
}

impl State {
    fn module(canonical: String, chain: Vec<String>) -> State {
        State {
            canonical,
            kind: Kind::Module,
            in_module: true,
            chain,
        }
    }
}

fn segments_of<'a>(module: &str, name: &'a str) -> Result<Vec<&'a str>, String> {
    if module.len().saturating_add(name.len()) > MAX_NAME_BYTES {
        return Err(format!("longer than {MAX_NAME_BYTES} bytes"));
    }
    if name.is_empty() {
        return Ok(Vec::new());
    }
    let count = name.split('.').take(MAX_SEGMENTS + 1).count();
    if count > MAX_SEGMENTS {
        return Err(format!("more than {MAX_SEGMENTS} attribute steps"));
    }
    Ok(name.split('.').collect())
}

fn spelled(module: &str, name: &str) -> String {
    if name.is_empty() {
        module.to_string()
    } else {
        format!("{module}.{name}")
    }
}

fn unwalked(module: &str, name: &str, why: String) -> Target {
    Target {
        canonical: spelled(module, name),
        kind: Kind::Unknown,
        chain: vec![format!("not resolved: {why}")],
        walked: false,
    }
}

fn push_step(chain: &mut Vec<String>, step: String) {
    if chain.len() < MAX_CHAIN {
        chain.push(step);
    } else if chain.len() == MAX_CHAIN {
        chain.push(format!("... (more than {MAX_CHAIN} steps)"));
    }
}

/// Add `state` unless an equal target is already there.
fn push_state(states: &mut Vec<State>, state: State) {
    if !states
        .iter()
        .any(|s| s.in_module == state.in_module && s.canonical == state.canonical)
    {
        states.push(state);
    }
}

fn walk(
    index: &Index,
    mut states: Vec<State>,
    segments: &[&str],
    module: &str,
    name: &str,
) -> Vec<Target> {
    let mut cut = false;
    for seg in segments {
        let mut next: Vec<State> = Vec::new();
        for state in states {
            if !state.in_module {
                let mut s = state;
                s.canonical.push('.');
                s.canonical.push_str(seg);
                s.kind = Kind::Unknown;
                push_state(&mut next, s);
                continue;
            }
            let here = format!("{}.{seg}", state.canonical);
            match index.attr(&state.canonical, seg) {
                Some(cells) => {
                    for cell in cells.split('\t') {
                        let Some((kind, verified, target)) =
                            parse_cell(&state.canonical, seg, cell)
                        else {
                            continue;
                        };
                        let mut chain = state.chain.clone();
                        if target != here {
                            let step = match (kind, verified) {
                                (Kind::Module, _) => format!("`{here}` is the module `{target}`"),
                                (_, true) => format!("`{here}` is `{target}`"),
                                (_, false) => format!(
                                    "`{here}` is `{target}` by its `__module__` and \
                                     `__qualname__` (not importable under that name)"
                                ),
                            };
                            push_step(&mut chain, step);
                        }
                        let s = State {
                            canonical: target,
                            kind,
                            in_module: kind == Kind::Module,
                            chain,
                        };
                        push_state(&mut next, s);
                    }
                }
                None if index.is_module(&here) => {
                    for canon in index.module_names(&here) {
                        let mut chain = state.chain.clone();
                        if canon != here {
                            push_step(&mut chain, format!("`{here}` is the module `{canon}`"));
                        }
                        push_state(&mut next, State::module(canon.to_string(), chain));
                    }
                }
                None => push_state(
                    &mut next,
                    State {
                        canonical: here,
                        kind: Kind::Unknown,
                        in_module: false,
                        chain: state.chain,
                    },
                ),
            }
            if next.len() > MAX_TARGETS {
                next.truncate(MAX_TARGETS);
                cut = true;
                break;
            }
        }
        states = next;
        if cut {
            break;
        }
    }
    let mut out: Vec<Target> = states
        .into_iter()
        .map(|s| Target {
            canonical: s.canonical,
            kind: s.kind,
            chain: s.chain,
            walked: true,
        })
        .collect();
    if cut {
        out.push(unwalked(
            module,
            name,
            format!("more than {MAX_TARGETS} targets; the others were not followed"),
        ));
    }
    if out.is_empty() {
        out.push(Target {
            canonical: spelled(module, name),
            kind: Kind::Unknown,
            chain: Vec::new(),
            walked: true,
        });
    }
    out
}

/// A cell of `module.attr`: its kind, whether verified, and its target.
fn parse_cell(module: &str, attr: &str, cell: &str) -> Option<(Kind, bool, String)> {
    let mut chars = cell.chars();
    let letter = chars.next()?;
    let target = match chars.as_str() {
        "=" => format!("{module}.{attr}"),
        t if t.ends_with('.') => format!("{t}{attr}"),
        t => t.to_string(),
    };
    let kind = match letter.to_ascii_uppercase() {
        'M' => Kind::Module,
        'C' => Kind::Class,
        'F' => Kind::Function,
        'X' => Kind::Callable,
        _ => return None,
    };
    if target.is_empty() {
        return None;
    }
    Some((kind, letter.is_ascii_uppercase(), target))
}

// ------------------------------------------------------------------ index

mod layout;
use layout::Layout;

/// The index as sorted tables read in place (`layout.rs`).
struct Index {
    layout: Layout<'static>,
}

/// The `key` of a table entry `key<TAB>...`.
fn key_of(entry: &str) -> &str {
    entry.split_once('\t').map_or(entry, |(k, _)| k)
}

impl Index {
    fn from_blob(blob: &'static [u8]) -> Index {
        // An index that did not build is empty (a test checks the committed
        // one builds): every name then resolves as spelled, as unknown.
        let layout = Layout::parse(blob).unwrap_or_else(Layout::empty);
        Index { layout }
    }

    fn is_module(&self, name: &str) -> bool {
        self.layout.modules.find(|m| m.cmp(name)).is_some()
            || self.layout.aliases.find(|e| key_of(e).cmp(name)).is_some()
    }

    /// What `sys.modules[name]` calls itself: one or more names, `name`
    /// itself when the index has no alias for it.
    fn module_names<'a>(&self, name: &'a str) -> Vec<&'a str>
    where
        'static: 'a,
    {
        self.layout
            .aliases
            .find(|e| key_of(e).cmp(name))
            .and_then(|e| e.split_once('\t'))
            .map(|(_, names)| names.split('\t').filter(|s| !s.is_empty()).collect())
            .filter(|v: &Vec<&str>| !v.is_empty())
            .unwrap_or_else(|| vec![name])
    }

    fn attr(&self, module: &str, attr: &str) -> Option<&'static str> {
        self.layout.attr(module, attr)
    }
}

/// The layout built at compile time from `data/pynames.txt.xz` by `build.rs`.
#[cfg(not(target_arch = "wasm32"))]
fn blob() -> &'static [u8] {
    include_bytes!(concat!(env!("OUT_DIR"), "/pynames.bin"))
}

/// The layout built once from the xz, which downloads smaller than the
/// layout (wasm32 has no `build.rs` output to spare the page weight).
#[cfg(target_arch = "wasm32")]
fn blob() -> &'static [u8] {
    static BLOB: OnceLock<Vec<u8>> = OnceLock::new();
    BLOB.get_or_init(|| {
        let cap = Cap {
            bytes: MAX_INDEX_BYTES as u64,
            limit: None,
            value: MAX_INDEX_BYTES as u64,
        };
        let decoded = decompress::decode(Codec::Xz, &mut SliceSource::new(DATA), cap);
        if decoded.stop.is_some() {
            return Vec::new(); // a test checks the committed index decodes
        }
        std::str::from_utf8(&decoded.bytes)
            .map(layout::build)
            .unwrap_or_default()
    })
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| Index::from_blob(blob()))
}

#[cfg(test)]
mod tests;
