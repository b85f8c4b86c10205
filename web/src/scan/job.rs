//! The work a scan worker does for one file: hash it from start to end as a
//! stream, then run the static scanners over it, reading the windows they
//! ask for. Runs inside a Web Worker, so the page stays responsive.

use crate::browser::blob_source::BlobSource;
use crate::browser::blob_stream::BlobChunks;
use crate::scan::state::RowId;
use crate::scan::wire::FromWorker;
use modelvet_core::{scan_artifact_with, ByteSource, ScanHost, ScanOptions, Sha256Stream};

/// Bytes per read while hashing. The worker holds two buffers of this size
/// (the stream's and its copy in wasm memory), whatever the file's size.
pub const READ_CHUNK: u32 = 1024 * 1024;

/// Progress is reported every this many bytes hashed (and at the end).
pub const PROGRESS_STEP: u64 = 8 * 1024 * 1024;

/// Hash and scan `source` as `path`, reporting through `post`.
pub async fn run(
    id: RowId,
    path: &str,
    mut source: BlobSource,
    options: &ScanOptions,
    post: &dyn Fn(&FromWorker),
) {
    let sha256 = match hash(id, &source, post).await {
        Ok(sha256) => sha256,
        Err(message) => {
            post(&FromWorker::Failed { id, message });
            return;
        }
    };
    post(&FromWorker::Hashed { id, sha256 });
    let host = Deadline::after(options.limits.scan.max_seconds);
    let scan = scan_artifact_with(path, &mut source, options, &host);
    post(&FromWorker::Scanned { id, scan });
}

/// The worker's clock for the core: the artifact's wall time
/// (`limits.scan.max_seconds`) from `Date.now()`. Each worker scans one
/// file at a time in its own memory, so it needs no memory gate.
struct Deadline {
    at_ms: f64,
}

impl Deadline {
    fn after(seconds: u32) -> Deadline {
        Deadline {
            at_ms: js_sys::Date::now() + f64::from(seconds) * 1000.0,
        }
    }
}

impl ScanHost for Deadline {
    fn expired(&self) -> bool {
        js_sys::Date::now() >= self.at_ms
    }
}

async fn hash(
    id: RowId,
    source: &BlobSource,
    post: &dyn Fn(&FromWorker),
) -> Result<String, String> {
    let len = source.len();
    let mut hasher = Sha256Stream::new();
    let chunk = u32::try_from(len).map_or(READ_CHUNK, |l| l.clamp(1, READ_CHUNK));
    let mut chunks = BlobChunks::new(source.blob(), chunk)?;
    let mut buf = vec![0u8; chunk as usize];
    let mut offset = 0u64;
    let mut report_at = PROGRESS_STEP;
    loop {
        let n = chunks
            .next_into(&mut buf)
            .await
            .map_err(|e| format!("cannot read at byte {offset}: {e}"))?;
        if n == 0 {
            break;
        }
        hasher.update(buf.get(..n).unwrap_or_default());
        offset = offset.saturating_add(n as u64);
        if offset >= report_at || offset == len {
            post(&FromWorker::Progress { id, hashed: offset });
            report_at = (offset / PROGRESS_STEP)
                .saturating_add(1)
                .saturating_mul(PROGRESS_STEP);
        }
    }
    if offset != len {
        return Err(format!(
            "the file was {len} bytes long when it was dropped but {offset} bytes were read; \
             was it changed in the meantime?"
        ));
    }
    Ok(hasher.finalize_hex())
}
