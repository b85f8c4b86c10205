//! One file: path, size, format, progress, SHA-256, verdict, then its
//! findings and errors.

use crate::scan::findings::Findings;
use crate::scan::state::{Row, Status};
use crate::units::human_size;
use modelvet_core::{ScanOptions, Severity};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FileRowProps {
    pub row: Rc<Row>,
    pub fail_on: Severity,
}

#[component]
pub fn FileRow(props: &FileRowProps) -> Html {
    let row = &props.row;
    let options = ScanOptions {
        fail_on: props.fail_on,
        ..ScanOptions::default()
    };
    let verdict = row.verdict(&options).map(|v| v.as_str()).unwrap_or("");
    let format = row
        .scan
        .as_ref()
        .and_then(|s| s.format)
        .map(|f| f.as_str())
        .unwrap_or("");
    let status = row.status.as_str();
    let on_copy = {
        let sha = row.sha256.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(sha) = &sha {
                crate::browser::download::copy_text(sha);
            }
        })
    };
    let progress_label = match row.status {
        Status::Hashing => format!("{:.0}%", row.progress() * 100.0),
        _ => status.to_owned(),
    };
    let mut errors: Vec<String> = row
        .scan
        .iter()
        .flat_map(|s| s.errors.iter().map(|e| e.message.clone()))
        .collect();
    if let Some(e) = &row.error {
        errors.push(e.clone());
    }
    if row.status == Status::Cancelled {
        errors.push(crate::scan::state::CANCELLED_MESSAGE.to_owned());
    }
    let findings = row
        .scan
        .as_ref()
        .map(|s| s.findings.clone())
        .unwrap_or_default();
    html! {
        <tbody class="file" data-path={row.path.clone()} data-status={status}
            data-format={format} data-verdict={verdict}
            data-sha256={row.sha256.clone().unwrap_or_default()}>
            <tr>
                <td class="path">{ &row.path }</td>
                <td class="num size" title={format!("{} bytes", row.size)}>{ human_size(row.size) }</td>
                <td class="format">{ if format.is_empty() { "…" } else { format } }</td>
                <td class="progress">
                    <progress max="1" value={row.progress().to_string()} />
                    <span class={classes!("status", status)}>{ progress_label }</span>
                </td>
                <td class="sha">
                    if let Some(sha) = &row.sha256 {
                        <code class="sha256">{ sha }</code>
                        <button class="copy" title="Copy SHA-256" onclick={on_copy}>{ "Copy" }</button>
                    }
                </td>
                <td class={classes!("verdict", (!verdict.is_empty()).then(|| format!("verdict-{verdict}")))}>
                    { verdict }
                </td>
            </tr>
            if !findings.is_empty() || !errors.is_empty() {
                <tr class="details">
                    <td colspan="6">
                        <Findings {findings} {errors} />
                    </td>
                </tr>
            }
        </tbody>
    }
}
