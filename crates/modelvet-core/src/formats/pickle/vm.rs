//! The symbolic pickle machine: CPython's `_Unpickler` (`Lib/pickle.py`,
//! `Modules/_pickle.c`) with every object replaced by a [`Val`] that records
//! how the real loader would have built it. Nothing is imported or called.
//!
//! What the analysis needs leaves the machine as [`Event`]s: each global the
//! loader would import, each call it would make, and each gadget (state set on
//! modules or classes, calls on call results, names computed at load time).

use super::error::Halt;
use super::input::Input;
use super::memo::Memo;
use super::render::render_call;
use super::resolve::resolve;
use super::text::is_special_attribute;
use super::value::{as_global, as_str, items, val, with, CallKind, Node, Val};
use super::PickleLimits;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::{Rc, Weak};

/// Something the analysis reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The loader imports `name` (first import in this pickle).
    Import {
        /// Resolved `module.qualname`.
        name: String,
        /// Opcode offset.
        offset: u64,
    },
    /// The loader calls a global, directly or through a helper that calls
    /// what it is given (`copyreg.__newobj__(cls, ...)`).
    Call {
        /// The callable.
        name: String,
        /// What the call does to it.
        effect: Effect,
        /// Python-like rendering of the call.
        evidence: String,
        /// Opcode offset.
        offset: u64,
    },
    /// State planted on a module or class, a call on a call's result, ...
    Gadget {
        /// What happens, in words.
        what: String,
        /// Python-like rendering.
        evidence: String,
        /// Opcode offset.
        offset: u64,
    },
    /// `STACK_GLOBAL` with a module or name computed at load time.
    DynamicGlobal {
        /// Python-like rendering.
        evidence: String,
        /// Opcode offset.
        offset: u64,
    },
    /// `EXT1/2/4` with a code no default registry holds.
    Extension {
        /// The extension code.
        code: i64,
        /// Opcode offset.
        offset: u64,
    },
    /// joblib array data skipped, as `joblib.load` reads it.
    JoblibArray {
        /// Offset of the BUILD opcode.
        offset: u64,
        /// Bytes of raw data (padding included).
        bytes: u64,
        /// Whether the array held objects (a nested pickle).
        nested: bool,
    },
}

/// What a call does with the global it calls, from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Effect {
    /// An instance is made without the file passing anything to the class
    /// (`NEWOBJ`/`OBJ`/`INST` without arguments, `copyreg.__newobj__(cls)`,
    /// `copyreg._reconstructor(cls, object, None)`); `BUILD` may give it state.
    Constructed,
    /// Called without arguments.
    CalledBare,
    /// Called with arguments that the file supplies.
    Called,
}

impl Effect {
    /// The effect of calling with `args` (and `kwargs`): `Called` unless both
    /// are known to be empty.
    fn of(args: &Val, kwargs: Option<&Val>, bare: Effect) -> Effect {
        let empty = |v: &Val| {
            with(v, |n| match n {
                Node::Tuple(items) => items.is_empty(),
                Node::Dict(_, len, _) | Node::List(_, len) => *len == 0,
                Node::None => true,
                _ => false,
            })
            .unwrap_or(false)
        };
        if empty(args) && kwargs.is_none_or(empty) {
            bare
        } else {
            Effect::Called
        }
    }
}

/// How an allowed helper uses one of its arguments at load time.
#[derive(Debug, Clone, Copy)]
enum Passes {
    /// Makes an instance of the class at this position, with the arguments
    /// that follow it (`copyreg.__newobj__(cls, *args)`).
    NewWithRest,
    /// Makes an instance of the class at this position, with the arguments
    /// tuple and keyword dict at the two positions that follow.
    NewWithTuple,
    /// Makes an instance of the class at this position, nothing passed.
    Constructs,
    /// Calls the callable at this position with the argument tuple at the
    /// given position.
    CallsWithTuple(usize),
    /// Calls the callable at this position with arguments the file supplies.
    Calls,
    /// Calls the callable at this position without arguments.
    CallsBare,
    /// `copyreg._reconstructor(cls, base, state)`: `base.__new__(cls, state)`
    /// and `base.__init__(obj, state)` unless `base` is `object`.
    ReconstructorBase,
    /// Keeps the callable (a factory called later by the program), never
    /// calling it while loading; a computed one is still a gadget.
    Keeps,
}

/// What a helper does with its arguments, by position.
type Uses = &'static [(usize, Passes)];

/// Allowed callables that call, construct or keep some of their arguments
/// (by position), and the position of a state argument whose keys they
/// `setattr`.
const CALLS_ITS_ARGUMENTS: &[(&str, Uses, Option<usize>)] = &[
    (
        "torch._tensor._rebuild_from_type_v2",
        &[(0, Passes::CallsWithTuple(2)), (1, Passes::Constructs)],
        Some(3),
    ),
    (
        "torch._tensor._rebuild_from_type",
        &[(0, Passes::CallsWithTuple(2)), (1, Passes::Constructs)],
        None,
    ),
    ("torch._utils._rebuild_parameter_with_state", &[], Some(3)),
    (
        "copyreg._reconstructor",
        &[(0, Passes::Constructs), (1, Passes::ReconstructorBase)],
        None,
    ),
    ("copyreg.__newobj__", &[(0, Passes::NewWithRest)], None),
    ("copyreg.__newobj_ex__", &[(0, Passes::NewWithTuple)], None),
    ("collections.defaultdict", &[(0, Passes::Keeps)], None),
    (
        "numpy.random._pickle.__randomstate_ctor",
        &[(1, Passes::Calls)],
        None,
    ),
    (
        "numpy.random._pickle.__generator_ctor",
        &[(1, Passes::Calls)],
        None,
    ),
    (
        "numpy.random._pickle.__bit_generator_ctor",
        &[(0, Passes::CallsBare)],
        None,
    ),
];

/// `builtins.getattr`: each call is judged by what it looks up.
pub(super) const GETATTR: &str = "builtins.getattr";

/// numpy 1.x pickles a ufunc as `_ufunc_reconstruct('numpy', 'log1p')`,
/// which imports `module` and returns its attribute `name`: the loader's own
/// `find_class`, judged as one.
const UFUNC_RECONSTRUCT: &[&str] = &[
    "numpy.core._ufunc_reconstruct",
    "numpy._core._ufunc_reconstruct",
];

/// Calls reported per pickle beyond the first call of each global.
const MAX_CALL_EVENTS: usize = 256;

/// The machine for one pickle at a time; `ops` counts across the stream.
pub struct Machine<'l> {
    pub(super) limits: &'l PickleLimits,
    /// Protocol set by `PROTO` (0 until then).
    pub proto: u8,
    pub(super) stack: Vec<Val>,
    pub(super) metastack: Vec<Vec<Val>>,
    pub(super) below: usize,
    pub(super) memo: Memo,
    /// Opcodes executed so far in the stream.
    pub ops: u64,
    /// Events not yet taken by the driver.
    pub events: Vec<Event>,
    pub(super) imported: HashSet<String>,
    pub(super) called: HashSet<String>,
    pub(super) call_events: usize,
    /// The strongest effect reported so far for each callable in this pickle:
    /// a stronger one is always reported, whatever the cap on call events.
    effects: HashMap<String, Effect>,
    pub(super) nested: u32,
    /// Containers mutated after creation: the only way to build reference
    /// cycles, which are broken when the pickle's values are released.
    mutated: Vec<Weak<RefCell<Node>>>,
    mutated_seen: HashSet<usize>,
    /// Offset of the last opcode read.
    pub last_op: u64,
    /// The last opcode read (`None` when the stream ended before it).
    pub last_opcode: Option<u8>,
}

impl<'l> Machine<'l> {
    /// A machine with the given limits.
    pub fn new(limits: &'l PickleLimits) -> Machine<'l> {
        Machine {
            limits,
            proto: 0,
            stack: Vec::new(),
            metastack: Vec::new(),
            below: 0,
            memo: Memo::default(),
            ops: 0,
            events: Vec::new(),
            imported: HashSet::new(),
            called: HashSet::new(),
            call_events: 0,
            effects: HashMap::new(),
            nested: 0,
            last_op: 0,
            last_opcode: None,
            mutated: Vec::new(),
            mutated_seen: HashSet::new(),
        }
    }

    /// Forget the state of the previous pickle (a new `pickle.load`).
    pub fn reset(&mut self) {
        self.release();
        self.proto = 0;
        self.stack.clear();
        self.metastack.clear();
        self.below = 0;
        self.memo.clear();
        self.imported.clear();
        self.called.clear();
        self.call_events = 0;
        self.effects.clear();
    }

    /// Note that `v` was mutated (it may now be part of a cycle).
    pub(super) fn track(&mut self, v: &Val) {
        if self.mutated_seen.insert(Rc::as_ptr(v) as usize) {
            self.mutated.push(Rc::downgrade(v));
        }
    }

    /// Break every cycle among this pickle's values so they are freed.
    fn release(&mut self) {
        self.mutated_seen.clear();
        for weak in std::mem::take(&mut self.mutated) {
            let Some(v) = weak.upgrade() else { continue };
            let mut children = Vec::new();
            if let Ok(mut node) = v.try_borrow_mut() {
                node.take_children(&mut children);
            }
            drop(children);
        }
    }

    /// Run one pickle from the current position to its `STOP`; returns the result.
    pub fn run(&mut self, input: &mut Input<'_>) -> Result<Val, Halt> {
        loop {
            if let Some(result) = self.step(input)? {
                return Ok(result);
            }
        }
    }

    /// Run a pickle with its own stack and memo (a nested `pickle.load` on the
    /// same file), then restore this one's state.
    pub(super) fn run_nested(&mut self, input: &mut Input<'_>) -> Result<Val, Halt> {
        let saved = (
            std::mem::take(&mut self.stack),
            std::mem::take(&mut self.metastack),
            std::mem::take(&mut self.memo),
            self.below,
            self.proto,
        );
        self.below = 0;
        self.proto = 0;
        self.nested = self.nested.saturating_add(1);
        let result = self.run(input);
        self.nested = self.nested.saturating_sub(1);
        (
            self.stack,
            self.metastack,
            self.memo,
            self.below,
            self.proto,
        ) = saved;
        result
    }

    pub(super) fn push(&mut self, v: Val) -> Result<(), Halt> {
        let held = self.stack.len().saturating_add(self.below) as u64;
        if held >= self.limits.max_stack {
            return Err(Halt::Limit(
                crate::LimitId::PickleMaxStack,
                self.limits.max_stack,
            ));
        }
        self.stack.push(v);
        Ok(())
    }

    pub(super) fn push_node(&mut self, n: Node) -> Result<(), Halt> {
        self.push(val(n))
    }

    pub(super) fn pop(&mut self) -> Result<Val, Halt> {
        self.stack
            .pop()
            .ok_or_else(|| Halt::malformed("unpickling stack underflow"))
    }

    pub(super) fn top(&self) -> Result<Val, Halt> {
        self.stack
            .last()
            .cloned()
            .ok_or_else(|| Halt::malformed("unpickling stack underflow"))
    }

    pub(super) fn replace_top(&mut self, v: Val) -> Result<(), Halt> {
        match self.stack.last_mut() {
            Some(slot) => {
                *slot = v;
                Ok(())
            }
            None => Err(Halt::malformed("unpickling stack underflow")),
        }
    }

    pub(super) fn mark(&mut self) -> Result<(), Halt> {
        if self.metastack.len() as u64 >= u64::from(self.limits.max_nesting) {
            return Err(Halt::Limit(
                crate::LimitId::PickleMaxNesting,
                u64::from(self.limits.max_nesting),
            ));
        }
        let items = std::mem::take(&mut self.stack);
        self.below = self.below.saturating_add(items.len());
        self.metastack.push(items);
        Ok(())
    }

    pub(super) fn pop_mark(&mut self) -> Result<Vec<Val>, Halt> {
        let outer = self
            .metastack
            .pop()
            .ok_or_else(|| Halt::malformed("could not find MARK"))?;
        self.below = self.below.saturating_sub(outer.len());
        Ok(std::mem::replace(&mut self.stack, outer))
    }

    pub(super) fn memo_put(&mut self, idx: u64, v: Val) -> Result<(), Halt> {
        self.memo.put(idx, v, self.limits.max_memo)
    }

    pub(super) fn memo_get(&mut self, idx: u64) -> Result<(), Halt> {
        let v = self
            .memo
            .get(idx)
            .ok_or_else(|| Halt::malformed(format!("memo value not found at index {idx}")))?;
        self.push(v)
    }

    pub(super) fn event(&mut self, e: Event) -> Result<(), Halt> {
        if self.events.len() as u64 >= u64::from(self.limits.max_findings) {
            return Err(Halt::Limit(
                crate::LimitId::PickleMaxFindings,
                u64::from(self.limits.max_findings),
            ));
        }
        self.events.push(e);
        Ok(())
    }

    pub(super) fn gadget(
        &mut self,
        offset: u64,
        what: String,
        evidence: String,
    ) -> Result<(), Halt> {
        self.event(Event::Gadget {
            what,
            evidence,
            offset,
        })
    }

    pub(super) fn import(&mut self, module: &str, name: &str, offset: u64) -> Result<Val, Halt> {
        self.import_path(resolve(module, name, self.proto), offset)
    }

    /// Import the resolved dotted path `full` (an attribute reached from a
    /// global counts as a global of its own).
    fn import_path(&mut self, full: String, offset: u64) -> Result<Val, Halt> {
        if self.imported.insert(full.clone()) {
            self.event(Event::Import {
                name: full.clone(),
                offset,
            })?;
        }
        Ok(val(Node::Global(full)))
    }

    /// Record the call `callable(args)` and return its symbolic result.
    pub(super) fn call(
        &mut self,
        kind: CallKind,
        callable: Val,
        args: Val,
        kwargs: Option<Val>,
        offset: u64,
    ) -> Result<Val, Halt> {
        let target = with(&callable, |n| match n {
            Node::Global(g) => Some(Ok(g.clone())),
            Node::Call { .. } => Some(Err("calls the result of another call")),
            Node::Buffer => Some(Err("calls an out-of-band buffer")),
            _ => None,
        })
        .flatten();
        let evidence = || render_call(kind, &callable, &args, kwargs.as_ref());
        match &target {
            Some(Ok(name)) => {
                let bare = match kind {
                    CallKind::New | CallKind::Inst => Effect::Constructed,
                    CallKind::Reduce | CallKind::Persistent => Effect::CalledBare,
                };
                let effect = Effect::of(&args, kwargs.as_ref(), bare);
                self.record_call(name, effect, evidence(), offset)?;
                if name == GETATTR {
                    if let Some(attribute) = self.getattr(&args, offset, &evidence)? {
                        return Ok(attribute);
                    }
                }
                if UFUNC_RECONSTRUCT.contains(&name.as_str()) {
                    return self.find_class_call(name, &args, offset, &evidence);
                }
                self.check_arguments(name, &args, offset, &evidence)?;
            }
            Some(Err(what)) => self.gadget(offset, (*what).to_owned(), evidence())?,
            None => {}
        }
        Ok(val(Node::Call {
            kind,
            callable,
            args,
            kwargs,
            state: None,
        }))
    }

    /// Report a call of `name`: always when its effect is stronger than any
    /// reported before in this pickle, otherwise within the call-event cap.
    fn record_call(
        &mut self,
        name: &str,
        effect: Effect,
        evidence: String,
        offset: u64,
    ) -> Result<(), Halt> {
        let stronger = self.effects.get(name).is_none_or(|e| effect > *e);
        let first = self.called.insert(name.to_owned());
        if !(stronger || first || self.call_events < MAX_CALL_EVENTS) {
            return Ok(());
        }
        if stronger {
            self.effects.insert(name.to_owned(), effect);
        }
        self.call_events = self.call_events.saturating_add(1);
        self.event(Event::Call {
            name: name.to_owned(),
            effect,
            evidence,
            offset,
        })
    }

    /// `getattr(obj, 'name')`, as pickle writes bound methods and
    /// classmethods (`getattr(dict, 'fromkeys')`): on a global it is the
    /// global `obj.name`, judged as any other; on an instance it is a bound
    /// method, which only a later call could use (a call on a call's result is
    /// a gadget). A name computed at load time, a special attribute of an
    /// instance, or another arity is a gadget. `None`: no attribute value.
    fn getattr(
        &mut self,
        args: &Val,
        offset: u64,
        evidence: &dyn Fn() -> String,
    ) -> Result<Option<Val>, Halt> {
        let Some(items) = items(args) else {
            self.gadget(
                offset,
                "`getattr` is given arguments computed at load time".to_owned(),
                evidence(),
            )?;
            return Ok(None);
        };
        let (Some(obj), Some(attr), 2..=3) = (items.first(), items.get(1), items.len()) else {
            self.gadget(
                offset,
                "`getattr` is called with an unexpected number of arguments".to_owned(),
                evidence(),
            )?;
            return Ok(None);
        };
        let Some(attr) = as_str(attr) else {
            self.gadget(
                offset,
                "`getattr` looks up an attribute whose name is computed at load time".to_owned(),
                evidence(),
            )?;
            return Ok(None);
        };
        if let Some(global) = as_global(obj) {
            return self
                .import_path(format!("{global}.{attr}"), offset)
                .map(Some);
        }
        if is_special_attribute(&attr) || attr.is_empty() {
            self.gadget(
                offset,
                format!("`getattr` reads the special attribute `{attr}`, reaching interpreter internals"),
                evidence(),
            )?;
        }
        Ok(None)
    }

    /// A helper that imports `module` and returns its attribute `name`, both
    /// given as arguments: the global it names when both are constants, a
    /// gadget otherwise.
    fn find_class_call(
        &mut self,
        helper: &str,
        args: &Val,
        offset: u64,
        evidence: &dyn Fn() -> String,
    ) -> Result<Val, Halt> {
        let names = items(args).and_then(|items| match items.as_slice() {
            [module, name] => Some((as_str(module)?, as_str(name)?)),
            _ => None,
        });
        match names {
            Some((module, name)) => self.import_path(format!("{module}.{name}"), offset),
            None => {
                self.gadget(
                    offset,
                    format!("`{helper}` imports a name computed at load time"),
                    evidence(),
                )?;
                Ok(val(Node::Opaque(format!("{helper}(...)"))))
            }
        }
    }

    /// Allowed callables that call, construct or set what they are given:
    /// the globals they call are reported as calls of their own; a computed
    /// callable (the result of a call) or special attributes in their state
    /// argument turn them into gadgets.
    fn check_arguments(
        &mut self,
        name: &str,
        args: &Val,
        offset: u64,
        evidence: &dyn Fn() -> String,
    ) -> Result<(), Halt> {
        let Some((passes, state)) = CALLS_ITS_ARGUMENTS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, c, s)| (*c, *s))
        else {
            return Ok(());
        };
        let Some(items) = items(args) else {
            return Ok(());
        };
        for &(i, how) in passes {
            let Some(arg) = items.get(i) else { continue };
            let computed = with(arg, |n| {
                matches!(n, Node::Call { .. } | Node::Opaque(_) | Node::Buffer)
            })
            .unwrap_or(false);
            if computed {
                let what = format!(
                    "`{name}` is given a computed callable (argument {i}), which it {}",
                    if matches!(how, Passes::Keeps) {
                        "keeps as a factory"
                    } else {
                        "calls"
                    }
                );
                self.gadget(offset, what, evidence())?;
                continue;
            }
            let Some(global) = as_global(arg) else {
                continue;
            };
            let rest = |from: usize| items.get(from..).unwrap_or_default().to_vec();
            let effect = match how {
                Passes::Keeps => continue,
                Passes::Constructs => Effect::Constructed,
                Passes::CallsBare => Effect::CalledBare,
                Passes::Calls => Effect::Called,
                Passes::NewWithRest => Effect::of(
                    &val(Node::Tuple(rest(i.saturating_add(1)))),
                    None,
                    Effect::Constructed,
                ),
                Passes::NewWithTuple => match (
                    items.get(i.saturating_add(1)),
                    items.get(i.saturating_add(2)),
                ) {
                    (Some(a), kw) => Effect::of(a, kw, Effect::Constructed),
                    (None, _) => Effect::Constructed,
                },
                Passes::CallsWithTuple(at) => match items.get(at) {
                    Some(a) => Effect::of(a, None, Effect::CalledBare),
                    None => Effect::CalledBare,
                },
                Passes::ReconstructorBase => {
                    if global == "builtins.object" {
                        continue;
                    }
                    Effect::Called
                }
            };
            let how = format!("{} (through `{name}`)", evidence());
            self.record_call(&global, effect, how, offset)?;
        }
        let dunder = state.and_then(|i| {
            with(items.get(i)?, |n| match n {
                Node::Dict(_, _, d) => d.clone(),
                _ => None,
            })
            .flatten()
        });
        if let Some(key) = dunder {
            let what = format!("`{name}` is given state that sets the special attribute `{key}`");
            self.gadget(offset, what, evidence())?;
        }
        Ok(())
    }

    /// Flag mutation of a global (module, class or function) or of anything
    /// that is not plain data.
    pub(super) fn check_mutation(
        &mut self,
        target: &Val,
        op: &str,
        offset: u64,
        evidence: impl FnOnce() -> String,
    ) -> Result<(), Halt> {
        let on_global = with(target, |n| match n {
            Node::Global(g) => Some(format!("`{g}`")),
            Node::DynamicGlobal(..) => Some("a global computed at load time".to_owned()),
            _ => None,
        })
        .flatten();
        if let Some(what) = on_global {
            let msg = format!("{op} changes {what} itself, planting state in a module or class");
            self.gadget(offset, msg, evidence())?;
        }
        Ok(())
    }
}

impl Drop for Machine<'_> {
    fn drop(&mut self) {
        self.stack.clear();
        self.metastack.clear();
        self.memo.clear();
        self.release();
    }
}
