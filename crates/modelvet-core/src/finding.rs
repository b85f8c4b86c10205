//! Findings and where they point.

use crate::rule::Rule;
use crate::severity::Severity;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where in an artifact a finding points. Offsets are always `u64`
/// (`usize` is 32-bit on wasm32).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Location {
    /// The artifact as a whole.
    File,
    /// A byte range `[start, end)` of the enclosing file or member.
    ByteRange {
        /// First byte.
        start: u64,
        /// One past the last byte.
        end: u64,
    },
    /// A member of an archive (zip, tar, npz, nested archive), and where inside it.
    ArchiveMember {
        /// Member name as stored in the archive.
        member: String,
        /// Location inside the member.
        inner: Box<Location>,
    },
    /// An opcode of a pickle stream.
    PickleOp {
        /// Byte offset of the opcode within the pickle stream.
        offset: u64,
        /// Index of the pickle within a multi-pickle stream (0-based).
        pickle: u32,
    },
    /// A JSON pointer (RFC 6901) into a JSON document (safetensors header, Keras config, ...).
    JsonPointer {
        /// The pointer, e.g. `/config/layers/3`.
        pointer: String,
    },
    /// A metadata key of a GGUF file.
    GgufKey {
        /// The key, e.g. `tokenizer.chat_template`.
        key: String,
    },
    /// A node, graph or field of a protobuf model (ONNX, SavedModel, TFLite).
    GraphNode {
        /// Human-readable path, e.g. `graph/node[12] (op PyFunc)`.
        path: String,
    },
    /// A line of a text file (1-based).
    Line {
        /// Line number.
        line: u64,
    },
    /// A section of a model card.
    CardSection {
        /// The heading text.
        heading: String,
    },
}

impl Location {
    /// Wrap this location as being inside archive member `member`.
    pub fn in_member(self, member: impl Into<String>) -> Location {
        Location::ArchiveMember {
            member: member.into(),
            inner: Box::new(self),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File => f.write_str("file"),
            Location::ByteRange { start, end } => write!(f, "bytes {start}..{end}"),
            Location::ArchiveMember { member, inner } => match **inner {
                Location::File => write!(f, "{member}"),
                ref inner => write!(f, "{member}: {inner}"),
            },
            Location::PickleOp { offset, pickle } => {
                if *pickle == 0 {
                    write!(f, "pickle byte {offset}")
                } else {
                    write!(f, "pickle #{} byte {offset}", pickle + 1)
                }
            }
            Location::JsonPointer { pointer } => write!(f, "json {pointer}"),
            Location::GgufKey { key } => write!(f, "key {key}"),
            Location::GraphNode { path } => f.write_str(path),
            Location::Line { line } => write!(f, "line {line}"),
            Location::CardSection { heading } => write!(f, "section \"{heading}\""),
        }
    }
}

/// One thing a scanner found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Finding {
    /// Id of the rule that raised it (see `docs/rules/`).
    pub rule_id: String,
    /// Severity of this finding.
    pub severity: Severity,
    /// Path of the artifact it belongs to, as given to the scanner.
    pub artifact: String,
    /// Where in the artifact.
    pub location: Location,
    /// What was found, in one sentence.
    pub message: String,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The offending content, rendered for a human: e.g. the call a pickle
    /// would make (`os.system('curl …')`) or the template snippet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

impl Finding {
    /// A finding of `rule` at its default severity.
    pub fn new(
        rule: &'static Rule,
        artifact: impl Into<String>,
        location: Location,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            rule_id: rule.id.to_owned(),
            severity: rule.severity,
            artifact: artifact.into(),
            location,
            message: message.into(),
            help: None,
            evidence: None,
        }
    }

    /// Override the severity.
    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }

    /// Attach advice.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }

    /// Attach the rendered offending content.
    #[must_use]
    pub fn with_evidence(mut self, evidence: impl Into<String>) -> Finding {
        self.evidence = Some(evidence.into());
        self
    }
}

/// Shorten `s` to at most `max` characters (not bytes), marking the cut.
/// Safe on any UTF-8 boundary.
pub fn abbreviate(s: &str, max: usize) -> String {
    // A string of at most `max` bytes has at most `max` characters.
    if s.len() <= max {
        return s.to_owned();
    }
    match s.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", s.get(..cut).unwrap_or_default()),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviate_respects_char_boundaries() {
        assert_eq!(abbreviate("héllo", 2), "hé…");
        assert_eq!(abbreviate("abc", 3), "abc");
        assert_eq!(abbreviate("", 0), "");
        assert_eq!(abbreviate("ab", 0), "…");
        assert_eq!(abbreviate("ééé", 3), "ééé");
        assert_eq!(abbreviate("éééé", 3), "ééé…");
    }

    #[test]
    fn nested_location_displays_path() {
        let loc = Location::PickleOp {
            offset: 7,
            pickle: 0,
        }
        .in_member("archive/data.pkl")
        .in_member("outer.zip");
        assert_eq!(
            loc.to_string(),
            "outer.zip: archive/data.pkl: pickle byte 7"
        );
    }
}
