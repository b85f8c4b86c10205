//! The audit view: form, settings, progress, checklist, licence badge, files.

use super::route::{endpoint_param, permalink, target_of_hash};
use super::state::{AuditAction, AuditState, Phase};
use super::token_store::{self, KeyValue};
use crate::units::human_size;
use modelvet_core::card::{self, AuditOptions, CardAudit, IntendedUse, ItemStatus};
use modelvet_core::hub::{HubConfig, HubLimits, HubSession, RepoRef};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Local-storage key of the endpoint setting. Tokens are kept per endpoint
/// origin, only when the user opts in (see [`token_store`]).
const ENDPOINT_KEY: &str = "modelvet.hub-endpoint";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The browser's local storage; without one nothing is kept.
struct LocalStorage(Option<web_sys::Storage>);

impl LocalStorage {
    fn new() -> LocalStorage {
        LocalStorage(storage())
    }
}

impl KeyValue for LocalStorage {
    fn get(&self, key: &str) -> Option<String> {
        self.0.as_ref()?.get_item(key).ok().flatten()
    }
    fn set(&self, key: &str, value: &str) {
        if let Some(s) = &self.0 {
            let _ = s.set_item(key, value);
        }
    }
    fn remove(&self, key: &str) {
        if let Some(s) = &self.0 {
            let _ = s.remove_item(key);
        }
    }
}

/// The action that loads the token saved for `endpoint`'s origin, if any.
fn saved_token(endpoint: &str) -> Option<AuditAction> {
    let token = token_store::load(&LocalStorage::new(), endpoint)?;
    Some(AuditAction::SavedToken {
        origin: token_store::origin(endpoint)?,
        token,
    })
}

fn input_value(e: &Event) -> String {
    e.target()
        .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        .map(|i| i.value())
        .unwrap_or_default()
}

/// Start an audit of what `state` holds.
fn start(state: &AuditState, dispatcher: UseReducerDispatcher<AuditState>) {
    let run = state.run.wrapping_add(1);
    dispatcher.dispatch(AuditAction::Start);
    let target = match RepoRef::parse(&state.input, Some(state.revision.as_str())) {
        Ok(t) => t,
        Err(e) => {
            dispatcher.dispatch(AuditAction::Finished {
                run,
                result: Err(e.to_string()),
            });
            return;
        }
    };
    if let Some(window) = web_sys::window() {
        let _ = window
            .location()
            .set_hash(&permalink(&target.repo_id, target.revision.as_deref()));
    }
    let config = HubConfig {
        endpoint: state.endpoint.clone(),
        token: state.token_for_endpoint(),
        limits: HubLimits {
            deadline_ms: state.deadline_secs.saturating_mul(1000),
            ..HubLimits::default()
        },
    };
    let session = match HubSession::new(config, target) {
        Ok(s) => s,
        Err(e) => {
            dispatcher.dispatch(AuditAction::Finished {
                run,
                result: Err(e.to_string()),
            });
            return;
        }
    };
    let opts = AuditOptions {
        intended_use: state.intended_use,
        now_unix: Some((js_sys::Date::now() / 1000.0) as i64),
        ..AuditOptions::default()
    };
    wasm_bindgen_futures::spawn_local(async move {
        let progress = dispatcher.clone();
        let result = super::fetch::run(session, move |step, done| {
            progress.dispatch(AuditAction::Progress {
                run,
                step: step.to_owned(),
                done,
            });
        })
        .await;
        let result = result
            .map(|snapshot| Rc::new(card::audit(&snapshot, &opts)))
            .map_err(|e| e.to_string());
        dispatcher.dispatch(AuditAction::Finished { run, result });
    });
}

/// "Audit a Hub model".
#[component]
pub fn AuditView() -> Html {
    let state = use_reducer(AuditState::default);
    let dispatcher = state.dispatcher();

    // Settings from the URL and storage; a permalink starts its audit.
    {
        let (state, dispatcher) = (state.clone(), dispatcher.clone());
        use_effect_with((), move |_| {
            let mut initial = (*state).clone();
            let window = web_sys::window();
            let search = window
                .as_ref()
                .and_then(|w| w.location().search().ok())
                .unwrap_or_default();
            let hash = window
                .as_ref()
                .and_then(|w| w.location().hash().ok())
                .unwrap_or_default();
            let stored_endpoint = storage().and_then(|s| s.get_item(ENDPOINT_KEY).ok().flatten());
            if let Some(e) = endpoint_param(&search).or(stored_endpoint) {
                initial.apply(AuditAction::Endpoint(e));
            }
            let mut actions = vec![AuditAction::Endpoint(initial.endpoint.clone())];
            // Only the token saved for this endpoint's origin (the legacy
            // unscoped one is dropped).
            actions.extend(saved_token(&initial.endpoint));
            for action in actions {
                initial.apply(action.clone());
                dispatcher.dispatch(action);
            }
            if let Some(target) = target_of_hash(&hash) {
                let (repo, rev) = match target.split_once('@') {
                    Some((r, v)) => (r.to_owned(), v.to_owned()),
                    None => (target, String::new()),
                };
                initial.apply(AuditAction::Input(repo.clone()));
                initial.apply(AuditAction::Revision(rev.clone()));
                dispatcher.dispatch(AuditAction::Input(repo));
                dispatcher.dispatch(AuditAction::Revision(rev));
                start(&initial, dispatcher);
            }
        });
    }

    let on_submit = {
        let (state, dispatcher) = (state.clone(), dispatcher.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            start(&state, dispatcher.clone());
        })
    };
    let on_input = {
        let d = dispatcher.clone();
        Callback::from(move |e: Event| d.dispatch(AuditAction::Input(input_value(&e))))
    };
    let on_revision = {
        let d = dispatcher.clone();
        Callback::from(move |e: Event| d.dispatch(AuditAction::Revision(input_value(&e))))
    };
    let on_use = {
        let d = dispatcher.clone();
        Callback::from(move |e: Event| {
            let v = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
                .map(|s| s.value())
                .unwrap_or_default();
            d.dispatch(AuditAction::Use(v.parse().unwrap_or_default()));
        })
    };
    let on_endpoint = {
        let (d, current) = (dispatcher.clone(), state.endpoint.clone());
        Callback::from(move |e: Event| {
            let v = input_value(&e);
            if let Some(s) = storage() {
                let _ = s.set_item(ENDPOINT_KEY, &v);
            }
            let origin_changed = token_store::origin(&v) != token_store::origin(&current);
            d.dispatch(AuditAction::Endpoint(v.clone()));
            if origin_changed {
                if let Some(action) = saved_token(&v) {
                    d.dispatch(action);
                }
            }
        })
    };
    let on_token = {
        let (d, remember, endpoint) = (
            dispatcher.clone(),
            state.remember_token,
            state.endpoint.clone(),
        );
        Callback::from(move |e: Event| {
            let v = input_value(&e);
            if remember {
                token_store::save(&LocalStorage::new(), &endpoint, &v);
            }
            d.dispatch(AuditAction::Token(v));
        })
    };
    let on_remember = {
        let (d, token, endpoint) = (
            dispatcher.clone(),
            state.token.clone(),
            state.endpoint.clone(),
        );
        Callback::from(move |e: Event| {
            let checked = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                .is_some_and(|i| i.checked());
            let store = LocalStorage::new();
            if checked {
                token_store::save(&store, &endpoint, &token);
            } else {
                token_store::forget(&store, &endpoint);
            }
            d.dispatch(AuditAction::RememberToken(checked));
        })
    };
    let on_forget = {
        let (d, endpoint) = (dispatcher.clone(), state.endpoint.clone());
        Callback::from(move |_: MouseEvent| {
            token_store::forget(&LocalStorage::new(), &endpoint);
            d.dispatch(AuditAction::ForgetToken);
        })
    };
    let on_deadline = {
        let d = dispatcher.clone();
        Callback::from(move |e: Event| d.dispatch(AuditAction::Deadline(input_value(&e))))
    };
    let endpoint_origin =
        token_store::origin(&state.endpoint).unwrap_or_else(|| "the endpoint".to_owned());

    let running = state.is_running();
    html! {
        <section id="audit" class="audit">
            <h2>{ "Audit a Hub model" }</h2>
            <form id="audit-form" onsubmit={on_submit}>
                <input id="audit-repo" type="text" placeholder="google-bert/bert-base-uncased or a Hub URL"
                    value={state.input.clone()} onchange={on_input} />
                <input id="audit-revision" type="text" placeholder="revision (branch, tag, commit)"
                    value={state.revision.clone()} onchange={on_revision} />
                <select id="audit-use" onchange={on_use}>
                    <option value="commercial" selected={state.intended_use == IntendedUse::Commercial}>{ "commercial use" }</option>
                    <option value="research" selected={state.intended_use == IntendedUse::Research}>{ "research use" }</option>
                </select>
                <button id="audit-run" type="submit" disabled={running}>{ "Audit" }</button>
            </form>
            <details id="audit-settings">
                <summary>{ "Hub settings" }</summary>
                <label>{ "Endpoint " }
                    <input id="audit-endpoint" type="url" value={state.endpoint.clone()} onchange={on_endpoint} />
                </label>
                <label>{ format!("Token (sent only to {endpoint_origin}) ") }
                    <input id="audit-token" type="password" autocomplete="off" value={state.token.clone()} onchange={on_token} />
                </label>
                if let Some(origin) = state.saved_for() {
                    <span id="audit-token-saved" class="note">{ format!(" saved for {origin} only ") }</span>
                    <button id="audit-forget-token" type="button" onclick={on_forget}>{ "Forget saved token" }</button>
                }
                <label>
                    <input id="audit-remember" type="checkbox" checked={state.remember_token} onchange={on_remember} />
                    { format!(" keep the token in this browser for {endpoint_origin} only (otherwise it lives only in this page's memory)") }
                </label>
                <label>{ "Deadline (seconds for the whole audit) " }
                    <input id="audit-deadline" type="number" min="1" max="86400" value={state.deadline_secs.to_string()} onchange={on_deadline} />
                </label>
            </details>
            { match &state.phase {
                Phase::Idle => html! {},
                Phase::Running { step, done } => html! {
                    <p id="audit-progress" class="progress">{ format!("Fetching {step}… ({done} requests answered)") }</p>
                },
                Phase::Failed(message) => html! { <p id="audit-error" class="error">{ message.clone() }</p> },
                Phase::Done(audit) => html! { <AuditResult audit={audit.clone()} /> },
            } }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ResultProps {
    audit: Rc<CardAudit>,
}

#[component]
fn AuditResult(props: &ResultProps) -> Html {
    let a = &props.audit;
    let l = &a.license;
    let class = l.class.map(|c| c.as_str()).unwrap_or("none");
    let permission = l
        .permission
        .map(|p| format!("{p:?}").to_lowercase())
        .unwrap_or_else(|| "unknown".into());
    let license_text = format!(
        "{} · {class} · {} use: {permission}",
        l.id.as_deref().unwrap_or("no licence"),
        a.intended_use.as_str()
    );
    let link = permalink(&a.repo_id, a.revision.as_deref());
    let short = a.sha.get(..12).unwrap_or(&a.sha).to_owned();
    html! {
        <div id="audit-result" data-grade={a.grade.as_str()} data-score={a.score.to_string()} data-verdict={a.verdict.as_str()}>
            <h3>
                { format!("{} @ {short}", a.repo_id) }
                { " " }<a id="audit-permalink" href={link}>{ "permalink" }</a>
                { " " }<a href={a.url.clone()} rel="noreferrer" target="_blank">{ "on the Hub" }</a>
            </h3>
            <p>
                <span id="audit-grade" class={classes!("grade", format!("grade-{}", a.grade.as_str()))}>{ a.grade.as_str() }</span>
                { " " }<span id="audit-score">{ format!("{}/100", a.score) }</span>
                { " " }<span id="audit-license" class={classes!("license-badge", format!("license-{class}"))} data-class={class}>
                    if let Some(href) = l.link.clone() {
                        <a href={href} rel="noreferrer" target="_blank">{ license_text }</a>
                    } else {
                        { license_text }
                    }
                </span>
            </p>
            <p class="context">{ format!(
                "Context, not scored: {} downloads (30 days), {} likes",
                a.popularity.downloads.map_or_else(|| "?".to_owned(), |d| d.to_string()),
                a.popularity.likes.map_or_else(|| "?".to_owned(), |d| d.to_string()),
            ) }</p>
            if !a.incomplete.is_empty() {
                <ul id="audit-incomplete" class="error">
                    { for a.incomplete.iter().map(|m| html! { <li>{ m.clone() }</li> }) }
                </ul>
            }
            <table id="audit-items">
                <thead><tr><th>{ "Status" }</th><th>{ "Item" }</th><th>{ "Severity" }</th><th>{ "Evidence" }</th></tr></thead>
                <tbody>
                { for a.items.iter().map(|i| {
                    let (id, ..) = i.id.spec();
                    let status = i.status.as_str();
                    html! {
                        <tr data-item={id} data-status={status} class={classes!("item", format!("status-{status}"))}>
                            <td>{ match i.status {
                                ItemStatus::Pass => "pass", ItemStatus::Partial => "partial",
                                ItemStatus::Fail => "fail", ItemStatus::NotApplicable => "n/a",
                            } }</td>
                            <td>{ i.title.clone() }</td>
                            <td>{ i.severity.map(|s| s.as_str()).unwrap_or("") }</td>
                            <td>
                                { i.evidence.clone() }
                                if let Some(href) = i.link.clone() {
                                    { " " }<a href={href} rel="noreferrer" target="_blank">{ "see" }</a>
                                }
                            </td>
                        </tr>
                    }
                }) }
                </tbody>
            </table>
            <h3>{ format!("Files ({}{})", a.files.len(), if a.files_complete { "" } else { ", list truncated" }) }</h3>
            <table id="audit-files">
                <thead><tr><th>{ "Path" }</th><th class="num">{ "Size" }</th><th>{ "Format (by name)" }</th><th>{ "LFS SHA-256" }</th><th>{ "Hub scan" }</th></tr></thead>
                <tbody>
                { for a.files.iter().map(|f| {
                    let scan = match (&f.flagged, &f.hub_scan) {
                        (Some(level), _) => level.clone(),
                        (None, Some(s)) => s.status.clone().unwrap_or_else(|| "scanned".into()),
                        (None, None) => String::new(),
                    };
                    html! {
                        <tr data-path={f.path.clone()}>
                            <td>{ f.path.clone() }</td>
                            <td class="num">{ f.size.map(human_size).unwrap_or_default() }</td>
                            <td>{ f.format.as_str() }</td>
                            <td class="hash">{ f.lfs_sha256.clone().unwrap_or_default() }</td>
                            <td>{ scan }</td>
                        </tr>
                    }
                }) }
                </tbody>
            </table>
        </div>
    }
}
