//! Saving the report and copying hashes: browser conveniences, no network.

use crate::browser::js::message_of;
use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

/// Offer `text` as a download named `name` (through a local `blob:` URL).
pub fn save_json(name: &str, text: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let parts = Array::of1(&JsValue::from_str(text));
    let options = BlobPropertyBag::new();
    options.set_type("application/json");
    let blob =
        Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|e| message_of(&e))?;
    let url = Url::create_object_url_with_blob(&blob).map_err(|e| message_of(&e))?;
    let anchor: HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| message_of(&e))?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    // Revoke once the download has started.
    let revoke = Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&url);
    });
    window
        .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000)
        .map_err(|e| message_of(&e))?;
    Ok(())
}

/// Put `text` on the clipboard (best effort: the browser may refuse).
pub fn copy_text(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}
