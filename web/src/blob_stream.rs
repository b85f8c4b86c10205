//! Reading a `Blob` from start to end, for hashing: `Blob.stream()` with a
//! bring-your-own-buffer reader. Every read lands in the same `ArrayBuffer`,
//! which goes to the stream and comes back with the bytes, so nothing is
//! allocated per chunk and memory stays flat however big the file is; and
//! the browser reads ahead while the worker hashes, instead of the worker
//! waiting for each read as it does with `FileReaderSync`.

use crate::js::message_of;
use js_sys::{ArrayBuffer, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, ReadableStreamByobReader};

#[wasm_bindgen]
extern "C" {
    /// `ReadableStreamBYOBReader`, with the `read(view, { min })` form that
    /// `web-sys` does not bind. Browsers without `min` ignore it and return
    /// shorter chunks, which is only slower.
    #[wasm_bindgen(extends = Object)]
    type ByobReader;

    #[wasm_bindgen(method, js_name = read)]
    fn read_with_options(this: &ByobReader, view: &Uint8Array, options: &Object) -> Promise;

    #[wasm_bindgen(method, js_name = cancel)]
    fn cancel(this: &ByobReader) -> Promise;
}

/// The chunks of one blob, in order.
pub struct BlobChunks {
    reader: ByobReader,
    /// The buffer, while it is ours (between reads).
    buffer: Option<ArrayBuffer>,
    options: Object,
    /// The stream ended or failed: nothing to cancel.
    over: bool,
}

impl BlobChunks {
    /// Read `blob` in chunks of `chunk` bytes (the last may be shorter).
    pub fn new(blob: &Blob, chunk: u32) -> Result<BlobChunks, String> {
        let reader = ReadableStreamByobReader::new(&blob.stream())
            .map_err(|e| format!("the browser cannot stream the file: {}", message_of(&e)))?;
        let options = Object::new();
        Reflect::set(&options, &"min".into(), &JsValue::from(chunk.max(1)))
            .map_err(|e| message_of(&e))?;
        Ok(BlobChunks {
            reader: reader.unchecked_into(),
            buffer: Some(ArrayBuffer::new(chunk.max(1))),
            options,
            over: false,
        })
    }

    /// The next chunk, copied into the front of `out` (which must hold a
    /// whole chunk); `Ok(0)` at the end of the blob.
    pub async fn next_into(&mut self, out: &mut [u8]) -> Result<usize, String> {
        let next = self.next(out).await;
        if !matches!(next, Ok(n) if n > 0) {
            self.over = true;
        }
        next
    }

    async fn next(&mut self, out: &mut [u8]) -> Result<usize, String> {
        loop {
            let buffer = self
                .buffer
                .take()
                .ok_or_else(|| "the file can no longer be read".to_owned())?;
            let view = Uint8Array::new(&buffer);
            let read = self.reader.read_with_options(&view, &self.options);
            let result = JsFuture::from(read)
                .await
                .map_err(|e| format!("the browser refused the read: {}", message_of(&e)))?;
            let done = Reflect::get(&result, &"done".into())
                .ok()
                .and_then(|d| d.as_bool())
                .unwrap_or(true);
            let value = Reflect::get(&result, &"value".into())
                .ok()
                .and_then(|v| v.dyn_into::<Uint8Array>().ok());
            let n = match value {
                Some(value) => {
                    let n = value.length() as usize;
                    let dst = out
                        .get_mut(..n)
                        .ok_or_else(|| format!("a chunk of {n} bytes is larger than asked"))?;
                    value.copy_to(dst);
                    self.buffer = Some(value.buffer());
                    n
                }
                None => 0,
            };
            if n > 0 {
                return Ok(n);
            }
            if done {
                return Ok(0);
            }
        }
    }
}

impl Drop for BlobChunks {
    fn drop(&mut self) {
        // Stop the browser reading ahead for a stream nobody will finish.
        if !self.over {
            let _ = self.reader.cancel();
        }
    }
}
