//! The root component: owns the state (one reducer) and the worker pool.

use crate::audit::{is_audit_hash, AuditView};
use crate::components::drop_zone::DropZone;
use crate::components::file_row::FileRow;
use crate::components::limits::LimitsSettings;
use crate::components::summary::Summary;
use crate::pool::{pool_size, Picked, Pool};
use crate::state::{Action, State};
use std::rc::Rc;
use yew::prelude::*;

/// File name of the downloaded report.
pub const REPORT_FILE: &str = "modelvet-report.json";

/// The page's location hash (`#/audit/...` selects the audit view).
fn current_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

#[component]
pub fn App() -> Html {
    let hash = use_state(current_hash);
    {
        let hash = hash.clone();
        use_effect_with((), move |_| {
            use wasm_bindgen::{closure::Closure, JsCast};
            let listener =
                Closure::<dyn FnMut(web_sys::Event)>::new(move |_| hash.set(current_hash()));
            let window = web_sys::window();
            if let Some(w) = &window {
                let _ = w.add_event_listener_with_callback(
                    "hashchange",
                    listener.as_ref().unchecked_ref(),
                );
            }
            move || {
                if let Some(w) = &window {
                    let _ = w.remove_event_listener_with_callback(
                        "hashchange",
                        listener.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }
    let auditing = is_audit_hash(&hash);
    let state = use_reducer(State::default);
    let dispatcher = state.dispatcher();
    let pool = {
        let dispatcher = dispatcher.clone();
        use_memo((), move |_| {
            Pool::new(
                pool_size(),
                Rc::new(move |a: Action| dispatcher.dispatch(a)),
            )
        })
    };
    let download_error = use_state(|| None::<String>);
    let on_limits = {
        let (pool, dispatcher) = (pool.clone(), dispatcher.clone());
        Callback::from(move |limits: modelvet_core::Limits| {
            pool.set_limits(&limits);
            dispatcher.dispatch(Action::SetLimits(limits));
        })
    };

    let on_files = {
        let (pool, dispatcher) = (pool.clone(), dispatcher.clone());
        Callback::from(move |files: Vec<Picked>| {
            if files.is_empty() {
                return;
            }
            let rows = pool.enqueue(files);
            dispatcher.dispatch(Action::Add(rows));
            pool.pump();
        })
    };
    let on_problem = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |(path, message): (String, String)| {
            dispatcher.dispatch(Action::WalkError { path, message });
        })
    };
    let on_cancel = {
        let (pool, dispatcher) = (pool.clone(), dispatcher.clone());
        Callback::from(move |_: MouseEvent| {
            pool.cancel();
            dispatcher.dispatch(Action::Cancel);
        })
    };
    let on_clear = {
        let (pool, dispatcher) = (pool.clone(), dispatcher.clone());
        Callback::from(move |_: MouseEvent| {
            pool.cancel();
            dispatcher.dispatch(Action::Clear);
        })
    };
    let on_download = {
        let (state, download_error) = (state.clone(), download_error.clone());
        Callback::from(move |_: MouseEvent| {
            let json = state.report().to_json_pretty();
            download_error.set(crate::download::save_json(REPORT_FILE, &json).err());
        })
    };

    let busy = state.is_busy();
    let has_rows = !state.rows.is_empty();
    let fail_on = state.options.fail_on;
    html! {
        <main>
            <header>
                <h1>{ "modelvet" }</h1>
                <p class="tagline">
                    { "Vet model files before they reach production. Files are hashed and \
                       scanned statically in this page; nothing is uploaded." }
                </p>
            </header>
            <nav id="views">
                <a id="nav-scan" href="#/" class={classes!((!auditing).then_some("current"))}>{ "Scan files" }</a>
                { " · " }
                <a id="nav-audit" href="#/audit" class={classes!(auditing.then_some("current"))}>{ "Audit a Hub model" }</a>
            </nav>
            if auditing {
                <AuditView />
            } else {
            <DropZone {on_files} {on_problem} />
            <LimitsSettings on_apply={on_limits} />
            <div class="toolbar">
                <button id="cancel" onclick={on_cancel} disabled={!busy}>{ "Cancel" }</button>
                <button id="download" onclick={on_download} disabled={busy || !has_rows}>
                    { "Download JSON report" }
                </button>
                <button id="clear" onclick={on_clear} disabled={!has_rows}>{ "Clear" }</button>
                if let Some(e) = &*download_error {
                    <span class="error">{ format!("download failed: {e}") }</span>
                }
            </div>
            <Summary state={(*state).clone()} />
            if has_rows {
                <table id="files">
                    <thead>
                        <tr>
                            <th>{ "Path" }</th>
                            <th class="num">{ "Size" }</th>
                            <th>{ "Format" }</th>
                            <th>{ "Progress" }</th>
                            <th>{ "SHA-256" }</th>
                            <th>{ "Verdict" }</th>
                        </tr>
                    </thead>
                    { for state.rows.iter().map(|row| html! {
                        <FileRow key={row.id} row={row.clone()} {fail_on} />
                    }) }
                </table>
            }
            }
        </main>
    }
}
