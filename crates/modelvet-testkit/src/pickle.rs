//! Pickle streams, written opcode by opcode as CPython's `pickle.Pickler`
//! writes them (protocols 0 to 5), plus typical payloads: PyTorch state dicts
//! as `torch.save` writes `data.pkl`, numpy arrays, joblib dumps with inline
//! arrays, and the attacks scanners have missed.
//!
//! [`Pickler`] has one method per opcode (`binput`, `stack_global`, ...) for
//! hand-built streams, and value-level methods (`str`, `int`, `global`,
//! `memoize`, `tuple`) that choose opcodes per protocol the way `pickle.py`
//! does, so their output matches `pickle.dumps` byte for byte (see the
//! vectors in this module's tests).

/// Writes one pickle.
#[derive(Debug, Clone)]
pub struct Pickler {
    proto: u8,
    out: Vec<u8>,
    memo: u32,
    body_start: usize,
}

impl Pickler {
    /// Start a pickle of protocol `proto` (writes `PROTO` for protocol 2+).
    pub fn new(proto: u8) -> Pickler {
        let mut p = Pickler {
            proto,
            out: Vec::new(),
            memo: 0,
            body_start: 0,
        };
        if proto >= 2 {
            p.out.extend_from_slice(&[0x80, proto]);
        }
        p.body_start = p.out.len();
        p
    }

    /// The protocol.
    pub fn proto(&self) -> u8 {
        self.proto
    }

    /// Append raw bytes (hostile streams, garbage).
    pub fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.out.extend_from_slice(bytes);
        self
    }

    /// Append one opcode byte without argument.
    pub fn op(&mut self, op: u8) -> &mut Self {
        self.out.push(op);
        self
    }

    fn line(&mut self, op: u8, arg: &str) -> &mut Self {
        self.out.push(op);
        self.out.extend_from_slice(arg.as_bytes());
        self.out.push(b'\n');
        self
    }

    /// `STOP` and return the bytes; protocol 4+ wraps the body in one `FRAME`
    /// as `pickle.dumps` does for pickles under 64 KiB.
    pub fn finish(&mut self) -> Vec<u8> {
        self.out.push(b'.');
        self.finish_raw()
    }

    /// Return the bytes as written (no `STOP`), framed for protocol 4+.
    pub fn finish_raw(&mut self) -> Vec<u8> {
        if self.proto >= 4 {
            let body = self.out.split_off(self.body_start);
            if body.len() >= 4 {
                self.out.push(0x95);
                self.out
                    .extend_from_slice(&(body.len() as u64).to_le_bytes());
            }
            self.out.extend_from_slice(&body);
        }
        std::mem::take(&mut self.out)
    }

    /// Return the bytes as written, never framed.
    pub fn unframed(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    // ---- opcodes with arguments -------------------------------------------

    /// `MARK`.
    pub fn mark(&mut self) -> &mut Self {
        self.op(b'(')
    }
    /// `GLOBAL module\nname\n`.
    pub fn global_op(&mut self, module: &str, name: &str) -> &mut Self {
        self.out.push(b'c');
        self.out
            .extend_from_slice(format!("{module}\n{name}\n").as_bytes());
        self
    }
    /// `INST module\nname\n` (calls with the items above the mark).
    pub fn inst(&mut self, module: &str, name: &str) -> &mut Self {
        self.out.push(b'i');
        self.out
            .extend_from_slice(format!("{module}\n{name}\n").as_bytes());
        self
    }
    /// `STACK_GLOBAL`.
    pub fn stack_global(&mut self) -> &mut Self {
        self.op(0x93)
    }
    /// `REDUCE`.
    pub fn reduce(&mut self) -> &mut Self {
        self.op(b'R')
    }
    /// `BUILD`.
    pub fn build(&mut self) -> &mut Self {
        self.op(b'b')
    }
    /// `NEWOBJ`.
    pub fn newobj(&mut self) -> &mut Self {
        self.op(0x81)
    }
    /// `NEWOBJ_EX`.
    pub fn newobj_ex(&mut self) -> &mut Self {
        self.op(0x92)
    }
    /// `OBJ`.
    pub fn obj(&mut self) -> &mut Self {
        self.op(b'o')
    }
    /// `TUPLE` (items above the mark).
    pub fn tuple_mark(&mut self) -> &mut Self {
        self.op(b't')
    }
    /// `EMPTY_TUPLE`.
    pub fn empty_tuple(&mut self) -> &mut Self {
        self.op(b')')
    }
    /// `EMPTY_DICT`.
    pub fn empty_dict(&mut self) -> &mut Self {
        self.op(b'}')
    }
    /// `EMPTY_LIST`.
    pub fn empty_list(&mut self) -> &mut Self {
        self.op(b']')
    }
    /// `SETITEM`.
    pub fn setitem(&mut self) -> &mut Self {
        self.op(b's')
    }
    /// `SETITEMS`.
    pub fn setitems(&mut self) -> &mut Self {
        self.op(b'u')
    }
    /// `APPEND`.
    pub fn append(&mut self) -> &mut Self {
        self.op(b'a')
    }
    /// `APPENDS`.
    pub fn appends(&mut self) -> &mut Self {
        self.op(b'e')
    }
    /// `BINPUT n` / `LONG_BINPUT n`.
    pub fn binput(&mut self, n: u32) -> &mut Self {
        match u8::try_from(n) {
            Ok(b) => self.raw(&[b'q', b]),
            Err(_) => {
                self.out.push(b'r');
                self.raw(&n.to_le_bytes())
            }
        }
    }
    /// `BINGET n` / `LONG_BINGET n`.
    pub fn binget(&mut self, n: u32) -> &mut Self {
        match u8::try_from(n) {
            Ok(b) => self.raw(&[b'h', b]),
            Err(_) => {
                self.out.push(b'j');
                self.raw(&n.to_le_bytes())
            }
        }
    }
    /// `PUT n` (protocol 0 text).
    pub fn put_text(&mut self, n: u32) -> &mut Self {
        self.line(b'p', &n.to_string())
    }
    /// `GET n` (protocol 0 text).
    pub fn get_text(&mut self, n: u32) -> &mut Self {
        self.line(b'g', &n.to_string())
    }
    /// `MEMOIZE`.
    pub fn memoize_op(&mut self) -> &mut Self {
        self.op(0x94)
    }
    /// `EXT1`/`EXT2`/`EXT4` for `code`.
    pub fn ext(&mut self, code: u32) -> &mut Self {
        if let Ok(b) = u8::try_from(code) {
            self.raw(&[0x82, b])
        } else if let Ok(w) = u16::try_from(code) {
            self.out.push(0x83);
            self.raw(&w.to_le_bytes())
        } else {
            self.out.push(0x84);
            self.raw(&code.to_le_bytes())
        }
    }
    /// `PERSID pid\n`.
    pub fn persid(&mut self, pid: &str) -> &mut Self {
        self.line(b'P', pid)
    }
    /// `BINPERSID`.
    pub fn binpersid(&mut self) -> &mut Self {
        self.op(b'Q')
    }
    /// `SHORT_BINSTRING` (protocol 1-2 `str` of Python 2).
    pub fn short_binstring(&mut self, s: &[u8]) -> &mut Self {
        self.raw(&[b'U', s.len() as u8]).raw(s)
    }
    /// `STRING 'quoted'\n` (protocol 0 `str` of Python 2); `s` is written verbatim inside quotes.
    pub fn string_text(&mut self, s: &str) -> &mut Self {
        self.line(b'S', &format!("'{s}'"))
    }
    /// `BINBYTES8`.
    pub fn binbytes8(&mut self, b: &[u8]) -> &mut Self {
        self.out.push(0x8e);
        self.raw(&(b.len() as u64).to_le_bytes()).raw(b)
    }
    /// `BYTEARRAY8`.
    pub fn bytearray8(&mut self, b: &[u8]) -> &mut Self {
        self.out.push(0x96);
        self.raw(&(b.len() as u64).to_le_bytes()).raw(b)
    }
    /// `BINUNICODE8`.
    pub fn binunicode8(&mut self, s: &str) -> &mut Self {
        self.out.push(0x8d);
        self.raw(&(s.len() as u64).to_le_bytes()).raw(s.as_bytes())
    }
    /// `FRAME len`.
    pub fn frame(&mut self, len: u64) -> &mut Self {
        self.out.push(0x95);
        self.raw(&len.to_le_bytes())
    }

    // ---- values, as pickle.py writes them ---------------------------------

    /// Memoize the top of the stack (`MEMOIZE`, `BINPUT` or `PUT`).
    pub fn memoize(&mut self) -> &mut Self {
        let n = self.memo;
        self.memo += 1;
        match self.proto {
            4.. => self.memoize_op(),
            1..=3 => self.binput(n),
            _ => self.put_text(n),
        }
    }

    /// Fetch memo entry `n` (`BINGET` or `GET`).
    pub fn get(&mut self, n: u32) -> &mut Self {
        if self.proto >= 1 {
            self.binget(n)
        } else {
            self.get_text(n)
        }
    }

    /// Index the next `memoize` will use.
    pub fn next_memo(&self) -> u32 {
        self.memo
    }

    /// `None`.
    pub fn none(&mut self) -> &mut Self {
        self.op(b'N')
    }

    /// `True`/`False`.
    pub fn bool(&mut self, b: bool) -> &mut Self {
        if self.proto >= 2 {
            self.op(if b { 0x88 } else { 0x89 })
        } else {
            self.line(b'I', if b { "01" } else { "00" })
        }
    }

    /// An int (`BININT1`/`BININT2`/`BININT`/`LONG1`, or `INT`/`LONG` text).
    pub fn int(&mut self, v: i64) -> &mut Self {
        if self.proto >= 1 {
            if (0..=0xff).contains(&v) {
                return self.raw(&[b'K', v as u8]);
            }
            if (0..=0xffff).contains(&v) {
                self.out.push(b'M');
                return self.raw(&(v as u16).to_le_bytes());
            }
            if let Ok(i) = i32::try_from(v) {
                self.out.push(b'J');
                return self.raw(&i.to_le_bytes());
            }
        }
        if self.proto >= 2 {
            let mut bytes = v.to_le_bytes().to_vec();
            while bytes.len() > 1 {
                let last = bytes[bytes.len() - 1];
                let prev = bytes[bytes.len() - 2];
                if (last == 0 && prev & 0x80 == 0) || (last == 0xff && prev & 0x80 != 0) {
                    bytes.pop();
                } else {
                    break;
                }
            }
            return self.raw(&[0x8a, bytes.len() as u8]).raw(&bytes);
        }
        if i32::try_from(v).is_ok() {
            self.line(b'I', &v.to_string())
        } else {
            self.line(b'L', &format!("{v}L"))
        }
    }

    /// A float (`BINFLOAT`, or `FLOAT` text in protocol 0).
    pub fn float(&mut self, f: f64) -> &mut Self {
        if self.proto >= 1 {
            self.out.push(b'G');
            self.raw(&f.to_be_bytes())
        } else {
            self.line(b'F', &format!("{f:?}"))
        }
    }

    /// A `str`, memoized (`UNICODE`, `BINUNICODE`, `SHORT_BINUNICODE`).
    pub fn str(&mut self, s: &str) -> &mut Self {
        if self.proto == 0 {
            let mut esc = String::new();
            for c in s.chars() {
                match c {
                    '\\' => esc.push_str("\\u005c"),
                    '\0' => esc.push_str("\\u0000"),
                    '\n' => esc.push_str("\\u000a"),
                    '\r' => esc.push_str("\\u000d"),
                    '\x1a' => esc.push_str("\\u001a"),
                    c if (c as u32) > 0xff => esc.push_str(&format!("\\u{:04x}", c as u32)),
                    c => esc.push(c),
                }
            }
            let bytes: Vec<u8> = esc.chars().map(|c| c as u32 as u8).collect();
            self.out.push(b'V');
            self.out.extend_from_slice(&bytes);
            self.out.push(b'\n');
        } else if self.proto >= 4 && s.len() < 256 {
            self.raw(&[0x8c, s.len() as u8]).raw(s.as_bytes());
        } else {
            self.out.push(b'X');
            self.raw(&(s.len() as u32).to_le_bytes()).raw(s.as_bytes());
        }
        self.memoize()
    }

    /// A `bytes` (protocol 3+: `SHORT_BINBYTES`/`BINBYTES`, memoized).
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        if b.len() < 256 {
            self.raw(&[b'C', b.len() as u8]);
        } else {
            self.out.push(b'B');
            self.raw(&(b.len() as u32).to_le_bytes());
        }
        self.raw(b).memoize()
    }

    /// Import `module.name` and memoize it: `GLOBAL` below protocol 4,
    /// `STACK_GLOBAL` from two memoized strings from protocol 4.
    pub fn global(&mut self, module: &str, name: &str) -> &mut Self {
        if self.proto >= 4 {
            self.str(module).str(name).stack_global();
        } else {
            self.global_op(module, name);
        }
        self.memoize()
    }

    /// Close a tuple of `n` items pushed after `mark()` (protocol 0/1, or
    /// more than 3 items) or pushed plainly (protocol 2+, 1-3 items), then memoize.
    /// Call [`Pickler::mark`] first only when [`Pickler::tuple_needs_mark`] says so.
    pub fn tuple(&mut self, n: usize) -> &mut Self {
        if n == 0 {
            return self.empty_tuple();
        }
        if self.proto >= 2 && n <= 3 {
            self.op(0x84 + n as u8);
        } else {
            self.tuple_mark();
        }
        self.memoize()
    }

    /// Whether a tuple of `n` items starts with `MARK` at this protocol.
    pub fn tuple_needs_mark(&self, n: usize) -> bool {
        n > 0 && (self.proto < 2 || n > 3)
    }

    /// `f(*args)` where `f` is `module.name` and every argument is a string:
    /// the usual shape of a `__reduce__` payload.
    pub fn call_global(&mut self, module: &str, name: &str, args: &[&str]) -> &mut Self {
        self.global(module, name);
        if self.tuple_needs_mark(args.len()) {
            self.mark();
        }
        for a in args {
            self.str(a);
        }
        self.tuple(args.len()).reduce().memoize()
    }
}

/// `pickle.dumps` of an object whose `__reduce__` returns
/// `(module.name, (args...))`, e.g. `os.system('id')`.
pub fn reduce_payload(proto: u8, module: &str, name: &str, args: &[&str]) -> Vec<u8> {
    Pickler::new(proto).call_global(module, name, args).finish()
}

/// The classic payload: `os.system(cmd)` (protocol 0 writes it as `posix.system`
/// on Linux; modelvet treats both alike).
pub fn os_system(proto: u8, cmd: &str) -> Vec<u8> {
    reduce_payload(proto, "os", "system", &[cmd])
}

mod payloads;
pub use payloads::*;

#[cfg(test)]
mod vectors;
