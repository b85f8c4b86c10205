#!/usr/bin/env python3
"""Write the hand-made hostile inputs of fuzz/regressions/ (small ones; the
large ones are generated in crates/modelvet-core/tests/fuzz_regressions.rs).

Run from this folder: `python3 make_seeds.py`. Inputs that fuzzing found are
added next to these by `cargo xtask fuzz` (see README.md) and are not
rewritten here.
"""
import os, struct, zlib


def w(target, name, data):
    os.makedirs(target, exist_ok=True)
    with open(f"{target}/{name}", "wb") as f:
        f.write(data)


def tarh(name, size_field, kind=b"0"):
    h = bytearray(512)
    h[0:len(name)] = name
    h[100:108] = b"0000644\0"
    h[124:136] = size_field
    h[136:148] = b"00000000000\0"
    h[156:157] = kind
    h[257:265] = b"ustar\x0000"
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)


def xz_header():
    flags = b"\0\x01"
    return b"\xfd7zXZ\0" + flags + struct.pack("<I", zlib.crc32(flags))


def xz_block_header(dict_prop):
    body = bytes([0x00, 0x21, 0x01, dict_prop])  # one filter: LZMA2, 1 byte of props
    size = (1 + len(body) + 4 + 3) // 4 * 4
    hdr = bytes([size // 4 - 1]) + body
    hdr = hdr + bytes(size - 4 - len(hdr))
    return hdr + struct.pack("<I", zlib.crc32(hdr))


EVIL = b"\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03."

# tar (the harness fixes up header checksums, so sizes are what matters)
w("tar", "huge-octal-size.tar", tarh(b"model.pkl", b"77777777777\0") + b"\x80\x02." + bytes(509))
w("tar", "huge-base256-size.tar", tarh(b"model.pkl", b"\x80" + b"\xff" * 11) + bytes(512))
w("tar", "truncated-member.tar", tarh(b"data.pkl", b"00000001750\0") + b"\x80\x02cos\nsystem\n")
w("tar", "gnu-long-name-huge.tar", tarh(b"././@LongLink", b"77777777777\0", kind=b"L") + b"A" * 600)
w("tar", "pax-traversal.tar",
  tarh(b"pax", b"00000000036\0", kind=b"x") + b"30 path=../../../etc/passwd\n".ljust(512, b"\0")
  + tarh(b"x", b"00000000000\0") + bytes(1024))

# gzip
w("gzip", "extra-field-past-end.gz", b"\x1f\x8b\x08\x04\0\0\0\0\0\xff\xff\xff" + b"abcd")
w("gzip", "name-without-nul.gz", b"\x1f\x8b\x08\x08\0\0\0\0\0\xff" + b"n" * 100)
c = zlib.compressobj(9, zlib.DEFLATED, -15)
d = c.compress(b"\x80\x02cos\nsystem\n" * 1000) + c.flush()
w("gzip", "truncated.gz", b"\x1f\x8b\x08\0\0\0\0\0\0\xff" + d[: len(d) // 2])
w("gzip", "all-flags-header-only.gz", b"\x1f\x8b\x08\x1e\0\0\0\0\0\xff\x02\0xx" + b"name\0comment\0" + b"\x12\x34")

# bzip2
w("bzip2", "truncated.bz2", b"BZh91AY&SY" + b"\x01\x02\x03")
w("bzip2", "block-size-zero.bz2", b"BZh0" + bytes(32))
w("bzip2", "eos-only.bz2", b"BZh9\x17\x72\x45\x38\x50\x90\0\0\0\0")

# xz: LZMA2 dictionary property 40 is 4 GiB - 1; 41 is invalid
w("xz", "truncated.xz", xz_header())
w("xz", "huge-dictionary.xz", xz_header() + xz_block_header(40) + b"\xe0\xff\xff\x00\x5d" + b"\x00" * 64)
w("xz", "bad-dict-prop.xz", xz_header() + xz_block_header(41) + b"\x01\x00\x03abcd\x00")

# lzma alone: properties, dictionary size (u32 LE), uncompressed size (u64 LE)
w("lzma", "huge-dictionary.lzma", b"\x5d\x00\x00\x00\xff" + b"\xff" * 8 + b"\x00" * 64)
w("lzma", "huge-declared-size.lzma", b"\x5d\x00\x00\x01\x00" + struct.pack("<Q", 1 << 62) + b"\x00" * 64)
w("lzma", "truncated.lzma", b"\x5d\x00\x00\x10\x00")
w("lzma", "bad-props.lzma", b"\xff\x00\x00\x10\x00" + b"\xff" * 8 + b"\x00" * 16)

# lz4 frame: magic, FLG, BD, header checksum
w("lz4", "truncated.lz4", b"\x04\x22\x4d\x18\x60\x70")
w("lz4", "block-size-past-end.lz4", b"\x04\x22\x4d\x18\x60\x70\x73" + b"\xff\xff\x3f\x00" + b"\x10abc")
w("lz4", "content-size-huge.lz4", b"\x04\x22\x4d\x18\x68\x70" + b"\xff" * 8 + b"\x00" + bytes(8))

# zstd
w("zstd", "truncated.zst", b"\x28\xb5\x2f\xfd\x04\x00")
w("zstd", "huge-window.zst", b"\x28\xb5\x2f\xfd\x00\xf8" + b"\x01\x00\x00" + b"x")
w("zstd", "skippable-huge-size.zst", b"\x50\x2a\x4d\x18" + b"\xff\xff\xff\xff" + b"abc")
w("zstd", "rle-block-max.zst", b"\x28\xb5\x2f\xfd\x00\x58" + bytes([0x03 | (2 << 1) | (0x1F << 3), 0xFF, 0xFF]) + b"A")

# joblib: the first byte is the harness mode (fuzz/harness.rs `joblib`)
w("joblib", "zf-huge-declared-length.bin", b"\x07" + zlib.compress(EVIL))
w("joblib", "zf-truncated-zlib.bin", b"\x00ZF0x10               " + zlib.compress(EVIL)[:8])
w("joblib", "zf-bad-hex.bin", b"\x00ZF0xZZZZZZZZZZZZZZZZZ" + zlib.compress(EVIL))
w("joblib", "zf-wide-header-evil-pickle.bin", b"\x03" + EVIL)
w("joblib", "gzip-evil-pickle.bin", b"\x06" + EVIL)
w("joblib", "zlib-dict-flag.bin", b"\x00\x78\xbb\x00\x00\x00\x01" + b"\x03\x00")


# hub_links: line 1 endpoint (first byte), line 2 repo, then one line per answer
# (first byte: the status; the rest: every header's value)
def hub(*lines):
    return b"\n".join(lines)


def next_link(url):
    return hub(b"\x00", b"fuzz/model", b"\x00", b"\x00<" + url + b'>; rel="next"', b"\x00")


w("hub_links", "next-to-other-origin.bin", next_link(b"https://evil.example/api/models/fuzz/model/tree/x?cursor=1"))
w("hub_links", "next-with-userinfo.bin", next_link(b"https://huggingface.co@evil.example/p"))
w("hub_links", "next-protocol-relative.bin", next_link(b"//evil.example/p"))
w("hub_links", "next-backslash-host.bin", next_link(b"https://evil.example\\@huggingface.co/p"))
w("hub_links", "next-default-port.bin", next_link(b"https://HUGGINGFACE.CO:443/p"))
w("hub_links", "redirect-statuses.bin",
  hub(b"\x00", b"https://evil.example/fuzz/model", b"\xcb/x", b"\xd2https://evil.example/",
      b'\xf5"api";r=0;t=99999999999999999999'))
w("hub_links", "fuzzed-endpoint.bin", hub(b"\x03https://user@hf.example", b"fuzz/model@main", b"\x00"))

# scan_any: the first byte picks the name (fuzz/harness.rs `NAMES`)
w("scan_any", "named-tar-gz-with-gzip-extra.bin", bytes([27]) + b"\x1f\x8b\x08\x04\0\0\0\0\0\xff\xff\xff")
w("scan_any", "arbitrary-name.bin", b"\xc5a\xffb.\x00" + EVIL)
w("scan_any", "pickle-as-safetensors.bin", bytes([9]) + EVIL)

# pynames: the first byte picks resolve_dotted (even) or resolve (odd, module
# and name split at the first NUL)
w("pynames", "tempfile-os-system.bin", b"\x01tempfile\0_os.system")
w("pynames", "numpy-reconstruct-dotted.bin", b"\x00numpy.core.multiarray._reconstruct")
w("pynames", "empty-segments.bin", b"\x01os\0..path...\xff\xfe.system.")
