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
        || 0,
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
    let snap = run_blocking(s, &mut fake, || 0, |_| {}).unwrap();
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
    let err =
        run_blocking(session("https://h", None, None), &mut limited, || 0, |_| {}).unwrap_err();
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
    let err =
        run_blocking(session("https://h", None, None), &mut offline, || 0, |_| {}).unwrap_err();
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
    let snap = run_blocking(
        session("https://h", None, None),
        &mut tree_down,
        || 0,
        |_| {},
    )
    .unwrap();
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

/// Model info and tree pages for a repo of `n` files: siblings carry the LFS
/// hashes, the tree (in pages of `page` entries, in reverse order) does not.
fn big_repo(n: usize, page: usize) -> (String, Vec<String>) {
    let name = |i: usize| format!("shards/part-{i:06}.safetensors");
    let siblings: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({
                "rfilename": name(i),
                "lfs": { "sha256": format!("{i:064x}"), "size": i },
            })
        })
        .collect();
    let info = serde_json::json!({ "id": "org/big", "sha": SHA, "siblings": siblings });
    let entries: Vec<serde_json::Value> = (0..n)
        .rev()
        .map(|i| serde_json::json!({ "type": "file", "path": name(i), "oid": "x", "size": 7 }))
        .collect();
    let pages = entries
        .chunks(page.max(1))
        .map(|c| serde_json::to_string(c).unwrap())
        .collect();
    (serde_json::to_string(&info).unwrap(), pages)
}

fn pager(info: String, pages: Vec<String>) -> Answer {
    Box::new(move |req| {
        if req.url.contains("blobs=true") {
            return ok(&info, &[]);
        }
        let n: usize = req
            .url
            .split_once("cursor=")
            .and_then(|(_, c)| c.parse().ok())
            .unwrap_or(0);
        match pages.get(n) {
            Some(body) if n + 1 < pages.len() => {
                let next = format!(
                    "</api/models/org/big/tree/x?cursor={}>; rel=\"next\"",
                    n + 1
                );
                ok(body, &[("Link", next.as_str())])
            }
            Some(body) => ok(body, &[]),
            None => ok("[]", &[]),
        }
    })
}

#[test]
fn a_hundred_thousand_files_merge_by_path() {
    // Quadratic merging (a linear search of the siblings per tree entry) takes
    // minutes here; a merge keyed by path takes a fraction of a second.
    let n = 100_000;
    let (info, pages) = big_repo(n, 50_000);
    let mut fake = Fake {
        log: Vec::new(),
        answer: pager(info, pages),
    };
    let s = HubSession::new(
        HubConfig::default(),
        RepoRef::parse("org/big", None).unwrap(),
    )
    .unwrap();
    let snap = run_blocking(s, &mut fake, || 0, |_| {}).unwrap();
    assert!(snap.files_from_tree);
    assert_eq!(snap.files.len(), n);
    assert!(
        snap.files.windows(2).all(|w| w[0].path < w[1].path),
        "sorted by path"
    );
    let last = &snap.files[n - 1];
    assert_eq!(last.path, "shards/part-099999.safetensors");
    // The hash comes from the siblings, the size from the tree.
    assert_eq!(
        last.lfs_sha256.as_deref(),
        Some(format!("{:064x}", n - 1).as_str())
    );
    assert_eq!(last.size, Some(7));
    assert_eq!(
        fake.log.iter().filter(|r| r.url.contains("/tree/")).count(),
        2
    );
}

/// A transport on a simulated clock: every request takes `ms_per_request`.
fn slow_fake(
    clock: &std::rc::Rc<std::cell::Cell<u64>>,
    ms_per_request: u64,
    answer: Answer,
) -> Fake {
    let clock = std::rc::Rc::clone(clock);
    let mut answer = answer;
    Fake {
        log: Vec::new(),
        answer: Box::new(move |req| {
            clock.set(clock.get() + ms_per_request);
            answer(req)
        }),
    }
}

#[test]
fn the_deadline_bounds_the_whole_session() {
    // 40 slow tree pages: each request is under the deadline, their sum is not.
    let (info, pages) = big_repo(40, 1);
    let clock = std::rc::Rc::new(std::cell::Cell::new(0));
    let mut fake = slow_fake(&clock, 10_000, pager(info, pages));
    let cfg = HubConfig {
        limits: HubLimits {
            deadline_ms: 45_000,
            ..HubLimits::default()
        },
        ..HubConfig::default()
    };
    let s = HubSession::new(cfg, RepoRef::parse("org/big", None).unwrap()).unwrap();
    let now = || clock.get();
    let err = run_blocking(s, &mut fake, now, |_| {}).unwrap_err();
    assert_eq!(
        err,
        HubError::DeadlineExceeded {
            deadline_ms: 45_000,
            step: "file list".into()
        }
    );
    assert!(
        err.to_string().contains("within its deadline of 45 s"),
        "{err}"
    );
    // Requests at 0, 10, 20, 30 and 40 s; the answer at 50 s is past the deadline.
    assert_eq!(fake.log.len(), 5);
    // Each request may take only what is left of the deadline.
    let timeouts: Vec<Option<u64>> = fake.log.iter().map(|r| r.timeout_ms).collect();
    assert_eq!(
        timeouts,
        [
            Some(45_000),
            Some(35_000),
            Some(25_000),
            Some(15_000),
            Some(5_000)
        ]
    );
}

#[test]
fn a_late_answer_is_not_used_and_a_finished_session_stays_finished() {
    let (info, pages) = big_repo(3, 10);
    // The model info answer arrives after the deadline: the audit fails, it
    // does not go on with what it got.
    let clock = std::rc::Rc::new(std::cell::Cell::new(0));
    let mut fake = slow_fake(&clock, 2_000, pager(info.clone(), pages.clone()));
    let cfg = HubConfig {
        limits: HubLimits {
            deadline_ms: 1_500,
            ..HubLimits::default()
        },
        ..HubConfig::default()
    };
    let s = HubSession::new(cfg.clone(), RepoRef::parse("org/big", None).unwrap()).unwrap();
    let err = run_blocking(s, &mut fake, || clock.get(), |_| {}).unwrap_err();
    assert!(
        matches!(&err, HubError::DeadlineExceeded { step, .. } if step == "model info"),
        "{err:?}"
    );
    assert!(err.to_string().contains("1500 ms"), "{err}");
    assert_eq!(fake.log.len(), 1);

    // Within the deadline: complete, and a tick after the end changes nothing.
    let mut s = HubSession::new(cfg, RepoRef::parse("org/big", None).unwrap()).unwrap();
    let mut answer = pager(info, pages);
    while let Some(req) = s.next_request() {
        s.tick(100);
        s.feed(answer(&req));
    }
    s.tick(u64::MAX);
    assert!(s.is_finished());
    let snap = s.finish().unwrap();
    assert_eq!(snap.files.len(), 3);
}

#[test]
fn merging_keeps_the_first_entry_of_a_path() {
    let file = |path: &str, size: u64, lfs: Option<&str>| RepoFile {
        path: path.into(),
        size: Some(size),
        lfs_sha256: lfs.map(Into::into),
        ..RepoFile::default()
    };
    let mut tree = std::collections::BTreeMap::new();
    for f in [
        file("b", 1, None),
        file("a", 2, Some("t")),
        file("c", 3, None),
    ] {
        tree.insert(f.path.clone(), f);
    }
    let siblings = [
        file("b", 9, Some("s1")),
        file("b", 9, Some("s2")),
        file("a", 9, Some("s")),
        file("zz", 9, Some("z")),
    ];
    let merged = super::session::merge_files(tree, &siblings);
    let got: Vec<(&str, Option<u64>, Option<&str>)> = merged
        .iter()
        .map(|f| (f.path.as_str(), f.size, f.lfs_sha256.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("a", Some(2), Some("t")),
            ("b", Some(1), Some("s1")),
            ("c", Some(3), None)
        ]
    );
}
