//! The browser shell of the Hub session: each request the core asks for is
//! sent with `fetch` (CORS, no cookies, no referrer) and the answer fed back.
//! `fetch` drops `Authorization` on cross-origin redirects (to the CDN), and
//! the core attaches it only to the endpoint's origin.
//!
//! The session's deadline is kept with the page's clock: the session is told
//! the elapsed time before each request and before each answer is fed, and
//! each `fetch` is aborted (`AbortSignal.timeout`) when what is left of the
//! deadline runs out.

use crate::browser::js::message_of;
use modelvet_core::hub::{
    HttpRequest, HttpResponse, HubError, HubSession, HubSnapshot, TransportError,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, ReferrerPolicy, Request, RequestCredentials, RequestInit, RequestMode, Response,
};

/// Send one request.
pub async fn send(req: &HttpRequest) -> Result<HttpResponse, TransportError> {
    let fail = |e: JsValue| {
        TransportError(format!(
            "{} (network error or blocked by CORS)",
            message_of(&e)
        ))
    };
    let init = RequestInit::new();
    init.set_method(&req.method);
    init.set_mode(RequestMode::Cors);
    init.set_credentials(RequestCredentials::Omit);
    init.set_referrer_policy(ReferrerPolicy::NoReferrer);
    if let Some(ms) = req.timeout_ms {
        // Aborts the body read too; the session then reports the deadline.
        let signal = AbortSignal::timeout_with_u32(u32::try_from(ms).unwrap_or(u32::MAX));
        init.set_signal(Some(&signal));
    }
    let request = Request::new_with_str_and_init(&req.url, &init).map_err(fail)?;
    for (k, v) in &req.headers {
        request.headers().set(k, v).map_err(fail)?;
    }
    let window = web_sys::window().ok_or_else(|| TransportError("no window".into()))?;
    let answer = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(fail)?;
    let resp: Response = answer.dyn_into().map_err(fail)?;
    let mut headers = Vec::new();
    if let Ok(Some(iter)) = js_sys::try_iter(&resp.headers()) {
        for pair in iter.flatten() {
            let pair = js_sys::Array::from(&pair);
            if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                headers.push((k, v));
            }
        }
    }
    let status = resp.status();
    let buffer = JsFuture::from(resp.array_buffer().map_err(fail)?)
        .await
        .map_err(fail)?;
    let bytes = js_sys::Uint8Array::new(&buffer);
    let len = u64::from(bytes.length());
    let truncated = len > req.max_body;
    let keep = u32::try_from(len.min(req.max_body)).unwrap_or(u32::MAX);
    let body = bytes.subarray(0, keep).to_vec();
    Ok(HttpResponse {
        status,
        headers,
        body,
        truncated,
    })
}

/// Drive `session` to the end, reporting each step.
pub async fn run(
    mut session: HubSession,
    mut on_step: impl FnMut(&str, u32),
) -> Result<HubSnapshot, HubError> {
    let started = js_sys::Date::now();
    let elapsed_ms = || {
        let ms = (js_sys::Date::now() - started).max(0.0);
        // Saturating float-to-int conversion; the session ignores a clock
        // that goes back.
        ms as u64
    };
    loop {
        session.tick(elapsed_ms());
        let Some(req) = session.next_request() else {
            break;
        };
        on_step(&req.purpose, session.progress().done);
        let answer = send(&req).await;
        session.tick(elapsed_ms());
        session.feed(answer);
    }
    session.finish()
}
