//! Any README text: front matter (YAML with aliases, duplicates, deep nesting),
//! Markdown sections and the whole checklist must not panic or blow up.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelvet_core::card::{audit, AuditOptions};
use modelvet_core::hub::{FileFetch, HubSnapshot, ModelInfo, RepoRef};

fuzz_target!(|data: &[u8]| {
    let info = serde_json::json!({"id": "fuzz/model", "sha": "0123456789abcdef0123456789abcdef01234567"});
    let (Ok(info), Ok(target)) = (ModelInfo::from_json(&info), RepoRef::parse("fuzz/model", None)) else {
        return;
    };
    let snap = HubSnapshot {
        target,
        endpoint: "https://huggingface.co".into(),
        info,
        files: Vec::new(),
        files_from_tree: false,
        tree_truncated: false,
        readme: FileFetch::Text { text: String::from_utf8_lossy(data).into_owned(), truncated: false },
        config: FileFetch::Text { text: String::from_utf8_lossy(data).into_owned(), truncated: false },
        notes: Vec::new(),
    };
    let _ = audit(&snap, &AuditOptions { now_unix: Some(0), ..AuditOptions::default() });
});
