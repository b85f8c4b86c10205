use super::*;
use crate::scan::wire::FromWorker;
use modelvet_core::{scan_artifact, SliceSource};

fn file(id: RowId, path: &str, size: u64) -> NewFile {
    NewFile {
        id,
        path: path.to_owned(),
        size,
    }
}

fn scan_of(path: &str, bytes: &[u8]) -> ArtifactScan {
    scan_artifact(path, &mut SliceSource::new(bytes), &ScanOptions::default())
}

fn row(state: &State, id: RowId) -> &Row {
    state.rows.iter().find(|r| r.id == id).expect("row exists")
}

#[test]
fn a_file_moves_through_its_life() {
    let bytes = modelvet_testkit::safetensors::tiny();
    let size = bytes.len() as u64;
    let mut s = State::default();
    s.apply(Action::Add(vec![file(0, "model.safetensors", size)]));
    assert_eq!(row(&s, 0).status, Status::Queued);
    assert!(s.is_busy());
    assert_eq!(row(&s, 0).verdict(&s.options), None);

    s.apply(Action::Started(0));
    s.apply(Action::Worker(FromWorker::Progress {
        id: 0,
        hashed: size / 2,
    }));
    assert_eq!(row(&s, 0).status, Status::Hashing);
    assert_eq!(row(&s, 0).hashed, size / 2);
    assert!(row(&s, 0).progress() > 0.0 && row(&s, 0).progress() < 1.0);

    let sha = modelvet_core::hash::sha256_hex(&bytes);
    s.apply(Action::Worker(FromWorker::Hashed {
        id: 0,
        sha256: sha.clone(),
    }));
    assert_eq!(row(&s, 0).status, Status::Scanning);
    assert_eq!(row(&s, 0).progress(), 1.0);

    let scan = scan_of("model.safetensors", &bytes);
    s.apply(Action::Worker(FromWorker::Scanned {
        id: 0,
        scan: scan.clone(),
    }));
    assert!(!s.is_busy());
    let r = row(&s, 0);
    assert_eq!(r.status, Status::Done);
    assert_eq!(r.scan.as_ref(), Some(&scan));

    let report = s.report();
    assert_eq!(report.artifacts.len(), 1);
    let a = &report.artifacts[0];
    assert_eq!(a.path, "model.safetensors");
    assert_eq!(a.size, size);
    assert_eq!(a.sha256.as_deref(), Some(sha.as_str()));
    assert_eq!(a.format, modelvet_core::Format::Safetensors);
    // The row shows the verdict the report computes for the artifact.
    assert_eq!(r.verdict(&s.options), Some(a.verdict));
}

#[test]
fn findings_reach_the_row_verdict_and_the_report() {
    let bytes = b"plain text pretending to be tensors\n";
    let scan = scan_of("model.safetensors", bytes);
    let mut s = State::default();
    s.apply(Action::Add(vec![file(
        3,
        "model.safetensors",
        bytes.len() as u64,
    )]));
    s.apply(Action::Worker(FromWorker::Hashed {
        id: 3,
        sha256: modelvet_core::hash::sha256_hex(bytes),
    }));
    s.apply(Action::Worker(FromWorker::Scanned { id: 3, scan }));
    let report = s.report();
    assert!(report
        .findings
        .iter()
        .any(|f| f.rule_id == "extension-mismatch" && f.artifact == "model.safetensors"));
    assert_eq!(
        row(&s, 3).verdict(&s.options),
        Some(report.artifacts[0].verdict)
    );
    assert_ne!(report.verdict, Verdict::Pass);
}

#[test]
fn cancel_fails_closed_and_ignores_late_messages() {
    let mut s = State::default();
    s.apply(Action::Add(vec![
        file(0, "a.bin", 10),
        file(1, "b.bin", 20),
        file(2, "c.bin", 30),
    ]));
    s.apply(Action::Started(0));
    s.apply(Action::Worker(FromWorker::Hashed {
        id: 0,
        sha256: "00".repeat(32),
    }));
    s.apply(Action::Worker(FromWorker::Scanned {
        id: 0,
        scan: scan_of("a.bin", &[0u8; 10]),
    }));
    s.apply(Action::Started(1));
    s.apply(Action::Cancel);
    assert!(!s.is_busy());
    assert_eq!(row(&s, 0).status, Status::Done);
    assert_eq!(row(&s, 1).status, Status::Cancelled);
    assert_eq!(row(&s, 2).status, Status::Cancelled);

    // A message already in flight when the workers were terminated.
    s.apply(Action::Worker(FromWorker::Progress { id: 1, hashed: 5 }));
    s.apply(Action::Worker(FromWorker::Hashed {
        id: 1,
        sha256: "11".repeat(32),
    }));
    assert_eq!(row(&s, 1).status, Status::Cancelled);
    assert_eq!(row(&s, 1).sha256, None);

    let report = s.report();
    assert_eq!(report.artifacts.len(), 3);
    assert_eq!(report.verdict, Verdict::Error);
    let cancelled: Vec<_> = report
        .errors
        .iter()
        .filter(|e| e.message == CANCELLED_MESSAGE)
        .map(|e| e.artifact.as_str())
        .collect();
    assert_eq!(cancelled, ["b.bin", "c.bin"]);
}

#[test]
fn unreadable_files_and_walk_errors_are_errors() {
    let mut s = State::default();
    s.apply(Action::Add(vec![file(0, "gone.pt", 5)]));
    s.apply(Action::Worker(FromWorker::Failed {
        id: 0,
        message: "NotFoundError".to_owned(),
    }));
    s.apply(Action::WalkError {
        path: "models/private".to_owned(),
        message: "cannot read folder".to_owned(),
    });
    let r = row(&s, 0);
    assert_eq!(r.status, Status::Failed);
    assert_eq!(r.verdict(&s.options), Some(Verdict::Error));
    let report = s.report();
    assert_eq!(report.summary.errors, 2);
    assert!(report.errors.iter().any(|e| e.artifact == "models/private"));
    assert!(report
        .errors
        .iter()
        .any(|e| e.artifact == "gone.pt" && e.message == "NotFoundError"));
}

#[test]
fn unfinished_files_stay_out_of_the_report() {
    let mut s = State::default();
    s.apply(Action::Add(vec![file(0, "a", 1), file(1, "b", 1)]));
    s.apply(Action::Worker(FromWorker::Failed {
        id: 1,
        message: "x".into(),
    }));
    let report = s.report();
    assert_eq!(report.artifacts.len(), 1);
    assert_eq!(report.artifacts[0].path, "b");
    assert_eq!(s.finished(), 1);
}

#[test]
fn ids_only_grow_and_clear_keeps_them_unique() {
    let mut s = State::default();
    s.apply(Action::Add(vec![file(0, "a", 1), file(1, "b", 1)]));
    // A stale or duplicate id is refused.
    s.apply(Action::Add(vec![file(1, "dup", 1)]));
    assert_eq!(s.rows.len(), 2);
    s.apply(Action::Clear);
    assert!(s.rows.is_empty());
    s.apply(Action::Add(vec![file(2, "c", 1)]));
    // A late message for a cleared row finds nothing.
    s.apply(Action::Worker(FromWorker::Failed {
        id: 0,
        message: "late".into(),
    }));
    assert_eq!(s.rows.len(), 1);
    assert_eq!(row(&s, 2).status, Status::Queued);
}

#[test]
fn progress_is_clamped_to_the_size() {
    let mut s = State::default();
    s.apply(Action::Add(vec![file(0, "a", 100)]));
    s.apply(Action::Worker(FromWorker::Progress {
        id: 0,
        hashed: 1_000,
    }));
    assert_eq!(row(&s, 0).hashed, 100);
    assert_eq!(s.hashed_bytes(), 100);
}

#[test]
fn reduce_leaves_the_previous_state_untouched() {
    let before = Rc::new(State::default());
    let kept = before.clone();
    let after = before.reduce(Action::Add(vec![file(0, "a", 1)]));
    assert!(kept.rows.is_empty());
    assert_eq!(after.rows.len(), 1);
}

#[test]
fn worker_messages_drive_rows_as_the_worker_encodes_them() {
    // The JSON a worker posts (`FromWorker::to_json`), decoded the way the
    // pool decodes it, lands on the row unchanged.
    let bytes = modelvet_testkit::safetensors::tiny();
    let scan = scan_of("model.safetensors", &bytes);
    let mut s = State::default();
    s.apply(Action::Add(vec![file(
        4,
        "model.safetensors",
        bytes.len() as u64,
    )]));
    s.apply(Action::Started(4));
    for msg in [
        FromWorker::Ready,
        FromWorker::Hashed {
            id: 4,
            sha256: "ab".repeat(32),
        },
        FromWorker::Scanned {
            id: 4,
            scan: scan.clone(),
        },
    ] {
        let posted = FromWorker::from_json(&msg.to_json()).expect("decodes");
        s.apply(posted.into());
    }
    let r = row(&s, 4);
    assert_eq!(r.status, Status::Done);
    assert_eq!(r.sha256.as_deref(), Some("ab".repeat(32).as_str()));
    assert_eq!(r.scan.as_ref(), Some(&scan));
}

#[test]
fn ready_changes_nothing() {
    let mut s = State::default();
    s.apply(Action::Add(vec![file(0, "a", 1)]));
    let before = s.clone();
    s.apply(Action::Worker(FromWorker::Ready));
    assert_eq!(s, before);
}
