//! One test per zip differential, each on bytes written by the testkit builder.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::format::Format;
use crate::scan::{scan_artifact, ArtifactScan, ScanOptions};
use crate::source::SliceSource;
use modelvet_testkit::zip::{Method, ZipBuilder};

/// A benign protocol-2 pickle: an empty dict.
const BENIGN_PICKLE: &[u8] = b"\x80\x02}q\x00.";

fn scan_with(name: &str, bytes: &[u8], opts: &ScanOptions) -> ArtifactScan {
    scan_artifact(name, &mut SliceSource::new(bytes), opts)
}

fn scan(name: &str, bytes: &[u8]) -> ArtifactScan {
    scan_with(name, bytes, &ScanOptions::default())
}

fn rules(s: &ArtifactScan) -> Vec<&str> {
    s.findings.iter().map(|f| f.rule_id.as_str()).collect()
}

fn torch_zip() -> ZipBuilder {
    ZipBuilder::new()
        .stored("archive/data.pkl", BENIGN_PICKLE)
        .stored("archive/byteorder", b"little")
        .stored("archive/data/0", &[0u8, 0, 128, 63, 0, 0, 0, 64])
        .stored("archive/version", b"3\n")
        .stored("archive/.data/serialization_id", b"1234567890")
}

#[test]
fn benign_torch_zip_is_clean_and_refined() {
    let s = scan("model.pt", &torch_zip().build());
    assert_eq!(s.format, Some(Format::PytorchZip));
    assert!(s.findings.is_empty(), "{:?}", s.findings);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(s.facts["pytorch"]["record_prefix"], "archive");
}

#[test]
fn torchscript_and_npz_and_generic_are_told_apart() {
    let ts = torch_zip()
        .stored("archive/constants.pkl", BENIGN_PICKLE)
        .stored("archive/code/__torch__.py", b"def forward(self):\n  pass\n");
    assert_eq!(scan("m.pt", &ts.build()).format, Some(Format::Torchscript));
    let npz = ZipBuilder::new()
        .stored("a.npy", b"x")
        .stored("b.npy", b"y");
    assert_eq!(scan("a.npz", &npz.build()).format, Some(Format::Npz));
    let plain = ZipBuilder::new().deflated("readme.txt", b"hello");
    assert_eq!(scan("a.zip", &plain.build()).format, Some(Format::Zip));
}

#[test]
fn zip64_is_read() {
    let s = scan("model.pt", &torch_zip().zip64().build());
    assert_eq!(s.format, Some(Format::PytorchZip));
    assert!(s.findings.is_empty(), "{:?}", s.findings);
    assert_eq!(s.facts["zip"]["zip64"], true);
}

#[test]
fn deflated_members_are_inflated_and_crc_checked() {
    let z = torch_zip()
        .member("archive/extra.txt", b"some text", Method::Deflate, |m| {
            m.crc(0xdead_beef)
        })
        .build();
    let s = scan("model.pt", &z);
    assert!(rules(&s).contains(&"zip-crc-mismatch"), "{:?}", s.findings);
}

#[test]
fn name_mismatch() {
    let z = ZipBuilder::new()
        .member("archive/data.pkl", BENIGN_PICKLE, Method::Stored, |m| {
            m.local_name("archive/data/0")
        })
        .stored("archive/version", b"3\n")
        .build();
    let s = scan("model.pt", &z);
    assert_eq!(rules(&s), ["zip-name-mismatch"], "{:?}", s.findings);
}

#[test]
fn flag_bits_and_local_flag_mismatch() {
    let z = torch_zip()
        .member("archive/x.pkl", BENIGN_PICKLE, Method::Stored, |m| {
            m.flags(1)
        })
        .build();
    assert!(rules(&scan("m.pt", &z)).contains(&"zip-flag-bits"));
    let z = torch_zip()
        .member("archive/x.pkl", BENIGN_PICKLE, Method::Stored, |m| {
            m.local_flags(0x0040)
        })
        .build();
    let r = scan("m.pt", &z);
    assert!(rules(&r).contains(&"zip-flag-bits"), "{:?}", r.findings);
    assert!(
        rules(&r).contains(&"zip-header-mismatch"),
        "{:?}",
        r.findings
    );
    // Bits writers set routinely raise nothing.
    let z = torch_zip()
        .member("archive/y.txt", b"t", Method::Deflate, |m| {
            m.flags(0x0800 | 0x0002)
        })
        .build();
    assert!(scan("m.pt", &z).findings.is_empty());
}

#[test]
fn bad_crc_on_a_stored_pickle() {
    let z = ZipBuilder::new()
        .member("archive/data.pkl", BENIGN_PICKLE, Method::Stored, |m| {
            m.crc(7)
        })
        .stored("archive/version", b"3\n")
        .build();
    let s = scan("m.pt", &z);
    assert_eq!(rules(&s), ["zip-crc-mismatch"], "{:?}", s.findings);
}

#[test]
fn duplicate_entries() {
    let z = torch_zip()
        .stored("archive/data.pkl", BENIGN_PICKLE)
        .build();
    let s = scan("m.pt", &z);
    assert_eq!(rules(&s), ["zip-duplicate-entry"], "{:?}", s.findings);
}

#[test]
fn prefixed_data_is_reported_and_scanned() {
    for z in [
        torch_zip().prefix(b"junk junk junk\x00\x01").build(),
        torch_zip()
            .prefix_unshifted(b"junk junk junk\x00\x01")
            .build(),
    ] {
        let s = scan("m.pt", &z);
        assert_eq!(s.format, Some(Format::PytorchZip));
        assert!(rules(&s).contains(&"zip-prefixed-data"), "{:?}", s.findings);
        // The prefix itself went through detection as a file of its own.
        let nested = s.findings.iter().any(|f| {
            f.rule_id == "unknown-format"
                && f.location.to_string().contains("<bytes before the zip>")
        });
        assert!(nested, "{:?}", s.findings);
    }
}

#[test]
fn trailing_data() {
    let s = scan("m.pt", &torch_zip().trailing(b"\x01\x02garbage").build());
    assert!(rules(&s).contains(&"zip-trailing-data"), "{:?}", s.findings);
    // A comment is not trailing data.
    let s = scan("m.pt", &torch_zip().comment(b"made by hand").build());
    assert!(s.findings.is_empty(), "{:?}", s.findings);
}

#[test]
fn path_traversal() {
    for name in ["../../.bashrc", "/etc/passwd", "C:\\x.dll", "a/../../b"] {
        let z = ZipBuilder::new().stored(name, b"x").build();
        assert!(
            rules(&scan("a.zip", &z)).contains(&"zip-path-traversal"),
            "{name}"
        );
    }
    let z = ZipBuilder::new().stored("a/..b/c..", b"x").build();
    assert!(!rules(&scan("a.zip", &z)).contains(&"zip-path-traversal"));
}

#[test]
fn declared_bomb_ratio_and_total() {
    let z = ZipBuilder::new()
        .member("big.bin", &[0u8; 100], Method::Deflate, |m| {
            m.declared_size(3 << 30)
        })
        .build();
    let r = rules(&scan("a.zip", &z)).join(",");
    assert!(r.contains("zip-bomb"), "{r}");
}

#[test]
fn inflation_stops_at_the_ratio_limit() {
    // Low-entropy bytes: about 4:1 under deflate.
    let mut x = 1u32;
    let data: Vec<u8> = (0..4 << 20)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 29) as u8
        })
        .collect();
    let z = ZipBuilder::new().deflated("data.bin", &data).build();
    let mut opts = ScanOptions::default();
    opts.limits.archive.max_ratio = 2;
    let s = scan_with("a.zip", &z, &opts);
    assert!(
        s.errors
            .iter()
            .any(|e| e.message.contains("archive.max_ratio")),
        "{:?}",
        s.errors
    );
    // At default limits the same member inflates fully.
    let s = scan("a.zip", &z);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
}

#[test]
fn not_a_zip_is_malformed_not_a_panic() {
    let mut z = torch_zip().build();
    let eocd = z.len() - 22;
    z.truncate(eocd);
    let s = scan("m.pt", &z);
    assert!(rules(&s).contains(&"zip-malformed"), "{:?}", s.findings);
    // Directory offset past the end record.
    let mut z = torch_zip().build();
    let at = z.len() - 6;
    z[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let s = scan("m.pt", &z);
    assert!(rules(&s).contains(&"zip-malformed"), "{:?}", s.findings);
}

#[test]
fn every_truncation_and_byte_flip_is_survived() {
    let z = torch_zip().deflated("archive/extra", b"abcabcabc").build();
    for cut in 0..z.len() {
        let _ = scan("m.pt", &z[..cut]);
    }
    for i in 0..z.len() {
        let mut m = z.clone();
        m[i] ^= 0xff;
        let _ = scan("m.pt", &m);
    }
}

#[test]
fn nested_zip_is_scanned_with_its_own_findings() {
    let inner = ZipBuilder::new()
        .member("a.pkl", BENIGN_PICKLE, Method::Stored, |m| {
            m.local_name("b")
        })
        .build();
    let outer = ZipBuilder::new().deflated("inner.zip", &inner).build();
    let s = scan("outer.zip", &outer);
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "zip-name-mismatch")
        .expect("nested finding");
    assert!(
        f.location.to_string().contains("inner.zip"),
        "{}",
        f.location
    );
}

#[test]
fn read_member_returns_content_for_keras() {
    use crate::scan::ScanCtx;
    let z = ZipBuilder::new()
        .deflated("config.json", b"{\"class_name\": \"Sequential\"}")
        .stored("metadata.json", b"{}")
        .build();
    let opts = ScanOptions::default();
    let mut ctx = ScanCtx::new("m.keras", &opts);
    let mut src = SliceSource::new(&z);
    let dir = crate::formats::archive::zip::read_directory(&mut src, &mut ctx)
        .unwrap()
        .unwrap();
    assert_eq!(
        crate::formats::archive::zip_scan::classify(&dir).format,
        Format::Keras
    );
    let cfg = dir.find("config.json").unwrap().clone();
    let body = crate::formats::archive::zip::read_member(&mut src, &cfg, &mut ctx)
        .unwrap()
        .unwrap();
    assert_eq!(body.bytes(), b"{\"class_name\": \"Sequential\"}");
}

#[test]
fn overlapping_entries() {
    let z = ZipBuilder::new()
        .stored("a.bin", b"shared bytes")
        .alias("b.bin")
        .build();
    let s = scan("a.zip", &z);
    let r = rules(&s);
    assert!(r.contains(&"zip-overlapping-entries"), "{r:?}");
    let z = ZipBuilder::new()
        .stored("a.bin", b"1")
        .stored("b.bin", b"2")
        .build();
    assert!(!rules(&scan("a.zip", &z)).contains(&"zip-overlapping-entries"));
}

#[test]
fn unsupported_method_is_reported_and_not_scanned_silently() {
    let z = ZipBuilder::new()
        .member("archive/data.pkl", BENIGN_PICKLE, Method::Stored, |m| {
            m.method_number(14)
        })
        .build();
    let s = scan("a.zip", &z);
    assert!(
        rules(&s).contains(&"zip-unsupported-method"),
        "{:?}",
        s.findings
    );
    assert!(
        s.errors.iter().any(|e| e.message.contains("method 14")),
        "{:?}",
        s.errors
    );
}
