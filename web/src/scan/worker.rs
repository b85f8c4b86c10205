//! The worker's event loop: one job at a time, strictly in order.

use crate::browser::blob_source::BlobSource;
use crate::scan::wire::{job, FromWorker};
use modelvet_core::ScanOptions;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, DedicatedWorkerGlobalScope, MessageEvent};

/// Install the message handler and tell the page the worker is ready.
pub fn start() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let post_scope = scope.clone();
    let post = std::rc::Rc::new(move |msg: &FromWorker| {
        // A failed post means the page is gone; nothing left to tell.
        let _ = post_scope.post_message(&JsValue::from_str(&msg.to_json()));
    });
    let jobs = Rc::new(Jobs {
        queue: RefCell::default(),
        busy: Cell::new(false),
        options: ScanOptions::default(),
        post: post.clone(),
    });
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        jobs.queue.borrow_mut().push_back(event.data());
        if !jobs.busy.replace(true) {
            wasm_bindgen_futures::spawn_local(drain(jobs.clone()));
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    post(&FromWorker::Ready);
}

/// Jobs received and not yet done. Hashing waits on the browser's reads, so
/// a job spans several turns of the event loop; the page sends one job at a
/// time, and one that arrived early would wait here.
struct Jobs {
    queue: RefCell<VecDeque<JsValue>>,
    busy: Cell<bool>,
    options: ScanOptions,
    post: Rc<dyn Fn(&FromWorker)>,
}

async fn drain(jobs: Rc<Jobs>) {
    loop {
        let next = jobs.queue.borrow_mut().pop_front();
        let Some(data) = next else { break };
        handle(&data, &jobs.options, &*jobs.post).await;
    }
    jobs.busy.set(false);
}

async fn handle(data: &JsValue, options: &ScanOptions, post: &dyn Fn(&FromWorker)) {
    let get = |key: &str| js_sys::Reflect::get(data, &JsValue::from_str(key)).ok();
    let Some(id) = get(job::ID).and_then(|v| v.as_f64()) else {
        return;
    };
    let id = id as u64;
    let path = get(job::PATH)
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    // The page's limits (the JSON of `settings.limits`); a job without them
    // is scanned with the defaults.
    let mut options = options.clone();
    if let Some(text) = get(job::LIMITS).and_then(|v| v.as_string()) {
        match serde_json::from_str(&text) {
            Ok(limits) => options.limits = limits,
            Err(e) => {
                post(&FromWorker::Failed {
                    id,
                    message: format!("the job's limits do not read: {e}"),
                });
                return;
            }
        }
    }
    let options = &options;
    let Some(blob) = get(job::FILE).and_then(|v| v.dyn_into::<Blob>().ok()) else {
        post(&FromWorker::Failed {
            id,
            message: "the job carried no file".to_owned(),
        });
        return;
    };
    match BlobSource::new(blob) {
        Ok(source) => crate::scan::job::run(id, &path, source, options, post).await,
        Err(e) => post(&FromWorker::Failed {
            id,
            message: format!("cannot read the file in a worker: {e}"),
        }),
    }
}
