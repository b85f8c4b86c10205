//! The root component: the header, the navigation between the views, and
//! the scan session (held here so it survives a visit to the audit view).

use crate::audit::{is_audit_hash, AuditView};
use crate::scan::{use_scan_session, ScanView};
use yew::prelude::*;

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
    let scan = use_scan_session();
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
                <ScanView session={scan} />
            }
        </main>
    }
}
