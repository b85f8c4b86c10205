//! Why a parse stopped before the end of its input: one answer for every
//! reader that pushes findings as it goes (GGUF, Flax msgpack, the protobuf
//! walks of ONNX and SavedModel).
//!
//! A stop is never an error to the user by itself: a finding or a limit was
//! already reported where it happened, malformed input becomes a finding of
//! the caller's rule when the parse is settled, and only a failed read is
//! returned as the tool error it is.

use crate::finding::Location;
use crate::rule::Rule;
use crate::scan::ScanCtx;
use crate::source::ReadError;

/// Why a parse stopped early.
#[derive(Debug)]
pub(crate) enum Stop {
    /// Malformed input at a byte offset, not yet reported: [`settle`] makes it
    /// a finding of the caller's rule.
    Malformed(u64, &'static str),
    /// A finding (already pushed) ended the parse.
    Finding,
    /// A named limit ended the parse (already reported).
    Limit,
    /// The source could not be read.
    Read(ReadError),
}

impl From<ReadError> for Stop {
    fn from(e: ReadError) -> Self {
        Stop::Read(e)
    }
}

/// Settle the end of a parse: what was found before the stop is kept; a
/// finding or a limit was already reported; malformed input becomes a finding
/// of `rule` at its offset (`{subject} is not valid {grammar}: {what}`); a
/// read failure is returned.
pub(crate) fn settle(
    result: Result<(), Stop>,
    ctx: &mut ScanCtx<'_>,
    rule: &'static Rule,
    subject: &str,
    grammar: &str,
) -> Result<(), ReadError> {
    match result {
        Ok(()) | Err(Stop::Finding) | Err(Stop::Limit) => Ok(()),
        Err(Stop::Malformed(offset, what)) => {
            let f = ctx.finding(
                rule,
                Location::ByteRange {
                    start: offset,
                    end: offset.saturating_add(1),
                },
                format!("{subject} is not valid {grammar}: {what}; the rest was not analysed"),
            );
            ctx.push(f);
            Ok(())
        }
        Err(Stop::Read(e)) => Err(e),
    }
}
