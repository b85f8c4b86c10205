//! Deciding what an imported global is: allowed (a real checkpoint needs it),
//! dangerous (it can run code or reach outside the model), or unknown.
//!
//! The allowlist decides first and matches exactly. Everything else is
//! checked against the denylist on every suffix of its dotted path (an
//! attribute chain can reach `os` through any module that imported it), then
//! for special attributes and attributes of allowed objects; what remains is
//! unknown.

use super::{allowlist, denylist};
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

fn is_dunder(segment: &str) -> bool {
    segment.len() > 4 && segment.starts_with("__") && segment.ends_with("__")
}

/// Classify the resolved dotted name of a global.
pub fn classify(path: &str) -> Class {
    if let Some(reason) = allowlist::reason(path) {
        return Class::Allowed(reason);
    }
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
        assert!(matches!(classify("copyreg.__newobj__"), Class::Allowed(_)));
    }

    #[test]
    fn packages_cover_submodules() {
        assert_eq!(sev("os.system"), Some(Severity::Critical));
        assert_eq!(sev("os.path.join"), Some(Severity::Critical));
        assert_eq!(sev("subprocess.Popen"), Some(Severity::Critical));
        assert_eq!(sev("importlib.import_module"), Some(Severity::High));
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
        assert_eq!(
            sev("collections.OrderedDict.fromkeys"),
            Some(Severity::High)
        );
        assert_eq!(sev("numpy.__builtins__"), Some(Severity::High));
        assert_eq!(
            sev("mypkg.Model.__init__.__globals__"),
            Some(Severity::High)
        );
        assert_eq!(classify("__main__.Net"), Class::Unknown);
    }
}
