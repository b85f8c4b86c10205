//! What each fuzz target does with its input.
//!
//! The fuzz targets (`fuzz_targets/*.rs`) and the native replay of
//! `fuzz/regressions/` (`crates/modelvet-core/tests/fuzz_regressions.rs`)
//! both include this file, so a regression file runs through exactly the
//! code of its target. Only public APIs of `modelvet-core` are used, so the
//! targets stay valid when the internals change.
//!
//! Besides "no panic", each harness asserts that the output is bounded: a
//! decoder never returns more than its cap, a scan never reports more
//! findings than the limit. Memory and time are bounded by the runner
//! (`-rss_limit_mb`, `-timeout`; see `cargo xtask fuzz`).

#![allow(dead_code)]

use modelvet_core::formats::archive::decompress::{self, Cap, Codec};
use modelvet_core::formats::pynames;
use modelvet_core::hub::http::{link_next, origin_of, retry_after_seconds};
use modelvet_core::hub::{
    HttpRequest, HttpResponse, HubConfig, HubLimits, HubSession, RepoRef, DEFAULT_ENDPOINT,
};
use modelvet_core::{scan_artifact, ArtifactScan, ScanOptions, SliceSource};

/// Every target, by name (the name of its `fuzz_targets/<name>.rs`) as far
/// as it is run through [`run`]. Older targets call their parser directly.
pub const TARGETS: &[&str] = &[
    "scan_any",
    "tar",
    "gzip",
    "bzip2",
    "xz",
    "lzma",
    "lz4",
    "zstd",
    "joblib",
    "hub_links",
    "pynames",
    "provenance_manifest",
];

/// Run `data` through the harness of `target`; `false` if there is none.
pub fn run(target: &str, data: &[u8]) -> bool {
    match target {
        "scan_any" => scan_any(data),
        "tar" => tar(data),
        "gzip" => stream(Codec::Gzip, "fuzz.gz", data),
        "bzip2" => stream(Codec::Bzip2, "fuzz.bz2", data),
        "xz" => stream(Codec::Xz, "fuzz.xz", data),
        "lzma" => stream(Codec::Lzma, "fuzz.lzma", data),
        "lz4" => stream(Codec::Lz4, "fuzz.lz4", data),
        "zstd" => stream(Codec::Zstd, "fuzz.zst", data),
        "joblib" => joblib(data),
        "hub_links" => hub_links(data),
        "pynames" => pynames(data),
        "provenance_manifest" => provenance_manifest(data),
        _ => return false,
    }
    true
}

/// Scan `bytes` as `name` with the default options and check the report is bounded.
pub fn scan(name: &str, bytes: &[u8]) -> ArtifactScan {
    let opts = ScanOptions::default();
    let out = scan_artifact(name, &mut SliceSource::new(bytes), &opts);
    let most = opts.limits.scan.max_findings_per_artifact as usize + 1;
    assert!(
        out.findings.len() <= most,
        "{} findings, more than the limit {most}",
        out.findings.len()
    );
    out
}

// ---------------------------------------------------------------- scan_any

/// File names that steer detection, extension checks and scanners.
pub const NAMES: &[&str] = &[
    "fuzz.bin",
    "pytorch_model.bin",
    "model.pt",
    "model.pth",
    "model.ckpt",
    "model.pkl",
    "model.pickle",
    "model.dill",
    "model.joblib",
    "model.safetensors",
    "model.gguf",
    "model.onnx",
    "arr.npy",
    "arrays.npz",
    "model.keras",
    "model.h5",
    "model.tflite",
    "flax_model.msgpack",
    "saved_model.pb",
    "config.json",
    "tokenizer_config.json",
    "README.md",
    "modeling_custom.py",
    "setup.sh",
    "notebook.ipynb",
    "model.zip",
    "model.tar",
    "model.tar.gz",
    "model.tgz",
    "model.gz",
    "model.bz2",
    "model.xz",
    "model.lzma",
    "model.lz4",
    "model.zst",
    "model.pkl.z",
    "libop.so",
    "tool.exe",
    ".gitattributes",
    "model",
    "a/b/c/model.bin",
    "../../escape.pkl",
    "MODEL.PT",
];

/// The file name and content from the fuzz input: a first byte below
/// `NAMES.len()` picks a name; from `0xc0` the next `b & 0x3f` bytes are an
/// arbitrary name; any other first byte keeps the whole input as `fuzz.bin`
/// (so pickles, zips and GGUF files in the corpus are used unchanged).
pub fn name_and_body(data: &[u8]) -> (String, &[u8]) {
    let Some((&b, rest)) = data.split_first() else {
        return ("fuzz.bin".to_owned(), data);
    };
    if let Some(name) = NAMES.get(usize::from(b)) {
        return ((*name).to_owned(), rest);
    }
    if b >= 0xc0 {
        let n = usize::from(b & 0x3f).min(rest.len());
        let (name, body) = rest.split_at(n);
        return (String::from_utf8_lossy(name).into_owned(), body);
    }
    ("fuzz.bin".to_owned(), data)
}

/// Any bytes, under a name chosen by the input.
pub fn scan_any(data: &[u8]) {
    let (name, body) = name_and_body(data);
    scan(&name, body);
}

// ---------------------------------------------------------------- tar

const BLOCK: usize = 512;

fn octal(f: &[u8]) -> Option<u64> {
    if f.first().is_some_and(|b| b & 0x80 != 0) {
        return f.iter().skip(1).try_fold(0u64, |acc, &b| {
            acc.checked_mul(256)?.checked_add(u64::from(b))
        });
    }
    let s = String::from_utf8_lossy(f);
    let s = s.trim_matches(|c: char| c == '\0' || c == ' ');
    if s.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(s, 8).ok()
}

/// The input with a `ustar` magic in its first header and a correct checksum
/// in every header reached by following the size fields (a fuzzer cannot
/// guess checksums), so mutations reach the members and the size arithmetic.
pub fn tar_fixup(data: &[u8]) -> Vec<u8> {
    let mut v = data.to_vec();
    let mut at = 0usize;
    let mut headers = 0;
    while headers < 64 {
        let Some(h) = v.get_mut(at..at.saturating_add(BLOCK)) else {
            break;
        };
        if h.len() < BLOCK || h.iter().all(|&b| b == 0) {
            break;
        }
        if headers == 0 {
            h[257..265].copy_from_slice(b"ustar\x0000");
        }
        h[148..156].fill(b' ');
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        let Some(size) = octal(&h[124..136]) else {
            break;
        };
        let padded = size.div_ceil(BLOCK as u64).saturating_mul(BLOCK as u64);
        let Some(next) = usize::try_from(padded)
            .ok()
            .and_then(|p| at.checked_add(BLOCK)?.checked_add(p))
        else {
            break;
        };
        at = next;
        headers += 1;
    }
    v
}

/// A tar archive: headers, long names, pax records, members scanned in turn.
pub fn tar(data: &[u8]) {
    let bytes = tar_fixup(data);
    scan("fuzz.tar", &bytes);
}

// ---------------------------------------------------------------- streams

/// The cap of the direct decoder calls: small enough that a bomb is stopped
/// long before the runner's memory limit.
pub const DECODE_CAP: Cap = Cap {
    bytes: 16 << 20,
    limit: None,
    value: 16 << 20,
};

/// One compressed stream: the decoder alone with a cap, then the whole scan
/// (detection by magic, bounded decompression, the content scanned).
pub fn stream(codec: Codec, name: &str, data: &[u8]) {
    let d = decompress::decode(codec, &mut SliceSource::new(data), DECODE_CAP);
    assert!(
        d.bytes.len() as u64 <= DECODE_CAP.bytes,
        "{} decoded {} bytes past its cap",
        codec.name(),
        d.bytes.len()
    );
    scan(name, data);
}

// ---------------------------------------------------------------- joblib

/// Deflate "stored" blocks around `data` (no compression, no dependency).
pub fn deflate_stored(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 65535 * 5 + 5);
    let mut chunks = data.chunks(65535).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        out.push(u8::from(chunks.peek().is_none()));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &x in data {
        crc ^= u32::from(x);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A zlib stream of `data` (stored blocks), as joblib's `zlib` compressor frames it.
pub fn zlib(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    out.extend_from_slice(&deflate_stored(data));
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

/// A gzip member of `data` (stored blocks), as joblib's `gzip` compressor frames it.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend_from_slice(&deflate_stored(data));
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// joblib < 0.10's `ZF` file: `ZF` + the length in hex padded to 19
/// characters (20 for joblib <= 0.8.4 on Python 2) + a zlib stream.
pub fn zf(declared: u64, wide: bool, body: &[u8]) -> Vec<u8> {
    let hex = format!("{declared:#x}");
    let mut out = if wide {
        format!("ZF{hex:<20}")
    } else {
        format!("ZF{hex:<19}")
    }
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// joblib framing: the first byte picks how the rest is wrapped, so the
/// fuzzer mutates the pickle inside a valid frame as well as the frame.
pub fn joblib(data: &[u8]) {
    let (mode, rest) = data.split_first().map_or((0, data), |(m, r)| (*m, r));
    let len = rest.len() as u64;
    let (name, bytes) = match mode % 8 {
        // The frame itself is fuzzed.
        0 => ("model.joblib", rest.to_vec()),
        1 => ("model.joblib", [b"ZF0x", rest].concat()),
        // A valid frame around fuzzed content.
        2 => ("model.joblib", zf(len, false, &zlib(rest))),
        3 => ("model.pkl", zf(len, true, &zlib(rest))),
        4 => ("model.joblib", zlib(rest)),
        5 => ("model.pkl.z", zlib(rest)),
        6 => ("model.joblib", gzip(rest)),
        // A valid header around a fuzzed zlib stream, declaring a huge length.
        _ => ("model.gz", zf(u64::MAX, false, rest)),
    };
    scan(name, &bytes);
}

// ------------------------------------------------------------------ pynames

/// A name through the canonical-name resolver: the first byte picks
/// `resolve_dotted` (even) or `resolve` (odd, module and name split at the
/// first NUL), the rest is the name (lossy UTF-8). At least one target comes
/// back, never more than the limit, each chain bounded.
pub fn pynames(data: &[u8]) {
    let (mode, rest) = data.split_first().map_or((0, data), |(m, r)| (*m, r));
    let text = String::from_utf8_lossy(rest);
    let targets = if mode % 2 == 0 {
        pynames::resolve_dotted(&text)
    } else {
        let (module, name) = text.split_once('\0').unwrap_or((&text, ""));
        pynames::resolve(module, name)
    };
    assert!(!targets.is_empty(), "no target for {text:?}");
    assert!(
        targets.len() <= pynames::MAX_TARGETS + 1,
        "{} targets",
        targets.len()
    );
    for t in &targets {
        assert!(
            t.chain.len() <= pynames::MAX_CHAIN + 1,
            "{} steps",
            t.chain.len()
        );
    }
}

// ---------------------------------------------------------------- provenance

/// Any bytes as a `sha256sum` or JSON manifest (and as an LFS pointer): a
/// parsed manifest has at most the limit of entries, every path is already
/// normal, every digest 64 lowercase hex; comparing it with itself passes.
pub fn provenance_manifest(data: &[u8]) {
    use modelvet_core::provenance::{self, lfs, manifest};
    let limits = manifest::ManifestLimits {
        max_bytes: 1 << 20,
        max_entries: 1000,
    };
    if let Some(p) = lfs::parse_pointer(data) {
        assert_eq!(p.sha256.len(), 64);
    }
    let Ok(m) = manifest::parse(data, &limits) else {
        return;
    };
    assert!(!m.entries.is_empty() && m.entries.len() <= limits.max_entries);
    let mut locals = Vec::new();
    for (path, hex) in &m.entries {
        assert_eq!(
            provenance::normalize_path(path).as_deref(),
            Ok(path.as_str())
        );
        assert!(
            hex.len() == 64
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        locals.push(provenance::LocalFile {
            path: path.clone(),
            sha256: Some(hex.clone()),
            ..provenance::LocalFile::default()
        });
    }
    let set = provenance::ExpectedSet::from_manifest("fuzz", &m);
    let opts = provenance::CompareOptions {
        ignore: provenance::IgnorePaths::default().without_defaults(),
        ..provenance::CompareOptions::default()
    };
    let r = provenance::compare(&set, &locals, &opts);
    assert_eq!(r.verdict, provenance::ProvenanceVerdict::Pass, "{r:?}");
}

// ---------------------------------------------------------------- hub links

/// The token the sessions carry; it must only ever go to the endpoint's origin.
pub const TOKEN: &str = "hf_fuzzsecret";
const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
const MAX_TREE_PAGES: u32 = 6;

/// Scheme and host of a URL as a WHATWG URL parser (browsers, most HTTP
/// clients) reads them, written independently of `origin_of`: tabs and
/// newlines removed, `\` ends the authority like `/`, the host follows the
/// last `@`, default ports dropped.
pub fn whatwg_host(url: &str) -> Option<(String, String)> {
    let url: String = url
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let (scheme, rest) = url.split_once(':')?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let rest = rest.trim_start_matches(['/', '\\']);
    let authority = rest.split(['/', '\\', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    let host = host
        .strip_suffix(default_port)
        .unwrap_or(host)
        .to_ascii_lowercase();
    // A host with control characters or spaces is no URL for a browser: no
    // request is sent at all.
    if host.is_empty() || host.chars().any(|c| c <= ' ' || c == '\u{7f}') {
        return None;
    }
    Some((scheme, host))
}

/// The token goes to the endpoint's origin only, as both readings of the URL agree.
fn check_token(req: &HttpRequest, endpoint: &str) {
    assert!(
        !req.url.contains(TOKEN),
        "the token is in the URL {}",
        req.url
    );
    if req.headers.iter().any(|(k, _)| k == "Authorization") {
        assert_eq!(
            origin_of(&req.url),
            origin_of(endpoint),
            "token sent to {} (endpoint {endpoint})",
            req.url
        );
        let Some(host) = whatwg_host(&req.url) else {
            return;
        };
        assert_eq!(
            Some(host),
            whatwg_host(endpoint),
            "token sent to {}, a different host for a browser (endpoint {endpoint})",
            req.url
        );
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The answer to `req`, steered by one input line: its first byte picks the
/// status, the rest is every header's value (`Link`, `Location`, rate limits).
fn answer(req: &HttpRequest, line: &[u8]) -> HttpResponse {
    let (pick, value) = line.split_first().map_or((0, line), |(p, v)| (*p, v));
    let value = lossy(value);
    let status = match pick {
        0..=199 => 200,
        200..=209 => 301,
        210..=219 => 302,
        220..=229 => 307,
        230..=234 => 401,
        235..=239 => 403,
        240..=244 => 404,
        245..=249 => 429,
        250..=254 => 500,
        _ => 0,
    };
    let body = match req.purpose.as_str() {
        "model info" => format!(
            r#"{{"id":"fuzz/model","sha":"{SHA}","siblings":[{{"rfilename":"README.md"}},{{"rfilename":"config.json"}}]}}"#
        ),
        "file list" => r#"[{"type":"file","path":"README.md","size":1},{"type":"file","path":"config.json","size":2}]"#
            .to_owned(),
        _ => value.clone(),
    };
    let headers = [
        "Link",
        "Location",
        "RateLimit",
        "Retry-After",
        "X-Error-Code",
    ]
    .iter()
    .map(|k| ((*k).to_owned(), value.clone()))
    .collect();
    HttpResponse {
        status,
        headers,
        body: body.into_bytes(),
        truncated: false,
    }
}

/// The Hub session's link and origin handling: a fuzzed endpoint, repo
/// reference and one line per answer (status and headers, `Link` paging
/// above all). The token must never leave the endpoint's origin, and the
/// session must stop within its page limit.
pub fn hub_links(data: &[u8]) {
    let mut lines = data.split(|&b| b == b'\n');
    let first = lines.next().unwrap_or_default();
    let endpoint = match first.first().copied().unwrap_or(0) % 4 {
        0 => DEFAULT_ENDPOINT.to_owned(),
        1 => "http://127.0.0.1:8080".to_owned(),
        2 => "https://hf-mirror.example/prefix/".to_owned(),
        _ => lossy(first.get(1..).unwrap_or_default()),
    };
    let repo = lossy(lines.next().unwrap_or_default());
    let Ok(target) = RepoRef::parse(&repo, None).or_else(|_| RepoRef::parse("fuzz/model", None))
    else {
        return;
    };
    let config = HubConfig {
        endpoint,
        token: Some(TOKEN.to_owned()),
        limits: HubLimits {
            max_tree_pages: MAX_TREE_PAGES,
            ..HubLimits::default()
        },
    };
    let Ok(mut session) = HubSession::new(config, target) else {
        return;
    };
    let endpoint = session.endpoint().to_owned();
    // model info, the tree pages, README.md, config.json.
    let most = MAX_TREE_PAGES + 3;
    let mut sent = 0u32;
    while let Some(req) = session.next_request() {
        sent += 1;
        assert!(sent <= most, "request {sent} ({}) past the limit", req.url);
        check_token(&req, &endpoint);
        let line = lines.next().unwrap_or_default();
        let resp = answer(&req, line);
        // The header grammar alone, on the same values.
        if let Some(link) = resp.header("Link") {
            let _ = link_next(link).map(|next| origin_of(&next));
        }
        let _ = retry_after_seconds(&resp);
        session.feed(Ok(resp));
    }
    let _ = session.finish();
}
