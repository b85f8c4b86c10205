//! Rules raised by the GGUF scanner.

use crate::rule::Rule;
use crate::severity::Severity;

/// The file is not a readable GGUF file.
pub static GGUF_MALFORMED: Rule = Rule {
    id: "gguf-malformed",
    severity: Severity::Medium,
    summary: "The GGUF header is truncated or invalid (version, value type, tensor type, name).",
    docs: r#"
## Why it matters
A GGUF file cannot hold code, so a broken header usually means a damaged download. It is
also what exploits of GGUF parsers look like: llama.cpp and its forks have had
out-of-bounds reads and writes on malformed headers (CVE-2024-21802 and the related
TALOS-2024-1912..1916 reports, CVE-2025-53630, CVE-2026-27940).

## Example
A string length past the end of the file, a metadata value type 13, a tensor with 9
dimensions (llama.cpp allows 4), a tensor type no ggml build knows.

## What to do
Re-download the file and compare its SHA-256 with the hub's. Keep llama.cpp-based tools up to date.
"#,
};

/// A count, dimension or offset overflows or cannot fit in the file.
pub static GGUF_INTEGER_OVERFLOW: Rule = Rule {
    id: "gguf-integer-overflow",
    severity: Severity::High,
    summary: "A GGUF count, dimension or size overflows 64-bit arithmetic or claims more than the file can hold.",
    docs: r#"
## Why it matters
GGUF readers multiply counts and dimensions to size their allocations. Values chosen to
overflow that arithmetic turn into undersized buffers and heap overflows: this is the
pattern of CVE-2024-21802 (`gguf_init_from_file`, tensor count), CVE-2025-53630 and
CVE-2026-27940 (`gguf_init_from_file_impl`) in llama.cpp. No writer produces such values.

## Example
A tensor count of 2^62 in a 1 KiB file; a tensor whose dimensions multiply past `i64::MAX`.

## What to do
Do not open the file with any GGUF tool. Report it to the hub.
"#,
};

/// Tensor data outside the file, overlapping or misaligned.
pub static GGUF_TENSOR_BOUNDS: Rule = Rule {
    id: "gguf-tensor-bounds",
    severity: Severity::High,
    summary: "A GGUF tensor's data lies outside the data section, overlaps another tensor or breaks the alignment.",
    docs: r#"
## Why it matters
Loaders map tensor data straight from the file at the offsets the header gives. An offset
past the end reads out of bounds; overlapping tensors share bytes; a misaligned offset or
an alignment that is not a power of two breaks the assumptions of SIMD kernels.

## What to do
Do not load the file. Re-download it from a trusted source.
"#,
};

/// Duplicate metadata key or tensor name.
pub static GGUF_DUPLICATE_KEY: Rule = Rule {
    id: "gguf-duplicate-key",
    severity: Severity::High,
    summary:
        "A GGUF metadata key or tensor name occurs twice; readers disagree on which one counts.",
    docs: r#"
## Why it matters
llama.cpp and gguf-py reject duplicate keys, but other readers keep the first or last.
Two `tokenizer.chat_template` entries let a reviewer see one template and an inference
server run the other.

## What to do
Do not use the file. No writer produces duplicate keys.
"#,
};

/// Bytes after the last tensor.
pub static GGUF_TRAILING_DATA: Rule = Rule {
    id: "gguf-trailing-data",
    severity: Severity::High,
    summary:
        "Bytes follow the last GGUF tensor (beyond alignment padding): the file may be a polyglot.",
    docs: r#"
## Why it matters
A GGUF file ends with its last tensor, padded to the alignment. Anything after that is
ignored by GGUF readers but can make the file a *polyglot*: a zip or pickle appended to
a GGUF file is still a valid GGUF file for llama.cpp and a valid archive for a loader
that reads from the end. modelvet names the format of the trailing bytes and scans them
as `<trailing data>`.

## What to do
Do not pass the file to anything but a GGUF reader; better, obtain a clean copy.
"#,
};

/// Rules of the GGUF scanner (the chat-template rule lives in `template`).
pub const RULES: &[&Rule] = &[
    &GGUF_MALFORMED,
    &GGUF_INTEGER_OVERFLOW,
    &GGUF_TENSOR_BOUNDS,
    &GGUF_DUPLICATE_KEY,
    &GGUF_TRAILING_DATA,
];
