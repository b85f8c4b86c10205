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
        return Err(p.err("unexpected text after the literal"));
    }
    Ok(v)
}

impl Parser<'_> {
    fn err(&self, what: &'static str) -> LiteralError {
        LiteralError { what, at: self.at }
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
            Some(q @ (b'\'' | b'"')) => self.string(q),
            Some(b'(') => self.seq(b')', depth).map(Literal::Tuple),
            Some(b'[') => self.seq(b']', depth).map(Literal::List),
            Some(b'{') => self.dict(depth),
            Some(c) if c == b'-' || c.is_ascii_digit() => self.int(),
            Some(c) if c.is_ascii_alphabetic() => {
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
                    _ => Err(LiteralError {
                        what: "a name where a literal belongs",
                        at: start,
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
        text.parse().map(Literal::Int).map_err(|_| LiteralError {
            what: "an integer out of range",
            at: start,
        })
    }
    fn string(&mut self, quote: u8) -> Result<Literal, LiteralError> {
        self.at += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some(c) if c == quote => {
                    self.at += 1;
                    break;
                }
                Some(b'\\') => {
                    self.at += 1;
                    let c = self.peek().ok_or_else(|| self.err("unterminated string"))?;
                    out.push(match c {
                        b'n' => b'\n',
                        b't' => b'\t',
                        b'\\' | b'\'' | b'"' => c,
                        _ => return Err(self.err("unsupported escape in string")),
                    });
                    self.at += 1;
                }
                Some(c) => {
                    out.push(c);
                    self.at += 1;
                }
            }
        }
        Ok(Literal::Str(String::from_utf8_lossy(&out).into_owned()))
    }
    fn seq(&mut self, close: u8, depth: u32) -> Result<Vec<Literal>, LiteralError> {
        self.at += 1;
        let mut items = Vec::new();
        loop {
            self.ws();
            if self.peek() == Some(close) {
                self.at += 1;
                return Ok(items);
            }
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.at += 1,
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
mod tests {
    use super::*;

    #[test]
    fn numpy_headers() {
        let h = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }          \n";
        let Literal::Dict(items) = parse(h, 8).unwrap() else {
            panic!()
        };
        assert_eq!(items.len(), 3);
        assert_eq!(
            items[2].1,
            Literal::Tuple(vec![Literal::Int(3), Literal::Int(4)])
        );
        let s =
            "{'descr': [('a', '<i4'), ('b', '|O', (2,))], 'fortran_order': True, 'shape': (5L,)}";
        assert!(parse(s, 8).is_ok());
    }

    #[test]
    fn rejects_what_literal_eval_rejects() {
        for bad in [
            "{'a': __import__('os')}",
            "{'a': 1} x",
            "{'a' 1}",
            "'unterminated",
            "((((((((((1))))))))))",
            "{'a': 1.5}",
            "",
        ] {
            assert!(parse(bad, 8).is_err(), "{bad}");
        }
    }
}
