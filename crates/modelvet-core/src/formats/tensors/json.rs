//! A JSON reader that keeps what loaders throw away.
//!
//! `serde_json::Value` and `HashMap`-based loaders keep the last of duplicate
//! keys and forget the order of keys. An auditor needs both: a duplicate key is
//! a parser differential (two readers of one file see two different headers).
//! [`parse`] keeps every key, in order, and counts nodes against a budget so a
//! hostile document cannot allocate without bound. Depth is bounded by
//! `serde_json`'s recursion limit (128).

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use std::cell::Cell;
use std::fmt;

/// A JSON number as read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// Non-negative integer.
    U64(u64),
    /// Negative integer.
    I64(i64),
    /// Anything else (fractions, exponents, integers beyond 64 bits).
    F64(f64),
}

/// A JSON value with objects as ordered lists of (key, value), duplicates kept.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    Str(String),
    /// An array.
    Array(Vec<Json>),
    /// An object: every key in document order, duplicates kept.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The value as a `u64`, if it is a non-negative integer.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(Number::U64(n)) => Some(*n),
            _ => None,
        }
    }

    /// The value as a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The last value of `key` (what `HashMap`-based loaders see).
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// JSON type name, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Number(_) => "number",
            Json::Str(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }
}

/// Keys that occur more than once in `entries`, each once, in order of first repeat.
pub fn duplicate_keys(entries: &[(String, Json)]) -> Vec<&str> {
    let mut seen = std::collections::BTreeSet::new();
    let mut dups: Vec<&str> = Vec::new();
    for (k, _) in entries {
        if !seen.insert(k.as_str()) && !dups.contains(&k.as_str()) {
            dups.push(k);
        }
    }
    dups
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonError {
    /// Not JSON (message from the parser, with line and column).
    Syntax(String),
    /// The document has more values than the node budget allows.
    TooManyNodes,
}

/// Escape a key for a JSON pointer (RFC 6901).
pub fn pointer_escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Parse `bytes` as one JSON document of at most `max_nodes` values.
pub fn parse(bytes: &[u8], max_nodes: u64) -> Result<Json, JsonError> {
    let budget = Cell::new(max_nodes);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = Seed { budget: &budget }
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    match value {
        Ok(v) => Ok(v),
        Err(_) if budget.get() == 0 => Err(JsonError::TooManyNodes),
        Err(e) => Err(JsonError::Syntax(e.to_string())),
    }
}

#[derive(Clone, Copy)]
struct Seed<'b> {
    budget: &'b Cell<u64>,
}

impl Seed<'_> {
    fn spend<E: de::Error>(&self) -> Result<(), E> {
        match self.budget.get().checked_sub(1) {
            Some(rest) if rest > 0 => {
                self.budget.set(rest);
                Ok(())
            }
            _ => {
                self.budget.set(0);
                Err(E::custom("JSON node budget exhausted"))
            }
        }
    }
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Json;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        self.spend()?;
        Ok(Json::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Json, E> {
        self.spend()?;
        Ok(Json::Bool(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Json, E> {
        self.spend()?;
        Ok(Json::Number(Number::U64(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Json, E> {
        self.spend()?;
        Ok(Json::Number(match u64::try_from(v) {
            Ok(u) => Number::U64(u),
            Err(_) => Number::I64(v),
        }))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
        self.spend()?;
        Ok(Json::Number(Number::F64(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
        self.spend()?;
        Ok(Json::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Json, E> {
        self.spend()?;
        Ok(Json::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        self.spend()?;
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            items.push(v);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        self.spend()?;
        let mut entries = Vec::new();
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value_seed(self)?;
            entries.push((k, v));
        }
        Ok(Json::Object(entries))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn keeps_duplicates_in_order() {
        let v = parse(br#"{"a":1,"b":[true,null],"a":-2}"#, 100).unwrap();
        let Json::Object(entries) = &v else {
            panic!("not an object")
        };
        assert_eq!(entries.len(), 3);
        assert_eq!(duplicate_keys(entries), vec!["a"]);
        assert_eq!(v.get("a"), Some(&Json::Number(Number::I64(-2))));
    }

    #[test]
    fn budget_and_syntax_errors() {
        assert_eq!(parse(b"[1,2,3,4]", 3), Err(JsonError::TooManyNodes));
        assert!(parse(b"[1,2,3,4]", 6).is_ok());
        assert!(matches!(parse(b"{\"a\":}", 10), Err(JsonError::Syntax(_))));
        assert!(matches!(parse(b"{} x", 10), Err(JsonError::Syntax(_))));
        let deep = "[".repeat(1000) + &"]".repeat(1000);
        assert!(matches!(
            parse(deep.as_bytes(), 10_000),
            Err(JsonError::Syntax(_))
        ));
    }
}
