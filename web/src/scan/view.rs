//! The scan screen: the drop zone, the toolbar, the summary and one row per
//! file.
//!
//! Its state lives in [`ScanSession`], which the root component holds
//! ([`use_scan_session`]) so the files, their results and the workers
//! survive a visit to another view.

use crate::browser::entries::Picked;
use crate::scan::drop_zone::DropZone;
use crate::scan::file_row::FileRow;
use crate::scan::limits::LimitsSettings;
use crate::scan::pool::{pool_size, Pool};
use crate::scan::state::{Action, State};
use crate::scan::summary::Summary;
use std::rc::Rc;
use yew::prelude::*;

/// File name of the downloaded report.
pub const REPORT_FILE: &str = "modelvet-report.json";

/// The scan screen's state: the reducer, the worker pool feeding it, and
/// the last download's error.
#[derive(Clone, PartialEq)]
pub struct ScanSession {
    /// The files and their results.
    pub state: UseReducerHandle<State>,
    /// The workers hashing and scanning them.
    pub pool: Rc<Pool>,
    /// Why the last report download failed.
    pub download_error: UseStateHandle<Option<String>>,
}

/// A scan session whose pool dispatches to its reducer.
#[hook]
pub fn use_scan_session() -> ScanSession {
    let state = use_reducer(State::default);
    let pool = {
        let dispatcher = state.dispatcher();
        use_memo((), move |_| {
            Pool::new(
                pool_size(),
                Rc::new(move |a: Action| dispatcher.dispatch(a)),
            )
        })
    };
    let download_error = use_state(|| None::<String>);
    ScanSession {
        state,
        pool,
        download_error,
    }
}

/// Properties of [`ScanView`].
#[derive(Properties, PartialEq)]
pub struct ScanViewProps {
    /// The session to show and drive.
    pub session: ScanSession,
}

#[component]
pub fn ScanView(props: &ScanViewProps) -> Html {
    let ScanSession {
        state,
        pool,
        download_error,
    } = props.session.clone();
    let dispatcher = state.dispatcher();
    let on_limits = {
        let (pool, dispatcher) = (pool.clone(), dispatcher.clone());
        Callback::from(move |limits: modelvet_core::Limits| {
            pool.set_limits(&limits);
            dispatcher.dispatch(Action::SetLimits(Box::new(limits)));
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
            download_error.set(crate::browser::download::save_json(REPORT_FILE, &json).err());
        })
    };

    let busy = state.is_busy();
    let has_rows = !state.rows.is_empty();
    let fail_on = state.options.fail_on;
    html! {
        <>
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
        </>
    }
}
