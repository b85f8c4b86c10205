//! Whether a dtype holds Python objects (`dtype.hasobject`), as NumPy decides
//! it for the `descr` of an `.npy` header (`numpy.lib.format.descr_to_dtype`,
//! which calls `numpy.dtype` on strings) and for joblib's pickled dtypes.
//!
//! An array whose dtype has objects is stored as a pickle that `np.load` and
//! `joblib.load` unpickle. Every spelling NumPy maps to objects counts: `O`,
//! `|O`, `O4`, `O8`, `object`, `object_`, `T` (`StringDType`), comma strings
//! (`i4,O`), subarrays (`(2,)O`, `3O`, `('O', (2,))`) and structured fields at
//! any depth. A spelling not understood here is [`Descr::Unknown`]: callers
//! fail closed on it (NumPy may accept it, with objects).

use super::literal::Literal;

/// What NumPy makes of a descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Descr {
    /// A dtype NumPy accepts: whether it holds objects, its item size.
    Known {
        /// `dtype.hasobject`.
        object: bool,
        /// `dtype.itemsize` (8 per object pointer).
        itemsize: u64,
    },
    /// NumPy rejects it (`np.load` raises before reading data).
    Invalid(String),
    /// Not understood here; NumPy may accept it.
    Unknown(String),
}

impl Descr {
    fn known(object: bool, itemsize: u64) -> Descr {
        Descr::Known { object, itemsize }
    }

    /// Repeat `count` times (a subarray).
    fn times(self, count: u64) -> Descr {
        match self {
            Descr::Known { object, itemsize } => {
                Descr::known(object, itemsize.saturating_mul(count))
            }
            other => other,
        }
    }
}

/// Bytes of a pointer: `O` items, `p`/`P`, `l`/`L` on 64-bit Linux and macOS.
const POINTER: u64 = 8;

/// Item size of a one-character type code (`numpy.sctypeDict` on x86-64 Linux).
fn char_code(c: char) -> Option<(bool, u64)> {
    let size = match c {
        '?' | 'b' | 'B' => 1,
        'h' | 'H' | 'e' => 2,
        'i' | 'I' | 'f' => 4,
        'l' | 'L' | 'q' | 'Q' | 'p' | 'P' | 'n' | 'N' | 'd' | 'F' | 'M' | 'm' => 8,
        'g' | 'D' => 16,
        'G' => 32,
        'S' | 'U' | 'V' => 0,
        'O' => return Some((true, POINTER)),
        _ => return None,
    };
    Some((false, size))
}

/// Type names NumPy accepts as strings, with their item size (x86-64).
fn named(name: &str) -> Option<(bool, u64)> {
    let size = match name {
        "object" | "object_" => return Some((true, POINTER)),
        // numpy 2's variable-width strings: `hasobject` is true, and
        // `np.load` unpickles their data.
        "T" => return Some((true, 16)),
        "bool" | "bool_" | "int8" | "uint8" | "byte" | "ubyte" => 1,
        "int16" | "uint16" | "float16" | "half" | "short" | "ushort" => 2,
        "int32" | "uint32" | "float32" | "single" | "intc" | "uintc" => 4,
        "int64" | "uint64" | "float64" | "double" | "int" | "float" | "long" | "ulong"
        | "longlong" | "ulonglong" | "intp" | "uintp" | "int_" | "uint" | "complex64"
        | "csingle" | "datetime64" | "timedelta64" => 8,
        "complex128" | "complex" | "cdouble" | "float128" | "longdouble" => 16,
        "complex256" | "clongdouble" => 32,
        "str" | "str_" | "bytes" | "bytes_" | "void" => 0,
        _ => return None,
    };
    Some((false, size))
}

/// One type without a shape prefix: `<f4`, `|O`, `O8`, `S10`, `<U3`,
/// `<M8[ns]`, `f`, `float32`, `object`.
fn base(s: &str) -> Descr {
    if let Some((object, size)) = named(s) {
        return Descr::known(object, size);
    }
    let body = match s.as_bytes().first() {
        Some(b'<' | b'>' | b'|' | b'=') => s.get(1..).unwrap_or_default(),
        _ => s,
    };
    let mut chars = body.chars();
    let Some(kind) = chars.next() else {
        return Descr::Unknown(format!("dtype `{s}` has no type"));
    };
    let rest = chars.as_str();
    let (digits, unit) = match rest.find('[') {
        Some(i) => (
            rest.get(..i).unwrap_or_default(),
            rest.get(i..).unwrap_or_default(),
        ),
        None => (rest, ""),
    };
    if !unit.is_empty() {
        let unit_ok = matches!(kind, 'M' | 'm')
            && unit.ends_with(']')
            && unit.len() > 2
            && unit
                .bytes()
                .skip(1)
                .take(unit.len() - 2)
                .all(|b| b.is_ascii_alphanumeric());
        if !unit_ok {
            return Descr::Unknown(format!("dtype `{s}` has an unknown unit"));
        }
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Descr::Unknown(format!("dtype `{s}` is not a type code NumPy writes"));
    }
    if kind == 'O' {
        // `O`, `O4` and `O8` are objects; NumPy rejects other sizes.
        return match digits {
            "" | "4" | "8" => Descr::known(true, POINTER),
            _ => Descr::Invalid(format!("dtype `{s}`: objects have no size {digits}")),
        };
    }
    if digits.is_empty() {
        return match char_code(kind) {
            Some((object, size)) => Descr::known(object, size),
            None => Descr::Unknown(format!("dtype `{s}` is not a type code NumPy writes")),
        };
    }
    let Ok(n) = digits.parse::<u64>() else {
        return Descr::Unknown(format!("dtype `{s}` has a size out of range"));
    };
    match kind {
        'b' | 'i' | 'u' | 'f' | 'c' | 'S' | 'V' | 'M' | 'm' => Descr::known(false, n),
        'U' => Descr::known(false, n.saturating_mul(4)),
        _ => Descr::Unknown(format!("dtype `{s}` is not a type code NumPy writes")),
    }
}

/// A type with an optional shape prefix: `(2,3)O`, `3O`, `<f4`.
fn field_spec(s: &str) -> Descr {
    let (count, rest) = if let Some(inner) = s.strip_prefix('(') {
        let Some((dims, rest)) = inner.split_once(')') else {
            return Descr::Unknown(format!("dtype `{s}` has an unclosed shape"));
        };
        let mut count = 1u64;
        for d in dims.split(',').map(str::trim) {
            if d.is_empty() {
                continue;
            }
            match d.parse::<u64>() {
                Ok(n) => count = count.saturating_mul(n),
                Err(_) => return Descr::Unknown(format!("dtype `{s}` has an unreadable shape")),
            }
        }
        (count, rest)
    } else {
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            (1, s)
        } else {
            match s.get(..digits).and_then(|d| d.parse::<u64>().ok()) {
                Some(n) => (n, s.get(digits..).unwrap_or_default()),
                None => return Descr::Unknown(format!("dtype `{s}` has a size out of range")),
            }
        }
    };
    base(rest).times(count)
}

/// A dtype string as `numpy.dtype(s)` reads it: one type, or a comma list of
/// them (a structured dtype of fields `f0`, `f1`, ...).
pub fn from_str(s: &str) -> Descr {
    // Commas inside a shape prefix (`(2,3)O`) do not separate fields.
    let mut parts = Vec::new();
    let (mut depth, mut from) = (0i32, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(s.get(from..i).unwrap_or_default().trim());
                from = i + 1;
            }
            _ => {}
        }
    }
    if parts.is_empty() {
        return field_spec(s);
    }
    parts.push(s.get(from..).unwrap_or_default().trim());
    let mut total = Descr::known(false, 0);
    for (i, part) in parts.iter().enumerate() {
        // `O,` is one field: a final empty part is allowed.
        if part.is_empty() && i + 1 == parts.len() && i > 0 {
            continue;
        }
        total = add(total, field_spec(part));
    }
    total
}

/// Two fields side by side.
fn add(a: Descr, b: Descr) -> Descr {
    match (a, b) {
        (Descr::Unknown(w), _) | (_, Descr::Unknown(w)) => Descr::Unknown(w),
        (Descr::Invalid(w), _) | (_, Descr::Invalid(w)) => Descr::Invalid(w),
        (
            Descr::Known {
                object: o1,
                itemsize: s1,
            },
            Descr::Known {
                object: o2,
                itemsize: s2,
            },
        ) => Descr::known(o1 || o2, s1.saturating_add(s2)),
    }
}

/// The number of items of a shape: an integer or a tuple of integers.
fn shape_count(shape: &Literal) -> Option<u64> {
    match shape {
        Literal::Int(n) => u64::try_from(*n).ok(),
        Literal::Tuple(dims) => dims.iter().try_fold(1u64, |acc, d| match d {
            Literal::Int(n) => u64::try_from(*n).ok().map(|n| acc.saturating_mul(n)),
            _ => None,
        }),
        _ => None,
    }
}

/// An `.npy` header's `descr` as `numpy.lib.format.descr_to_dtype` reads it:
/// a string, a `(type, shape)` subarray, or a list of `(name, type)` and
/// `(name, type, shape)` fields (`name` may be a `(title, name)` pair).
pub fn from_literal(descr: &Literal) -> Descr {
    match descr {
        Literal::Str(s) => from_str(s),
        Literal::Tuple(parts) => match parts.as_slice() {
            [sub, shape] => match shape_count(shape) {
                Some(n) => from_literal(sub).times(n),
                None => Descr::Unknown("a subarray dtype with an unreadable shape".into()),
            },
            [_] | [] => Descr::Invalid("a subarray dtype without a shape".into()),
            _ => Descr::Unknown("a subarray dtype with extra items".into()),
        },
        Literal::List(fields) => {
            let mut total = Descr::known(false, 0);
            for field in fields {
                let Literal::Tuple(parts) = field else {
                    return Descr::Invalid("a structured dtype field is not a tuple".into());
                };
                let name_ok = |n: &Literal| match n {
                    Literal::Str(_) => true,
                    Literal::Tuple(pair) => {
                        matches!(pair.as_slice(), [_, Literal::Str(_)])
                    }
                    _ => false,
                };
                let one = match parts.as_slice() {
                    [name, sub] if name_ok(name) => from_literal(sub),
                    [name, sub, shape] if name_ok(name) => match shape_count(shape) {
                        Some(n) => from_literal(sub).times(n),
                        None => {
                            return Descr::Invalid(
                                "a structured dtype field shape is not an integer or tuple".into(),
                            )
                        }
                    },
                    _ => {
                        return Descr::Invalid(
                            "a structured dtype field is not (name, type[, shape])".into(),
                        )
                    }
                };
                total = add(total, one);
            }
            total
        }
        _ => Descr::Invalid("`descr` is neither a string, a tuple nor a list".into()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
