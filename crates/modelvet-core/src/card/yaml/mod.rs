//! YAML front matter to JSON values, with bounds.
//!
//! We drive `saphyr-parser`'s event stream ourselves instead of using a
//! loader, so that: alias expansion is counted against a node budget (a
//! "billion laughs" card stops at the limit instead of exhausting memory),
//! nesting depth is capped, and duplicate mapping keys are reported (YAML
//! forbids them; loaders silently keep one, which is a parser differential).

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Number, Value};
use std::collections::BTreeMap;

/// Bounds on a model card's YAML front matter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct YamlLimits {
    /// Largest front matter accepted, in bytes. Default 256 KiB.
    pub max_yaml_bytes: u64,
    /// Nodes built, counting every node an alias copies. Default 100,000.
    pub max_yaml_nodes: u64,
    /// Deepest nesting of sequences and mappings. Default 64.
    pub max_yaml_depth: u32,
}

impl Default for YamlLimits {
    fn default() -> Self {
        YamlLimits {
            max_yaml_bytes: 256 * 1024,
            max_yaml_nodes: 100_000,
            max_yaml_depth: 64,
        }
    }
}

/// Why front matter could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum YamlError {
    /// Not valid YAML.
    #[error("invalid YAML at line {line}, column {col}: {message}")]
    Syntax {
        /// 1-based line within the front matter.
        line: u64,
        /// 0-based column.
        col: u64,
        /// The parser's message.
        message: String,
    },
    /// A named limit stopped the parser.
    #[error("front matter exceeds {limit} ({detail})")]
    Limit {
        /// The limit, e.g. `card.max_yaml_nodes`.
        limit: crate::limits::LimitId,
        /// What was seen.
        detail: String,
    },
    /// The top level is not a mapping.
    #[error("front matter is not a mapping of keys to values")]
    NotAMapping,
    /// An alias names an anchor that was not defined (before it).
    #[error("alias refers to an unknown anchor")]
    UnknownAnchor,
}

/// Parsed front matter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct YamlDoc {
    /// The top-level mapping.
    pub value: Map<String, Value>,
    /// Keys that appear more than once in one mapping, as dotted paths; the
    /// first occurrence is kept.
    pub duplicate_keys: Vec<String>,
}

enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
        nodes_at_start: u64,
    },
    Map {
        map: Map<String, Value>,
        key: Option<String>,
        anchor: usize,
        nodes_at_start: u64,
    },
}

struct Builder<'l> {
    limits: &'l YamlLimits,
    stack: Vec<Frame>,
    anchors: BTreeMap<usize, (Value, u64)>,
    nodes: u64,
    root: Option<Value>,
    duplicates: Vec<String>,
}

impl Builder<'_> {
    fn count(&mut self, n: u64) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limits.max_yaml_nodes {
            return Err(YamlError::Limit {
                limit: crate::limits::LimitId::CardMaxYamlNodes,
                detail: format!(
                    "more than {} nodes after alias expansion",
                    self.limits.max_yaml_nodes
                ),
            });
        }
        Ok(())
    }

    fn path(&self) -> String {
        self.stack
            .iter()
            .filter_map(|f| match f {
                Frame::Map { key: Some(k), .. } => Some(k.clone()),
                Frame::Seq { items, .. } => Some(items.len().to_string()),
                Frame::Map { key: None, .. } => None,
            })
            .collect::<Vec<_>>()
            .join(".")
    }

    /// Attach a finished node to its parent (or make it the root).
    fn push(&mut self, value: Value) {
        let path_prefix = self.path();
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(value);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map { map, key, .. }) => match key.take() {
                None => *key = Some(key_string(&value)),
                Some(k) => {
                    if map.contains_key(&k) {
                        self.duplicates.push(path_prefix);
                    } else {
                        map.insert(k, value);
                    }
                }
            },
        }
    }

    fn open(&mut self, frame: Frame) -> Result<(), YamlError> {
        if self.stack.len() >= self.limits.max_yaml_depth as usize {
            return Err(YamlError::Limit {
                limit: crate::limits::LimitId::CardMaxYamlDepth,
                detail: format!("nesting deeper than {}", self.limits.max_yaml_depth),
            });
        }
        self.count(1)?;
        self.stack.push(frame);
        Ok(())
    }

    fn close(&mut self) {
        let (value, anchor, start) = match self.stack.pop() {
            Some(Frame::Seq {
                items,
                anchor,
                nodes_at_start,
            }) => (Value::Array(items), anchor, nodes_at_start),
            Some(Frame::Map {
                map,
                anchor,
                nodes_at_start,
                ..
            }) => (Value::Object(map), anchor, nodes_at_start),
            None => return,
        };
        if anchor != 0 {
            let size = self.nodes.saturating_sub(start).max(1);
            self.anchors.insert(anchor, (value.clone(), size));
        }
        self.push(value);
    }
}

fn key_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".to_owned(),
        other => other.to_string(),
    }
}

fn scalar(text: &str, style: ScalarStyle, tagged_str: bool) -> Value {
    if style != ScalarStyle::Plain || tagged_str {
        return Value::String(text.to_owned());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(i) = text.parse::<i64>() {
        return Value::Number(i.into());
    }
    let looks_numeric = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && text.bytes().any(|b| b.is_ascii_digit());
    if looks_numeric {
        if let Some(n) = text.parse::<f64>().ok().and_then(Number::from_f64) {
            return Value::Number(n);
        }
    }
    Value::String(text.to_owned())
}

/// Parse `text` (the front matter between the `---` lines).
pub fn parse(text: &str, limits: &YamlLimits) -> Result<YamlDoc, YamlError> {
    if text.len() as u64 > limits.max_yaml_bytes {
        return Err(YamlError::Limit {
            limit: crate::limits::LimitId::CardMaxYamlBytes,
            detail: format!("{} bytes, limit {}", text.len(), limits.max_yaml_bytes),
        });
    }
    let mut b = Builder {
        limits,
        stack: Vec::new(),
        anchors: BTreeMap::new(),
        nodes: 0,
        root: None,
        duplicates: Vec::new(),
    };
    let mut documents = 0u32;
    for item in Parser::new_from_str(text) {
        let (event, _span) = item.map_err(|e| YamlError::Syntax {
            line: e.marker().line() as u64,
            col: e.marker().col() as u64,
            message: e.info().to_owned(),
        })?;
        match event {
            Event::DocumentStart(_) => {
                documents = documents.saturating_add(1);
                if documents > 1 {
                    break;
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                b.count(1)?;
                let tagged_str = tag.as_ref().is_some_and(|t| t.suffix == "str");
                let value = scalar(&text, style, tagged_str);
                if anchor != 0 {
                    b.anchors.insert(anchor, (value.clone(), 1));
                }
                b.push(value);
            }
            Event::SequenceStart(anchor, _) => b.open(Frame::Seq {
                items: Vec::new(),
                anchor,
                nodes_at_start: b.nodes,
            })?,
            Event::MappingStart(anchor, _) => b.open(Frame::Map {
                map: Map::new(),
                key: None,
                anchor,
                nodes_at_start: b.nodes,
            })?,
            Event::SequenceEnd | Event::MappingEnd => b.close(),
            Event::Alias(id) => {
                let (value, size) = b
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or(YamlError::UnknownAnchor)?;
                b.count(size)?;
                b.push(value);
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
    }
    match b.root {
        Some(Value::Object(map)) => Ok(YamlDoc {
            value: map,
            duplicate_keys: b.duplicates,
        }),
        None | Some(Value::Null) => Ok(YamlDoc::default()),
        Some(_) => Err(YamlError::NotAMapping),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests;
