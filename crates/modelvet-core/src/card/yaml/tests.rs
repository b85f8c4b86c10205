use super::*;

fn p(s: &str) -> Result<YamlDoc, YamlError> {
    parse(s, &YamlLimits::default())
}

#[test]
fn types_scalars_like_yaml_core_schema() {
    let d =
        p("a: 1\nb: 0.912\nc: true\nd: ~\ne: '1'\nf: apache-2.0\ng: [x, y]\nh: {k: v}\n").unwrap();
    let v = Value::Object(d.value);
    assert_eq!(v["a"], 1);
    assert_eq!(v["b"], 0.912);
    assert_eq!(v["c"], true);
    assert!(v["d"].is_null());
    assert_eq!(v["e"], "1");
    assert_eq!(v["f"], "apache-2.0");
    assert_eq!(v["g"], serde_json::json!(["x", "y"]));
    assert_eq!(v["h"]["k"], "v");
}

#[test]
fn reports_duplicate_keys_and_keeps_the_first() {
    let d = p("license: mit\nlicense: cc-by-nc-4.0\nco2:\n  a: 1\n  a: 2\n").unwrap();
    assert_eq!(
        d.duplicate_keys,
        vec!["license".to_owned(), "co2.a".to_owned()]
    );
    assert_eq!(d.value["license"], "mit");
}

#[test]
fn alias_bomb_hits_the_node_limit() {
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let names = ["b", "c", "d", "e", "f", "g", "h", "i", "j"];
    let mut prev = "a";
    for n in names {
        bomb.push_str(&format!("{n}: &{n} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        prev = n;
    }
    match p(&bomb) {
        Err(YamlError::Limit { limit, .. }) => {
            assert_eq!(limit, crate::limits::LimitId::CardMaxYamlNodes)
        }
        other => panic!("expected the node limit, got {other:?}"),
    }
    // A few aliases are fine.
    let ok = p("base: &b {lr: 3}\nrun1: *b\nrun2: *b\n").unwrap();
    assert_eq!(ok.value["run2"]["lr"], 3);
}

#[test]
fn depth_size_and_syntax_errors() {
    let deep = format!("a: {}{}", "[".repeat(100), "]".repeat(100));
    assert!(matches!(
        p(&deep),
        Err(YamlError::Limit {
            limit: crate::limits::LimitId::CardMaxYamlDepth,
            ..
        })
    ));
    let big = format!("a: \"{}\"", "x".repeat(300 * 1024));
    assert!(matches!(
        p(&big),
        Err(YamlError::Limit {
            limit: crate::limits::LimitId::CardMaxYamlBytes,
            ..
        })
    ));
    assert!(matches!(
        p("a: [1, 2\nb: ]]"),
        Err(YamlError::Syntax { .. })
    ));
    assert!(matches!(p("- a\n- b\n"), Err(YamlError::NotAMapping)));
    assert!(matches!(
        p("a: *nope\n"),
        Err(YamlError::Syntax { .. }) | Err(YamlError::UnknownAnchor)
    ));
    assert_eq!(p("").unwrap(), YamlDoc::default());
}
