//! Keras model configurations: `.keras` archives (`config.json`,
//! `metadata.json`, `model.weights.h5`), the `model_config` attribute of
//! Keras H5 files and the per-object metadata of `keras_metadata.pb`.
//!
//! The whole configuration tree is walked (nested and functional models,
//! compile configs, activations given as objects) looking for what makes
//! `load_model` run code: `Lambda` layers and `__lambda__` objects carrying
//! marshalled Python bytecode, `module` entries that make Keras import
//! arbitrary modules, and custom objects that need the author's code.

use super::bytecode::{find_bytecode, Bytecode};
use super::GraphLimits;
use crate::finding::{abbreviate, Location};
use crate::formats::archive::zip::{self, ZipDirectory};
use crate::formats::json::{self as jsonr, Json, JsonError};

pub use crate::formats::graphs::rules::{
    KERAS_CUSTOM_OBJECT, KERAS_LAMBDA_BYTECODE, KERAS_LAMBDA_LAYER, KERAS_LOAD_TIME_RESOURCE,
    KERAS_MALFORMED_CONFIG, KERAS_MODULE_IMPORT,
};
use crate::scan::ScanCtx;
use crate::severity::Severity;
use crate::source::{ByteSource, ReadError};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// What a built-in Keras class does with its arguments while loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LoadEffect {
    /// Reads the file or URL named by these arguments when they are strings.
    ReadsFile(&'static [&'static str]),
    /// Loads and runs an external SavedModel named by `filepath`.
    LoadsSavedModel,
    /// Unpickles a module stored in its `module` argument.
    UnpicklesModule,
}

/// Built-in classes with load-time effects, by the class name Keras 3
/// registers (`keras.layers.X` and `keras.src...` modules alike) and that
/// Keras 2 configurations give as `class_name` alone.
const LOAD_EFFECTS: &[(&str, LoadEffect)] = &[
    (
        "StringLookup",
        LoadEffect::ReadsFile(&["vocabulary", "idf_weights"]),
    ),
    (
        "IntegerLookup",
        LoadEffect::ReadsFile(&["vocabulary", "idf_weights"]),
    ),
    (
        "TextVectorization",
        LoadEffect::ReadsFile(&["vocabulary", "idf_weights"]),
    ),
    (
        "IndexLookup",
        LoadEffect::ReadsFile(&["vocabulary", "idf_weights"]),
    ),
    ("TFSMLayer", LoadEffect::LoadsSavedModel),
    ("TorchModuleWrapper", LoadEffect::UnpicklesModule),
];

/// Keras functions that act on the system when a configuration names them
/// (Keras 3.11's `NON_MODELING_APIS`, by their last component; the
/// `keras.src` modules define them under the same names).
const KERAS_EFFECT_FUNCTIONS: &[&str] = &[
    "get_file",
    "enable_unsafe_deserialization",
    "load_model",
    "model_from_json",
    "save_model",
    "load_weights",
    "save_weights",
    "load_img",
    "save_img",
    "image_dataset_from_directory",
    "text_dataset_from_directory",
    "audio_dataset_from_directory",
    "timeseries_dataset_from_array",
    "deserialize_keras_object",
    "register_keras_serializable",
    "clear_session",
];

/// Argument names that name a file or URL outside the archive, whatever the class.
const PATH_ARGUMENTS: &[&str] = &[
    "filepath",
    "file_path",
    "path",
    "url",
    "uri",
    "origin",
    "fname",
    "cache_dir",
    "vocabulary_path",
];

/// URL schemes `tf.io.gfile` and `keras.utils.get_file` fetch from.
const URL_SCHEMES: &[&str] = &[
    "http://", "https://", "ftp://", "gs://", "s3://", "hdfs://", "file://", "ram://",
];

/// Module prefixes Keras and TensorFlow serialise for their own objects.
const TRUSTED_MODULES: &[&str] = &["keras", "tensorflow", "tf_keras"];

/// Modules that give a configuration code execution or system access.
const DANGEROUS_MODULES: &[&str] = &[
    "os",
    "posix",
    "nt",
    "subprocess",
    "sys",
    "builtins",
    "__builtin__",
    "shutil",
    "socket",
    "importlib",
    "runpy",
    "pickle",
    "marshal",
    "ctypes",
    "pty",
    "code",
    "codeop",
    "webbrowser",
    "urllib",
    "http",
    "requests",
    "multiprocessing",
    "signal",
    "tempfile",
    "io",
    "pathlib",
    "commands",
    "platform",
    "numpy.testing",
];

/// Builtins that evaluate code, import modules or touch files.
const DANGEROUS_BUILTINS: &[&str] = &[
    "eval",
    "exec",
    "compile",
    "__import__",
    "open",
    "getattr",
    "setattr",
    "delattr",
    "globals",
    "locals",
    "vars",
    "input",
    "breakpoint",
    "exit",
    "quit",
];

/// What a configuration walk saw, for the facts.
#[derive(Debug, Default, Clone)]
pub struct ConfigSummary {
    /// `class_name`s seen, with counts.
    pub class_names: BTreeMap<String, u64>,
    /// Objects found in `layers` lists.
    pub layers: u64,
    /// `keras_version`, when known.
    pub keras_version: Option<String>,
    /// `backend`, when known.
    pub backend: Option<String>,
    /// Whether any configuration was analysed.
    pub analysed: bool,
    /// Hashes of the bytecode already reported (a SavedModel's metadata
    /// repeats a layer's config in every enclosing model).
    pub code_seen: BTreeSet<u64>,
}

impl ConfigSummary {
    /// Record the summary as fact `key`.
    pub fn report(&self, ctx: &mut ScanCtx<'_>, key: &str) {
        if !self.analysed && self.keras_version.is_none() {
            return;
        }
        ctx.fact(
            key,
            json!({
                "keras_version": self.keras_version,
                "backend": self.backend,
                "layers": self.layers,
                "class_names": self.class_names,
            }),
        );
    }
}

/// Where a configuration was found.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// How messages name it (`config.json`, ``attribute `model_config` ``).
    pub label: &'a str,
    /// Archive member holding it, if any: JSON pointers are placed inside it.
    pub member: Option<&'a str>,
    /// Prefix of every JSON pointer.
    pub base: &'a str,
}

impl<'a> Origin<'a> {
    /// A configuration named `label`, not inside a member.
    pub fn new(label: &'a str) -> Origin<'a> {
        Origin {
            label,
            member: None,
            base: "",
        }
    }

    fn at(&self, pointer: &str) -> Location {
        let location = Location::JsonPointer {
            pointer: format!("{}{pointer}", self.base),
        };
        match self.member {
            Some(member) => location.in_member(member),
            None => location,
        }
    }
}

/// Parse `bytes` as a Keras configuration found at `origin` and analyse it.
///
/// Keras reads configurations with Python's `json.loads`, so they are parsed
/// as it does ([`jsonr::parse_python`]: encodings, `NaN`, duplicate keys with
/// the last one winning) and as deep as it goes. What Python may read but
/// modelvet cannot is a high finding, never a pass.
pub fn analyze_json(
    ctx: &mut ScanCtx<'_>,
    bytes: &[u8],
    origin: Origin<'_>,
    summary: &mut ConfigSummary,
) {
    let max_nodes = ctx.limits().graphs.max_json_nodes;
    match jsonr::parse_python(bytes, max_nodes) {
        Ok(value) => analyze_value(ctx, &value, origin, summary),
        Err(JsonError::TooManyNodes) => {
            let what = format!("in {}", origin.label);
            ctx.limit_hit(crate::LimitId::GraphsMaxJsonNodes, max_nodes, &what);
            let f = ctx.finding(
                &KERAS_MALFORMED_CONFIG,
                origin.at(""),
                format!(
                    "{} has more than {max_nodes} JSON values; it was not analysed",
                    origin.label
                ),
            );
            ctx.push(f.with_severity(Severity::High));
        }
        Err(e @ JsonError::TooDeep) => {
            let f = ctx.finding(
                &KERAS_MALFORMED_CONFIG,
                origin.at(""),
                format!(
                    "{}: {e}; Python's json may still read it, it was not analysed",
                    origin.label
                ),
            );
            ctx.push(f.with_severity(Severity::High).with_help(
                "a configuration modelvet cannot read can hide a Lambda layer; do not load the model",
            ));
        }
        Err(JsonError::Syntax(e)) => {
            let f = ctx.finding(
                &KERAS_MALFORMED_CONFIG,
                origin.at(""),
                format!(
                    "{} is not valid JSON ({e}); it was not analysed",
                    origin.label
                ),
            );
            ctx.push(f);
        }
    }
}

/// Analyse a parsed Keras configuration.
pub fn analyze_value(
    ctx: &mut ScanCtx<'_>,
    value: &Json,
    origin: Origin<'_>,
    summary: &mut ConfigSummary,
) {
    summary.analysed = true;
    let limits = ctx.limits().graphs.clone();
    let mut walker = Walker {
        ctx,
        limits,
        origin,
        summary,
        limit_hit: false,
        path: Vec::new(),
    };
    walker.walk(value);
}

struct Walker<'a, 'o> {
    ctx: &'a mut ScanCtx<'o>,
    limits: GraphLimits,
    origin: Origin<'a>,
    summary: &'a mut ConfigSummary,
    limit_hit: bool,
    /// JSON pointer tokens of every container walked, with their parent's
    /// index: pointers are built only for findings.
    path: Vec<(usize, String)>,
}

/// Index of the root in [`Walker::path`].
const NO_PARENT: usize = usize::MAX;

/// Escape one JSON pointer token (RFC 6901).
fn token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// The members of an object in the order Python's `dict` keeps them: first
/// position of each key, value of its last occurrence.
fn members(entries: &[(String, Json)]) -> Vec<(&str, &Json)> {
    let mut out: Vec<(&str, &Json)> = Vec::with_capacity(entries.len());
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for (k, v) in entries {
        match index.get(k.as_str()) {
            Some(&i) => {
                if let Some(slot) = out.get_mut(i) {
                    slot.1 = v;
                }
            }
            None => {
                index.insert(k, out.len());
                out.push((k, v));
            }
        }
    }
    out
}

impl Walker<'_, '_> {
    fn pointer(&self, mut at: usize) -> String {
        let mut tokens = Vec::new();
        while let Some((parent, tok)) = self.path.get(at) {
            tokens.push(tok.as_str());
            at = *parent;
        }
        tokens.iter().rev().fold(String::new(), |mut p, t| {
            p.push('/');
            p.push_str(t);
            p
        })
    }

    /// Walk the tree depth first with an explicit stack (configurations nest
    /// as deep as [`jsonr::MAX_JSON_DEPTH`]).
    fn walk(&mut self, root: &Json) {
        // (value, path index, depth, inside a `layers` list)
        let mut stack: Vec<(&Json, usize, u32, bool)> = vec![(root, NO_PARENT, 0, false)];
        while let Some((value, at, depth, in_layers)) = stack.pop() {
            if depth > self.limits.max_config_depth {
                if !self.limit_hit {
                    self.limit_hit = true;
                    let max = self.limits.max_config_depth;
                    let what = format!("in {} at {}", self.origin.label, self.pointer(at));
                    self.ctx
                        .limit_hit(crate::LimitId::GraphsMaxConfigDepth, max, &what);
                }
                continue;
            }
            match value {
                Json::Array(items) => {
                    for (i, item) in items.iter().enumerate().rev() {
                        if matches!(item, Json::Array(_) | Json::Object(_)) {
                            let child = self.path.len();
                            self.path.push((at, i.to_string()));
                            stack.push((item, child, depth.saturating_add(1), in_layers));
                        }
                    }
                }
                Json::Object(entries) => {
                    let map = members(entries);
                    let mut skip_function = false;
                    if let Some(class) = get(&map, "class_name").and_then(Json::as_str) {
                        if in_layers {
                            self.summary.layers = self.summary.layers.saturating_add(1);
                        }
                        let internal = class.starts_with("__");
                        if !internal
                            && (self.summary.class_names.len() < 1000
                                || self.summary.class_names.contains_key(class))
                        {
                            let n = self
                                .summary
                                .class_names
                                .entry(class.to_owned())
                                .or_insert(0);
                            *n = n.saturating_add(1);
                        }
                        let pointer = self.pointer(at);
                        skip_function = self.object(&map, class, &pointer);
                    }
                    for (key, child) in map.iter().rev() {
                        if skip_function && *key == "config" {
                            continue;
                        }
                        if matches!(child, Json::Array(_) | Json::Object(_)) {
                            let index = self.path.len();
                            self.path.push((at, token(key)));
                            stack.push((child, index, depth.saturating_add(1), *key == "layers"));
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// Check one serialised object. Returns whether its `config` was fully
    /// reported (a Lambda layer with bytecode) and need not be walked.
    fn object(&mut self, map: &[(&str, &Json)], class: &str, pointer: &str) -> bool {
        let module = get(map, "module").and_then(Json::as_str);
        let registered = get(map, "registered_name").and_then(Json::as_str);
        let config = get(map, "config");
        if class == "function" {
            // Keras 3 serialises a named function as
            // `{"module": "builtins", "class_name": "function", "config": "name"}`.
            let name = config.and_then(Json::as_str).unwrap_or_default();
            match module {
                Some("builtins") | None => self.named_function(name, pointer),
                Some(module) if is_trusted_module(module) => {
                    self.keras_function(module, name, pointer);
                }
                Some(module) => self.module(module, name, pointer),
            }
            return false;
        }
        if let Some(module) = module {
            if is_trusted_module(module) {
                self.keras_function(module, class, pointer);
            }
            self.module(module, class, pointer);
        } else if KERAS_EFFECT_FUNCTIONS.contains(&short_name(class)) {
            self.keras_function("keras", class, pointer);
        }
        self.load_effects(class, registered, config, pointer);
        let custom = registered
            .filter(|r| r.contains('>'))
            .or_else(|| class.contains('>').then_some(class));
        if let Some(name) = custom {
            let package = name.split('>').next().unwrap_or_default();
            if !is_trusted_module(package) {
                let f = self.ctx.finding(
                    &KERAS_CUSTOM_OBJECT,
                    self.origin.at(pointer),
                    format!(
                        "custom object `{}` (class `{}`) in {}: loading needs the code that registers it",
                        abbreviate(name, 120),
                        abbreviate(class, 120),
                        self.origin.label
                    ),
                );
                self.ctx.push(f.with_help("review the package that defines it before installing it or passing it as custom_objects"));
            }
        }
        match class {
            "__lambda__" => {
                let code = config.and_then(find_bytecode);
                self.lambda_code(pointer, "a lambda function", code);
                true
            }
            "Lambda" => {
                let function = config.and_then(|c| c.get("function"));
                if let Some(code) = function.and_then(find_bytecode) {
                    self.lambda_code(pointer, "Lambda layer", Some(code));
                    return true;
                }
                let named = function.and_then(function_name);
                let fmodule = config
                    .and_then(|c| c.get("module"))
                    .and_then(Json::as_str)
                    .unwrap_or_default();
                let what = match named {
                    Some(name) if !fmodule.is_empty() => format!("`{fmodule}.{name}`"),
                    Some(name) => format!("`{name}`"),
                    None => "a function".to_owned(),
                };
                let f = self.ctx.finding(
                    &KERAS_LAMBDA_LAYER,
                    self.origin.at(pointer),
                    format!("Lambda layer in {} runs {what}", self.origin.label),
                );
                self.ctx.push(f.with_help(
                    "find the function it names and check where it comes from before loading",
                ));
                false
            }
            _ => false,
        }
    }

    /// A Keras function that acts on the system when named (`get_file`,
    /// `enable_unsafe_deserialization`, `load_model`...).
    fn keras_function(&mut self, module: &str, name: &str, pointer: &str) {
        let short = short_name(name);
        if !KERAS_EFFECT_FUNCTIONS.contains(&short) {
            return;
        }
        let f = self.ctx.finding(
            &KERAS_LOAD_TIME_RESOURCE,
            self.origin.at(pointer),
            format!(
                "{} names the Keras function `{}.{}`, which acts on files, the network or safe mode when the configuration is deserialised",
                self.origin.label,
                abbreviate(module, 120),
                abbreviate(short, 80)
            ),
        );
        self.ctx.push(f.with_severity(Severity::Critical).with_help(
            "Keras before 3.11 calls it even with safe_mode=True; do not load the model",
        ));
    }

    /// Built-in classes judged by what they do while loading.
    fn load_effects(
        &mut self,
        class: &str,
        registered: Option<&str>,
        config: Option<&Json>,
        pointer: &str,
    ) {
        let names = [Some(short_name(class)), registered.map(short_name)];
        let effect = LOAD_EFFECTS
            .iter()
            .find(|(c, _)| names.contains(&Some(*c)))
            .map(|(c, e)| (*c, *e));
        let args: Vec<(&str, &Json)> = match config {
            Some(Json::Object(entries)) => members(entries),
            _ => Vec::new(),
        };
        let mut reported: Vec<&str> = Vec::new();
        match effect {
            Some((name, LoadEffect::ReadsFile(keys))) => {
                for (key, value) in &args {
                    let Some(path) = value.as_str().filter(|_| keys.contains(key)) else {
                        continue;
                    };
                    reported.push(key);
                    self.path_argument(name, key, path, pointer, "reads");
                }
            }
            Some((name, LoadEffect::LoadsSavedModel)) => {
                let path = get(&args, "filepath").and_then(Json::as_str);
                reported.push("filepath");
                let f = self.ctx.finding(
                    &KERAS_LOAD_TIME_RESOURCE,
                    self.origin.at(pointer),
                    format!(
                        "`{name}` in {} loads the external SavedModel {} and runs its graph",
                        self.origin.label,
                        path.map_or("named by its config".to_owned(), |p| format!(
                            "`{}`",
                            abbreviate(p, 200)
                        )),
                    ),
                );
                self.ctx.push(f.with_severity(Severity::Critical).with_help(
                    "that model was not scanned; Keras before 3.12 loads it even with safe_mode=True",
                ));
            }
            Some((name, LoadEffect::UnpicklesModule)) if get(&args, "module").is_some() => {
                let f = self.ctx.finding(
                    &KERAS_LOAD_TIME_RESOURCE,
                    self.origin.at(pointer),
                    format!(
                        "`{name}` in {} unpickles the torch module stored in its config with torch.load(weights_only=False)",
                        self.origin.label
                    ),
                );
                self.ctx.push(f.with_severity(Severity::Critical).with_help(
                    "the pickle runs code on load when safe_mode is off; do not load the model",
                ));
                // `from_config` decodes it with `base64.b64decode` (non-strict,
                // as `a2b_base64`) and gives it to `torch.load`: scan those
                // bytes as the file they are, so the finding says what runs.
                let module = get(&args, "module").and_then(Json::as_str);
                if let Some(bytes) = module.and_then(super::bytecode::base64_decode) {
                    let member = format!("{}#{pointer}/config/module", self.origin.label);
                    let mut src = crate::source::SliceSource::new(&bytes);
                    self.ctx.scan_nested(&member, &mut src);
                }
            }
            Some(_) | None => {}
        }
        for (key, value) in &args {
            if reported.contains(key) || !PATH_ARGUMENTS.contains(key) {
                continue;
            }
            if let Some(path) = value.as_str().filter(|p| !p.is_empty()) {
                self.path_argument(short_name(class), key, path, pointer, "uses");
            }
        }
    }

    fn path_argument(&mut self, class: &str, key: &str, path: &str, pointer: &str, verb: &str) {
        let lower = path.trim_start().to_ascii_lowercase();
        let url = URL_SCHEMES.iter().any(|s| lower.starts_with(s));
        let (what, severity) = if url {
            ("the URL", Severity::Critical)
        } else {
            ("the file", Severity::High)
        };
        let f = self.ctx.finding(
            &KERAS_LOAD_TIME_RESOURCE,
            self.origin.at(pointer),
            format!(
                "`{}` in {} {verb} {what} `{}` (argument `{}`) when the model is loaded: it is outside the model archive",
                abbreviate(class, 120),
                self.origin.label,
                abbreviate(path, 200),
                abbreviate(key, 60)
            ),
        );
        self.ctx.push(f.with_severity(severity).with_help(
            "Keras before 3.12 reads it even with safe_mode=True; ask for a model with the vocabulary or data inside the archive",
        ));
    }
    fn lambda_code(&mut self, pointer: &str, what: &str, code: Option<Bytecode>) {
        if let Some(code) = &code {
            if !self.summary.code_seen.insert(code.hash) {
                return;
            }
        }
        let mut f = self.ctx.finding(
            &KERAS_LAMBDA_BYTECODE,
            self.origin.at(pointer),
            format!(
                "{what} in {} carries marshalled Python bytecode{}",
                self.origin.label,
                code.as_ref()
                    .map(|c| format!(" ({} bytes)", c.len))
                    .unwrap_or_default()
            ),
        );
        if let Some(code) = code {
            if !code.names.is_empty() {
                f = f.with_evidence(format!("names in the bytecode: {}", code.names.join(", ")));
            }
        }
        self.ctx.push(f.with_help(
            "loading runs this code when safe_mode is off (and always with tf.keras 2 or legacy H5 loading); do not load the model",
        ));
    }

    /// A function referred to by name: a builtin that runs code is critical,
    /// any other name needs the author's code.
    fn named_function(&mut self, name: &str, pointer: &str) {
        let location = self.origin.at(pointer);
        if DANGEROUS_BUILTINS.contains(&name) {
            let f = self.ctx.finding(
                &KERAS_MODULE_IMPORT,
                location,
                format!(
                    "{} names the Python builtin `{name}` as a function",
                    self.origin.label
                ),
            );
            self.ctx.push(f.with_severity(Severity::Critical).with_help(
                "a configuration that calls this builtin can run code; do not load the model",
            ));
            return;
        }
        let f = self.ctx.finding(
            &KERAS_CUSTOM_OBJECT,
            location,
            format!(
                "custom function `{}` in {}: loading needs the code that defines it",
                abbreviate(name, 120),
                self.origin.label
            ),
        );
        self.ctx.push(
            f.with_help("review the code that defines it before passing it as custom_objects"),
        );
    }

    fn module(&mut self, module: &str, class: &str, pointer: &str) {
        if is_trusted_module(module) {
            return;
        }
        let root = module.split('.').next().unwrap_or_default();
        let dangerous = DANGEROUS_MODULES.contains(&module) || DANGEROUS_MODULES.contains(&root);
        let mut f = self.ctx.finding(
            &KERAS_MODULE_IMPORT,
            self.origin.at(pointer),
            format!(
                "{} makes Keras import `{}` and look up `{}`",
                self.origin.label,
                abbreviate(module, 120),
                abbreviate(class, 120)
            ),
        );
        if dangerous {
            f = f.with_severity(Severity::Critical).with_help(
                "this module gives the configuration system access; do not load the model",
            );
        } else {
            f = f.with_help("loading imports this module and runs its code; review it first");
        }
        self.ctx.push(f);
    }
}

fn is_trusted_module(module: &str) -> bool {
    TRUSTED_MODULES
        .iter()
        .any(|t| module == *t || module.strip_prefix(t).is_some_and(|r| r.starts_with('.')))
}

/// The name of a function stored by name (`function_type: "function"`, or a
/// Keras 3 `{"class_name": "function", "config": "name"}`).
fn function_name(function: &Json) -> Option<String> {
    match function {
        Json::Str(s) => Some(abbreviate(s, 120)),
        Json::Object(_) => function
            .get("config")
            .and_then(Json::as_str)
            .map(|s| abbreviate(s, 120)),
        _ => None,
    }
}

/// The value of `key` in an object's members.
fn get<'j>(map: &[(&str, &'j Json)], key: &str) -> Option<&'j Json> {
    map.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// The last component of a class or function name (`keras.layers.StringLookup`,
/// `keras_hub>StringLookup` and `StringLookup` are all `StringLookup`).
fn short_name(name: &str) -> &str {
    name.rsplit(['>', '.']).next().unwrap_or(name)
}

/// Scan a `.keras` archive's `config.json` and `metadata.json` (the zip
/// scanner scans the other members, `model.weights.h5` included, itself).
pub fn scan_archive(
    src: &mut dyn ByteSource,
    dir: &ZipDirectory,
    ctx: &mut ScanCtx<'_>,
) -> Result<(), ReadError> {
    let max_json = ctx.limits().graphs.max_json_bytes;
    let mut summary = ConfigSummary::default();
    if let Some(entry) = dir.find("metadata.json") {
        if entry.size > max_json {
            ctx.limit_hit(
                crate::LimitId::GraphsMaxJsonBytes,
                max_json,
                "in metadata.json",
            );
        } else if let Some(member) = zip::read_member(src, entry, ctx)? {
            let max_nodes = ctx.limits().graphs.max_json_nodes;
            if let Ok(meta) = jsonr::parse_python(member.bytes(), max_nodes) {
                summary.keras_version = meta
                    .get("keras_version")
                    .and_then(Json::as_str)
                    .map(|s| abbreviate(s, 60));
                if let Some(date) = meta.get("date_saved").and_then(Json::as_str) {
                    ctx.fact("keras_date_saved", json!(abbreviate(date, 60)));
                }
            }
        }
    }
    match dir.find("config.json") {
        Some(entry) if entry.size > max_json => {
            ctx.limit_hit(
                crate::LimitId::GraphsMaxJsonBytes,
                max_json,
                "in config.json",
            );
        }
        Some(entry) => {
            if let Some(member) = zip::read_member(src, entry, ctx)? {
                let bytes = member.bytes();
                ctx_analyze(ctx, bytes, &mut summary);
            }
        }
        None => {
            let f = ctx.finding(
                &KERAS_MALFORMED_CONFIG,
                Location::File,
                "the .keras archive has no config.json",
            );
            ctx.push(f);
        }
    }
    summary.report(ctx, "keras");
    Ok(())
}

fn ctx_analyze(ctx: &mut ScanCtx<'_>, bytes: &[u8], summary: &mut ConfigSummary) {
    let origin = Origin {
        label: "config.json",
        member: Some("config.json"),
        base: "",
    };
    analyze_json(ctx, bytes, origin, summary);
}

#[cfg(test)]
mod tests;
