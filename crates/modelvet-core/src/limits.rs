//! Named limits for every parser, checked before allocating.
//!
//! Hitting a limit never hangs or allocates without bound: the scanner stops
//! and reports a [`crate::ScanError`] (fail closed), keeping what it found.
//! Each family of formats owns its own limits struct next to its parser;
//! [`Limits`] gathers them into one tree, and [`LimitId`] names each leaf
//! (`"family.field"`, the path of the field in the report's
//! `settings.limits`). `docs/limits.md` is generated from this tree.
//!
//! Constants that stay constants are format-defined sizes (a zip comment is
//! at most 65,535 bytes), bounds of what the real loader itself accepts
//! (CPython's 4,300 digits of an int), or sizes of what modelvet reports (how
//! much of a call is rendered in a message): none changes what a real file
//! needs to be scanned.

use serde::{Deserialize, Serialize};

/// All limits, one field per family of formats. Every struct takes its
/// defaults for missing fields, so a partial document (see
/// [`Limits::apply_json`]) sets only what it names.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Limits {
    /// Limits of the scan driver itself.
    pub scan: ScanLimits,
    /// Pickle machine limits.
    pub pickle: crate::formats::pickle::PickleLimits,
    /// Archive, compression and container limits.
    pub archive: crate::formats::archive::ArchiveLimits,
    /// NumPy limits.
    pub numpy: crate::formats::numpy::NumpyLimits,
    /// Tensor file limits (safetensors, GGUF, TFLite, msgpack).
    pub tensors: crate::formats::tensors::TensorLimits,
    /// Graph and model-definition limits (ONNX, SavedModel, Keras, HDF5).
    pub graphs: crate::formats::graphs::GraphLimits,
    /// Limits for the other files of a repository.
    pub repo: crate::formats::repo::RepoLimits,
    /// What a Hub session fetches (`modelvet audit`, the page's audit).
    pub hub: crate::hub::HubLimits,
    /// Model-card front matter (`modelvet audit`).
    pub card: crate::card::yaml::YamlLimits,
}
/// Limits of the scan driver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct ScanLimits {
    /// Deepest nesting of containers (archive in archive in ...). Default 8.
    pub max_nesting: u32,
    /// Bytes read from the start of a file to detect its format. Default 64 KiB.
    pub sniff_head_bytes: u32,
    /// Bytes read from the end of a file to detect its format (zip directory). Default 64 KiB + 22.
    pub sniff_tail_bytes: u32,
    /// Most findings kept per artifact; the rest are counted in one summary finding. Default 1,000.
    pub max_findings_per_artifact: u32,
    /// Most errors kept per artifact; the rest are counted in one summary error. Default 100.
    pub max_errors_per_artifact: u32,
    /// Most facts kept per artifact (one per nested member at most); the rest
    /// are counted in the `facts_truncated` fact. Default 1,000.
    pub max_facts_per_artifact: u32,
    /// Most bytes decompressed for one artifact, every level of nesting and
    /// every container type together. Default 2 GiB.
    pub max_inflated_bytes: u64,
    /// Most decompressed bytes one artifact holds in memory at once, every
    /// level of nesting together (a gzip in a gzip holds both). Default 256 MiB.
    pub max_held_bytes: u64,
    /// An artifact that may hold more decompressed bytes than this asks the
    /// shell for a "heavy" slot first, so that a shell scanning several files
    /// at once can bound the memory of the whole run. Default 64 MiB.
    pub light_held_bytes: u64,
    /// Most container members visited for one artifact, every level of
    /// nesting together. Default 100,000.
    pub max_members: u64,
    /// Wall time for one artifact, in seconds, where the shell has a clock
    /// (the CLI, the browser worker). Default 60.
    pub max_seconds: u32,
}

impl Default for ScanLimits {
    fn default() -> Self {
        ScanLimits {
            max_nesting: 8,
            sniff_head_bytes: 64 * 1024,
            sniff_tail_bytes: 64 * 1024 + 22,
            max_findings_per_artifact: 1000,
            max_errors_per_artifact: 100,
            max_facts_per_artifact: 1000,
            max_inflated_bytes: 2 << 30,
            max_held_bytes: 256 << 20,
            light_held_bytes: 64 << 20,
            max_members: 100_000,
            max_seconds: 60,
        }
    }
}

/// Declares [`LimitId`]: one variant per field of the [`Limits`] tree, with
/// its path and the field's type. Naming a field that does not exist, or
/// with the wrong type, does not compile; a test checks that no field is
/// left without an id.
macro_rules! limit_ids {
    ($( $id:ident => $family:ident . $field:ident : $ty:ty, min $min:literal; )*) => {
        /// One limit of the [`Limits`] tree. Serialised as its path,
        /// `"family.field"` (e.g. `"pickle.max_memo"`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum LimitId {
            $(
                #[doc = concat!("`", stringify!($family), ".", stringify!($field), "`")]
                $id,
            )*
        }

        impl LimitId {
            /// Every limit, in the order of the tree.
            pub const ALL: &'static [LimitId] = &[$(LimitId::$id),*];

            /// The path of the limit in `settings.limits`: `"family.field"`.
            pub const fn path(self) -> &'static str {
                match self {
                    $(LimitId::$id => concat!(stringify!($family), ".", stringify!($field)),)*
                }
            }

            /// The smallest value accepted from a limits document.
            pub const fn min(self) -> u64 {
                match self {
                    $(LimitId::$id => $min,)*
                }
            }

            /// The largest value the field holds.
            pub fn max(self) -> u64 {
                match self {
                    $(LimitId::$id => u64::from(<$ty>::MAX),)*
                }
            }

            /// The value of this limit in `limits`.
            pub fn get(self, limits: &Limits) -> u64 {
                match self {
                    $(LimitId::$id => u64::from(limits.$family.$field),)*
                }
            }

            /// Set this limit in `limits`, checking [`LimitId::min`] and
            /// [`LimitId::max`].
            pub fn set(self, limits: &mut Limits, value: u64) -> Result<(), LimitsError> {
                if value < self.min() {
                    return Err(LimitsError::OutOfRange { limit: self, value, min: self.min(), max: self.max() });
                }
                match self {
                    $(LimitId::$id => {
                        limits.$family.$field = <$ty>::try_from(value).map_err(|_| {
                            LimitsError::OutOfRange { limit: self, value, min: self.min(), max: self.max() }
                        })?;
                    })*
                }
                Ok(())
            }
        }
    };
}

limit_ids! {
    ScanMaxNesting => scan.max_nesting: u32, min 0;
    ScanSniffHeadBytes => scan.sniff_head_bytes: u32, min 512;
    ScanSniffTailBytes => scan.sniff_tail_bytes: u32, min 22;
    ScanMaxFindingsPerArtifact => scan.max_findings_per_artifact: u32, min 0;
    ScanMaxErrorsPerArtifact => scan.max_errors_per_artifact: u32, min 0;
    ScanMaxFactsPerArtifact => scan.max_facts_per_artifact: u32, min 0;
    ScanMaxInflatedBytes => scan.max_inflated_bytes: u64, min 0;
    ScanMaxHeldBytes => scan.max_held_bytes: u64, min 0;
    ScanLightHeldBytes => scan.light_held_bytes: u64, min 0;
    ScanMaxMembers => scan.max_members: u64, min 0;
    ScanMaxSeconds => scan.max_seconds: u32, min 1;
    PickleMaxOps => pickle.max_ops: u64, min 0;
    PickleMaxMemo => pickle.max_memo: u64, min 0;
    PickleMaxStack => pickle.max_stack: u64, min 0;
    PickleMaxNesting => pickle.max_nesting: u32, min 0;
    PickleMaxBytesArg => pickle.max_bytes_arg: u64, min 0;
    PickleMaxLineBytes => pickle.max_line_bytes: u32, min 0;
    PickleMaxFindings => pickle.max_findings: u32, min 0;
    PickleMaxPickles => pickle.max_pickles: u32, min 0;
    PickleMaxNestedPickles => pickle.max_nested_pickles: u32, min 0;
    PickleMaxResyncBytes => pickle.max_resync_bytes: u64, min 0;
    ArchiveMaxEntries => archive.max_entries: u64, min 0;
    ArchiveMaxDirectoryBytes => archive.max_directory_bytes: u64, min 0;
    ArchiveMaxMemberBytes => archive.max_member_bytes: u64, min 0;
    ArchiveMaxTotalBytes => archive.max_total_bytes: u64, min 0;
    ArchiveMaxRatio => archive.max_ratio: u64, min 0;
    ArchiveCrcCheckMaxBytes => archive.crc_check_max_bytes: u64, min 0;
    ArchiveMaxDecoderMemoryBytes => archive.max_decoder_memory_bytes: u64, min 0;
    ArchiveMaxTarMetaBytes => archive.max_tar_meta_bytes: u64, min 0;
    NumpyMaxHeaderBytes => numpy.max_header_bytes: u32, min 0;
    NumpyMaxLiteralDepth => numpy.max_literal_depth: u32, min 0;
    NumpyMaxDims => numpy.max_dims: u32, min 0;
    TensorsMaxSafetensorsHeader => tensors.max_safetensors_header: u64, min 0;
    TensorsMaxJsonNodes => tensors.max_json_nodes: u64, min 0;
    TensorsMaxTensors => tensors.max_tensors: u64, min 0;
    TensorsMaxGgufKv => tensors.max_gguf_kv: u64, min 0;
    TensorsMaxGgufString => tensors.max_gguf_string: u64, min 0;
    TensorsMaxGgufArray => tensors.max_gguf_array: u64, min 0;
    TensorsMaxGgufArrayDepth => tensors.max_gguf_array_depth: u32, min 0;
    TensorsMaxGgufDims => tensors.max_gguf_dims: u32, min 0;
    TensorsMaxTfliteBytes => tensors.max_tflite_bytes: u64, min 0;
    TensorsMaxTfliteItems => tensors.max_tflite_items: u64, min 0;
    TensorsMaxMsgpackDepth => tensors.max_msgpack_depth: u32, min 0;
    TensorsMaxMsgpackItems => tensors.max_msgpack_items: u64, min 0;
    TensorsMaxTemplateBytes => tensors.max_template_bytes: u64, min 0;
    GraphsMaxGraphDepth => graphs.max_graph_depth: u32, min 0;
    GraphsMaxNodes => graphs.max_nodes: u64, min 0;
    GraphsMaxProtoFields => graphs.max_proto_fields: u64, min 0;
    GraphsMaxStringBytes => graphs.max_string_bytes: u32, min 0;
    GraphsMaxJsonBytes => graphs.max_json_bytes: u64, min 0;
    GraphsMaxConfigDepth => graphs.max_config_depth: u32, min 0;
    GraphsMaxJsonNodes => graphs.max_json_nodes: u64, min 0;
    GraphsMaxHdf5Messages => graphs.max_hdf5_messages: u32, min 0;
    GraphsMaxHdf5Continuations => graphs.max_hdf5_continuations: u32, min 0;
    GraphsMaxHdf5AttributeBytes => graphs.max_hdf5_attribute_bytes: u64, min 0;
    GraphsMaxHdf5Objects => graphs.max_hdf5_objects: u64, min 0;
    GraphsMaxHdf5HeapBlocks => graphs.max_hdf5_heap_blocks: u64, min 0;
    GraphsMaxHdf5HeapObjects => graphs.max_hdf5_heap_objects: u64, min 0;
    GraphsMaxHdf5HeapObjectBytes => graphs.max_hdf5_heap_object_bytes: u64, min 0;
    GraphsMaxHdf5HeapDepth => graphs.max_hdf5_heap_depth: u32, min 0;
    RepoMaxTextBytes => repo.max_text_bytes: u64, min 0;
    RepoMaxJsonBytes => repo.max_json_bytes: u64, min 0;
    RepoMaxJsonNodes => repo.max_json_nodes: u64, min 0;
    RepoMaxNotebookCells => repo.max_notebook_cells: u64, min 0;
    HubMaxTreePages => hub.max_tree_pages: u32, min 0;
    HubMaxJsonBytes => hub.max_json_bytes: u64, min 0;
    HubMaxReadmeBytes => hub.max_readme_bytes: u64, min 0;
    HubMaxConfigBytes => hub.max_config_bytes: u64, min 0;
    HubDeadlineMs => hub.deadline_ms: u64, min 1;
    CardMaxYamlBytes => card.max_yaml_bytes: u64, min 0;
    CardMaxYamlNodes => card.max_yaml_nodes: u64, min 0;
    CardMaxYamlDepth => card.max_yaml_depth: u32, min 0;
}

impl LimitId {
    /// The limit whose path is `path` (`"family.field"`).
    pub fn from_path(path: &str) -> Option<LimitId> {
        LimitId::ALL.iter().copied().find(|id| id.path() == path)
    }
}

impl std::fmt::Display for LimitId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.path())
    }
}

impl Serialize for LimitId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.path())
    }
}

impl<'de> Deserialize<'de> for LimitId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let path = String::deserialize(d)?;
        LimitId::from_path(&path)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown limit `{path}`")))
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for LimitId {
    fn schema_name() -> String {
        "LimitId".to_owned()
    }

    fn json_schema(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        use schemars::schema::{InstanceType, Metadata, SchemaObject};
        SchemaObject {
            metadata: Some(Box::new(Metadata {
                description: Some(
                    "A limit, by its path in `settings.limits` (`family.field`).".to_owned(),
                ),
                ..Metadata::default()
            })),
            instance_type: Some(InstanceType::String.into()),
            enum_values: Some(LimitId::ALL.iter().map(|id| id.path().into()).collect()),
            ..SchemaObject::default()
        }
        .into()
    }
}

/// Why a limits document could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LimitsError {
    /// The document is not an object of families of objects of numbers.
    #[error("limits: {at} must be {expected}")]
    Shape {
        /// Where: `the document`, a family or a limit path.
        at: String,
        /// What was expected there.
        expected: &'static str,
    },
    /// A key that names no family or no limit.
    #[error("limits: unknown key `{key}`")]
    UnknownKey {
        /// The key as written (`family` or `family.field`).
        key: String,
    },
    /// A value below the limit's minimum or above what its field holds.
    #[error("limits: `{limit}` must be between {min} and {max}, not {value}")]
    OutOfRange {
        /// The limit.
        limit: LimitId,
        /// The value given.
        value: u64,
        /// The smallest accepted.
        min: u64,
        /// The largest accepted.
        max: u64,
    },
}

impl Limits {
    /// The value of one limit.
    pub fn get(&self, id: LimitId) -> u64 {
        id.get(self)
    }

    /// Set one limit (range-checked).
    pub fn set(&mut self, id: LimitId, value: u64) -> Result<(), LimitsError> {
        id.set(self, value)
    }

    /// Apply a partial limits document of the shape of `settings.limits`
    /// (`{"pickle": {"max_memo": 10}}`): every limit it names is set, the
    /// others keep their value. Unknown keys, values that are not
    /// non-negative integers and values out of range are errors, and then
    /// `self` is unchanged.
    pub fn apply_json(&mut self, doc: &serde_json::Value) -> Result<(), LimitsError> {
        let mut next = self.clone();
        let families = doc.as_object().ok_or(LimitsError::Shape {
            at: "the document".to_owned(),
            expected: "an object of families (`{\"scan\": {...}}`)",
        })?;
        for (family, fields) in families {
            if !LimitId::ALL
                .iter()
                .any(|id| id.path().split('.').next() == Some(family.as_str()))
            {
                return Err(LimitsError::UnknownKey {
                    key: family.clone(),
                });
            }
            let fields = fields.as_object().ok_or_else(|| LimitsError::Shape {
                at: format!("`{family}`"),
                expected: "an object of limits",
            })?;
            for (field, value) in fields {
                let key = format!("{family}.{field}");
                let id =
                    LimitId::from_path(&key).ok_or(LimitsError::UnknownKey { key: key.clone() })?;
                let value = value.as_u64().ok_or(LimitsError::Shape {
                    at: format!("`{key}`"),
                    expected: "a non-negative integer",
                })?;
                next.set(id, value)?;
            }
        }
        *self = next;
        Ok(())
    }
}

/// `docs/limits.md`: every limit with its default and meaning, from the doc
/// comments of the tree (through its JSON Schema). Written by
/// `cargo xtask docs`; a test checks the committed page is current.
#[cfg(feature = "schema")]
pub fn render_markdown() -> String {
    use std::fmt::Write as _;
    let schema = serde_json::to_value(schemars::schema_for!(Limits)).unwrap_or_default();
    let defaults = Limits::default();
    let definition = |v: &serde_json::Value| -> serde_json::Value {
        let reference = v["$ref"]
            .as_str()
            .or_else(|| v["allOf"][0]["$ref"].as_str())
            .unwrap_or_default();
        let name = reference.rsplit('/').next().unwrap_or_default();
        schema["definitions"][name].clone()
    };
    let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::from(
        "# Limits\n\n\
         <!-- Generated from crates/modelvet-core/src/limits.rs and the doc comments of\n\
         \x20    each family's limits struct by `cargo xtask docs`; do not edit. -->\n\n\
         Every parser stops at a named limit before it allocates or loops without\n\
         bound; a limit that stops a scan is an error (`kind: \"limit\"`, `limit:\n\
         \"family.field\"`), and the verdict is `error` (fail closed).\n\n\
         The report records the limits in force in `settings.limits`. The same shape,\n\
         or any subset of it, sets them: `modelvet scan --limits FILE` (JSON, or TOML\n\
         when the file is named `.toml`), `--limit family.field=VALUE`, the flags\n\
         `--max-seconds`, `--max-inflated-bytes`, `--max-held-bytes`, `--max-nesting`,\n\
         `--max-members`, the `limits` option of the JavaScript module's `scan`, and\n\
         the web page's *Limits* setting. Unknown keys and values out of range are\n\
         errors.\n\n\
         ```toml\n[scan]\nmax_seconds = 300\n\n[pickle]\nmax_line_bytes = 16777216\n```\n",
    );
    let mut family = "";
    for &id in LimitId::ALL {
        let (fam, field) = id.path().split_once('.').unwrap_or_default();
        if fam != family {
            family = fam;
            let prop = &schema["properties"][fam];
            let about = prop["description"].as_str().unwrap_or_default();
            let _ = write!(
                out,
                "\n## `{fam}`\n\n{}\n\n| Limit | Default | Meaning |\n|---|---|---|\n",
                one_line(about)
            );
        }
        let def = definition(&schema["properties"][fam]);
        let about = def["properties"][field]["description"]
            .as_str()
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            id.path(),
            thousands(defaults.get(id)),
            one_line(about).replace('|', "\\|")
        );
    }
    out
}

#[cfg(feature = "schema")]
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// Every `family.field` leaf of `limits` as serialised, with its value.
    fn leaves(limits: &Limits) -> Vec<(String, Value)> {
        let tree = serde_json::to_value(limits).unwrap_or_default();
        let mut out = Vec::new();
        for (family, fields) in tree.as_object().into_iter().flatten() {
            match fields.as_object() {
                Some(fields) => {
                    for (field, value) in fields {
                        out.push((format!("{family}.{field}"), value.clone()));
                    }
                }
                None => out.push((family.clone(), fields.clone())),
            }
        }
        out
    }

    #[test]
    fn every_field_has_exactly_one_id_with_its_serde_path() {
        let fields: Vec<String> = leaves(&Limits::default())
            .into_iter()
            .map(|l| l.0)
            .collect();
        let ids: Vec<&str> = LimitId::ALL.iter().map(|id| id.path()).collect();
        assert_eq!(fields.len(), ids.len(), "fields {fields:?}\nids {ids:?}");
        for field in &fields {
            let n = ids.iter().filter(|p| **p == field.as_str()).count();
            assert_eq!(n, 1, "`{field}` has {n} ids");
        }
    }

    #[test]
    fn get_and_set_reach_the_named_field() {
        // Give every limit a different value, then read the serialised tree.
        let mut limits = Limits::default();
        for (i, id) in LimitId::ALL.iter().enumerate() {
            let value = 1000 + i as u64;
            limits.set(*id, value).unwrap_or_else(|e| panic!("{e}"));
        }
        for (path, value) in leaves(&limits) {
            let id = LimitId::from_path(&path).unwrap_or_else(|| panic!("{path}"));
            assert_eq!(Some(limits.get(id)), value.as_u64(), "{path}");
        }
        let defaults = Limits::default();
        for (path, value) in leaves(&defaults) {
            let id = LimitId::from_path(&path).unwrap_or_else(|| panic!("{path}"));
            assert_eq!(Some(defaults.get(id)), value.as_u64(), "{path}");
        }
    }

    #[test]
    fn ids_serialise_as_their_path() {
        for id in LimitId::ALL {
            let s = serde_json::to_value(id).unwrap_or_default();
            assert_eq!(s, Value::from(id.path()));
            assert_eq!(serde_json::from_value::<LimitId>(s).ok(), Some(*id));
        }
        assert!(serde_json::from_value::<LimitId>(json!("pickle.max_nothing")).is_err());
    }

    #[test]
    fn defaults_are_in_range() {
        let defaults = Limits::default();
        for &id in LimitId::ALL {
            let v = defaults.get(id);
            assert!(id.min() <= v && v <= id.max(), "{id} = {v}");
        }
    }

    #[test]
    fn a_partial_document_sets_only_what_it_names() {
        let mut limits = Limits::default();
        let doc = json!({"pickle": {"max_memo": 7}, "scan": {"max_seconds": 5}, "hub": {}});
        limits.apply_json(&doc).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(limits.pickle.max_memo, 7);
        assert_eq!(limits.scan.max_seconds, 5);
        let mut expected = Limits::default();
        expected.pickle.max_memo = 7;
        expected.scan.max_seconds = 5;
        assert_eq!(limits, expected);
        // The report's own `settings.limits` applies as a whole.
        let whole = serde_json::to_value(&expected).unwrap_or_default();
        let mut again = Limits::default();
        again.apply_json(&whole).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again, expected);
    }

    #[test]
    fn bad_documents_are_errors_and_change_nothing() {
        let cases = [
            (json!({"pickel": {"max_memo": 1}}), "unknown key `pickel`"),
            (
                json!({"pickle": {"max_memo": 1, "max_mem": 2}}),
                "unknown key `pickle.max_mem`",
            ),
            (
                json!({"pickle": {"max_memo": -1}}),
                "`pickle.max_memo` must be a non-negative integer",
            ),
            (
                json!({"pickle": {"max_memo": 1.5}}),
                "`pickle.max_memo` must be a non-negative integer",
            ),
            (
                json!({"pickle": {"max_memo": "10"}}),
                "`pickle.max_memo` must be a non-negative integer",
            ),
            (json!({"pickle": 3}), "`pickle` must be an object of limits"),
            (json!([1]), "the document must be"),
            (
                json!({"scan": {"max_nesting": 4_294_967_296_u64}}),
                "`scan.max_nesting` must be between 0 and 4294967295, not 4294967296",
            ),
            (
                json!({"scan": {"max_seconds": 0}}),
                "`scan.max_seconds` must be between 1 and",
            ),
        ];
        for (doc, expected) in cases {
            let mut limits = Limits::default();
            limits.pickle.max_stack = 3;
            let before = limits.clone();
            let err = limits.apply_json(&doc).err().map(|e| e.to_string());
            assert!(
                err.as_deref().is_some_and(|e| e.contains(expected)),
                "{doc}: {err:?}"
            );
            assert_eq!(limits, before, "{doc} changed the limits");
        }
    }
}
