//! "Audit a Hub model": paste a repo id or Hub URL, see whether the model is
//! fit to use (licence, card, weights, remote code, the Hub's scans).
//!
//! The core's [`modelvet_core::hub::HubSession`] decides every request; this
//! module only sends them with the browser's `fetch` ([`fetch`]) and renders
//! the [`modelvet_core::card::CardAudit`] ([`view`]). [`route`], [`state`]
//! and [`token_store`] are pure and tested natively.
//!
//! Integration surface: the component [`AuditView`] and [`route::is_audit_hash`]
//! (the app shows the view for `#/audit` and `#/audit/<repo>@<rev>`).

pub mod fetch;
pub mod route;
pub mod state;
pub mod token_store;
pub mod view;

pub use route::is_audit_hash;
pub use view::AuditView;
