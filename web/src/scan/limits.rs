//! The *Limits* setting: a limits document (JSON or TOML, any subset of the
//! report's `settings.limits`, see docs/limits.md), pasted or picked from a
//! file, applied to the scans that start after it.

use modelvet_core::Limits;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

/// The limits `text` sets: JSON, else TOML, applied over the defaults.
pub fn parse_limits(text: &str) -> Result<Limits, String> {
    let doc: serde_json::Value = match serde_json::from_str(text) {
        Ok(doc) => doc,
        Err(json) => toml::from_str(text).map_err(|_| format!("neither JSON ({json}) nor TOML"))?,
    };
    let mut limits = Limits::default();
    limits.apply_json(&doc).map_err(|e| e.to_string())?;
    Ok(limits)
}

#[derive(Properties, PartialEq)]
pub struct LimitsProps {
    /// Called with the limits once a document applies.
    pub on_apply: Callback<Limits>,
}

#[component]
pub fn LimitsSettings(props: &LimitsProps) -> Html {
    let text = use_state(String::new);
    let message = use_state(|| None::<Result<String, String>>);
    let apply = {
        let (on_apply, message) = (props.on_apply.clone(), message.clone());
        move |doc: &str| match parse_limits(doc) {
            Ok(limits) => {
                on_apply.emit(limits);
                message.set(Some(Ok(
                    "applied to the scans that start from now".to_owned()
                )));
            }
            Err(e) => message.set(Some(Err(e))),
        }
    };
    let on_input = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(area) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlTextAreaElement>().ok())
            {
                text.set(area.value());
            }
        })
    };
    let on_click = {
        let (text, apply) = (text.clone(), apply.clone());
        Callback::from(move |_: MouseEvent| apply(&text))
    };
    let on_file = {
        let (text, message) = (text.clone(), message.clone());
        Callback::from(move |e: Event| {
            let file = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                .and_then(|input| input.files())
                .and_then(|files| files.get(0));
            let Some(file) = file else { return };
            let (text, message, apply) = (text.clone(), message.clone(), apply.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    Ok(v) => {
                        let doc = v.as_string().unwrap_or_default();
                        text.set(doc.clone());
                        apply(&doc);
                    }
                    Err(e) => message.set(Some(Err(crate::browser::js::message_of(&e)))),
                }
            });
        })
    };
    html! {
        <details id="limits">
            <summary>{ "Limits" }</summary>
            <p>
                { "JSON or TOML in the shape of the report's " }<code>{ "settings.limits" }</code>
                { ", any subset of it, e.g. " }
                <code>{ r#"{"scan": {"max_seconds": 300}}"# }</code>{ "." }
            </p>
            <textarea id="limits-text" rows="6" cols="60" value={(*text).clone()} oninput={on_input} />
            <div>
                <button id="limits-apply" onclick={on_click}>{ "Apply" }</button>
                { " " }
                <input id="limits-file" type="file" accept=".json,.toml" onchange={on_file} />
                if let Some(Ok(m)) = &*message {
                    <span class="note">{ m.clone() }</span>
                }
                if let Some(Err(e)) = &*message {
                    <span class="error">{ e.clone() }</span>
                }
            </div>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::parse_limits;

    #[test]
    fn json_and_toml_documents_set_limits() {
        let json = parse_limits(r#"{"scan": {"max_seconds": 300}}"#).unwrap();
        assert_eq!(json.scan.max_seconds, 300);
        let toml = parse_limits("[scan]\nmax_seconds = 300\n").unwrap();
        assert_eq!(toml, json);
        assert_eq!(toml.pickle, modelvet_core::Limits::default().pickle);
    }

    #[test]
    fn bad_documents_are_errors() {
        let unknown = parse_limits(r#"{"scan": {"max_secs": 3}}"#).unwrap_err();
        assert!(unknown.contains("unknown key `scan.max_secs`"), "{unknown}");
        let syntax = parse_limits("{ nope").unwrap_err();
        assert!(syntax.contains("neither JSON"), "{syntax}");
    }
}
