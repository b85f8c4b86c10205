//! A JSON reader that keeps what loaders throw away.
//!
//! `serde_json::Value` and `HashMap`-based loaders keep the last of duplicate
//! keys and forget the order of keys. An auditor needs both: a duplicate key is
//! a parser differential (two readers of one file see two different headers).
//! [`parse`] keeps every key, in order, and counts nodes against a budget so a
//! hostile document cannot allocate without bound.
//!
//! The reader is iterative (an explicit stack, never recursion), so depth is
//! bounded by [`MAX_JSON_DEPTH`] alone, checked before each container is
//! opened, and dropping a deep document does not recurse either. Python's
//! `json` module, which reads Keras configurations, `config.json` and
//! notebooks, accepts 994 levels in CPython 3.9-3.11, 1,497 in 3.12 and
//! 9,998 in 3.13 (measured with `json.loads` on nested arrays and objects;
//! more after `sys.setrecursionlimit` before 3.12). `serde_json` stops at
//! 128: a payload nested deeper was invisible to a recursive reader.

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

/// Deepest nesting of arrays and objects read (Python 3.13's `json` accepts
/// 9,998 levels; see the module documentation). A deeper document is
/// [`JsonError::TooDeep`], which callers report as a failing finding.
pub const MAX_JSON_DEPTH: usize = 20_000;

impl Drop for Json {
    /// Drop children iteratively: the default drop glue recurses once per
    /// level and would overflow the stack on a document [`MAX_JSON_DEPTH`] deep.
    fn drop(&mut self) {
        let mut stack: Vec<Json> = Vec::new();
        take_children(self, &mut stack);
        while let Some(mut v) = stack.pop() {
            take_children(&mut v, &mut stack);
        }
    }
}

fn take_children(v: &mut Json, stack: &mut Vec<Json>) {
    match v {
        Json::Array(items) => stack.append(items),
        Json::Object(entries) => stack.extend(entries.drain(..).map(|(_, v)| v)),
        _ => {}
    }
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonError {
    /// Not JSON (message with line and column).
    Syntax(String),
    /// The document has more values than the node budget allows.
    TooManyNodes,
    /// Arrays and objects nest deeper than [`MAX_JSON_DEPTH`].
    TooDeep,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsonError::Syntax(e) => f.write_str(e),
            JsonError::TooManyNodes => f.write_str("more values than the node budget allows"),
            JsonError::TooDeep => write!(
                f,
                "arrays and objects nest deeper than {MAX_JSON_DEPTH} levels"
            ),
        }
    }
}

/// Escape a key for a JSON pointer (RFC 6901).
pub fn pointer_escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Parse `bytes` as one strict JSON document (RFC 8259, UTF-8, what
/// `serde_json` accepts) of at most `max_nodes` values.
pub fn parse(bytes: &[u8], max_nodes: u64) -> Result<Json, JsonError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| JsonError::Syntax(format!("invalid UTF-8 at byte {}", e.valid_up_to())))?;
    Parser::new(text, max_nodes, false).document()
}

/// Parse `bytes` as Python's `json.loads(bytes)` does: the encoding is
/// detected (UTF-8 with or without a byte-order mark, UTF-16 and UTF-32 in
/// either byte order, as `json.detect_encoding`), and `NaN`, `Infinity` and
/// `-Infinity` are numbers. Lone surrogate escapes become U+FFFD.
pub fn parse_python(bytes: &[u8], max_nodes: u64) -> Result<Json, JsonError> {
    let text = python_text(bytes)?;
    Parser::new(&text, max_nodes, true).document()
}

/// The text `json.loads(bytes)` decodes (`json.detect_encoding`).
fn python_text(b: &[u8]) -> Result<std::borrow::Cow<'_, str>, JsonError> {
    let at = |i: usize| b.get(i).copied().unwrap_or(1);
    let (unit, big_endian, skip) = if b.starts_with(&[0xef, 0xbb, 0xbf]) {
        (1, false, 3)
    } else if b.starts_with(&[0xff, 0xfe, 0, 0]) {
        (4, false, 4)
    } else if b.starts_with(&[0, 0, 0xfe, 0xff]) {
        (4, true, 4)
    } else if b.starts_with(&[0xff, 0xfe]) {
        (2, false, 2)
    } else if b.starts_with(&[0xfe, 0xff]) {
        (2, true, 2)
    } else if b.len() >= 4 && at(0) == 0 {
        // json.detect_encoding: a leading NUL means big-endian UTF-16 or 32.
        if at(1) == 0 {
            (4, true, 0)
        } else {
            (2, true, 0)
        }
    } else if b.len() >= 4 && at(1) == 0 {
        if at(2) == 0 && at(3) == 0 {
            (4, false, 0)
        } else {
            (2, false, 0)
        }
    } else if b.len() == 2 && at(0) == 0 {
        (2, true, 0)
    } else if b.len() == 2 && at(1) == 0 {
        (2, false, 0)
    } else {
        (1, false, 0)
    };
    let body = b.get(skip..).unwrap_or_default();
    let bad = |what: &str| JsonError::Syntax(format!("invalid {what}"));
    match unit {
        1 => std::str::from_utf8(body)
            .map(std::borrow::Cow::Borrowed)
            .map_err(|e| bad(&format!("UTF-8 at byte {}", e.valid_up_to()))),
        2 => {
            let units = body.chunks(2).map(|c| {
                let pair = [
                    c.first().copied().unwrap_or(0),
                    c.get(1).copied().unwrap_or(0),
                ];
                if big_endian {
                    u16::from_be_bytes(pair)
                } else {
                    u16::from_le_bytes(pair)
                }
            });
            if body.len() % 2 != 0 {
                return Err(bad("UTF-16 (odd length)"));
            }
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .map(std::borrow::Cow::Owned)
                .map_err(|_| bad("UTF-16"))
        }
        _ => {
            if body.len() % 4 != 0 {
                return Err(bad("UTF-32 (length not a multiple of 4)"));
            }
            body.chunks(4)
                .map(|c| {
                    let quad = <[u8; 4]>::try_from(c).unwrap_or([0xff; 4]);
                    let n = if big_endian {
                        u32::from_be_bytes(quad)
                    } else {
                        u32::from_le_bytes(quad)
                    };
                    char::from_u32(n)
                })
                .collect::<Option<String>>()
                .map(std::borrow::Cow::Owned)
                .ok_or_else(|| bad("UTF-32"))
        }
    }
}

/// An open container on the parser's stack.
enum Frame {
    Array(Vec<Json>),
    Object(Vec<(String, Json)>, String),
}

struct Parser<'t> {
    text: &'t str,
    b: &'t [u8],
    pos: usize,
    nodes: u64,
    max_nodes: u64,
    python: bool,
}

impl<'t> Parser<'t> {
    fn new(text: &'t str, max_nodes: u64, python: bool) -> Parser<'t> {
        Parser {
            text,
            b: text.as_bytes(),
            pos: 0,
            nodes: 0,
            max_nodes,
            python,
        }
    }

    fn err(&self, what: &str) -> JsonError {
        let before = self.b.get(..self.pos).unwrap_or(self.b);
        let line = before
            .iter()
            .filter(|c| **c == b'\n')
            .count()
            .saturating_add(1);
        let col = before
            .iter()
            .rev()
            .take_while(|c| **c != b'\n')
            .count()
            .saturating_add(1);
        JsonError::Syntax(format!("{what} at line {line} column {col}"))
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos = self.pos.saturating_add(1);
        }
    }

    fn spend(&mut self) -> Result<(), JsonError> {
        self.nodes = self.nodes.saturating_add(1);
        if self.nodes >= self.max_nodes {
            return Err(JsonError::TooManyNodes);
        }
        Ok(())
    }

    fn eat(&mut self, c: u8, what: &str) -> Result<(), JsonError> {
        self.ws();
        if self.peek() == Some(c) {
            self.pos = self.pos.saturating_add(1);
            Ok(())
        } else if self.peek().is_none() {
            Err(self.err("EOF while parsing"))
        } else {
            Err(self.err(what))
        }
    }

    fn document(mut self) -> Result<Json, JsonError> {
        let mut stack: Vec<Frame> = Vec::new();
        'value: loop {
            self.ws();
            let mut value = match self.peek() {
                Some(b'[') => {
                    self.open(&stack)?;
                    self.ws();
                    if self.peek() == Some(b']') {
                        self.pos = self.pos.saturating_add(1);
                        Json::Array(Vec::new())
                    } else {
                        stack.push(Frame::Array(Vec::new()));
                        continue 'value;
                    }
                }
                Some(b'{') => {
                    self.open(&stack)?;
                    self.ws();
                    if self.peek() == Some(b'}') {
                        self.pos = self.pos.saturating_add(1);
                        Json::Object(Vec::new())
                    } else {
                        let key = self.key()?;
                        stack.push(Frame::Object(Vec::new(), key));
                        continue 'value;
                    }
                }
                _ => self.scalar()?,
            };
            // Hand the finished value to its container, closing containers
            // that end here.
            loop {
                match stack.last_mut() {
                    None => {
                        self.ws();
                        if self.pos < self.b.len() {
                            return Err(self.err("trailing characters"));
                        }
                        return Ok(value);
                    }
                    Some(Frame::Array(items)) => {
                        items.push(value);
                        self.ws();
                        match self.peek() {
                            Some(b',') => {
                                self.pos = self.pos.saturating_add(1);
                                continue 'value;
                            }
                            Some(b']') => self.pos = self.pos.saturating_add(1),
                            None => return Err(self.err("EOF while parsing a list")),
                            Some(_) => return Err(self.err("expected `,` or `]`")),
                        }
                    }
                    Some(Frame::Object(entries, key)) => {
                        entries.push((std::mem::take(key), value));
                        self.ws();
                        match self.peek() {
                            Some(b',') => {
                                self.pos = self.pos.saturating_add(1);
                                let next = self.key()?;
                                if let Some(Frame::Object(_, key)) = stack.last_mut() {
                                    *key = next;
                                }
                                continue 'value;
                            }
                            Some(b'}') => self.pos = self.pos.saturating_add(1),
                            None => return Err(self.err("EOF while parsing an object")),
                            Some(_) => return Err(self.err("expected `,` or `}`")),
                        }
                    }
                }
                value = match stack.pop() {
                    Some(Frame::Array(items)) => Json::Array(items),
                    Some(Frame::Object(entries, _)) => Json::Object(entries),
                    None => return Err(self.err("unbalanced container")),
                };
            }
        }
    }

    /// Open a container: the depth limit is checked before anything is pushed.
    fn open(&mut self, stack: &[Frame]) -> Result<(), JsonError> {
        if stack.len() >= MAX_JSON_DEPTH {
            return Err(JsonError::TooDeep);
        }
        self.spend()?;
        self.pos = self.pos.saturating_add(1);
        Ok(())
    }

    /// An object key and its colon.
    fn key(&mut self) -> Result<String, JsonError> {
        self.ws();
        if self.peek() != Some(b'"') {
            return Err(self.err("key must be a string"));
        }
        let key = self.string()?;
        self.eat(b':', "expected `:`")?;
        Ok(key)
    }

    fn scalar(&mut self) -> Result<Json, JsonError> {
        let rest = self.b.get(self.pos..).unwrap_or_default();
        let literal = |this: &mut Self, len: usize, v: Json| {
            this.pos = this.pos.saturating_add(len);
            this.spend().map(|()| v)
        };
        match self.peek() {
            None => Err(self.err("EOF while parsing a value")),
            Some(b'"') => {
                self.spend()?;
                self.string().map(Json::Str)
            }
            _ if rest.starts_with(b"null") => literal(self, 4, Json::Null),
            _ if rest.starts_with(b"true") => literal(self, 4, Json::Bool(true)),
            _ if rest.starts_with(b"false") => literal(self, 5, Json::Bool(false)),
            _ if self.python && rest.starts_with(b"NaN") => {
                literal(self, 3, Json::Number(Number::F64(f64::NAN)))
            }
            _ if self.python && rest.starts_with(b"Infinity") => {
                literal(self, 8, Json::Number(Number::F64(f64::INFINITY)))
            }
            _ if self.python && rest.starts_with(b"-Infinity") => {
                literal(self, 9, Json::Number(Number::F64(f64::NEG_INFINITY)))
            }
            Some(b'-' | b'0'..=b'9') => {
                self.spend()?;
                self.number()
            }
            Some(_) => Err(self.err("expected value")),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos = self.pos.saturating_add(1);
        }
        self.pos.saturating_sub(start)
    }

    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos = self.pos.saturating_add(1);
        }
        let int_start = self.pos;
        let n = self.digits();
        if n == 0 {
            return Err(self.err("invalid number"));
        }
        if n > 1 && self.b.get(int_start) == Some(&b'0') {
            return Err(self.err("invalid number (leading zero)"));
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.pos = self.pos.saturating_add(1);
            integer = false;
            if self.digits() == 0 {
                return Err(self.err("invalid number"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos = self.pos.saturating_add(1);
            integer = false;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos = self.pos.saturating_add(1);
            }
            if self.digits() == 0 {
                return Err(self.err("invalid number"));
            }
        }
        let s = self.text.get(start..self.pos).unwrap_or("0");
        if integer {
            if let Ok(u) = s.parse::<u64>() {
                return Ok(Json::Number(Number::U64(u)));
            }
            if let Ok(i) = s.parse::<i64>() {
                return Ok(Json::Number(match u64::try_from(i) {
                    Ok(u) => Number::U64(u),
                    Err(_) => Number::I64(i),
                }));
            }
        }
        Ok(Json::Number(Number::F64(
            s.parse::<f64>().unwrap_or(f64::NAN),
        )))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self
            .text
            .get(self.pos..self.pos.saturating_add(4))
            .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()))
            .ok_or_else(|| self.err("invalid \\u escape"))?;
        let v = u32::from_str_radix(digits, 16).map_err(|_| self.err("invalid \\u escape"))?;
        self.pos = self.pos.saturating_add(4);
        Ok(v)
    }

    /// A string starting at the opening quote.
    fn string(&mut self) -> Result<String, JsonError> {
        self.pos = self.pos.saturating_add(1);
        let mut out = String::new();
        loop {
            let run = self.pos;
            while matches!(self.peek(), Some(c) if c != b'"' && c != b'\\' && c >= 0x20) {
                self.pos = self.pos.saturating_add(1);
            }
            out.push_str(self.text.get(run..self.pos).unwrap_or_default());
            match self.peek() {
                Some(b'"') => {
                    self.pos = self.pos.saturating_add(1);
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos = self.pos.saturating_add(1);
                    let c = self.peek().ok_or_else(|| self.err("EOF in a string"))?;
                    self.pos = self.pos.saturating_add(1);
                    match c {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let mut code = hi;
                            if (0xd800..0xdc00).contains(&hi)
                                && self.b.get(self.pos..self.pos.saturating_add(2))
                                    == Some(b"\\u".as_slice())
                            {
                                let save = self.pos;
                                self.pos = self.pos.saturating_add(2);
                                let lo = self.hex4()?;
                                if (0xdc00..0xe000).contains(&lo) {
                                    code = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
                                } else {
                                    self.pos = save;
                                }
                            }
                            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                        }
                        _ => return Err(self.err("invalid escape")),
                    }
                }
                None => return Err(self.err("EOF while parsing a string")),
                Some(_) => return Err(self.err("control character in a string")),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests;
