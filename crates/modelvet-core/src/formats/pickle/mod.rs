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
        }
    }
}

/// Opcodes a protocol 0 or 1 pickle can start with (`PROTO 0/1` is legal too).
const PLAIN_START: &[u8] = b"(}])NIJKLMFSTUVXGcilgP\x80";
/// Opcodes run over the head when looking for a protocol 0/1 pickle.
const SNIFF_OPS: u64 = 20_000;
/// Opcodes a cut-off head must run cleanly to count as a pickle.
const SNIFF_MIN_OPS: u64 = 16;

/// Recognise a raw pickle stream: a protocol 2+ header followed by an opcode,
/// or (protocols 0 and 1, which have no header) a head that the machine runs
/// to a `STOP`, or runs cleanly until the head is cut off.
pub fn sniff(s: &Sniff<'_>) -> Option<Format> {
    if let [0x80, 2..=5, ..] = s.head {
        return Some(Format::Pickle);
    }
    let first = *s.head.first()?;
    if !PLAIN_START.contains(&first) {
        return None;
    }
    let limits = PickleLimits {
        max_ops: SNIFF_OPS,
        ..PickleLimits::default()
    };
    let mut src = SliceSource::new(s.head);
    let mut input = input::Input::new(&mut src);
    let mut machine = vm::Machine::new(&limits);
    let cut = (s.head.len() as u64) < s.len;
    loop {
        match machine.step(&mut input) {
            Ok(None) => {}
            // `N.` is text as much as a pickle; an import is not.
            Ok(Some(_)) => {
                let imports = machine
                    .events
                    .iter()
                    .any(|e| matches!(e, vm::Event::Import { .. }));
                return (machine.ops >= 3 || imports).then_some(Format::Pickle);
            }
            Err(error::Halt::Truncated(_)) if cut && machine.ops > SNIFF_MIN_OPS => {
                return Some(Format::Pickle)
            }
            Err(error::Halt::Limit("pickle.max_ops", _)) => return Some(Format::Pickle),
            Err(_) => return None,
        }
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
    Ok(format)
}
