//! Where a Hub token is kept when the user asks to keep it: in local storage,
//! under a key that names the endpoint origin it was entered for
//! (`modelvet.hub-token@https://huggingface.co`). A token is only ever read
//! back for that origin, so switching the endpoint (or opening a link with
//! `?endpoint=`) never hands a saved token to another host.
//!
//! Older versions kept one unscoped token (`modelvet.hub-token`); nothing
//! says which endpoint it was for, so it is deleted, not migrated.
//!
//! Pure: the storage is the [`KeyValue`] trait, implemented for the browser's
//! `Storage` in the view and for a map in the tests.

use modelvet_core::hub::http::origin_of;

/// The unscoped key of older versions; removed whenever tokens are loaded.
pub const LEGACY_KEY: &str = "modelvet.hub-token";

/// Prefix of the per-origin keys.
const KEY_PREFIX: &str = "modelvet.hub-token@";

/// The few storage operations the token needs.
pub trait KeyValue {
    /// The value under `key`.
    fn get(&self, key: &str) -> Option<String>;
    /// Store `value` under `key`.
    fn set(&self, key: &str, value: &str);
    /// Delete `key`.
    fn remove(&self, key: &str);
}

/// The origin (`scheme://host[:port]`) a token for `endpoint` belongs to.
pub fn origin(endpoint: &str) -> Option<String> {
    origin_of(endpoint.trim())
}

/// The storage key of the token for `endpoint`'s origin; `None` for an
/// endpoint that is not an http(s) URL (no token is stored for it).
pub fn key_for(endpoint: &str) -> Option<String> {
    origin(endpoint).map(|o| format!("{KEY_PREFIX}{o}"))
}

/// The token saved for `endpoint`'s origin, if any. Drops the legacy
/// unscoped token.
pub fn load(store: &impl KeyValue, endpoint: &str) -> Option<String> {
    store.remove(LEGACY_KEY);
    let key = key_for(endpoint)?;
    store.get(&key).filter(|t| !t.trim().is_empty())
}

/// Keep `token` for `endpoint`'s origin (an empty token forgets it). Returns
/// the origin it was saved for.
pub fn save(store: &impl KeyValue, endpoint: &str, token: &str) -> Option<String> {
    let key = key_for(endpoint)?;
    if token.trim().is_empty() {
        store.remove(&key);
        return None;
    }
    store.set(&key, token);
    origin(endpoint)
}

/// Forget the token saved for `endpoint`'s origin (and the legacy one).
pub fn forget(store: &impl KeyValue, endpoint: &str) {
    store.remove(LEGACY_KEY);
    if let Some(key) = key_for(endpoint) {
        store.remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    #[derive(Default)]
    struct Map(RefCell<BTreeMap<String, String>>);

    impl KeyValue for Map {
        fn get(&self, key: &str) -> Option<String> {
            self.0.borrow().get(key).cloned()
        }
        fn set(&self, key: &str, value: &str) {
            self.0.borrow_mut().insert(key.to_owned(), value.to_owned());
        }
        fn remove(&self, key: &str) {
            self.0.borrow_mut().remove(key);
        }
    }

    #[test]
    fn a_token_is_read_back_only_for_its_origin() {
        let store = Map::default();
        assert_eq!(
            save(&store, "https://HuggingFace.co/", "hf_a").as_deref(),
            Some("https://huggingface.co")
        );
        assert_eq!(
            store
                .get("modelvet.hub-token@https://huggingface.co")
                .as_deref(),
            Some("hf_a")
        );
        // Same origin, another spelling: found.
        assert_eq!(
            load(&store, " https://huggingface.co/api ").as_deref(),
            Some("hf_a")
        );
        // Other allowed endpoints never see it.
        for other in [
            "https://hf-mirror.com",
            "http://huggingface.co",
            "https://huggingface.co:8443",
            "http://127.0.0.1:8080",
            "https://evil.huggingface.co",
            "not a url",
        ] {
            assert_eq!(load(&store, other), None, "{other}");
        }
        // One token per origin.
        save(&store, "https://hf-mirror.com", "hf_m");
        assert_eq!(
            load(&store, "https://hf-mirror.com").as_deref(),
            Some("hf_m")
        );
        assert_eq!(
            load(&store, "https://huggingface.co").as_deref(),
            Some("hf_a")
        );
        // Forgetting one keeps the other.
        forget(&store, "https://huggingface.co/");
        assert_eq!(load(&store, "https://huggingface.co"), None);
        assert_eq!(
            load(&store, "https://hf-mirror.com").as_deref(),
            Some("hf_m")
        );
        // An empty token is not kept; no key for an endpoint that is no URL.
        assert_eq!(save(&store, "https://hf-mirror.com", "  "), None);
        assert_eq!(load(&store, "https://hf-mirror.com"), None);
        assert_eq!(save(&store, "huggingface.co", "hf_x"), None);
        assert!(store.0.borrow().is_empty(), "{:?}", store.0.borrow());
    }

    #[test]
    fn the_legacy_unscoped_token_is_dropped() {
        let store = Map::default();
        store.set(LEGACY_KEY, "hf_old");
        assert_eq!(load(&store, "https://huggingface.co"), None);
        assert_eq!(store.get(LEGACY_KEY), None);
        store.set(LEGACY_KEY, "hf_old");
        forget(&store, "https://hf-mirror.com");
        assert_eq!(store.get(LEGACY_KEY), None);
    }
}
