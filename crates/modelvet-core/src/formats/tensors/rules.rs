//! Rules raised by the tensors family (safetensors, GGUF, TFLite, Flax msgpack).

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

/// A custom (non-builtin) operator.
pub static TFLITE_CUSTOM_OP: Rule = Rule {
    id: "tflite-custom-op",
    severity: Severity::Medium,
    summary:
        "The TFLite model uses a custom operator, run by code outside TFLite's builtin kernels.",
    docs: r#"
## Why it matters
A custom op is resolved by name against kernels the application registers. Running the
model needs that code, which does not come with the model and is not reviewed with it; a
model that names an op your runtime resolves to something unexpected runs that code.
Well-known custom ops (`TFLite_Detection_PostProcess`) are reported at low severity.

## What to do
Find out which library provides each custom op and review it before registering it.
"#,
};

/// A Flex (TensorFlow) operator.
pub static TFLITE_FLEX_OP: Rule = Rule {
    id: "tflite-flex-op",
    severity: Severity::High,
    summary: "The TFLite model uses a Flex op: a full TensorFlow op, possibly one that reads or writes files.",
    docs: r#"
## Why it matters
`Flex*` custom codes run TensorFlow ops through the Flex delegate. TensorFlow's op set
includes file and process I/O (`ReadFile`, `WriteFile`, `MatchingFiles`, `Save`,
`Restore`, `PrintV2` to a file, readers and datasets): a model using them can read or
overwrite files on the machine that runs it. Such ops are reported at high severity,
other Flex ops at medium.

## Example
An operator code with `builtin_code = CUSTOM` and `custom_code = "FlexReadFile"`.

## What to do
Run the model without the Flex delegate if it does not need it, and never with Flex ops
that touch files unless you wrote the model.
"#,
};

/// The flatbuffer is broken.
pub static TFLITE_MALFORMED: Rule = Rule {
    id: "tflite-malformed",
    severity: Severity::Medium,
    summary:
        "The TFLite flatbuffer has offsets or vectors outside the file, or inconsistent indices.",
    docs: r#"
## Why it matters
Flatbuffer readers trust offsets unless verified; TFLite's verifier is optional in some
runtimes. Offsets outside the buffer or operator indices past the operator-code table are
the input memory-safety bugs need.

## What to do
Do not load the file; obtain it again from its source.
"#,
};

/// The msgpack document is broken or is not a Flax state.
pub static MSGPACK_MALFORMED: Rule = Rule {
    id: "msgpack-malformed",
    severity: Severity::Medium,
    summary: "The Flax msgpack file is truncated, inconsistent or not a parameter map.",
    docs: r#"
## Why it matters
Flax checkpoints hold no code, so a broken one is usually a damaged download. Arrays whose
shape and dtype disagree with their byte length, or lengths past the end of the file, are
also the input that decoders with memory-safety bugs mishandle.

## Example
An ext-1 array declaring shape `[1000, 1000]` of `float32` with 16 bytes of data.

## What to do
Re-download the file and compare its SHA-256 with the hub's.
"#,
};

/// An ext type Flax does not write.
pub static MSGPACK_UNKNOWN_EXT: Rule = Rule {
    id: "msgpack-unknown-ext",
    severity: Severity::Low,
    summary: "The Flax msgpack file holds an ext type Flax does not write.",
    docs: r#"
## Why it matters
Flax writes ext types 1 (numpy array), 2 (complex) and 3 (numpy scalar). Any other ext
type is passed through undecoded by Flax but may mean something to another msgpack reader
with custom ext hooks.

## What to do
Find out which tool wrote the file and what the ext type carries.
"#,
};

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
