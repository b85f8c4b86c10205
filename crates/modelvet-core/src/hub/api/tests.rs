use super::*;

const MAIN: &str = include_str!(
    "../../../../modelvet-testkit/fixtures/hub/bert-base-uncased.model-info.main.partial.json"
);
const PICKLE: &str =
    include_str!("../../../../modelvet-testkit/fixtures/hub/pickle-only.model-info.json");
const TREE: &str =
    include_str!("../../../../modelvet-testkit/fixtures/hub/pickle-only.tree.expand.json");

#[test]
fn reads_bert_model_info() {
    // Fixture: /work/shared/fixtures/hub/bert-base-uncased.model-info.main.partial.json
    let info = ModelInfo::from_json(&serde_json::from_str(MAIN).unwrap()).unwrap();
    assert_eq!(info.id, "google-bert/bert-base-uncased");
    assert_eq!(info.sha, "86b5e0934494bd15c9632b12f734a8a67f723594");
    assert_eq!(info.gated, Some(Gating::No));
    assert_eq!(info.tag_values("arxiv"), vec!["1810.04805"]);
    let st = info
        .siblings
        .iter()
        .find(|f| f.path == "model.safetensors")
        .unwrap();
    assert_eq!(
        st.lfs_sha256.as_deref(),
        Some("68d45e234eb4a928074dfd868cead0219ab85354cc53d20e772753c6bb9169d3")
    );
    assert_eq!(info.security.as_ref().map(|s| s.scans_done), Some(true));
}

#[test]
fn reads_security_status_and_tree_scan() {
    // Fixtures: /work/shared/fixtures/hub/pickle-only.{model-info,tree.expand}.json (synthetic values).
    let info = ModelInfo::from_json(&serde_json::from_str(PICKLE).unwrap()).unwrap();
    let sec = info.security.unwrap();
    assert_eq!(
        sec.files_with_issues,
        vec![("extra_state.pkl".to_owned(), "unsafe".to_owned())]
    );
    let tree: Vec<Value> = serde_json::from_str(TREE).unwrap();
    let files: Vec<RepoFile> = tree.iter().filter_map(tree_file).collect();
    let pkl = files.iter().find(|f| f.path == "extra_state.pkl").unwrap();
    let sec = pkl.security.as_ref().unwrap();
    assert_eq!(sec.pickle_level.as_deref(), Some("dangerous"));
    assert!(!sec.flagged_imports.is_empty());
}

#[test]
fn rejects_missing_or_bad_sha() {
    let no_sha = serde_json::json!({"id": "a/b"});
    assert!(ModelInfo::from_json(&no_sha).is_err());
    let bad = serde_json::json!({"id": "a/b", "sha": "main"});
    assert!(ModelInfo::from_json(&bad).is_err());
    assert!(ModelInfo::from_json(&serde_json::json!([])).is_err());
    let odd = serde_json::json!({"id": "a/b", "sha": "0123456789012345678901234567890123456789",
            "tags": "not-a-list", "siblings": [{"rfilename": 3}], "gated": 7});
    let info = ModelInfo::from_json(&odd).unwrap();
    assert!(info.tags.is_empty() && info.siblings.is_empty() && info.gated.is_none());
}
