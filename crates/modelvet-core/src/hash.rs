//! Streaming SHA-256, and the git blob SHA-1 alongside it.
//!
//! The shell feeds chunks in order (file reads, `Blob.slice`s, HTTP bodies);
//! memory stays constant whatever the file size. A stream started with
//! [`Sha256Stream::with_git_blob`] also computes the file's git blob id
//! (`sha1("blob <len>\0" + content)`) from the same chunks, so a file is read
//! once whichever digest a provenance check compares.

use sha2::{Digest, Sha256};

/// Incremental SHA-256 over a stream of chunks.
#[derive(Clone, Default)]
pub struct Sha256Stream {
    hasher: Sha256,
    consumed: u64,
    /// The git blob hash and the length its header announced.
    git: Option<(sha1::Sha1, u64)>,
}

/// The digests of one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamDigests {
    /// SHA-256, 64 lowercase hex.
    pub sha256: String,
    /// Git blob SHA-1, 40 lowercase hex: `None` when it was not asked for, or
    /// when the stream's length differs from the one announced up front (the
    /// file changed while it was read), since the header would then be wrong.
    pub git_sha1: Option<String>,
}

impl Sha256Stream {
    /// A fresh hasher.
    pub fn new() -> Sha256Stream {
        Sha256Stream::default()
    }

    /// A hasher that also computes the git blob id of a stream of `len`
    /// bytes (git's header carries the length before the content).
    pub fn with_git_blob(len: u64) -> Sha256Stream {
        let mut git = sha1::Sha1::new();
        git.update(format!("blob {len}\0").as_bytes());
        Sha256Stream {
            git: Some((git, len)),
            ..Sha256Stream::default()
        }
    }

    /// Feed the next chunk.
    pub fn update(&mut self, chunk: &[u8]) {
        self.hasher.update(chunk);
        if let Some((git, _)) = &mut self.git {
            git.update(chunk);
        }
        self.consumed = self.consumed.saturating_add(chunk.len() as u64);
    }

    /// Bytes consumed so far.
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Finish and return the digest as 64 lowercase hex characters.
    pub fn finalize_hex(self) -> String {
        to_hex(&self.hasher.finalize())
    }

    /// Finish and return every digest computed.
    pub fn finalize_digests(self) -> StreamDigests {
        let consumed = self.consumed;
        let git_sha1 = self
            .git
            .filter(|(_, len)| *len == consumed)
            .map(|(git, _)| to_hex(&git.finalize()));
        StreamDigests {
            sha256: to_hex(&self.hasher.finalize()),
            git_sha1,
        }
    }
}

/// Git blob id of a byte slice, as lowercase hex.
pub fn git_blob_sha1_hex(bytes: &[u8]) -> String {
    let mut h = Sha256Stream::with_git_blob(bytes.len() as u64);
    h.update(bytes);
    h.finalize_digests().git_sha1.unwrap_or_default()
}

/// Whether `s` is a lowercase or uppercase hex SHA-1 digest (a git object id).
pub fn is_sha1_hex(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// SHA-256 of a byte slice, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let mut h = Sha256Stream::new();
    h.update(bytes);
    h.finalize_hex()
}

/// Lowercase hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len().saturating_mul(2));
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Whether `s` is a lowercase or uppercase hex SHA-256 digest.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Test vectors from FIPS 180-2 / NIST CSRC examples.
    #[test]
    fn known_vectors() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
    }

    // Expected ids from `git hash-object` (git 2.x): `printf '' | git hash-object --stdin`
    // is e69de29…, and the id of "hello\n" is ce01362… (both in git's own test suite).
    #[test]
    fn git_blob_ids() {
        assert_eq!(
            git_blob_sha1_hex(b""),
            "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
        );
        assert_eq!(
            git_blob_sha1_hex(b"hello\n"),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
    }

    #[test]
    fn git_blob_needs_the_announced_length() {
        let mut h = Sha256Stream::with_git_blob(5);
        h.update(b"hello\n");
        let d = h.finalize_digests();
        assert_eq!(d.sha256, sha256_hex(b"hello\n"));
        assert_eq!(d.git_sha1, None, "6 bytes were fed after announcing 5");
        let mut plain = Sha256Stream::new();
        plain.update(b"x");
        assert_eq!(plain.finalize_digests().git_sha1, None);
    }

    #[test]
    fn chunking_does_not_change_the_digest() {
        let data: Vec<u8> = (0..10_007u32).map(|i| (i * 31 % 251) as u8).collect();
        let whole = sha256_hex(&data);
        for chunk in [1, 63, 64, 65, 4096, 10_007] {
            let mut h = Sha256Stream::new();
            for c in data.chunks(chunk) {
                h.update(c);
            }
            assert_eq!(h.consumed(), data.len() as u64);
            assert_eq!(h.finalize_hex(), whole, "chunk size {chunk}");
        }
    }
}
