//! Write the container/pickle scan benchmark corpus:
//! `<dir>/malicious/*` (each must be caught) and `<dir>/benign/*` (each must
//! raise nothing), all built byte for byte by the testkit.
//!
//!     cargo run -p modelvet-testkit --example scan_corpus -- target/bench-corpus

use modelvet_testkit::joblib::{self, Compressor, BENIGN_PICKLE, BENIGN_PICKLE_BZ2};
use modelvet_testkit::numpy;
use modelvet_testkit::torch;
use modelvet_testkit::zip::{Method, ZipBuilder};
use std::path::Path;

/// `os.system('id')`, protocol 2.
const EVIL: &[u8] = b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.";
/// `os.system('id')`, protocol 0.
const EVIL_P0: &[u8] = b"cos\nsystem\n(S'id'\ntR.";
/// `builtins.exec('print(1)')` through STACK_GLOBAL, protocol 4.
const EVIL_P4: &[u8] =
    b"\x80\x04\x8c\x08builtins\x94\x8c\x04exec\x94\x93\x94\x8c\x08print(1)\x94\x85\x94R\x94.";
/// `subprocess.check_output(('id',))`, protocol 2.
const EVIL_SUBPROCESS: &[u8] = b"\x80\x02csubprocess\ncheck_output\n(X\x02\x00\x00\x00idtR.";

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(dir.join(name), bytes)
}

fn main() -> std::io::Result<()> {
    let root = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/bench-corpus".into());
    let root = Path::new(&root);
    let bad = root.join("malicious");
    let good = root.join("benign");
    std::fs::create_dir_all(&bad)?;
    std::fs::create_dir_all(&good)?;

    let sd = torch::state_dict_pickle(&[("fc.weight", "0", 4)]);
    let store = vec![("0", torch::storage_bytes(4))];

    // Raw pickles.
    write(&bad, "raw_os_system.pkl", EVIL)?;
    write(&bad, "raw_protocol0.pkl", EVIL_P0)?;
    write(&bad, "raw_exec_protocol4.pickle", EVIL_P4)?;
    write(&bad, "raw_subprocess.bin", EVIL_SUBPROCESS)?;
    let mut multi = BENIGN_PICKLE.to_vec();
    multi.extend_from_slice(EVIL);
    write(&bad, "multi_pickle.pkl", &multi)?;
    let mut garbage = BENIGN_PICKLE.to_vec();
    garbage.extend_from_slice(b"\x00garbage after the payload");
    write(&bad, "garbage_after.pkl", &garbage)?;
    write(&bad, "payload.dill", EVIL)?;

    // PyTorch zip checkpoints.
    let ck = |extra: ZipBuilder| extra.build();
    write(
        &bad,
        "payload_in_bin_member.pt",
        &ck(torch::zip_checkpoint("archive", &sd, &store).stored("archive/weights.bin", EVIL)),
    )?;
    write(
        &bad,
        "payload_data_pkl.pt",
        &ck(torch::zip_checkpoint("archive", EVIL, &store)),
    )?;
    let quirk = |f: fn(modelvet_testkit::zip::Member) -> modelvet_testkit::zip::Member| {
        ZipBuilder::new()
            .member("archive/data.pkl", EVIL, Method::Stored, f)
            .stored("archive/version", b"3\n")
            .build()
    };
    write(&bad, "zip_crc_mismatch.pt", &quirk(|m| m.crc(1)))?;
    write(&bad, "zip_flag_bits.pt", &quirk(|m| m.flags(1)))?;
    write(
        &bad,
        "zip_name_mismatch.pt",
        &quirk(|m| m.local_name("archive/data/0")),
    )?;
    write(
        &bad,
        "zip_duplicate_entry.pt",
        &ZipBuilder::new()
            .stored("archive/data.pkl", EVIL)
            .stored("archive/data.pkl", &sd)
            .stored("archive/version", b"3\n")
            .build(),
    )?;
    write(
        &bad,
        "zip_prefixed_polyglot.pt",
        &ck(torch::zip_checkpoint("archive", &sd, &store).prefix(EVIL)),
    )?;
    write(
        &bad,
        "zip_trailing_payload.pt",
        &ck(torch::zip_checkpoint("archive", &sd, &store).trailing(EVIL)),
    )?;
    write(
        &bad,
        "payload_in_storage.pt",
        &ck(torch::zip_checkpoint(
            "archive",
            &sd,
            &[("0", EVIL.to_vec())],
        )),
    )?;
    write(
        &bad,
        "zip64_payload.pt",
        &ck(torch::zip_checkpoint("archive", EVIL, &store).zip64()),
    )?;
    write(
        &bad,
        "torchscript_constants.pt",
        &ZipBuilder::new()
            .stored("m/data.pkl", BENIGN_PICKLE)
            .stored("m/constants.pkl", EVIL)
            .stored("m/version", b"3\n")
            .build(),
    )?;
    // Legacy formats.
    write(
        &bad,
        "legacy_payload.pt",
        &torch::legacy_checkpoint(EVIL, &store),
    )?;
    write(&bad, "legacy_tar_payload.tar", &torch::legacy_tar(EVIL))?;
    // joblib and compression.
    for (c, ext) in [
        (Compressor::Zlib, "z"),
        (Compressor::Gzip, "gz"),
        (Compressor::Xz, "xz"),
        (Compressor::Lzma, "lzma"),
        (Compressor::Lz4, "lz4"),
    ] {
        write(
            &bad,
            &format!("payload.joblib.{ext}"),
            &joblib::compress(c, EVIL),
        )?;
    }
    write(&bad, "payload_zf_old_joblib.pkl", &joblib::zfile(EVIL))?;
    // Nesting.
    let inner = ZipBuilder::new().stored("x/y.dat", EVIL).build();
    write(
        &bad,
        "nested_gz_in_zip.zip",
        &ZipBuilder::new()
            .deflated("inner.zip.gz", &joblib::gzip(&inner))
            .build(),
    )?;
    write(
        &bad,
        "checkpoint_in_tar.tar",
        &torch::tar(&[("m/model.pt", &torch::legacy_checkpoint(EVIL, &store))]),
    )?;
    // NumPy.
    let obj = numpy::object_array(1, EVIL);
    write(&bad, "object_array.npy", &obj)?;
    write(&bad, "object_array.npz", &numpy::npz(&[("a", obj)], true))?;

    // Benign.
    write(&good, "state_dict.pt", &torch::benign_state_dict())?;
    write(
        &good,
        "state_dict_zip64.pt",
        &ck(torch::zip_checkpoint("archive", &sd, &store).zip64()),
    )?;
    write(&good, "legacy_state_dict.pt", &torch::benign_legacy())?;
    write(&good, "legacy_state_dict.tar", &torch::legacy_tar(&sd))?;
    write(&good, "array.npy", &numpy::f32_array(&[1.0, 2.0, 3.0]))?;
    let arrays = [
        ("w", numpy::f32_array(&[1.0; 64])),
        ("b", numpy::f32_array(&[0.5; 8])),
    ];
    write(&good, "arrays.npz", &numpy::npz(&arrays, false))?;
    write(&good, "arrays_compressed.npz", &numpy::npz(&arrays, true))?;
    write(&good, "dict.pkl", BENIGN_PICKLE)?;
    write(&good, "dict.pkl.bz2", BENIGN_PICKLE_BZ2)?;
    for (c, ext) in [
        (Compressor::Zlib, "z"),
        (Compressor::Gzip, "gz"),
        (Compressor::Xz, "xz"),
        (Compressor::Lzma, "lzma"),
        (Compressor::Lz4, "lz4"),
    ] {
        write(
            &good,
            &format!("dict.joblib.{ext}"),
            &joblib::compress(c, BENIGN_PICKLE),
        )?;
    }
    write(
        &good,
        "state_dict.pt.gz",
        &joblib::gzip(&torch::benign_state_dict()),
    )?;
    Ok(())
}
