//! Plain HTTP values exchanged with the shells, and the header grammar the Hub
//! speaks (`Link` pagination, `RateLimit`, `Retry-After`, error headers).

use serde::{Deserialize, Serialize};

/// A request the session wants sent. The shell sends it as is: method, URL and
/// headers (the `Authorization` header is present only for the configured
/// endpoint's origin) and reads at most `max_body` bytes of the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRequest {
    /// Always `GET` for now.
    pub method: String,
    /// Absolute URL.
    pub url: String,
    /// Header name/value pairs.
    pub headers: Vec<(String, String)>,
    /// Stop reading the body after this many bytes and set
    /// [`HttpResponse::truncated`].
    pub max_body: u64,
    /// What the request is for, for progress displays (`model info`, ...).
    pub purpose: String,
    /// Give up on the request after this many milliseconds: what is left of
    /// the session's deadline. The shell may use a shorter timeout of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// Header name/value pairs (names compared case-insensitively).
    pub headers: Vec<(String, String)>,
    /// The body, at most `max_body` bytes.
    pub body: Vec<u8>,
    /// Whether the body was cut at `max_body`.
    pub truncated: bool,
}

impl HttpResponse {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The request could not be made or answered at all (DNS, TLS, refused
/// connection, CORS rejection in a browser, timeout).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TransportError(pub String);

/// Sends one request and waits for the answer: the blocking shells (CLI,
/// tests) implement this; the browser drives [`super::HubSession`] directly.
pub trait Transport {
    /// Send `req`, read at most `req.max_body` bytes of the body.
    fn send(&mut self, req: &HttpRequest) -> Result<HttpResponse, TransportError>;
}

/// `scheme://host[:port]` of an absolute URL, lowercased; `None` if the URL
/// is not absolute http(s).
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Credentials in the authority would make origin comparison ambiguous.
    if host.is_empty() || host.contains('@') {
        return None;
    }
    Some(format!("{scheme}://{}", host.to_ascii_lowercase()))
}

/// The `rel="next"` target of an RFC 8288 `Link` header, if any.
pub fn link_next(link: &str) -> Option<String> {
    for part in link.split(',') {
        let part = part.trim();
        let Some(end) = part.find('>') else { continue };
        let target = part.get(1..end)?;
        let params = part.get(end.saturating_add(1)..).unwrap_or_default();
        let is_next = params.split(';').any(|p| {
            let p = p.trim().replace(' ', "");
            p.eq_ignore_ascii_case("rel=\"next\"") || p.eq_ignore_ascii_case("rel=next")
        });
        if part.starts_with('<') && is_next {
            return Some(target.to_owned());
        }
    }
    None
}

/// Seconds until a rate-limit window resets: `t=` of the IETF `RateLimit`
/// header (`"api";r=0;t=183`), else a numeric `Retry-After`.
pub fn retry_after_seconds(resp: &HttpResponse) -> Option<u64> {
    let from_ratelimit = resp.header("RateLimit").and_then(|v| {
        v.split(';')
            .filter_map(|p| p.trim().strip_prefix("t="))
            .find_map(|t| t.trim().parse::<u64>().ok())
    });
    from_ratelimit.or_else(|| {
        resp.header("Retry-After")
            .and_then(|v| v.trim().parse::<u64>().ok())
    })
}

/// The bucket named in a `RateLimit` header (`api`, `resolvers`, `pages`).
pub fn rate_limit_bucket(resp: &HttpResponse) -> Option<String> {
    let v = resp.header("RateLimit")?;
    let first = v.split(';').next()?.trim().trim_matches('"');
    (!first.is_empty()).then(|| first.to_owned())
}

/// The quota and window of a `RateLimit-Policy` header (`q=500;w=300`).
pub fn rate_limit_policy(resp: &HttpResponse) -> Option<(u64, u64)> {
    let v = resp.header("RateLimit-Policy")?;
    let get = |key: &str| {
        v.split(';')
            .filter_map(|p| p.trim().strip_prefix(key))
            .find_map(|n| n.trim().parse::<u64>().ok())
    };
    Some((get("q=")?, get("w=")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(headers: &[(&str, &str)]) -> HttpResponse {
        HttpResponse {
            status: 429,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..HttpResponse::default()
        }
    }

    #[test]
    fn origins() {
        assert_eq!(
            origin_of("https://HuggingFace.co/api/models/x").as_deref(),
            Some("https://huggingface.co")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8080?x").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(origin_of("ftp://x/y"), None);
        assert_eq!(origin_of("https://user@evil/"), None);
        assert_eq!(origin_of("/relative"), None);
    }

    #[test]
    fn link_header() {
        let v = "<https://huggingface.co/api/models/a/b/tree/main?cursor=abc>; rel=\"next\"";
        assert_eq!(
            link_next(v).as_deref(),
            Some("https://huggingface.co/api/models/a/b/tree/main?cursor=abc")
        );
        let two = "<https://x/prev>; rel=\"prev\", <https://x/next>; rel=next";
        assert_eq!(link_next(two).as_deref(), Some("https://x/next"));
        assert_eq!(link_next("<https://x/prev>; rel=\"prev\""), None);
        assert_eq!(link_next("garbage"), None);
    }

    #[test]
    fn rate_limit_headers_from_http_exchanges_md() {
        // /work/shared/fixtures/hub/http-exchanges.md section 8.
        let r = resp(&[
            ("RateLimit", "\"api\";r=0;t=183"),
            ("RateLimit-Policy", "\"fixed window\";\"api\";q=500;w=300"),
        ]);
        assert_eq!(retry_after_seconds(&r), Some(183));
        assert_eq!(rate_limit_bucket(&r).as_deref(), Some("api"));
        assert_eq!(rate_limit_policy(&r), Some((500, 300)));
        assert_eq!(retry_after_seconds(&resp(&[("retry-after", "7")])), Some(7));
        assert_eq!(retry_after_seconds(&resp(&[])), None);
    }
}
