//! Hugging Face Hub client, sans-I/O.
//!
//! The core never opens a socket. [`HubSession`] is a state machine: ask it
//! for the [`HttpRequest`] to send ([`HubSession::next_request`]), give it the
//! [`HttpResponse`] (or the [`TransportError`]) with [`HubSession::feed`], and
//! repeat until it returns `None`; [`HubSession::finish`] then yields the
//! [`HubSnapshot`] or the [`HubError`] that stopped it. The web app awaits a
//! browser `fetch` between the two calls; the CLI implements the blocking
//! [`Transport`] trait and calls [`run_blocking`]. One design serves both
//! because the state machine holds no future and no callback.
//!
//! The first request (model info) resolves the revision to a commit; every
//! later request is pinned to that sha. The token is attached only to URLs
//! whose origin is the configured endpoint's.

pub mod api;
pub mod error;
pub mod http;
pub mod repo;
pub mod session;

pub use api::{ApiError, FileSecurity, Gating, ModelInfo, RepoFile, RepoSecurity};
pub use error::HubError;
pub use http::{HttpRequest, HttpResponse, Transport, TransportError};
pub use repo::{RepoRef, RepoRefError};
pub use session::{
    run_blocking, FileFetch, HubConfig, HubLimits, HubSession, HubSnapshot, Progress,
    DEFAULT_DEADLINE_MS, DEFAULT_ENDPOINT,
};

#[cfg(test)]
mod tests;
