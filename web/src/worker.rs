//! The worker's event loop: one job at a time, strictly in order.

use crate::blob_source::BlobSource;
use crate::wire::{job, FromWorker};
use modelvet_core::ScanOptions;
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
    let handler_post = post.clone();
    let options = ScanOptions::default();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        handle(&event.data(), &options, &*handler_post);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    post(&FromWorker::Ready);
}

fn handle(data: &JsValue, options: &ScanOptions, post: &dyn Fn(&FromWorker)) {
    let get = |key: &str| js_sys::Reflect::get(data, &JsValue::from_str(key)).ok();
    let Some(id) = get(job::ID).and_then(|v| v.as_f64()) else {
        return;
    };
    let id = id as u64;
    let path = get(job::PATH)
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let Some(blob) = get(job::FILE).and_then(|v| v.dyn_into::<Blob>().ok()) else {
        post(&FromWorker::Failed {
            id,
            message: "the job carried no file".to_owned(),
        });
        return;
    };
    match BlobSource::new(blob) {
        Ok(source) => crate::job::run(id, &path, source, options, post),
        Err(e) => post(&FromWorker::Failed {
            id,
            message: format!("cannot read the file in a worker: {e}"),
        }),
    }
}
