//! The line that sums up the whole drop.

use crate::scan::state::State;
use crate::units::human_size;
use modelvet_core::Severity;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SummaryProps {
    pub state: State,
}

#[component]
pub fn Summary(props: &SummaryProps) -> Html {
    let state = &props.state;
    if state.rows.is_empty() && state.walk_errors.is_empty() {
        return html! { <p id="summary" class="summary empty">{ "No files yet." }</p> };
    }
    let total: u64 = state.rows.iter().map(|r| r.size).sum();
    if state.is_busy() {
        return html! {
            <p id="summary" class="summary" data-busy="true">
                { format!(
                    "Working: {} of {} files finished, {} of {} hashed",
                    state.finished(),
                    state.rows.len(),
                    human_size(state.hashed_bytes()),
                    human_size(total),
                ) }
            </p>
        };
    }
    // Everything finished: the counts come from the report itself.
    let report = state.report();
    let counts: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .filter_map(|s| {
            let n = report.summary.findings.get(s).copied().unwrap_or(0);
            (n > 0).then(|| format!("{n} {}", s.as_str()))
        })
        .collect();
    let findings = if counts.is_empty() {
        "no findings".to_owned()
    } else {
        format!("findings: {}", counts.join(", "))
    };
    let verdict = report.verdict.as_str();
    html! {
        <p id="summary" class={classes!("summary", format!("verdict-{verdict}"))}
            data-busy="false" data-verdict={verdict}>
            { format!(
                "{} files, {}; {findings}; {} errors; verdict: ",
                report.summary.artifacts,
                human_size(report.summary.bytes),
                report.summary.errors,
            ) }
            <strong>{ verdict }</strong>
        </p>
    }
}
