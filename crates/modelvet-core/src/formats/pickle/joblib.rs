//! joblib's inline arrays, read as `joblib.load` reads them.
//!
//! Since joblib 0.10, `joblib.dump` writes each numpy array as a
//! `NumpyArrayWrapper` object followed, in the file itself, by the array's raw
//! bytes. `NumpyUnpickler.load_build` (joblib `numpy_pickle.py`) notices the
//! wrapper when `BUILD` fills it in, and `NumpyArrayWrapper.read_array` reads
//! from the underlying file: an optional padding byte and padding (when the
//! wrapper has `numpy_array_alignment_bytes`), then `prod(shape) * itemsize`
//! bytes; for object arrays, a nested pickle read by a fresh unpickler. The
//! file is read directly, past any frame the unpickler has buffered. The
//! opcodes continue after the array.

use super::error::Halt;
use super::input::Input;
use super::value::{as_int, as_str, call_of, dict_get, items, val, with, Node, Val};
use super::vm::{Event, Machine};

const WRAPPERS: &[&str] = &[
    "joblib.numpy_pickle.NumpyArrayWrapper",
    "sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper",
];

/// Nested pickles followed inside object arrays.
const MAX_NESTED: u32 = 8;

fn is_wrapper(target: &Val) -> bool {
    let Some((callable, args)) = call_of(target) else {
        return false;
    };
    if WRAPPERS.contains(&callable.as_str()) {
        return true;
    }
    // Protocols 0-1: copyreg._reconstructor(NumpyArrayWrapper, object, None).
    callable == "copyreg._reconstructor"
        && items(&args)
            .and_then(|a| a.first().and_then(super::value::as_global))
            .is_some_and(|c| WRAPPERS.contains(&c.as_str()))
}

/// The instance dict `BUILD` gives the wrapper (`state` or `(state, slotstate)`).
fn attribute(state: &Val, key: &str) -> Option<Val> {
    if let Some(v) = dict_get(state, key) {
        return Some(v);
    }
    items(state)?.iter().find_map(|s| dict_get(s, key))
}

struct Dtype {
    itemsize: u64,
    object: bool,
}

fn dtype(v: &Val) -> Option<Dtype> {
    let (callable, args) = call_of(v)?;
    if callable != "numpy.dtype" {
        return None;
    }
    let code = as_str(items(&args)?.first()?)?;
    let state = with(v, |n| match n {
        Node::Call { state, .. } => state.clone(),
        _ => None,
    })
    .flatten();
    let state = state.and_then(|s| items(&s)).unwrap_or_default();
    let elsize = state.get(5).and_then(as_int).filter(|e| *e > 0);
    let flags = state.get(7).and_then(as_int);
    let object = flags.map_or(code.starts_with('O'), |f| f & 1 != 0);
    let digits: String = code
        .trim_start_matches(['<', '>', '=', '|'])
        .chars()
        .skip(1)
        .take_while(char::is_ascii_digit)
        .collect();
    let itemsize = match elsize {
        Some(e) => u64::try_from(e).ok()?,
        None => digits.parse().ok()?,
    };
    Some(Dtype { itemsize, object })
}

/// Handle `BUILD` of a joblib wrapper: skip the inline array and return the
/// value that replaces the wrapper on the stack. `None` for any other BUILD.
pub fn build(
    m: &mut Machine<'_>,
    input: &mut Input<'_>,
    target: &Val,
    state: &Val,
    offset: u64,
) -> Result<Option<Val>, Halt> {
    if !is_wrapper(target) {
        return Ok(None);
    }
    let dt = attribute(state, "dtype")
        .as_ref()
        .and_then(dtype)
        .ok_or_else(|| Halt::malformed("joblib array wrapper without a readable dtype"))?;
    if dt.object {
        if m.nested >= MAX_NESTED {
            return Err(Halt::Limit("pickle.max_nesting", u64::from(MAX_NESTED)));
        }
        let start = input.file_pos();
        let saved = input.detach()?;
        m.run_nested(input)?;
        let bytes = input.pos().saturating_sub(start);
        input.reattach(saved)?;
        m.events.push(Event::JoblibArray {
            offset,
            bytes,
            nested: true,
        });
        return Ok(Some(val(Node::Opaque("numpy object array".into()))));
    }
    let shape = attribute(state, "shape")
        .and_then(|s| items(&s))
        .ok_or_else(|| Halt::malformed("joblib array wrapper without a shape"))?;
    let mut count: u64 = 1;
    for dim in &shape {
        let d = as_int(dim)
            .and_then(|d| u64::try_from(d).ok())
            .ok_or_else(|| Halt::malformed("joblib array shape is not non-negative integers"))?;
        count = count
            .checked_mul(d)
            .ok_or_else(|| Halt::malformed("joblib array size overflows"))?;
    }
    let mut bytes = count
        .checked_mul(dt.itemsize)
        .ok_or_else(|| Halt::malformed("joblib array size overflows"))?;
    let aligned = attribute(state, "numpy_array_alignment_bytes")
        .is_some_and(|v| with(&v, |n| !matches!(n, Node::None)).unwrap_or(false));
    if aligned {
        let pad = input.read_file_bytes(1)?;
        let pad_len = pad.first().copied().map_or(0, u64::from);
        input.skip_file_bytes(pad_len)?;
        bytes = bytes.saturating_add(1).saturating_add(pad_len);
    }
    input.skip_file_bytes(count.saturating_mul(dt.itemsize))?;
    m.events.push(Event::JoblibArray {
        offset,
        bytes,
        nested: false,
    });
    Ok(Some(val(Node::Opaque(format!(
        "numpy array of {count} items"
    )))))
}
