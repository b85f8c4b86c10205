//! `modelvet audit` against the replay server, which serves the recorded Hub
//! responses and model cards of /work/shared/fixtures (see
//! `modelvet_testkit::replay::standard` for which fixture backs which repo).

use modelvet_testkit::replay::{standard, ReplayServer, Scenario};
use serde_json::Value;
use std::process::Command;

mod common;
use common::Run;

fn audit(server: &ReplayServer, args: &[&str], token: Option<&str>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_modelvet"));
    cmd.arg("audit")
        .args(args)
        .args(["--endpoint", &server.url()])
        .env_remove("HF_ENDPOINT")
        .env_remove("HF_TOKEN");
    if let Some(t) = token {
        cmd.env("HF_TOKEN", t);
    }
    Run::of(cmd.output().expect("run modelvet"))
}

fn serve(scenario: Scenario) -> ReplayServer {
    ReplayServer::start(scenario, 0).expect("start replay server")
}

/// The report, card included, validates against docs/report.schema.json.
fn assert_valid(report: &Value) {
    common::assert_schema_valid(report, "card");
    assert!(report["card"].is_object(), "the report has no card");
}

/// A failed audit's JSON report: valid, verdict `error`, no card, and one
/// error about `repo` whose message contains `expected`.
fn assert_failed_report(run: &Run, repo: &str, expected: &str) {
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    let report = run.json();
    common::assert_schema_valid(&report, "card");
    assert_eq!(report["verdict"], "error");
    assert!(report.get("card").is_none(), "{report:#}");
    let errors = report["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["artifact"], repo);
    let message = errors[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains(expected), "{message}");
    assert_eq!(report["summary"]["errors"], 1);
    // The same reason on stderr.
    assert!(run.stderr.contains(expected), "{}", run.stderr);
}

fn item<'a>(card: &'a Value, id: &str) -> &'a Value {
    card["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["id"] == id))
        .unwrap_or_else(|| panic!("no item {id}"))
}

#[test]
fn well_documented_card_passes() {
    // full-card.README.md served as the README of acme-research/sentiment-distilbert-v2.
    let server = serve(standard::scenario());
    let run = audit(
        &server,
        &["acme-research/sentiment-distilbert-v2", "--format", "json"],
        None,
    );
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let report = run.json();
    assert_valid(&report);
    let card = &report["card"];
    assert_eq!(card["grade"], "A");
    assert!(card["score"].as_u64().unwrap() >= 95, "{}", card["score"]);
    assert_eq!(card["license"]["id"], "apache-2.0");
    assert_eq!(card["license"]["class"], "permissive");
    assert_eq!(card["license"]["permission"], "allowed");
    assert_eq!(item(card, "bias-risks-limitations")["status"], "pass");
    assert!(item(card, "bias-risks-limitations")["link"]
        .as_str()
        .unwrap()
        .ends_with("/README.md#bias-risks-and-limitations"));
    assert_eq!(report["verdict"], "pass");
}

#[test]
fn sparse_auto_generated_card_fails() {
    // sparse-card.README.md + pickle-only.{model-info,tree.expand}.json.
    let server = serve(standard::scenario());
    let run = audit(
        &server,
        &["acme-research/legacy-sentiment-bert", "--format", "json"],
        None,
    );
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert_valid(&run.json());
    let card = &run.json()["card"];
    assert_eq!(card["grade"], "F");
    for id in [
        "license",
        "license-use",
        "training-data",
        "bias-risks-limitations",
        "weights-format",
    ] {
        assert_eq!(item(card, id)["status"], "fail", "{id}");
    }
    let scan = item(card, "security-scan");
    assert_eq!(scan["severity"], "critical");
    assert!(scan["evidence"]
        .as_str()
        .unwrap()
        .contains("extra_state.pkl (unsafe)"));
    let pkl = card["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "extra_state.pkl")
        .unwrap();
    assert_eq!(pkl["hub_scan"]["pickle_level"], "dangerous");
    assert_eq!(pkl["format"], "pickle");

    // Research use does not change the missing licence: still no permission.
    let text = audit(
        &server,
        &["acme-research/legacy-sentiment-bert", "--use", "research"],
        None,
    );
    assert_eq!(text.code, 1);
    assert!(
        text.stdout.contains("FAIL     weights-format"),
        "{}",
        text.stdout
    );
}

#[test]
fn gated_model_needs_a_granted_token() {
    let server = serve(standard::scenario());
    let anonymous = audit(&server, &["meta-llama/Llama-3.2-1B"], None);
    assert_eq!(anonymous.code, 2, "{}", anonymous.stdout);
    assert!(
        anonymous.stderr.contains("is gated: accept the terms"),
        "{}",
        anonymous.stderr
    );
    assert!(anonymous.stderr.contains("HF_TOKEN"));
    // The metadata part of the audit is still shown.
    assert!(
        anonymous.stdout.contains("llama3.2"),
        "{}",
        anonymous.stdout
    );

    let not_granted = audit(
        &server,
        &["meta-llama/Llama-3.2-1B"],
        Some("hf_not_approved"),
    );
    assert_eq!(not_granted.code, 2);
    assert!(
        not_granted.stderr.contains("not been granted access"),
        "{}",
        not_granted.stderr
    );

    let granted = audit(
        &server,
        &["meta-llama/Llama-3.2-1B", "--format", "json"],
        Some(standard::GRANTED_TOKEN),
    );
    assert_eq!(granted.code, 0, "stderr: {}", granted.stderr);
    let card = &granted.json()["card"];
    assert_eq!(item(card, "access")["status"], "partial");
    assert_eq!(item(card, "license-use")["status"], "partial");
    assert_eq!(
        card["license"]["class"],
        "custom-commercial-with-conditions"
    );
    assert_eq!(item(card, "training-data")["status"], "pass");
    // The token went with every request (all to the endpoint's origin).
    let seen = server.seen();
    let with_token = seen
        .iter()
        .filter(|s| {
            s.authorization.as_deref() == Some(&format!("Bearer {}", standard::GRANTED_TOKEN))
        })
        .count();
    assert!(with_token >= 4, "{seen:?}");
}

#[test]
fn missing_private_and_disabled_repos() {
    let server = serve(standard::scenario());
    let missing = audit(&server, &["nobody/nothing"], None);
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .contains("nobody/nothing was not found; if it is private, give a token"),
        "{}",
        missing.stderr
    );
    let private = audit(&server, &["acme-research/private-model"], None);
    assert_eq!(private.code, 2);
    let private_ok = audit(
        &server,
        &["acme-research/private-model"],
        Some(standard::GRANTED_TOKEN),
    );
    assert_eq!(private_ok.code, 0, "{}", private_ok.stderr);
    let disabled = audit(&server, &["acme-research/taken-down"], None);
    assert_eq!(disabled.code, 2);
    assert!(disabled.stderr.contains("disabled"), "{}", disabled.stderr);
    let bad_rev = audit(
        &server,
        &["google-bert/bert-base-uncased@no-such-branch"],
        None,
    );
    assert_eq!(bad_rev.code, 2);
    assert!(
        bad_rev
            .stderr
            .contains("revision `no-such-branch` does not exist"),
        "{}",
        bad_rev.stderr
    );
    let bad_id = audit(&server, &["not a repo"], None);
    assert_eq!(bad_id.code, 2);
}

#[test]
fn rate_limit_says_when_to_retry() {
    // Headers as in /work/shared/fixtures/hub/http-exchanges.md section 8.
    let server = serve(Scenario {
        rate_limited_requests: 1,
        retry_after: 183,
        ..standard::scenario()
    });
    let run = audit(&server, &["google-bert/bert-base-uncased"], None);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("rate limited by the Hub (api bucket): retry in 183 s"),
        "{}",
        run.stderr
    );
    // The window passed (the plan limited one request): the next run completes.
    let again = audit(&server, &["google-bert/bert-base-uncased"], None);
    assert_ne!(again.code, 2, "{}", again.stderr);
}

#[test]
fn bert_at_the_pinned_commit() {
    // bert-base-uncased.{model-info.dd4bc8b.blobs,tree.dd4bc8b.expand}.json: no README at that commit,
    // pickle + HDF5 weights. Two tree entries per page to exercise Link pagination.
    let server = serve(Scenario {
        page_size: 2,
        ..standard::scenario()
    });
    let sha = standard::BERT_OLD_SHA;
    let url = format!(
        "{}/google-bert/bert-base-uncased/blob/{sha}/config.json",
        server.url()
    );
    let run = audit(&server, &[&url, "--format", "json"], None);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    let card = &run.json()["card"];
    assert_eq!(card["sha"], sha);
    assert_eq!(item(card, "card-present")["status"], "fail");
    assert_eq!(item(card, "weights-format")["status"], "fail");
    let files = card["files"].as_array().unwrap();
    assert_eq!(files.len(), 5);
    let h5 = files.iter().find(|f| f["path"] == "tf_model.h5").unwrap();
    // LFS sha256 as recorded (FROM-TEST).
    assert_eq!(
        h5["lfs_sha256"],
        "a7a17d6d844b5de815ccab5f42cad6d24496db3850a2a43d8258221018ce87d2"
    );
    assert_eq!(h5["size"], 536063208);
    let seen = server.seen();
    let targets: Vec<&str> = seen.iter().map(|s| s.target.as_str()).collect();
    assert!(targets[0].starts_with(&format!(
        "/api/models/google-bert/bert-base-uncased/revision/{sha}?"
    )));
    assert!(
        targets.iter().skip(1).all(|t| t.contains(sha)),
        "{targets:?}"
    );
    assert_eq!(
        targets.iter().filter(|t| t.contains("/tree/")).count(),
        3,
        "{targets:?}"
    );
    assert!(
        !targets.iter().any(|t| t.contains("README.md")),
        "README is not listed, so not requested"
    );

    // Text output names the commit and the failing items.
    let text = audit(
        &server,
        &[&format!("google-bert/bert-base-uncased@{sha}")],
        None,
    );
    assert_eq!(text.code, 1);
    assert!(
        text.stdout
            .contains("google-bert/bert-base-uncased @ dd4bc8b21efa"),
        "{}",
        text.stdout
    );
    assert!(text
        .stdout
        .contains("pickle-only weights (pytorch_model.bin)"));
}

#[test]
fn fail_on_threshold_controls_the_exit_code() {
    let server = serve(standard::scenario());
    // bert main: only low/medium problems (no bias section, ...): passes at high, fails at medium.
    assert_eq!(
        audit(&server, &["google-bert/bert-base-uncased"], None).code,
        0
    );
    assert_eq!(
        audit(
            &server,
            &["google-bert/bert-base-uncased", "--fail-on", "medium"],
            None
        )
        .code,
        1
    );
}

#[test]
fn a_slow_hub_hits_the_deadline_and_still_reports() {
    // Each answer takes 700 ms and the tree has one entry per page: well past
    // a 2 s deadline, though no single request is slow enough to time out.
    let server = serve(Scenario {
        delay_ms: 700,
        page_size: 1,
        ..standard::scenario()
    });
    let started = std::time::Instant::now();
    let run = audit(
        &server,
        &[
            "google-bert/bert-base-uncased",
            "--deadline",
            "2",
            "--format",
            "json",
        ],
        None,
    );
    let took = started.elapsed();
    assert_failed_report(
        &run,
        "google-bert/bert-base-uncased",
        "did not finish within its deadline of 2 s",
    );
    assert!(
        took < std::time::Duration::from_secs(10),
        "the deadline did not stop the audit ({took:?})"
    );
    // Text output: nothing on stdout, the reason on stderr, exit 2.
    let text = audit(
        &server,
        &["google-bert/bert-base-uncased", "--deadline", "1"],
        None,
    );
    assert_eq!(text.code, 2);
    assert!(text.stdout.is_empty(), "{}", text.stdout);
    assert!(text.stderr.contains("deadline of 1 s"), "{}", text.stderr);
    // A zero deadline is refused as a bad argument.
    assert_eq!(audit(&server, &["a/b", "--deadline", "0"], None).code, 2);
}

#[test]
fn failed_audits_still_print_a_json_report() {
    let server = serve(standard::scenario());
    let missing = audit(&server, &["nobody/nothing", "--format", "json"], None);
    assert_failed_report(&missing, "nobody/nothing", "nobody/nothing was not found");

    let bad_id = audit(&server, &["not a repo", "--format", "json"], None);
    assert_eq!(bad_id.code, 2);
    common::assert_schema_valid(&bad_id.json(), "card");
    assert_eq!(bad_id.json()["verdict"], "error");

    // Nothing listens on port 9 of localhost: a network failure.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_modelvet"));
    let out = cmd
        .args([
            "audit",
            "a/b",
            "--format",
            "json",
            "--endpoint",
            "http://127.0.0.1:9",
        ])
        .env_remove("HF_TOKEN")
        .output()
        .expect("run modelvet");
    let offline = Run::of(out);
    assert_failed_report(&offline, "a/b", "cannot reach http://127.0.0.1:9/");

    let limited = serve(Scenario {
        rate_limited_requests: 1,
        ..standard::scenario()
    });
    let run = audit(
        &limited,
        &["google-bert/bert-base-uncased", "--format", "json"],
        None,
    );
    assert_failed_report(&run, "google-bert/bert-base-uncased", "retry in 183 s");

    // -o writes the failure report to the file.
    let dir = std::env::temp_dir().join(format!("modelvet-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("report.json");
    let to_file = audit(
        &server,
        &[
            "nobody/nothing",
            "--format",
            "json",
            "-o",
            path.to_str().expect("utf-8 path"),
        ],
        None,
    );
    assert_eq!(to_file.code, 2);
    assert!(to_file.stdout.is_empty());
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("report written"))
            .expect("JSON");
    assert_eq!(written["verdict"], "error");
    let _ = std::fs::remove_dir_all(&dir);
}
