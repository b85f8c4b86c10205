//! TensorFlow SavedModel: `saved_model.pb` (and Keras' `keras_metadata.pb`).
//!
//! `SavedModel` → `MetaGraphDef` → `GraphDef` nodes and the `FunctionDefLibrary`
//! functions' `node_def`s (field numbers from `tensorflow/core/protobuf/
//! saved_model.proto`, `meta_graph.proto`, `framework/graph.proto`,
//! `node_def.proto`, `function.proto`, `attr_value.proto`, `tensor.proto`).
//! Operations that touch the file system, the network or the Python
//! interpreter are findings; the ops of the standard checkpoint save and
//! restore path are not.

use super::GraphLimits;
use crate::finding::abbreviate;
use crate::format::{Format, Sniff};
use crate::formats::protobuf::{settle, walk_prefix, PrefixValue, Reader, Span, Stop, Value, Walk};

use crate::scan::ScanCtx;

pub use crate::formats::graphs::rules::{
    SAVEDMODEL_FILE_OP, SAVEDMODEL_MALFORMED, SAVEDMODEL_NETWORK_OP, SAVEDMODEL_PYTHON_OP,
};
use crate::source::{ByteSource, ReadError};
use ops::{Node, OPS};
use serde_json::json;
use std::collections::BTreeMap;

/// Most constant strings remembered per graph to resolve file name inputs.
const MAX_CONSTS: usize = 10_000;

/// The magic number ending a TensorFlow checkpoint table (leveldb SSTable
/// footer, `0xdb4775248b80fb57` little-endian).
const SSTABLE_MAGIC: [u8; 8] = [0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb];

/// Recognise `saved_model.pb` (by structure, with the name as tie-breaker) and
/// `keras_metadata.pb` (by name and structure).
pub fn sniff(s: &Sniff<'_>) -> Option<Format> {
    let name = s.file_name();
    if name == "keras_metadata.pb" {
        let mut ok = true;
        let walked = walk_prefix(s.head, |n, v| {
            ok = n == 1 && v.wire_type() == 2;
            ok
        });
        return (ok && walked.is_ok()).then_some(Format::TfSavedModel);
    }
    if name == "fingerprint.pb" {
        // FingerprintDef: five uint64 hashes, version (VersionDef), uuid.
        let (mut ok, mut checksum) = (true, false);
        let walked = walk_prefix(s.head, |n, v| {
            ok = matches!((n, v.wire_type()), (1..=5, 0) | (6 | 7, 2));
            checksum |= n == 1;
            ok
        });
        let fits = s.len <= 4096 && s.len == s.head.len() as u64;
        return (ok && checksum && walked.is_ok() && fits).then_some(Format::TfSavedModel);
    }
    if name == "variables.index" && s.tail.ends_with(&SSTABLE_MAGIC) && s.len >= 48 {
        return Some(Format::TfSavedModel);
    }
    let mut ok = true;
    let mut meta_graphs = 0u32;
    let mut tf_marks = false;
    let walked = walk_prefix(s.head, |n, v| {
        match (n, v) {
            (1, PrefixValue::Varint(version)) => ok = version <= 16,
            (2, PrefixValue::Len { payload, .. }) => {
                meta_graphs = meta_graphs.saturating_add(1);
                tf_marks |= meta_graph_marks(payload);
            }
            _ => ok = false,
        }
        ok
    });
    let structure = ok && walked.is_ok() && meta_graphs > 0;
    (structure && (tf_marks || name == "saved_model.pb")).then_some(Format::TfSavedModel)
}

/// Whether the start of a `MetaGraphDef` has a `meta_info_def` with tags or a
/// TensorFlow version, the marks of a real SavedModel.
fn meta_graph_marks(payload: &[u8]) -> bool {
    let mut marks = false;
    let mut fields_ok = true;
    let _ = walk_prefix(payload, |n, v| {
        if !(1..=7).contains(&n) || v.wire_type() != 2 {
            fields_ok = false;
            return false;
        }
        if let (1, PrefixValue::Len { payload, .. }) = (n, v) {
            let _ = walk_prefix(payload, |m, w| {
                if (m == 4 || m == 5) && w.wire_type() == 2 {
                    marks = true;
                }
                true
            });
        }
        true
    });
    fields_ok && marks
}

mod ops;

struct Scanner<'r, 'c, 'o> {
    r: Reader<'r>,
    ctx: &'c mut ScanCtx<'o>,
    limits: GraphLimits,
    nodes: u64,
    ops: BTreeMap<String, u64>,
    keras: super::keras::ConfigSummary,
}

/// Scan `saved_model.pb` or `keras_metadata.pb` (told apart by name); the
/// folder's `fingerprint.pb` and `variables/variables.index` are recognised
/// and recorded as facts.
pub fn scan(src: &mut dyn ByteSource, ctx: &mut ScanCtx<'_>) -> Result<(), ReadError> {
    let name = crate::format::file_name(ctx.current_name());
    // The other files of a SavedModel folder: hashes and a tensor table, no code.
    if name == "fingerprint.pb" {
        ctx.fact("savedmodel_part", json!("fingerprint"));
        return Ok(());
    }
    if name == "variables.index" {
        ctx.fact(
            "savedmodel_part",
            json!("variables index (checkpoint table)"),
        );
        return Ok(());
    }
    let keras_metadata = name == "keras_metadata.pb";
    let limits = ctx.limits().graphs.clone();
    let mut s = Scanner {
        r: Reader::new(src),
        ctx,
        limits,
        nodes: 0,
        ops: BTreeMap::new(),
        keras: super::keras::ConfigSummary::default(),
    };
    let result = if keras_metadata {
        s.keras_metadata()
    } else {
        s.saved_model()
    };
    settle(result, s.ctx, &SAVEDMODEL_MALFORMED, "the SavedModel")?;
    if !keras_metadata {
        let (nodes, ops) = (s.nodes, std::mem::take(&mut s.ops));
        s.ctx
            .fact("savedmodel_graph", json!({"nodes": nodes, "ops": ops}));
    }
    Ok(())
}

impl Scanner<'_, '_, '_> {
    fn next(
        &mut self,
        cursor: &mut u64,
        end: u64,
    ) -> Walk<Option<crate::formats::protobuf::Field>> {
        self.r
            .next_bounded(cursor, end, self.limits.max_proto_fields, self.ctx)
    }

    fn span(field: &crate::formats::protobuf::Field) -> Walk<Span> {
        field.span().ok_or(Stop::Malformed(
            field.offset,
            "wrong wire type for a message field",
        ))
    }

    fn text(&mut self, field: &crate::formats::protobuf::Field) -> Walk<String> {
        let span = Self::span(field)?;
        Ok(self.r.text(span, u64::from(self.limits.max_string_bytes))?)
    }

    fn saved_model(&mut self) -> Walk {
        let whole = self.r.whole();
        let mut cursor = whole.start;
        let mut index = 0u32;
        let mut tags = Vec::new();
        let mut version = None;
        while let Some(field) = self.next(&mut cursor, whole.end)? {
            if field.number == 2 {
                let span = Self::span(&field)?;
                self.meta_graph(span, index, &mut tags, &mut version)?;
                index = index.saturating_add(1);
            }
        }
        if index == 0 {
            return Err(Stop::Malformed(0, "no MetaGraphDef in SavedModel"));
        }
        self.ctx.fact(
            "savedmodel",
            json!({"meta_graphs": index, "tags": tags, "tensorflow_version": version}),
        );
        let keras = std::mem::take(&mut self.keras);
        if keras.analysed {
            keras.report(self.ctx, "keras");
        }
        Ok(())
    }

    fn meta_graph(
        &mut self,
        span: Span,
        index: u32,
        tags: &mut Vec<Vec<String>>,
        version: &mut Option<String>,
    ) -> Walk {
        let mut cursor = span.start;
        while let Some(field) = self.next(&mut cursor, span.end)? {
            match field.number {
                1 => {
                    let info = Self::span(&field)?;
                    let mut c = info.start;
                    let mut these = Vec::new();
                    while let Some(f) = self.next(&mut c, info.end)? {
                        match f.number {
                            4 => these.push(self.text(&f)?),
                            5 => *version = Some(self.text(&f)?),
                            _ => {}
                        }
                    }
                    tags.push(these);
                }
                2 => {
                    let graph = Self::span(&field)?;
                    self.graph_def(graph, &format!("meta_graphs[{index}]/graph_def"))?;
                }
                7 => {
                    let objects = Self::span(&field)?;
                    self.object_graph(objects, index)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// `SavedObjectGraph.nodes` (1): each `SavedObject.user_object` (4) may
    /// carry Keras metadata JSON in `SavedUserObject.metadata` (3), as
    /// TensorFlow 2.0–2.4 wrote it before `keras_metadata.pb` existed.
    fn object_graph(&mut self, span: Span, meta: u32) -> Walk {
        let mut cursor = span.start;
        let mut index = 0u64;
        while let Some(field) = self.next(&mut cursor, span.end)? {
            if field.number != 1 {
                continue;
            }
            let object = Self::span(&field)?;
            let mut c = object.start;
            while let Some(f) = self.next(&mut c, object.end)? {
                if f.number != 4 {
                    continue;
                }
                let user = Self::span(&f)?;
                let mut u = user.start;
                while let Some(g) = self.next(&mut u, user.end)? {
                    if g.number == 3 {
                        let span = Self::span(&g)?;
                        let label = format!("object_graph_def nodes[{index}] user_object metadata");
                        let base = format!("/meta_graphs/{meta}/object_graph_def/nodes/{index}/user_object/metadata");
                        let mut keras = std::mem::take(&mut self.keras);
                        let result = self.metadata_json(span, &label, &base, &mut keras);
                        self.keras = keras;
                        result?;
                    }
                }
            }
            index = index.saturating_add(1);
        }
        Ok(())
    }

    /// Analyse a JSON string field holding a Keras object's metadata.
    fn metadata_json(
        &mut self,
        span: Span,
        label: &str,
        base: &str,
        summary: &mut super::keras::ConfigSummary,
    ) -> Walk {
        if span.is_empty() {
            return Ok(());
        }
        if span.len() > self.limits.max_json_bytes {
            let max = self.limits.max_json_bytes;
            self.ctx.limit_hit(
                crate::LimitId::GraphsMaxJsonBytes,
                max,
                &format!("at {label} ({} bytes)", span.len()),
            );
            return Ok(());
        }
        let (bytes, _) = self.r.bytes(span, span.len())?;
        let origin = super::keras::Origin {
            label,
            member: None,
            base,
        };
        super::keras::analyze_json(self.ctx, &bytes, origin, summary);
        Ok(())
    }

    fn graph_def(&mut self, span: Span, path: &str) -> Walk {
        let mut cursor = span.start;
        let mut nodes = Vec::new();
        let mut libraries = Vec::new();
        while let Some(field) = self.next(&mut cursor, span.end)? {
            match field.number {
                1 => nodes.push(Self::span(&field)?),
                2 => libraries.push(Self::span(&field)?),
                _ => {}
            }
        }
        self.node_list(&nodes, path)?;
        for lib in libraries {
            let mut c = lib.start;
            let mut i = 0u64;
            while let Some(f) = self.next(&mut c, lib.end)? {
                if f.number == 1 {
                    let func = Self::span(&f)?;
                    self.function(func, &format!("{path}/library/function[{i}]"))?;
                    i = i.saturating_add(1);
                }
            }
        }
        Ok(())
    }

    fn function(&mut self, span: Span, path: &str) -> Walk {
        let mut cursor = span.start;
        let mut name = String::new();
        let mut nodes = Vec::new();
        while let Some(field) = self.next(&mut cursor, span.end)? {
            match field.number {
                1 => {
                    // OpDef signature: name = 1.
                    let sig = Self::span(&field)?;
                    let mut c = sig.start;
                    while let Some(f) = self.next(&mut c, sig.end)? {
                        if f.number == 1 {
                            name = self.text(&f)?;
                        }
                    }
                }
                3 => nodes.push(Self::span(&field)?),
                _ => {}
            }
        }
        let path = if name.is_empty() {
            path.to_owned()
        } else {
            format!("{path} '{}'", abbreviate(&name, 120))
        };
        self.node_list(&nodes, &path)
    }

    /// Read the nodes of one graph or function body, then report the listed ops
    /// with their constant inputs resolved.
    fn node_list(&mut self, spans: &[Span], path: &str) -> Walk {
        let mut consts: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut flagged = Vec::new();
        for (i, span) in spans.iter().enumerate() {
            self.nodes = self.nodes.saturating_add(1);
            if self.nodes > self.limits.max_nodes {
                let max = self.limits.max_nodes;
                self.ctx.limit_hit(
                    crate::LimitId::GraphsMaxNodes,
                    max,
                    &format!("at {path}/node[{i}]"),
                );
                return Err(Stop::Limit);
            }
            let node = self.node(*span)?;
            if self.ops.len() < 10_000 || self.ops.contains_key(&node.op) {
                let n = self.ops.entry(node.op.clone()).or_insert(0);
                *n = n.saturating_add(1);
            }
            if node.op == "Const" && !node.const_strings.is_empty() && consts.len() < MAX_CONSTS {
                consts.insert(node.name.clone(), node.const_strings.clone());
            }
            if OPS.iter().any(|(op, _, _)| *op == node.op) {
                flagged.push((i, node));
            }
        }
        for (i, node) in flagged {
            ops::report(self.ctx, &node, &format!("{path}/node[{i}]"), &consts);
        }
        Ok(())
    }

    fn node(&mut self, span: Span) -> Walk<Node> {
        let mut node = Node::default();
        let mut cursor = span.start;
        let mut attrs = Vec::new();
        while let Some(field) = self.next(&mut cursor, span.end)? {
            match field.number {
                1 => node.name = self.text(&field)?,
                2 => node.op = self.text(&field)?,
                3 if node.inputs.len() < 8 => {
                    let input = self.text(&field)?;
                    node.inputs.push(input);
                }
                5 => attrs.push(Self::span(&field)?),
                _ => {}
            }
        }
        let interesting = node.op == "Const" || OPS.iter().any(|(op, _, _)| *op == node.op);
        if interesting {
            for entry in attrs {
                self.attr_entry(entry, &mut node)?;
            }
        }
        Ok(node)
    }

    /// One `map<string, AttrValue>` entry: key = 1, value = 2.
    fn attr_entry(&mut self, span: Span, node: &mut Node) -> Walk {
        let mut cursor = span.start;
        let mut key = String::new();
        let mut value = None;
        while let Some(field) = self.next(&mut cursor, span.end)? {
            match field.number {
                1 => key = self.text(&field)?,
                2 => value = Some(Self::span(&field)?),
                _ => {}
            }
        }
        let Some(value) = value else { return Ok(()) };
        let mut strings = Vec::new();
        let mut cursor = value.start;
        while let Some(field) = self.next(&mut cursor, value.end)? {
            match (field.number, field.value) {
                // AttrValue.s
                (2, _) => strings.push(self.text(&field)?),
                // AttrValue.list: ListValue.s = 2
                (1, Value::Len(list)) => {
                    let mut c = list.start;
                    while let Some(f) = self.next(&mut c, list.end)? {
                        if f.number == 2 && strings.len() < 64 {
                            strings.push(self.text(&f)?);
                        }
                    }
                }
                // AttrValue.tensor: TensorProto.string_val = 8
                (8, Value::Len(tensor)) if node.op == "Const" && key == "value" => {
                    let mut c = tensor.start;
                    while let Some(f) = self.next(&mut c, tensor.end)? {
                        if f.number == 8 && node.const_strings.len() < 16 {
                            let s = self.text(&f)?;
                            node.const_strings.push(s);
                        }
                    }
                }
                _ => {}
            }
        }
        if !strings.is_empty() {
            node.attrs.insert(key, strings);
        }
        Ok(())
    }

    fn keras_metadata(&mut self) -> Walk {
        let whole = self.r.whole();
        let mut cursor = whole.start;
        let mut index = 0u64;
        let mut summary = super::keras::ConfigSummary::default();
        while let Some(field) = self.next(&mut cursor, whole.end)? {
            if field.number != 1 {
                continue;
            }
            let object = Self::span(&field)?;
            let mut c = object.start;
            let mut metadata = None;
            while let Some(f) = self.next(&mut c, object.end)? {
                if f.number == 5 {
                    metadata = Some(Self::span(&f)?);
                }
            }
            if let Some(span) = metadata {
                let label = format!("keras_metadata.pb nodes[{index}] metadata");
                let base = format!("/nodes/{index}/metadata");
                self.metadata_json(span, &label, &base, &mut summary)?;
            }
            index = index.saturating_add(1);
        }
        summary.report(self.ctx, "keras");
        Ok(())
    }
}

#[cfg(test)]
mod tests;
