//! Rules raised by the safetensors scanner.

use crate::rule::Rule;
use crate::severity::Severity;

/// The header is not a valid safetensors header.
pub static SAFETENSORS_MALFORMED: Rule = Rule {
    id: "safetensors-malformed",
    severity: Severity::Medium,
    summary: "The safetensors header is not valid: bad length, UTF-8, JSON or tensor entry.",
    docs: r#"
## Why it matters
A safetensors file holds no code, so a broken header is usually a damaged or truncated
download. But loaders differ in what they tolerate, and a header that one parser rejects
and another repairs is how polyglot and confusion attacks start.

## Example
A header length larger than the file, a header that is not UTF-8, a tensor entry without
`data_offsets`, a `dtype` no loader knows.

## What to do
Download the file again and compare its SHA-256 with the hash the hub publishes. Do not
load a file whose header modelvet cannot read.
"#,
};

/// A JSON key occurs twice.
pub static SAFETENSORS_DUPLICATE_KEY: Rule = Rule {
    id: "safetensors-duplicate-key",
    severity: Severity::High,
    summary: "A key occurs twice in the safetensors header; parsers disagree on which one counts.",
    docs: r#"
## Why it matters
JSON does not forbid duplicate keys, and parsers resolve them differently: the reference
loader (serde with a `HashMap`) silently keeps the **last** one, others keep the first or
fail. A file with two `model.embed.weight` entries shows a reviewer one tensor and the
loader another, which is a classic way to hide a tampered tensor from a checker.

## Example
`{"w": {"dtype": "F32", ...}, "w": {"dtype": "F16", ...}}`

## What to do
Do not use the file. No legitimate writer produces duplicate keys.

## References
- RFC 8259 §4: "The names within an object SHOULD be unique."
"#,
};

/// A field no safetensors writer produces.
pub static SAFETENSORS_UNKNOWN_FIELD: Rule = Rule {
    id: "safetensors-unknown-field",
    severity: Severity::Low,
    summary: "A tensor entry of the safetensors header has a field the format does not define.",
    docs: r#"
## Why it matters
The reference loader ignores fields it does not know. Extra fields carry data past
reviewers and may mean something to another parser.

## Example
`{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8], "exec": "..."}}`

## What to do
Find out which tool wrote the field. Put free-form data in `__metadata__`, where it is visible.
"#,
};

/// dtype × shape does not match the byte range.
pub static SAFETENSORS_INCONSISTENT_TENSOR: Rule = Rule {
    id: "safetensors-inconsistent-tensor",
    severity: Severity::Medium,
    summary: "A tensor's dtype and shape do not match its byte length, or their product overflows.",
    docs: r#"
## Why it matters
The number of bytes a tensor occupies is fixed by its dtype and shape. A mismatch, or a
shape whose product overflows 64 bits, is exactly the input that integer-overflow bugs in
loaders are made of.

## Example
`{"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 16]}`

## What to do
Do not load the file with a loader that does not check this itself.
"#,
};

/// Offsets overlap, leave gaps or point outside the file.
pub static SAFETENSORS_BAD_OFFSETS: Rule = Rule {
    id: "safetensors-bad-offsets",
    severity: Severity::High,
    summary: "Tensor data ranges overlap, leave gaps, run backwards or point outside the file.",
    docs: r#"
## Why it matters
The reference loader demands that tensors tile the data section exactly, in order.
Overlapping ranges let two tensors share bytes, gaps hide bytes no tensor claims, and
ranges beyond the end read out of bounds in careless parsers.

## What to do
Do not use the file; re-download it from a trusted source.
"#,
};

/// Bytes after the last tensor.
pub static SAFETENSORS_TRAILING_DATA: Rule = Rule {
    id: "safetensors-trailing-data",
    severity: Severity::High,
    summary: "Bytes follow the tensor data: the file may be a polyglot carrying a second format.",
    docs: r#"
## Why it matters
A safetensors file ends exactly where its last tensor ends. Bytes after that are ignored
by lenient readers but make the file a *polyglot*: appending a zip directory or a pickle
makes the same file loadable as a PyTorch checkpoint, which runs code. modelvet names the
format of the trailing bytes and scans them as `<trailing data>`.

## Example
A valid safetensors file with a `torch.save` zip appended.

## What to do
Do not load the file with anything but a strict safetensors loader; better, re-export it.
"#,
};

/// `__metadata__` holds something other than short strings.
pub static SAFETENSORS_SUSPICIOUS_METADATA: Rule = Rule {
    id: "safetensors-suspicious-metadata",
    severity: Severity::Medium,
    summary: "The `__metadata__` section holds non-string values, huge values, code, URLs or shell commands.",
    docs: r#"
## Why it matters
`__metadata__` is a free-form string map. Tooling displays it and some pipelines act on
it (model cards, conversion scripts). Code, URLs or shell commands there are either
instructions for a downstream tool or an attempt to smuggle a payload; non-string values
are rejected by the reference loader.

## Example
`"__metadata__": {"format": "pt", "postprocess": "import os; os.system('curl … | sh')"}`

## What to do
Read the value. Never feed metadata into `eval`, a shell or a template.
"#,
};

/// modelvet and the reference loader disagree.
pub static SAFETENSORS_PARSER_DIFFERENTIAL: Rule = Rule {
    id: "safetensors-parser-differential",
    severity: Severity::High,
    summary:
        "The reference safetensors loader and modelvet's strict reading disagree about this file.",
    docs: r#"
## Why it matters
Two parsers that disagree about one file are an attack surface: a file accepted by the
reference loader but flagged here (duplicate keys, unknown fields) loads with content a
reviewer did not see; a file rejected by the reference loader but readable here is broken
for users and may target other loaders.

## What to do
Read the other findings on this file: they say where the readings diverge.

## References
- `safetensors` crate, `SafeTensors::read_metadata`
"#,
};

/// Rules of the safetensors scanner.
pub const RULES: &[&Rule] = &[
    &SAFETENSORS_MALFORMED,
    &SAFETENSORS_DUPLICATE_KEY,
    &SAFETENSORS_UNKNOWN_FIELD,
    &SAFETENSORS_INCONSISTENT_TENSOR,
    &SAFETENSORS_BAD_OFFSETS,
    &SAFETENSORS_TRAILING_DATA,
    &SAFETENSORS_SUSPICIOUS_METADATA,
    &SAFETENSORS_PARSER_DIFFERENTIAL,
];
