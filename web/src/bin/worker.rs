//! The scan worker: receives `{id, path, file}` jobs from the page and
//! answers with JSON-encoded `FromWorker` messages.

fn main() {
    #[cfg(target_arch = "wasm32")]
    modelvet_web::scan::worker::start();
}
