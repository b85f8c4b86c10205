//! The modelvet web app.
//!
//! The page (`bin/app.rs`) renders [`components::app::App`]; files are hashed
//! and scanned by a pool of Web Workers (`bin/worker.rs`, [`worker`]) that
//! stream them for hashing and read the windows the scanners ask for, so
//! multi-GB weights never sit in memory and the page stays responsive.
//! Results are assembled into the same
//! [`modelvet_core::Report`] the CLI prints.

pub mod audit;
pub mod blob_source;
pub mod blob_stream;
pub mod components;
pub mod download;
pub mod entries;
pub mod job;
pub mod js;
pub mod pool;
pub mod state;
pub mod wire;
pub mod worker;
