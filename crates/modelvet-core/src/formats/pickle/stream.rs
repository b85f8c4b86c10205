//! The stream driver: runs every pickle of a stream through the machine,
//! turns its events into findings and facts, and resynchronises after
//! errors and trailing garbage.

use super::allowlist;
use super::classify::{canonical_note, classify_in, Class, Loader};
use super::error::Halt;
use super::input::Input;
use super::rules::{
    DANGEROUS_GLOBAL, DYNAMIC_GLOBAL, GADGET, MALFORMED, TRAILING_DATA, UNKNOWN_CALL,
    UNKNOWN_EXTENSION, UNKNOWN_GLOBAL,
};
use super::vm::{Effect, Event, Machine};
use super::{StreamOptions, StreamSummary};
use crate::finding::Location;
use crate::formats::pynames;
use crate::scan::ScanCtx;
use crate::severity::Severity;
use crate::source::{ByteSource, ReadError};
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// Calls listed in the `pickle_calls` fact.
const MAX_CALL_FACTS: usize = 100;

/// Everything learnt from one stream.
#[derive(Default)]
struct Collector {
    globals: Vec<String>,
    seen_globals: HashSet<String>,
    classes: HashMap<String, Class>,
    calls: Vec<serde_json::Value>,
    reported: HashSet<(&'static str, u64, String)>,
    protocols: Vec<u8>,
    joblib_arrays: u64,
    loader: Loader,
}

/// Scan every pickle in `src` from offset 0, raising findings on `ctx`.
///
/// Containers (PyTorch zip/legacy, npy object arrays, joblib) call this for each
/// pickle they hold. Never unpickles. A parse error never discards what was
/// already found: the driver reports it and resynchronises on the next
/// protocol header.
pub fn scan_stream(
    src: &mut dyn ByteSource,
    ctx: &mut ScanCtx<'_>,
    options: &StreamOptions,
) -> Result<StreamSummary, ReadError> {
    let limits = ctx.limits().pickle.clone();
    let mut input = Input::new(src);
    let len = input.len();
    let mut machine = Machine::new(&limits);
    let mut summary = StreamSummary::default();
    let mut out = Collector {
        loader: if options.torchscript {
            Loader::TorchScript
        } else {
            Loader::Python
        },
        ..Collector::default()
    };
    let mut pos = 0u64;
    let mut resync = Resync::new(&limits);
    let mut trailing_reported = false;
    let mut read_error = None;
    while pos < len {
        if options
            .max_pickles
            .is_some_and(|max| summary.pickles >= max)
        {
            break;
        }
        if summary.pickles >= limits.max_pickles {
            ctx.limit_hit(
                crate::LimitId::PickleMaxPickles,
                limits.max_pickles,
                &format!("at byte {pos}"),
            );
            break;
        }
        if let Err(e) = input.seek(pos) {
            read_error = Some(e);
            break;
        }
        machine.reset();
        let index = summary.pickles;
        let after_first = summary.end > 0 || index > 0;
        let result = machine.run(&mut input);
        let events = std::mem::take(&mut machine.events);
        let meaningful = !events.is_empty() || result.is_ok() || !after_first;
        if meaningful {
            summary.pickles = summary.pickles.saturating_add(1);
            out.protocols.push(machine.proto);
        }
        report(ctx, &mut out, events, index);
        match result {
            Ok(_) => {
                pos = input.pos();
                summary.end = pos;
                if pos < len && !options.trailing_data_expected && !trailing_reported {
                    trailing_reported = true;
                    let f = ctx.finding(
                        &TRAILING_DATA,
                        Location::ByteRange {
                            start: pos,
                            end: len,
                        },
                        format!(
                            "{} bytes follow the end of pickle #{} at byte {pos}",
                            len - pos,
                            index + 1
                        ),
                    );
                    ctx.push(f.with_help(
                        "a loader that calls pickle.load again reads these bytes; each further pickle is scanned too",
                    ));
                }
                if pos < len && options.trailing_data_expected {
                    // The container expects raw data after its pickles.
                    if options.max_pickles.is_none() {
                        break;
                    }
                }
            }
            Err(Halt::Limit(name, value)) => {
                ctx.limit_hit(
                    name,
                    value,
                    &format!("at byte {} of pickle #{}", machine.last_op, index + 1),
                );
                break;
            }
            Err(Halt::Read(e)) => {
                read_error = Some(Halt::Read(e));
                break;
            }
            Err(halt) => {
                if meaningful {
                    let f = ctx.finding(
                        &MALFORMED,
                        Location::PickleOp {
                            offset: machine.last_op,
                            pickle: index,
                        },
                        format!(
                            "the pickle is invalid at {}: {halt}",
                            opcode_label(machine.last_opcode)
                        ),
                    );
                    ctx.push(f.with_help(
                        "the loader stops at this point after running everything before it; what follows was scanned from the next offset where a pickle could start",
                    ));
                }
                let from = machine.last_op.saturating_add(1).max(pos.saturating_add(1));
                match resync.next_start(&mut input, from, ctx) {
                    Ok(Some(next)) => pos = next,
                    Ok(None) => break,
                    Err(e) => {
                        read_error = Some(e);
                        break;
                    }
                }
            }
        }
    }
    summary.globals = out.globals.clone();
    ctx.fact("pickle_globals", json!(out.globals));
    ctx.fact("pickle_calls", json!(out.calls));
    ctx.fact(
        "pickle_stream",
        json!({
            "pickles": summary.pickles,
            "end": summary.end,
            "protocols": out.protocols,
            "joblib_arrays": out.joblib_arrays,
        }),
    );
    match read_error {
        Some(Halt::Read(e)) => Err(e),
        Some(other) => Err(ReadError::new(other.to_string())),
        None => Ok(summary),
    }
}

/// Opcodes a trial run from a candidate offset may execute.
const RESYNC_TRIAL_OPS: u64 = 256;

/// Where scanning goes on after a parse error. A loader reading the stream
/// from another offset (a container's own framing, a differential between
/// parsers) runs whatever can run there, headerless protocol 0/1 pickles
/// included: every offset is tried with a short run of the machine, and is
/// taken when that run imports a global named by Python identifiers, reaches
/// `STOP` after a few opcodes
/// or uses its whole opcode budget cleanly. Tried offsets are bounded per
/// stream by `pickle.max_resync_bytes`; past them only protocol 2+ headers
/// are looked for.
struct Resync {
    limits: super::PickleLimits,
    left: u64,
    reported: bool,
}

impl Resync {
    fn new(limits: &super::PickleLimits) -> Resync {
        Resync {
            limits: super::PickleLimits {
                max_ops: RESYNC_TRIAL_OPS,
                ..limits.clone()
            },
            left: limits.max_resync_bytes,
            reported: false,
        }
    }

    fn next_start(
        &mut self,
        input: &mut Input<'_>,
        from: u64,
        ctx: &mut ScanCtx<'_>,
    ) -> Result<Option<u64>, Halt> {
        let len = input.len();
        let mut machine = Machine::new(&self.limits);
        let mut at = from;
        while at < len {
            if self.left == 0 {
                if !self.reported {
                    self.reported = true;
                    ctx.limit_hit(
                        crate::LimitId::PickleMaxResyncBytes,
                        self.limits.max_resync_bytes,
                        &format!("at byte {at}; only protocol 2+ headers were looked for after it"),
                    );
                }
                return input.find_header(at);
            }
            self.left -= 1;
            input.seek(at)?;
            machine.reset();
            machine.ops = 0;
            machine.events.clear();
            let result = machine.run(input);
            let imports = machine.events.iter().any(|e| match e {
                Event::Import { name, .. } => super::importable(name),
                _ => false,
            });
            let runs = match result {
                Ok(_) => machine.ops >= 3,
                Err(Halt::Limit(crate::LimitId::PickleMaxOps, _)) => true,
                Err(Halt::Read(e)) => return Err(Halt::Read(e)),
                Err(_) => false,
            };
            if imports || runs {
                return Ok(Some(at));
            }
            at += 1;
        }
        Ok(None)
    }
}

fn opcode_label(op: Option<u8>) -> String {
    match op {
        Some(op) => match super::ops::name(op) {
            Some(name) => format!("opcode {name}"),
            None => format!("byte 0x{op:02x}"),
        },
        None => "the end of the data".to_owned(),
    }
}

fn report(ctx: &mut ScanCtx<'_>, out: &mut Collector, events: Vec<Event>, pickle: u32) {
    // The strongest call of each global in this pickle, for judgement and
    // evidence (the first of the strongest).
    let mut strongest: HashMap<String, (Effect, String)> = HashMap::new();
    for e in &events {
        if let Event::Call {
            name,
            effect,
            evidence,
            ..
        } = e
        {
            match strongest.get_mut(name) {
                Some(slot) if *effect > slot.0 => *slot = (*effect, evidence.clone()),
                Some(_) => {}
                None => {
                    strongest.insert(name.clone(), (*effect, evidence.clone()));
                }
            }
        }
    }
    for e in events {
        match e {
            Event::Import { name, offset } => {
                if out.seen_globals.insert(name.clone()) {
                    out.globals.push(name.clone());
                }
                let class = out
                    .classes
                    .entry(name.clone())
                    .or_insert_with(|| classify_in(&name, out.loader))
                    .clone();
                let call = strongest.get(&name);
                let evidence = call
                    .map(|(_, ev)| ev.clone())
                    .unwrap_or_else(|| name.clone());
                let loc = Location::PickleOp { offset, pickle };
                match class {
                    Class::Allowed(_) => {}
                    Class::Dangerous { severity, reason } => {
                        if out
                            .reported
                            .insert((DANGEROUS_GLOBAL.id, offset, name.clone()))
                        {
                            let f = ctx
                                .finding(
                                    &DANGEROUS_GLOBAL,
                                    loc,
                                    format!("imports `{name}`, which {reason}"),
                                )
                                .with_severity(severity)
                                .with_evidence(evidence)
                                .with_help("do not load this file; ask for a safetensors version");
                            ctx.push(f);
                        }
                    }
                    Class::Unknown
                        if call.is_none_or(|(effect, _)| *effect == Effect::Constructed)
                            && allowlist::constructible(&name).is_some() => {}
                    Class::Unknown => {
                        let is = canonical_note(&name);
                        let (rule, what, help) = match call.map(|(effect, _)| *effect) {
                            Some(Effect::Called) => (
                                &UNKNOWN_CALL,
                                format!("calls `{name}`{is} with arguments from the file; nothing known says this callable is safe"),
                                "do not load this file unless you know what this callable does with its arguments",
                            ),
                            Some(Effect::CalledBare) => (
                                &UNKNOWN_GLOBAL,
                                format!("calls `{name}`{is} without arguments; it is not on the allowlist of checkpoint globals"),
                                "check that this global comes from code you trust",
                            ),
                            Some(Effect::Constructed) => (
                                &UNKNOWN_GLOBAL,
                                format!("makes an instance of `{name}`{is}, which is not on the allowlist of checkpoint globals"),
                                "check that this class comes from code you trust",
                            ),
                            None => (
                                &UNKNOWN_GLOBAL,
                                format!("imports `{name}`{is}, which is not on the allowlist of checkpoint globals"),
                                "check that this global comes from code you trust",
                            ),
                        };
                        // Only referenced, from a module whose import is
                        // known: nothing of it runs while loading.
                        let inert = call.is_none()
                            && pynames::indexed_module(&name).is_some()
                            && pynames::resolve_dotted(&name).iter().all(|t| t.walked);
                        if out.reported.insert((rule.id, offset, name.clone())) {
                            let mut f = ctx
                                .finding(rule, loc, what)
                                .with_evidence(evidence)
                                .with_help(help);
                            if inert {
                                f = f.with_severity(Severity::Low);
                            }
                            ctx.push(f);
                        }
                    }
                }
            }
            Event::Call {
                name,
                evidence,
                offset,
                ..
            } => {
                if out.calls.len() < MAX_CALL_FACTS {
                    out.calls.push(json!({
                        "pickle": pickle,
                        "offset": offset,
                        "callable": name,
                        "call": evidence,
                    }));
                }
            }
            Event::Gadget {
                what,
                evidence,
                offset,
            } => {
                if out.reported.insert((GADGET.id, offset, what.clone())) {
                    let f = ctx
                        .finding(&GADGET, Location::PickleOp { offset, pickle }, what)
                        .with_evidence(evidence)
                        .with_help("real checkpoints never do this; treat the file as hostile");
                    ctx.push(f);
                }
            }
            Event::DynamicGlobal { evidence, offset } => {
                if out
                    .reported
                    .insert((DYNAMIC_GLOBAL.id, offset, String::new()))
                {
                    let f = ctx
                        .finding(
                            &DYNAMIC_GLOBAL,
                            Location::PickleOp { offset, pickle },
                            "STACK_GLOBAL imports a name computed while loading",
                        )
                        .with_evidence(evidence);
                    ctx.push(f);
                }
            }
            Event::Extension { code, offset } => {
                if out
                    .reported
                    .insert((UNKNOWN_EXTENSION.id, offset, String::new()))
                {
                    let f = ctx
                        .finding(
                            &UNKNOWN_EXTENSION,
                            Location::PickleOp { offset, pickle },
                            format!(
                                "refers to a global through unregistered extension code {code}"
                            ),
                        )
                        .with_evidence(format!("copyreg._extension_registry[{code}]"));
                    ctx.push(f);
                }
            }
            Event::JoblibArray { .. } => {
                out.joblib_arrays = out.joblib_arrays.saturating_add(1);
            }
        }
    }
}
