//! NumPy `.npy` files as `np.save` writes them, and `.npz` archives.

use crate::zip::ZipBuilder;

/// An `.npy` file: magic, version, header dict padded with spaces to a
/// multiple of 64 bytes and ending in `\n` (as numpy's `_write_array_header`
/// does), then `data`.
pub fn npy(version: u8, descr: &str, fortran_order: bool, shape: &[u64], data: &[u8]) -> Vec<u8> {
    let shape = match shape {
        [] => "()".to_owned(),
        [one] => format!("({one},)"),
        many => format!(
            "({})",
            many.iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let order = if fortran_order { "True" } else { "False" };
    let dict = format!("{{'descr': {descr}, 'fortran_order': {order}, 'shape': {shape}, }}");
    npy_raw_header(version, &dict, data)
}

/// An `.npy` file with `header` (a dict literal, written as given) padded the
/// way numpy pads it. Used for hostile headers too.
pub fn npy_raw_header(version: u8, header: &str, data: &[u8]) -> Vec<u8> {
    let len_field = if version == 1 { 2 } else { 4 };
    let fixed = 6 + 2 + len_field;
    let mut h = header.as_bytes().to_vec();
    let total = fixed + h.len() + 1;
    let pad = (64 - total % 64) % 64;
    h.extend(std::iter::repeat_n(b' ', pad));
    h.push(b'\n');
    let mut out = b"\x93NUMPY".to_vec();
    out.push(version);
    out.push(0);
    if version == 1 {
        out.extend_from_slice(&(h.len() as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(h.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(&h);
    out.extend_from_slice(data);
    out
}

/// A little-endian float32 vector.
pub fn f32_array(values: &[f32]) -> Vec<u8> {
    let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    npy(1, "'<f4'", false, &[values.len() as u64], &data)
}

/// An object array of `len` elements whose data is `pickle` (as `np.save`
/// writes object arrays: `pickle.dump(array, f, protocol=3)`).
pub fn object_array(len: u64, pickle: &[u8]) -> Vec<u8> {
    npy(1, "'|O'", false, &[len], pickle)
}

/// An `.npz`: a zip of `name.npy` members (stored, as `np.savez` does;
/// `savez_compressed` deflates them).
pub fn npz(arrays: &[(&str, Vec<u8>)], compressed: bool) -> Vec<u8> {
    let mut z = ZipBuilder::new();
    for (name, bytes) in arrays {
        let name = format!("{name}.npy");
        z = if compressed {
            z.deflated(&name, bytes)
        } else {
            z.stored(&name, bytes)
        };
    }
    z.build()
}
