//! Reading a `Blob` from start to end, for hashing: `Blob.stream()` with a
//! bring-your-own-buffer reader. Every read lands in the same `ArrayBuffer`,
//! which goes to the stream and comes back with the bytes, so nothing is
//! allocated per chunk and memory stays flat however big the file is; and
//! the browser reads ahead while the worker hashes, instead of the worker
//! waiting for each read as it does with `FileReaderSync`.
//!
//! The stream hands out what it has (mostly 64 KiB at a time in Chromium);
//! reads go on filling the rest of the buffer until a whole chunk is there,
//! so the hasher is called once per chunk. (`read(view, { min })` would do
//! the same, but several such streams at once were seen to stall in
//! Chromium 156.)

use crate::browser::js::message_of;
use js_sys::{ArrayBuffer, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, ReadableStreamByobReader};

/// The chunks of one blob, in order.
pub struct BlobChunks {
    reader: ReadableStreamByobReader,
    /// The buffer, while it is ours (between reads).
    buffer: Option<ArrayBuffer>,
    /// Its length: one chunk.
    chunk: u32,
    /// The stream ended or failed: nothing to cancel.
    over: bool,
}

impl BlobChunks {
    /// Read `blob` in chunks of `chunk` bytes (the last may be shorter).
    pub fn new(blob: &Blob, chunk: u32) -> Result<BlobChunks, String> {
        let reader = ReadableStreamByobReader::new(&blob.stream())
            .map_err(|e| format!("the browser cannot stream the file: {}", message_of(&e)))?;
        let chunk = chunk.max(1);
        Ok(BlobChunks {
            reader,
            buffer: Some(ArrayBuffer::new(chunk)),
            chunk,
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
        let mut filled = 0u32;
        while filled < self.chunk {
            let buffer = self
                .buffer
                .take()
                .ok_or_else(|| "the file can no longer be read".to_owned())?;
            let view = Uint8Array::new_with_byte_offset_and_length(
                &buffer,
                filled,
                self.chunk.saturating_sub(filled),
            );
            let read = self.reader.read_with_array_buffer_view(&view);
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
            // The bytes are in the buffer the stream gave back; it is ours again.
            if let Some(value) = value {
                self.buffer = Some(value.buffer());
                filled = filled.saturating_add(value.length());
            }
            if done {
                break;
            }
        }
        let n = filled as usize;
        if n == 0 {
            return Ok(0);
        }
        let buffer = self
            .buffer
            .as_ref()
            .ok_or_else(|| "the file can no longer be read".to_owned())?;
        let dst = out
            .get_mut(..n)
            .ok_or_else(|| format!("a chunk of {n} bytes is larger than asked"))?;
        Uint8Array::new_with_byte_offset_and_length(buffer, 0, filled).copy_to(dst);
        Ok(n)
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
