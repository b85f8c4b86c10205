//! The TensorFlow ops that reach outside the graph (files, network, the Python
//! interpreter), and how each is reported.
//!
//! Sources: the op registrations in `tensorflow/core/ops/` (`io_ops.cc`,
//! `script_ops.cc`, `data_flow_ops.cc`, `summary_ops.cc`, `logging_ops.cc`,
//! `debug_ops.cc`, `rpc_ops.cc`, `dataset_ops.cc`, `experimental_dataset_ops.cc`).

use super::{SAVEDMODEL_FILE_OP, SAVEDMODEL_NETWORK_OP, SAVEDMODEL_PYTHON_OP};
use crate::finding::{abbreviate, Location};
use crate::formats::text::leaves_model;
use crate::scan::ScanCtx;
use crate::severity::Severity;
use std::collections::BTreeMap;

/// What a listed op does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Python,
    FileRead,
    FileWrite,
    Network,
    /// `DebugIdentity` & co: depends on `debug_urls`.
    Debug,
    /// `PrintV2`: depends on `output_stream`.
    Print,
    /// Legacy `Save`/`SaveSlices`: depends on the file name.
    LegacySave,
}

/// Ops reported, with what they do and the severity they are reported at.
pub(super) const OPS: &[(&str, Kind, Severity)] = &[
    ("PyFunc", Kind::Python, Severity::High),
    ("PyFuncStateless", Kind::Python, Severity::High),
    ("EagerPyFunc", Kind::Python, Severity::High),
    ("ReadFile", Kind::FileRead, Severity::High),
    ("MatchingFiles", Kind::FileRead, Severity::High),
    ("WriteFile", Kind::FileWrite, Severity::High),
    ("ImmutableConst", Kind::FileRead, Severity::Medium),
    ("WholeFileReader", Kind::FileRead, Severity::Medium),
    ("WholeFileReaderV2", Kind::FileRead, Severity::Medium),
    ("TextLineReader", Kind::FileRead, Severity::Medium),
    ("TextLineReaderV2", Kind::FileRead, Severity::Medium),
    ("TFRecordReader", Kind::FileRead, Severity::Medium),
    ("TFRecordReaderV2", Kind::FileRead, Severity::Medium),
    ("FixedLengthRecordReader", Kind::FileRead, Severity::Medium),
    (
        "FixedLengthRecordReaderV2",
        Kind::FileRead,
        Severity::Medium,
    ),
    ("LMDBReader", Kind::FileRead, Severity::Medium),
    ("TFRecordDataset", Kind::FileRead, Severity::Medium),
    ("TFRecordDatasetV2", Kind::FileRead, Severity::Medium),
    ("TextLineDataset", Kind::FileRead, Severity::Medium),
    ("FixedLengthRecordDataset", Kind::FileRead, Severity::Medium),
    (
        "FixedLengthRecordDatasetV2",
        Kind::FileRead,
        Severity::Medium,
    ),
    ("CSVDataset", Kind::FileRead, Severity::Medium),
    ("CSVDatasetV2", Kind::FileRead, Severity::Medium),
    ("ExperimentalCSVDataset", Kind::FileRead, Severity::Medium),
    ("LMDBDataset", Kind::FileRead, Severity::Medium),
    ("ExperimentalLMDBDataset", Kind::FileRead, Severity::Medium),
    ("SqlDataset", Kind::FileRead, Severity::Medium),
    ("ExperimentalSqlDataset", Kind::FileRead, Severity::Medium),
    ("LoadDataset", Kind::FileRead, Severity::Medium),
    ("DecodeProtoV2", Kind::FileRead, Severity::Low),
    ("InitializeTableFromTextFile", Kind::FileRead, Severity::Low),
    (
        "InitializeTableFromTextFileV2",
        Kind::FileRead,
        Severity::Low,
    ),
    ("SaveDataset", Kind::FileWrite, Severity::Medium),
    ("SaveDatasetV2", Kind::FileWrite, Severity::Medium),
    ("DatasetToTFRecord", Kind::FileWrite, Severity::Medium),
    (
        "ExperimentalDatasetToTFRecord",
        Kind::FileWrite,
        Severity::Medium,
    ),
    ("SnapshotDataset", Kind::FileWrite, Severity::Medium),
    ("SnapshotDatasetV2", Kind::FileWrite, Severity::Medium),
    ("CreateSummaryFileWriter", Kind::FileWrite, Severity::Medium),
    ("CreateSummaryDbWriter", Kind::FileWrite, Severity::Medium),
    ("Save", Kind::LegacySave, Severity::High),
    ("SaveSlices", Kind::LegacySave, Severity::High),
    ("PrintV2", Kind::Print, Severity::High),
    ("DebugIdentity", Kind::Debug, Severity::High),
    ("DebugIdentityV2", Kind::Debug, Severity::High),
    ("DebugIdentityV3", Kind::Debug, Severity::High),
    ("DebugNanCount", Kind::Debug, Severity::High),
    ("DebugNumericSummary", Kind::Debug, Severity::High),
    ("DebugNumericSummaryV2", Kind::Debug, Severity::High),
    ("Rpc", Kind::Network, Severity::High),
    ("TryRpc", Kind::Network, Severity::High),
    ("RpcClient", Kind::Network, Severity::High),
    ("RpcCall", Kind::Network, Severity::High),
    ("RpcServer", Kind::Network, Severity::High),
    ("RpcServerStart", Kind::Network, Severity::High),
    ("RpcServerRegister", Kind::Network, Severity::High),
];

/// A node as far as the scanner cares.
#[derive(Debug, Default)]
pub(super) struct Node {
    pub(super) name: String,
    pub(super) op: String,
    pub(super) inputs: Vec<String>,
    /// String attributes (and string lists, joined), by key.
    pub(super) attrs: BTreeMap<String, Vec<String>>,
    /// String values of a `Const`'s `value` tensor.
    pub(super) const_strings: Vec<String>,
}

/// Report `node` (one of [`OPS`]) at `path`, resolving its constant inputs in `consts`.
pub(super) fn report(
    ctx: &mut ScanCtx<'_>,
    node: &Node,
    path: &str,
    consts: &BTreeMap<String, Vec<String>>,
) {
    let Some((_, kind, severity)) = OPS.iter().find(|(op, _, _)| *op == node.op) else {
        return;
    };
    let location = Location::GraphNode {
        path: format!("{path} '{}' (op {})", abbreviate(&node.name, 120), node.op),
    };
    // Constant string inputs (file names, patterns), resolved by node name.
    let mut resolved = Vec::new();
    for input in &node.inputs {
        let producer = input
            .trim_start_matches('^')
            .split(':')
            .next()
            .unwrap_or_default();
        if let Some(values) = consts.get(producer) {
            resolved.extend(values.iter().cloned());
        }
    }
    let evidence = |extra: &[String]| -> Option<String> {
        let all: Vec<String> = extra
            .iter()
            .chain(resolved.iter())
            .map(|s| abbreviate(s, 200))
            .collect();
        (!all.is_empty()).then(|| all.join(", "))
    };
    let op = &node.op;
    let finding = match kind {
        Kind::Python => {
            let token = node.attrs.get("token").cloned().unwrap_or_default();
            let f = ctx.finding(
                &SAVEDMODEL_PYTHON_OP,
                location,
                format!("`{op}` calls a Python function of the process that runs the graph"),
            );
            match evidence(&token) {
                Some(e) => f.with_evidence(e),
                None => f,
            }
        }
        Kind::FileRead | Kind::FileWrite => {
            let what = if *kind == Kind::FileRead {
                "reads"
            } else {
                "writes"
            };
            let mut attrs = node
                .attrs
                .get("memory_region_name")
                .cloned()
                .unwrap_or_default();
            attrs.extend(
                node.attrs
                    .get("descriptor_source")
                    .cloned()
                    .unwrap_or_default(),
            );
            if op == "DecodeProtoV2" && attrs.iter().all(|s| s == "local://") {
                return;
            }
            let escapes = resolved.iter().chain(attrs.iter()).any(|p| leaves_model(p));
            let sev = if escapes { Severity::High } else { *severity };
            let mut f = ctx
                .finding(
                    &SAVEDMODEL_FILE_OP,
                    location,
                    format!("`{op}` {what} files when the graph runs"),
                )
                .with_severity(sev);
            if let Some(e) = evidence(&attrs) {
                f = f.with_evidence(e);
            }
            f
        }
        Kind::LegacySave => {
            if !resolved.iter().any(|p| leaves_model(p)) {
                return;
            }
            ctx.finding(
                &SAVEDMODEL_FILE_OP,
                location,
                format!("`{op}` writes a checkpoint to a fixed path outside the model"),
            )
            .with_evidence(evidence(&[]).unwrap_or_default())
        }
        Kind::Print => {
            let streams = node.attrs.get("output_stream").cloned().unwrap_or_default();
            if !streams.iter().any(|s| s.starts_with("file://")) {
                return;
            }
            ctx.finding(
                &SAVEDMODEL_FILE_OP,
                location,
                format!("`{op}` prints tensors into a file"),
            )
            .with_evidence(evidence(&streams).unwrap_or_default())
        }
        Kind::Debug => {
            let urls = node.attrs.get("debug_urls").cloned().unwrap_or_default();
            let network = urls.iter().any(|u| u.starts_with("grpc://"));
            let file = urls.iter().any(|u| u.starts_with("file://"));
            if network {
                ctx.finding(
                    &SAVEDMODEL_NETWORK_OP,
                    location,
                    format!("`{op}` streams tensors to a remote debug server"),
                )
                .with_evidence(evidence(&urls).unwrap_or_default())
            } else if file {
                ctx.finding(
                    &SAVEDMODEL_FILE_OP,
                    location,
                    format!("`{op}` dumps tensors into files"),
                )
                .with_evidence(evidence(&urls).unwrap_or_default())
            } else {
                return;
            }
        }
        Kind::Network => {
            let mut f = ctx.finding(
                &SAVEDMODEL_NETWORK_OP,
                location,
                format!("`{op}` makes remote procedure calls when the graph runs"),
            );
            if let Some(e) = evidence(&[]) {
                f = f.with_evidence(e);
            }
            f
        }
    };
    ctx.push(finding);
}
