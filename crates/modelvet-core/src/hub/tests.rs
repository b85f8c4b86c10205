//! Session tests against an in-memory transport serving the recorded fixtures
//! from /work/shared/fixtures/hub (copied under crates/modelvet-testkit/fixtures).
#![allow(clippy::unwrap_used, clippy::panic)]

use super::*;

const INFO: &str = include_str!(
    "../../../modelvet-testkit/fixtures/hub/bert-base-uncased.model-info.dd4bc8b.blobs.json"
);
const TREE: &str = include_str!(
    "../../../modelvet-testkit/fixtures/hub/bert-base-uncased.tree.dd4bc8b.expand.json"
);
const SHA: &str = "dd4bc8b21efa05ec961e3efc4ee5e3832a3679c7";

type Answer = Box<dyn FnMut(&HttpRequest) -> Result<HttpResponse, TransportError>>;

struct Fake {
    log: Vec<HttpRequest>,
    answer: Answer,
}

impl Transport for Fake {
    fn send(&mut self, req: &HttpRequest) -> Result<HttpResponse, TransportError> {
        self.log.push(req.clone());
        (self.answer)(req)
    }
}

fn ok(body: &str, headers: &[(&str, &str)]) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse {
        status: 200,
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect(),
        body: body.as_bytes().to_vec(),
        truncated: false,
    })
}

fn session(endpoint: &str, token: Option<&str>, rev: Option<&str>) -> HubSession {
    let cfg = HubConfig {
        endpoint: endpoint.into(),
        token: token.map(Into::into),
        ..HubConfig::default()
    };
    HubSession::new(
        cfg,
        RepoRef::parse("google-bert/bert-base-uncased", rev).unwrap(),
    )
    .unwrap()
}

#[test]
fn pins_to_sha_paginates_and_scopes_the_token() {
    let tree: Vec<serde_json::Value> = serde_json::from_str(TREE).unwrap();
    let (first, second) = tree.split_at(3);
    let (first, second) = (
        serde_json::to_string(first).unwrap(),
        serde_json::to_string(second).unwrap(),
    );
    let mut fake = Fake {
        log: Vec::new(),
        answer: Box::new(move |req| {
            let u = req.url.as_str();
            if u.contains("/api/models/google-bert/bert-base-uncased/revision/main?") {
                ok(INFO, &[])
            } else if u.ends_with("expand=true") {
                ok(
                    &first,
                    &[("Link", "<https://cdn.example/api/page2>; rel=\"next\"")],
                )
            } else if u == "https://cdn.example/api/page2" {
                ok(&second, &[])
            } else {
                Ok(HttpResponse {
                    status: 404,
                    headers: vec![("X-Error-Code".into(), "EntryNotFound".into())],
                    ..HttpResponse::default()
                })
            }
        }),
    };
    let snap = run_blocking(
        session("https://hub.example/", Some("hf_x"), Some("main")),
        &mut fake,
        |_| {},
    )
    .unwrap();
    assert_eq!(snap.info.sha, SHA);
    assert!(snap.files_from_tree);
    assert_eq!(snap.files.len(), 5);
    // No README at this commit (the fixture's siblings have none): not requested.
    assert_eq!(snap.readme, FileFetch::Absent);
    let urls: Vec<&str> = fake.log.iter().map(|r| r.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://hub.example/api/models/google-bert/bert-base-uncased/revision/main?blobs=true&securityStatus=true",
            "https://hub.example/api/models/google-bert/bert-base-uncased/tree/dd4bc8b21efa05ec961e3efc4ee5e3832a3679c7?recursive=true&expand=true",
            "https://cdn.example/api/page2",
            "https://hub.example/google-bert/bert-base-uncased/resolve/dd4bc8b21efa05ec961e3efc4ee5e3832a3679c7/config.json",
        ]
    );
    let auth = |r: &HttpRequest| r.headers.iter().any(|(k, _)| k == "Authorization");
    assert!(auth(&fake.log[0]) && auth(&fake.log[1]) && auth(&fake.log[3]));
    assert!(!auth(&fake.log[2]), "token leaked to another origin");
    // The config fetch 404'd: the file counts as absent, not as an error.
    assert_eq!(snap.config, FileFetch::Absent);
}

#[test]
fn tree_page_cap_marks_truncation() {
    let mut fake = Fake {
        log: Vec::new(),
        answer: Box::new(|req| {
            if req.url.contains("blobs=true") {
                ok(INFO, &[])
            } else if req.url.contains("/tree/") {
                ok(
                    "[]",
                    &[(
                        "Link",
                        "</api/models/google-bert/bert-base-uncased/tree/x?cursor=1>; rel=\"next\"",
                    )],
                )
            } else {
                ok("{}", &[])
            }
        }),
    };
    let cfg_pages = 3;
    let cfg = HubConfig {
        endpoint: "http://127.0.0.1:9".into(),
        limits: HubLimits {
            max_tree_pages: cfg_pages,
            ..HubLimits::default()
        },
        ..HubConfig::default()
    };
    let s = HubSession::new(
        cfg,
        RepoRef::parse("google-bert/bert-base-uncased", None).unwrap(),
    )
    .unwrap();
    let snap = run_blocking(s, &mut fake, |_| {}).unwrap();
    assert!(snap.tree_truncated);
    let tree_calls = fake.log.iter().filter(|r| r.url.contains("/tree/")).count();
    assert_eq!(tree_calls, cfg_pages as usize);
    assert!(fake.log[2]
        .url
        .starts_with("http://127.0.0.1:9/api/models/"));
}

#[test]
fn fatal_and_soft_failures() {
    let mut limited = Fake {
        log: Vec::new(),
        answer: Box::new(|_| {
            Ok(HttpResponse {
                status: 429,
                headers: vec![("RateLimit".into(), "\"api\";r=0;t=42".into())],
                ..HttpResponse::default()
            })
        }),
    };
    let err = run_blocking(session("https://h", None, None), &mut limited, |_| {}).unwrap_err();
    assert!(matches!(
        err,
        HubError::RateLimited {
            retry_after: Some(42),
            ..
        }
    ));

    let mut offline = Fake {
        log: Vec::new(),
        answer: Box::new(|_| Err(TransportError("connection refused".into()))),
    };
    let err = run_blocking(session("https://h", None, None), &mut offline, |_| {}).unwrap_err();
    assert!(err.to_string().contains("connection refused"));

    // Tree fails with 500: fall back to siblings and note it.
    let mut tree_down = Fake {
        log: Vec::new(),
        answer: Box::new(|req| {
            if req.url.contains("blobs=true") {
                ok(INFO, &[])
            } else if req.url.contains("/tree/") {
                Ok(HttpResponse {
                    status: 500,
                    ..HttpResponse::default()
                })
            } else {
                ok("{\"model_type\":\"bert\"}", &[])
            }
        }),
    };
    let snap = run_blocking(session("https://h", None, None), &mut tree_down, |_| {}).unwrap();
    assert!(!snap.files_from_tree);
    assert_eq!(snap.files.len(), 5);
    assert_eq!(snap.notes.len(), 1);
    assert!(snap.config.text().is_some());

    assert!(matches!(
        HubSession::new(
            HubConfig {
                endpoint: "huggingface.co".into(),
                ..HubConfig::default()
            },
            RepoRef::parse("a/b", None).unwrap()
        ),
        Err(HubError::BadEndpoint(_))
    ));
}
