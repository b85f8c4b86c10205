//! The Python literal subset of an `.npy` header (`ast.literal_eval` input):
//! strings, integers, booleans, `None`, tuples, lists and dicts, with a depth
//! limit. Anything else is an error.

/// A parsed literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    /// `'...'` or `"..."`.
    Str(String),
    /// An integer (numpy writes no others in headers).
    Int(i128),
    /// `True` / `False`.
    Bool(bool),
    /// `None`.
    None,
    /// `( ... )`.
    Tuple(Vec<Literal>),
    /// `[ ... ]`.
    List(Vec<Literal>),
    /// `{ key: value, ... }` in source order (duplicates kept, so they can be reported).
    Dict(Vec<(Literal, Literal)>),
}

/// Why a header is not a literal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} at character {at}")]
pub struct LiteralError {
    /// What was wrong.
    pub what: &'static str,
    /// Python rejects the text for certain (`ast.literal_eval` raises): a
    /// name where a value belongs, or text after the literal. Other errors
    /// may be Python this parser does not read (comments, floats, other
    /// integer and string forms), and callers fail closed on them.
    pub definite: bool,
    /// Character offset.
    pub at: usize,
}

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
    max_depth: u32,
}

/// Parse `text` as one literal followed only by whitespace.
pub fn parse(text: &str, max_depth: u32) -> Result<Literal, LiteralError> {
    let mut p = Parser {
        s: text.as_bytes(),
        at: 0,
        max_depth,
    };
    let v = p.value(0)?;
    p.ws();
    if p.at != p.s.len() {
        let mut e = p.err("unexpected text after the literal");
        // A comment or a line continuation is still Python.
        e.definite = !matches!(p.peek(), Some(b'#' | b'\\'));
        return Err(e);
    }
    Ok(v)
}

impl Parser<'_> {
    fn err(&self, what: &'static str) -> LiteralError {
        LiteralError {
            what,
            at: self.at,
            definite: false,
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }
    fn ws(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.at += 1;
        }
    }
    fn value(&mut self, depth: u32) -> Result<Literal, LiteralError> {
        if depth > self.max_depth {
            return Err(self.err("literal nested too deeply"));
        }
        self.ws();
        match self.peek() {
            Some(b'\'' | b'"') => self.strings(),
            Some(b'(') => {
                // `(x)` is `x`; only a comma makes a tuple.
                let (items, comma) = self.seq_commas(b')', depth)?;
                match <[Literal; 1]>::try_from(items) {
                    Ok([one]) if !comma => Ok(one),
                    Ok([one]) => Ok(Literal::Tuple(vec![one])),
                    Err(items) => Ok(Literal::Tuple(items)),
                }
            }
            Some(b'[') => self.seq(b']', depth).map(Literal::List),
            Some(b'{') => self.dict(depth),
            Some(c) if c == b'-' || c.is_ascii_digit() => self.int(),
            Some(b'u' | b'U' | b'r' | b'R')
                if matches!(self.s.get(self.at + 1), Some(b'\'' | b'"')) =>
            {
                self.strings()
            }
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                let start = self.at;
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
                {
                    self.at += 1;
                }
                match self.s.get(start..self.at) {
                    Some(b"True") => Ok(Literal::Bool(true)),
                    Some(b"False") => Ok(Literal::Bool(false)),
                    Some(b"None") => Ok(Literal::None),
                    // `set()` is the one call literal_eval reads.
                    Some(b"set") => Err(LiteralError {
                        what: "`set()` is not read here",
                        at: start,
                        definite: false,
                    }),
                    _ => Err(LiteralError {
                        what: "a name where a literal belongs",
                        at: start,
                        definite: true,
                    }),
                }
            }
            _ => Err(self.err("expected a literal")),
        }
    }
    fn int(&mut self) -> Result<Literal, LiteralError> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
        if self.peek() == Some(b'L') {
            self.at += 1; // Python 2 long suffix, written by old numpy
        }
        let text = std::str::from_utf8(self.s.get(start..self.at).unwrap_or_default())
            .unwrap_or_default()
            .trim_end_matches('L');
        // `0x10`, `1_0`, `1.5`, `- 1`: Python numbers not read here.
        if self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
        {
            return Err(self.err("a number form not read here"));
        }
        text.parse().map(Literal::Int).map_err(|_| LiteralError {
            what: "an integer out of range",
            at: start,
            definite: false,
        })
    }
    /// One or more adjacent string literals (Python concatenates them).
    fn strings(&mut self) -> Result<Literal, LiteralError> {
        let mut out = String::new();
        loop {
            out.push_str(&self.string()?);
            let back = self.at;
            self.ws();
            let next = self.peek();
            let prefixed = matches!(next, Some(b'u' | b'U' | b'r' | b'R'))
                && matches!(self.s.get(self.at + 1), Some(b'\'' | b'"'));
            if !(prefixed || matches!(next, Some(b'\'' | b'"'))) {
                self.at = back;
                return Ok(Literal::Str(out));
            }
        }
    }

    /// One string literal as Python's tokenizer reads it: an optional `u`
    /// or `r` prefix, single or double quotes (triple quotes are not read
    /// here), and the escapes of a `str` literal (`\x41`, `\101`, `\u0041`;
    /// an unknown escape keeps its backslash; `\N{...}` is not read here).
    fn string(&mut self) -> Result<String, LiteralError> {
        let mut raw = false;
        match self.peek() {
            Some(b'r' | b'R') => {
                raw = true;
                self.at += 1;
            }
            Some(b'u' | b'U') => self.at += 1,
            _ => {}
        }
        let quote = self.peek().ok_or_else(|| self.err("expected a string"))?;
        self.at += 1;
        if self.peek() == Some(quote) && self.s.get(self.at + 1) == Some(&quote) {
            return Err(self.err("triple-quoted strings are not read here"));
        }
        let mut out = String::new();
        loop {
            let c = self.peek().ok_or_else(|| self.err("unterminated string"))?;
            if c == quote {
                self.at += 1;
                return Ok(out);
            }
            if c == b'\n' || c == b'\r' {
                return Err(self.err("unterminated string"));
            }
            if c != b'\\' {
                self.push_char(&mut out)?;
                continue;
            }
            self.at += 1;
            let e = self.peek().ok_or_else(|| self.err("unterminated string"))?;
            if raw {
                out.push('\\');
                self.push_char(&mut out)?;
                continue;
            }
            self.at += 1;
            match e {
                b'\n' => {}
                b'\\' | b'\'' | b'"' => out.push(char::from(e)),
                b'a' => out.push('\u{7}'),
                b'b' => out.push('\u{8}'),
                b'f' => out.push('\u{c}'),
                b'n' => out.push('\n'),
                b'r' => out.push('\r'),
                b't' => out.push('\t'),
                b'v' => out.push('\u{b}'),
                b'0'..=b'7' => {
                    let mut v = u32::from(e - b'0');
                    for _ in 0..2 {
                        match self.peek() {
                            Some(d @ b'0'..=b'7') => {
                                v = v * 8 + u32::from(d - b'0');
                                self.at += 1;
                            }
                            _ => break,
                        }
                    }
                    out.push(char::from_u32(v).ok_or_else(|| self.err("bad octal escape"))?);
                }
                b'x' | b'u' | b'U' => {
                    let width = match e {
                        b'x' => 2,
                        b'u' => 4,
                        _ => 8,
                    };
                    let hex = self
                        .s
                        .get(self.at..self.at + width)
                        .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .ok_or_else(|| self.err("truncated escape in string"))?;
                    self.at += width;
                    out.push(
                        char::from_u32(hex)
                            .ok_or_else(|| self.err("escape out of range or a surrogate"))?,
                    );
                }
                b'N' => return Err(self.err("named escapes are not read here")),
                _ => {
                    // An unknown escape keeps its backslash (SyntaxWarning).
                    out.push('\\');
                    self.at -= 1;
                }
            }
        }
    }

    /// Copy one UTF-8 character of the source.
    fn push_char(&mut self, out: &mut String) -> Result<(), LiteralError> {
        let rest = self.s.get(self.at..).unwrap_or_default();
        let len = match rest.first() {
            Some(b) if *b < 0x80 => 1,
            Some(b) if *b >= 0xf0 => 4,
            Some(b) if *b >= 0xe0 => 3,
            Some(_) => 2,
            None => return Err(self.err("unterminated string")),
        };
        let c = rest
            .get(..len)
            .and_then(|b| std::str::from_utf8(b).ok())
            .ok_or_else(|| self.err("invalid text in string"))?;
        out.push_str(c);
        self.at += len;
        Ok(())
    }

    fn seq(&mut self, close: u8, depth: u32) -> Result<Vec<Literal>, LiteralError> {
        self.seq_commas(close, depth).map(|(items, _)| items)
    }

    /// Items up to `close`, and whether a comma was seen.
    fn seq_commas(&mut self, close: u8, depth: u32) -> Result<(Vec<Literal>, bool), LiteralError> {
        self.at += 1;
        let mut items = Vec::new();
        let mut comma = false;
        loop {
            self.ws();
            if self.peek() == Some(close) {
                self.at += 1;
                return Ok((items, comma));
            }
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.peek() {
                Some(b',') => {
                    comma = true;
                    self.at += 1;
                }
                Some(c) if c == close => {}
                _ => return Err(self.err("expected `,` or the end of a sequence")),
            }
        }
    }
    fn dict(&mut self, depth: u32) -> Result<Literal, LiteralError> {
        self.at += 1;
        let mut items = Vec::new();
        loop {
            self.ws();
            if self.peek() == Some(b'}') {
                self.at += 1;
                return Ok(Literal::Dict(items));
            }
            let k = self.value(depth + 1)?;
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.err("expected `:` in a dict"));
            }
            self.at += 1;
            let v = self.value(depth + 1)?;
            items.push((k, v));
            self.ws();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {}
                _ => return Err(self.err("expected `,` or `}` in a dict")),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests;
