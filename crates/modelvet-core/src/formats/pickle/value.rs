//! Symbolic values of the pickle machine.
//!
//! A value stands for what the real unpickler would hold at that point: a
//! constant (kept in full when short, abbreviated when long), a container
//! (shared and mutable, as Python's are: `APPEND` to a memoised list is seen
//! through every reference), a global the loader would import, or the result of
//! a call the loader would make. Containers keep only their first items, so
//! memory stays bounded by the stack and memo, not by the stream.

use std::cell::RefCell;
use std::rc::Rc;

/// A shared reference to a symbolic value.
pub type Val = Rc<RefCell<Node>>;

/// Items of a container kept for rendering and analysis; the rest are counted.
pub const KEPT_ITEMS: usize = 16;

/// Bytes of a string or bytes constant kept; longer constants are abbreviated.
pub const KEPT_BYTES: usize = 4096;

/// Items of a tuple kept (numpy allows 64 dimensions).
pub const TUPLE_KEPT: usize = 64;

/// What kind of call produced a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// `REDUCE`: `f(*args)`.
    Reduce,
    /// `NEWOBJ`/`NEWOBJ_EX`: `cls.__new__(cls, *args, **kwargs)`.
    New,
    /// `INST`/`OBJ`: `cls(*args)` (or `cls.__new__(cls)` without arguments).
    Inst,
    /// A persistent id handed to the loader's `persistent_load`.
    Persistent,
}

/// A symbolic value.
#[derive(Debug, Clone)]
pub enum Node {
    /// `None`.
    None,
    /// `True`/`False`.
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// An integer too large to keep: its size in bytes (or digits).
    BigInt(u64),
    /// A float.
    Float(f64),
    /// A text string (the first [`KEPT_BYTES`] bytes, and its full byte length).
    Str(String, u64),
    /// A bytes constant (prefix, full length). `mutable` for `bytearray`.
    Bytes(Vec<u8>, u64, bool),
    /// A tuple (kept items, up to [`TUPLE_KEPT`]; shapes and call arguments).
    Tuple(Vec<Val>),
    /// A list (kept items, full length).
    List(Vec<Val>, u64),
    /// A dict (kept pairs, full length, the first special `__dunder__` key seen).
    Dict(Vec<(Val, Val)>, u64, Option<String>),
    /// A set or frozenset (kept items, full length, frozen).
    Set(Vec<Val>, u64, bool),
    /// A global the loader imports: `module.qualname`, resolved.
    Global(String),
    /// A global whose name the loader computes at load time (not checkable).
    DynamicGlobal(Val, Val),
    /// The result of a call.
    Call {
        /// How it was called.
        kind: CallKind,
        /// What was called.
        callable: Val,
        /// Positional arguments (a tuple, or whatever the stream supplied).
        args: Val,
        /// Keyword arguments (`NEWOBJ_EX`).
        kwargs: Option<Val>,
        /// State set by a later `BUILD`, if any.
        state: Option<Val>,
    },
    /// An out-of-band buffer (`NEXT_BUFFER`).
    Buffer,
    /// Something the machine cannot represent (an unregistered extension code, ...).
    Opaque(String),
}

/// Wrap a node.
pub fn val(node: Node) -> Val {
    Rc::new(RefCell::new(node))
}

/// Read a node without panicking (a value borrowed mutably elsewhere reads as opaque).
pub fn with<R>(v: &Val, f: impl FnOnce(&Node) -> R) -> Option<R> {
    v.try_borrow().ok().map(|n| f(&n))
}

/// The full string if `v` is a completely kept text string.
pub fn as_str(v: &Val) -> Option<String> {
    with(v, |n| match n {
        Node::Str(s, len) if s.len() as u64 == *len => Some(s.clone()),
        _ => None,
    })
    .flatten()
}

/// The integer if `v` is a small integer (or a bool, as Python treats it).
pub fn as_int(v: &Val) -> Option<i64> {
    with(v, |n| match n {
        Node::Int(i) => Some(*i),
        Node::Bool(b) => Some(i64::from(*b)),
        _ => None,
    })
    .flatten()
}

/// The global name if `v` is an imported global.
pub fn as_global(v: &Val) -> Option<String> {
    with(v, |n| match n {
        Node::Global(g) => Some(g.clone()),
        _ => None,
    })
    .flatten()
}

/// The items of a tuple or list (kept items only).
pub fn items(v: &Val) -> Option<Vec<Val>> {
    with(v, |n| match n {
        Node::Tuple(items) | Node::List(items, _) => Some(items.clone()),
        _ => None,
    })
    .flatten()
}

/// Look a string key up in a dict's kept pairs.
pub fn dict_get(v: &Val, key: &str) -> Option<Val> {
    with(v, |n| match n {
        Node::Dict(pairs, _, _) => pairs
            .iter()
            .find(|(k, _)| as_str(k).as_deref() == Some(key))
            .map(|(_, v)| v.clone()),
        _ => None,
    })
    .flatten()
}

/// The callable's global name if `v` is the result of calling a global.
pub fn call_of(v: &Val) -> Option<(String, Val)> {
    with(v, |n| match n {
        Node::Call { callable, args, .. } => as_global(callable).map(|g| (g, args.clone())),
        _ => None,
    })
    .flatten()
}

/// Push `item` onto a kept list, counting it either way.
pub fn push_kept<T>(kept: &mut Vec<T>, len: &mut u64, item: T) {
    if kept.len() < KEPT_ITEMS {
        kept.push(item);
    }
    *len = len.saturating_add(1);
}
