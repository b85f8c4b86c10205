//! Known-good digest lists: what `sha256sum` / `shasum -a 256` write, and a
//! JSON map of path to digest.
//!
//! `sha256sum` lines (GNU coreutils `md5sum.c`):
//!
//! ```text
//! <64 hex><space><space or *><name>          text / binary mode
//! \<64 hex><space><space or *><escaped name> a name with `\`, newline or CR
//! SHA256 (<name>) = <64 hex>                 `--tag` (BSD) format, also `\`-escaped
//! # comment
//! ```
//!
//! In an escaped line, `\\` is a backslash, `\n` a newline and `\r` a
//! carriage return; any other escape is an error. `shasum` writes the same
//! lines; its `^` (universal newlines) and `?` (bit) modes hash other bytes
//! than the file's, so they are refused rather than compared wrongly. A
//! manifest is JSON when its first non-blank character is `{`: an object of
//! path to digest (`<hex>` or `sha256:<hex>`).
//!
//! Names become the repo's POSIX relative paths: a leading `./` is dropped;
//! absolute paths, `..`, empty components and duplicates are errors, because a
//! list that could name a file twice or outside the folder cannot be trusted
//! to say which bytes are the good ones.

use super::{normalize_path, PathError};
use crate::hash::is_sha256_hex;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// Bounds on a manifest, checked before allocating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestLimits {
    /// Largest manifest read. Default 64 MiB.
    pub max_bytes: usize,
    /// Most entries. Default 1,000,000.
    pub max_entries: usize,
}

impl Default for ManifestLimits {
    fn default() -> Self {
        ManifestLimits {
            max_bytes: 64 << 20,
            max_entries: 1_000_000,
        }
    }
}

/// Which syntax a manifest used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ManifestFormat {
    /// `sha256sum` / `shasum -a 256` lines.
    Sha256sum,
    /// A JSON object of path to digest.
    Json,
}

/// A parsed manifest: path to lowercase SHA-256 hex, sorted by path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The syntax it was written in.
    pub format: ManifestFormat,
    /// Path to digest.
    pub entries: BTreeMap<String, String>,
}

/// Why a manifest was refused. Line numbers start at 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// Larger than [`ManifestLimits::max_bytes`].
    #[error("the manifest is {size} bytes, more than the limit of {limit}")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// More entries than [`ManifestLimits::max_entries`].
    #[error("the manifest has more than {limit} entries")]
    TooManyEntries {
        /// The limit.
        limit: usize,
    },
    /// No entry at all: it would verify nothing.
    #[error("the manifest lists no file")]
    Empty,
    /// A line is not valid UTF-8.
    #[error("line {line}: not valid UTF-8")]
    NotUtf8 {
        /// Line number.
        line: usize,
    },
    /// A line is in none of the known shapes.
    #[error("line {line}: {reason}")]
    Malformed {
        /// Line number.
        line: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// The digest is not 64 hex characters.
    #[error("line {line}: the digest is not a SHA-256 (64 hex characters)")]
    BadDigest {
        /// Line number (0 for a JSON manifest).
        line: usize,
    },
    /// An escaped name has an escape other than `\\`, `\n`, `\r`.
    #[error("line {line}: unknown escape in an escaped name")]
    BadEscape {
        /// Line number.
        line: usize,
    },
    /// A `shasum` mode that hashes other bytes than the file's.
    #[error("line {line}: shasum's {mode} mode is not supported (it does not hash the file's bytes as they are)")]
    UnsupportedMode {
        /// Line number.
        line: usize,
        /// `universal newlines` or `bits`.
        mode: &'static str,
    },
    /// A name that is not a relative path inside the folder.
    #[error("line {line}: {path:?}: {reason}")]
    BadPath {
        /// Line number (0 for a JSON manifest).
        line: usize,
        /// The name.
        path: String,
        /// What is wrong.
        reason: PathError,
    },
    /// The same path listed twice.
    #[error("line {line}: {path:?} is listed twice")]
    Duplicate {
        /// Line number of the second entry (0 for a JSON manifest).
        line: usize,
        /// The path.
        path: String,
    },
    /// A JSON manifest that is not an object of strings.
    #[error("JSON manifest: {0}")]
    Json(String),
}

/// Parse a manifest, detecting its syntax.
pub fn parse(bytes: &[u8], limits: &ManifestLimits) -> Result<Manifest, ManifestError> {
    if bytes.len() > limits.max_bytes {
        return Err(ManifestError::TooLarge {
            size: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        parse_json(bytes, limits)
    } else {
        parse_sha256sum(bytes, limits)
    }
}

/// Collects entries, refusing duplicates and too many.
struct Collector<'a> {
    limits: &'a ManifestLimits,
    entries: BTreeMap<String, String>,
}

impl Collector<'_> {
    fn add(&mut self, line: usize, name: &str, digest: &str) -> Result<(), ManifestError> {
        let digest = digest.strip_prefix("sha256:").unwrap_or(digest);
        if !is_sha256_hex(digest) {
            return Err(ManifestError::BadDigest { line });
        }
        let path = normalize_path(name).map_err(|reason| ManifestError::BadPath {
            line,
            path: name.to_owned(),
            reason,
        })?;
        if self.entries.len() >= self.limits.max_entries {
            return Err(ManifestError::TooManyEntries {
                limit: self.limits.max_entries,
            });
        }
        if self.entries.contains_key(&path) {
            return Err(ManifestError::Duplicate { line, path });
        }
        self.entries.insert(path, digest.to_ascii_lowercase());
        Ok(())
    }

    fn finish(self, format: ManifestFormat) -> Result<Manifest, ManifestError> {
        if self.entries.is_empty() {
            return Err(ManifestError::Empty);
        }
        Ok(Manifest {
            format,
            entries: self.entries,
        })
    }
}

/// Parse `sha256sum` / `shasum -a 256` output.
pub fn parse_sha256sum(bytes: &[u8], limits: &ManifestLimits) -> Result<Manifest, ManifestError> {
    if bytes.len() > limits.max_bytes {
        return Err(ManifestError::TooLarge {
            size: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    let mut out = Collector {
        limits,
        entries: BTreeMap::new(),
    };
    // A final newline ends the last line rather than starting an empty one.
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    if body.is_empty() {
        return Err(ManifestError::Empty);
    }
    for (i, raw) in body.split(|&b| b == b'\n').enumerate() {
        let line = i.saturating_add(1);
        // CRLF as a Windows editor writes it; GNU escapes a CR inside a name.
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let text = std::str::from_utf8(raw).map_err(|_| ManifestError::NotUtf8 { line })?;
        if text.trim().is_empty() || text.starts_with('#') {
            continue;
        }
        let (escaped, text) = match text.strip_prefix('\\') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (name, digest) = if let Some(tagged) = text.strip_prefix("SHA256 (") {
            let (name, digest) = tagged.rsplit_once(") = ").ok_or(ManifestError::Malformed {
                line,
                reason: "a `SHA256 (name) = digest` line without `) = `",
            })?;
            (name, digest)
        } else {
            let digest = text.get(..64).ok_or(ManifestError::Malformed {
                line,
                reason: "too short for `<digest>  <name>`",
            })?;
            if !is_sha256_hex(digest) {
                return Err(ManifestError::BadDigest { line });
            }
            let rest = text.get(64..).unwrap_or_default();
            let name = match rest.get(..2) {
                Some("  " | " *") => rest.get(2..).unwrap_or_default(),
                Some(" ^") => {
                    return Err(ManifestError::UnsupportedMode {
                        line,
                        mode: "universal newlines",
                    })
                }
                Some(" ?") => return Err(ManifestError::UnsupportedMode { line, mode: "bits" }),
                _ => {
                    return Err(ManifestError::Malformed {
                        line,
                        reason: "expected two spaces, or ` *`, between the digest and the name",
                    })
                }
            };
            (name, digest)
        };
        if escaped {
            let name = unescape(name).ok_or(ManifestError::BadEscape { line })?;
            out.add(line, &name, digest)?;
        } else {
            out.add(line, name, digest)?;
        }
    }
    out.finish(ManifestFormat::Sha256sum)
}

/// GNU coreutils' name escaping: `\\`, `\n`, `\r`.
fn unescape(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '\\' => out.push('\\'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            _ => return None,
        }
    }
    Some(out)
}

/// The pairs of a JSON object in document order, duplicates kept (a `Value`
/// would keep only the last of two equal keys).
struct Pairs(Vec<(String, String)>);

impl<'de> Deserialize<'de> for Pairs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Pairs, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pairs;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of path to SHA-256 digest string")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry::<String, String>()? {
                    pairs.push(pair);
                }
                Ok(Pairs(pairs))
            }
        }
        d.deserialize_map(V)
    }
}

/// Parse a JSON object of path to digest.
pub fn parse_json(bytes: &[u8], limits: &ManifestLimits) -> Result<Manifest, ManifestError> {
    if bytes.len() > limits.max_bytes {
        return Err(ManifestError::TooLarge {
            size: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    let Pairs(pairs) =
        serde_json::from_slice(bytes).map_err(|e| ManifestError::Json(e.to_string()))?;
    let mut out = Collector {
        limits,
        entries: BTreeMap::new(),
    };
    for (name, digest) in &pairs {
        out.add(0, name, digest)?;
    }
    out.finish(ManifestFormat::Json)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const B: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    fn parse_str(s: &str) -> Result<Manifest, ManifestError> {
        parse(s.as_bytes(), &ManifestLimits::default())
    }

    #[test]
    fn text_binary_tag_comments_and_prefixes() {
        // The shapes GNU sha256sum 9.x writes: `sha256sum a`, `sha256sum -b ./b`,
        // `sha256sum --tag c`, and an escaped name (`sha256sum 'd\e'`).
        let text = format!(
            "# made by sha256sum\n{A}  a.bin\n{B} *./dir/b.json\r\nSHA256 (c d.txt) = {A}\n\\{B}  d\\\\e\\nf\n\n"
        );
        let m = parse_str(&text).unwrap();
        assert_eq!(m.format, ManifestFormat::Sha256sum);
        let got: Vec<(&str, &str)> = m
            .entries
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a.bin", A),
                ("c d.txt", A),
                ("d\\e\nf", B),
                ("dir/b.json", B)
            ]
        );
        // A name's backslash stays literal when the line is not escaped.
        let m = parse_str(&format!("{A}  x\\y\n")).unwrap();
        assert!(m.entries.contains_key("x\\y"));
        // Uppercase digests are read as lowercase.
        let m = parse_str(&format!("{}  u\n", A.to_uppercase())).unwrap();
        assert_eq!(m.entries["u"], A);
    }

    #[test]
    fn json_map() {
        let m = parse_str(&format!(r#" {{"./a": "{A}", "b/c": "sha256:{B}"}}"#)).unwrap();
        assert_eq!(m.format, ManifestFormat::Json);
        assert_eq!(m.entries["a"], A);
        assert_eq!(m.entries["b/c"], B);
    }

    type Check = fn(&ManifestError) -> bool;

    #[test]
    fn errors_one_by_one() {
        use ManifestError as E;
        let small = ManifestLimits {
            max_bytes: 200,
            max_entries: 1,
        };
        let cases: Vec<(String, Check)> = vec![
            (String::new(), |e| matches!(e, E::Empty)),
            ("# only a comment\n".into(), |e| matches!(e, E::Empty)),
            ("{}".into(), |e| matches!(e, E::Empty)),
            ("abc  a\n".into(), |e| {
                matches!(e, E::Malformed { line: 1, .. })
            }),
            (format!("{}  a\n", "g".repeat(64)), |e| {
                matches!(e, E::BadDigest { line: 1 })
            }),
            (format!("{A} a\n"), |e| {
                matches!(e, E::Malformed { line: 1, .. })
            }),
            (format!("{A}  a\n{A} ^b\n"), |e| {
                matches!(e, E::UnsupportedMode { line: 2, .. })
            }),
            (format!("{A} ?c\n"), |e| {
                matches!(e, E::UnsupportedMode { line: 1, .. })
            }),
            (format!("\\{A}  a\\tb\n"), |e| {
                matches!(e, E::BadEscape { line: 1 })
            }),
            (format!("\\{A}  a\\\n"), |e| {
                matches!(e, E::BadEscape { line: 1 })
            }),
            (format!("SHA256 (a) {A}\n"), |e| {
                matches!(e, E::Malformed { line: 1, .. })
            }),
            (format!("SHA256 (a) = {A}0\n"), |e| {
                matches!(e, E::BadDigest { line: 1 })
            }),
            (format!("{A}  /etc/passwd\n"), |e| {
                matches!(
                    e,
                    E::BadPath {
                        reason: PathError::Absolute,
                        ..
                    }
                )
            }),
            (format!("{A}  a/../../b\n"), |e| {
                matches!(
                    e,
                    E::BadPath {
                        reason: PathError::DotDot,
                        ..
                    }
                )
            }),
            (format!("{A}  a//b\n"), |e| {
                matches!(
                    e,
                    E::BadPath {
                        reason: PathError::EmptyComponent,
                        ..
                    }
                )
            }),
            (format!("{A}  \n"), |e| {
                matches!(
                    e,
                    E::BadPath {
                        reason: PathError::Empty,
                        ..
                    }
                )
            }),
            (format!("{A}  a\n{B}  ./a\n"), |e| {
                matches!(e, E::Duplicate { line: 2, .. })
            }),
            (format!(r#"{{"a": "{A}", "a": "{B}"}}"#), |e| {
                matches!(e, E::Duplicate { .. })
            }),
            (r#"{"a": 1}"#.to_owned(), |e| matches!(e, E::Json(_))),
            (format!(r#"{{"a": "{A}""#), |e| matches!(e, E::Json(_))),
            (format!(r#"{{"a": "md5:{A}"}}"#), |e| {
                matches!(e, E::BadDigest { line: 0 })
            }),
        ];
        for (text, check) in &cases {
            let err = parse_str(text).expect_err(text);
            assert!(check(&err), "{text:?} gave {err:?}");
            assert!(!err.to_string().is_empty());
        }
        let mut bytes = format!("{A}  a\n{A}  ").into_bytes();
        bytes.push(0xff);
        assert_eq!(
            parse(&bytes, &ManifestLimits::default()),
            Err(E::NotUtf8 { line: 2 })
        );
        let two = format!("{A}  a\n{B}  b\n");
        assert!(matches!(
            parse(two.as_bytes(), &small),
            Err(E::TooManyEntries { limit: 1 })
        ));
        let big = "#".repeat(201);
        assert!(matches!(
            parse(big.as_bytes(), &small),
            Err(E::TooLarge {
                size: 201,
                limit: 200
            })
        ));
    }
}
