//! Checks on strings found inside models: paths that leave the model's
//! folder, and free text that carries code.

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

/// Why free text in a model looks like a payload, if it does.
pub fn suspicious_text(value: &str) -> Option<&'static str> {
    const CODE: &[(&str, &str)] = &[
        ("__import__", "holds Python code (`__import__`)"),
        ("import os", "holds Python code (`import os`)"),
        (
            "import subprocess",
            "holds Python code (`import subprocess`)",
        ),
        ("os.system(", "holds Python code (`os.system`)"),
        ("subprocess.", "holds Python code (`subprocess`)"),
        ("exec(", "holds Python code (`exec`)"),
        ("eval(", "holds Python code (`eval`)"),
        ("pickle.loads", "holds Python code (`pickle.loads`)"),
        ("marshal.loads", "holds Python code (`marshal.loads`)"),
        ("b64decode(", "holds code decoding base64"),
        ("| sh", "holds a shell pipeline"),
        ("|sh", "holds a shell pipeline"),
        ("| bash", "holds a shell pipeline"),
        ("/bin/sh", "holds a shell command"),
        ("/bin/bash", "holds a shell command"),
        ("powershell", "holds a PowerShell command"),
        ("<script", "holds a script tag"),
        ("javascript:", "holds a javascript: URL"),
    ];
    let lower = value.to_ascii_lowercase();
    for (needle, why) in CODE {
        if lower.contains(needle) {
            return Some(why);
        }
    }
    if value.contains('\u{1b}') {
        return Some("holds terminal escape sequences");
    }
    // A pickle (protocol 2-5) raw or base64-encoded (`gASV` is `\x80\x04\x95`).
    let trimmed = value.trim_start();
    if trimmed.starts_with("gASV") || trimmed.starts_with("gAN") || trimmed.starts_with("gAJ") {
        return Some("holds a base64-encoded pickle");
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
