//! `modelvet-replay`: serve the standard replay scenario (recorded Hub
//! responses) for browser tests.
//!
//! ```text
//! modelvet-replay [--port N] [--page-size N] [--rate-limit N] [--retry-after SECONDS] [--delay-ms MS]
//! ```
//!
//! Prints the base URL (`http://127.0.0.1:PORT`) on the first line of
//! standard output, then serves until killed.

use modelvet_testkit::replay::{standard, ReplayServer};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut scenario = standard::scenario();
    let mut port = 0u16;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().and_then(|v| v.parse::<u64>().ok());
        match (flag.as_str(), value) {
            ("--port", Some(v)) => port = u16::try_from(v).unwrap_or(0),
            ("--page-size", Some(v)) => scenario.page_size = usize::try_from(v).unwrap_or(50),
            ("--rate-limit", Some(v)) => {
                scenario.rate_limited_requests = u32::try_from(v).unwrap_or(0)
            }
            ("--retry-after", Some(v)) => scenario.retry_after = v,
            ("--delay-ms", Some(v)) => scenario.delay_ms = v,
            _ => {
                eprintln!("usage: modelvet-replay [--port N] [--page-size N] [--rate-limit N] [--retry-after SECONDS] [--delay-ms MS]");
                return ExitCode::from(2);
            }
        }
    }
    let server = match ReplayServer::start(scenario, port) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{}", server.url());
    let _ = out.flush();
    server.wait();
    ExitCode::SUCCESS
}
