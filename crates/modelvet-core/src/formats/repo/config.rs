//! JSON files of a repository: `config.json` and `tokenizer_config.json`
//! (`auto_map` custom classes, chat templates), and every other JSON document
//! (parsed within limits, duplicate keys reported).

use crate::finding::{abbreviate, Location};
use crate::formats::chat_template;
use crate::formats::json::{self, Json, JsonError};
pub use crate::formats::repo::rules::{CONFIG_REMOTE_CODE, JSON_MALFORMED};
use crate::rule::Rule;
use crate::scan::ScanCtx;
use crate::severity::Severity;
use serde_json::json;

/// Rules of the JSON scanner.
pub const RULES: &[&Rule] = &[&CONFIG_REMOTE_CODE, &JSON_MALFORMED];

/// Scan a JSON document named `name`.
pub fn scan_json(bytes: &[u8], name: &str, ctx: &mut ScanCtx<'_>) {
    let max_nodes = ctx.limits().repo.max_json_nodes;
    // transformers and the hub libraries read these files with Python's json.
    let value = match json::parse_python(bytes, max_nodes) {
        Ok(v) => v,
        Err(JsonError::TooManyNodes) => {
            ctx.limit_hit(
                crate::LimitId::RepoMaxJsonNodes,
                max_nodes,
                "in the JSON document",
            );
            return;
        }
        Err(e @ JsonError::TooDeep) => {
            let f = ctx.finding(
                &JSON_MALFORMED,
                Location::File,
                format!("{e}: Python's json may still read it, modelvet did not analyse it"),
            );
            ctx.push(f.with_severity(Severity::High));
            return;
        }
        Err(JsonError::Syntax(e)) => {
            let f = ctx.finding(
                &JSON_MALFORMED,
                Location::File,
                format!("not valid JSON: {e}"),
            );
            ctx.push(f);
            return;
        }
    };
    duplicates(&value, ctx);
    if let Some(map) = value.get("auto_map") {
        auto_map(map, name, ctx);
    }
    chat_templates(&value, ctx);
}

fn duplicates(root: &Json, ctx: &mut ScanCtx<'_>) {
    // Iterative: documents nest up to json::MAX_JSON_DEPTH levels.
    let mut raised = 0usize;
    let mut stack: Vec<(&Json, String)> = vec![(root, String::new())];
    while let Some((v, pointer)) = stack.pop() {
        match v {
            Json::Object(entries) => {
                for dup in json::duplicate_keys(entries) {
                    if raised >= 20 {
                        return;
                    }
                    raised = raised.saturating_add(1);
                    let loc = Location::JsonPointer {
                        pointer: format!("{pointer}/{}", json::pointer_escape(dup)),
                    };
                    let f = ctx.finding(
                        &JSON_MALFORMED,
                        loc,
                        format!("key `{}` occurs more than once", abbreviate(dup, 80)),
                    );
                    ctx.push(f);
                }
                for (k, child) in entries.iter().rev() {
                    if matches!(child, Json::Object(_) | Json::Array(_)) {
                        stack.push((child, format!("{pointer}/{}", json::pointer_escape(k))));
                    }
                }
            }
            Json::Array(items) => {
                for (i, child) in items.iter().enumerate().rev() {
                    if matches!(child, Json::Object(_) | Json::Array(_)) {
                        stack.push((child, format!("{pointer}/{i}")));
                    }
                }
            }
            _ => {}
        }
    }
}

/// `"AutoModel": "modeling_x.XModel"`, `["tokenization_x.XTok", null]`, or
/// `"other/repo--modeling_x.XModel"`.
fn auto_map(map: &Json, name: &str, ctx: &mut ScanCtx<'_>) {
    let Json::Object(entries) = map else {
        return;
    };
    let mut refs: Vec<(String, String)> = Vec::new();
    for (auto, target) in entries {
        let targets: Vec<&str> = match target {
            Json::Str(s) => vec![s.as_str()],
            Json::Array(items) => items.iter().filter_map(Json::as_str).collect(),
            _ => Vec::new(),
        };
        for t in targets {
            refs.push((auto.clone(), t.to_owned()));
        }
    }
    if refs.is_empty() {
        return;
    }
    let mut files: Vec<String> = Vec::new();
    let mut foreign = false;
    for (_, t) in &refs {
        let (repo, reference) = match t.split_once("--") {
            Some((r, rest)) => (Some(r), rest),
            None => (None, t.as_str()),
        };
        foreign |= repo.is_some();
        let module = reference.rsplit_once('.').map_or(reference, |(m, _)| m);
        let file = match repo {
            Some(r) => format!("{r}: {module}.py"),
            None => format!("{module}.py"),
        };
        if !files.contains(&file) {
            files.push(file);
        }
    }
    let classes: Vec<String> = refs.iter().map(|(a, t)| format!("{a} → {t}")).collect();
    ctx.fact(
        "config.auto_map",
        json!({"classes": classes, "files": files}),
    );
    let msg = format!(
        "`{name}` maps {} Auto class(es) to custom code in {}: loading needs trust_remote_code=True",
        refs.len(),
        abbreviate(&files.join(", "), 300)
    );
    let mut f = ctx.finding(&CONFIG_REMOTE_CODE, Location::JsonPointer { pointer: "/auto_map".into() }, msg)
        .with_evidence(abbreviate(&classes.join("; "), 400))
        .with_help("review the named Python files and pin the reviewed revision before loading with trust_remote_code=True");
    if foreign {
        f = f.with_severity(Severity::High);
    }
    ctx.push(f);
}

/// `chat_template`: a string, or a list of `{name, template}`.
fn chat_templates(v: &Json, ctx: &mut ScanCtx<'_>) {
    let max = ctx.limits().tensors.max_template_bytes;
    let check = |text: &str, pointer: String, ctx: &mut ScanCtx<'_>| {
        if text.len() as u64 > max {
            ctx.limit_hit(
                crate::LimitId::TensorsMaxTemplateBytes,
                max,
                &format!("by the chat template at {pointer}"),
            );
            return;
        }
        chat_template::check(text, Location::JsonPointer { pointer }, ctx);
    };
    match v.get("chat_template") {
        Some(Json::Str(t)) => check(t, "/chat_template".into(), ctx),
        Some(Json::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                if let Some(t) = item.get("template").and_then(Json::as_str) {
                    check(t, format!("/chat_template/{i}/template"), ctx);
                }
            }
        }
        _ => {}
    }
}
