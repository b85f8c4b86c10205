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
use super::value::{items, val, with, CallKind, Node, Val};
use super::PickleLimits;
use std::cell::RefCell;
use std::collections::HashSet;
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
    /// The loader calls a global.
    Call {
        /// The callable.
        name: String,
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

/// Allowed callables that call some of their arguments (by position) or
/// `setattr` the keys of a state argument.
const CALLS_ITS_ARGUMENTS: &[(&str, &[usize], Option<usize>)] = &[
    ("torch._tensor._rebuild_from_type_v2", &[0, 1], Some(3)),
    ("torch._tensor._rebuild_from_type", &[0, 1], None),
    ("torch._utils._rebuild_parameter_with_state", &[], Some(3)),
    ("copyreg._reconstructor", &[0, 1], None),
    ("copyreg.__newobj__", &[0], None),
    ("copyreg.__newobj_ex__", &[0], None),
    ("collections.defaultdict", &[0], None),
    ("numpy.random._pickle.__randomstate_ctor", &[1], None),
    ("numpy.random._pickle.__generator_ctor", &[1], None),
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
            return Err(Halt::Limit("pickle.max_stack", self.limits.max_stack));
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
                "pickle.max_nesting",
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
                "pickle.max_findings",
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
        let full = resolve(module, name, self.proto);
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
        if let Some(Ok(name)) = &target {
            self.check_arguments(name, kind, &callable, &args, kwargs.as_ref(), offset)?;
        }
        match target {
            Some(Ok(name))
                if self.called.insert(name.clone()) || self.call_events < MAX_CALL_EVENTS =>
            {
                self.call_events = self.call_events.saturating_add(1);
                let evidence = render_call(kind, &callable, &args, kwargs.as_ref());
                self.event(Event::Call {
                    name,
                    evidence,
                    offset,
                })?;
            }
            Some(Ok(_)) => {}
            Some(Err(what)) => {
                let evidence = render_call(kind, &callable, &args, kwargs.as_ref());
                self.gadget(offset, what.to_owned(), evidence)?;
            }
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

    /// Allowed callables that call or set what they are given: a computed
    /// callable (the result of a call) or special attributes in their state
    /// argument turn them into gadgets.
    fn check_arguments(
        &mut self,
        name: &str,
        kind: CallKind,
        callable: &Val,
        args: &Val,
        kwargs: Option<&Val>,
        offset: u64,
    ) -> Result<(), Halt> {
        let Some((callables, state)) = CALLS_ITS_ARGUMENTS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, c, s)| (*c, *s))
        else {
            return Ok(());
        };
        let Some(items) = items(args) else {
            return Ok(());
        };
        let computed = callables.iter().find_map(|i| {
            let arg = items.get(*i)?;
            with(arg, |n| {
                matches!(n, Node::Call { .. } | Node::Opaque(_) | Node::Buffer)
            })
            .unwrap_or(false)
            .then_some(*i)
        });
        let dunder = state.and_then(|i| {
            with(items.get(i)?, |n| match n {
                Node::Dict(_, _, d) => d.clone(),
                _ => None,
            })
            .flatten()
        });
        if let Some(i) = computed {
            let what =
                format!("`{name}` is given a computed callable (argument {i}), which it calls");
            let evidence = render_call(kind, callable, args, kwargs);
            self.gadget(offset, what, evidence)?;
        }
        if let Some(key) = dunder {
            let what = format!("`{name}` is given state that sets the special attribute `{key}`");
            let evidence = render_call(kind, callable, args, kwargs);
            self.gadget(offset, what, evidence)?;
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
