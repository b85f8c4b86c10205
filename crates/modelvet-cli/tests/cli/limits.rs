//! `--limits FILE` (JSON or TOML, any subset of `settings.limits`), the
//! per-limit flags, and what a limit that stops a scan looks like in the
//! report. The nested file is the testkit's gzip-in-gzip builder (real gzip
//! members, as `gzip -d` reads them) around a real safetensors file.

use crate::support::{code, json_report, run_in, safetensors_bytes, tempdir};

/// A safetensors file gzipped three times: three levels of nesting.
fn nested(dir: &std::path::Path) {
    let bytes = modelvet_testkit::bombs::nested_gzip(3, &safetensors_bytes());
    std::fs::write(dir.join("model.safetensors.gz"), bytes).unwrap();
}

/// The `limit` of every error of the report.
fn error_limits(report: &serde_json::Value) -> Vec<String> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "limit")
        .filter_map(|e| e["limit"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn defaults_scan_the_nested_file() {
    let dir = tempdir();
    nested(dir.path());
    let (code, report) = json_report(dir.path(), &["model.safetensors.gz"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["settings"]["limits"]["scan"]["max_nesting"], 8);
}

#[test]
fn a_flag_sets_a_limit_and_the_error_names_it() {
    let dir = tempdir();
    nested(dir.path());
    let (code, report) = json_report(dir.path(), &["--max-nesting", "1", "model.safetensors.gz"]);
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(report["verdict"], "error");
    assert_eq!(error_limits(&report), ["scan.max_nesting"], "{report:#}");
    assert_eq!(report["settings"]["limits"]["scan"]["max_nesting"], 1);
}

#[test]
fn json_and_toml_files_set_limits() {
    let dir = tempdir();
    nested(dir.path());
    std::fs::write(
        dir.path().join("limits.json"),
        r#"{"scan": {"max_nesting": 1}, "pickle": {"max_memo": 77}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("limits.toml"),
        "[scan]\nmax_nesting = 1\n\n[pickle]\nmax_memo = 77\n",
    )
    .unwrap();
    for file in ["limits.json", "limits.toml"] {
        let (code, report) = json_report(dir.path(), &["--limits", file, "model.safetensors.gz"]);
        assert_eq!(code, 2, "{file}: {report:#}");
        assert_eq!(error_limits(&report), ["scan.max_nesting"], "{file}");
        let limits = &report["settings"]["limits"];
        assert_eq!(limits["pickle"]["max_memo"], 77, "{file}");
        // What the file does not name keeps its default.
        assert_eq!(limits["pickle"]["max_stack"], 1_000_000, "{file}");
    }
}

#[test]
fn flags_override_the_file() {
    let dir = tempdir();
    nested(dir.path());
    std::fs::write(
        dir.path().join("limits.json"),
        r#"{"scan": {"max_nesting": 1}}"#,
    )
    .unwrap();
    let (code, report) = json_report(
        dir.path(),
        &[
            "--limits",
            "limits.json",
            "--max-nesting",
            "8",
            "model.safetensors.gz",
        ],
    );
    assert_eq!(code, 0, "{report:#}");
    let (code, report) = json_report(
        dir.path(),
        &[
            "--limits",
            "limits.json",
            "--limit",
            "scan.max_nesting=8",
            "model.safetensors.gz",
        ],
    );
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["settings"]["limits"]["scan"]["max_nesting"], 8);
}

#[test]
fn a_report_settings_limits_is_a_limits_file() {
    let dir = tempdir();
    nested(dir.path());
    let (_, first) = json_report(
        dir.path(),
        &[
            "--max-seconds",
            "9",
            "--limit",
            "tensors.max_tensors=5",
            "model.safetensors.gz",
        ],
    );
    let limits = serde_json::to_string(&first["settings"]["limits"]).unwrap();
    std::fs::write(dir.path().join("from-report.json"), limits).unwrap();
    let (_, second) = json_report(
        dir.path(),
        &["--limits", "from-report.json", "model.safetensors.gz"],
    );
    assert_eq!(second["settings"]["limits"], first["settings"]["limits"]);
    assert_eq!(second["settings"]["limits"]["scan"]["max_seconds"], 9);
}

/// Each bad limits file or flag: exit 2, no report, a message naming the problem.
#[test]
fn bad_limits_exit_2_with_a_clear_message() {
    let dir = tempdir();
    nested(dir.path());
    let files = [
        (
            "unknown.json",
            r#"{"scan": {"max_nestin": 1}}"#,
            "unknown key `scan.max_nestin`",
        ),
        ("family.json", r#"{"scans": {}}"#, "unknown key `scans`"),
        (
            "range.json",
            r#"{"scan": {"max_nesting": 99999999999}}"#,
            "`scan.max_nesting` must be between 0 and 4294967295",
        ),
        (
            "negative.toml",
            "[scan]\nmax_members = -1\n",
            "must be a non-negative integer",
        ),
        ("syntax.json", r#"{"scan": "#, "is not valid JSON"),
        ("syntax.toml", "[scan\n", "is not valid TOML"),
    ];
    for (name, text, expected) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
        let out = run_in(
            dir.path(),
            &[
                "scan",
                "--format",
                "json",
                "--limits",
                name,
                "model.safetensors.gz",
            ],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(code(&out), 2, "{name}: {stderr}");
        assert!(out.stdout.is_empty(), "{name}: a report was printed");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(stderr.contains(name), "{name} is not named: {stderr}");
    }
    for (args, expected) in [
        (&["--limits", "missing.json"][..], "cannot read limits file"),
        (
            &["--max-seconds", "0"][..],
            "`scan.max_seconds` must be between 1 and",
        ),
        (&["--limit", "pickle.max_memo"][..], "expected PATH=VALUE"),
        (
            &["--limit", "pickle.memo=3"][..],
            "unknown limit `pickle.memo`",
        ),
        (&["--limit", "pickle.max_memo=x"][..], "invalid digit"),
    ] {
        let mut all = vec!["scan", "--format", "json"];
        all.extend_from_slice(args);
        all.push("model.safetensors.gz");
        let out = run_in(dir.path(), &all);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(code(&out), 2, "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: a report was printed");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
