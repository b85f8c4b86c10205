//! TensorFlow Lite models: a flatbuffer (`Model` table, file identifier
//! `TFL3`) read by hand, bounds-checked, through small windows of the source.
//!
//! A TFLite model cannot hold Python, but its operators can name kernels that
//! are not TFLite's own: *custom* ops (resolved by name against whatever the
//! application registered) and *Flex* ops (`Flex*` custom codes, full
//! TensorFlow ops run by the Flex delegate, including file I/O such as
//! `ReadFile`, `WriteFile`, `MatchingFiles`, `Save`/`Restore` and `PrintV2`).

use crate::finding::{abbreviate, Location};
pub use crate::formats::tensors::rules::{TFLITE_CUSTOM_OP, TFLITE_FLEX_OP, TFLITE_MALFORMED};
use crate::rule::Rule;
use crate::scan::ScanCtx;
use crate::severity::Severity;
use crate::source::{read_window, ByteSource, ReadError};
use serde_json::json;
use std::collections::BTreeMap;

/// Rules of the TFLite scanner.
pub const RULES: &[&Rule] = &[&TFLITE_CUSTOM_OP, &TFLITE_FLEX_OP, &TFLITE_MALFORMED];

/// `BuiltinOperator_CUSTOM`.
const CUSTOM: i32 = 32;
/// Page size of the read cache.
const PAGE: u64 = 4096;
/// Custom ops shipped with TFLite's own op resolvers.
const KNOWN_CUSTOM: &[&str] = &[
    "TFLite_Detection_PostProcess",
    "Convolution2DTransposeBias",
    "MaxPoolingWithArgmax2D",
    "MaxUnpooling2D",
    "Landmarks2TransformMatrix",
    "TransformLandmarks",
    "TransformTensorBilinear",
];
/// Parts of TensorFlow op names that touch files, processes or the console.
const IO_OPS: &[&str] = &[
    "File",
    "PyFunc",
    "Save",
    "Restore",
    "Reader",
    "Dataset",
    "Print",
    "Checkpoint",
    "Remap",
    "Write",
    "Load",
];

enum Fail {
    /// An offset outside the buffer (what, offset).
    Bounds(String),
    /// The `tensors.max_tflite_bytes` budget ran out.
    Budget,
    Read(ReadError),
}

impl From<ReadError> for Fail {
    fn from(e: ReadError) -> Fail {
        Fail::Read(e)
    }
}

/// Bounds-checked flatbuffer access through cached pages of the source.
struct Flatbuffer<'s> {
    src: &'s mut dyn ByteSource,
    len: u64,
    pages: BTreeMap<u64, Vec<u8>>,
    budget: u64,
}

#[derive(Clone, Copy)]
struct Table {
    pos: u64,
    vtable: u64,
    vtable_len: u64,
}

impl Flatbuffer<'_> {
    fn byte(&mut self, at: u64) -> Result<u8, Fail> {
        if at >= self.len {
            return Err(Fail::Bounds(format!(
                "offset {at} is past the end ({})",
                self.len
            )));
        }
        let page = at / PAGE;
        if !self.pages.contains_key(&page) {
            if self.budget < PAGE {
                return Err(Fail::Budget);
            }
            self.budget -= PAGE;
            if self.pages.len() >= 256 {
                self.pages.clear();
            }
            let bytes = read_window(self.src, page.saturating_mul(PAGE), PAGE)?;
            self.pages.insert(page, bytes);
        }
        let offset = usize::try_from(at % PAGE).unwrap_or(usize::MAX);
        self.pages
            .get(&page)
            .and_then(|p| p.get(offset))
            .copied()
            .ok_or_else(|| Fail::Bounds(format!("offset {at} could not be read")))
    }

    fn array<const N: usize>(&mut self, at: u64) -> Result<[u8; N], Fail> {
        let mut out = [0u8; N];
        for (i, b) in out.iter_mut().enumerate() {
            *b = self.byte(at.saturating_add(i as u64))?;
        }
        Ok(out)
    }

    fn u16(&mut self, at: u64) -> Result<u16, Fail> {
        Ok(u16::from_le_bytes(self.array(at)?))
    }

    fn u32(&mut self, at: u64) -> Result<u32, Fail> {
        Ok(u32::from_le_bytes(self.array(at)?))
    }

    fn i32(&mut self, at: u64) -> Result<i32, Fail> {
        Ok(i32::from_le_bytes(self.array(at)?))
    }

    /// Follow the `uoffset_t` stored at `at`.
    fn deref(&mut self, at: u64) -> Result<u64, Fail> {
        let off = self.u32(at)?;
        let to = at.saturating_add(u64::from(off));
        if to >= self.len {
            return Err(Fail::Bounds(format!(
                "offset at {at} points to {to}, past the end"
            )));
        }
        Ok(to)
    }

    fn table(&mut self, pos: u64) -> Result<Table, Fail> {
        let soffset = i64::from(self.i32(pos)?);
        let vtable = i64::try_from(pos)
            .ok()
            .and_then(|p| p.checked_sub(soffset))
            .and_then(|v| u64::try_from(v).ok())
            .filter(|v| *v < self.len)
            .ok_or_else(|| {
                Fail::Bounds(format!("table at {pos} has its vtable outside the file"))
            })?;
        let vtable_len = u64::from(self.u16(vtable)?);
        if vtable_len < 4 || vtable_len % 2 != 0 {
            return Err(Fail::Bounds(format!(
                "vtable at {vtable} has length {vtable_len}"
            )));
        }
        Ok(Table {
            pos,
            vtable,
            vtable_len,
        })
    }

    /// Position of field `index` of `t`, if present.
    fn field(&mut self, t: Table, index: u64) -> Result<Option<u64>, Fail> {
        let slot = index.saturating_mul(2).saturating_add(4);
        if slot.saturating_add(2) > t.vtable_len {
            return Ok(None);
        }
        let off = self.u16(t.vtable.saturating_add(slot))?;
        Ok((off != 0).then(|| t.pos.saturating_add(u64::from(off))))
    }

    /// A vector field: (first element, length), checked to fit the file.
    fn vector(&mut self, t: Table, index: u64, elem: u64) -> Result<Option<(u64, u64)>, Fail> {
        let Some(at) = self.field(t, index)? else {
            return Ok(None);
        };
        let v = self.deref(at)?;
        let n = u64::from(self.u32(v)?);
        let start = v.saturating_add(4);
        let end = n.checked_mul(elem).and_then(|b| b.checked_add(start));
        if end.is_none_or(|e| e > self.len) {
            return Err(Fail::Bounds(format!(
                "vector at {v} of {n} elements runs past the end"
            )));
        }
        Ok(Some((start, n)))
    }

    /// Element `i` of a vector of tables.
    fn table_at(&mut self, start: u64, i: u64) -> Result<Table, Fail> {
        let slot = start.saturating_add(i.saturating_mul(4));
        let pos = self.deref(slot)?;
        self.table(pos)
    }

    fn string(&mut self, t: Table, index: u64, max: u64) -> Result<Option<String>, Fail> {
        let Some((start, n)) = self.vector(t, index, 1)? else {
            return Ok(None);
        };
        let mut bytes = Vec::new();
        for i in 0..n.min(max) {
            bytes.push(self.byte(start.saturating_add(i))?);
        }
        Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
    }

    fn scalar_i32(&mut self, t: Table, index: u64) -> Result<Option<i32>, Fail> {
        match self.field(t, index)? {
            Some(at) => self.i32(at).map(Some),
            None => Ok(None),
        }
    }
}

/// One operator code.
struct OpCode {
    builtin: i32,
    custom: Option<String>,
    uses: u64,
}

/// Scan a TFLite model.
pub fn scan(src: &mut dyn ByteSource, ctx: &mut ScanCtx<'_>) -> Result<(), ReadError> {
    let len = src.len();
    let budget = ctx.limits().tensors.max_tflite_bytes;
    let mut fb = Flatbuffer {
        src,
        len,
        pages: BTreeMap::new(),
        budget,
    };
    match read_model(&mut fb, ctx) {
        Ok(()) => Ok(()),
        Err(Fail::Read(e)) => Err(e),
        Err(Fail::Budget) => {
            ctx.limit_hit(
                crate::LimitId::TensorsMaxTfliteBytes,
                budget,
                "while reading the flatbuffer",
            );
            Ok(())
        }
        Err(Fail::Bounds(what)) => {
            let f = ctx.finding(
                &TFLITE_MALFORMED,
                Location::File,
                format!("flatbuffer is invalid: {what}"),
            );
            ctx.push(f);
            Ok(())
        }
    }
}

fn read_model(fb: &mut Flatbuffer<'_>, ctx: &mut ScanCtx<'_>) -> Result<(), Fail> {
    let max_items = ctx.limits().tensors.max_tflite_items;
    let root = fb.deref(0)?;
    let model = fb.table(root)?;
    let version = match fb.field(model, 0)? {
        Some(at) => Some(fb.u32(at)?),
        None => None,
    };
    let mut codes: Vec<OpCode> = Vec::new();
    if let Some((start, n)) = fb.vector(model, 1, 4)? {
        if n > max_items {
            ctx.limit_hit(
                crate::LimitId::TensorsMaxTfliteItems,
                max_items,
                &format!("by {n} operator codes"),
            );
            return Ok(());
        }
        for i in 0..n {
            let t = fb.table_at(start, i)?;
            let deprecated = match fb.field(t, 0)? {
                Some(at) => i32::from(i8::from_le_bytes([fb.byte(at)?])),
                None => 0,
            };
            let builtin = fb.scalar_i32(t, 3)?.unwrap_or(0).max(deprecated);
            let custom = fb.string(t, 1, 256)?;
            codes.push(OpCode {
                builtin,
                custom,
                uses: 0,
            });
        }
    }
    let mut operators = 0u64;
    let mut subgraphs = 0u64;
    if let Some((start, n)) = fb.vector(model, 2, 4)? {
        subgraphs = n;
        for s in 0..n {
            let sg = fb.table_at(start, s)?;
            let Some((ops, count)) = fb.vector(sg, 3, 4)? else {
                continue;
            };
            operators = operators.saturating_add(count);
            if operators > max_items {
                ctx.limit_hit(
                    crate::LimitId::TensorsMaxTfliteItems,
                    max_items,
                    &format!("by {operators} operators"),
                );
                return Ok(());
            }
            for o in 0..count {
                let op = fb.table_at(ops, o)?;
                let index = match fb.field(op, 0)? {
                    Some(at) => u64::from(fb.u32(at)?),
                    None => 0,
                };
                match usize::try_from(index).ok().and_then(|i| codes.get_mut(i)) {
                    Some(code) => code.uses = code.uses.saturating_add(1),
                    None => {
                        let f = ctx.finding(
                            &TFLITE_MALFORMED,
                            Location::GraphNode { path: format!("subgraphs[{s}]/operators[{o}]") },
                            format!("operator uses opcode index {index}, but there are {} operator codes", codes.len()),
                        );
                        ctx.push(f);
                    }
                }
            }
        }
    }
    let description = fb.string(model, 3, 200)?;
    let mut metadata = Vec::new();
    if let Some((start, n)) = fb.vector(model, 6, 4)? {
        for i in 0..n.min(64) {
            let t = fb.table_at(start, i)?;
            if let Some(name) = fb.string(t, 0, 200)? {
                metadata.push(name);
            }
        }
    }
    report(&codes, ctx);
    let custom: Vec<&str> = codes.iter().filter_map(|c| c.custom.as_deref()).collect();
    ctx.fact(
        "tflite.model",
        json!({
            "version": version,
            "description": description,
            "subgraphs": subgraphs,
            "operators": operators,
            "operator_codes": codes.len(),
            "builtin_codes": codes.iter().filter(|c| c.builtin != CUSTOM).map(|c| c.builtin).collect::<Vec<_>>(),
            "custom_codes": custom,
            "metadata": metadata,
        }),
    );
    Ok(())
}

fn report(codes: &[OpCode], ctx: &mut ScanCtx<'_>) {
    for (i, code) in codes.iter().enumerate() {
        if code.builtin != CUSTOM && code.custom.is_none() {
            continue;
        }
        let name = code.custom.clone().unwrap_or_default();
        let shown = abbreviate(&name, 80);
        let loc = Location::GraphNode {
            path: format!("operator_codes[{i}] ({shown})"),
        };
        let uses = code.uses;
        if let Some(tf_op) = name.strip_prefix("Flex") {
            let io = IO_OPS.iter().any(|p| tf_op.contains(p));
            let f = ctx.finding(
                &TFLITE_FLEX_OP,
                loc,
                format!(
                    "Flex op `{shown}` (TensorFlow op `{}`) used by {uses} operator(s)",
                    abbreviate(tf_op, 80)
                ),
            );
            let f = if io {
                f.with_help("this TensorFlow op touches files or the console; do not run the model with the Flex delegate")
            } else {
                f.with_severity(Severity::Medium)
            };
            ctx.push(f);
        } else {
            let f = ctx.finding(
                &TFLITE_CUSTOM_OP,
                loc,
                format!("custom op `{shown}` used by {uses} operator(s)"),
            );
            let f = if KNOWN_CUSTOM.contains(&name.as_str()) {
                f.with_severity(Severity::Low)
            } else {
                f.with_help(
                    "the kernel for this op comes from the application, not the model; review it",
                )
            };
            ctx.push(f);
        }
    }
}
