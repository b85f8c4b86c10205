//! HDF5: real files written by h5py/libhdf5 (tests/fixtures/graphs/hdf5, see
//! scripts/gen-graph-fixtures.py) and testkit-built files (checked to open in
//! h5py 3.16 / HDF5 2.0.0 when the builder was written).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::format::Format;
use crate::formats::graphs::hdf5::{AttrValue, File};
use crate::formats::graphs::test_util::{clean, fixture, only, scan, scan_with};
use crate::formats::graphs::GraphLimits;
use crate::scan::ScanOptions;
use crate::severity::Severity;
use crate::source::SliceSource;
use modelvet_testkit::hdf5::{Builder, Layout};

fn attrs(bytes: &[u8]) -> Vec<(String, AttrValue)> {
    let mut src = SliceSource::new(bytes);
    let mut f = File::open(&mut src, &GraphLimits::default()).unwrap();
    f.root_attributes()
        .unwrap()
        .into_iter()
        .map(|a| (a.name, a.value))
        .collect()
}

fn strings(v: &[&str]) -> AttrValue {
    AttrValue::Strings(v.iter().map(|s| (*s).to_owned()).collect())
}

#[test]
fn real_files_in_both_layouts_read_the_same() {
    for bytes in [
        fixture!("hdf5/keras_attrs_v0.h5"),
        fixture!("hdf5/keras_attrs_v3.h5"),
    ] {
        let a = attrs(bytes);
        let names: Vec<&str> = a.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "backend",
                "keras_version",
                "model_config",
                "training_config"
            ]
        );
        assert_eq!(a[0].1, strings(&["tensorflow"]));
        let AttrValue::Strings(config) = &a[2].1 else {
            panic!()
        };
        assert!(config[0].starts_with("{\"class_name\": \"Sequential\""));
        let s = scan("model.h5", bytes);
        clean(&s);
        assert_eq!(s.facts["keras"]["keras_version"], "2.15.0");
        assert_eq!(s.facts["keras"]["class_names"]["Dense"], 1);
    }
}

#[test]
fn real_user_block_is_skipped() {
    let s = scan("model.h5", fixture!("hdf5/userblock.h5"));
    assert_eq!(s.format, Some(Format::Hdf5));
    clean(&s);
    assert_eq!(s.facts["hdf5"]["user_block"], 512);
    assert_eq!(s.facts["keras"]["layers"], 2);
}

#[test]
fn real_dense_attribute_storage_is_read() {
    // libhdf5 moved the 12 attributes to a fractal heap indexed by name hash.
    let bytes = fixture!("hdf5/dense_attrs.h5");
    let mut a = attrs(bytes);
    a.sort_by(|x, y| x.0.cmp(&y.0));
    let mut want: Vec<(String, AttrValue)> = (0..12)
        .map(|i| (format!("a{i}"), strings(&[&format!("value {i}")])))
        .collect();
    want.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(a, want);
    let s = scan("x.h5", bytes);
    clean(&s);
    assert_eq!(
        s.facts["hdf5"]["root_attributes"].as_array().unwrap().len(),
        12
    );
}

#[test]
fn real_plain_file_is_clean() {
    let s = scan("data.h5", fixture!("hdf5/plain.h5"));
    clean(&s);
    assert_eq!(s.facts["hdf5"]["root_attributes"][0], "note");
    assert!(!s.facts.contains_key("keras"));
}

#[test]
fn builder_layouts_continuations_and_user_blocks() {
    let b = Builder::new(Layout::Earliest)
        .varlen("a", "héllo")
        .fixed("b", b"xyz\0\0");
    assert_eq!(
        attrs(&b.build()),
        [
            ("a".into(), strings(&["héllo"])),
            ("b".into(), strings(&["xyz"]))
        ]
    );
    assert_eq!(attrs(&b.clone().with_continuation().build()).len(), 2);
    let ub = b.clone().user_block(1024).build();
    assert_eq!(attrs(&ub).len(), 2);
    let latest = Builder::new(Layout::Latest)
        .varlen("a", "x")
        .user_block(512)
        .build();
    assert_eq!(attrs(&latest), [("a".into(), strings(&["x"]))]);
}

#[test]
fn truncated_superblock_is_malformed() {
    let bytes = Builder::new(Layout::Earliest).varlen("a", "x").build();
    only(&scan("x.h5", &bytes[..40]), "hdf5-malformed");
}

#[test]
fn root_address_outside_the_file_is_malformed() {
    let mut bytes = Builder::new(Layout::Earliest).varlen("a", "x").build();
    // Root symbol table entry: object header address at 64..72.
    bytes[64..72].copy_from_slice(&0xffff_0000u64.to_le_bytes());
    let s = scan("x.h5", &bytes);
    let f = only(&s, "hdf5-malformed");
    assert!(f.message.contains("root group"), "{}", f.message);
}

#[test]
fn bad_object_header_version_is_malformed() {
    let mut bytes = Builder::new(Layout::Earliest).varlen("a", "x").build();
    bytes[96] = 7;
    only(&scan("x.h5", &bytes), "hdf5-malformed");
}

#[test]
fn global_heap_without_signature_is_malformed() {
    let mut bytes = Builder::new(Layout::Earliest).varlen("a", "x").build();
    let at = bytes.windows(4).position(|w| w == b"GCOL").unwrap();
    bytes[at] = b'X';
    let s = scan("x.h5", &bytes);
    let f = only(&s, "hdf5-malformed");
    assert!(f.message.contains("GCOL"), "{}", f.message);
}

#[test]
fn message_and_attribute_limits_fail_closed() {
    let bytes = Builder::new(Layout::Earliest)
        .varlen("a", "x")
        .varlen("b", "y")
        .build();
    let mut opts = ScanOptions::default();
    opts.limits.graphs.max_hdf5_messages = 2;
    let s = scan_with("x.h5", &bytes, &opts);
    assert!(
        s.errors[0].message.contains("graphs.max_hdf5_messages"),
        "{:?}",
        s.errors
    );
    let mut opts = ScanOptions::default();
    opts.limits.graphs.max_hdf5_attribute_bytes = 1024;
    let s = scan_with("x.h5", &bytes, &opts);
    assert!(
        s.errors[0]
            .message
            .contains("graphs.max_hdf5_attribute_bytes"),
        "{:?}",
        s.errors
    );
}

#[test]
fn continuation_cycle_is_malformed() {
    // A continuation block that points at itself.
    let mut bytes = Builder::new(Layout::Earliest)
        .varlen("a", "x")
        .with_continuation()
        .build();
    let root = 96 + 16;
    // Continuation message after the symbol table message (8 + 16 bytes).
    let cont = root + 24;
    assert_eq!(&bytes[cont..cont + 2], &0x10u16.to_le_bytes());
    let block = u64::from_le_bytes(bytes[cont + 8..cont + 16].try_into().unwrap()) as usize;
    // The attributes' block gets a continuation message back to itself.
    bytes[block..block + 2].copy_from_slice(&0x10u16.to_le_bytes());
    bytes[block + 2..block + 4].copy_from_slice(&16u16.to_le_bytes());
    bytes[block + 8..block + 16].copy_from_slice(&(block as u64).to_le_bytes());
    bytes[block + 16..block + 24].copy_from_slice(&24u64.to_le_bytes());
    bytes[98..100].copy_from_slice(&u16::MAX.to_le_bytes());
    let s = scan("x.h5", &bytes);
    let f = only(&s, "hdf5-malformed");
    assert!(f.message.contains("cycle"), "{}", f.message);
}

#[test]
fn continuation_limit_fails_closed() {
    let bytes = Builder::new(Layout::Earliest)
        .varlen("a", "x")
        .with_continuation()
        .build();
    let mut opts = ScanOptions::default();
    opts.limits.graphs.max_hdf5_continuations = 0;
    let s = scan_with("x.h5", &bytes, &opts);
    assert!(
        s.errors[0]
            .message
            .contains("graphs.max_hdf5_continuations"),
        "{:?}",
        s.errors
    );
}

#[test]
fn real_external_links_are_found_in_both_layouts() {
    for bytes in [
        fixture!("hdf5/external_link_v0.h5"),
        fixture!("hdf5/external_link_v3.h5"),
    ] {
        let s = scan("model.h5", bytes);
        let f = only(&s, "hdf5-external-link");
        assert_eq!(f.location.to_string(), "/model_weights/dense/bias");
        assert_eq!(f.evidence.as_deref(), Some("../../../../etc/passwd"));
        assert!(s.errors.is_empty(), "{:?}", s.errors);
    }
}

#[test]
fn real_external_storage_is_high_outside_medium_inside() {
    let s = scan("model.h5", fixture!("hdf5/external_storage.h5"));
    let mut found: Vec<(String, Severity, String)> = s
        .findings
        .iter()
        .map(|f| {
            assert_eq!(f.rule_id, "hdf5-external-storage");
            (
                f.location.to_string(),
                f.severity,
                f.evidence.clone().unwrap(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            (
                "/model_weights/dense/bias".into(),
                Severity::Medium,
                "bias.raw".into()
            ),
            (
                "/model_weights/dense/kernel".into(),
                Severity::High,
                "/etc/hostname".into()
            ),
        ]
    );
}

#[test]
fn real_nested_groups_in_both_layouts_are_clean() {
    for bytes in [fixture!("hdf5/groups_v0.h5"), fixture!("hdf5/groups_v3.h5")] {
        let s = scan("weights.h5", bytes);
        clean(&s);
        // Root, layers, 3 × (layerN, vars, dataset 0), plus B-tree nodes in v0.
        assert!(
            s.facts["hdf5_objects"].as_u64().unwrap() >= 11,
            "{:?}",
            s.facts
        );
    }
}

#[test]
fn object_limit_fails_closed() {
    let mut opts = ScanOptions::default();
    opts.limits.graphs.max_hdf5_objects = 4;
    let s = scan_with("weights.h5", fixture!("hdf5/groups_v0.h5"), &opts);
    assert!(
        s.errors[0].message.contains("graphs.max_hdf5_objects"),
        "{:?}",
        s.errors
    );
}

#[test]
fn broken_group_btree_is_malformed() {
    let mut bytes = fixture!("hdf5/groups_v0.h5").to_vec();
    let at = bytes.windows(4).position(|w| w == b"TREE").unwrap();
    bytes[at] = b'X';
    let s = scan("weights.h5", &bytes);
    let f = only(&s, "hdf5-malformed");
    assert!(f.message.contains("TREE"), "{}", f.message);
}

#[test]
fn symbol_node_pointing_at_itself_terminates() {
    // Make the first symbol table entry's object header address point back
    // at the root group: the walk must not loop.
    let mut bytes = fixture!("hdf5/groups_v0.h5").to_vec();
    let at = bytes.windows(4).position(|w| w == b"SNOD").unwrap();
    let root = u64::from_le_bytes(bytes[64..72].try_into().unwrap());
    bytes[at + 16..at + 24].copy_from_slice(&root.to_le_bytes());
    let s = scan("weights.h5", &bytes);
    assert!(
        s.findings.iter().all(|f| f.rule_id == "hdf5-malformed"),
        "{:?}",
        s.findings
    );
}
