//! Static scanners, one family of formats per module.
//!
//! Each family exposes the same four items to the driver in [`crate::scan`]:
//! `RULES` (its rules), a limits struct (its named limits, part of
//! [`crate::Limits`]), `sniff` (recognise its formats by content) and `scan`
//! (analyse a file already recognised, possibly refining the format).
//! Parsers read through checked slices and never panic on input.
//!
//! Readers more than one family uses live here, beside the families, and
//! are borrowed from here: [`json`] (duplicate keys kept, Python's dialect),
//! [`protobuf`] (the bounded wire reader), [`chat_template`], [`text`]
//! (paths and code-like text), [`sniff`] (head and tail detection) and
//! `stop` (why a parse stopped). The zip scanner hands a `.keras` archive to
//! the graphs family through the driver ([`crate::scan`]); pickle streams
//! found in containers go to the pickle family's `scan_stream`.

pub mod archive;
pub mod chat_template;
pub mod graphs;
pub mod json;
pub mod numpy;
pub mod pickle;
pub mod protobuf;
pub mod pynames;
pub mod repo;
pub mod sniff;
pub(crate) mod stop;
pub mod tensors;
pub mod text;
