//! A tiny Hub look-alike that serves recorded responses, so Hub audits can be
//! tested without the network (Rust tests start it in-process; browser tests
//! run the `modelvet-replay` binary).
//!
//! It speaks just enough HTTP/1.1 (one request per connection,
//! `Connection: close`) on the Hub's paths:
//!
//! - `GET /api/models/{id}` and `/api/models/{id}/revision/{rev}`: model info;
//! - `GET /api/models/{id}/tree/{rev}?...&cursor=N`: the file list, paged with
//!   `Link: <...>; rel="next"` like the Hub;
//! - `GET /{id}/resolve/{rev}/{path}`: file content, with `Range` support;
//! - `OPTIONS *`: CORS preflight.
//!
//! Errors carry the Hub's `X-Error-Code` / `X-Error-Message` headers; gated
//! files need a granted token; a rate-limit plan answers 429 with
//! `RateLimit`, `RateLimit-Policy` and `Retry-After`; a delay makes every
//! answer slow. Every response has CORS
//! headers so a page on another origin can read it.

pub mod standard;

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Largest request head accepted.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Who may read a repo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Everyone.
    Open,
    /// Metadata for everyone; files only with a granted token.
    Gated,
    /// Nothing without a granted token (answers like a missing repo).
    Private,
    /// The Hub disabled it.
    Disabled,
}

/// One commit of a repo.
#[derive(Debug, Clone)]
pub struct Commit {
    /// 40-hex sha.
    pub sha: String,
    /// Model info (`sha` inside should match).
    pub info: Value,
    /// Tree entries; built from `siblings` when `None`.
    pub tree: Option<Vec<Value>>,
    /// File contents by path.
    pub files: Vec<(String, Vec<u8>)>,
}

/// A repo served by the replay server.
#[derive(Debug, Clone)]
pub struct Repo {
    /// `namespace/name`.
    pub id: String,
    /// Commits.
    pub commits: Vec<Commit>,
    /// Branch/tag name to sha; the default branch is `main`.
    pub refs: Vec<(String, String)>,
    /// Access.
    pub access: Access,
}

/// What the server serves and how.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Repos.
    pub repos: Vec<Repo>,
    /// Tree entries per page.
    pub page_size: usize,
    /// Tokens that may read gated and private repos.
    pub granted_tokens: Vec<String>,
    /// Answer the first N requests (preflights excluded) with 429.
    pub rate_limited_requests: u32,
    /// Seconds until the rate-limit window resets (`t=` of `RateLimit`).
    pub retry_after: u64,
    /// Wait this many milliseconds before answering each request (preflights
    /// excluded): a slow Hub, to test deadlines.
    pub delay_ms: u64,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            repos: Vec::new(),
            page_size: 50,
            granted_tokens: Vec::new(),
            rate_limited_requests: 0,
            retry_after: 183,
            delay_ms: 0,
        }
    }
}

/// A request the server saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Method.
    pub method: String,
    /// Path and query.
    pub target: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
}

/// A running server; stops when dropped.
pub struct ReplayServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<Seen>>>,
    thread: Option<JoinHandle<()>>,
}

impl ReplayServer {
    /// Serve `scenario` on `127.0.0.1:port` (0 picks a free port).
    pub fn start(scenario: Scenario, port: u16) -> std::io::Result<ReplayServer> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::new(Shared {
            scenario,
            counter: AtomicU32::new(0),
            seen: Arc::clone(&seen),
            origin: format!("http://{addr}"),
        });
        let stop2 = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let shared = Arc::clone(&shared);
                        std::thread::spawn(move || {
                            let _ = handle(stream, &shared);
                        });
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                    Err(_) => break,
                }
            }
        });
        Ok(ReplayServer {
            addr,
            stop,
            seen,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests seen so far (preflights included).
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Block until stopped (the binary's main loop).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ReplayServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Shared {
    scenario: Scenario,
    counter: AtomicU32,
    seen: Arc<Mutex<Vec<Seen>>>,
    origin: String,
}

struct Request {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn new(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    fn json(value: &Value) -> Response {
        let mut r = Response::new(200);
        r.body = serde_json::to_vec_pretty(value).unwrap_or_default();
        r.header("Content-Type", "application/json; charset=utf-8")
    }

    fn error(status: u16, code: Option<&str>, message: &str) -> Response {
        let mut r = Response::new(status);
        if let Some(code) = code {
            r.headers.push(("X-Error-Code".into(), code.into()));
        }
        r.headers.push(("X-Error-Message".into(), message.into()));
        r.body = serde_json::to_vec(&serde_json::json!({ "error": message })).unwrap_or_default();
        r.header("Content-Type", "application/json; charset=utf-8")
    }

    fn header(mut self, k: &str, v: &str) -> Response {
        self.headers.push((k.to_owned(), v.to_owned()));
        self
    }
}

fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<Request>> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.take(MAX_HEAD_BYTES as u64));
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (target.clone(), String::new()),
    };
    Ok(Some(Request {
        method,
        path,
        query,
        headers,
    }))
}

fn handle(mut stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let Some(req) = read_request(&mut stream)? else {
        return Ok(());
    };
    if let Ok(mut seen) = shared.seen.lock() {
        seen.push(Seen {
            method: req.method.clone(),
            target: if req.query.is_empty() {
                req.path.clone()
            } else {
                format!("{}?{}", req.path, req.query)
            },
            authorization: req.header("Authorization").map(str::to_owned),
        });
    }
    if req.method != "OPTIONS" && shared.scenario.delay_ms > 0 {
        std::thread::sleep(std::time::Duration::from_millis(shared.scenario.delay_ms));
    }
    let resp = route(&req, shared);
    write_response(&mut stream, &req, resp)
}

fn write_response(stream: &mut TcpStream, req: &Request, resp: Response) -> std::io::Result<()> {
    let reason = match resp.status {
        200 => "OK",
        204 => "No Content",
        206 => "Partial Content",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        _ => "Status",
    };
    let origin = req.header("Origin").unwrap_or("*");
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", resp.status);
    let cors = [
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Allow-Headers", "authorization, range, accept, content-type"),
        ("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"),
        (
            "Access-Control-Expose-Headers",
            "Link, X-Error-Code, X-Error-Message, X-Repo-Commit, RateLimit, RateLimit-Policy, Retry-After, Content-Range, Accept-Ranges, ETag",
        ),
        ("Access-Control-Max-Age", "86400"),
        ("Vary", "Origin"),
    ];
    for (k, v) in cors.iter() {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    for (k, v) in &resp.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let body: &[u8] = if req.method == "HEAD" {
        &[]
    } else {
        &resp.body
    };
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        resp.body.len()
    ));
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (c, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn granted(req: &Request, shared: &Shared) -> (bool, bool) {
    let token = req
        .header("Authorization")
        .and_then(|a| a.strip_prefix("Bearer "))
        .map(str::trim);
    let ok = token.is_some_and(|t| shared.scenario.granted_tokens.iter().any(|g| g == t));
    (token.is_some(), ok)
}

fn route(req: &Request, shared: &Shared) -> Response {
    if req.method == "OPTIONS" {
        return Response::new(204);
    }
    if req.method != "GET" && req.method != "HEAD" {
        return Response::error(405, None, "method not allowed");
    }
    let n = shared.counter.fetch_add(1, Ordering::SeqCst);
    if n < shared.scenario.rate_limited_requests {
        let bucket = if req.path.contains("/resolve/") {
            "resolvers"
        } else {
            "api"
        };
        let t = shared.scenario.retry_after;
        return Response::error(
            429,
            None,
            "You have exceeded our hourly quotas for action: api.",
        )
        .header("RateLimit", &format!("\"{bucket}\";r=0;t={t}"))
        .header(
            "RateLimit-Policy",
            &format!("\"fixed window\";\"{bucket}\";q=500;w=300"),
        )
        .header("Retry-After", &t.to_string());
    }
    let segs: Vec<String> = req
        .path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["api", "models", ns, name, rest @ ..] => {
            let id = format!("{ns}/{name}");
            match rest {
                [] => api_info(req, shared, &id, None),
                ["revision", rev] => api_info(req, shared, &id, Some(rev)),
                ["tree", rev, ..] => api_tree(req, shared, &id, rev),
                _ => Response::error(
                    404,
                    None,
                    "Sorry, we can't find the page you are looking for.",
                ),
            }
        }
        [ns, name, "resolve", rev, path @ ..] if !path.is_empty() => {
            resolve(req, shared, &format!("{ns}/{name}"), rev, &path.join("/"))
        }
        _ => Response::error(
            404,
            None,
            "Sorry, we can't find the page you are looking for.",
        ),
    }
}

/// The repo and commit, or the Hub's error for them.
fn lookup<'s>(
    req: &Request,
    shared: &'s Shared,
    id: &str,
    rev: Option<&str>,
    for_files: bool,
) -> Result<(&'s Repo, &'s Commit), Response> {
    let not_found = || {
        Response::error(
            401,
            Some("RepoNotFound"),
            &format!(
                "Repository Not Found for url: {}{}.",
                shared.origin, req.path
            ),
        )
    };
    let repo = shared
        .scenario
        .repos
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(not_found)?;
    let (has_token, ok) = granted(req, shared);
    match repo.access {
        Access::Disabled => {
            return Err(Response::error(
                403,
                None,
                "Access to this resource is disabled.",
            ));
        }
        Access::Private if !ok => return Err(not_found()),
        Access::Gated if for_files && !ok => {
            let (status, message) = if has_token {
                (403, format!("Access to model {id} is restricted and you are not in the authorized list. Visit https://huggingface.co/{id} to ask for access."))
            } else {
                (401, format!("Access to model {id} is restricted. You must have access to it and be authenticated to access it. Please log in."))
            };
            return Err(Response::error(status, Some("GatedRepo"), &message));
        }
        _ => {}
    }
    let rev = rev.unwrap_or("main");
    let sha = repo
        .refs
        .iter()
        .find(|(name, _)| name == rev)
        .map(|(_, sha)| sha.as_str())
        .unwrap_or(rev);
    let commit = repo.commits.iter().find(|c| c.sha == sha).ok_or_else(|| {
        Response::error(
            404,
            Some("RevisionNotFound"),
            &format!("Invalid rev id: {rev}"),
        )
    })?;
    Ok((repo, commit))
}

fn api_info(req: &Request, shared: &Shared, id: &str, rev: Option<&str>) -> Response {
    match lookup(req, shared, id, rev, false) {
        Ok((_, commit)) => Response::json(&commit.info),
        Err(r) => r,
    }
}

fn tree_of(commit: &Commit) -> Vec<Value> {
    if let Some(t) = &commit.tree {
        return t.clone();
    }
    commit
        .info
        .get("siblings")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|s| {
                    let mut e = serde_json::json!({
                        "type": "file",
                        "oid": s.get("blobId").cloned().unwrap_or(Value::Null),
                        "size": s.get("size").cloned().unwrap_or(Value::Null),
                        "path": s.get("rfilename").cloned().unwrap_or(Value::Null),
                    });
                    if let (Some(lfs), Some(obj)) = (s.get("lfs"), e.as_object_mut()) {
                        obj.insert(
                            "lfs".into(),
                            serde_json::json!({
                                "oid": lfs.get("sha256").cloned().unwrap_or(Value::Null),
                                "size": lfs.get("size").cloned().unwrap_or(Value::Null),
                                "pointerSize": lfs.get("pointerSize").cloned().unwrap_or(Value::Null),
                            }),
                        );
                    }
                    e
                })
                .collect()
        })
        .unwrap_or_default()
}

fn api_tree(req: &Request, shared: &Shared, id: &str, rev: &str) -> Response {
    let (_, commit) = match lookup(req, shared, id, Some(rev), false) {
        Ok(found) => found,
        Err(r) => return r,
    };
    let cursor: usize = req
        .query
        .split('&')
        .find_map(|kv| kv.strip_prefix("cursor="))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let entries = tree_of(commit);
    let size = shared.scenario.page_size.max(1);
    let page: Vec<Value> = entries.iter().skip(cursor).take(size).cloned().collect();
    let mut resp = Response::json(&Value::Array(page));
    let next = cursor + size;
    if next < entries.len() {
        let base_query: Vec<&str> = req
            .query
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("cursor="))
            .collect();
        let mut q = base_query.join("&");
        if !q.is_empty() {
            q.push('&');
        }
        let link = format!(
            "<{}{}?{q}cursor={next}>; rel=\"next\"",
            shared.origin, req.path
        );
        resp = resp.header("Link", &link);
    }
    resp
}

fn resolve(req: &Request, shared: &Shared, id: &str, rev: &str, path: &str) -> Response {
    let (_, commit) = match lookup(req, shared, id, Some(rev), true) {
        Ok(found) => found,
        Err(r) => return r,
    };
    let Some((_, content)) = commit.files.iter().find(|(p, _)| p == path) else {
        return Response::error(
            404,
            Some("EntryNotFound"),
            &format!("{path} does not exist on \"{rev}\""),
        );
    };
    let total = content.len();
    let mut resp = Response::new(200)
        .header("X-Repo-Commit", &commit.sha)
        .header("Accept-Ranges", "bytes")
        .header("Content-Type", "text/plain; charset=utf-8");
    match req.header("Range").and_then(|r| parse_range(r, total)) {
        Some(Ok((start, end))) => {
            resp.status = 206;
            resp.body = content[start..=end].to_vec();
            resp.header("Content-Range", &format!("bytes {start}-{end}/{total}"))
        }
        Some(Err(())) => Response::new(416).header("Content-Range", &format!("bytes */{total}")),
        None => {
            resp.body = content.clone();
            resp
        }
    }
}

/// `bytes=a-b`, `bytes=a-`, `bytes=-n`; `Err` when unsatisfiable.
fn parse_range(header: &str, total: usize) -> Option<Result<(usize, usize), ()>> {
    let spec = header.trim().strip_prefix("bytes=")?;
    let (a, b) = spec.split_once('-')?;
    if total == 0 {
        return Some(Err(()));
    }
    let last = total - 1;
    let range = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: usize = n.parse().ok()?;
            (total.saturating_sub(n), last)
        }
        (a, "") => (a.parse().ok()?, last),
        (a, b) => (a.parse().ok()?, b.parse::<usize>().ok()?.min(last)),
    };
    Some(if range.0 > range.1 || range.0 > last {
        Err(())
    } else {
        Ok(range)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(url: &str, headers: &[(&str, &str)]) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let rest = url.strip_prefix("http://").unwrap();
        let (host, path) = rest.split_once('/').unwrap();
        let mut s = TcpStream::connect(host).unwrap();
        let mut req = format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        s.write_all(req.as_bytes()).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.lines();
        let status = lines
            .next()
            .unwrap()
            .split_whitespace()
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let hs = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        (status, hs, raw[split + 4..].to_vec())
    }

    fn h<'a>(hs: &'a [(String, String)], k: &str) -> Option<&'a str> {
        hs.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn serves_pages_ranges_and_errors() {
        let mut scenario = standard::scenario();
        scenario.page_size = 2;
        let server = ReplayServer::start(scenario, 0).unwrap();
        let base = server.url();
        let (status, hs, body) = get(
            &format!("{base}/api/models/google-bert/bert-base-uncased/revision/main"),
            &[],
        );
        assert_eq!(status, 200);
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["sha"], standard::BERT_MAIN_SHA);
        assert_eq!(h(&hs, "Access-Control-Allow-Origin"), Some("*"));

        let tree = format!(
            "{base}/api/models/google-bert/bert-base-uncased/tree/{}?recursive=true&expand=true",
            standard::BERT_OLD_SHA
        );
        let (_, hs, body) = get(&tree, &[]);
        let page: Vec<Value> = serde_json::from_slice(&body).unwrap();
        assert_eq!(page.len(), 2);
        let link = h(&hs, "Link").unwrap();
        assert!(
            link.ends_with("expand=true&cursor=2>; rel=\"next\""),
            "{link}"
        );

        let readme = format!(
            "{base}/google-bert/bert-base-uncased/resolve/{}/README.md",
            standard::BERT_MAIN_SHA
        );
        let (status, hs, body) = get(&readme, &[("Range", "bytes=0-2")]);
        assert_eq!(status, 206);
        assert_eq!(body, b"---");
        assert!(h(&hs, "Content-Range").unwrap().starts_with("bytes 0-2/"));

        let gated = format!("{base}/meta-llama/Llama-3.2-1B/resolve/main/README.md");
        let (status, hs, _) = get(&gated, &[]);
        assert_eq!((status, h(&hs, "X-Error-Code")), (401, Some("GatedRepo")));
        let (status, _, _) = get(&gated, &[("Authorization", "Bearer hf_wrong")]);
        assert_eq!(status, 403);
        let (status, _, _) = get(
            &gated,
            &[(
                "Authorization",
                &format!("Bearer {}", standard::GRANTED_TOKEN),
            )],
        );
        assert_eq!(status, 200);

        let (status, hs, _) = get(&format!("{base}/api/models/nobody/nothing"), &[]);
        assert_eq!(
            (status, h(&hs, "X-Error-Code")),
            (401, Some("RepoNotFound"))
        );
        let (status, hs, _) = get(&format!("{base}/api/models/acme-research/taken-down"), &[]);
        assert_eq!(
            (status, h(&hs, "X-Error-Message")),
            (403, Some("Access to this resource is disabled."))
        );
    }

    #[test]
    fn rate_limits_the_first_requests() {
        let mut scenario = standard::scenario();
        scenario.rate_limited_requests = 1;
        let server = ReplayServer::start(scenario, 0).unwrap();
        let url = format!("{}/api/models/google-bert/bert-base-uncased", server.url());
        let (status, hs, _) = get(&url, &[]);
        assert_eq!(status, 429);
        assert_eq!(h(&hs, "RateLimit"), Some("\"api\";r=0;t=183"));
        assert_eq!(h(&hs, "Retry-After"), Some("183"));
        assert_eq!(get(&url, &[]).0, 200);
    }
}
