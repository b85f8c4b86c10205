//! `modelvet rules` lists every rule of the registry.

use crate::support::{code, run_in, stdout, tempdir};

#[test]
fn lists_every_rule_id_with_its_severity() {
    let dir = tempdir();
    let out = run_in(dir.path(), &["rules"]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    let listed: Vec<(&str, &str)> = text
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some((words.next()?, words.next()?))
        })
        .collect();
    let expected: Vec<(&str, &str)> = modelvet_core::rules::all()
        .into_iter()
        .map(|r| (r.id, r.severity.as_str()))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(listed, expected);
}
