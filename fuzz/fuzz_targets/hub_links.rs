//! The Hub session's `Link` paging, statuses and origins with a token
//! configured: the token never leaves the endpoint's origin, paging stops at
//! its limit.
#![no_main]

#[path = "../harness.rs"]
mod harness;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| harness::hub_links(data));
