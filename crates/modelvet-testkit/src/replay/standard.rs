//! The standard replay scenario: recorded Hub responses and model cards from
//! `/work/shared/fixtures` (copied under `crates/modelvet-testkit/fixtures`,
//! provenance in `fixtures/README.md`), arranged as repos.
//!
//! | repo | what it exercises | sources |
//! |---|---|---|
//! | `google-bert/bert-base-uncased` | `main` → `86b5e09…` (card = the real front matter), and the pinned commit `dd4bc8b…` (no README, pickle + HDF5 weights) | `hub/bert-base-uncased.*` (FROM-TEST / VERBATIM siblings); `modelcard/bert-base-uncased.frontmatter.md`; `deps/config.json` (RECONSTRUCTED) |
//! | `acme-research/sentiment-distilbert-v2` | a well-documented card | `modelcard/full-card.README.md` (SYNTHETIC text) served with bert's `main` model info re-labelled |
//! | `acme-research/legacy-sentiment-bert` | sparse auto-generated card, pickle-only, Hub scan flags a file | `hub/pickle-only.*` + `modelcard/sparse-card.README.md` (SYNTHETIC) |
//! | `meta-llama/Llama-3.2-1B` | gated: metadata open, files need a granted token | `hub/gated-llama-style.model-info.json` (RECONSTRUCTED); README built from its `cardData` |
//! | `acme-research/taken-down` | disabled repo | minimal info (SYNTHETIC) |
//! | `acme-research/private-model` | private: answers like a missing repo without a granted token | full-card repo under another id |
//!
//! Two changes to recorded data, both additive: bert's `main` model info is a
//! deliberately truncated sibling list, so `README.md` and `config.json`
//! siblings are appended; the re-labelled repos get their own (synthetic) sha.

use super::{Access, Commit, Repo, Scenario};
use serde_json::{json, Value};

/// bert's `main` (86b5e09…).
pub const BERT_MAIN_SHA: &str = "86b5e0934494bd15c9632b12f734a8a67f723594";
/// The commit pinned by the Hub clients' tests.
pub const BERT_OLD_SHA: &str = "dd4bc8b21efa05ec961e3efc4ee5e3832a3679c7";
/// SYNTHETIC sha of the full-card repo.
pub const FULL_SHA: &str = "2222222222222222222222222222222222222222";
/// The token the standard scenario grants access to gated and private repos.
pub const GRANTED_TOKEN: &str = "hf_replay_granted_token";

const BERT_OLD_INFO: &str =
    include_str!("../../fixtures/hub/bert-base-uncased.model-info.dd4bc8b.blobs.json");
const BERT_OLD_TREE: &str =
    include_str!("../../fixtures/hub/bert-base-uncased.tree.dd4bc8b.expand.json");
const BERT_MAIN_INFO: &str =
    include_str!("../../fixtures/hub/bert-base-uncased.model-info.main.partial.json");
const BERT_FRONT_MATTER: &str =
    include_str!("../../fixtures/modelcard/bert-base-uncased.frontmatter.md");
const BERT_CONFIG: &str = include_str!("../../fixtures/deps/config.json");
const PICKLE_INFO: &str = include_str!("../../fixtures/hub/pickle-only.model-info.json");
const PICKLE_TREE: &str = include_str!("../../fixtures/hub/pickle-only.tree.expand.json");
const GATED_INFO: &str = include_str!("../../fixtures/hub/gated-llama-style.model-info.json");
/// `modelcard/full-card.README.md`.
pub const FULL_CARD: &str = include_str!("../../fixtures/modelcard/full-card.README.md");
/// `modelcard/sparse-card.README.md`.
pub const SPARSE_CARD: &str = include_str!("../../fixtures/modelcard/sparse-card.README.md");

fn parse(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or(Value::Null)
}

fn push_sibling(info: &mut Value, path: &str, size: usize) {
    if let Some(list) = info.get_mut("siblings").and_then(Value::as_array_mut) {
        if !list.iter().any(|s| s["rfilename"] == path) {
            list.push(json!({ "rfilename": path, "size": size }));
        }
    }
}

fn set(info: &mut Value, key: &str, value: Value) {
    if let Some(obj) = info.as_object_mut() {
        obj.insert(key.to_owned(), value);
    }
}

fn bert() -> Repo {
    let mut main = parse(BERT_MAIN_INFO);
    push_sibling(&mut main, "README.md", BERT_FRONT_MATTER.len());
    push_sibling(&mut main, "config.json", BERT_CONFIG.len());
    Repo {
        id: "google-bert/bert-base-uncased".into(),
        commits: vec![
            Commit {
                sha: BERT_OLD_SHA.into(),
                info: parse(BERT_OLD_INFO),
                tree: parse(BERT_OLD_TREE).as_array().cloned(),
                files: vec![("config.json".into(), BERT_CONFIG.as_bytes().to_vec())],
            },
            Commit {
                sha: BERT_MAIN_SHA.into(),
                info: main,
                tree: None,
                files: vec![
                    ("README.md".into(), BERT_FRONT_MATTER.as_bytes().to_vec()),
                    ("config.json".into(), BERT_CONFIG.as_bytes().to_vec()),
                ],
            },
        ],
        refs: vec![("main".into(), BERT_MAIN_SHA.into())],
        access: Access::Open,
    }
}

fn full_card(id: &str, access: Access) -> Repo {
    let config =
        r#"{"architectures": ["DistilBertForSequenceClassification"], "model_type": "distilbert"}"#;
    let mut info = parse(BERT_MAIN_INFO);
    let author = id.split('/').next().unwrap_or_default();
    set(&mut info, "id", json!(id));
    set(&mut info, "modelId", json!(id));
    set(&mut info, "author", json!(author));
    set(&mut info, "sha", json!(FULL_SHA));
    set(&mut info, "private", json!(access == Access::Private));
    set(&mut info, "pipeline_tag", json!("text-classification"));
    set(&mut info, "lastModified", json!("2026-09-30T12:00:00.000Z"));
    set(
        &mut info,
        "tags",
        json!([
            "transformers",
            "safetensors",
            "distilbert",
            "text-classification",
            "en",
            "dataset:stanfordnlp/sst2",
            "dataset:stanfordnlp/imdb",
            "arxiv:1910.01108",
            "license:apache-2.0",
            "base_model:distilbert/distilbert-base-uncased"
        ]),
    );
    if let Some(obj) = info.as_object_mut() {
        obj.remove("cardData");
    }
    if let Some(list) = info.get_mut("siblings").and_then(Value::as_array_mut) {
        list.retain(|s| s["rfilename"] == "model.safetensors");
    }
    push_sibling(&mut info, "README.md", FULL_CARD.len());
    push_sibling(&mut info, "config.json", config.len());
    Repo {
        id: id.into(),
        commits: vec![Commit {
            sha: FULL_SHA.into(),
            info,
            tree: None,
            files: vec![
                ("README.md".into(), FULL_CARD.as_bytes().to_vec()),
                ("config.json".into(), config.as_bytes().to_vec()),
            ],
        }],
        refs: vec![("main".into(), FULL_SHA.into())],
        access,
    }
}

fn pickle_only() -> Repo {
    let info = parse(PICKLE_INFO);
    let sha = info["sha"].as_str().unwrap_or_default().to_owned();
    let config = r#"{"architectures": ["BertForSequenceClassification"], "model_type": "bert"}"#;
    Repo {
        id: "acme-research/legacy-sentiment-bert".into(),
        commits: vec![Commit {
            sha: sha.clone(),
            info,
            tree: parse(PICKLE_TREE).as_array().cloned(),
            files: vec![
                ("README.md".into(), SPARSE_CARD.as_bytes().to_vec()),
                ("config.json".into(), config.as_bytes().to_vec()),
            ],
        }],
        refs: vec![("main".into(), sha)],
        access: Access::Open,
    }
}

/// A README for the gated repo, built from its recorded `cardData`.
pub fn gated_readme() -> String {
    "---\nlanguage:\n- en\n- de\nlibrary_name: transformers\nlicense: llama3.2\npipeline_tag: text-generation\n\
     tags:\n- facebook\n- meta\n- llama\n---\n\n# Llama 3.2 (replay fixture)\n\n\
     ## Intended Use\n\nCommercial and research use in multiple languages, under the licence and its acceptable use policy.\n\n\
     **Out of scope:** use that violates applicable laws or the acceptable use policy.\n\n\
     ## Training Data\n\nA new mix of publicly available online data, up to 9T tokens.\n\n\
     ## Benchmarks - English Text\n\nMMLU 49.3 for the 1B base model (5-shot).\n\n\
     ## Responsibility & Safety\n\nRisks and limitations: the model may produce inaccurate or objectionable responses.\n"
        .to_owned()
}

fn gated() -> Repo {
    let info = parse(GATED_INFO);
    let sha = info["sha"].as_str().unwrap_or_default().to_owned();
    let config = r#"{"architectures": ["LlamaForCausalLM"], "model_type": "llama"}"#;
    Repo {
        id: "meta-llama/Llama-3.2-1B".into(),
        commits: vec![Commit {
            sha: sha.clone(),
            info,
            tree: None,
            files: vec![
                ("README.md".into(), gated_readme().into_bytes()),
                ("config.json".into(), config.as_bytes().to_vec()),
            ],
        }],
        refs: vec![("main".into(), sha)],
        access: Access::Gated,
    }
}

fn disabled() -> Repo {
    let sha = "3333333333333333333333333333333333333333";
    Repo {
        id: "acme-research/taken-down".into(),
        commits: vec![Commit {
            sha: sha.into(),
            info: json!({"id": "acme-research/taken-down", "sha": sha, "disabled": true, "siblings": []}),
            tree: None,
            files: Vec::new(),
        }],
        refs: vec![("main".into(), sha.into())],
        access: Access::Disabled,
    }
}

/// Every standard repo, 50 tree entries per page, [`GRANTED_TOKEN`] granted.
pub fn scenario() -> Scenario {
    Scenario {
        repos: vec![
            bert(),
            full_card("acme-research/sentiment-distilbert-v2", Access::Open),
            full_card("acme-research/private-model", Access::Private),
            pickle_only(),
            gated(),
            disabled(),
        ],
        granted_tokens: vec![GRANTED_TOKEN.into()],
        ..Scenario::default()
    }
}
