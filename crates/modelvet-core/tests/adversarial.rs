//! The adversarial corpus and the real benign files, scanned whole.
//!
//! `tests/fixtures/adversarial/` is written by `scripts/gen-adversarial.py`
//! (real pickle, torch, numpy, joblib, Keras and ONNX writers; bytes by hand
//! only where no library writes the shape, as its MANIFEST.tsv says) and
//! `tests/fixtures/real-benign/` by `scripts/gen-real-benign.py` (current
//! library releases). Each manifest row says what the file is expected to be.
//!
//! A malicious file is caught when its scan raises a finding at `high` or
//! above (what the default gate, `--fail-on high`, fails on); a folder row
//! (a `trust_remote_code` repository, path ending in `/`) is caught when any
//! of its files is. A benign file passes when its scan has no finding at
//! `medium` or above and no error (an error fails the CLI too).
//!
//! What is missed today is listed in `tests/fixtures/adversarial/KNOWN_MISSES.txt`.
//! The test fails on a miss not in that list (a regression) and on a listed
//! file that now passes (the list must shrink as detection improves). Run with
//! `MODELVET_UPDATE_KNOWN_MISSES=1` to rewrite the list from the current
//! results, `MODELVET_ADVERSARIAL_VERBOSE=1` (with `--nocapture`) to see the
//! top finding of every file.
#![cfg(not(target_arch = "wasm32"))]
// A test reads its fixture files and its two switches from the environment;
// what it scans goes through `SliceSource` like any shell's bytes.
#![allow(clippy::disallowed_methods)]

use modelvet_core::{scan_artifact, ArtifactScan, ScanOptions, Severity, SliceSource};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

struct Entry {
    /// Path under `tests/fixtures/`, e.g. `adversarial/names/x.pkl`.
    path: String,
    class: String,
    malicious: bool,
}

struct Outcome {
    entry: Entry,
    /// Whether the scan judged the entry as the manifest expects.
    right: bool,
    /// The most severe finding (rule and severity), or the first error.
    what: String,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn manifest(dir: &str) -> Vec<Entry> {
    let path = fixtures().join(dir).join("MANIFEST.tsv");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 6, "{dir}/MANIFEST.tsv row: {l}");
            let malicious = match cols[5] {
                "malicious" => true,
                "benign" => false,
                other => panic!("{dir}/MANIFEST.tsv: expected `{other}` in {l}"),
            };
            Entry {
                path: format!("{dir}/{}", cols[0]),
                class: cols[1].to_owned(),
                malicious,
            }
        })
        .collect()
}

fn scan_file(path: &Path, name: &str) -> ArtifactScan {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    scan_artifact(name, &mut SliceSource::new(&bytes), &ScanOptions::default())
}

/// Every file of the entry with its scan (one for a file, each file of a folder).
fn scans(entry: &Entry, path: &Path) -> Vec<(String, ArtifactScan)> {
    if !entry.path.ends_with('/') {
        return vec![(entry.path.clone(), scan_file(path, &entry.path))];
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
        .map(|e| e.map(|e| e.path()).unwrap_or_default())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", entry.path);
    files
        .iter()
        .map(|f| {
            let name = format!(
                "{}{}",
                entry.path,
                f.file_name().unwrap_or_default().to_string_lossy()
            );
            let s = scan_file(f, &name);
            (name, s)
        })
        .collect()
}

fn judge(entry: Entry) -> Outcome {
    let path = fixtures().join(&entry.path);
    judge_at(entry, &path)
}

fn judge_at(entry: Entry, path: &Path) -> Outcome {
    let scanned = scans(&entry, path);
    let worst = scanned
        .iter()
        .flat_map(|(_, s)| s.findings.iter())
        .max_by_key(|f| f.severity);
    let worst_sev = worst.map(|f| f.severity);
    let errors: Vec<&str> = scanned
        .iter()
        .flat_map(|(_, s)| s.errors.iter())
        .map(|e| e.message.as_str())
        .collect();
    let right = if entry.malicious {
        worst_sev >= Some(Severity::High)
    } else {
        worst_sev < Some(Severity::Medium) && errors.is_empty()
    };
    let what = match (worst, errors.first()) {
        (Some(f), _) if !entry.malicious || f.severity >= Severity::Medium || errors.is_empty() => {
            format!("{} {}", f.severity, f.rule_id)
        }
        (_, Some(e)) => format!("error: {}", abbreviate(e)),
        (Some(f), None) => format!("{} {}", f.severity, f.rule_id),
        (None, None) => "no finding".into(),
    };
    Outcome { entry, right, what }
}

fn abbreviate(s: &str) -> String {
    let s: String = s.chars().take(70).collect();
    s.replace('\n', " ")
}

fn known_misses_path() -> PathBuf {
    fixtures().join("adversarial/KNOWN_MISSES.txt")
}

fn known_misses() -> BTreeSet<String> {
    let text = std::fs::read_to_string(known_misses_path()).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

const KNOWN_MISSES_HEADER: &str = "\
# Adversarial files modelvet misses today (no finding >= high) and real benign
# files it flags (a finding >= medium, or an error), one path under
# tests/fixtures/ per line. crates/modelvet-core/tests/adversarial.rs fails on
# a miss not listed here and on a listed file that now passes: remove its line
# when a fix lands. MODELVET_UPDATE_KNOWN_MISSES=1 rewrites this file.
";

#[test]
fn adversarial_corpus_and_real_benign_files() {
    let mut entries = manifest("adversarial");
    entries.extend(manifest("real-benign"));
    let total = entries.len();
    assert!(total >= 100, "only {total} manifest rows");
    let outcomes: Vec<Outcome> = entries.into_iter().map(judge).collect();

    let mut by_class: BTreeMap<&str, (usize, usize, Vec<&Outcome>)> = BTreeMap::new();
    for o in &outcomes {
        let side = if o.entry.malicious {
            o.entry.class.as_str()
        } else {
            "benign"
        };
        let slot = by_class.entry(side).or_default();
        slot.1 += 1;
        if o.right {
            slot.0 += 1;
        } else {
            slot.2.push(o);
        }
    }
    let mut summary = String::from("class: right/total (misses: top finding or error)\n");
    for (class, (right, n, misses)) in &by_class {
        summary += &format!("{class}: {right}/{n}\n");
        for m in misses {
            summary += &format!("    {}  [{}]\n", m.entry.path, m.what);
        }
    }
    eprintln!("{summary}");
    if std::env::var_os("MODELVET_ADVERSARIAL_VERBOSE").is_some() {
        for o in &outcomes {
            let mark = if o.right { "ok  " } else { "MISS" };
            eprintln!("{mark} {}  [{}]", o.entry.path, o.what);
        }
    }

    let missed: BTreeSet<String> = outcomes
        .iter()
        .filter(|o| !o.right)
        .map(|o| o.entry.path.clone())
        .collect();
    if std::env::var_os("MODELVET_UPDATE_KNOWN_MISSES").is_some() {
        let mut text = KNOWN_MISSES_HEADER.to_owned();
        for m in &missed {
            text += m;
            text += "\n";
        }
        std::fs::write(known_misses_path(), text).expect("write KNOWN_MISSES.txt");
        return;
    }
    let known = known_misses();
    let paths: BTreeSet<&str> = outcomes.iter().map(|o| o.entry.path.as_str()).collect();
    let stale: Vec<&String> = known
        .iter()
        .filter(|k| !paths.contains(k.as_str()))
        .collect();
    let regressions: Vec<&String> = missed.difference(&known).collect();
    let fixed: Vec<&String> = known
        .difference(&missed)
        .filter(|k| paths.contains(k.as_str()))
        .collect();
    assert!(
        stale.is_empty(),
        "KNOWN_MISSES.txt names files no manifest lists: {stale:?}"
    );
    assert!(
        regressions.is_empty(),
        "missed, and not in KNOWN_MISSES.txt (regressions):\n{regressions:#?}\n{summary}"
    );
    assert!(
        fixed.is_empty(),
        "now judged right: remove from tests/fixtures/adversarial/KNOWN_MISSES.txt:\n{fixed:#?}"
    );
}

/// The judging itself: a plain `os.system` pickle (testkit builder) is
/// caught and a plain benign one passes, so a miss in the corpus is the
/// scanner's and not the harness's.
#[test]
fn harness_judges_plain_files() {
    let dir = std::env::temp_dir().join(format!("modelvet-adversarial-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join("bad.pkl");
    let good = dir.join("good.pkl");
    std::fs::write(&bad, modelvet_testkit::pickle::os_system(2, "id")).expect("write");
    let benign = modelvet_testkit::pickle::Pickler::new(4)
        .empty_dict()
        .finish();
    std::fs::write(&good, benign).expect("write");
    let entry = |p: &Path, malicious| Entry {
        path: p.to_string_lossy().into_owned(),
        class: "control".into(),
        malicious,
    };
    let bad_judged = judge_at(entry(&bad, true), &bad);
    let good_judged = judge_at(entry(&good, false), &good);
    let wrong_side = judge_at(entry(&bad, false), &bad);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(bad_judged.right, "{}", bad_judged.what);
    assert!(good_judged.right, "{}", good_judged.what);
    assert!(!wrong_side.right, "a payload judged benign");
}
