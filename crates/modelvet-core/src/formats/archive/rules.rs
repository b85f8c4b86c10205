//! Rules raised by the archive family.

use crate::rule::Rule;
use crate::severity::Severity;

/// The zip structure cannot be read the way loaders read it.
pub static ZIP_MALFORMED: Rule = Rule {
    id: "zip-malformed",
    severity: Severity::Medium,
    summary:
        "The zip's end record, central directory or a local header is missing or inconsistent.",
    docs: r#"
## Why it matters
PyTorch (miniz), Python's `zipfile` and other readers each tolerate different damage. A
directory that one reader accepts and another rejects lets a file pass a scanner built on
one reader and load in another.

## What to do
Re-create the archive with the tool that normally writes it (`torch.save`, `np.savez`).

## References
- PKWARE APPNOTE.TXT, sections 4.3.6–4.3.16
"#,
};

/// A member's name in its local header differs from the central directory.
pub static ZIP_NAME_MISMATCH: Rule = Rule {
    id: "zip-name-mismatch",
    severity: Severity::High,
    summary: "A member's local-header name differs from its central-directory name.",
    docs: r#"
## Why it matters
Loaders look members up by their central-directory name; some scanners walk local headers.
A member called `weights.bin` in one place and `archive/data.pkl` in the other is read as a
pickle by PyTorch while a scanner files it as data.

## Example
Central directory: `archive/data.pkl`; local header: `archive/data/0`.

## What to do
Do not load the file. No writer produces different names for the same member.
"#,
};

/// Local header and central directory disagree on method, flags, sizes or CRC.
pub static ZIP_HEADER_MISMATCH: Rule = Rule {
    id: "zip-header-mismatch",
    severity: Severity::Medium,
    summary: "A member's local header and central-directory record disagree (method, flags, sizes or CRC).",
    docs: r#"
## Why it matters
Readers that trust the local header and readers that trust the central directory extract
different bytes from the same member: a classic parser differential.

## What to do
Re-create the archive; treat the file as tampered with.
"#,
};

/// Two central-directory entries share a name.
pub static ZIP_DUPLICATE_ENTRY: Rule = Rule {
    id: "zip-duplicate-entry",
    severity: Severity::High,
    summary: "Two or more members of the zip have the same name.",
    docs: r#"
## Why it matters
Which duplicate a reader picks differs: Python's `zipfile` keeps the last, miniz's sorted
lookup may return either. A benign `data.pkl` shown to a scanner and a malicious one loaded
by PyTorch is the attack. modelvet scans every duplicate.

## What to do
Do not load the file. No model writer stores a name twice.
"#,
};

/// A member's CRC-32 does not match its content.
pub static ZIP_CRC_MISMATCH: Rule = Rule {
    id: "zip-crc-mismatch",
    severity: Severity::High,
    summary: "A member's stored CRC-32 does not match its content.",
    docs: r#"
## Why it matters
PyTorch's miniz is built without CRC checks on read, so `torch.load` loads a member with a
wrong CRC, while Python's `zipfile` raises `BadZipFile` — a scanner built on `zipfile`
fails on the member and may report the file clean. modelvet scans the member anyway.

## What to do
Do not load the file unless you know how it was damaged.
"#,
};

/// Encryption, patch-data or reserved general-purpose flag bits.
pub static ZIP_FLAG_BITS: Rule = Rule {
    id: "zip-flag-bits",
    severity: Severity::High,
    summary: "A member sets encryption, patch-data or reserved flag bits.",
    docs: r#"
## Why it matters
Flag bits decide whether a reader extracts a member at all: Python's `zipfile` refuses
"encrypted" or "patch data" members, other readers ignore the bits. Setting them on a pickle
hides it from some scanners while a loader that ignores flags still reads it.

## Example
`archive/data.pkl` stored uncompressed with bit 0 (encrypted) set.

## What to do
Do not load the file. Model writers set only bits 1–3 and 11.

## References
- PKWARE APPNOTE.TXT 4.4.4 (general purpose bit flag)
"#,
};

/// Bytes before the first member (a polyglot file).
pub static ZIP_PREFIXED_DATA: Rule = Rule {
    id: "zip-prefixed-data",
    severity: Severity::High,
    summary: "The zip is preceded by other data: the file may be read as something else.",
    docs: r#"
## Why it matters
Readers find a zip from its end, so data in front of it is invisible to them. But
`torch.load` checks for `PK\x03\x04` at offset 0: a file that starts with a pickle and ends
with a zip is unpickled by PyTorch while zip-based scanners see only the zip. modelvet scans
the prefixed bytes as a file of their own.

## What to do
Do not load the file. Model writers start the file with the first member.
"#,
};

/// Bytes after the end record.
pub static ZIP_TRAILING_DATA: Rule = Rule {
    id: "zip-trailing-data",
    severity: Severity::Medium,
    summary: "Data follows the zip's end-of-central-directory record.",
    docs: r#"
## Why it matters
Readers tolerate (and ignore) up to 64 KiB after the end record. That space can carry a
second payload for a different reader. modelvet scans the trailing bytes.

## What to do
Strip the trailing data or re-create the archive.
"#,
};

/// A member name escapes the extraction directory.
pub static ZIP_PATH_TRAVERSAL: Rule = Rule {
    id: "zip-path-traversal",
    severity: Severity::High,
    summary: "A member name is absolute or climbs out of the extraction directory (`..`).",
    docs: r#"
## Why it matters
Tools that extract archives (Keras, generic unzip, hub tooling) may write such a member
outside the target directory ("zip slip"), overwriting code or configuration.

## Example
`../../.bashrc`, `/etc/cron.d/job`, `C:\\Windows\\x.dll`.

## What to do
Do not extract the archive.

## References
- CWE-22
"#,
};

/// Declared or observed compression ratio, or total size, of a zip bomb.
pub static ZIP_BOMB: Rule = Rule {
    id: "zip-bomb",
    severity: Severity::High,
    summary: "A member's compression ratio or the archive's declared size is that of a decompression bomb.",
    docs: r#"
## Why it matters
A few kilobytes can inflate to terabytes and exhaust the memory or disk of whatever loads
or extracts the file. modelvet inflates with bounded output and stops at its limits
(`limits.archive.max_ratio`, `max_member_bytes`, `max_total_bytes`).

## What to do
Do not extract the archive.
"#,
};

/// Members whose data overlap.
pub static ZIP_OVERLAPPING_ENTRIES: Rule = Rule {
    id: "zip-overlapping-entries",
    severity: Severity::High,
    summary: "Two members' data overlap in the file.",
    docs: r#"
## Why it matters
Overlapping members are how non-recursive zip bombs multiply their output, and how one set
of bytes is shown under two names. No writer produces them.

## What to do
Do not load or extract the archive.
"#,
};

/// A compression method PyTorch's reader cannot read.
pub static ZIP_UNSUPPORTED_METHOD: Rule = Rule {
    id: "zip-unsupported-method",
    severity: Severity::Medium,
    summary: "A member uses a compression method other than stored or deflate.",
    docs: r#"
## Why it matters
miniz (PyTorch) reads only stored and deflate members; Python's `zipfile` also reads bzip2
and LZMA. Readers disagree on what the member holds, and content modelvet cannot decode is
not vouched for.

## What to do
Re-create the archive with stored or deflate members.
"#,
};

/// A compressed stream is corrupt or truncated.
pub static ARCHIVE_CORRUPT_STREAM: Rule = Rule {
    id: "archive-corrupt-stream",
    severity: Severity::Medium,
    summary:
        "A compressed stream (gzip, bzip2, xz, lzma, lz4, zlib, deflate) is corrupt or truncated.",
    docs: r#"
## Why it matters
Decoders differ in how much of a damaged stream they return. The part modelvet could not
decode was not scanned.

## What to do
Obtain an intact copy of the file.
"#,
};

/// A PyTorch checkpoint whose structure is not what `torch.load` writes.
pub static PYTORCH_MALFORMED: Rule = Rule {
    id: "pytorch-malformed",
    severity: Severity::Medium,
    summary:
        "A PyTorch checkpoint lacks records `torch.save` always writes, or has unexpected ones.",
    docs: r#"
## Why it matters
`torch.save` writes `<name>/data.pkl`, `<name>/data/<key>` storages, `<name>/version` (or
`.data/version`) and `<name>/byteorder` under one top-level directory. Records outside that
directory, or a checkpoint without `version`, were put there by something else.

## What to do
Find out how the file was produced; re-save it with `torch.save` or convert it to safetensors.
"#,
};

/// Every rule of the family.
pub const ALL: &[&Rule] = &[
    &ZIP_MALFORMED,
    &ZIP_NAME_MISMATCH,
    &ZIP_HEADER_MISMATCH,
    &ZIP_DUPLICATE_ENTRY,
    &ZIP_CRC_MISMATCH,
    &ZIP_FLAG_BITS,
    &ZIP_PREFIXED_DATA,
    &ZIP_TRAILING_DATA,
    &ZIP_PATH_TRAVERSAL,
    &ZIP_BOMB,
    &ZIP_OVERLAPPING_ENTRIES,
    &ZIP_UNSUPPORTED_METHOD,
    &ARCHIVE_CORRUPT_STREAM,
    &PYTORCH_MALFORMED,
];
