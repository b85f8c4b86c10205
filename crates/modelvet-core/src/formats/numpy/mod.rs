//! NumPy `.npy` and `.npz`.
//!
//! An `.npy` file is `\x93NUMPY`, a version, a header length, a header that
//! is a Python dict literal (`{'descr': '<f4', 'fortran_order': False,
//! 'shape': (3,)}`), then the raw array. The header is parsed strictly, the
//! way `ast.literal_eval` plus numpy's checks would accept it. Object arrays
//! (`|O`) hold a pickle instead of raw data: it is scanned, and the array is
//! flagged because loading it needs `allow_pickle=True`. `.npz` files are
//! zips of `.npy` members, scanned by the archive family.

use crate::finding::Location;
use crate::format::{Format, Sniff};
use crate::rule::Rule;
use crate::scan::ScanCtx;

pub use crate::formats::numpy::rules::{
    NPY_MALFORMED_HEADER, NPY_OBJECT_ARRAY, NPY_SIZE_MISMATCH, NPY_UNREADABLE_HEADER,
};
use crate::source::{read_window, ByteSource, ReadError, Window};
use literal::Literal;
use serde::{Deserialize, Serialize};

pub mod dtype;
pub mod literal;
pub mod rules;

/// Rules raised by this family.
pub const RULES: &[&Rule] = &[
    &NPY_OBJECT_ARRAY,
    &NPY_MALFORMED_HEADER,
    &NPY_UNREADABLE_HEADER,
    &NPY_SIZE_MISMATCH,
];

/// Limits of this family's parsers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct NumpyLimits {
    /// Largest header read. Default 1 MiB (numpy itself refuses over 10,000 bytes).
    pub max_header_bytes: u32,
    /// Deepest nesting of the header literal. Default 16.
    pub max_literal_depth: u32,
    /// Most dimensions. Default 64 (numpy's own maximum).
    pub max_dims: u32,
}

impl Default for NumpyLimits {
    fn default() -> Self {
        NumpyLimits {
            max_header_bytes: 1 << 20,
            max_literal_depth: 16,
            max_dims: 64,
        }
    }
}

/// numpy's default `max_header_size` for `np.load`.
pub const NUMPY_MAX_HEADER: u64 = 10_000;

/// Recognise this family's formats by content (`.npy` has a magic number in
/// the generic table; `.npz` is refined from a zip).
pub fn sniff(s: &Sniff<'_>) -> Option<Format> {
    s.head.starts_with(b"\x93NUMPY").then_some(Format::Npy)
}

/// A validated `.npy` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpyHeader {
    /// Format version (major, minor).
    pub version: (u8, u8),
    /// Offset of the array data.
    pub data_offset: u64,
    /// The dtype descriptor as written.
    pub descr: String,
    /// Shape.
    pub shape: Vec<u64>,
    /// Whether the dtype holds Python objects.
    pub object: bool,
    /// Bytes per element (`None` for object arrays).
    pub itemsize: Option<u64>,
}

/// Why a header could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderError {
    /// NumPy rejects it too: `np.load` raises before reading any data.
    Malformed(String),
    /// NumPy may accept it but it is not understood here; the data starts
    /// at `data_offset` (fail closed: it may be a pickle).
    Unreadable {
        /// Why.
        why: String,
        /// Where the data after the header starts.
        data_offset: u64,
    },
}

impl From<String> for HeaderError {
    fn from(why: String) -> HeaderError {
        HeaderError::Malformed(why)
    }
}

impl From<&str> for HeaderError {
    fn from(why: &str) -> HeaderError {
        HeaderError::Malformed(why.to_owned())
    }
}

/// Read and validate the header as `numpy.lib.format.read_array_header_*`
/// does: `ast.literal_eval` of the text (latin-1 for versions 1 and 2, UTF-8
/// for 3), a dict with exactly the keys `descr`, `fortran_order` and `shape`
/// (a repeated key keeps its last value, as in Python), a bool order, a
/// tuple of ints (bools are ints) for the shape, and `descr_to_dtype`.
pub fn read_header(
    src: &mut dyn ByteSource,
    limits: &NumpyLimits,
) -> Result<Result<NpyHeader, HeaderError>, ReadError> {
    let head = read_window(src, 0, 12)?;
    let (Some(&major), Some(&minor)) = (head.get(6), head.get(7)) else {
        return Ok(Err("file ends inside the magic number".into()));
    };
    let (len, start) = match major {
        1 => (
            head.get(8..10)
                .and_then(|b| b.try_into().ok())
                .map(|b: [u8; 2]| u64::from(u16::from_le_bytes(b))),
            10u64,
        ),
        2 | 3 => (
            head.get(8..12)
                .and_then(|b| b.try_into().ok())
                .map(|b: [u8; 4]| u64::from(u32::from_le_bytes(b))),
            12u64,
        ),
        v => return Ok(Err(format!("unknown format version {v}.{minor}").into())),
    };
    let Some(len) = len else {
        return Ok(Err("file ends inside the header length".into()));
    };
    if len > u64::from(limits.max_header_bytes) {
        return Ok(Err(format!(
            "header of {len} bytes exceeds limit `numpy.max_header_bytes` ({})",
            limits.max_header_bytes
        )
        .into()));
    }
    if len > NUMPY_MAX_HEADER {
        return Ok(Err(format!(
            "header of {len} bytes: np.load refuses headers over {NUMPY_MAX_HEADER} bytes by default"
        )
        .into()));
    }
    let raw = read_window(src, start, len)?;
    if (raw.len() as u64) < len {
        return Ok(Err("file ends inside the header".into()));
    }
    let data_offset = start.saturating_add(len);
    let unreadable = |why: String| HeaderError::Unreadable { why, data_offset };
    let text: String = if major == 3 {
        match String::from_utf8(raw) {
            Ok(t) => t,
            Err(_) => return Ok(Err("version 3 header is not UTF-8".into())),
        }
    } else {
        raw.iter().map(|&b| char::from(b)).collect() // latin-1
    };
    let lit = match literal::parse(&text, limits.max_literal_depth) {
        Ok(l) => l,
        Err(e) if e.definite => {
            return Ok(Err(format!("header is not a Python literal: {e}").into()))
        }
        // Python may read what this parser does not (comments, other
        // string forms): fail closed.
        Err(e) => {
            return Ok(Err(unreadable(format!(
                "header is not a Python literal this parser reads: {e}"
            ))))
        }
    };
    let Literal::Dict(items) = lit else {
        return Ok(Err("header is not a dict".into()));
    };
    let mut descr = None;
    let mut fortran = None;
    let mut shape = None;
    for (k, v) in &items {
        let slot = match k {
            Literal::Str(k) if k == "descr" => &mut descr,
            Literal::Str(k) if k == "fortran_order" => &mut fortran,
            Literal::Str(k) if k == "shape" => &mut shape,
            other => return Ok(Err(format!("unexpected header key {other:?}").into())),
        };
        // `ast.literal_eval` keeps the last value of a repeated key.
        *slot = Some(v);
    }
    let (Some(descr), Some(Literal::Bool(_)), Some(Literal::Tuple(dims))) = (descr, fortran, shape)
    else {
        return Ok(Err(
            "header needs `descr`, a boolean `fortran_order` and a tuple `shape`".into(),
        ));
    };
    if dims.len() > limits.max_dims as usize {
        return Ok(Err(format!(
            "{} dimensions, over numpy's maximum",
            dims.len()
        )
        .into()));
    }
    let mut signed = Vec::with_capacity(dims.len());
    for d in dims {
        match d {
            Literal::Int(n) => signed.push(*n),
            Literal::Bool(b) => signed.push(i128::from(*b)),
            _ => return Ok(Err("a dimension is not an integer".into())),
        }
    }
    let (object, itemsize) = match dtype::from_literal(descr) {
        dtype::Descr::Known { object, itemsize } => (object, itemsize),
        dtype::Descr::Invalid(why) => return Ok(Err(why.into())),
        dtype::Descr::Unknown(why) => return Ok(Err(unreadable(why))),
    };
    // np.load unpickles an object array's data before it looks at the shape.
    let shape: Vec<u64> = if object {
        signed
            .iter()
            .map(|&n| u64::try_from(n).unwrap_or(0))
            .collect()
    } else {
        let parsed: Result<Vec<u64>, _> = signed.iter().map(|&n| u64::try_from(n)).collect();
        match parsed {
            Ok(s) => s,
            Err(_) => return Ok(Err("a negative dimension".into())),
        }
    };
    let descr_text = match descr {
        Literal::Str(s) => s.clone(),
        other => format!("{other:?}"),
    };
    Ok(Ok(NpyHeader {
        version: (major, minor),
        data_offset,
        descr: descr_text,
        shape,
        object,
        itemsize: (!object).then_some(itemsize),
    }))
}

/// Scan a file of one of this family's formats.
pub fn scan(
    format: Format,
    src: &mut dyn ByteSource,
    ctx: &mut ScanCtx<'_>,
) -> Result<Format, ReadError> {
    if format == Format::Npz {
        return crate::formats::archive::zip_scan::scan(src, ctx);
    }
    let limits = ctx.limits().numpy.clone();
    let header = match read_header(src, &limits)? {
        Ok(h) => h,
        Err(HeaderError::Malformed(why)) => {
            let f = ctx.finding(&NPY_MALFORMED_HEADER, Location::File, why);
            ctx.push(f.with_help("re-save the array with np.save"));
            return Ok(format);
        }
        Err(HeaderError::Unreadable { why, data_offset }) => {
            let f = ctx.finding(&NPY_UNREADABLE_HEADER, Location::File, why);
            ctx.push(f.with_help(
                "re-save the array with np.save; never pass allow_pickle=True for files you did not write",
            ));
            let data_len = src.len().saturating_sub(data_offset);
            let mut w = Window::new(src, data_offset, data_len);
            let head_len = u64::from(ctx.limits().scan.sniff_head_bytes).min(data_len);
            let head = read_window(&mut w, 0, head_len)?;
            let could_be_pickle = crate::formats::pickle::sniff(&Sniff {
                head: &head,
                tail: &[],
                len: data_len,
                path: "",
            })
            .is_some();
            if could_be_pickle {
                scan_object_pickle(&mut w, ctx)?;
            }
            return Ok(format);
        }
    };
    ctx.fact(
        "npy",
        serde_json::json!({
            "version": format!("{}.{}", header.version.0, header.version.1),
            "descr": header.descr,
            "shape": header.shape,
        }),
    );
    let data_len = src.len().saturating_sub(header.data_offset);
    if header.object {
        let f = ctx.finding(
            &NPY_OBJECT_ARRAY,
            Location::File,
            format!(
                "object array (dtype {}): its data is a pickle that np.load runs only with allow_pickle=True",
                header.descr
            ),
        );
        ctx.push(f.with_help("never pass allow_pickle=True for files you did not write"));
        let mut w = Window::new(src, header.data_offset, data_len);
        scan_object_pickle(&mut w, ctx)?;
        return Ok(format);
    }
    let elems = header.shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d));
    let expected = elems.and_then(|e| e.checked_mul(header.itemsize.unwrap_or(0)));
    if expected != Some(data_len) {
        let what = match expected {
            Some(e) if data_len > e => format!(
                "{} bytes follow the array's {e} bytes of data",
                data_len - e
            ),
            Some(e) => format!("the array needs {e} bytes of data but the file holds {data_len}"),
            None => "the shape's size overflows".to_owned(),
        };
        let f = ctx.finding(&NPY_SIZE_MISMATCH, Location::File, what);
        ctx.push(f);
        if let Some(e) = expected.filter(|&e| data_len > e) {
            let start = header.data_offset.saturating_add(e);
            let mut w = Window::new(src, start, data_len - e);
            ctx.scan_nested("<bytes after the array>", &mut w);
        }
    }
    Ok(format)
}

/// np.load runs pickle.load once on the data and ignores what follows.
fn scan_object_pickle(w: &mut dyn ByteSource, ctx: &mut ScanCtx<'_>) -> Result<(), ReadError> {
    let options = crate::formats::pickle::StreamOptions {
        max_pickles: Some(1),
        trailing_data_expected: true,
        torchscript: false,
    };
    ctx.in_member("<object array pickle>", |ctx| {
        crate::formats::pickle::scan_stream(w, ctx, &options)
    })
    .transpose()?;
    Ok(())
}

#[cfg(test)]
mod tests;
