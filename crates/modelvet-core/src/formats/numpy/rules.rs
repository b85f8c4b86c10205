//! Rules raised by the NumPy family (`.npy`, `.npz`).

use crate::rule::Rule;
use crate::severity::Severity;

/// An object array: a pickle that `np.load(allow_pickle=True)` unpickles.
pub static NPY_OBJECT_ARRAY: Rule = Rule {
    id: "npy-object-array",
    severity: Severity::Low,
    summary:
        "The array has object dtype: its data is a pickle, loaded only with `allow_pickle=True`.",
    docs: r#"
## Why it matters
NumPy stores arrays of Python objects by pickling them after the header. `np.load` refuses
them unless called with `allow_pickle=True`, which then runs whatever the pickle says.
modelvet scans the pickle and raises its own findings for anything dangerous in it; this
finding (low on its own) records that loading the array means unpickling. Real object
arrays exist (numpy's and joblib's own test data hold some).

## Example
`{'descr': '|O', 'fortran_order': False, 'shape': (1,)}` followed by a pickle.

## What to do
Store numeric arrays, or convert the objects to a safe format. Never pass
`allow_pickle=True` for files you did not write.

## References
- `numpy.load` documentation, parameter `allow_pickle`
"#,
};

/// The header is not what numpy writes or accepts.
pub static NPY_MALFORMED_HEADER: Rule = Rule {
    id: "npy-malformed-header",
    severity: Severity::Medium,
    summary:
        "The `.npy` header is not a dict literal with exactly `descr`, `fortran_order` and `shape`.",
    docs: r#"
## Why it matters
numpy evaluates the header with `ast.literal_eval` and then checks it. Headers that other
readers accept but numpy does not (or the reverse) make the same file mean different arrays
to different tools.

## What to do
Re-save the array with `np.save`.
"#,
};

/// A header NumPy may accept that modelvet cannot read as NumPy does.
pub static NPY_UNREADABLE_HEADER: Rule = Rule {
    id: "npy-unreadable-header",
    severity: Severity::High,
    summary: "The `.npy` header or its dtype may be accepted by NumPy but cannot be read here as NumPy reads it; its data may be a pickle.",
    docs: r#"
## Why it matters
`np.load` evaluates the header with `ast.literal_eval` and builds the dtype with
`numpy.dtype`, which accepts many spellings: `object`, `O8`, `i4,O`, `(2,)O`, nested structured
fields, string escapes such as `'\x4f'`. When the dtype has objects (`dtype.hasobject`), the
data after the header is a pickle that `np.load(allow_pickle=True)` runs. A header that
modelvet cannot read exactly as NumPy does could hide such a pickle, so it fails closed: the
data after the header is also scanned as a pickle whenever it could be one.

## What to do
Re-save the array with `np.save`, which writes headers modelvet reads. Do not load the file
with `allow_pickle=True`.
"#,
};

/// The data length differs from what the header implies.
pub static NPY_SIZE_MISMATCH: Rule = Rule {
    id: "npy-size-mismatch",
    severity: Severity::Medium,
    summary: "The `.npy` data is longer or shorter than its shape and dtype say.",
    docs: r#"
## Why it matters
Bytes after the array are ignored by `np.load` but can carry a second payload for another
reader (a polyglot file); a short file is truncated or tampered with.

## What to do
Re-save the array with `np.save`.
"#,
};
