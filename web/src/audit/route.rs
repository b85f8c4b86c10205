//! The view's URL: `#/audit/<repo>@<rev>` permalinks and the `?endpoint=`
//! parameter (so tests and mirrors can point the page at another Hub).

use modelvet_core::hub::repo::{encode_segment, percent_decode};

/// Whether a location hash selects the audit view.
pub fn is_audit_hash(hash: &str) -> bool {
    let h = hash.trim_start_matches('#');
    h == "/audit" || h.starts_with("/audit/")
}

/// The repo (with `@rev` if any) a permalink names, percent-decoded.
pub fn target_of_hash(hash: &str) -> Option<String> {
    let rest = hash.trim_start_matches('#').strip_prefix("/audit/")?;
    let decoded = decode(rest);
    (!decoded.trim().is_empty()).then(|| decoded.trim().to_owned())
}

/// The permalink of an audit: `#/audit/<repo>@<rev>` (`@rev` only if given).
pub fn permalink(repo: &str, revision: Option<&str>) -> String {
    match revision.filter(|r| !r.is_empty()) {
        Some(rev) => format!("#/audit/{repo}@{}", encode_segment(rev)),
        None => format!("#/audit/{repo}"),
    }
}

/// `endpoint` from a `?a=b&endpoint=...` query string.
pub fn endpoint_param(search: &str) -> Option<String> {
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix("endpoint="))
        .map(decode)
        .filter(|e| e.starts_with("http://") || e.starts_with("https://"))
}

/// Form decoding (`+` is a space) on top of the core's percent decoding.
fn decode(s: &str) -> String {
    percent_decode(&s.replace('+', " "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes() {
        assert!(is_audit_hash("#/audit"));
        assert!(is_audit_hash("#/audit/google-bert/bert-base-uncased"));
        assert!(!is_audit_hash("#/auditx"));
        assert!(!is_audit_hash(""));
        assert_eq!(
            target_of_hash("#/audit/google-bert/bert-base-uncased@refs%2Fpr%2F1").as_deref(),
            Some("google-bert/bert-base-uncased@refs/pr/1")
        );
        assert_eq!(target_of_hash("#/audit/"), None);
        assert_eq!(target_of_hash("#/audit"), None);
    }

    #[test]
    fn permalinks_round_trip() {
        let link = permalink("org/model", Some("refs/pr/1"));
        assert_eq!(link, "#/audit/org/model@refs%2Fpr%2F1");
        assert_eq!(
            target_of_hash(&link).as_deref(),
            Some("org/model@refs/pr/1")
        );
        assert_eq!(permalink("org/model", None), "#/audit/org/model");
    }

    #[test]
    fn endpoint_from_query() {
        assert_eq!(
            endpoint_param("?endpoint=http%3A%2F%2F127.0.0.1%3A8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            endpoint_param("?x=1&endpoint=https://hf-mirror.com").as_deref(),
            Some("https://hf-mirror.com")
        );
        assert_eq!(endpoint_param("?endpoint=javascript:alert(1)"), None);
        assert_eq!(endpoint_param(""), None);
    }
}
