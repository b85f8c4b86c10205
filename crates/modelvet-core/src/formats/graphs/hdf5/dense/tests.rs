//! HDF5 dense storage (fractal heaps indexed by version 2 B-trees): real
//! files written by h5py 3.16.0 / HDF5 2.0.0 with `scripts/gen-graph-fixtures.py
//! --hdf5-dense` (versions in tests/fixtures/graphs/VERSIONS-hdf5-dense.txt),
//! and those files with single structures damaged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::formats::graphs::hdf5::{AttrValue, File};
use crate::formats::graphs::test_util::{clean, fixture, only, rules, scan, scan_with};
use crate::formats::graphs::GraphLimits;
use crate::scan::{ArtifactScan, ScanOptions};
use crate::source::SliceSource;

fn names(bytes: &[u8]) -> Vec<String> {
    let mut src = SliceSource::new(bytes);
    let mut f = File::open(&mut src, &GraphLimits::default()).unwrap();
    let mut names: Vec<String> = f
        .root_attributes()
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    names.sort();
    names
}

/// Offset of the first occurrence of `sig` in `bytes`.
fn find(bytes: &[u8], sig: &[u8]) -> usize {
    bytes
        .windows(sig.len())
        .position(|w| w == sig)
        .unwrap_or_else(|| panic!("no {sig:?}"))
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())
}

fn put_u64(bytes: &mut [u8], at: usize, v: u64) {
    bytes[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

fn malformed(s: &ArtifactScan, needle: &str) {
    let f = only(s, "hdf5-malformed");
    assert!(f.message.contains(needle), "{}", f.message);
}

fn error(s: &ArtifactScan, needle: &str) {
    assert!(
        s.errors.iter().any(|e| e.message.contains(needle)),
        "{:?}",
        s.errors
    );
}

#[test]
fn real_dense_keras_lambda_is_caught() {
    // keras/lambda.h5's configuration, every root attribute in dense storage.
    let bytes = fixture!("hdf5/dense_keras_lambda.h5");
    assert_eq!(names(bytes), ["backend", "keras_version", "model_config"]);
    let s = scan("model.h5", bytes);
    assert_eq!(rules(&s), ["keras-lambda-bytecode"]);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(s.facts["keras"]["backend"], "jax");
}

#[test]
fn real_dense_keras_huge_config_is_read_and_clean() {
    // model_config (4,510 bytes, fixed-length) is a huge heap object.
    let bytes = fixture!("hdf5/dense_keras_huge.h5");
    let mut src = SliceSource::new(bytes);
    let mut f = File::open(&mut src, &GraphLimits::default()).unwrap();
    let attrs = f.root_attributes().unwrap();
    let config = attrs.iter().find(|a| a.name == "model_config").unwrap();
    let AttrValue::Strings(v) = &config.value else {
        panic!("{config:?}")
    };
    assert_eq!(v[0].len(), 4510);
    assert!(v[0].ends_with("}]}}"), "{}", &v[0][v[0].len() - 40..]);
    let s = scan("model.h5", bytes);
    clean(&s);
    assert_eq!(s.facts["keras"]["class_names"]["Dense"], 48);
    assert_eq!(s.facts["keras"]["keras_version"], "3.15.1");
}

#[test]
fn real_dense_links_external_link_is_caught() {
    // 76 links (w0..w9, alias_00..alias_63, bias, soft) in a heap whose
    // root is an indirect block, indexed by a two-level B-tree.
    let s = scan("model.h5", fixture!("hdf5/dense_links.h5"));
    let f = only(&s, "hdf5-external-link");
    assert_eq!(f.location.to_string(), "/model_weights/bias");
    assert_eq!(f.evidence.as_deref(), Some("../../../../etc/passwd"));
    assert_eq!(s.findings.len(), 1, "{:?}", s.findings);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    // Root, model_weights, w0..w9.
    assert_eq!(s.facts["hdf5_objects"], 12);
    // Every record of the name index is read: exactly 76.
    let mut opts = ScanOptions::default();
    opts.limits.graphs.max_hdf5_heap_objects = 76;
    let s = scan_with("model.h5", fixture!("hdf5/dense_links.h5"), &opts);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    opts.limits.graphs.max_hdf5_heap_objects = 75;
    let s = scan_with("model.h5", fixture!("hdf5/dense_links.h5"), &opts);
    error(&s, "graphs.max_hdf5_heap_objects");
}

#[test]
fn real_dense_links_benign_is_clean() {
    let s = scan("model.h5", fixture!("hdf5/dense_links_benign.h5"));
    clean(&s);
    assert_eq!(s.facts["hdf5_objects"], 12);
}

#[test]
fn truncated_heap_is_malformed() {
    let bytes = fixture!("hdf5/dense_attrs.h5");
    let heap = find(bytes, b"FRHP");
    malformed(
        &scan("x.h5", &bytes[..heap + 40]),
        "fractal heap header runs past the end of the file",
    );
    let block = find(bytes, b"FHDB");
    malformed(
        &scan("x.h5", &bytes[..block + 40]),
        "runs past the end of the file",
    );
}

#[test]
fn bad_signatures_are_malformed() {
    let attrs = fixture!("hdf5/dense_attrs.h5");
    let links = fixture!("hdf5/dense_links.h5");
    for (file, sig) in [
        (attrs, "FRHP"),
        (attrs, "FHDB"),
        (attrs, "BTHD"),
        (attrs, "BTLF"),
        (links, "FHIB"),
        (links, "BTIN"),
    ] {
        let mut bytes = file.to_vec();
        let at = find(&bytes, sig.as_bytes());
        bytes[at] = b'X';
        malformed(&scan("x.h5", &bytes), sig);
    }
}

#[test]
fn heap_block_cycle_is_malformed() {
    // The root indirect block's first direct block entry names the
    // indirect block itself.
    let mut bytes = fixture!("hdf5/dense_links.h5").to_vec();
    let at = find(&bytes, b"FHIB");
    // Signature, version, heap header address (8), block offset (4 bytes
    // for a 32-bit heap).
    put_u64(&mut bytes, at + 17, at as u64);
    malformed(&scan("x.h5", &bytes), "cycle");
}

#[test]
fn btree_node_cycle_is_malformed() {
    let mut bytes = fixture!("hdf5/dense_links.h5").to_vec();
    let header = find(&bytes, b"BTHD\x00\x05");
    let records = usize::from(u16::from_le_bytes([bytes[header + 24], bytes[header + 25]]));
    let node = find(&bytes, b"BTIN");
    assert_eq!(u64_at(&bytes, header + 16), node as u64);
    // The internal node's first child pointer names the node itself.
    put_u64(&mut bytes, node + 6 + records * 11, node as u64);
    malformed(&scan("x.h5", &bytes), "cycle");
}

#[test]
fn huge_object_outside_the_file_is_malformed() {
    // The huge-object B-tree's one leaf: address, length, ID.
    let mut bytes = fixture!("hdf5/dense_keras_huge.h5").to_vec();
    let leaf = find(&bytes, b"BTLF\x00\x01");
    put_u64(&mut bytes, leaf + 6, 0x7fff_0000);
    malformed(&scan("x.h5", &bytes), "outside the file");
    let mut bytes = fixture!("hdf5/dense_keras_huge.h5").to_vec();
    let len = u64_at(&bytes, leaf + 14);
    // Attribute message v3: 9 header bytes, "model_config\0", an 8-byte
    // string datatype, a 4-byte scalar dataspace, then the 4,510 bytes.
    assert_eq!(len, 9 + 13 + 8 + 4 + 4510);
    let end = bytes.len() as u64;
    put_u64(&mut bytes, leaf + 14, end);
    malformed(&scan("x.h5", &bytes), "runs past the end of the file");
    let mut bytes = fixture!("hdf5/dense_keras_huge.h5").to_vec();
    put_u64(&mut bytes, leaf + 22, 99);
    malformed(&scan("x.h5", &bytes), "not in the huge-object B-tree");
}

#[test]
fn filtered_heap_fails_closed() {
    let mut bytes = fixture!("hdf5/dense_attrs.h5").to_vec();
    let heap = find(&bytes, b"FRHP");
    // I/O filters' encoded length.
    bytes[heap + 7] = 16;
    let s = scan("x.h5", &bytes);
    assert!(s.findings.is_empty(), "{:?}", s.findings);
    error(&s, "I/O filter pipeline");
}

#[test]
fn dense_limits_fail_closed() {
    let links = fixture!("hdf5/dense_links.h5");
    for (set, name) in [
        (
            (|l: &mut GraphLimits| l.max_hdf5_heap_blocks = 4) as fn(&mut GraphLimits),
            "graphs.max_hdf5_heap_blocks",
        ),
        (
            |l| l.max_hdf5_heap_objects = 30,
            "graphs.max_hdf5_heap_objects",
        ),
        (|l| l.max_hdf5_heap_depth = 0, "graphs.max_hdf5_heap_depth"),
    ] {
        let mut opts = ScanOptions::default();
        set(&mut opts.limits.graphs);
        let s = scan_with("x.h5", links, &opts);
        assert!(s.findings.is_empty(), "{:?}", s.findings);
        error(&s, name);
    }
    let mut opts = ScanOptions::default();
    opts.limits.graphs.max_hdf5_heap_object_bytes = 4096;
    let s = scan_with("x.h5", fixture!("hdf5/dense_keras_huge.h5"), &opts);
    error(&s, "graphs.max_hdf5_heap_object_bytes");
    // Below every limit: the same files read.
    clean(&scan("x.h5", fixture!("hdf5/dense_keras_huge.h5")));
}

#[test]
fn heap_shared_by_two_groups_is_malformed() {
    // The root group's Link Info message (compact: no heap) is made to name
    // model_weights' heap and name index, whose links would be read twice.
    let mut bytes = fixture!("hdf5/dense_links.h5").to_vec();
    let info = find(&bytes, b"\x02\x12\x00\x00\x00\x00\xff\xff") + 4;
    assert_eq!(&bytes[info + 2..info + 18], &[0xff; 16]);
    let heap = find(&bytes, b"FRHP") as u64;
    let names = find(&bytes, b"BTHD\x00\x05") as u64;
    put_u64(&mut bytes, info + 2, heap);
    put_u64(&mut bytes, info + 10, names);
    malformed(&scan("x.h5", &bytes), "dense storage of two objects");
}

#[test]
fn dense_messages_count_against_the_bytes_kept_per_object() {
    // Each message fits (the largest is the 4,544-byte model_config, the
    // global heap collection is 4,096 bytes) but together they do not.
    let mut opts = ScanOptions::default();
    opts.limits.graphs.max_hdf5_attribute_bytes = 4560;
    let s = scan_with("x.h5", fixture!("hdf5/dense_keras_huge.h5"), &opts);
    assert!(s.findings.is_empty(), "{:?}", s.findings);
    error(&s, "graphs.max_hdf5_attribute_bytes");
    error(&s, "dense storage messages");
}
