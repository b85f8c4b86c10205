//! The work a scan worker does for one file: hash it in slices, then run the
//! static scanners over it. Runs inside a Web Worker (synchronous reads are
//! allowed there), so the page stays responsive.

use crate::blob_source::BlobSource;
use crate::state::RowId;
use crate::wire::FromWorker;
use modelvet_core::{scan_artifact, ScanOptions, Sha256Stream};

/// Bytes read per slice while hashing. The worker holds one slice at a time.
pub const HASH_CHUNK: u64 = 8 * 1024 * 1024;

/// Hash and scan `source` as `path`, reporting through `post`.
pub fn run(
    id: RowId,
    path: &str,
    mut source: BlobSource,
    options: &ScanOptions,
    post: &dyn Fn(&FromWorker),
) {
    let sha256 = match hash(id, &source, post) {
        Ok(sha256) => sha256,
        Err(message) => {
            post(&FromWorker::Failed { id, message });
            return;
        }
    };
    post(&FromWorker::Hashed { id, sha256 });
    let scan = scan_artifact(path, &mut source, options);
    post(&FromWorker::Scanned {
        id,
        scan: scan.into(),
    });
}

fn hash(id: RowId, source: &BlobSource, post: &dyn Fn(&FromWorker)) -> Result<String, String> {
    use modelvet_core::ByteSource;
    let len = source.len();
    let mut hasher = Sha256Stream::new();
    let mut buf = vec![0u8; usize::try_from(HASH_CHUNK.min(len)).unwrap_or(0)];
    let mut offset = 0u64;
    while offset < len {
        let n = source
            .read_into(offset, &mut buf)
            .map_err(|e| format!("cannot read at byte {offset}: {e}"))?;
        if n == 0 {
            return Err(format!(
                "the file ended at byte {offset} although it was {len} bytes long"
            ));
        }
        hasher.update(buf.get(..n).unwrap_or_default());
        offset = offset.saturating_add(n as u64);
        post(&FromWorker::Progress { id, hashed: offset });
    }
    Ok(hasher.finalize_hex())
}
