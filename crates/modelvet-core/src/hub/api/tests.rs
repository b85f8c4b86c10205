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
fn each_malformed_model_info_is_its_own_error() {
    let sha = "0123456789012345678901234567890123456789";
    let no_id = format!("{{\"id\": 5, \"sha\": \"{sha}\"}}");
    let cases: &[(&[u8], ApiError, &str)] = &[
        (
            b"{\"id\": \"a/b\", \"sha\": ",
            ApiError::InfoNotJson("EOF while parsing a value at line 1 column 21".to_owned()),
            "not JSON: EOF while parsing a value at line 1 column 21",
        ),
        (
            b"[]",
            ApiError::InfoNotAnObject,
            "model info is not a JSON object",
        ),
        (
            b"\"a/b\"",
            ApiError::InfoNotAnObject,
            "model info is not a JSON object",
        ),
        (
            b"{\"id\": \"a/b\"}",
            ApiError::NoSha,
            "model info has no `sha`",
        ),
        (
            b"{\"id\": \"a/b\", \"sha\": 1234}",
            ApiError::NoSha,
            "model info has no `sha`",
        ),
        (
            b"{\"id\": \"a/b\", \"sha\": \"main\"}",
            ApiError::BadSha("main".to_owned()),
            "`sha` \"main\" is not a 40-hex commit id",
        ),
        (no_id.as_bytes(), ApiError::NoId, "model info has no `id`"),
    ];
    for (body, want, text) in cases {
        let got = ModelInfo::from_slice(body).unwrap_err();
        assert_eq!(&got, want, "{}", String::from_utf8_lossy(body));
        assert_eq!(got.to_string(), *text);
    }
    // `modelId` stands in for `id` (older answers).
    let old = format!("{{\"modelId\": \"a/b\", \"sha\": \"{sha}\"}}");
    assert_eq!(ModelInfo::from_slice(old.as_bytes()).unwrap().id, "a/b");
}

#[test]
fn fields_of_the_wrong_type_read_as_absent() {
    let odd = serde_json::json!({"id": "a/b", "sha": "0123456789012345678901234567890123456789",
        "tags": "not-a-list", "siblings": [{"rfilename": 3}], "gated": 7});
    let info = ModelInfo::from_json(&odd).unwrap();
    assert!(info.tags.is_empty() && info.siblings.is_empty() && info.gated.is_none());
    assert!(info.has_siblings);
    let odd = serde_json::json!({"id": "a/b", "sha": "0123456789012345678901234567890123456789",
        "tags": ["x", 1, "license:mit"], "siblings": [["w.bin", 5], "w.bin", {"rfilename": "a.bin", "size": -1, "lfs": ["x"]}],
        "gated": "manual", "downloads": 1.0, "likes": 3, "private": "yes",
        "transformersInfo": {"custom_class": ""}, "cardData": [], "config": {"model_type": "bert"},
        "securityRepoStatus": {"scansDone": "yes", "filesWithIssues": [{"level": "unsafe"}, {"path": "p.bin"}, 7]},
        "safetensors": [1]});
    let info = ModelInfo::from_json(&odd).unwrap();
    assert_eq!(info.tags, vec!["x", "license:mit"]);
    assert_eq!(
        info.siblings,
        vec![RepoFile {
            path: "a.bin".to_owned(),
            ..RepoFile::default()
        }]
    );
    assert_eq!(info.gated, Some(Gating::Manual));
    assert_eq!(
        (info.downloads, info.likes, info.private),
        (None, Some(3), false)
    );
    assert_eq!(info.custom_class, None);
    assert_eq!(info.card_data, None);
    assert!(info.config.is_some());
    assert_eq!(
        info.security,
        Some(RepoSecurity {
            scans_done: false,
            files_with_issues: vec![("p.bin".to_owned(), "unknown".to_owned())],
        })
    );
    assert_eq!(info.safetensors_params, None);
    for (gated, want) in [
        (serde_json::json!(false), Some(Gating::No)),
        (serde_json::json!(true), Some(Gating::Auto)),
        (serde_json::json!("auto"), Some(Gating::Auto)),
        (serde_json::json!(null), None),
    ] {
        let v = serde_json::json!({"id": "a/b", "sha": "0123456789012345678901234567890123456789", "gated": gated});
        assert_eq!(ModelInfo::from_json(&v).unwrap().gated, want);
    }
}

#[test]
fn tree_pages() {
    assert_eq!(
        tree_page(b"{}").unwrap_err().to_string(),
        "not a JSON array: invalid type: map, expected a sequence at line 1 column 0"
    );
    assert!(matches!(
        tree_page(b"[1,"),
        Err(ApiError::TreeNotAnArray(_))
    ));
    assert_eq!(
        ApiError::TreeTooLarge.to_string(),
        "tree page is larger than the limit"
    );
    assert_eq!(
        ApiError::InfoTooLarge.to_string(),
        "model info is larger than the limit"
    );
    let page = br#"[{"type": "directory", "path": "d"}, ["file", "x"], {"type": "file"},
        {"type": "file", "path": "a.bin", "size": 9, "lfs": {"oid": "ab"}, "oid": "cd",
         "securityFileStatus": {"status": "unsafe", "avScan": {"virusNames": ["v", 1]},
           "pickleImportScan": {"highestSafetyLevel": "dangerous", "imports": [
             {"module": "os", "name": "system", "safety": "dangerous"},
             {"module": "torch", "name": "Tensor", "safety": "innocuous"},
             {"name": "x", "safety": "suspicious"}, {"module": "m"}, 3]}}},
        {"type": "file", "path": "b", "securityFileStatus": "safe", "lfs": ["ab"]}]"#;
    let files = tree_page(page).unwrap();
    assert_eq!(
        files,
        vec![
            RepoFile {
                path: "a.bin".to_owned(),
                size: Some(9),
                lfs_sha256: Some("ab".to_owned()),
                git_oid: Some("cd".to_owned()),
                security: Some(FileSecurity {
                    status: Some("unsafe".to_owned()),
                    viruses: vec!["v".to_owned()],
                    pickle_level: Some("dangerous".to_owned()),
                    flagged_imports: vec![
                        "os.system (dangerous)".to_owned(),
                        ".x (suspicious)".to_owned()
                    ],
                }),
            },
            RepoFile {
                path: "b".to_owned(),
                ..RepoFile::default()
            },
        ]
    );
}
