//! Jupyter notebooks: code cells scanned as Python, `!` lines as shell.

use super::{python, shell};
use crate::finding::Location;
use crate::formats::json::{self, Json, JsonError};
use crate::scan::ScanCtx;
use serde_json::json;

/// The source of a cell: a string or a list of strings.
fn source(cell: &Json) -> String {
    match cell.get("source") {
        Some(Json::Str(s)) => s.clone(),
        Some(Json::Array(parts)) => parts.iter().filter_map(Json::as_str).collect(),
        _ => String::new(),
    }
}

/// Scan a notebook document.
pub fn scan(bytes: &[u8], ctx: &mut ScanCtx<'_>) {
    let limits = ctx.limits().repo.clone();
    // Jupyter reads notebooks with Python's json.
    let doc = match json::parse_python(bytes, limits.max_json_nodes) {
        Ok(v) => v,
        Err(JsonError::TooManyNodes) => {
            ctx.limit_hit(
                crate::LimitId::RepoMaxJsonNodes,
                limits.max_json_nodes,
                "in the notebook",
            );
            return;
        }
        Err(JsonError::Syntax(e)) => {
            let f = ctx.finding(
                &super::config::JSON_MALFORMED,
                Location::File,
                format!("notebook is not valid JSON: {e}"),
            );
            ctx.push(f);
            return;
        }
        Err(e @ JsonError::TooDeep) => {
            let f = ctx.finding(
                &super::config::JSON_MALFORMED,
                Location::File,
                format!(
                    "notebook: {e}; Python's json may still read it, modelvet did not analyse it"
                ),
            );
            ctx.push(f.with_severity(crate::severity::Severity::High));
            return;
        }
    };
    let Some(Json::Array(cells)) = doc.get("cells") else {
        let f = ctx.finding(
            &super::config::JSON_MALFORMED,
            Location::File,
            "notebook has no `cells` array",
        );
        ctx.push(f);
        return;
    };
    let mut code_cells = 0u64;
    for (i, cell) in cells.iter().enumerate() {
        if cell.get("cell_type").and_then(Json::as_str) != Some("code") {
            continue;
        }
        code_cells = code_cells.saturating_add(1);
        if code_cells > limits.max_notebook_cells {
            ctx.limit_hit(
                crate::LimitId::RepoMaxNotebookCells,
                limits.max_notebook_cells,
                "in the notebook",
            );
            break;
        }
        let src = source(cell);
        let pointer = format!("/cells/{i}");
        // IPython lines: `!cmd` and `%magic` are shell, the rest is Python.
        let (mut py, mut sh) = (String::new(), Vec::new());
        for (n, line) in src.lines().enumerate() {
            let t = line.trim_start();
            if let Some(cmd) = t
                .strip_prefix('!')
                .or_else(|| t.strip_prefix("%system "))
                .or_else(|| t.strip_prefix("%%bash"))
            {
                sh.push((n as u64 + 1, cmd.to_owned()));
                py.push('\n');
            } else if t.starts_with('%') {
                py.push('\n');
            } else {
                py.push_str(line);
                py.push('\n');
            }
        }
        let loc_for = |p: &str| {
            let p = p.to_owned();
            move |_line: u64| Location::JsonPointer { pointer: p.clone() }
        };
        for call in python::dangerous_calls(&py, 50) {
            let f = ctx.finding(
                &python::PYTHON_DANGEROUS_CALL,
                Location::JsonPointer {
                    pointer: pointer.clone(),
                },
                format!(
                    "code cell {i}, line {}: `{}` {}",
                    call.line, call.name, call.why
                ),
            );
            ctx.push(f.with_severity(call.severity));
        }
        let loc = loc_for(&pointer);
        shell::scan_lines(sh.iter().map(|(n, l)| (*n, l.as_str())), ctx, &loc);
    }
    ctx.fact("notebook.code_cells", json!(code_cells));
}
