//! Any bytes as every Hub answer (model info, tree pages, files): the session
//! must terminate without panicking, then the audit must run.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelvet_core::card::{audit, AuditOptions};
use modelvet_core::hub::{HttpResponse, HubConfig, HubSession, RepoRef};

fuzz_target!(|data: &[u8]| {
    let Ok(target) = RepoRef::parse(&String::from_utf8_lossy(data.get(..40).unwrap_or(data)), None)
        .or_else(|_| RepoRef::parse("fuzz/model", None))
    else {
        return;
    };
    let Ok(mut session) = HubSession::new(HubConfig::default(), target) else { return };
    let status = data.first().map_or(200, |b| if b % 4 == 0 { 404 } else { 200 });
    let mut steps = 0;
    while session.next_request().is_some() && steps < 100 {
        session.feed(Ok(HttpResponse {
            status,
            headers: vec![("Link".into(), String::from_utf8_lossy(data.get(..64).unwrap_or(data)).into_owned())],
            body: data.to_vec(),
            truncated: false,
        }));
        steps += 1;
    }
    if let Ok(snap) = session.finish() {
        let _ = audit(&snap, &AuditOptions::default());
    }
});
