//! Why a Hub request failed, in words a user can act on.

use super::http::{rate_limit_bucket, rate_limit_policy, retry_after_seconds, HttpResponse};
use serde::{Deserialize, Serialize};

/// A failed Hub request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum HubError {
    /// The repo is gated and this request has no approved token.
    #[error("{repo} is gated: {}", if *with_token {
        "the token's account has not been granted access yet; accept the terms on the model page and wait for approval"
    } else {
        "accept the terms on the model page, then give a token of that account (HF_TOKEN)"
    })]
    Gated {
        /// Repo id.
        repo: String,
        /// Whether a token was sent.
        with_token: bool,
    },
    /// Not found, or private and not visible with the credentials sent.
    #[error("{repo} was not found{}", if *with_token {
        " (or the token cannot see it)"
    } else {
        "; if it is private, give a token with read access (HF_TOKEN)"
    })]
    RepoNotFound {
        /// Repo id.
        repo: String,
        /// Whether a token was sent.
        with_token: bool,
    },
    /// The branch, tag or commit does not exist.
    #[error("revision `{revision}` does not exist in {repo}")]
    RevisionNotFound {
        /// Repo id.
        repo: String,
        /// Revision asked for.
        revision: String,
    },
    /// A file does not exist at the pinned commit.
    #[error("{path} does not exist in {repo}")]
    EntryNotFound {
        /// Repo id.
        repo: String,
        /// File path.
        path: String,
    },
    /// The Hub disabled the repo (typically for a policy violation).
    #[error("{repo} is disabled on the Hub: {message}")]
    Disabled {
        /// Repo id.
        repo: String,
        /// The Hub's message.
        message: String,
    },
    /// Too many requests: the Hub's rate-limit window is exhausted.
    #[error("rate limited by the Hub{}{}{}", bucket.as_deref().map(|b| format!(" ({b} bucket)")).unwrap_or_default(),
        retry_after.map(|s| format!(": retry in {s} s")).unwrap_or_else(|| ": retry in a few minutes".to_owned()),
        policy.map(|(q, w)| format!(" (quota {q} requests per {w} s; a token raises it)")).unwrap_or_default())]
    RateLimited {
        /// Seconds until the window resets.
        retry_after: Option<u64>,
        /// `api`, `resolvers` or `pages`.
        bucket: Option<String>,
        /// Quota and window length in seconds.
        policy: Option<(u64, u64)>,
    },
    /// Any other HTTP error.
    #[error("{url} answered HTTP {status}{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Http {
        /// Status code.
        status: u16,
        /// URL requested.
        url: String,
        /// `X-Error-Message`, if any.
        message: Option<String>,
    },
    /// The request never got an answer (offline, DNS, TLS, CORS in a browser).
    #[error("cannot reach {url}: {message} (check the endpoint, the network, or a browser extension blocking it)")]
    Network {
        /// URL requested.
        url: String,
        /// What the transport said.
        message: String,
    },
    /// The answer was not what the Hub API sends.
    #[error("unexpected answer from {url}: {message}")]
    InvalidResponse {
        /// URL requested.
        url: String,
        /// What was wrong.
        message: String,
    },
    /// The session's overall deadline passed before it finished.
    #[error("the audit did not finish within its deadline of {} (it was fetching the {step}); the Hub or the network is too slow: try again later or allow more time", human_ms(*deadline_ms))]
    DeadlineExceeded {
        /// The deadline, in milliseconds.
        deadline_ms: u64,
        /// What was being fetched.
        step: String,
    },
    /// The endpoint setting is not an absolute http(s) URL.
    #[error("endpoint `{0}` is not an http(s) URL such as https://huggingface.co")]
    BadEndpoint(String),
}

/// `120 s`, or `1500 ms` when not a whole number of seconds.
fn human_ms(ms: u64) -> String {
    if ms % 1000 == 0 {
        format!("{} s", ms / 1000)
    } else {
        format!("{ms} ms")
    }
}

impl HubError {
    /// Classify a non-success response using the Hub's `X-Error-Code` and
    /// `X-Error-Message` headers.
    pub(crate) fn from_response(
        resp: &HttpResponse,
        url: &str,
        repo: &str,
        revision: &str,
        path: Option<&str>,
        with_token: bool,
    ) -> HubError {
        let code = resp.header("X-Error-Code").unwrap_or_default();
        let message = resp.header("X-Error-Message").map(str::to_owned);
        if resp.status == 429 {
            return HubError::RateLimited {
                retry_after: retry_after_seconds(resp),
                bucket: rate_limit_bucket(resp),
                policy: rate_limit_policy(resp),
            };
        }
        if message
            .as_deref()
            .is_some_and(|m| m.to_ascii_lowercase().contains("disabled"))
        {
            return HubError::Disabled {
                repo: repo.to_owned(),
                message: message.unwrap_or_default(),
            };
        }
        match code {
            "GatedRepo" => HubError::Gated {
                repo: repo.to_owned(),
                with_token,
            },
            "RepoNotFound" => HubError::RepoNotFound {
                repo: repo.to_owned(),
                with_token,
            },
            "RevisionNotFound" => HubError::RevisionNotFound {
                repo: repo.to_owned(),
                revision: revision.to_owned(),
            },
            "EntryNotFound" => HubError::EntryNotFound {
                repo: repo.to_owned(),
                path: path.unwrap_or_default().to_owned(),
            },
            _ if resp.status == 401 => HubError::RepoNotFound {
                repo: repo.to_owned(),
                with_token,
            },
            _ if resp.status == 404 && path.is_some() => HubError::EntryNotFound {
                repo: repo.to_owned(),
                path: path.unwrap_or_default().to_owned(),
            },
            _ if resp.status == 404 => HubError::RepoNotFound {
                repo: repo.to_owned(),
                with_token,
            },
            _ => HubError::Http {
                status: resp.status,
                url: url.to_owned(),
                message,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, headers: &[(&str, &str)]) -> HttpResponse {
        HttpResponse {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..HttpResponse::default()
        }
    }

    fn classify(r: &HttpResponse, path: Option<&str>, token: bool) -> HubError {
        HubError::from_response(r, "https://h/x", "o/m", "main", path, token)
    }

    #[test]
    fn classifies_hub_error_headers() {
        // Header values from /work/shared/fixtures/hub/http-exchanges.md section 7.
        let gated = resp(
            401,
            &[
                ("X-Error-Code", "GatedRepo"),
                ("X-Error-Message", "Access to model o/m is restricted."),
            ],
        );
        assert!(matches!(
            classify(&gated, Some("config.json"), false),
            HubError::Gated {
                with_token: false,
                ..
            }
        ));
        let gated403 = resp(403, &[("x-error-code", "GatedRepo")]);
        assert!(matches!(
            classify(&gated403, None, true),
            HubError::Gated {
                with_token: true,
                ..
            }
        ));
        let missing = resp(401, &[("X-Error-Code", "RepoNotFound")]);
        assert!(matches!(
            classify(&missing, None, false),
            HubError::RepoNotFound { .. }
        ));
        let entry = resp(404, &[("X-Error-Code", "EntryNotFound")]);
        assert!(matches!(
            classify(&entry, Some("README.md"), false),
            HubError::EntryNotFound { .. }
        ));
        let rev = resp(404, &[("X-Error-Code", "RevisionNotFound")]);
        assert!(matches!(
            classify(&rev, None, false),
            HubError::RevisionNotFound { .. }
        ));
        let disabled = resp(
            403,
            &[("X-Error-Message", "Access to this resource is disabled.")],
        );
        assert!(matches!(
            classify(&disabled, None, false),
            HubError::Disabled { .. }
        ));
        let other = resp(500, &[]);
        assert!(matches!(
            classify(&other, None, false),
            HubError::Http { status: 500, .. }
        ));
    }

    #[test]
    fn rate_limit_message_says_when_to_retry() {
        let r = resp(
            429,
            &[
                ("RateLimit", "\"api\";r=0;t=183"),
                ("RateLimit-Policy", "\"fixed window\";\"api\";q=500;w=300"),
            ],
        );
        let e = classify(&r, None, false);
        assert_eq!(
            e.to_string(),
            "rate limited by the Hub (api bucket): retry in 183 s (quota 500 requests per 300 s; a token raises it)"
        );
        let gated = HubError::Gated {
            repo: "o/m".into(),
            with_token: false,
        };
        assert!(gated.to_string().contains("accept the terms"));
    }
}
