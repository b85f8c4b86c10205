//! The findings and errors of one file.

use modelvet_core::Finding;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FindingsProps {
    pub findings: Vec<Finding>,
    pub errors: Vec<String>,
}

#[component]
pub fn Findings(props: &FindingsProps) -> Html {
    html! {
        <ul class="findings">
            { for props.findings.iter().map(|f| html! {
                <li class={classes!("finding", format!("severity-{}", f.severity.as_str()))}
                    data-rule={f.rule_id.clone()} data-severity={f.severity.as_str()}>
                    <span class="severity">{ f.severity.as_str() }</span>
                    <code class="rule">{ &f.rule_id }</code>
                    <span class="location">{ f.location.to_string() }</span>
                    <span class="message">{ &f.message }</span>
                    if let Some(evidence) = &f.evidence {
                        <pre class="evidence">{ evidence }</pre>
                    }
                    if let Some(help) = &f.help {
                        <p class="help">{ help }</p>
                    }
                </li>
            }) }
            { for props.errors.iter().map(|e| html! {
                <li class="scan-error"><span class="severity">{ "error" }</span>
                    <span class="message">{ e }</span></li>
            }) }
        </ul>
    }
}
