//! PyTorch legacy/tar/TorchScript, compressed streams and joblib, on bytes
//! written by the testkit builders.
#![allow(clippy::unwrap_used)]

use crate::format::Format;
use crate::scan::{scan_artifact, ArtifactScan, ScanOptions};
use crate::source::SliceSource;
use modelvet_testkit::joblib::{self, Compressor, BENIGN_PICKLE, BENIGN_PICKLE_BZ2};
use modelvet_testkit::torch;
use modelvet_testkit::zip::ZipBuilder;

fn scan(name: &str, bytes: &[u8]) -> ArtifactScan {
    scan_artifact(name, &mut SliceSource::new(bytes), &ScanOptions::default())
}

/// Findings at medium or above.
fn serious(s: &ArtifactScan) -> Vec<&crate::finding::Finding> {
    s.findings
        .iter()
        .filter(|f| f.severity >= crate::severity::Severity::Medium)
        .collect()
}

fn rules(s: &ArtifactScan) -> Vec<&str> {
    s.findings.iter().map(|f| f.rule_id.as_str()).collect()
}

#[test]
fn state_dict_zip_is_clean() {
    let s = scan("model.pt", &torch::benign_state_dict());
    assert_eq!(s.format, Some(Format::PytorchZip));
    assert!(s.findings.is_empty(), "{:?}", s.findings);
    assert_eq!(s.facts["pytorch"]["storages"], 2);
    assert_eq!(s.facts["zip_member_formats"]["pickle"], 1);
}

#[test]
fn every_pickle_member_is_scanned_whatever_its_name() {
    let z = torch::zip_checkpoint("archive", &torch::state_dict_pickle(&[]), &[])
        .stored("archive/weights.bin", BENIGN_PICKLE)
        .stored("archive/extra/notes", BENIGN_PICKLE)
        .build();
    let s = scan("model.pt", &z);
    assert_eq!(s.facts["zip_member_formats"]["pickle"], 3, "{:?}", s.facts);
    // A pickle hidden in a storage record is scanned too; raw floats are not.
    let z = torch::zip_checkpoint(
        "archive",
        &torch::state_dict_pickle(&[]),
        &[
            ("0", torch::storage_bytes(8)),
            ("1", BENIGN_PICKLE.to_vec()),
        ],
    )
    .build();
    let s = scan("model.pt", &z);
    assert_eq!(s.facts["zip_member_formats"]["pickle"], 2, "{:?}", s.facts);
    assert_eq!(s.facts["pytorch_storages"], 1);
}

#[test]
fn records_outside_the_prefix_and_missing_version() {
    let z = ZipBuilder::new()
        .stored("archive/data.pkl", BENIGN_PICKLE)
        .stored("archive/version", b"3\n")
        .stored("other/data.pkl", BENIGN_PICKLE)
        .build();
    assert_eq!(rules(&scan("m.pt", &z)), ["pytorch-malformed"]);
    let z = ZipBuilder::new()
        .stored("archive/data.pkl", BENIGN_PICKLE)
        .build();
    assert_eq!(rules(&scan("m.pt", &z)), ["pytorch-malformed"]);
}

#[test]
fn torchscript_is_clean_and_refined() {
    let s = scan("scripted.pt", &torch::torchscript("m"));
    assert_eq!(s.format, Some(Format::Torchscript));
    // The archive itself is clean. (`__torch__.M` in data.pkl is a TorchScript
    // class; whether the pickle analyser knows that is its own business.)
    assert!(serious(&s).is_empty(), "{:?}", s.findings);
    // data.pkl, constants.pkl and the debug pickle.
    assert_eq!(s.facts["zip_member_formats"]["pickle"], 3, "{:?}", s.facts);
}

/// Real `data.pkl` and `constants.pkl` of silero-vad 6.2.3's
/// `silero_vad.jit` (`tests/fixtures/pickle/torchscript/README.md`).
const SILERO_DATA: &[u8] =
    include_bytes!("../../../../../tests/fixtures/pickle/torchscript/silero_data.pkl");
const SILERO_CONSTANTS: &[u8] =
    include_bytes!("../../../../../tests/fixtures/pickle/torchscript/silero_constants.pkl");

fn silero_archive(with_constants: bool) -> Vec<u8> {
    let p = "VADr_v6_10_25_noths_re";
    let mut z = ZipBuilder::new()
        .stored(&format!("{p}/data.pkl"), SILERO_DATA)
        .stored(
            &format!("{p}/code/__torch__/vad.py"),
            b"class VADRNNJIT(Module):\n  pass\n",
        );
    if with_constants {
        z = z.stored(&format!("{p}/constants.pkl"), SILERO_CONSTANTS);
    }
    z.stored(&format!("{p}/version"), b"3\n").build()
}

#[test]
fn real_torchscript_pickles_are_clean() {
    let s = scan("silero_vad.jit", &silero_archive(true));
    assert_eq!(s.format, Some(Format::Torchscript));
    // `code/` is reported as Python source (low); nothing else.
    assert!(serious(&s).is_empty(), "{:#?}", s.findings);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(s.facts["zip_member_formats"]["pickle"], 2, "{:?}", s.facts);
    let s = scan("scripted.pt", &torch::torchscript("m"));
    assert!(serious(&s).is_empty(), "{:#?}", s.findings);
}

#[test]
fn torchscript_classes_need_a_torchscript_loader() {
    // Without constants.pkl, torch.load unpickles data.pkl in Python, where
    // `__torch__.*` is an ordinary (unknown) module.
    let s = scan("silero_vad.pt", &silero_archive(false));
    assert_eq!(s.format, Some(Format::Torchscript));
    let unknown = rules(&s)
        .into_iter()
        .filter(|r| *r == "pickle-unknown-global")
        .count();
    assert!(unknown > 10, "{:#?}", s.findings);
    // A raw pickle naming a TorchScript class is not trusted either.
    let s = scan("data.pkl", SILERO_DATA);
    assert!(
        rules(&s).contains(&"pickle-unknown-global"),
        "{:#?}",
        s.findings
    );
    // Inside a TorchScript archive, a denylisted name under `__torch__` is
    // still dangerous.
    let evil = b"\x80\x02c__torch__.os\nsystem\nX\x02\x00\x00\x00id\x85R.";
    let z = ZipBuilder::new()
        .stored("m/data.pkl", evil)
        .stored("m/constants.pkl", b"\x80\x02).")
        .stored("m/version", b"3\n")
        .build();
    let s = scan("scripted.pt", &z);
    assert!(
        rules(&s).contains(&"pickle-dangerous-global"),
        "{:#?}",
        s.findings
    );
}

#[test]
fn legacy_checkpoint_is_recognised() {
    let s = scan("old.pt", &torch::benign_legacy());
    assert_eq!(s.format, Some(Format::PytorchLegacy));
    assert!(s.findings.is_empty(), "{:?}", s.findings);
}

/// A one-member tar whose header is retyped to `kind` (checksum redone).
fn tar_of_kind(name: &str, data: &[u8], kind: u8) -> Vec<u8> {
    let mut t = torch::tar(&[(name, data)]);
    t[156] = kind;
    t[148..156].copy_from_slice(b"        ");
    let sum: u32 = t[..512].iter().map(|&b| u32::from(b)).sum();
    t[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    t
}

/// A pax record as `tarfile` writes it: `<len> <key>=<value>\n`, `len`
/// counting itself.
fn pax_record(key: &str, value: &str) -> String {
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    while format!("{len}{body}").len() != len {
        len += 1;
    }
    format!("{len}{body}")
}

#[test]
fn pax_paths_are_read_however_long_the_header_up_to_the_limit() {
    // A long comment record, then the path: `tarfile` names the member
    // `../evil.pkl`, and so must the scan.
    let mut pax = pax_record("comment", &"c".repeat(100_000));
    pax.push_str(&pax_record("path", "../evil.pkl"));
    let mut t = tar_of_kind("././@PaxHeader", pax.as_bytes(), b'x');
    t.truncate(t.len() - 1024); // drop the end blocks, a member follows
    t.extend_from_slice(&torch::tar(&[("ok.pkl", BENIGN_PICKLE)]));
    let s = scan("a.tar", &t);
    assert!(
        rules(&s).contains(&"zip-path-traversal"),
        "{:?}",
        s.findings
    );
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    // Past `archive.max_tar_meta_bytes` the tar stops with a limit error.
    let opts = ScanOptions {
        limits: crate::Limits {
            archive: super::ArchiveLimits {
                max_tar_meta_bytes: 50_000,
                ..Default::default()
            },
            ..Default::default()
        },
        ..ScanOptions::default()
    };
    let s = scan_artifact("a.tar", &mut SliceSource::new(&t), &opts);
    let e = s.errors.first().expect("a limit error");
    assert_eq!(
        e.limit,
        Some(crate::LimitId::ArchiveMaxTarMetaBytes),
        "{e:?}"
    );
}

#[test]
fn legacy_tar_members_are_scanned() {
    let s = scan(
        "old.tar",
        &torch::legacy_tar(&torch::state_dict_pickle(&[])),
    );
    assert_eq!(s.format, Some(Format::PytorchTar));
    let t = torch::tar(&[("../evil.pkl", BENIGN_PICKLE)]);
    let s = scan("a.tar", &t);
    assert_eq!(s.format, Some(Format::Tar));
    assert!(rules(&s).contains(&"zip-path-traversal"));
    let mut broken = t.clone();
    broken[150] ^= 1; // checksum
    assert!(rules(&scan("a.tar", &broken)).contains(&"archive-corrupt-stream"));
}

#[test]
fn joblib_compressors_are_decoded() {
    for c in [
        Compressor::Zlib,
        Compressor::Gzip,
        Compressor::Xz,
        Compressor::Lzma,
        Compressor::Lz4,
    ] {
        let bytes = joblib::compress(c, BENIGN_PICKLE);
        let s = scan("model.joblib", &bytes);
        assert!(s.findings.is_empty(), "{c:?}: {:?}", s.findings);
        assert!(s.errors.is_empty(), "{c:?}: {:?}", s.errors);
        assert_eq!(s.facts["compression"]["content"], "pickle", "{c:?}");
    }
    // joblib <= 0.8.4 on Python 2 wrote a header one space wider.
    let mut wide = joblib::zfile(BENIGN_PICKLE);
    wide.insert(21, b' ');
    for bytes in [
        joblib::zfile(BENIGN_PICKLE),
        wide,
        BENIGN_PICKLE_BZ2.to_vec(),
    ] {
        let s = scan("model.pkl", &bytes);
        assert_eq!(s.facts["compression"]["content"], "pickle");
        assert!(s.findings.is_empty(), "{:?}", s.findings);
    }
    assert_eq!(
        scan("m.joblib", &joblib::zfile(BENIGN_PICKLE)).format,
        Some(Format::Joblib)
    );
}

#[test]
fn compressed_archives_nest() {
    let inner = torch::benign_state_dict();
    let s = scan("model.pt.gz", &joblib::gzip(&inner));
    assert_eq!(s.facts["compression"]["content"], "pytorch-zip");
    let tgz = joblib::gzip(&torch::tar(&[("a/model.pt", &inner)]));
    let s = scan("bundle.tgz", &tgz);
    assert_eq!(s.facts["compression"]["content"], "tar");
    assert!(s.findings.is_empty(), "{:?}", s.findings);
}

#[test]
fn corrupt_and_bomb_streams() {
    let mut gz = joblib::gzip(&[7u8; 10_000]);
    let mid = gz.len() / 2;
    gz.truncate(mid);
    assert!(rules(&scan("x.gz", &gz)).contains(&"archive-corrupt-stream"));
    let bomb = joblib::compress(Compressor::Zlib, &vec![0u8; 8 << 20]);
    let s = scan("x.joblib", &bomb);
    assert!(
        s.errors
            .iter()
            .any(|e| e.message.contains("archive.max_ratio")),
        "{:?}",
        s.errors
    );
}

#[test]
fn nesting_stops_at_the_limit() {
    let mut bytes = BENIGN_PICKLE.to_vec();
    for _ in 0..12 {
        bytes = joblib::gzip(&bytes);
    }
    let s = scan("deep.gz", &bytes);
    assert!(
        s.errors
            .iter()
            .any(|e| e.message.contains("scan.max_nesting")),
        "{:?}",
        s.errors
    );
}

#[test]
fn dill_and_cloudpickle_files_reach_the_pickle_scanner() {
    for name in ["f.dill", "f.cloudpickle", "f.pkl.gz"] {
        let bytes = if name.ends_with(".gz") {
            joblib::gzip(BENIGN_PICKLE)
        } else {
            BENIGN_PICKLE.to_vec()
        };
        let s = scan(name, &bytes);
        let direct = s.format == Some(Format::Pickle);
        let wrapped = s
            .facts
            .get("compression")
            .is_some_and(|c| c["content"] == "pickle");
        assert!(direct || wrapped, "{name}: {:?}", s.format);
    }
}

/// `os.system('id')` as protocol 2.
const EVIL: &[u8] = b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.";

fn catches(name: &str, bytes: &[u8]) -> ArtifactScan {
    let s = scan(name, bytes);
    assert!(
        s.findings
            .iter()
            .any(|f| f.rule_id == "pickle-dangerous-global" && f.severity >= crate::Severity::High),
        "{name}: {:?}",
        s.findings
    );
    s
}

#[test]
fn payloads_are_caught_wherever_the_container_puts_them() {
    // In a member not named .pkl.
    let z = torch::zip_checkpoint("archive", &torch::state_dict_pickle(&[]), &[])
        .stored("archive/weights.bin", EVIL)
        .build();
    let s = catches("model.pt", &z);
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "pickle-dangerous-global")
        .unwrap();
    assert!(
        f.location.to_string().contains("archive/weights.bin"),
        "{}",
        f.location
    );
    // As data.pkl behind a bad CRC, flag bits, a name mismatch, a duplicate.
    for quirk in 0..4 {
        let z = ZipBuilder::new()
            .member(
                "archive/data.pkl",
                EVIL,
                modelvet_testkit::zip::Method::Stored,
                |m| match quirk {
                    0 => m.crc(1),
                    1 => m.flags(1),
                    2 => m.local_name("archive/data/0"),
                    _ => m,
                },
            )
            .stored("archive/data.pkl", BENIGN_PICKLE)
            .stored("archive/version", b"3\n")
            .build();
        catches("model.pt", &z);
    }
    // In front of a benign zip (polyglot) and after it.
    catches(
        "model.pt",
        &torch::zip_checkpoint("archive", BENIGN_PICKLE, &[])
            .prefix(EVIL)
            .build(),
    );
    catches(
        "model.pt",
        &torch::zip_checkpoint("archive", BENIGN_PICKLE, &[])
            .trailing(EVIL)
            .build(),
    );
    // In a storage record.
    catches(
        "model.pt",
        &torch::zip_checkpoint("archive", BENIGN_PICKLE, &[("0", EVIL.to_vec())]).build(),
    );
    // The 4th pickle of a legacy checkpoint, and in a legacy tar.
    catches(
        "old.pt",
        &torch::legacy_checkpoint(EVIL, &[("0", torch::storage_bytes(2))]),
    );
    catches("old.tar", &torch::legacy_tar(EVIL));
    // TorchScript constants.
    let ts = ZipBuilder::new()
        .stored("m/data.pkl", BENIGN_PICKLE)
        .stored("m/constants.pkl", EVIL)
        .stored("m/version", b"3\n")
        .build();
    catches("scripted.pt", &ts);
    // Compressed joblib dumps, every compressor, and nested archives.
    for c in [
        Compressor::Zlib,
        Compressor::Gzip,
        Compressor::Xz,
        Compressor::Lzma,
        Compressor::Lz4,
    ] {
        catches("model.joblib", &joblib::compress(c, EVIL));
    }
    catches("model.joblib", &joblib::zfile(EVIL));
    let inner = ZipBuilder::new().stored("x/y.dat", EVIL).build();
    let outer = ZipBuilder::new()
        .deflated("inner.zip", &joblib::gzip(&inner))
        .build();
    catches("bundle.zip", &outer);
    // Object arrays in .npy and .npz.
    let npy = modelvet_testkit::numpy::object_array(1, EVIL);
    catches("a.npy", &npy);
    catches("a.npz", &modelvet_testkit::numpy::npz(&[("a", npy)], true));
}

#[test]
fn a_stray_end_record_does_not_hide_a_pickle() {
    // A pickle followed by bytes that look like a broken end record. The
    // loaders read it from byte 0 (`torch.load` checks `PK\x03\x04` first,
    // `pickle.load` and `joblib.load` do not look at the end); with no
    // readable directory no zip reader sees a zip either, so there is no
    // zip finding (it used to be read as a broken zip).
    let mut bytes = EVIL.to_vec();
    bytes.extend_from_slice(b"PK\x05\x06\0\0\0\0\x01\0\x01\0\xff\xff\0\0\xff\xff\0\0\0\0");
    let s = catches("model.pkl", &bytes);
    assert_eq!(s.format, Some(Format::Pickle));
    assert!(
        !rules(&s).iter().any(|r| r.starts_with("zip-")),
        "{:?}",
        s.findings
    );
}

/// Real `zstandard` output (`tests/fixtures/containers/zstd/generate.py`).
#[test]
fn zstd_streams_are_decoded_and_scanned() {
    let benign = include_bytes!("../../../../../tests/fixtures/containers/zstd/benign.pkl.zst");
    let evil = include_bytes!("../../../../../tests/fixtures/containers/zstd/os_system.pkl.zst");
    let two = include_bytes!("../../../../../tests/fixtures/containers/zstd/two_frames.zst");
    let s = scan("model.pkl.zst", benign);
    assert_eq!(s.format, Some(Format::Zstd));
    assert!(s.findings.is_empty(), "{:#?}", s.findings);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(s.facts["compression"]["codec"], "zstd");
    assert_eq!(s.facts["compression"]["content"], "pickle");
    for (name, bytes) in [("model.pkl.zst", &evil[..]), ("data.zst", &two[..])] {
        let s = scan(name, bytes);
        assert!(
            rules(&s).contains(&"pickle-dangerous-global"),
            "{name}: {:#?}",
            s.findings
        );
        assert!(s.errors.is_empty(), "{:?}", s.errors);
    }
}

#[test]
fn data_pkl_is_unpickled_by_name_whatever_its_content() {
    // `BZh` then two NUL bytes is BINBYTES of 0x685a bytes: a valid pickle
    // (CPython 3.12.1 `pickle.loads` runs the same shape with builtins.len)
    // that content sniffing takes for bzip2. `torch.load` unpickles
    // `archive/data.pkl` whatever it holds.
    let mut pkl = b"BZh\x00\x00".to_vec();
    pkl.extend(std::iter::repeat_n(0u8, 0x685a));
    pkl.extend_from_slice(b"0cos\nsystem\n(S'id'\ntR.");
    let z = torch::zip_checkpoint("archive", &pkl, &[]).build();
    let s = catches("model.pt", &z);
    assert_eq!(s.format, Some(Format::PytorchZip));
    // A headerless state dict pickle stays clean.
    let benign = torch::zip_checkpoint("archive", b"}q\x00.", &[]).build();
    let s = scan("model.pt", &benign);
    assert!(serious(&s).is_empty(), "{:?}", s.findings);
}

#[test]
fn a_pickle_with_a_zip_behind_it_is_scanned_both_ways() {
    // pickle.load and torch.load read the benign pickle at byte 0; zipfile
    // finds the zip from its end record and loads its member.
    let mut bytes = b"\x80\x02}q\x00.".to_vec();
    bytes.extend(ZipBuilder::new().stored("payload.pkl", EVIL).build());
    let s = catches("model.pkl", &bytes);
    assert_eq!(s.format, Some(Format::Pickle));
    assert!(rules(&s).contains(&"zip-prefixed-data"), "{:?}", s.findings);
    // And a zip at byte 0 stays a zip.
    let z = ZipBuilder::new().stored("payload.pkl", EVIL).build();
    assert_eq!(catches("a.zip", &z).format, Some(Format::Zip));
}

#[test]
fn storages_that_merely_start_like_a_pickle_are_not_scanned() {
    // Raw float32 bytes that begin with `X` and a length inside the
    // storage: the loader's test passes, but no loader unpickles a storage.
    let mut storage = b"X".to_vec();
    storage.extend(600u32.to_le_bytes());
    storage.extend((0..4000u32).flat_map(|i| (i as f32 * 0.37).to_le_bytes()));
    let z = torch::zip_checkpoint(
        "archive",
        &torch::state_dict_pickle(&[("w", "0", 1000)]),
        &[("0", storage)],
    )
    .build();
    let s = scan("model.pt", &z);
    assert!(serious(&s).is_empty(), "{:?}", s.findings);
}
