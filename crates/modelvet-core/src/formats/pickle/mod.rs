//! Pickle streams: symbolic execution of the pickle machine, never unpickling.
//!
//! [`scan_stream`] runs every pickle of a stream through a symbolic model of
//! CPython's unpickler ([`vm`]): every opcode of protocols 0 to 5, the stack,
//! the metastack of marks and the memo are tracked, so a callable assembled
//! from strings (`STACK_GLOBAL` fed from the memo, protocol 0 text lines,
//! dotted attribute paths) resolves to the `module.qualname` the loader would
//! import. Each global is then classified ([`classify`]): allowed (real
//! checkpoints need it), dangerous, or unknown; gadgets built from allowed
//! pieces are flagged on their own. joblib's inline arrays are skipped the way
//! `joblib.load` reads them ([`joblib`]).

mod allowlist;
mod classify;
mod compat;
mod denylist;
mod error;
mod exec;
mod input;
mod joblib;
mod memo;
mod ops;
mod render;
mod resolve;
mod rules;
mod stream;
mod text;
mod value;
mod vm;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;

pub use classify::{classify, classify_in, Class, Loader};
pub use denylist::RUNS_CODE;
pub use rules::{
    DANGEROUS_GLOBAL, DYNAMIC_GLOBAL, GADGET, MALFORMED, TRAILING_DATA, UNKNOWN_CALL,
    UNKNOWN_EXTENSION, UNKNOWN_GLOBAL,
};
pub use stream::scan_stream;

use crate::format::{Format, Sniff};
use crate::rule::Rule;
use crate::scan::ScanCtx;
use crate::source::{ByteSource, ReadError, SliceSource};
use serde::{Deserialize, Serialize};

/// Rules raised by the pickle analyser.
pub const RULES: &[&Rule] = &[
    &DANGEROUS_GLOBAL,
    &UNKNOWN_CALL,
    &UNKNOWN_GLOBAL,
    &GADGET,
    &DYNAMIC_GLOBAL,
    &UNKNOWN_EXTENSION,
    &MALFORMED,
    &TRAILING_DATA,
];

/// Limits of the pickle machine. Each is checked before the work or
/// allocation it bounds; reaching one stops the scan of the stream with an
/// error (fail closed), keeping what was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct PickleLimits {
    /// Most opcodes executed per pickle stream. Default 10,000,000.
    pub max_ops: u64,
    /// Most memo entries per pickle. Default 1,000,000.
    pub max_memo: u64,
    /// Most values on the stack, marks included. Default 1,000,000.
    pub max_stack: u64,
    /// Deepest nesting of marks (open tuples, lists, dicts, call arguments). Default 10,000.
    pub max_nesting: u32,
    /// Longest length-prefixed string or bytes argument; only a short prefix
    /// is ever held in memory. Default 64 GiB.
    pub max_bytes_arg: u64,
    /// Longest protocol 0 text argument (module and class names, numbers,
    /// quoted strings), which is held in memory. Default 1 MiB.
    pub max_line_bytes: u32,
    /// Most findings and reported calls per pickle. Default 1,000.
    pub max_findings: u32,
    /// Most pickles read from one stream. Default 10,000.
    pub max_pickles: u32,
    /// Deepest nesting of pickles inside pickles (joblib object arrays hold
    /// a nested pickle read by a fresh unpickler). Default 8.
    pub max_nested_pickles: u32,
    /// Offsets of a stream tried one by one, after parse errors, as the
    /// start of a headerless (protocol 0/1) pickle; past them only protocol
    /// 2+ headers are looked for. Default 1 MiB.
    pub max_resync_bytes: u64,
}

impl Default for PickleLimits {
    fn default() -> Self {
        PickleLimits {
            max_ops: 10_000_000,
            max_memo: 1_000_000,
            max_stack: 1_000_000,
            max_nesting: 10_000,
            max_bytes_arg: 64 << 30,
            max_line_bytes: 1 << 20,
            max_findings: 1000,
            max_pickles: 10_000,
            max_nested_pickles: 8,
            max_resync_bytes: 1 << 20,
        }
    }
}

/// Opcodes run over the head when looking for a headerless pickle.
const SNIFF_OPS: u64 = 20_000;
/// Opcodes a cut-off head must run cleanly for [`sniff_confident`].
const SNIFF_MIN_OPS: u64 = 16;

/// The head of a file seen as the whole file: reading past the head is
/// noted (the head was cut off there), reading past the file's end is the
/// end of the data.
struct HeadSource<'a> {
    head: &'a [u8],
    len: u64,
    cut: bool,
}

impl ByteSource for HeadSource<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, ReadError> {
        let head_len = self.head.len() as u64;
        if offset >= head_len {
            if offset < self.len && !buf.is_empty() {
                self.cut = true;
            }
            return Ok(0);
        }
        SliceSource::new(self.head).read_at(offset, buf)
    }
}

/// How a trial run of the machine over a file's head ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trial {
    /// Reached `STOP` after this many opcodes.
    Stop { ops: u64, imports: bool },
    /// Ran cleanly until the head was cut off (possibly inside an argument
    /// whose declared length runs past the head, but not past the file).
    Cut { ops: u64, imports: bool },
    /// Ran cleanly for the whole opcode budget.
    Budget,
    /// The loader would raise here; `imports`: it imported first.
    Fails { imports: bool },
}

/// Run the pickle machine over `head`, the first bytes of a file of `len`
/// bytes, as the loader would from byte 0.
fn trial(head: &[u8], len: u64, max_ops: u64) -> Trial {
    let limits = PickleLimits {
        max_ops,
        ..PickleLimits::default()
    };
    let mut src = HeadSource {
        head,
        len: len.max(head.len() as u64),
        cut: false,
    };
    let mut input = input::Input::new(&mut src);
    let mut machine = vm::Machine::new(&limits);
    let result = loop {
        match machine.step(&mut input) {
            Ok(None) => {}
            Ok(Some(_)) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    // An import of a name that is no dotted identifier fails in the loader
    // before anything runs (a Python file starting with `class Foo(...)` reads
    // as `GLOBAL` of module `lass Foo(...)`).
    let imports = machine.events.iter().any(|e| match e {
        vm::Event::Import { name, .. } => importable(name),
        _ => false,
    });
    let ops = machine.ops;
    drop(input);
    match result {
        Ok(()) => Trial::Stop { ops, imports },
        Err(error::Halt::Truncated(_)) if src.cut => Trial::Cut { ops, imports },
        Err(error::Halt::Limit(crate::LimitId::PickleMaxOps, _)) => Trial::Budget,
        Err(_) => Trial::Fails { imports },
    }
}

/// Whether `module.qualname` is made of Python identifiers.
pub(super) fn importable(name: &str) -> bool {
    name.split('.').all(|part| {
        let mut chars = part.chars();
        chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
            && chars.all(|c| c == '_' || c.is_alphanumeric())
    })
}

/// Recognise a raw pickle stream as `pickle.load`, `joblib.load` and
/// `torch.load` (past its zip check) read it: from byte 0, whatever the first
/// opcode. A protocol 2+ header is a pickle; otherwise any head the machine
/// runs to `STOP`, or runs cleanly until the head is cut off (also inside an
/// argument whose declared length runs past the head but not past the file),
/// is one, and so is a head that imports a global before failing (the loader
/// has imported it by then). Formats with magic numbers are sniffed first.
pub fn sniff(s: &Sniff<'_>) -> Option<Format> {
    if let [0x80, 2..=5, ..] = s.head {
        return Some(Format::Pickle);
    }
    match trial(s.head, s.len, SNIFF_OPS) {
        Trial::Stop { .. } | Trial::Cut { .. } | Trial::Budget => Some(Format::Pickle),
        Trial::Fails { imports } => imports.then_some(Format::Pickle),
    }
}

/// A stricter test for places where a pickle is not expected and no loader
/// unpickles (raw tensor storages): a protocol 2+ header, or a head that
/// imports, or runs at least three opcodes to `STOP`, or more than
/// [`SNIFF_MIN_OPS`] cleanly until it is cut off. Random bytes pass
/// [`sniff`] now and then (an `X` and a length); they do not pass this.
pub fn sniff_confident(head: &[u8], len: u64) -> bool {
    if let [0x80, 2..=5, ..] = head {
        return true;
    }
    match trial(head, len, SNIFF_OPS) {
        Trial::Stop { ops, imports } => ops >= 3 || imports,
        Trial::Cut { ops, imports } => ops > SNIFF_MIN_OPS || imports,
        Trial::Budget => true,
        Trial::Fails { imports } => imports,
    }
}

/// How a container wants a pickle stream read.
#[derive(Debug, Clone, Default)]
pub struct StreamOptions {
    /// Stop after this many pickles (PyTorch legacy files hold raw storage
    /// bytes after their pickles). `None`: read pickles until the data ends.
    pub max_pickles: Option<u32>,
    /// Whether bytes after the last pickle are suspicious (a finding) or
    /// expected by the container (legacy storages).
    pub trailing_data_expected: bool,
    /// The stream is `data.pkl` or `constants.pkl` of a TorchScript archive,
    /// read by `torch.jit.load`'s C++ unpickler: `__torch__.*` classes are
    /// resolved from the archive's compiled code, never imported from Python.
    pub torchscript: bool,
}

/// What reading a pickle stream found (findings are raised on the context).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamSummary {
    /// Number of pickles read (complete or not).
    pub pickles: u32,
    /// Offset just past the last STOP opcode read (0 if none).
    pub end: u64,
    /// Every global imported, as `module.qualname`, deduplicated, in order of first use.
    pub globals: Vec<String>,
}

/// Scan a pickle stream.
pub fn scan(
    format: Format,
    src: &mut dyn ByteSource,
    ctx: &mut ScanCtx<'_>,
) -> Result<Format, ReadError> {
    scan_stream(src, ctx, &StreamOptions::default())?;
    crate::formats::archive::zip_scan::scan_zip_view(src, ctx)?;
    Ok(format)
}
