//! Audits of the recorded fixtures (/work/shared/fixtures, copied under
//! crates/modelvet-testkit/fixtures).
#![allow(clippy::unwrap_used, clippy::panic)]

use super::*;
use crate::hub::{api::tree_file, HubError, ModelInfo, RepoRef};

const BERT_MAIN: &str = include_str!(
    "../../../modelvet-testkit/fixtures/hub/bert-base-uncased.model-info.main.partial.json"
);
const BERT_OLD: &str = include_str!(
    "../../../modelvet-testkit/fixtures/hub/bert-base-uncased.model-info.dd4bc8b.blobs.json"
);
const PICKLE: &str =
    include_str!("../../../modelvet-testkit/fixtures/hub/pickle-only.model-info.json");
const PICKLE_TREE: &str =
    include_str!("../../../modelvet-testkit/fixtures/hub/pickle-only.tree.expand.json");
const GATED: &str =
    include_str!("../../../modelvet-testkit/fixtures/hub/gated-llama-style.model-info.json");
const FULL: &str = include_str!("../../../modelvet-testkit/fixtures/modelcard/full-card.README.md");
const SPARSE: &str =
    include_str!("../../../modelvet-testkit/fixtures/modelcard/sparse-card.README.md");
const OTHER: &str =
    include_str!("../../../modelvet-testkit/fixtures/modelcard/license-other.README.md");

/// 2026-11-25T00:00:00Z.
const NOW: i64 = 1_795_564_800;

fn snapshot(info: &str, readme: Option<&str>, tree: Option<&str>) -> HubSnapshot {
    let info = ModelInfo::from_json(&serde_json::from_str(info).unwrap()).unwrap();
    let (files, from_tree) = match tree {
        Some(t) => {
            let v: Vec<serde_json::Value> = serde_json::from_str(t).unwrap();
            (v.iter().filter_map(tree_file).collect(), true)
        }
        None => (info.siblings.clone(), false),
    };
    HubSnapshot {
        target: RepoRef::parse(&info.id, None).unwrap(),
        endpoint: "https://huggingface.co".into(),
        info,
        files,
        files_from_tree: from_tree,
        tree_truncated: false,
        readme: match readme {
            Some(t) => FileFetch::Text {
                text: t.into(),
                truncated: false,
            },
            None => FileFetch::Absent,
        },
        config: FileFetch::Absent,
        notes: Vec::new(),
    }
}

fn opts(use_: IntendedUse) -> AuditOptions {
    AuditOptions {
        intended_use: use_,
        now_unix: Some(NOW),
        ..AuditOptions::default()
    }
}

fn item(a: &CardAudit, id: ItemId) -> &CheckItem {
    a.items.iter().find(|i| i.id == id).unwrap()
}

#[test]
fn full_card_scores_high() {
    // The full-card README served as bert's card, with bert's safetensors siblings.
    let a = audit(
        &snapshot(BERT_MAIN, Some(FULL), None),
        &opts(IntendedUse::Commercial),
    );
    // Every item but freshness, which depends on the "now" the caller passes.
    for id in ItemId::ALL
        .into_iter()
        .filter(|id| *id != ItemId::Freshness)
    {
        assert_eq!(
            item(&a, id).status,
            ItemStatus::Pass,
            "{id:?}: {}",
            item(&a, id).evidence
        );
    }
    assert!(item(&a, ItemId::Evaluation)
        .evidence
        .contains("accuracy 0.912"));
    assert!(a.score >= 95, "score {}", a.score);
    assert_eq!(a.grade, Grade::A);
    assert_eq!(a.verdict, crate::severity::Verdict::Pass);
    let bias = item(&a, ItemId::BiasRisksLimitations);
    assert_eq!(
        bias.link.as_deref(),
        Some("https://huggingface.co/google-bert/bert-base-uncased/blob/86b5e0934494bd15c9632b12f734a8a67f723594/README.md#bias-risks-and-limitations")
    );
    assert_eq!(a.license.spdx.as_deref(), Some("Apache-2.0"));
}

#[test]
fn sparse_pickle_only_card_fails() {
    // sparse-card.README.md is the pickle-only repo's README (both describe legacy-sentiment-bert).
    let a = audit(
        &snapshot(PICKLE, Some(SPARSE), Some(PICKLE_TREE)),
        &opts(IntendedUse::Commercial),
    );
    let st = |id| item(&a, id).status;
    assert_eq!(st(ItemId::License), ItemStatus::Fail);
    assert_eq!(st(ItemId::LicenseUse), ItemStatus::Fail);
    assert_eq!(st(ItemId::TrainingData), ItemStatus::Fail);
    assert_eq!(st(ItemId::BiasRisksLimitations), ItemStatus::Fail);
    assert_eq!(st(ItemId::IntendedUses), ItemStatus::Fail);
    assert_eq!(
        st(ItemId::Evaluation),
        ItemStatus::Fail,
        "empty model-index results do not count"
    );
    assert_eq!(
        st(ItemId::BaseModel),
        ItemStatus::Fail,
        "fine-tuned without base_model"
    );
    assert_eq!(st(ItemId::WeightsFormat), ItemStatus::Fail);
    let scan = item(&a, ItemId::SecurityScan);
    assert_eq!(scan.status, ItemStatus::Fail);
    assert_eq!(scan.severity, Some(Severity::Critical));
    assert!(scan.evidence.contains("extra_state.pkl"));
    assert!(scan.evidence.contains("builtins.exec"));
    assert!(a.score < 35, "score {}", a.score);
    assert_eq!(a.grade, Grade::F);
    assert_eq!(a.verdict, crate::severity::Verdict::Fail);
    let pkl = a
        .files
        .iter()
        .find(|f| f.path == "extra_state.pkl")
        .unwrap();
    assert_eq!(pkl.flagged.as_deref(), Some("unsafe"));
    assert_eq!(pkl.weights, files::WeightKind::Pickle);
}

#[test]
fn licence_follows_the_selected_use() {
    let mut nc = FULL.replacen("license: apache-2.0", "license: cc-by-nc-4.0", 1);
    let commercial = audit(
        &snapshot(BERT_MAIN, Some(&nc), None),
        &opts(IntendedUse::Commercial),
    );
    assert_eq!(
        item(&commercial, ItemId::LicenseUse).status,
        ItemStatus::Fail
    );
    assert_eq!(
        item(&commercial, ItemId::LicenseUse).severity,
        Some(Severity::High)
    );
    let research = audit(
        &snapshot(BERT_MAIN, Some(&nc), None),
        &opts(IntendedUse::Research),
    );
    assert_eq!(item(&research, ItemId::LicenseUse).status, ItemStatus::Pass);
    nc.clear();
    // license: other with license_name + license_link: custom, partial.
    let other = audit(
        &snapshot(BERT_MAIN, Some(OTHER), None),
        &opts(IntendedUse::Commercial),
    );
    assert_eq!(item(&other, ItemId::License).status, ItemStatus::Partial);
    assert_eq!(item(&other, ItemId::LicenseUse).status, ItemStatus::Partial);
    assert_eq!(
        other.license.link.as_deref(),
        Some("https://huggingface.co/google-bert/bert-base-uncased/blob/86b5e0934494bd15c9632b12f734a8a67f723594/LICENSE")
    );
    assert!(item(&other, ItemId::BaseModel).evidence.contains("merge"));
}

#[test]
fn duplicate_keys_are_reported_and_first_wins() {
    let dup = FULL.replacen(
        "license: apache-2.0\n",
        "license: apache-2.0\nlicense: cc-by-nc-4.0\n",
        1,
    );
    let a = audit(
        &snapshot(BERT_MAIN, Some(&dup), None),
        &opts(IntendedUse::Commercial),
    );
    assert_eq!(a.front_matter.duplicate_keys, vec!["license".to_owned()]);
    assert_eq!(a.license.id.as_deref(), Some("apache-2.0"));
}

#[test]
fn alias_bomb_in_a_card_fails_closed() {
    let mut bomb = String::from("---\nlicense: mit\na: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut prev = "a".to_owned();
    for n in ["b", "c", "d", "e", "f", "g", "h"] {
        bomb.push_str(&format!(
            "{n}: &{n} [{}]\n",
            vec![format!("*{prev}"); 10].join(", ")
        ));
        prev = n.to_owned();
    }
    bomb.push_str("---\n# Card\n");
    let a = audit(
        &snapshot(BERT_MAIN, Some(&bomb), None),
        &opts(IntendedUse::Commercial),
    );
    assert_eq!(a.verdict, crate::severity::Verdict::Error);
    assert!(
        a.incomplete
            .iter()
            .any(|m| m.contains("card.max_yaml_nodes")),
        "{:?}",
        a.incomplete
    );
}

#[test]
fn broken_front_matter_falls_back_to_card_data() {
    let broken = FULL.replacen("license: apache-2.0", "license: [apache-2.0", 1);
    let a = audit(
        &snapshot(BERT_MAIN, Some(&broken), None),
        &opts(IntendedUse::Commercial),
    );
    assert!(a
        .front_matter
        .error
        .as_deref()
        .unwrap_or_default()
        .contains("invalid YAML"));
    // bert's cardData says apache-2.0.
    assert_eq!(a.license.id.as_deref(), Some("apache-2.0"));
}

#[test]
fn bert_at_the_pinned_commit_has_no_card() {
    let a = audit(
        &snapshot(BERT_OLD, None, None),
        &opts(IntendedUse::Commercial),
    );
    assert_eq!(a.sha, "dd4bc8b21efa05ec961e3efc4ee5e3832a3679c7");
    assert_eq!(item(&a, ItemId::CardPresent).status, ItemStatus::Fail);
    assert_eq!(item(&a, ItemId::License).status, ItemStatus::Fail);
    let w = item(&a, ItemId::WeightsFormat);
    assert_eq!(w.status, ItemStatus::Fail, "{}", w.evidence);
    assert!(w.evidence.contains("pytorch_model.bin"));
    assert_eq!(item(&a, ItemId::SecurityScan).status, ItemStatus::Partial);
    // Last modified 2019-09-23: older than 4 years.
    assert_eq!(item(&a, ItemId::Freshness).status, ItemStatus::Fail);
    let no_now = audit(&snapshot(BERT_OLD, None, None), &AuditOptions::default());
    assert_eq!(
        item(&no_now, ItemId::Freshness).status,
        ItemStatus::NotApplicable
    );
}

#[test]
fn gated_without_access_is_incomplete() {
    let mut snap = snapshot(GATED, None, None);
    let denied = HubError::Gated {
        repo: "meta-llama/Llama-3.2-1B".into(),
        with_token: false,
    };
    snap.readme = FileFetch::Failed(denied.clone());
    snap.config = FileFetch::Failed(denied.clone());
    snap.notes = vec![denied.clone(), denied];
    let a = audit(&snap, &opts(IntendedUse::Commercial));
    assert_eq!(a.verdict, crate::severity::Verdict::Error);
    assert!(a.incomplete[0].contains("accept the terms"));
    assert_eq!(
        item(&a, ItemId::TrainingData).status,
        ItemStatus::NotApplicable
    );
    assert_eq!(item(&a, ItemId::Access).status, ItemStatus::Partial);
    // The licence comes from cardData: llama3.2, custom terms.
    assert_eq!(
        a.license.class,
        Some(LicenseClass::CustomCommercialWithConditions)
    );
    assert_eq!(item(&a, ItemId::LicenseUse).status, ItemStatus::Partial);
    // original/consolidated.00.pth is pickle but model.safetensors exists.
    assert_eq!(item(&a, ItemId::WeightsFormat).status, ItemStatus::Pass);
}

#[test]
fn remote_code_and_disabled() {
    let mut snap = snapshot(BERT_MAIN, Some(FULL), None);
    snap.config = FileFetch::Text {
        text: r#"{"auto_map": {"AutoModel": "modeling_x.XModel"}}"#.into(),
        truncated: false,
    };
    snap.files.push(crate::hub::RepoFile {
        path: "modeling_x.py".into(),
        ..Default::default()
    });
    snap.info.disabled = true;
    let a = audit(&snap, &opts(IntendedUse::Commercial));
    let rc = item(&a, ItemId::RemoteCode);
    assert_eq!(rc.status, ItemStatus::Fail);
    assert!(rc.evidence.contains("auto_map") && rc.evidence.contains("modeling_x.py"));
    assert_eq!(item(&a, ItemId::Access).severity, Some(Severity::Critical));
}

#[test]
fn dates() {
    assert_eq!(checklist::days_since_epoch("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(
        checklist::days_since_epoch("2019-09-23T19:48:44.000Z"),
        Some(18_162)
    );
    assert_eq!(
        checklist::days_since_epoch("2026-11-25"),
        Some(NOW / 86_400)
    );
    assert_eq!(checklist::days_since_epoch("2019-13-01"), None);
    assert_eq!(checklist::days_since_epoch("garbage"), None);
}

#[test]
fn checklist_doc_is_up_to_date() {
    let doc = include_str!("../../../../docs/checklist.md");
    assert_eq!(
        doc,
        checklist::render_markdown(),
        "regenerate docs/checklist.md from card::checklist::render_markdown()"
    );
}

/// `cargo test -p modelvet-core --lib card::tests::write_checklist_doc -- --ignored` rewrites the doc.
#[test]
#[ignore = "writes docs/checklist.md"]
fn write_checklist_doc() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/checklist.md");
    std::fs::write(path, checklist::render_markdown()).unwrap();
}

#[test]
fn item_ids_are_serde_names() {
    crate::names::assert_match_serde::<ItemId>();
    // `ALL` is every item, in report (declaration) order.
    assert!(ItemId::ALL
        .into_iter()
        .eq(<ItemId as strum::IntoEnumIterator>::iter()));
    for id in ItemId::ALL {
        assert_eq!(id.spec().0, id.as_str());
    }
    assert_eq!(
        ItemId::BiasRisksLimitations.as_str(),
        "bias-risks-limitations"
    );
}
