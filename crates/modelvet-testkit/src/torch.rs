//! PyTorch checkpoints as `torch.save` and `torch.jit.save` write them: the
//! zip layout (since 1.6), the legacy stream of pickles, the legacy tar, and
//! TorchScript archives. Pickles are written opcode by opcode, as protocol 2
//! (torch's default).

use crate::zip::ZipBuilder;

/// `torch.save`'s legacy magic number pickle.
pub const LEGACY_MAGIC: &[u8] = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.";

fn binunicode(out: &mut Vec<u8>, s: &str) {
    out.push(b'X');
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn binint(out: &mut Vec<u8>, v: u32) {
    if v < 256 {
        out.extend_from_slice(&[b'K', v as u8]);
    } else {
        out.push(b'J');
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// A state-dict pickle as `torch.save(model.state_dict())` writes it:
/// `OrderedDict` of tensors rebuilt with `torch._utils._rebuild_tensor_v2`
/// from persistent storages `('storage', torch.FloatStorage, key, 'cpu', numel)`.
/// `tensors` lists `(name, storage key, numel)`.
pub fn state_dict_pickle(tensors: &[(&str, &str, u32)]) -> Vec<u8> {
    let mut p = b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01(".to_vec();
    for (name, key, numel) in tensors {
        binunicode(&mut p, name);
        p.extend_from_slice(b"ctorch._utils\n_rebuild_tensor_v2\n(");
        // Persistent id tuple.
        p.push(b'(');
        binunicode(&mut p, "storage");
        p.extend_from_slice(b"ctorch\nFloatStorage\n");
        binunicode(&mut p, key);
        binunicode(&mut p, "cpu");
        binint(&mut p, *numel);
        p.extend_from_slice(b"tQ"); // TUPLE, BINPERSID
        binint(&mut p, 0); // storage offset
        binint(&mut p, *numel);
        p.push(0x85); // TUPLE1: size
        binint(&mut p, 1);
        p.push(0x85); // stride
        p.push(0x89); // NEWFALSE: requires_grad
        p.extend_from_slice(b"ccollections\nOrderedDict\n)R"); // backward hooks
        p.extend_from_slice(b"tR"); // TUPLE, REDUCE
    }
    p.extend_from_slice(b"u."); // SETITEMS, STOP
    p
}

/// Little-endian float32 bytes of `n` values.
pub fn storage_bytes(n: u32) -> Vec<u8> {
    (0..n)
        .flat_map(|i| (i as f32 * 0.5).to_le_bytes())
        .collect()
}

/// A zip checkpoint under record prefix `prefix` with `data.pkl` and the
/// given storages, in `torch.save`'s member order.
pub fn zip_checkpoint(prefix: &str, data_pkl: &[u8], storages: &[(&str, Vec<u8>)]) -> ZipBuilder {
    let mut z = ZipBuilder::new()
        .stored(&format!("{prefix}/data.pkl"), data_pkl)
        .stored(&format!("{prefix}/byteorder"), b"little");
    for (key, bytes) in storages {
        z = z.stored(&format!("{prefix}/data/{key}"), bytes);
    }
    z.stored(&format!("{prefix}/version"), b"3\n").stored(
        &format!("{prefix}/.data/serialization_id"),
        b"0123456789012345678901234567890123456789",
    )
}

/// A benign state dict of two tensors, as a zip checkpoint.
pub fn benign_state_dict() -> Vec<u8> {
    let pkl = state_dict_pickle(&[("fc.weight", "0", 4), ("fc.bias", "1", 2)]);
    zip_checkpoint(
        "archive",
        &pkl,
        &[("0", storage_bytes(4)), ("1", storage_bytes(2))],
    )
    .build()
}

/// A TorchScript archive (`torch.jit.save`): `data.pkl`, `constants.pkl`,
/// `code/` with Python source and its `.debug_pkl`, storages, versions.
pub fn torchscript(prefix: &str) -> Vec<u8> {
    let data = b"\x80\x02c__torch__\nM\nq\x00)\x81}q\x01X\x08\x00\x00\x00trainingq\x02\x88sb.";
    let constants = b"\x80\x02).";
    let debug = b"\x80\x02K\x00X\x00\x00\x00\x00K\x00\x87q\x00\x85q\x01.";
    ZipBuilder::new()
        .stored(&format!("{prefix}/data.pkl"), data)
        .stored(&format!("{prefix}/code/__torch__.py"), b"class M(Module):\n  __parameters__ = []\n  def forward(self: __torch__.M, x: Tensor) -> Tensor:\n    return x\n")
        .stored(&format!("{prefix}/code/__torch__.py.debug_pkl"), debug)
        .stored(&format!("{prefix}/constants.pkl"), constants)
        .stored(&format!("{prefix}/data/0"), &storage_bytes(3))
        .stored(&format!("{prefix}/version"), b"3\n")
        .stored(&format!("{prefix}/.data/version"), b"3\n")
        .build()
}

/// The pickles of a legacy checkpoint before the storages: magic number,
/// protocol version 1001, sys_info.
fn legacy_preamble() -> Vec<u8> {
    let mut out = LEGACY_MAGIC.to_vec();
    out.extend_from_slice(b"\x80\x02M\xe9\x03.");
    let mut sys = b"\x80\x02}q\x00(".to_vec();
    binunicode(&mut sys, "protocol_version");
    sys.extend_from_slice(b"M\xe9\x03");
    binunicode(&mut sys, "little_endian");
    sys.push(0x88);
    binunicode(&mut sys, "type_sizes");
    sys.extend_from_slice(b"}q\x01(");
    for (k, v) in [("short", 2), ("int", 4), ("long", 4)] {
        binunicode(&mut sys, k);
        binint(&mut sys, v);
    }
    sys.extend_from_slice(b"uu.");
    out.extend_from_slice(&sys);
    out
}

/// A legacy (pre-1.6, `_use_new_zipfile_serialization=False`) checkpoint:
/// magic, protocol version, sys_info, `object_pkl`, the storage keys, then
/// each storage as an 8-byte element count and its raw bytes.
pub fn legacy_checkpoint(object_pkl: &[u8], storages: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = legacy_preamble();
    out.extend_from_slice(object_pkl);
    let mut keys = b"\x80\x02]q\x00(".to_vec();
    for (k, _) in storages {
        binunicode(&mut keys, k);
    }
    keys.extend_from_slice(b"e.");
    out.extend_from_slice(&keys);
    for (_, bytes) in storages {
        out.extend_from_slice(&((bytes.len() / 4) as u64).to_le_bytes());
        out.extend_from_slice(bytes);
    }
    out
}

/// A benign legacy state dict.
pub fn benign_legacy() -> Vec<u8> {
    let pkl = state_dict_pickle(&[("w", "0", 4)]);
    legacy_checkpoint(&pkl, &[("0", storage_bytes(4))])
}

/// A ustar archive of regular files, as Python's `tarfile` writes it.
pub fn tar(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data) in files {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..108].copy_from_slice(b"0000644\0");
        h[108..116].copy_from_slice(b"0000000\0");
        h[116..124].copy_from_slice(b"0000000\0");
        h[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
        h[136..148].copy_from_slice(b"00000000000\0");
        h[156] = b'0';
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.extend_from_slice(&[0u8; 1024]);
    out
}

/// A legacy tar checkpoint (PyTorch < 0.4): members `sys_info`, `pickle`,
/// `tensors`, `storages`, each starting with a pickle.
pub fn legacy_tar(object_pkl: &[u8]) -> Vec<u8> {
    let sys = legacy_preamble();
    let sys = &sys[LEGACY_MAGIC.len() + 6..];
    let mut storages = b"\x80\x02K\x01.".to_vec(); // count
    storages.extend_from_slice(b"\x80\x02X\x01\x00\x00\x000ctorch\nFloatStorage\n\x86.");
    storages.extend_from_slice(&2u64.to_le_bytes());
    storages.extend_from_slice(&storage_bytes(2));
    tar(&[
        ("sys_info", sys),
        ("pickle", object_pkl),
        ("tensors", b"\x80\x02K\x00."),
        ("storages", &storages),
    ])
}
