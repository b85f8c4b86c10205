//! Git LFS pointer stubs: what a clone without `git lfs` leaves in place of
//! the content.
//!
//! The format (git-lfs `docs/spec.md`): UTF-8 `key value` lines, each ended by
//! `\n`, `version` first, the other keys sorted, at most 1024 bytes in all:
//!
//! ```text
//! version https://git-lfs.github.com/spec/v1
//! oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393
//! size 12345
//! ```

use crate::hash::is_sha256_hex;

/// Largest pointer file git-lfs reads as a pointer.
pub const MAX_POINTER_BYTES: usize = 1024;

/// A parsed pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LfsPointer {
    /// SHA-256 of the content it stands for, lowercase hex.
    pub sha256: String,
    /// Size of that content.
    pub size: u64,
}

/// Read `bytes` as a pointer; `None` if they are not one (too long, not
/// UTF-8, no `version` line first, no valid `oid sha256:` or `size`).
pub fn parse_pointer(bytes: &[u8]) -> Option<LfsPointer> {
    if bytes.len() > MAX_POINTER_BYTES {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let body = text.strip_suffix('\n')?;
    let mut lines = body.split('\n');
    let version = lines.next()?.strip_prefix("version ")?;
    if !version.starts_with("https://git-lfs.github.com/spec/")
        && version != "https://hawser.github.com/spec/v1"
    {
        return None;
    }
    let (mut sha256, mut size) = (None, None);
    for line in lines {
        let (key, value) = line.split_once(' ')?;
        match key {
            "oid" => {
                let hex = value.strip_prefix("sha256:")?;
                if !is_sha256_hex(hex) || sha256.is_some() {
                    return None;
                }
                sha256 = Some(hex.to_ascii_lowercase());
            }
            "size" => {
                if size.is_some() || value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit())
                {
                    return None;
                }
                size = Some(value.parse::<u64>().ok()?);
            }
            _ => {}
        }
    }
    Some(LfsPointer {
        sha256: sha256?,
        size: size?,
    })
}

/// The content SHA-256 a pointer fact of the scan names (`lfs.pointer`
/// `oid`, `sha256:<hex>`), lowercase.
pub fn oid_sha256(oid: &str) -> Option<String> {
    let hex = oid.strip_prefix("sha256:")?;
    is_sha256_hex(hex).then(|| hex.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    // The pointer of bert-base-uncased's tf_model.h5 at dd4bc8b, as served by
    // `/raw/` (/work/shared/fixtures/hub/http-exchanges.md §2).
    const BERT_TF: &[u8] = b"version https://git-lfs.github.com/spec/v1\n\
oid sha256:a7a17d6d844b5de815ccab5f42cad6d24496db3850a2a43d8258221018ce87d2\n\
size 536063208\n";

    #[test]
    fn reads_a_real_pointer() {
        assert_eq!(BERT_TF.len(), 134, "the tree's pointerSize");
        let p = parse_pointer(BERT_TF).unwrap();
        assert_eq!(
            p.sha256,
            "a7a17d6d844b5de815ccab5f42cad6d24496db3850a2a43d8258221018ce87d2"
        );
        assert_eq!(p.size, 536_063_208);
        // Its git blob id is the tree's `oid` of the file (http-exchanges.md §2).
        assert_eq!(
            crate::hash::git_blob_sha1_hex(BERT_TF),
            "9eb98c817f04b051b3bcca591bcd4e03cec88018"
        );
    }

    #[test]
    fn rejects_what_is_not_a_pointer() {
        let good = std::str::from_utf8(BERT_TF).unwrap();
        let cases = [
            good.trim_end().to_owned(),                       // no final newline
            good.replace("version https://git-lfs", "version http://x"), // other spec
            good.replace("oid sha256:", "oid md5:"),
            good.replace("a7a17d6d", "zzzzzzzz"),
            good.replace("size 536063208", "size -1"),
            good.replace("size 536063208", "size "),
            good.replace("size 536063208\n", ""),
            good.replace("\nsize", "\noid sha256:a7a17d6d844b5de815ccab5f42cad6d24496db3850a2a43d8258221018ce87d2\nsize"),
            format!("{good}{}", "x ".repeat(600)),
        ];
        for case in &cases {
            assert_eq!(parse_pointer(case.as_bytes()), None, "{case:?}");
        }
        assert_eq!(parse_pointer(&[0xff; 10]), None);
        assert_eq!(parse_pointer(b""), None);
    }

    #[test]
    fn oid_facts() {
        assert_eq!(oid_sha256("sha256:AB").as_deref(), None);
        let hex = "A7A17D6D844B5DE815CCAB5F42CAD6D24496DB3850A2A43D8258221018CE87D2";
        assert_eq!(
            oid_sha256(&format!("sha256:{hex}")),
            Some(hex.to_ascii_lowercase())
        );
        assert_eq!(oid_sha256(hex), None);
    }
}
