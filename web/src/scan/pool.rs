//! The page's pool of scan workers.
//!
//! Up to `navigator.hardwareConcurrency` workers (capped at
//! [`MAX_WORKERS`]) each take one file at a time from a queue. Cancelling
//! terminates every worker (a worker scanning is blocked in synchronous
//! reads and cannot be interrupted any other way); new work starts fresh
//! workers.

use crate::browser::entries::Picked;
use crate::browser::js::message_of;
use crate::scan::state::{Action, NewFile, RowId};
use crate::scan::wire::{job, FromWorker};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, File, MessageEvent, Worker};

/// The worker script Trunk writes next to the page (`data-loader-shim`).
pub const WORKER_URL: &str = "./worker_loader.js";

/// Never more workers than this, whatever the machine reports: each holds a
/// wasm instance plus one read buffer.
pub const MAX_WORKERS: usize = 8;

struct Job {
    id: RowId,
    path: String,
    file: File,
}

struct Slot {
    worker: Worker,
    ready: bool,
    job: Option<RowId>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

struct Inner {
    size: usize,
    next_id: RowId,
    queue: VecDeque<Job>,
    slots: Vec<Option<Slot>>,
    /// The JSON of the limits each job is scanned with.
    limits: String,
    notify: Rc<dyn Fn(Action)>,
}

/// A cheap handle on the pool (clones share it).
#[derive(Clone)]
pub struct Pool(Rc<RefCell<Inner>>);

impl PartialEq for Pool {
    fn eq(&self, other: &Pool) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// How many workers to run on this machine.
pub fn pool_size() -> usize {
    let reported = web_sys::window()
        .map(|w| w.navigator().hardware_concurrency())
        .unwrap_or(1.0);
    let n = if reported.is_finite() && reported >= 1.0 {
        reported as usize
    } else {
        1
    };
    n.clamp(1, MAX_WORKERS)
}

impl Pool {
    /// A pool of `size` workers reporting state changes through `notify`.
    pub fn new(size: usize, notify: Rc<dyn Fn(Action)>) -> Pool {
        Pool(Rc::new(RefCell::new(Inner {
            size: size.max(1),
            next_id: 0,
            queue: VecDeque::new(),
            slots: Vec::new(),
            limits: serde_json::to_string(&modelvet_core::Limits::default()).unwrap_or_default(),
            notify,
        })))
    }

    /// Scan the files handed to workers from now on with `limits`.
    pub fn set_limits(&self, limits: &modelvet_core::Limits) {
        self.0.borrow_mut().limits = serde_json::to_string(limits).unwrap_or_default();
    }

    /// Queue `files`; returns the rows to add to the state (in order).
    pub fn enqueue(&self, files: Vec<Picked>) -> Vec<NewFile> {
        let mut inner = self.0.borrow_mut();
        let mut rows = Vec::with_capacity(files.len());
        for Picked { path, file } in files {
            let id = inner.next_id;
            inner.next_id = inner.next_id.saturating_add(1);
            rows.push(NewFile {
                id,
                path: path.clone(),
                size: crate::browser::blob_source::blob_len(&file),
            });
            inner.queue.push_back(Job { id, path, file });
        }
        rows
    }

    /// Hand queued files to idle workers, starting workers as needed.
    pub fn pump(&self) {
        let mut events = Vec::new();
        {
            let mut inner = self.0.borrow_mut();
            inner.fill(&self.0, &mut events);
        }
        self.emit(events);
    }

    /// Stop everything: terminate the workers and drop the queue.
    pub fn cancel(&self) {
        let mut inner = self.0.borrow_mut();
        inner.queue.clear();
        for slot in inner.slots.drain(..).flatten() {
            slot.stop();
        }
    }

    fn emit(&self, events: Vec<Action>) {
        let notify = self.0.borrow().notify.clone();
        for event in events {
            notify(event);
        }
    }

    fn on_message(&self, index: usize, data: JsValue) {
        let Some(text) = data.as_string() else {
            return;
        };
        let msg = match FromWorker::from_json(&text) {
            Ok(msg) => msg,
            Err(e) => {
                self.on_crash(index, format!("the worker sent an unreadable message: {e}"));
                return;
            }
        };
        let mut events = Vec::new();
        {
            let mut inner = self.0.borrow_mut();
            if let Some(Some(slot)) = inner.slots.get_mut(index) {
                if matches!(msg, FromWorker::Ready) {
                    slot.ready = true;
                }
                if msg.ends_job() && slot.job == msg.id() {
                    slot.job = None;
                }
            }
        }
        if let Some(action) = action_for(msg) {
            events.push(action);
        }
        {
            let mut inner = self.0.borrow_mut();
            inner.fill(&self.0, &mut events);
        }
        self.emit(events);
    }

    /// A worker died (failed to load, ran out of memory, trapped): fail its
    /// file, drop the worker and carry on with fresh ones.
    fn on_crash(&self, index: usize, message: String) {
        let mut events = Vec::new();
        {
            let mut inner = self.0.borrow_mut();
            if let Some(slot) = inner.slots.get_mut(index).and_then(Option::take) {
                slot.stop();
                if let Some(id) = slot.job {
                    events.push(Action::Worker(FromWorker::Failed {
                        id,
                        message: format!("the scan worker stopped: {message}"),
                    }));
                } else if !slot.ready {
                    // The worker could not even start: fail the queue rather
                    // than respawning forever.
                    for job in inner.queue.drain(..) {
                        events.push(Action::Worker(FromWorker::Failed {
                            id: job.id,
                            message: format!("the scan worker could not start: {message}"),
                        }));
                    }
                }
            }
            inner.fill(&self.0, &mut events);
        }
        self.emit(events);
    }
}

impl Slot {
    /// Terminate the worker and detach its handlers before they are dropped.
    fn stop(&self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

impl Inner {
    /// Start workers up to the pool size while there is work, and give each
    /// ready idle worker the next queued file.
    fn fill(&mut self, this: &Rc<RefCell<Inner>>, events: &mut Vec<Action>) {
        let live = self.slots.iter().flatten().count();
        let idle = self
            .slots
            .iter()
            .flatten()
            .filter(|s| s.job.is_none())
            .count();
        let wanted = self.queue.len().saturating_sub(idle);
        let spawn = wanted.min(self.size.saturating_sub(live));
        for _ in 0..spawn {
            let index = self.slots.len();
            match spawn_worker(Rc::downgrade(this), index) {
                Ok(slot) => self.slots.push(Some(slot)),
                Err(message) => {
                    for job in self.queue.drain(..) {
                        events.push(Action::Worker(FromWorker::Failed {
                            id: job.id,
                            message: format!("cannot start a scan worker: {message}"),
                        }));
                    }
                    return;
                }
            }
        }
        for slot in self.slots.iter_mut().flatten() {
            if !slot.ready || slot.job.is_some() {
                continue;
            }
            let Some(job) = self.queue.pop_front() else {
                break;
            };
            match post_job(&slot.worker, &job, &self.limits) {
                Ok(()) => {
                    slot.job = Some(job.id);
                    events.push(Action::Started(job.id));
                }
                Err(message) => events.push(Action::Worker(FromWorker::Failed {
                    id: job.id,
                    message: format!("cannot hand the file to a worker: {message}"),
                })),
            }
        }
    }
}

/// The action for a worker's message; `Ready` only concerns the pool.
fn action_for(msg: FromWorker) -> Option<Action> {
    (!matches!(msg, FromWorker::Ready)).then_some(Action::Worker(msg))
}

fn post_job(worker: &Worker, job: &Job, limits: &str) -> Result<(), String> {
    let obj = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| {
        js_sys::Reflect::set(&obj, &JsValue::from_str(k), v).map_err(|e| message_of(&e))
    };
    set(job::ID, &JsValue::from_f64(job.id as f64))?;
    set(job::PATH, &JsValue::from_str(&job.path))?;
    set(job::FILE, job.file.as_ref())?;
    set(job::LIMITS, &JsValue::from_str(limits))?;
    worker.post_message(&obj).map_err(|e| message_of(&e))
}

fn spawn_worker(pool: Weak<RefCell<Inner>>, index: usize) -> Result<Slot, String> {
    let worker = Worker::new(WORKER_URL).map_err(|e| message_of(&e))?;
    let on_pool = pool.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        if let Some(inner) = on_pool.upgrade() {
            Pool(inner).on_message(index, event.data());
        }
    });
    let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
        event.prevent_default();
        if let Some(inner) = pool.upgrade() {
            let message = event.message();
            let message = if message.is_empty() {
                "the worker failed".to_owned()
            } else {
                message
            };
            Pool(inner).on_crash(index, message);
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(Slot {
        worker,
        ready: false,
        job: None,
        _on_message: on_message,
        _on_error: on_error,
    })
}
