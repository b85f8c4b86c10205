//! Streaming SHA-256.
//!
//! The shell feeds chunks in order (file reads, `Blob.slice`s, HTTP bodies);
//! memory stays constant whatever the file size.

use sha2::{Digest, Sha256};

/// Incremental SHA-256 over a stream of chunks.
#[derive(Clone, Default)]
pub struct Sha256Stream {
    hasher: Sha256,
    consumed: u64,
}

impl Sha256Stream {
    /// A fresh hasher.
    pub fn new() -> Sha256Stream {
        Sha256Stream::default()
    }

    /// Feed the next chunk.
    pub fn update(&mut self, chunk: &[u8]) {
        self.hasher.update(chunk);
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
