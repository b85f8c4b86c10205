//! Turning a drop or a picker selection into files with relative paths.
//!
//! A dropped folder arrives as a `FileSystemDirectoryEntry`; it is walked
//! recursively, reading *every* batch `readEntries` returns (Chromium hands
//! out at most 100 entries per call). Entries must be taken from the
//! `DataTransfer` while the drop event is being dispatched, so
//! [`take_drop`] is synchronous and [`walk`] is async.

use crate::browser::js::message_of;
use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DataTransfer, File, FileList, FileSystemDirectoryEntry, FileSystemDirectoryReader,
    FileSystemEntry, FileSystemFileEntry,
};

/// A file picked or dropped, with the path the report will show.
#[derive(Debug, Clone)]
pub struct Picked {
    /// Relative path.
    pub path: String,
    /// The file (a handle; its bytes stay on disk).
    pub file: File,
}

/// What a drop carried: entries to walk, and plain files for items that
/// have no entry (e.g. a `DataTransfer` built by a script).
#[derive(Default)]
pub struct Dropped {
    /// File-system entries (files and folders).
    pub entries: Vec<FileSystemEntry>,
    /// Files without an entry.
    pub files: Vec<File>,
}

/// Take what a drop carries (call inside the `drop` handler).
pub fn take_drop(dt: &DataTransfer) -> Dropped {
    let mut out = Dropped::default();
    let items = dt.items();
    for i in 0..items.length() {
        let Some(item) = items.get(i) else {
            continue;
        };
        if item.kind() != "file" {
            continue;
        }
        match item.webkit_get_as_entry() {
            Ok(Some(entry)) => out.entries.push(entry),
            _ => {
                if let Ok(Some(file)) = item.get_as_file() {
                    out.files.push(file);
                }
            }
        }
    }
    if out.entries.is_empty() && out.files.is_empty() {
        if let Some(list) = dt.files() {
            out.files = from_file_list(&list).into_iter().map(|p| p.file).collect();
        }
    }
    out
}

/// Files of an `<input type=file>` (with or without `webkitdirectory`), named
/// by their path relative to the picked folder when there is one.
pub fn from_file_list(list: &FileList) -> Vec<Picked> {
    (0..list.length())
        .filter_map(|i| list.get(i))
        .map(|file| {
            let relative = js_sys::Reflect::get(&file, &JsValue::from_str("webkitRelativePath"))
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            let path = if relative.is_empty() {
                file.name()
            } else {
                relative
            };
            Picked { path, file }
        })
        .collect()
}

/// Walk dropped entries depth-first. Returns the files found, sorted by
/// path, and the entries that could not be read as `(path, message)`.
pub async fn walk(dropped: Dropped) -> (Vec<Picked>, Vec<(String, String)>) {
    let mut files: Vec<Picked> = dropped
        .files
        .into_iter()
        .map(|file| Picked {
            path: file.name(),
            file,
        })
        .collect();
    let mut problems = Vec::new();
    let mut stack = dropped.entries;
    while let Some(entry) = stack.pop() {
        let path = entry_path(&entry);
        if entry.is_directory() {
            let dir: FileSystemDirectoryEntry = entry.unchecked_into();
            match read_all(&dir.create_reader()).await {
                Ok(children) => stack.extend(children),
                Err(message) => problems.push((path, format!("cannot read folder: {message}"))),
            }
        } else if entry.is_file() {
            let entry: FileSystemFileEntry = entry.unchecked_into();
            match file_of(&entry).await {
                Ok(file) => files.push(Picked { path, file }),
                Err(message) => problems.push((path, format!("cannot open file: {message}"))),
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    (files, problems)
}

/// `/folder/sub/file` → `folder/sub/file`.
fn entry_path(entry: &FileSystemEntry) -> String {
    let full = entry.full_path();
    let trimmed = full.trim_start_matches('/');
    if trimmed.is_empty() {
        entry.name()
    } else {
        trimmed.to_owned()
    }
}

/// Every child of a folder: `readEntries` until it returns an empty batch.
async fn read_all(reader: &FileSystemDirectoryReader) -> Result<Vec<FileSystemEntry>, String> {
    let mut all = Vec::new();
    loop {
        let batch = callback_promise(|ok, err| {
            reader
                .read_entries_with_callback_and_callback(ok, err)
                .map_err(|e| message_of(&e))
        })
        .await?;
        let batch: Array = batch.unchecked_into();
        if batch.length() == 0 {
            return Ok(all);
        }
        all.extend(batch.iter().map(JsCast::unchecked_into::<FileSystemEntry>));
    }
}

async fn file_of(entry: &FileSystemFileEntry) -> Result<File, String> {
    let file = callback_promise(|ok, err| {
        entry.file_with_callback_and_callback(ok, err);
        Ok(())
    })
    .await?;
    file.dyn_into::<File>()
        .map_err(|_| "the browser returned no file".to_owned())
}

/// Adapt a success/error callback API to a future.
async fn callback_promise(
    call: impl FnOnce(&Function, &Function) -> Result<(), String>,
) -> Result<JsValue, String> {
    let mut call = Some(call);
    let mut started = Ok(());
    let promise = Promise::new(&mut |resolve, reject| {
        if let Some(call) = call.take() {
            started = call(&resolve, &reject);
        }
    });
    started?;
    JsFuture::from(promise).await.map_err(|e| message_of(&e))
}
