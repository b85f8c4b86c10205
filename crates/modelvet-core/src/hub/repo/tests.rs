use super::*;

#[test]
fn parses_ids_and_urls() {
    let bert = "google-bert/bert-base-uncased";
    let sha = "dd4bc8b21efa05ec961e3efc4ee5e3832a3679c7";
    let cases: &[(&str, Option<&str>, &str, Option<&str>)] = &[
        (bert, None, bert, None),
        ("  google-bert/bert-base-uncased/ ", None, bert, None),
        ("google-bert/bert-base-uncased@v1.0", None, bert, Some("v1.0")),
        ("gpt2", None, "gpt2", None),
        ("https://huggingface.co/google-bert/bert-base-uncased", None, bert, None),
        ("https://huggingface.co/google-bert/bert-base-uncased?library=transformers#model-details", None, bert, None),
        ("https://huggingface.co/google-bert/bert-base-uncased/blob/main/config.json", None, bert, Some("main")),
        (
            "https://huggingface.co/google-bert/bert-base-uncased/resolve/dd4bc8b21efa05ec961e3efc4ee5e3832a3679c7/tf_model.h5",
            None,
            bert,
            Some(sha),
        ),
        ("https://huggingface.co/google-bert/bert-base-uncased/tree/refs%2Fpr%2F1", None, bert, Some("refs/pr/1")),
        ("https://hf-mirror.com/google-bert/bert-base-uncased/commit/dd4bc8b21efa05ec961e3efc4ee5e3832a3679c7", None, bert, Some(sha)),
        ("https://huggingface.co/api/models/google-bert/bert-base-uncased/revision/main", None, bert, Some("main")),
        ("https://huggingface.co/models/google-bert/bert-base-uncased", None, bert, None),
        ("google-bert/bert-base-uncased@main", Some("v2"), bert, Some("v2")),
        ("google-bert/bert-base-uncased", Some("  "), bert, None),
    ];
    for (input, rev, id, want_rev) in cases {
        let got = RepoRef::parse(input, *rev).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(got.repo_id, *id, "{input}");
        assert_eq!(got.revision.as_deref(), *want_rev, "{input}");
    }
}

#[test]
fn url_origin_is_kept() {
    let r = RepoRef::parse("HTTPS://HF-Mirror.com/a/b", None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.origin.as_deref(), Some("https://hf-mirror.com"));
}

#[test]
fn rejects_bad_input() {
    type Check = fn(&RepoRefError) -> bool;
    let cases: &[(&str, Check)] = &[
        ("", |e| matches!(e, RepoRefError::Empty)),
        ("a/b/c", |e| matches!(e, RepoRefError::InvalidId(_))),
        ("org--x/model", |e| matches!(e, RepoRefError::InvalidId(_))),
        ("org/mo..del", |e| matches!(e, RepoRefError::InvalidId(_))),
        ("-org/model", |e| matches!(e, RepoRefError::InvalidId(_))),
        ("org/model.", |e| matches!(e, RepoRefError::InvalidId(_))),
        ("org/mo del", |e| matches!(e, RepoRefError::InvalidId(_))),
        ("org/model@", |e| {
            matches!(e, RepoRefError::InvalidRevision(_))
        }),
        ("org/model@a\u{0}b", |e| {
            matches!(e, RepoRefError::InvalidRevision(_))
        }),
        ("https://huggingface.co/datasets/squad", |e| {
            matches!(e, RepoRefError::NotAModel { .. })
        }),
        ("https://huggingface.co/spaces/a/b", |e| {
            matches!(e, RepoRefError::NotAModel { .. })
        }),
        ("https://huggingface.co/", |e| {
            matches!(e, RepoRefError::NoRepoInUrl(_))
        }),
    ];
    for (input, check) in cases {
        match RepoRef::parse(input, None) {
            Ok(r) => panic!("{input:?} parsed as {r:?}"),
            Err(e) => assert!(check(&e), "{input:?}: unexpected {e:?}"),
        }
    }
    let long = format!("org/{}", "a".repeat(97));
    assert!(RepoRef::parse(&long, None).is_err());
}

#[test]
fn encoding_round_trips() {
    assert_eq!(encode_segment("refs/pr/1"), "refs%2Fpr%2F1");
    assert_eq!(percent_decode("refs%2Fpr%2F1"), "refs/pr/1");
    assert_eq!(percent_decode("100%"), "100%");
    assert_eq!(encode_path("original/params.json"), "original/params.json");
    assert_eq!(encode_path("a b/ü.md"), "a%20b/%C3%BC.md");
    assert_eq!(encode_path("/a//b/"), "/a//b/");
    assert_eq!(
        encode_segment("A-z_0.9~ %/?#@+"),
        "A-z_0.9~%20%25%2F%3F%23%40%2B"
    );
    // Only two hex digits make an escape; a sign is not a digit.
    assert_eq!(percent_decode("%+1%-1%g0%4"), "%+1%-1%g0%4");
    assert_eq!(percent_decode("%41%c3%bc%C3%BC"), "Aüü");
    assert_eq!(percent_decode("%ff."), "\u{FFFD}.");
    for s in ["refs/pr/1", "a b", "ü/ß?#%", "~.-_"] {
        assert_eq!(percent_decode(&encode_segment(s)), s);
        assert_eq!(percent_decode(&encode_path(s)), s);
    }
}
