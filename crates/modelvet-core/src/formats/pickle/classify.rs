//! Deciding what an imported global is: allowed (a real checkpoint needs it),
//! dangerous (it can run code or reach outside the model), or unknown.
//!
//! The allowlist decides first and matches exactly. Everything else is
//! checked against the denylist on every suffix of its dotted path (an
//! attribute chain can reach `os` through any module that imported it), then
//! for special attributes and attributes of allowed objects; what remains is
//! unknown.

use super::{allowlist, denylist};
use crate::formats::pynames::{self, Target};
use crate::severity::Severity;

/// What a global is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Class {
    /// Needed by real checkpoints; the reason.
    Allowed(&'static str),
    /// Can run code or reach outside the model.
    Dangerous {
        /// Critical for code execution and processes, high otherwise.
        severity: Severity,
        /// Why.
        reason: String,
    },
    /// Not on either list.
    Unknown,
}

impl Class {
    /// Whether this is a dangerous global.
    pub fn is_dangerous(&self) -> bool {
        matches!(self, Class::Dangerous { .. })
    }
}

/// Which unpickler reads the stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Loader {
    /// Python's `pickle` (`torch.load`, `joblib.load`, `numpy.load`, ...):
    /// every global is imported.
    #[default]
    Python,
    /// TorchScript's C++ unpickler (`torch.jit.load`, `torch/csrc/jit/
    /// serialization/unpickler.cpp`): a handful of `torch` names are built
    /// in; any other global is a class type looked up by the archive's
    /// type resolver (`import.cpp`: the compilation unit compiled from the
    /// archive's `code/` sources, or a registered C++ custom class), never a
    /// Python import.
    TorchScript,
}

/// Why a `__torch__.*` class is safe in a TorchScript archive.
const TORCHSCRIPT_CLASS: &str =
    "TorchScript class resolved by torch.jit.load from the archive's compiled code \
     (or a registered C++ custom class), not imported from Python; its methods are TorchScript";

/// A TorchScript class name: `__torch__` then plain identifiers.
fn is_torchscript_class(path: &str) -> bool {
    let mut segments = path.split('.');
    segments.next() == Some("__torch__")
        && path.len() > "__torch__.".len()
        && segments.all(|s| {
            !s.is_empty()
                && !is_dunder(s)
                && s.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
        })
}

fn is_dunder(segment: &str) -> bool {
    segment.len() > 4 && segment.starts_with("__") && segment.ends_with("__")
}

/// Classify the resolved dotted name of a global read by Python's unpickler.
pub fn classify(path: &str) -> Class {
    classify_in(path, Loader::Python)
}

/// Classify the resolved dotted name of a global read by `loader`.
///
/// In a TorchScript archive a `__torch__.*` class is allowed only when no
/// suffix of it is denylisted: `__torch__.os.system` would name a TorchScript
/// class, but it stays flagged, so that a file read by another loader
/// (a plain `pickle.load` of the member) cannot hide behind the rule.
pub fn classify_in(path: &str, loader: Loader) -> Class {
    let mut class = classify_spelled(path, loader);
    // An allowlisted spelling names the object the list was written for (a
    // state dict never needs the name index, which is decoded on first use).
    if matches!(class, Class::Allowed(_)) {
        return class;
    }
    for target in canonical_targets(path) {
        if class.is_dangerous() {
            break;
        }
        match classify_spelled(&target.canonical, loader) {
            Class::Dangerous { severity, reason } => {
                class = Class::Dangerous {
                    severity,
                    reason: format!("{reason}; {}", target.chain.join(", ")),
                }
            }
            Class::Allowed(reason) if class == Class::Unknown => class = Class::Allowed(reason),
            _ => {}
        }
    }
    class
}

/// Where the loader's lookup of `path` ends, when that differs from its
/// spelling: every distinct object it names in the indexed library versions.
fn canonical_targets(path: &str) -> Vec<Target> {
    pynames::resolve_dotted(path)
        .into_iter()
        .filter(|t| t.canonical != path)
        .collect()
}

/// " (`a.b` is `c.d`)" when the loader's lookup of `path` ends elsewhere.
pub fn canonical_note(path: &str) -> String {
    let targets = canonical_targets(path);
    if targets.is_empty() {
        return String::new();
    }
    let names: Vec<String> = targets
        .iter()
        .map(|t| format!("`{}`", t.canonical))
        .collect();
    format!(" (`{path}` is {})", names.join(" or "))
}

fn classify_spelled(path: &str, loader: Loader) -> Class {
    if let Some(reason) = allowlist::reason(path) {
        return Class::Allowed(reason);
    }
    let class = classify_unlisted(path);
    if loader == Loader::TorchScript && class == Class::Unknown && is_torchscript_class(path) {
        return Class::Allowed(TORCHSCRIPT_CLASS);
    }
    class
}

fn classify_unlisted(path: &str) -> Class {
    let segments: Vec<&str> = path.split('.').collect();
    // Every suffix starting at a segment boundary: `a.b.os.system`,
    // `b.os.system`, `os.system`, `system`.
    let mut best: Option<(Severity, String)> = None;
    let mut start = 0usize;
    for (i, seg) in segments.iter().enumerate() {
        let suffix = path.get(start..).unwrap_or_default();
        if let Some((name, severity, reason)) = denylist::lookup(suffix) {
            let reason = if i == 0 {
                format!("{reason} (denylisted `{name}`)")
            } else {
                let via = path.get(..start.saturating_sub(1)).unwrap_or_default();
                format!("{reason} (denylisted `{name}`, reached through `{via}`)")
            };
            if best.as_ref().is_none_or(|(s, _)| severity > *s) {
                best = Some((severity, reason));
            }
        }
        start = start.saturating_add(seg.len()).saturating_add(1);
    }
    if let Some((severity, reason)) = best {
        return Class::Dangerous { severity, reason };
    }
    if let Some(seg) = segments
        .iter()
        .skip(1)
        .find(|s| is_dunder(s) && **s != "__main__")
    {
        return Class::Dangerous {
            severity: Severity::High,
            reason: format!(
                "reaches the special attribute `{seg}`, which exposes interpreter internals"
            ),
        };
    }
    if segments.iter().any(|s| s.is_empty() || *s == "<locals>") {
        return Class::Dangerous {
            severity: Severity::High,
            reason: "the name is not a valid dotted path; loaders may resolve it differently"
                .into(),
        };
    }
    // `collections.OrderedDict.fromkeys`: an attribute of an allowed object.
    let mut end = path.len();
    while let Some(dot) = path.get(..end).and_then(|p| p.rfind('.')) {
        let prefix = path.get(..dot).unwrap_or_default();
        if allowlist::reason(prefix).is_some() {
            return Class::Dangerous {
                severity: Severity::High,
                reason: format!(
                    "reaches an attribute of the allowed `{prefix}`; allowed objects are safe only as themselves"
                ),
            };
        }
        end = dot;
    }
    Class::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sev(path: &str) -> Option<Severity> {
        match classify(path) {
            Class::Dangerous { severity, .. } => Some(severity),
            _ => None,
        }
    }

    #[test]
    fn allowlist_decides_first() {
        assert!(matches!(
            classify("torch._utils._rebuild_tensor_v2"),
            Class::Allowed(_)
        ));
        assert!(matches!(classify("uuid.UUID"), Class::Allowed(_)));
        assert!(matches!(classify("pathlib.PosixPath"), Class::Allowed(_)));
        assert!(matches!(classify("copyreg.__newobj__"), Class::Allowed(_)));
    }

    #[test]
    fn packages_cover_submodules() {
        assert_eq!(sev("os.system"), Some(Severity::Critical));
        assert_eq!(sev("os.path.join"), Some(Severity::Critical));
        assert_eq!(sev("subprocess.Popen"), Some(Severity::Critical));
        assert_eq!(sev("importlib.import_module"), Some(Severity::Critical));
        assert_eq!(sev("uuid._get_command_stdout"), Some(Severity::Critical));
        assert_eq!(sev("uuid.getnode"), Some(Severity::High));
    }

    #[test]
    fn suffixes_catch_reexports() {
        assert_eq!(sev("torch.os.system"), Some(Severity::Critical));
        assert_eq!(
            sev("pandas.io.pickle.read_pickle"),
            Some(Severity::Critical)
        );
        assert_eq!(sev("mymodel.layers.Encoder"), None);
        assert_eq!(sev("mylib.subprocess_utils.Config"), None);
    }

    #[test]
    fn attributes_of_allowed_and_dunders_are_dangerous() {
        assert_eq!(sev("collections.OrderedDict.update"), Some(Severity::High));
        assert!(matches!(
            classify("collections.OrderedDict.fromkeys"),
            Class::Allowed(_)
        ));
        assert_eq!(sev("numpy.__builtins__"), Some(Severity::High));
        assert_eq!(
            sev("mypkg.Model.__init__.__globals__"),
            Some(Severity::High)
        );
        assert_eq!(classify("__main__.Net"), Class::Unknown);
    }

    #[test]
    fn torchscript_classes_only_in_torchscript_archives() {
        let ts = |p| classify_in(p, Loader::TorchScript);
        let name = "__torch__.vad.model.vad_annotator.___torch_mangle_13.VADRNNJIT";
        assert_eq!(classify(name), Class::Unknown);
        assert!(matches!(ts(name), Class::Allowed(_)));
        assert!(matches!(
            ts("__torch__.torch.nn.modules.conv.Conv1d"),
            Class::Allowed(_)
        ));
        // Denylisted suffixes, special attributes and odd names stay flagged.
        assert!(ts("__torch__.os.system").is_dangerous());
        assert!(ts("__torch__.builtins.eval").is_dangerous());
        assert!(ts("__torch__.Model.__reduce__").is_dangerous());
        assert!(ts("__torch__..x").is_dangerous());
        assert_eq!(ts("__torch__"), Class::Unknown);
        assert_eq!(ts("torch_ext.Model"), Class::Unknown);
        assert!(ts("mypkg.__torch__.Model").is_dangerous());
        // Outside TorchScript the loader is Python: unknown, as any module.
        assert_eq!(
            classify("__torch__.torch.nn.modules.conv.Conv1d"),
            Class::Unknown
        );
    }

    #[test]
    fn torchscript_builders_and_old_numpy_names_are_allowed() {
        for name in [
            "torch.jit._pickle.build_intlist",
            "torch.jit._pickle.restore_type_tag",
            "numpy.matrixlib.defmatrix.matrix",
            "numpy.core._internal._reconstruct",
            "joblib.numpy_pickle.NDArrayWrapper",
            "joblib.numpy_pickle.ZNDArrayWrapper",
        ] {
            assert!(matches!(classify(name), Class::Allowed(_)), "{name}");
        }
        // Other members of torch.jit._pickle's neighbours stay denied.
        assert!(classify("torch.jit._pickle.os.system").is_dangerous());
        assert!(classify("_pickle.loads").is_dangerous());
    }
}
