//! ONNX `ModelProto`, read field by field (field numbers from `onnx/onnx.proto`).
//!
//! Looks for what makes loading or running a model reach outside it: weights
//! in external files (and paths that leave the model's folder), operators from
//! domains no standard runtime implements (custom ops ship native code),
//! nested graphs (walked to a depth limit) and metadata carrying code.

use super::GraphLimits;
use crate::finding::{abbreviate, Location};
use crate::formats::protobuf::{settle, Reader, Span, Stop, Walk};
use crate::formats::text::{location_problem, suspicious_text, A_URL};

pub use crate::formats::graphs::rules::{
    ONNX_CUSTOM_OP_DOMAIN, ONNX_EXTERNAL_DATA_PATH, ONNX_MALFORMED, ONNX_SUSPICIOUS_METADATA,
};
use crate::scan::ScanCtx;
use crate::severity::Severity;
use crate::source::{ByteSource, ReadError};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// Op domains every standard runtime implements.
const STANDARD_DOMAINS: &[&str] = &[
    "",
    "ai.onnx",
    "ai.onnx.ml",
    "ai.onnx.training",
    "ai.onnx.preview.training",
];

/// Contrib domains that ship with ONNX Runtime itself.
const RUNTIME_CONTRIB_DOMAINS: &[&str] = &["com.microsoft", "com.microsoft.nchwc"];

mod sniff;
pub use sniff::sniff;

/// One use of a custom operator, kept for the summary finding.
struct CustomOp {
    first_path: String,
    count: u64,
}

struct Scanner<'r, 'c, 'o> {
    r: Reader<'r>,
    ctx: &'c mut ScanCtx<'o>,
    limits: GraphLimits,
    nodes: u64,
    local_functions: BTreeSet<(String, String)>,
    custom_ops: BTreeMap<(String, String), CustomOp>,
    external_files: BTreeSet<String>,
    external_tensors: u64,
}

/// Scan an ONNX model.
pub fn scan(src: &mut dyn ByteSource, ctx: &mut ScanCtx<'_>) -> Result<(), ReadError> {
    let limits = ctx.limits().graphs.clone();
    let mut s = Scanner {
        r: Reader::new(src),
        ctx,
        limits,
        nodes: 0,
        local_functions: BTreeSet::new(),
        custom_ops: BTreeMap::new(),
        external_files: BTreeSet::new(),
        external_tensors: 0,
    };
    let result = s.model();
    settle(result, s.ctx, &ONNX_MALFORMED, "the model")?;
    s.report_custom_ops();
    s.report_external();
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

    fn text(&mut self, span: Span) -> Walk<String> {
        Ok(self.r.text(span, u64::from(self.limits.max_string_bytes))?)
    }

    fn model(&mut self) -> Walk {
        let whole = self.r.whole();
        let mut cursor = whole.start;
        let mut ir_version = None;
        let mut producer = (String::new(), String::new());
        let mut opsets = Vec::new();
        let mut graphs = Vec::new();
        let mut functions = Vec::new();
        let mut training = Vec::new();
        let mut metadata = Vec::new();
        let mut doc = None;
        let mut unknown: Vec<u32> = Vec::new();
        while let Some(field) = self.next(&mut cursor, whole.end)? {
            match (field.number, field.value) {
                (1, crate::formats::protobuf::Value::Varint(v)) => ir_version = Some(v),
                (2, _) if field.span().is_some() => producer.0 = self.string_field(&field)?,
                (3, _) if field.span().is_some() => producer.1 = self.string_field(&field)?,
                (6, _) => doc = field.span(),
                (7, _) if field.span().is_some() => graphs.push(self.span_field(&field)?),
                (8, _) if field.span().is_some() => {
                    opsets.push(self.opset(self.span_field(&field)?)?)
                }
                (14, _) if field.span().is_some() => metadata.push(self.span_field(&field)?),
                (20, _) if field.span().is_some() => training.push(self.span_field(&field)?),
                (25, _) if field.span().is_some() => functions.push(self.span_field(&field)?),
                // Unknown to this reader (a newer field, or a known number with
                // another wire type): protobuf skips it, and so does the scan.
                _ => {
                    if unknown.len() < 32 && !unknown.contains(&field.number) {
                        unknown.push(field.number);
                    }
                }
            }
        }
        if !unknown.is_empty() {
            self.ctx.fact("onnx_unknown_fields", json!(unknown));
        }
        if graphs.is_empty() && functions.is_empty() {
            return Err(Stop::Malformed(0, "no graph in ModelProto"));
        }
        self.ctx.fact(
            "onnx",
            json!({
                "ir_version": ir_version,
                "producer_name": producer.0,
                "producer_version": producer.1,
                "opset_import": opsets
                    .iter()
                    .map(|(d, v)| json!({"domain": d, "version": v}))
                    .collect::<Vec<_>>(),
            }),
        );
        if let Some(span) = doc {
            self.inspect_text("doc_string", span)?;
        }
        for span in metadata {
            self.metadata_entry("metadata_props", span)?;
        }
        // Model-local functions first: calls to them are not custom ops.
        let mut names = Vec::new();
        for span in &functions {
            let (domain, name) = self.function_id(*span)?;
            names.push(format!("{domain}::{name}"));
            self.local_functions.insert((domain, name));
        }
        if !names.is_empty() {
            self.ctx.fact("onnx_functions", json!(names));
        }
        for (i, span) in functions.iter().enumerate() {
            self.function(*span, &format!("functions[{i}]"))?;
        }
        for span in graphs {
            self.graph(span, "graph", 0)?;
        }
        for (i, span) in training.into_iter().enumerate() {
            let mut cursor = span.start;
            while let Some(field) = self.next(&mut cursor, span.end)? {
                if let (1 | 2, Some(g)) = (field.number, field.span()) {
                    let part = if field.number == 1 {
                        "initialization"
                    } else {
                        "algorithm"
                    };
                    self.graph(g, &format!("training_info[{i}]/{part}"), 1)?;
                }
            }
        }
        let nodes = self.nodes;
        self.ctx.fact("onnx_nodes", json!(nodes));
        Ok(())
    }

    fn span_field(&self, field: &crate::formats::protobuf::Field) -> Walk<Span> {
        field.span().ok_or(Stop::Malformed(
            field.offset,
            "wrong wire type for a message field",
        ))
    }

    fn string_field(&mut self, field: &crate::formats::protobuf::Field) -> Walk<String> {
        let span = self.span_field(field)?;
        self.text(span)
    }

    fn opset(&mut self, span: Span) -> Walk<(String, u64)> {
        let mut cursor = span.start;
        let (mut domain, mut version) = (String::new(), 0);
        while let Some(field) = self.next(&mut cursor, span.end)? {
            match field.number {
                1 if field.span().is_some() => domain = self.string_field(&field)?,
                2 => version = field.varint().unwrap_or(0),
                _ => {}
            }
        }
        Ok((domain, version))
    }

    fn function_id(&mut self, span: Span) -> Walk<(String, String)> {
        let mut cursor = span.start;
        let (mut domain, mut name) = (String::new(), String::new());
        while let Some(field) = self.next(&mut cursor, span.end)? {
            match field.number {
                1 if field.span().is_some() => name = self.string_field(&field)?,
                10 if field.span().is_some() => domain = self.string_field(&field)?,
                _ => {}
            }
        }
        Ok((domain, name))
    }

    fn function(&mut self, span: Span, path: &str) -> Walk {
        let mut cursor = span.start;
        let mut index = 0u64;
        while let Some(field) = self.next(&mut cursor, span.end)? {
            match field.number {
                7 if field.span().is_some() => {
                    let node = self.span_field(&field)?;
                    self.node(node, &format!("{path}/node[{index}]"), 1)?;
                    index = index.saturating_add(1);
                }
                14 if field.span().is_some() => {
                    self.metadata_entry(path, self.span_field(&field)?)?
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn graph(&mut self, span: Span, path: &str, depth: u32) -> Walk {
        if depth > self.limits.max_graph_depth {
            let max = self.limits.max_graph_depth;
            self.ctx.limit_hit(
                crate::LimitId::GraphsMaxGraphDepth,
                max,
                &format!("at {path}"),
            );
            return Err(Stop::Limit);
        }
        let mut cursor = span.start;
        let mut index = 0u64;
        let mut init = 0u64;
        while let Some(field) = self.next(&mut cursor, span.end)? {
            match field.number {
                1 if field.span().is_some() => {
                    let node = self.span_field(&field)?;
                    self.node(node, &format!("{path}/node[{index}]"), depth)?;
                    index = index.saturating_add(1);
                }
                5 if field.span().is_some() => {
                    let t = self.span_field(&field)?;
                    self.tensor(t, &format!("{path}/initializer[{init}]"))?;
                    init = init.saturating_add(1);
                }
                15 if field.span().is_some() => {
                    let t = self.span_field(&field)?;
                    self.sparse_tensor(t, &format!("{path}/sparse_initializer"))?;
                }
                16 if field.span().is_some() => {
                    self.metadata_entry(path, self.span_field(&field)?)?
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn node(&mut self, span: Span, path: &str, depth: u32) -> Walk {
        self.nodes = self.nodes.saturating_add(1);
        if self.nodes > self.limits.max_nodes {
            let max = self.limits.max_nodes;
            self.ctx
                .limit_hit(crate::LimitId::GraphsMaxNodes, max, &format!("at {path}"));
            return Err(Stop::Limit);
        }
        let mut cursor = span.start;
        let (mut op, mut domain, mut name) = (String::new(), String::new(), String::new());
        let mut attributes = Vec::new();
        while let Some(field) = self.next(&mut cursor, span.end)? {
            match field.number {
                3 if field.span().is_some() => name = self.string_field(&field)?,
                4 if field.span().is_some() => op = self.string_field(&field)?,
                5 if field.span().is_some() => attributes.push(self.span_field(&field)?),
                7 if field.span().is_some() => domain = self.string_field(&field)?,
                _ => {}
            }
        }
        let path = if name.is_empty() {
            format!("{path} (op {op})")
        } else {
            format!("{path} '{}' (op {op})", abbreviate(&name, 80))
        };
        if !STANDARD_DOMAINS.contains(&domain.as_str())
            && !self.local_functions.contains(&(domain.clone(), op.clone()))
        {
            self.custom_ops
                .entry((domain, op))
                .and_modify(|c| c.count = c.count.saturating_add(1))
                .or_insert(CustomOp {
                    first_path: path.clone(),
                    count: 1,
                });
        }
        for attr in attributes {
            self.attribute(attr, &path, depth)?;
        }
        Ok(())
    }

    fn attribute(&mut self, span: Span, node_path: &str, depth: u32) -> Walk {
        let mut cursor = span.start;
        let mut name = String::new();
        let mut graphs = Vec::new();
        let mut tensors = Vec::new();
        let mut sparse = Vec::new();
        while let Some(field) = self.next(&mut cursor, span.end)? {
            match field.number {
                1 if field.span().is_some() => name = self.string_field(&field)?,
                5 | 10 if field.span().is_some() => tensors.push(self.span_field(&field)?),
                6 | 11 if field.span().is_some() => graphs.push(self.span_field(&field)?),
                22 | 23 if field.span().is_some() => sparse.push(self.span_field(&field)?),
                _ => {}
            }
        }
        let base = format!("{node_path}/{}", abbreviate(&name, 80));
        for t in tensors {
            self.tensor(t, &base)?;
        }
        for t in sparse {
            self.sparse_tensor(t, &base)?;
        }
        let many = graphs.len() > 1;
        for (i, g) in graphs.into_iter().enumerate() {
            let path = if many {
                format!("{base}[{i}]")
            } else {
                base.clone()
            };
            self.graph(g, &path, depth.saturating_add(1))?;
        }
        Ok(())
    }

    fn sparse_tensor(&mut self, span: Span, path: &str) -> Walk {
        let mut cursor = span.start;
        while let Some(field) = self.next(&mut cursor, span.end)? {
            if let (1 | 2, Some(t)) = (field.number, field.span()) {
                self.tensor(t, path)?;
            }
        }
        Ok(())
    }

    fn tensor(&mut self, span: Span, path: &str) -> Walk {
        let mut cursor = span.start;
        let mut name = String::new();
        let mut location = None;
        let mut external = false;
        while let Some(field) = self.next(&mut cursor, span.end)? {
            match field.number {
                8 if field.span().is_some() => name = self.string_field(&field)?,
                13 if field.span().is_some() => {
                    let entry = self.span_field(&field)?;
                    let (key, value) = self.entry(entry)?;
                    if key == "location" {
                        location = Some(value);
                    }
                }
                14 if field.varint().is_some() => external = field.varint() == Some(1),
                _ => {}
            }
        }
        let Some(location) = location else {
            if external {
                let f = self.ctx.finding(
                    &ONNX_MALFORMED,
                    Location::GraphNode { path: path.into() },
                    format!(
                        "tensor `{}` is stored externally but names no location",
                        abbreviate(&name, 80)
                    ),
                );
                self.ctx.push(f.with_severity(Severity::Low));
            }
            return Ok(());
        };
        self.external_tensors = self.external_tensors.saturating_add(1);
        let path = if name.is_empty() {
            path.to_owned()
        } else {
            format!("{path} '{}'", abbreviate(&name, 80))
        };
        if let Some(problem) = location_problem(&location) {
            let f = self.ctx.finding(
                &ONNX_EXTERNAL_DATA_PATH,
                Location::GraphNode { path },
                format!(
                    "external data location {problem}: a runtime would read this file as weights"
                ),
            );
            self.ctx
                .push(f.with_evidence(abbreviate(&location, 200)).with_help(
                    "do not load the model; external data must be a plain file next to the model",
                ));
        }
        if self.external_files.len() < 1000 {
            self.external_files.insert(abbreviate(&location, 200));
        }
        Ok(())
    }

    fn entry(&mut self, span: Span) -> Walk<(String, String)> {
        let mut cursor = span.start;
        let (mut key, mut value) = (String::new(), String::new());
        while let Some(field) = self.next(&mut cursor, span.end)? {
            match field.number {
                1 if field.span().is_some() => key = self.string_field(&field)?,
                2 if field.span().is_some() => value = self.string_field(&field)?,
                _ => {}
            }
        }
        Ok((key, value))
    }

    fn metadata_entry(&mut self, path: &str, span: Span) -> Walk {
        let (key, value) = self.entry(span)?;
        // Licence and homepage links are ordinary in ONNX metadata: code counts, a URL does not.
        if let Some(why) = suspicious_text(&value).filter(|why| *why != A_URL) {
            let f = self.ctx.finding(
                &ONNX_SUSPICIOUS_METADATA,
                Location::GraphNode {
                    path: format!("{path}['{}']", abbreviate(&key, 80)),
                },
                format!("metadata value of `{}` holds {why}", abbreviate(&key, 80)),
            );
            self.ctx
                .push(f.with_evidence(abbreviate(&value, 200)).with_help(
                    "never evaluate or unpickle model metadata; find out who put this here",
                ));
        }
        Ok(())
    }

    fn inspect_text(&mut self, path: &str, span: Span) -> Walk {
        let value = self.text(span)?;
        if let Some(why) = suspicious_text(&value).filter(|why| *why != A_URL) {
            let f = self.ctx.finding(
                &ONNX_SUSPICIOUS_METADATA,
                Location::GraphNode { path: path.into() },
                format!("{path} holds {why}"),
            );
            self.ctx.push(f.with_evidence(abbreviate(&value, 200)));
        }
        Ok(())
    }

    fn report_custom_ops(&mut self) {
        let ops = std::mem::take(&mut self.custom_ops);
        let mut domains: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for ((domain, op), use_) in ops {
            domains.entry(domain.clone()).or_default().push(op.clone());
            let contrib = RUNTIME_CONTRIB_DOMAINS.contains(&domain.as_str());
            let times = if use_.count == 1 {
                String::new()
            } else {
                format!(" ({} nodes)", use_.count)
            };
            let mut f = self.ctx.finding(
                &ONNX_CUSTOM_OP_DOMAIN,
                Location::GraphNode {
                    path: use_.first_path,
                },
                format!(
                    "operator `{}` of domain `{}`{times} is not a standard ONNX operator",
                    abbreviate(&op, 80),
                    abbreviate(&domain, 80)
                ),
            );
            if contrib {
                f = f
                    .with_severity(Severity::Low)
                    .with_help("an ONNX Runtime contrib operator: it runs only on ONNX Runtime, with code that ships with it");
            } else {
                f = f.with_help("running this model needs a custom operator library for this domain; trust it before you install it");
            }
            self.ctx.push(f);
        }
        if !domains.is_empty() {
            self.ctx.fact("onnx_custom_ops", json!(domains));
        }
    }

    fn report_external(&mut self) {
        if self.external_tensors > 0 {
            let files: Vec<&String> = self.external_files.iter().collect();
            let tensors = self.external_tensors;
            self.ctx.fact(
                "onnx_external_data",
                json!({"tensors": tensors, "files": files}),
            );
        }
    }
}

#[cfg(test)]
mod tests;
