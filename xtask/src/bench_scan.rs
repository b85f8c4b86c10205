//! `cargo xtask bench scan`: modelvet against picklescan, modelscan,
//! modelaudit and fickling on one corpus.
//!
//! The corpus is `target/bench-corpus/`: `malicious/` and `benign/` files
//! written by `modelvet-testkit`'s `scan_corpus` example, plus the real benign
//! files of `scripts/fetch-real-models.sh` under `benign/real/`, plus the real
//! files of the other formats in `tests/fixtures/{graphs,tensors}` (made by
//! the formats' own libraries; labelled in [`FORMAT_FIXTURES`]), plus the
//! adversarial corpus of `tests/fixtures/adversarial/` and the real benign
//! files of `tests/fixtures/real-benign/` (labelled by their MANIFEST.tsv;
//! see [`copy_manifest_fixtures`]). Each tool runs
//! once over the whole corpus (fickling, which takes one file, once per file);
//! its output is parsed into one outcome per file: flagged, clean or error.
//! The results replace the `bench-scan` section of `docs/BENCHMARKS.md`.

use crate::cmd;
use anyhow::{bail, Context};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const PEERS: &[&str] = &["picklescan", "modelscan", "modelaudit", "fickling"];
const START: &str = "<!-- bench-scan:start -->";
const END: &str = "<!-- bench-scan:end -->";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Flagged,
    Clean,
    Error,
}

struct ToolRun {
    name: String,
    version: String,
    time: Duration,
    outcomes: BTreeMap<PathBuf, Outcome>,
}

pub fn run(root: &Path) -> anyhow::Result<()> {
    let target = root.join("target");
    let corpus = target.join("bench-corpus");
    let venv = target.join("bench-venv");
    let folders = build_corpus(root, &corpus)?;
    ensure_venv(&venv)?;
    cmd::dist_cli(root)?;
    let files = list_files(&corpus, &folders)?;
    eprintln!("corpus: {} files", files.len());
    warm_page_cache(&files)?;

    let mut runs = vec![run_modelvet(root, &corpus, &files)?];
    for peer in PEERS {
        match run_peer(peer, &venv, &corpus, &files) {
            Ok(r) => runs.push(r),
            Err(e) => eprintln!("{peer}: not run: {e:#}"),
        }
    }
    let section = render(&runs, &files, &corpus);
    println!("{section}");
    crate::bench_report::write_section(root, START, END, &section)
}

/// `cargo xtask bench scan --corpus-only`: write the corpus and print how
/// many artifacts each class has, without installing or running any tool.
pub fn corpus_only(root: &Path) -> anyhow::Result<()> {
    let corpus = root.join("target/bench-corpus");
    let folders = build_corpus(root, &corpus)?;
    let files = list_files(&corpus, &folders)?;
    let mut counts: BTreeMap<(bool, String), usize> = BTreeMap::new();
    for f in &files {
        *counts
            .entry((is_malicious(f, &corpus), class_of(f, &corpus)))
            .or_default() += 1;
    }
    for ((malicious, class), n) in counts {
        let side = if malicious { "malicious" } else { "benign" };
        println!("{side:9} {n:4}  {class}");
    }
    println!("{} artifacts in {}", files.len(), corpus.display());
    Ok(())
}

/// Write the corpus; returns the folders that count as one artifact each
/// (repositories whose files are judged together).
fn build_corpus(root: &Path, corpus: &Path) -> anyhow::Result<Vec<PathBuf>> {
    cmd::run(
        cmd::cargo()
            .current_dir(root)
            .args([
                "run",
                "-q",
                "-p",
                "modelvet-testkit",
                "--example",
                "scan_corpus",
                "--",
            ])
            .arg(corpus),
    )?;
    let real = target_real(root);
    if !real.join("MANIFEST.tsv").exists() {
        cmd::run(
            Command::new("bash")
                .arg(root.join("scripts/fetch-real-models.sh"))
                .arg(&real),
        )?;
    }
    let dest = corpus.join("benign/real");
    if dest.exists() {
        std::fs::remove_dir_all(&dest)?;
    }
    copy_tree(&real.join("files"), &dest)?;
    for side in ["malicious", "benign"] {
        for dir in ["formats", "adversarial", "real-benign"] {
            let dir = corpus.join(side).join(dir);
            if dir.exists() {
                std::fs::remove_dir_all(&dir)?;
            }
        }
    }
    copy_format_fixtures(root, corpus)?;
    let mut folders = copy_manifest_fixtures(root, corpus, "adversarial")?;
    folders.extend(copy_manifest_fixtures(root, corpus, "real-benign")?);
    Ok(folders)
}

/// One row of `tests/fixtures/<set>/MANIFEST.tsv`: the file (a folder when it
/// ends in `/`), its class, and whether it is malicious (last column).
struct ManifestRow {
    file: String,
    class: String,
    malicious: bool,
}

fn read_manifest(path: &Path) -> anyhow::Result<Vec<ManifestRow>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
    let mut rows = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(file), Some(class), Some(expected)) = (cols.first(), cols.get(1), cols.last())
        else {
            bail!("{}: bad row {line:?}", path.display());
        };
        let malicious = match *expected {
            "malicious" => true,
            "benign" => false,
            other => bail!("{}: expected `{other}` in {line:?}", path.display()),
        };
        rows.push(ManifestRow {
            file: (*file).to_owned(),
            class: (*class).to_owned(),
            malicious,
        });
    }
    Ok(rows)
}

/// Copy the labelled files of `tests/fixtures/<set>/` (written by
/// `scripts/gen-adversarial.py` and `scripts/gen-real-benign.py`) to
/// `<side>/<set>/<class>/<file>`; the class directory is what
/// [`class_of`] reads back. Returns the copied folder rows.
fn copy_manifest_fixtures(root: &Path, corpus: &Path, set: &str) -> anyhow::Result<Vec<PathBuf>> {
    let from = root.join("tests/fixtures").join(set);
    let mut folders = Vec::new();
    for row in read_manifest(&from.join("MANIFEST.tsv"))? {
        let side = if row.malicious { "malicious" } else { "benign" };
        let name = row.file.trim_end_matches('/');
        let base = Path::new(name)
            .file_name()
            .with_context(|| format!("{set}/MANIFEST.tsv: no file name in {name:?}"))?;
        let dest = corpus.join(side).join(set).join(&row.class).join(base);
        if row.file.ends_with('/') {
            copy_tree(&from.join(name), &dest)?;
            folders.push(dest);
        } else {
            if let Some(dir) = dest.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::copy(from.join(name), &dest)
                .with_context(|| format!("copy tests/fixtures/{set}/{name}"))?;
        }
    }
    Ok(folders)
}

/// The breakdown group of a corpus file: the class of an adversarial or
/// real benign fixture, else where the file came from.
fn class_of(f: &Path, corpus: &Path) -> String {
    let rel: Vec<String> = f
        .strip_prefix(corpus)
        .unwrap_or(f)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    match rel.as_slice() {
        [_, set, class, _, ..] if set == "adversarial" => format!("adversarial: {class}"),
        [_, set, ..] if set == "real-benign" => "real benign (current libraries)".into(),
        [_, set, ..] if set == "formats" => "real files of other formats".into(),
        [_, set, ..] if set == "real" => "real models (fetch-real-models.sh)".into(),
        _ => "testkit (scan_corpus)".into(),
    }
}

/// Real files of the non-pickle formats, from `tests/fixtures/`, with whether
/// loading them would do something harmful (read or write outside the model,
/// run code) and where they go in the corpus (file names kept where loaders
/// go by name).
const FORMAT_FIXTURES: &[(&str, bool, &str)] = &[
    ("graphs/keras/lambda.keras", true, "keras/lambda.keras"),
    ("graphs/keras/lambda.h5", true, "keras/lambda.h5"),
    ("graphs/keras/benign.keras", false, "keras/benign.keras"),
    ("graphs/keras/benign.h5", false, "keras/benign.h5"),
    (
        "graphs/onnx/external_traversal.onnx",
        true,
        "onnx/external_traversal.onnx",
    ),
    (
        "graphs/onnx/metadata_code.onnx",
        true,
        "onnx/metadata_code.onnx",
    ),
    ("graphs/onnx/benign.onnx", false, "onnx/benign.onnx"),
    (
        "graphs/onnx/if_subgraph.onnx",
        true,
        "onnx/if_subgraph.onnx",
    ),
    (
        "graphs/onnx/local_function.onnx",
        false,
        "onnx/local_function.onnx",
    ),
    (
        "graphs/savedmodel/file_ops/saved_model.pb",
        true,
        "savedmodel-file-ops/saved_model.pb",
    ),
    (
        "graphs/savedmodel/keras_lambda/keras_metadata.pb",
        true,
        "savedmodel-keras-lambda/keras_metadata.pb",
    ),
    (
        "graphs/savedmodel/benign/saved_model.pb",
        false,
        "savedmodel-benign/saved_model.pb",
    ),
    (
        "graphs/savedmodel/keras_benign/saved_model.pb",
        false,
        "savedmodel-keras-benign/saved_model.pb",
    ),
    (
        "graphs/savedmodel/keras_benign/keras_metadata.pb",
        false,
        "savedmodel-keras-benign/keras_metadata.pb",
    ),
    (
        "graphs/hdf5/external_link_v0.h5",
        true,
        "hdf5/external_link_v0.h5",
    ),
    (
        "graphs/hdf5/external_storage.h5",
        true,
        "hdf5/external_storage.h5",
    ),
    ("graphs/hdf5/plain.h5", false, "hdf5/plain.h5"),
    ("graphs/hdf5/groups_v3.h5", false, "hdf5/groups_v3.h5"),
    (
        "graphs/hdf5/keras_attrs_v0.h5",
        false,
        "hdf5/keras_attrs_v0.h5",
    ),
    ("graphs/hdf5/userblock.h5", false, "hdf5/userblock.h5"),
    ("graphs/hdf5/dense_attrs.h5", false, "hdf5/dense_attrs.h5"),
    (
        "graphs/hdf5/dense_keras_lambda.h5",
        true,
        "hdf5/dense_keras_lambda.h5",
    ),
    ("graphs/hdf5/dense_links.h5", true, "hdf5/dense_links.h5"),
    (
        "graphs/hdf5/dense_keras_huge.h5",
        false,
        "hdf5/dense_keras_huge.h5",
    ),
    (
        "graphs/hdf5/dense_links_benign.h5",
        false,
        "hdf5/dense_links_benign.h5",
    ),
    (
        "tensors/flex-custom.tflite",
        true,
        "tflite/flex-custom.tflite",
    ),
    ("tensors/tiny-add.tflite", false, "tflite/tiny-add.tflite"),
    (
        "tensors/tiny.safetensors",
        false,
        "safetensors/tiny.safetensors",
    ),
    ("tensors/tiny.gguf", false, "gguf/tiny.gguf"),
    (
        "tensors/flax_model.msgpack",
        false,
        "flax/flax_model.msgpack",
    ),
];

fn copy_format_fixtures(root: &Path, corpus: &Path) -> anyhow::Result<()> {
    for (from, malicious, to) in FORMAT_FIXTURES {
        let side = if *malicious { "malicious" } else { "benign" };
        let dest = corpus.join(side).join("formats").join(to);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::copy(root.join("tests/fixtures").join(from), &dest)
            .with_context(|| format!("copy tests/fixtures/{from}"))?;
    }
    Ok(())
}

fn target_real(root: &Path) -> PathBuf {
    root.join("target/real-models")
}

fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from).with_context(|| format!("read {}", from.display()))? {
        let entry = entry?;
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(entry.file_name()))?;
        } else {
            std::fs::copy(&path, to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

/// The corpus's artifacts: every file, except that each of `folders` is one
/// artifact (its files are not listed).
fn list_files(dir: &Path, folders: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let p = entry?.path();
            if folders.contains(&p) {
                out.push(p);
            } else if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn ensure_venv(venv: &Path) -> anyhow::Result<()> {
    let pip = venv.join("bin/pip");
    if !pip.exists() {
        cmd::run(Command::new("python3").args(["-m", "venv"]).arg(venv))?;
    }
    let missing: Vec<&str> = PEERS
        .iter()
        .copied()
        .filter(|p| !venv.join("bin").join(p).exists())
        .collect();
    if !missing.is_empty() {
        cmd::run(
            Command::new(&pip)
                .args(["install", "--quiet"])
                .args(&missing),
        )?;
    }
    Ok(())
}

fn version_of(venv: &Path, package: &str) -> String {
    cmd::stdout_of(venv.join("bin/pip"), ["show", package])
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Version: ").map(str::to_owned))
        })
        .unwrap_or_else(|| "?".into())
}

/// Timed runs of a whole-corpus command after its first run, when that run
/// took less than [`REPEAT_BELOW`]; the median is reported.
const REPEATS: usize = 21;
/// Commands slower than this are timed once (their first run).
const REPEAT_BELOW: Duration = Duration::from_secs(5);

/// Run `cmd` once for its output. A fast command (under [`REPEAT_BELOW`]) is
/// then run [`REPEATS`] more times and the median of those runs is its time,
/// so every tool is timed with its files in the page cache and its own
/// start-up caches (`.pyc`) warm; a slow one is timed by its single run.
fn timed(cmd: &mut Command) -> anyhow::Result<(std::process::Output, Duration)> {
    let (out, first) = timed_once(cmd)?;
    if first >= REPEAT_BELOW {
        return Ok((out, first));
    }
    let mut times = Vec::with_capacity(REPEATS);
    for _ in 0..REPEATS {
        times.push(timed_once(cmd)?.1);
    }
    times.sort();
    Ok((out, times.get(REPEATS / 2).copied().unwrap_or(first)))
}

fn timed_once(cmd: &mut Command) -> anyhow::Result<(std::process::Output, Duration)> {
    eprintln!("$ {}", cmd::display(cmd));
    let t = Instant::now();
    let out = cmd
        .output()
        .with_context(|| format!("cannot start {}", cmd::display(cmd)))?;
    Ok((out, t.elapsed()))
}

/// Read every corpus file once so that no tool pays for cold disk reads.
fn warm_page_cache(files: &[PathBuf]) -> anyhow::Result<()> {
    for f in files {
        if f.is_dir() {
            warm_page_cache(&list_files(f, &[])?)?;
        } else {
            std::fs::read(f).with_context(|| format!("read {}", f.display()))?;
        }
    }
    Ok(())
}

/// The corpus file a tool's "path" or "path:member" or "path (member)" names.
fn owner<'f>(files: &'f [PathBuf], corpus: &Path, text: &str) -> Option<&'f PathBuf> {
    files
        .iter()
        .filter(|f| {
            let abs = f.to_string_lossy();
            let rel = f
                .strip_prefix(corpus)
                .unwrap_or(f)
                .to_string_lossy()
                .into_owned();
            text.contains(abs.as_ref()) || text.contains(&rel)
        })
        .max_by_key(|f| f.as_os_str().len())
}

fn run_modelvet(root: &Path, corpus: &Path, files: &[PathBuf]) -> anyhow::Result<ToolRun> {
    let bin = root.join("target/dist/modelvet");
    let (out, time) = timed(
        Command::new(&bin)
            .args(["scan", "--format", "json"])
            .arg(corpus),
    )?;
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("modelvet JSON report")?;
    let mut outcomes: BTreeMap<PathBuf, Outcome> =
        files.iter().map(|f| (f.clone(), Outcome::Clean)).collect();
    for e in report["errors"].as_array().into_iter().flatten() {
        if let Some(f) = owner(files, corpus, e["artifact"].as_str().unwrap_or_default()) {
            outcomes.insert(f.clone(), Outcome::Error);
        }
    }
    for f in report["findings"].as_array().into_iter().flatten() {
        let sev = f["severity"].as_str().unwrap_or_default();
        if matches!(sev, "medium" | "high" | "critical") {
            if let Some(p) = owner(files, corpus, f["artifact"].as_str().unwrap_or_default()) {
                outcomes.insert(p.clone(), Outcome::Flagged);
            }
        }
    }
    Ok(ToolRun {
        name: "modelvet".into(),
        version: report["tool"]["version"].as_str().unwrap_or("?").to_owned(),
        time,
        outcomes,
    })
}

fn run_peer(name: &str, venv: &Path, corpus: &Path, files: &[PathBuf]) -> anyhow::Result<ToolRun> {
    let bin = venv.join("bin").join(name);
    if !bin.exists() {
        bail!("{} is missing", bin.display());
    }
    let mut outcomes: BTreeMap<PathBuf, Outcome> =
        files.iter().map(|f| (f.clone(), Outcome::Clean)).collect();
    let mut mark = |text: &str, o: Outcome| {
        if let Some(f) = owner(files, corpus, text) {
            let cur = outcomes.get(f).copied();
            // Flagged wins over error, error over clean.
            if o == Outcome::Flagged || cur == Some(Outcome::Clean) {
                outcomes.insert(f.clone(), o);
            }
        }
    };
    let time = match name {
        "picklescan" => {
            let (out, t) = timed(Command::new(&bin).arg("--path").arg(corpus))?;
            let text = format!(
                "{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            for line in text.lines() {
                if line.contains("dangerous import") || line.contains("FOUND") {
                    mark(line, Outcome::Flagged);
                } else if line.contains("could not parse") || line.contains("ERROR") {
                    mark(line, Outcome::Error);
                }
            }
            t
        }
        "modelscan" => {
            let report = std::env::temp_dir().join("modelvet-bench-modelscan.json");
            let (_, t) = timed(
                Command::new(&bin)
                    .arg("-p")
                    .arg(corpus)
                    .args(["-r", "json", "-o"])
                    .arg(&report),
            )?;
            let json: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&report).unwrap_or_default())
                    .unwrap_or_default();
            for e in json["errors"].as_array().into_iter().flatten() {
                mark(&e.to_string(), Outcome::Error);
            }
            for i in json["issues"].as_array().into_iter().flatten() {
                let sev = i["severity"].as_str().unwrap_or_default();
                if matches!(sev, "MEDIUM" | "HIGH" | "CRITICAL") {
                    mark(&i["source"].to_string(), Outcome::Flagged);
                }
            }
            t
        }
        "modelaudit" => {
            let (out, t) = timed(
                Command::new(&bin)
                    .arg("scan")
                    .arg(corpus)
                    .args(["--format", "json"])
                    // No telemetry: the machine is offline and retries would be timed.
                    .env("PROMPTFOO_DISABLE_TELEMETRY", "1")
                    .env("MODELAUDIT_DISABLE_TELEMETRY", "1")
                    .env("DO_NOT_TRACK", "1"),
            )?;
            let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
            for i in json["issues"].as_array().into_iter().flatten() {
                let sev = i["severity"]
                    .as_str()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                let text = format!("{} {}", i["location"], i["details"]);
                if matches!(
                    sev.as_str(),
                    "critical" | "warning" | "error" | "high" | "medium"
                ) {
                    mark(&text, Outcome::Flagged);
                }
            }
            for e in json["errors"].as_array().into_iter().flatten() {
                mark(&e.to_string(), Outcome::Error);
            }
            t
        }
        "fickling" => {
            let mut total = Duration::ZERO;
            for f in files {
                // A folder artifact: each of its files, the worst outcome wins.
                let members = if f.is_dir() {
                    list_files(f, &[])?
                } else {
                    vec![f.clone()]
                };
                let mut o = Outcome::Clean;
                for m in &members {
                    let (out, t) = timed_once(
                        Command::new(&bin)
                            .arg("--check-safety")
                            .arg(m)
                            // fickling writes safety_results.json into its working directory.
                            .current_dir(std::env::temp_dir()),
                    )?;
                    total += t;
                    // 0: safe, 1: unsafe, anything else: could not parse.
                    o = match (out.status.code(), o) {
                        (Some(1), _) | (_, Outcome::Flagged) => Outcome::Flagged,
                        (Some(0), cur) => cur,
                        _ => Outcome::Error,
                    };
                }
                outcomes.insert(f.clone(), o);
            }
            total
        }
        other => bail!("unknown tool {other}"),
    };
    Ok(ToolRun {
        name: name.into(),
        version: version_of(venv, name),
        time,
        outcomes,
    })
}

fn is_malicious(f: &Path, corpus: &Path) -> bool {
    f.strip_prefix(corpus)
        .is_ok_and(|r| r.starts_with("malicious"))
}

fn render(runs: &[ToolRun], files: &[PathBuf], corpus: &Path) -> String {
    let bad = files.iter().filter(|f| is_malicious(f, corpus)).count();
    let good = files.len() - bad;
    let mut s = format!(
        "## Scan: modelvet vs peers\n\n`cargo xtask bench scan` on {} files: {bad} malicious \
         (written by `modelvet-testkit`'s `scan_corpus`, plus real Keras, ONNX, SavedModel, \
         HDF5 and TFLite files from `tests/fixtures/`, plus the adversarial corpus of \
         `scripts/gen-adversarial.py`), {good} benign (testkit, the real files \
         of `scripts/fetch-real-models.sh`, real files of every other format from \
         `tests/fixtures/`, the files of `scripts/gen-real-benign.py` written by current \
         library releases, and the adversarial corpus's benign controls). A \
         `trust_remote_code` repository of the adversarial corpus counts as one file, \
         flagged when any of its files is. A tool *flags* a file when it reports an issue \
         at medium or above (modelvet: a finding ≥ medium; modelscan: MEDIUM+; modelaudit: \
         warning+; picklescan: a dangerous import; fickling: a non-zero `--check-safety`). \
         Wall time is for the whole corpus with its files in the page cache, one process per \
         tool (fickling: one per file, timed once); a tool whose first run takes under 5 s is \
         run {REPEATS} more times and the median is shown. modelvet is the `dist` build \
         (`cargo build --profile dist`: fat LTO, one codegen unit), as shipped.\n\n\
         | tool | version | caught | missed | false positives | errors | time |\n\
         |---|---|---|---|---|---|---|\n",
        files.len()
    );
    for r in runs {
        let count = |mal: bool, o: Outcome| {
            r.outcomes
                .iter()
                .filter(|(f, v)| is_malicious(f, corpus) == mal && **v == o)
                .count()
        };
        s += &format!(
            "| {} | {} | {}/{bad} | {} | {}/{good} | {} | {:.3} s |\n",
            r.name,
            r.version,
            count(true, Outcome::Flagged),
            count(true, Outcome::Clean),
            count(false, Outcome::Flagged),
            count(true, Outcome::Error) + count(false, Outcome::Error),
            r.time.as_secs_f64()
        );
    }
    let modelvet = runs.iter().find(|r| r.name == "modelvet");
    let fastest_peer = runs
        .iter()
        .filter(|r| r.name != "modelvet")
        .min_by_key(|r| r.time);
    if let (Some(m), Some(p)) = (modelvet, fastest_peer) {
        s += &format!(
            "\nmodelvet takes {:.1} ms, {:.1}× less than the fastest peer ({}, {:.1} ms).\n",
            m.time.as_secs_f64() * 1000.0,
            p.time.as_secs_f64() / m.time.as_secs_f64().max(1e-9),
            p.name,
            p.time.as_secs_f64() * 1000.0
        );
    }
    s += &render_classes(runs, files, corpus);
    s += "\nPer malicious file (✓ caught, · missed, E error):\n\n| file |";
    for r in runs {
        s += &format!(" {} |", r.name);
    }
    s += "\n|---|";
    s += &"---|".repeat(runs.len());
    s += "\n";
    let mark = |o: Option<&Outcome>| match o {
        Some(Outcome::Flagged) => "✓",
        Some(Outcome::Error) => "E",
        _ => "·",
    };
    for f in files.iter().filter(|f| is_malicious(f, corpus)) {
        let name = f
            .strip_prefix(corpus.join("malicious"))
            .unwrap_or(f)
            .to_string_lossy()
            .into_owned();
        s += &format!("| `{name}` |");
        for r in runs {
            s += &format!(" {} |", mark(r.outcomes.get(f)));
        }
        s += "\n";
    }
    let fps: Vec<String> = files
        .iter()
        .filter(|f| !is_malicious(f, corpus))
        .filter_map(|f| {
            let who: Vec<&str> = runs
                .iter()
                .filter(|r| r.outcomes.get(f) == Some(&Outcome::Flagged))
                .map(|r| r.name.as_str())
                .collect();
            (!who.is_empty()).then(|| {
                let rel = f.strip_prefix(corpus).unwrap_or(f).display();
                format!("- `{rel}`: {}", who.join(", "))
            })
        })
        .collect();
    if !fps.is_empty() {
        s += "\nBenign files flagged:\n\n";
        s += &fps.join("\n");
        s += "\n";
    }
    s
}

/// Caught (malicious groups) or flagged (benign groups) per class and tool.
fn render_classes(runs: &[ToolRun], files: &[PathBuf], corpus: &Path) -> String {
    let mut groups: BTreeMap<(bool, String), Vec<&PathBuf>> = BTreeMap::new();
    for f in files {
        groups
            .entry((!is_malicious(f, corpus), class_of(f, corpus)))
            .or_default()
            .push(f);
    }
    let mut s = String::from(
        "\nPer class: malicious files caught, benign files flagged (false positives):\n\n\
         | side | class |",
    );
    for r in runs {
        s += &format!(" {} |", r.name);
    }
    s += "\n|---|---|";
    s += &"---|".repeat(runs.len());
    s += "\n";
    for ((benign, class), members) in &groups {
        let side = if *benign { "benign" } else { "malicious" };
        s += &format!("| {side} | {class} |");
        for r in runs {
            let flagged = members
                .iter()
                .filter(|f| r.outcomes.get(**f) == Some(&Outcome::Flagged))
                .count();
            s += &format!(" {flagged}/{} |", members.len());
        }
        s += "\n";
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("xtask-bench-scan-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn classes_come_from_the_corpus_layout() {
        let c = Path::new("/c");
        let class = |p: &str| class_of(&c.join(p), c);
        assert_eq!(
            class("malicious/adversarial/names/x.pkl"),
            "adversarial: names"
        );
        assert_eq!(
            class("malicious/adversarial/keras-code/remote_x"),
            "adversarial: keras-code"
        );
        assert_eq!(
            class("benign/adversarial/sniffing/b.pkl"),
            "adversarial: sniffing"
        );
        assert_eq!(
            class("benign/real-benign/real-benign/a.pt"),
            "real benign (current libraries)"
        );
        assert_eq!(
            class("benign/real/joblib/a.pkl"),
            "real models (fetch-real-models.sh)"
        );
        assert_eq!(
            class("malicious/formats/onnx/a.onnx"),
            "real files of other formats"
        );
        assert_eq!(class("malicious/zip/payload.pt"), "testkit (scan_corpus)");
    }

    #[test]
    fn manifest_rows_and_folders_are_copied_as_labelled() {
        let root = tmp("root");
        let set = root.join("tests/fixtures/adv");
        std::fs::create_dir_all(set.join("names")).unwrap();
        std::fs::create_dir_all(set.join("code/repo")).unwrap();
        std::fs::write(set.join("names/a.pkl"), b"a").unwrap();
        std::fs::write(set.join("names/b.pkl"), b"b").unwrap();
        std::fs::write(set.join("code/repo/config.json"), b"{}").unwrap();
        std::fs::write(set.join("code/repo/modeling.py"), b"x").unwrap();
        std::fs::write(
            set.join("MANIFEST.tsv"),
            "# versions\nnames/a.pkl\tnames\tpickle.load\tx\ty\tmalicious\n\
             names/b.pkl\tnames\tpickle.load\tx\ty\tbenign\n\
             code/repo/\tcode\tfrom_pretrained\tx\ty\tmalicious\n",
        )
        .unwrap();
        let corpus = tmp("corpus");
        let folders = copy_manifest_fixtures(&root, &corpus, "adv").unwrap();
        assert_eq!(folders, vec![corpus.join("malicious/adv/code/repo")]);
        let files = list_files(&corpus, &folders).unwrap();
        let rel: Vec<String> = files
            .iter()
            .map(|f| f.strip_prefix(&corpus).unwrap().display().to_string())
            .collect();
        assert_eq!(
            rel,
            [
                "benign/adv/names/b.pkl",
                "malicious/adv/code/repo",
                "malicious/adv/names/a.pkl"
            ]
        );
        // A finding on a file inside the folder is the folder's.
        let inside = corpus.join("malicious/adv/code/repo/modeling.py");
        assert_eq!(
            owner(&files, &corpus, &inside.to_string_lossy()),
            Some(&files[1])
        );

        let run = ToolRun {
            name: "t".into(),
            version: "1".into(),
            time: Duration::ZERO,
            outcomes: files
                .iter()
                .map(|f| {
                    (
                        f.clone(),
                        if f.is_dir() {
                            Outcome::Flagged
                        } else {
                            Outcome::Clean
                        },
                    )
                })
                .collect(),
        };
        let table = render_classes(&[run], &files, &corpus);
        assert!(
            table.contains("| malicious | testkit (scan_corpus) | 1/2 |"),
            "{table}"
        );
        assert!(
            table.contains("| benign | testkit (scan_corpus) | 0/1 |"),
            "{table}"
        );
        let _ = std::fs::remove_dir_all(&root);
        let _ = std::fs::remove_dir_all(&corpus);
    }

    #[test]
    fn manifest_rejects_an_unknown_label() {
        let d = tmp("bad");
        std::fs::write(d.join("MANIFEST.tsv"), "a.pkl\tnames\tl\tw\th\tmaybe\n").unwrap();
        assert!(read_manifest(&d.join("MANIFEST.tsv")).is_err());
        let _ = std::fs::remove_dir_all(&d);
    }
}
