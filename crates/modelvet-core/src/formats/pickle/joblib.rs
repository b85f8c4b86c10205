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

/// joblib < 0.10: the array lives in a companion file named by the wrapper
/// (`NDArrayWrapper`: a `.npy` read with `numpy.load(allow_pickle=True)`;
/// `ZNDArrayWrapper`: zlib-compressed raw bytes). Old dumps name the classes
/// under `joblib.numpy_pickle`, which still re-exports them.
pub const COMPAT_WRAPPERS: &[&str] = &[
    "joblib.numpy_pickle.NDArrayWrapper",
    "joblib.numpy_pickle.ZNDArrayWrapper",
    "joblib.numpy_pickle_compat.NDArrayWrapper",
    "joblib.numpy_pickle_compat.ZNDArrayWrapper",
    "sklearn.externals.joblib.numpy_pickle.NDArrayWrapper",
    "sklearn.externals.joblib.numpy_pickle.ZNDArrayWrapper",
    "sklearn.externals.joblib.numpy_pickle_compat.NDArrayWrapper",
    "sklearn.externals.joblib.numpy_pickle_compat.ZNDArrayWrapper",
];

const WRAPPERS: &[&str] = &[
    "joblib.numpy_pickle.NumpyArrayWrapper",
    "sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper",
];

/// The class of the object `target` (through `copyreg._reconstructor` for
/// protocols 0-1), if it is one of `classes`.
fn instance_of(target: &Val, classes: &[&str]) -> bool {
    let Some((callable, args)) = call_of(target) else {
        return false;
    };
    if classes.contains(&callable.as_str()) {
        return true;
    }
    callable == "copyreg._reconstructor"
        && items(&args)
            .and_then(|a| a.first().and_then(super::value::as_global))
            .is_some_and(|c| classes.contains(&c.as_str()))
}

fn is_wrapper(target: &Val) -> bool {
    instance_of(target, WRAPPERS)
}

/// A companion file outside the dump's directory (`os.path.join` keeps an
/// absolute second argument; `..` climbs out).
fn escapes_directory(path: &str) -> bool {
    path.starts_with('/')
        || path.starts_with('\\')
        || path.get(1..3) == Some(":\\")
        || path.get(1..3) == Some(":/")
        || path.split(['/', '\\']).any(|c| c == "..")
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

/// The wrapper's dtype as NumPy rebuilds it: `numpy.dtype(code, align,
/// copy)`, then `__setstate__(state)`. The state's flags (item 7) decide
/// `hasobject` on their own (numpy 2.5.5: a `<f8` given flags 1 has objects,
/// an `O8` given flags 0 has none); without a state, the code does, under any
/// spelling NumPy accepts (`object`, `O4`, `i4,O`, `(2,)O`). A code or state
/// not understood here is an error: the machine reports the stream malformed
/// (high), since NumPy may read it with objects.
fn dtype(v: &Val) -> Result<Dtype, Halt> {
    let unreadable = |why: String| Halt::malformed(format!("joblib array dtype: {why}"));
    let (callable, args) = call_of(v).ok_or_else(|| unreadable("not a numpy.dtype call".into()))?;
    if callable != "numpy.dtype" {
        return Err(unreadable(format!(
            "built by `{callable}`, not numpy.dtype"
        )));
    }
    let code = items(&args)
        .and_then(|a| a.first().and_then(as_str))
        .ok_or_else(|| unreadable("its code is not a string".into()))?;
    let from_code = crate::formats::numpy::dtype::from_str(&code);
    let state = with(v, |n| match n {
        Node::Call { state, .. } => state.clone(),
        _ => None,
    })
    .flatten();
    let (flags, elsize) = match &state {
        None => (None, None),
        Some(s) => {
            let s = items(s).ok_or_else(|| unreadable("its state is not a tuple".into()))?;
            let flags = match s.get(7) {
                Some(f) => Some(
                    as_int(f).ok_or_else(|| unreadable("its flags are not an integer".into()))?,
                ),
                None => None,
            };
            (flags, s.get(5).and_then(as_int).filter(|e| *e > 0))
        }
    };
    let (code_object, code_size) = match from_code {
        crate::formats::numpy::dtype::Descr::Known { object, itemsize } => {
            (Some(object), Some(itemsize))
        }
        _ => (None, None),
    };
    let object = match (flags, code_object) {
        (Some(f), _) => f & 1 != 0,
        (None, Some(o)) => o,
        (None, None) => return Err(unreadable(format!("code `{code}` is not one read here"))),
    };
    let itemsize = match (elsize, code_size) {
        (Some(e), _) => u64::try_from(e).ok(),
        (None, Some(s)) => Some(s),
        (None, None) => None,
    };
    let itemsize = match itemsize {
        Some(s) => s,
        // An object array's size does not matter: a nested pickle follows.
        None if object => 8,
        None => return Err(unreadable(format!("code `{code}` has no size read here"))),
    };
    Ok(Dtype { itemsize, object })
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
    if instance_of(target, COMPAT_WRAPPERS) {
        // `BUILD` state wins over the constructor's `filename` argument.
        let named = attribute(state, "filename").or_else(|| {
            call_of(target)
                .filter(|(c, _)| COMPAT_WRAPPERS.contains(&c.as_str()))
                .and_then(|(_, args)| items(&args)?.first().cloned())
        });
        match named.as_ref().and_then(as_str) {
            // A plain name in the dump's folder: scanned as its own file
            // when the folder is scanned.
            Some(file) if !escapes_directory(&file) => {}
            Some(file) => m.events.push(Event::Gadget {
                what: format!(
                    "joblib.load reads the companion file `{file}`, outside the dump's directory, with allow_pickle=True"
                ),
                evidence: format!("numpy.load(os.path.join(dirname, {file:?}), allow_pickle=True)"),
                offset,
            }),
            None => m.events.push(Event::Gadget {
                what: "joblib.load reads a companion file whose name is not a plain string in the pickle".into(),
                evidence: "numpy.load(os.path.join(dirname, <computed>), allow_pickle=True)".into(),
                offset,
            }),
        }
        return Ok(None);
    }
    if !is_wrapper(target) {
        return Ok(None);
    }
    let dt = attribute(state, "dtype")
        .as_ref()
        .map(dtype)
        .ok_or_else(|| Halt::malformed("joblib array wrapper without a dtype"))??;
    if dt.object {
        let max = m.limits.max_nested_pickles;
        if m.nested >= max {
            return Err(Halt::Limit(
                crate::LimitId::PickleMaxNestedPickles,
                u64::from(max),
            ));
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
