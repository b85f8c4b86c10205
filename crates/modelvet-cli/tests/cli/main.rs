//! End-to-end tests of the `modelvet` binary: real files in a temporary
//! folder, the real executable, its exit code and its output.

mod exit_codes;
mod folders;
mod jobs;
mod json_report;
mod limits;
mod rules;
mod schema;
mod sha256;
mod streams;
mod support;
