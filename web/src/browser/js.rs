//! Small conversions at the JavaScript boundary.

use wasm_bindgen::{JsCast, JsValue};

/// A human message for a thrown JS value (an `Error`, a `DOMException`, a string).
pub fn message_of(value: &JsValue) -> String {
    if let Some(e) = value.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    if let Some(s) = value.as_string() {
        return s;
    }
    let message = js_sys::Reflect::get(value, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string());
    message.unwrap_or_else(|| "unknown browser error".to_owned())
}
