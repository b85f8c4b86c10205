//! "Scan files": drop model files or folders; they are hashed and scanned
//! statically in the page, nothing is uploaded.
//!
//! - [`state`]: the rows and the reducer (pure, tested natively), driven by
//!   the worker messages of [`wire`] directly.
//! - [`pool`]: the page's pool of scan workers; [`worker`] and [`job`]: what
//!   each worker does (`bin/worker.rs`).
//! - [`view`] and the components [`drop_zone`], [`file_row`], [`findings`],
//!   [`summary`]: the screen. They hold no logic of their own: they render
//!   the [`state::State`] and turn clicks and drops into actions.
//!
//! Integration surface: [`use_scan_session`] (held by the root component so
//! the session outlives the view) and the component [`ScanView`].

pub mod drop_zone;
pub mod file_row;
pub mod findings;
pub mod job;
pub mod limits;
pub mod pool;
pub mod state;
pub mod summary;
pub mod view;
pub mod wire;
pub mod worker;

pub use view::{use_scan_session, ScanView};
