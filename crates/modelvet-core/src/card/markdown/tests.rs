use super::*;

const FULL: &str =
    include_str!("../../../../modelvet-testkit/fixtures/modelcard/full-card.README.md");
const SPARSE: &str =
    include_str!("../../../../modelvet-testkit/fixtures/modelcard/sparse-card.README.md");

#[test]
fn splits_front_matter() {
    let c = split("---\nlicense: mit\n---\n# T\n");
    assert_eq!(c.front_matter, Some("license: mit\n"));
    assert_eq!(c.body, "# T\n");
    let none = split("# Title\n---\n");
    assert_eq!(none.front_matter, None);
    let open = split("---\nlicense: mit\n");
    assert!(open.unterminated && open.front_matter.is_none());
    let bom = split("\u{feff}---\r\na: 1\r\n---\r\nbody");
    assert_eq!(bom.front_matter, Some("a: 1\r\n"));
    assert_eq!(bom.body, "body");
}

#[test]
fn full_card_sections_have_content() {
    // /work/shared/fixtures/modelcard/full-card.README.md
    let secs = sections(split(FULL).body);
    let get = |key: &str| secs.iter().find(|s| s.key == key).unwrap();
    assert!(get("bias risks and limitations").has_content());
    assert!(get("training data").has_content());
    assert!(get("evaluation").has_content());
    assert_eq!(get("model sources").title, "Model Sources [optional]");
    assert_eq!(
        get("bias risks and limitations").anchor,
        "bias-risks-and-limitations"
    );
    // Only "[More Information Needed]": absent.
    assert!(!get("model examination").has_content());
    // A parent includes its sub-sections.
    assert!(get("training details")
        .full_text
        .contains("stanfordnlp/sst2"));
}

#[test]
fn sparse_card_placeholders_count_as_absent() {
    // /work/shared/fixtures/modelcard/sparse-card.README.md
    let secs = sections(split(SPARSE).body);
    let get = |key: &str| secs.iter().find(|s| s.key == key).unwrap();
    assert!(!get("model description").has_content());
    assert!(!get("intended uses & limitations").has_content());
    assert!(!get("training and evaluation data").has_content());
    assert!(get("training hyperparameters").has_content());
    assert!(is_placeholder("[More Information Needed]"));
    assert!(is_placeholder(
        "- **Developed by:** [More Information Needed]"
    ));
    assert!(!is_placeholder("- **Developed by:** ACME"));
}

#[test]
fn heading_keys() {
    assert_eq!(heading_key("Citation [optional]"), "citation");
    assert_eq!(
        heading_key("Bias, Risks, and Limitations"),
        "bias risks and limitations"
    );
    assert_eq!(
        heading_key("Intended uses & limitations"),
        "intended uses & limitations"
    );
    assert_eq!(heading_key("Out-of-Scope Use"), "out-of-scope use");
}
