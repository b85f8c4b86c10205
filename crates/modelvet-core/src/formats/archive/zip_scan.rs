//! Scanning a zip: refine it to a PyTorch checkpoint, TorchScript archive,
//! Keras archive, `.npz` or generic zip, then scan every member by content.

use super::zip::{self, MemberData, ZipDirectory, ZipEntry};
use crate::format::{self, Format, Sniff};
use crate::scan::ScanCtx;
use crate::source::{read_window, ByteSource, ReadError, Window};

/// What a zip holds, from its member names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The refined format.
    pub format: Format,
    /// PyTorch's record prefix (the top-level directory, e.g. `archive`).
    pub torch_prefix: Option<String>,
}

/// Decide what kind of zip `dir` is. PyTorch's reader takes the record
/// prefix from the first entry's top-level directory and looks records up
/// under it (`<prefix>/data.pkl`).
pub fn classify(dir: &ZipDirectory) -> Layout {
    let files: Vec<&ZipEntry> = dir.entries.iter().filter(|e| !e.is_dir()).collect();
    let prefix = dir
        .entries
        .first()
        .and_then(|e| e.name.split_once('/'))
        .map(|(p, _)| p.to_owned());
    if let Some(p) = &prefix {
        let has = |n: &str| dir.find(&format!("{p}/{n}")).is_some();
        if has("data.pkl") {
            let code = format!("{p}/code/");
            let script = has("constants.pkl") || files.iter().any(|e| e.name.starts_with(&code));
            return Layout {
                format: if script {
                    Format::Torchscript
                } else {
                    Format::PytorchZip
                },
                torch_prefix: prefix,
            };
        }
    }
    let format = if dir.find("config.json").is_some() && dir.find("metadata.json").is_some() {
        Format::Keras
    } else if !files.is_empty() && files.iter().all(|e| e.name.ends_with(".npy")) {
        Format::Npz
    } else {
        Format::Zip
    };
    Layout {
        format,
        torch_prefix: None,
    }
}

/// Formats worth scanning when they turn up where raw tensor bytes belong.
fn suspicious_in_storage(f: Format) -> bool {
    !matches!(
        f,
        Format::Unknown | Format::Text | Format::Json | Format::Empty | Format::Npy
    )
}

/// Scan a zip file and every member in it.
pub fn scan(src: &mut dyn ByteSource, ctx: &mut ScanCtx<'_>) -> Result<Format, ReadError> {
    let Some(dir) = zip::read_directory(src, ctx)? else {
        return scan_as_not_zip(src, ctx);
    };
    scan_directory(src, dir, true, ctx)
}

/// A file read as something else from byte 0 (a pickle) whose tail holds an
/// end-of-central-directory record: readers that find a zip from its end
/// (`zipfile`) see one. If a directory can be read, its members are scanned
/// too (and the zip's own findings, such as `zip-prefixed-data`, raised); a
/// stray `PK\x05\x06` with no readable directory is nothing to those readers
/// and is left alone. Returns whether there was a zip view.
pub fn scan_zip_view(src: &mut dyn ByteSource, ctx: &mut ScanCtx<'_>) -> Result<bool, ReadError> {
    let tail_len = src.len().min(u64::from(ctx.limits().scan.sniff_tail_bytes));
    let tail_at = src.len().saturating_sub(tail_len);
    let tail = read_window(src, tail_at, tail_len)?;
    if memchr::memmem::find(&tail, b"PK\x05\x06").is_none() {
        return Ok(false);
    }
    let mut issues = Vec::new();
    let Some(dir) = zip::parse_directory(src, ctx, &mut issues)? else {
        return Ok(false);
    };
    // An empty directory (an empty zip's 22 bytes kept as data) gives a zip
    // reader nothing to load.
    if dir.entries.is_empty() {
        return Ok(false);
    }
    for issue in issues {
        issue.report(ctx);
    }
    ctx.fact(
        "zip_view",
        serde_json::json!({ "entries": dir.entries.len() }),
    );
    // The bytes around the zip are what the caller is scanning already.
    scan_directory(src, dir, false, ctx)?;
    Ok(true)
}

fn scan_directory(
    src: &mut dyn ByteSource,
    dir: ZipDirectory,
    scan_prefix: bool,
    ctx: &mut ScanCtx<'_>,
) -> Result<Format, ReadError> {
    let layout = classify(&dir);
    ctx.fact(
        "zip",
        serde_json::json!({
            "entries": dir.entries.len(),
            "zip64": dir.zip64,
            "prefix_bytes": dir.prefix_len,
            "kind": layout.format.as_str(),
        }),
    );
    if dir.prefix_len > 0 && scan_prefix {
        let mut w = Window::new(src, 0, dir.prefix_len);
        ctx.scan_nested("<bytes before the zip>", &mut w);
    }
    if dir.end < src.len() && scan_prefix {
        let len = src.len() - dir.end;
        let mut w = Window::new(src, dir.end, len);
        ctx.scan_nested("<bytes after the zip>", &mut w);
    }
    if let Some(prefix) = &layout.torch_prefix {
        super::torch::check_zip_records(&dir, prefix, layout.format, ctx);
    }
    let mut skip: &[&str] = &[];
    if layout.format == Format::Keras {
        crate::scan::scan_keras_archive(src, &dir, ctx)?;
        skip = &["config.json", "metadata.json"];
    }
    let storage = layout.torch_prefix.as_ref().map(|p| format!("{p}/data/"));
    let script_pickles = torchscript_pickles(&dir, &layout);
    // `torch.load` unpickles `<prefix>/data.pkl`, picked by name, whatever
    // its content.
    let data_pickle = layout
        .torch_prefix
        .as_ref()
        .filter(|_| script_pickles.is_empty())
        .map(|p| format!("{p}/data.pkl"));
    let mut budget = ctx.limits().archive.max_total_bytes;
    let mut skipped_storages = 0u64;
    let mut formats: std::collections::BTreeMap<&'static str, u64> = Default::default();
    for entry in &dir.entries {
        if ctx.budget_spent() {
            break;
        }
        if entry.is_dir() || skip.contains(&entry.name.as_str()) {
            continue;
        }
        let Some(data) = zip::member_data(src, entry, ctx, &mut budget, false)? else {
            continue;
        };
        let is_storage = storage.as_ref().is_some_and(|s| entry.name.starts_with(s));
        let is_script_pickle = script_pickles.contains(&entry.name);
        let is_data_pickle = data_pickle.as_deref() == Some(entry.name.as_str());
        let mut stored;
        let mut inflated;
        let (member, held): (&mut dyn ByteSource, u64) = match data {
            MemberData::Stored { offset, len } => {
                stored = Window::new(src, offset, len);
                (&mut stored, 0)
            }
            MemberData::Inflated(v) => {
                inflated = v;
                let held = inflated.len();
                (&mut inflated, held)
            }
        };
        if is_storage && !storage_needs_scan(member, &entry.name, ctx)? {
            skipped_storages = skipped_storages.saturating_add(1);
            continue;
        }
        let f = ctx.holding(held, |ctx| {
            if is_script_pickle {
                Ok(scan_loader_pickle(&entry.name, member, true, ctx))
            } else if is_data_pickle {
                Ok(scan_loader_pickle(&entry.name, member, false, ctx))
            } else {
                Ok::<_, ReadError>(ctx.scan_nested(&entry.name, member))
            }
        })?;
        count(&mut formats, f);
    }
    ctx.fact("zip_member_formats", serde_json::json!(formats));
    if storage.is_some() {
        ctx.fact("pytorch_storages", serde_json::json!(skipped_storages));
    }
    Ok(layout.format)
}

/// The members `torch.jit.load` unpickles with TorchScript's C++ unpickler.
/// `torch.load` hands an archive to `torch.jit.load` only when it holds
/// `constants.pkl` (`_is_torchscript_zip`); without it, `data.pkl` is read by
/// Python's unpickler and gets no TorchScript treatment.
fn torchscript_pickles(dir: &ZipDirectory, layout: &Layout) -> Vec<String> {
    let Some(prefix) = layout.torch_prefix.as_deref() else {
        return Vec::new();
    };
    let constants = format!("{prefix}/constants.pkl");
    if layout.format != Format::Torchscript || dir.find(&constants).is_none() {
        return Vec::new();
    }
    vec![format!("{prefix}/data.pkl"), constants]
}

/// Scan a member that the loader picks by name and unpickles, whatever its
/// content: `data.pkl` for `torch.load`, `data.pkl` and `constants.pkl` with
/// TorchScript's unpickler for `torch.jit.load`.
fn scan_loader_pickle(
    name: &str,
    src: &mut dyn ByteSource,
    torchscript: bool,
    ctx: &mut ScanCtx<'_>,
) -> Option<Format> {
    let options = crate::formats::pickle::StreamOptions {
        torchscript,
        ..Default::default()
    };
    let result = ctx.in_member(name, |ctx| {
        crate::formats::pickle::scan_stream(src, ctx, &options)
    })?;
    if let Err(e) = result {
        ctx.error(format!("`{name}`: {e}"));
    }
    Some(Format::Pickle)
}

fn count(formats: &mut std::collections::BTreeMap<&'static str, u64>, f: Option<Format>) {
    if let Some(f) = f {
        let n = formats.entry(f.as_str()).or_insert(0);
        *n = n.saturating_add(1);
    }
}

/// Tensor storages are raw bytes; scan one only if its content is a format
/// of its own (a pickle, an archive, an executable).
fn storage_needs_scan(
    src: &mut dyn ByteSource,
    name: &str,
    ctx: &ScanCtx<'_>,
) -> Result<bool, ReadError> {
    let head = read_window(src, 0, 512)?;
    let tail_len = src.len().min(u64::from(ctx.limits().scan.sniff_tail_bytes));
    // Only the head matters for the magic numbers that count here; the tail
    // is looked at so that a zip hidden in a storage is found too.
    let tail_at = src.len().saturating_sub(tail_len);
    let tail = read_window(src, tail_at, tail_len)?;
    let f = format::sniff(&Sniff {
        head: &head,
        tail: &tail,
        len: src.len(),
        path: name,
    });
    // No loader unpickles a storage: a pickle there must look like one
    // beyond doubt (raw tensor bytes now and then pass the loader's test).
    if f == Format::Pickle {
        return Ok(crate::formats::pickle::sniff_confident(&head, src.len()));
    }
    Ok(suspicious_in_storage(f))
}

/// The file was taken for a zip because an end record appears in its tail,
/// but no directory could be read. Loaders that check the first bytes (as
/// `torch.load` does) see something else: scan it as what its head says, so a
/// stray `PK\x05\x06` cannot hide a pickle.
fn scan_as_not_zip(src: &mut dyn ByteSource, ctx: &mut ScanCtx<'_>) -> Result<Format, ReadError> {
    let head = read_window(src, 0, u64::from(ctx.limits().scan.sniff_head_bytes))?;
    if head.starts_with(b"PK\x03\x04") {
        return Ok(Format::Zip);
    }
    let by_head = format::sniff(&Sniff {
        head: &head,
        tail: &[],
        len: src.len(),
        path: ctx.current_name(),
    });
    use crate::formats;
    match by_head {
        Format::Zip | Format::Unknown | Format::Empty => Ok(Format::Zip),
        Format::Pickle => formats::pickle::scan(by_head, src, ctx),
        Format::Npy => formats::numpy::scan(by_head, src, ctx),
        Format::Safetensors | Format::Gguf | Format::Tflite | Format::FlaxMsgpack => {
            formats::tensors::scan(by_head, src, ctx)
        }
        Format::Onnx | Format::Hdf5 | Format::TfSavedModel => {
            formats::graphs::scan(by_head, src, ctx)
        }
        f if f.can_execute_code()
            || matches!(
                f,
                Format::Gzip
                    | Format::Bzip2
                    | Format::Xz
                    | Format::Lz4
                    | Format::Zstd
                    | Format::Tar
            ) =>
        {
            super::scan(f, src, ctx)
        }
        other => formats::repo::scan(other, src, ctx),
    }
}
