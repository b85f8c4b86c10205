//! modelvet for JavaScript (`wasm-bindgen`): the same core as the CLI and the
//! web app.
//!
//! ```js
//! import init, { Sha256Stream, scan } from "./modelvet_js.js";
//! await init();
//! const h = new Sha256Stream();
//! h.update(chunk1); h.update(chunk2);
//! const hex = h.finalize();
//! const report = JSON.parse(scan("model.safetensors", bytes, "high"));
//! // Limits: any subset of the report's `settings.limits` (docs/limits.md).
//! scan("model.pkl", bytes, "high", { pickle: { max_memo: 100000 } });
//! ```
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use modelvet_core::{scan_artifact, ReportBuilder, ScanOptions, Severity, SliceSource};
use wasm_bindgen::prelude::*;

/// Incremental SHA-256: feed a file chunk by chunk (`Blob.slice`), memory stays
/// constant whatever its size.
#[wasm_bindgen]
#[derive(Default)]
pub struct Sha256Stream {
    inner: modelvet_core::Sha256Stream,
}

#[wasm_bindgen]
impl Sha256Stream {
    /// A fresh hasher.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Sha256Stream {
        Sha256Stream::default()
    }

    /// Feed the next chunk.
    pub fn update(&mut self, chunk: &[u8]) {
        self.inner.update(chunk);
    }

    /// Bytes fed so far (exact up to 2^53).
    #[wasm_bindgen(getter)]
    pub fn consumed(&self) -> f64 {
        self.inner.consumed() as f64
    }

    /// The digest as 64 lowercase hex characters. The hasher is used up.
    pub fn finalize(self) -> String {
        self.inner.finalize_hex()
    }
}

/// SHA-256 of `bytes`, lowercase hex.
#[wasm_bindgen]
pub fn sha256(bytes: &[u8]) -> String {
    modelvet_core::hash::sha256_hex(bytes)
}

/// Scan one file held in memory; returns the JSON report (see
/// `docs/report.schema.json`). `fail_on` is a severity name (default `high`);
/// `limits` an object of the shape of the report's `settings.limits`, any
/// subset of it (docs/limits.md). An unknown key or a value out of range is
/// an error.
#[wasm_bindgen]
pub fn scan(
    path: &str,
    bytes: &[u8],
    fail_on: Option<String>,
    limits: Option<js_sys::Object>,
) -> Result<String, String> {
    let limits = match limits {
        None => None,
        Some(obj) => Some(
            js_sys::JSON::stringify(&obj)
                .map(String::from)
                .map_err(|_| "limits: not a JSON object".to_owned())?,
        ),
    };
    scan_json(path, bytes, fail_on.as_deref(), limits.as_deref())
}

/// The default limits, as the JSON of `settings.limits`.
#[wasm_bindgen(js_name = defaultLimits)]
pub fn default_limits() -> String {
    serde_json::to_string_pretty(&modelvet_core::Limits::default()).unwrap_or_default()
}

/// [`scan`] with the limits as JSON text.
fn scan_json(
    path: &str,
    bytes: &[u8],
    fail_on: Option<&str>,
    limits: Option<&str>,
) -> Result<String, String> {
    let fail_on = match fail_on {
        None => Severity::High,
        Some(name) => name
            .parse()
            .map_err(|e: modelvet_core::severity::UnknownSeverity| e.to_string())?,
    };
    let mut opts = ScanOptions {
        fail_on,
        ..ScanOptions::default()
    };
    if let Some(text) = limits {
        let doc: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("limits: {e}"))?;
        opts.limits.apply_json(&doc).map_err(|e| e.to_string())?;
    }
    let mut source = SliceSource::new(bytes);
    let scan = scan_artifact(path, &mut source, &opts);
    let mut report = ReportBuilder::new(opts);
    report.add(path, bytes.len() as u64, Some(sha256(bytes)), scan);
    Ok(report.build().to_json_pretty())
}

/// The version of modelvet.
#[wasm_bindgen]
pub fn version() -> String {
    modelvet_core::TOOL_VERSION.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_matches_one_shot() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut h = Sha256Stream::new();
        for chunk in data.chunks(4093) {
            h.update(chunk);
        }
        assert_eq!(h.consumed(), 100_000.0);
        assert_eq!(h.finalize(), sha256(&data));
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn scan_returns_the_report() -> Result<(), String> {
        let json = scan_json("x.safetensors", b"plain text", Some("medium"), None)?;
        let report: serde_json::Value = serde_json::from_str(&json).map_err(|e| e.to_string())?;
        assert_eq!(report["verdict"], "fail");
        assert_eq!(report["artifacts"][0]["sha256"], sha256(b"plain text"));
        assert!(report["findings"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["rule_id"] == "extension-mismatch")));
        Ok(())
    }

    #[test]
    fn unknown_severity_is_an_error() {
        let err = scan_json("a.bin", b"", Some("severe"), None).err();
        assert!(err.is_some_and(|e| e.contains("unknown severity")));
    }

    #[test]
    fn partial_limits_apply_and_bad_ones_are_errors() -> Result<(), String> {
        let limits = r#"{"scan": {"max_seconds": 7}, "pickle": {"max_memo": 9}}"#;
        let json = scan_json("x.safetensors", b"plain text", None, Some(limits))?;
        let report: serde_json::Value = serde_json::from_str(&json).map_err(|e| e.to_string())?;
        assert_eq!(report["settings"]["limits"]["scan"]["max_seconds"], 7);
        assert_eq!(report["settings"]["limits"]["pickle"]["max_memo"], 9);
        assert_eq!(
            report["settings"]["limits"]["pickle"]["max_stack"],
            1_000_000
        );
        let defaults: serde_json::Value =
            serde_json::from_str(&default_limits()).map_err(|e| e.to_string())?;
        assert_eq!(defaults["scan"]["max_seconds"], 60);
        for (bad, expected) in [
            (
                r#"{"scan": {"max_second": 7}}"#,
                "unknown key `scan.max_second`",
            ),
            (
                r#"{"scan": {"max_seconds": 0}}"#,
                "`scan.max_seconds` must be between 1",
            ),
            (r#"{"scan": "#, "limits: EOF"),
        ] {
            let err = scan_json("a.bin", b"", None, Some(bad)).err();
            assert!(
                err.as_deref().is_some_and(|e| e.contains(expected)),
                "{bad}: {err:?}"
            );
        }
        Ok(())
    }
}
