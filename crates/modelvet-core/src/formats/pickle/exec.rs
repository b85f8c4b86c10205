//! Execution of each opcode, as `Lib/pickle.py`'s `load_*` methods do it.

use super::error::Halt;
use super::input::Input;
use super::ops::*;
use super::render::render;
use super::text;
use super::value::{as_str, push_kept, val, with, CallKind, Node, Val, KEPT_BYTES, TUPLE_KEPT};
use super::vm::{Event, Machine};

impl Machine<'_> {
    fn read_len(&mut self, input: &mut Input<'_>, bytes: u8, what: &str) -> Result<u64, Halt> {
        Ok(match bytes {
            1 => u64::from(input.u8(what)?),
            4 => u64::from(u32::from_le_bytes(input.array::<4>(what)?)),
            _ => u64::from_le_bytes(input.array::<8>(what)?),
        })
    }

    fn read_signed_len(&mut self, input: &mut Input<'_>, what: &str) -> Result<u64, Halt> {
        let n = i32::from_le_bytes(input.array::<4>(what)?);
        u64::try_from(n).map_err(|_| Halt::malformed(format!("{what} has a negative length")))
    }

    fn str_arg(
        &mut self,
        input: &mut Input<'_>,
        len: u64,
        utf8: bool,
        what: &str,
    ) -> Result<(), Halt> {
        let kept = input.blob(len, self.limits.max_bytes_arg, what)?;
        if utf8 && !text::utf8_surrogatepass(&kept, (kept.len() as u64) < len) {
            return Err(Halt::malformed(format!(
                "{what} is not UTF-8 (the loader raises UnicodeDecodeError)"
            )));
        }
        let s = if utf8 {
            text::utf8_prefix(&kept)
        } else {
            text::latin1(&kept)
        };
        let full = if (kept.len() as u64) < len {
            len
        } else {
            s.len() as u64
        };
        self.push_node(Node::Str(s, full))
    }

    fn bytes_arg(
        &mut self,
        input: &mut Input<'_>,
        len: u64,
        mutable: bool,
        what: &str,
    ) -> Result<(), Halt> {
        let kept = input.blob(len, self.limits.max_bytes_arg, what)?;
        self.push_node(Node::Bytes(kept, len, mutable))
    }

    fn line(&mut self, input: &mut Input<'_>, what: &str) -> Result<Vec<u8>, Halt> {
        input.line(self.limits.max_line_bytes, what)
    }

    fn name_line(&mut self, input: &mut Input<'_>, what: &str) -> Result<String, Halt> {
        let line = self.line(input, what)?;
        String::from_utf8(line).map_err(|_| Halt::malformed(format!("{what} is not UTF-8")))
    }

    fn index_line(&mut self, input: &mut Input<'_>, what: &str) -> Result<u64, Halt> {
        let line = self.line(input, what)?;
        match text::load_index(&line) {
            Some(Node::Int(i)) => {
                u64::try_from(i).map_err(|_| Halt::malformed(format!("negative {what}")))
            }
            _ => Err(Halt::malformed(format!("{what} is not an integer"))),
        }
    }

    fn tuple(&mut self, items: Vec<Val>) -> Result<(), Halt> {
        let mut items = items;
        items.truncate(TUPLE_KEPT);
        self.push_node(Node::Tuple(items))
    }

    fn add_items(
        &mut self,
        target: &Val,
        items: Vec<Val>,
        op: &str,
        offset: u64,
    ) -> Result<(), Halt> {
        let added = match target.try_borrow_mut().as_deref_mut() {
            Ok(Node::List(kept, len)) | Ok(Node::Set(kept, len, false)) => {
                for item in items.iter() {
                    push_kept(kept, len, item.clone());
                }
                true
            }
            _ => false,
        };
        if added {
            self.track(target);
        } else {
            self.check_mutation(target, op, offset, || {
                let args = val(Node::List(items.clone(), items.len() as u64));
                format!("{}.extend({})", render(target), render(&args))
            })?;
        }
        Ok(())
    }

    fn set_items(
        &mut self,
        target: &Val,
        pairs: Vec<(Val, Val)>,
        op: &str,
        offset: u64,
    ) -> Result<(), Halt> {
        let added = match target.try_borrow_mut().as_deref_mut() {
            Ok(Node::Dict(kept, len, dunder)) => {
                for (k, v) in pairs.iter() {
                    if dunder.is_none() {
                        *dunder = as_str(k).filter(|s| text::is_special_attribute(s));
                    }
                    push_kept(kept, len, (k.clone(), v.clone()));
                }
                true
            }
            _ => false,
        };
        if added {
            self.track(target);
        } else {
            self.check_mutation(target, op, offset, || {
                let first = pairs.first();
                match first {
                    Some((k, v)) => format!("{}[{}] = {}", render(target), render(k), render(v)),
                    None => render(target),
                }
            })?;
        }
        Ok(())
    }

    fn build(&mut self, input: &mut Input<'_>, offset: u64) -> Result<(), Halt> {
        let state = self.pop()?;
        let target = self.top()?;
        let evidence = || format!("{}.__setstate__({})", render(&target), render(&state));
        self.check_mutation(&target, "BUILD", offset, evidence)?;
        // State whose keys are special attributes (`__class__`, `__dict__`,
        // `__reduce__`, ...) rewires the object rather than filling it.
        let dunder = with(&state, |n| match n {
            Node::Dict(_, _, d) => d.clone(),
            Node::Tuple(items) => items.iter().find_map(|i| {
                with(i, |n| match n {
                    Node::Dict(_, _, d) => d.clone(),
                    _ => None,
                })
                .flatten()
            }),
            _ => None,
        })
        .flatten();
        if let Some(key) = dunder {
            let msg = format!("BUILD sets the special attribute `{key}`, rewiring the object");
            let ev = format!("{}.__setstate__({})", render(&target), render(&state));
            self.gadget(offset, msg, ev)?;
        }
        if let Ok(Node::Call { state: slot, .. }) = target.try_borrow_mut().as_deref_mut() {
            *slot = Some(state.clone());
            self.track(&target);
        }
        if let Some(array) = super::joblib::build(self, input, &target, &state, offset)? {
            self.pop()?;
            self.push(array)?;
        }
        Ok(())
    }

    /// Execute one opcode. `Some(result)` at `STOP`.
    pub fn step(&mut self, input: &mut Input<'_>) -> Result<Option<Val>, Halt> {
        input.op_boundary()?;
        let offset = input.pos();
        self.last_op = offset;
        if self.ops >= self.limits.max_ops {
            return Err(Halt::Limit(
                crate::LimitId::PickleMaxOps,
                self.limits.max_ops,
            ));
        }
        self.ops = self.ops.saturating_add(1);
        self.last_opcode = None;
        let op = input.u8("an opcode")?;
        self.last_opcode = Some(op);
        match op {
            MARK => self.mark()?,
            STOP => return self.pop().map(Some),
            POP => {
                if self.stack.pop().is_none() {
                    self.pop_mark()?;
                }
            }
            POP_MARK => {
                self.pop_mark()?;
            }
            DUP => {
                let v = self.top()?;
                self.push(v)?;
            }
            FLOAT => {
                let line = self.line(input, "FLOAT")?;
                let f = text::load_float(&line).ok_or_else(|| {
                    Halt::malformed("FLOAT argument is not a float the C unpickler reads")
                })?;
                self.push_node(Node::Float(f))?;
            }
            INT => {
                let line = self.line(input, "INT")?;
                let n = text::load_int(&line).ok_or_else(|| {
                    Halt::malformed("INT argument is not an integer the C unpickler reads")
                })?;
                self.push_node(n)?;
            }
            LONG => {
                let line = self.line(input, "LONG")?;
                let n = text::load_long(&line).ok_or_else(|| {
                    Halt::malformed("LONG argument is not an integer the C unpickler reads")
                })?;
                self.push_node(n)?;
            }
            BININT => {
                let i = i32::from_le_bytes(input.array::<4>("BININT")?);
                self.push_node(Node::Int(i64::from(i)))?;
            }
            BININT1 => {
                let i = input.u8("BININT1")?;
                self.push_node(Node::Int(i64::from(i)))?;
            }
            BININT2 => {
                let i = u16::from_le_bytes(input.array::<2>("BININT2")?);
                self.push_node(Node::Int(i64::from(i)))?;
            }
            LONG1 | LONG4 => {
                let len = if op == LONG1 {
                    u64::from(input.u8("LONG1")?)
                } else {
                    self.read_signed_len(input, "LONG4")?
                };
                let bytes = input.blob(len, self.limits.max_bytes_arg, "LONG")?;
                self.push_node(text::decode_long(&bytes, len))?;
            }
            BINFLOAT => {
                let f = f64::from_be_bytes(input.array::<8>("BINFLOAT")?);
                self.push_node(Node::Float(f))?;
            }
            NONE => self.push_node(Node::None)?,
            NEWTRUE => self.push_node(Node::Bool(true))?,
            NEWFALSE => self.push_node(Node::Bool(false))?,
            STRING => {
                let mut d = text::StringLine::new(KEPT_BYTES);
                input.long_line(self.limits.max_bytes_arg, "STRING", |p| d.push_slice(p))?;
                let (s, len) = d.finish().ok_or_else(|| {
                    Halt::malformed(
                        "the STRING opcode argument must be quoted and escaped as codecs.escape_decode reads it",
                    )
                })?;
                self.push_node(Node::Str(s, len))?;
            }
            BINSTRING => {
                let len = self.read_signed_len(input, "BINSTRING")?;
                self.str_arg(input, len, false, "BINSTRING")?;
            }
            SHORT_BINSTRING => {
                let len = u64::from(input.u8("SHORT_BINSTRING")?);
                self.str_arg(input, len, false, "SHORT_BINSTRING")?;
            }
            UNICODE => {
                let mut d = text::UnicodeLine::new(KEPT_BYTES);
                input.long_line(self.limits.max_bytes_arg, "UNICODE", |p| d.push_slice(p))?;
                let (s, len) = d.finish().ok_or_else(|| {
                    Halt::malformed(
                        "the UNICODE opcode argument has a bad raw-unicode-escape escape",
                    )
                })?;
                self.push_node(Node::Str(s, len))?;
            }
            BINUNICODE | SHORT_BINUNICODE | BINUNICODE8 => {
                let width = match op {
                    SHORT_BINUNICODE => 1,
                    BINUNICODE => 4,
                    _ => 8,
                };
                let len = self.read_len(input, width, "BINUNICODE")?;
                self.str_arg(input, len, true, "BINUNICODE")?;
            }
            BINBYTES | SHORT_BINBYTES | BINBYTES8 | BYTEARRAY8 => {
                let width = match op {
                    SHORT_BINBYTES => 1,
                    BINBYTES => 4,
                    _ => 8,
                };
                let len = self.read_len(input, width, "BINBYTES")?;
                self.bytes_arg(input, len, op == BYTEARRAY8, "BINBYTES")?;
            }
            EMPTY_TUPLE => self.push_node(Node::Tuple(Vec::new()))?,
            TUPLE => {
                let items = self.pop_mark()?;
                self.tuple(items)?;
            }
            TUPLE1 | TUPLE2 | TUPLE3 => {
                let n = usize::from(op - TUPLE1) + 1;
                if self.stack.len() < n {
                    return Err(Halt::malformed("unpickling stack underflow"));
                }
                let items = self.stack.split_off(self.stack.len() - n);
                self.tuple(items)?;
            }
            EMPTY_LIST => self.push_node(Node::List(Vec::new(), 0))?,
            LIST => {
                let items = self.pop_mark()?;
                let len = items.len() as u64;
                let mut kept = items;
                kept.truncate(super::value::KEPT_ITEMS);
                self.push_node(Node::List(kept, len))?;
            }
            EMPTY_DICT => self.push_node(Node::Dict(Vec::new(), 0, None))?,
            DICT => {
                let items = self.pop_mark()?;
                let pairs = pairs(items)?;
                let d = val(Node::Dict(Vec::new(), 0, None));
                self.set_items(&d, pairs, "DICT", offset)?;
                self.push(d)?;
            }
            EMPTY_SET => self.push_node(Node::Set(Vec::new(), 0, false))?,
            FROZENSET => {
                let items = self.pop_mark()?;
                let len = items.len() as u64;
                let mut kept = items;
                kept.truncate(super::value::KEPT_ITEMS);
                self.push_node(Node::Set(kept, len, true))?;
            }
            APPEND => {
                let v = self.pop()?;
                let target = self.top()?;
                self.add_items(&target, vec![v], "APPEND", offset)?;
            }
            APPENDS | ADDITEMS => {
                let items = self.pop_mark()?;
                let target = self.top()?;
                let name = if op == APPENDS { "APPENDS" } else { "ADDITEMS" };
                self.add_items(&target, items, name, offset)?;
            }
            SETITEM => {
                let v = self.pop()?;
                let k = self.pop()?;
                let target = self.top()?;
                self.set_items(&target, vec![(k, v)], "SETITEM", offset)?;
            }
            SETITEMS => {
                let items = self.pop_mark()?;
                let target = self.top()?;
                let pairs = pairs(items)?;
                self.set_items(&target, pairs, "SETITEMS", offset)?;
            }
            GET => {
                let idx = self.index_line(input, "GET index")?;
                self.memo_get(idx)?;
            }
            BINGET => {
                let idx = input.u8("BINGET")?;
                self.memo_get(u64::from(idx))?;
            }
            LONG_BINGET => {
                let idx = u32::from_le_bytes(input.array::<4>("LONG_BINGET")?);
                self.memo_get(u64::from(idx))?;
            }
            PUT => {
                let idx = self.index_line(input, "PUT index")?;
                let v = self.top()?;
                self.memo_put(idx, v)?;
            }
            BINPUT => {
                let idx = input.u8("BINPUT")?;
                let v = self.top()?;
                self.memo_put(u64::from(idx), v)?;
            }
            LONG_BINPUT => {
                let idx = u32::from_le_bytes(input.array::<4>("LONG_BINPUT")?);
                let v = self.top()?;
                self.memo_put(u64::from(idx), v)?;
            }
            MEMOIZE => {
                let v = self.top()?;
                let idx = self.memo.len();
                self.memo_put(idx, v)?;
            }
            GLOBAL => {
                let module = self.name_line(input, "GLOBAL module")?;
                let name = self.name_line(input, "GLOBAL name")?;
                let g = self.import(&module, &name, offset)?;
                self.push(g)?;
            }
            STACK_GLOBAL => {
                let name = self.pop()?;
                let module = self.pop()?;
                let g = self.stack_global(module, name, offset)?;
                self.push(g)?;
            }
            INST => {
                // `_pickle.c` `load_inst` finds the mark before it reads the
                // names or imports anything (`pickle._loads` imports first).
                let args = self.pop_mark()?;
                let module = self.name_line(input, "INST module")?;
                let name = self.name_line(input, "INST name")?;
                let cls = self.import(&module, &name, offset)?;
                let args = val(Node::Tuple(truncated(args)));
                let r = self.call(CallKind::Inst, cls, args, None, offset)?;
                self.push(r)?;
            }
            OBJ => {
                let mut args = self.pop_mark()?;
                if args.is_empty() {
                    return Err(Halt::malformed("OBJ without a class"));
                }
                let cls = args.remove(0);
                let args = val(Node::Tuple(truncated(args)));
                let r = self.call(CallKind::Inst, cls, args, None, offset)?;
                self.push(r)?;
            }
            REDUCE => {
                let args = self.pop()?;
                let f = self.top()?;
                let r = self.call(CallKind::Reduce, f, args, None, offset)?;
                self.replace_top(r)?;
            }
            NEWOBJ => {
                let args = self.pop()?;
                let cls = self.pop()?;
                let r = self.call(CallKind::New, cls, args, None, offset)?;
                self.push(r)?;
            }
            NEWOBJ_EX => {
                let kwargs = self.pop()?;
                let args = self.pop()?;
                let cls = self.pop()?;
                let r = self.call(CallKind::New, cls, args, Some(kwargs), offset)?;
                self.push(r)?;
            }
            BUILD => self.build(input, offset)?,
            PERSID => {
                let line = self.line(input, "PERSID")?;
                if !line.is_ascii() {
                    return Err(Halt::malformed(
                        "persistent IDs in protocol 0 must be ASCII strings",
                    ));
                }
                let len = line.len() as u64;
                let pid = text::latin1(&line);
                let pid = val(Node::Str(pid, len));
                self.persistent(pid)?;
            }
            BINPERSID => {
                let pid = self.pop()?;
                self.persistent(pid)?;
            }
            EXT1 | EXT2 | EXT4 => {
                let code = match op {
                    EXT1 => i64::from(input.u8("EXT1")?),
                    EXT2 => i64::from(u16::from_le_bytes(input.array::<2>("EXT2")?)),
                    _ => i64::from(i32::from_le_bytes(input.array::<4>("EXT4")?)),
                };
                if code <= 0 {
                    return Err(Halt::malformed("EXT specifies code <= 0"));
                }
                self.event(Event::Extension { code, offset })?;
                self.push_node(Node::Opaque(format!("extension code {code}")))?;
            }
            PROTO => {
                let v = input.u8("PROTO")?;
                if v > HIGHEST_PROTOCOL {
                    return Err(Halt::malformed(format!("unsupported pickle protocol: {v}")));
                }
                self.proto = v;
            }
            FRAME => {
                let len = u64::from_le_bytes(input.array::<8>("FRAME")?);
                if len > i64::MAX as u64 {
                    return Err(Halt::malformed("frame size > sys.maxsize"));
                }
                input.start_frame(len);
            }
            NEXT_BUFFER => self.push_node(Node::Buffer)?,
            READONLY_BUFFER => {
                self.top()?;
            }
            other => {
                return Err(Halt::malformed(format!("invalid load key, 0x{other:02x}")));
            }
        }
        Ok(None)
    }

    fn persistent(&mut self, pid: Val) -> Result<(), Halt> {
        let r = val(Node::Call {
            kind: CallKind::Persistent,
            callable: val(Node::Opaque("persistent_load".into())),
            args: pid,
            kwargs: None,
            state: None,
        });
        self.push(r)
    }

    fn stack_global(&mut self, module: Val, name: Val, offset: u64) -> Result<Val, Halt> {
        let m = text::const_str(&module);
        let n = text::const_str(&name);
        if let (Some(m), Some(n)) = (&m, &n) {
            return self.import(m, n, offset);
        }
        let is_data = |v: &Val| {
            with(v, |n| {
                matches!(
                    n,
                    Node::None
                        | Node::Bool(_)
                        | Node::Int(_)
                        | Node::BigInt(_)
                        | Node::Float(_)
                        | Node::Bytes(..)
                        | Node::Tuple(_)
                        | Node::List(..)
                        | Node::Dict(..)
                        | Node::Set(..)
                )
            })
            .unwrap_or(false)
        };
        if is_data(&module) || is_data(&name) {
            return Err(Halt::malformed("STACK_GLOBAL requires str"));
        }
        let g = val(Node::DynamicGlobal(module, name));
        self.event(Event::DynamicGlobal {
            evidence: render(&g),
            offset,
        })?;
        Ok(g)
    }
}

fn truncated(mut items: Vec<Val>) -> Vec<Val> {
    items.truncate(TUPLE_KEPT);
    items
}

fn pairs(items: Vec<Val>) -> Result<Vec<(Val, Val)>, Halt> {
    if items.len() % 2 != 0 {
        return Err(Halt::malformed("odd number of items for DICT or SETITEMS"));
    }
    let mut it = items.into_iter();
    let mut out = Vec::new();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    Ok(out)
}
