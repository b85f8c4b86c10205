//! The modelvet web app.
//!
//! The page (`bin/app.rs`) renders [`app::App`], which switches between the
//! features, one folder each:
//!
//! - [`scan`]: drop model files or folders; a pool of Web Workers
//!   (`bin/worker.rs`, [`scan::worker`]) streams them for hashing and reads
//!   the windows the scanners ask for, so multi-GB weights never sit in
//!   memory and the page stays responsive. Results are assembled into the
//!   same [`modelvet_core::Report`] the CLI prints.
//! - [`audit`]: audit a Hugging Face Hub model.
//!
//! [`browser`] holds the glue to the browser's `Blob`s, streams, drops and
//! downloads that the features share.

pub mod app;
pub mod audit;
pub mod browser;
pub mod scan;
pub mod units;
