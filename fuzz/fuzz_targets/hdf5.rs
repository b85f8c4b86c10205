//! The HDF5 reader (superblock, object headers, attributes, global heap,
//! group walk, dense storage) on any bytes, and on real dense-storage files
//! with bytes overwritten, so fractal heaps and version 2 B-trees are reached.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelvet_core::formats::graphs::hdf5;
use modelvet_core::scan::ScanCtx;
use modelvet_core::{ScanOptions, SliceSource};

/// Real files written by h5py (scripts/gen-graph-fixtures.py --hdf5-dense).
const DENSE: &[&[u8]] = &[
    include_bytes!("../../tests/fixtures/graphs/hdf5/dense_attrs.h5"),
    include_bytes!("../../tests/fixtures/graphs/hdf5/dense_keras_huge.h5"),
    include_bytes!("../../tests/fixtures/graphs/hdf5/dense_links.h5"),
];

fn scan(bytes: &[u8]) {
    let opts = ScanOptions::default();
    let mut ctx = ScanCtx::new("model.h5", &opts);
    let _ = hdf5::scan(&mut SliceSource::new(bytes), &mut ctx);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 0x80 == 0 {
        scan(rest);
        return;
    }
    // Pick a real file, then overwrite bytes: each 3-byte group is a
    // little-endian 16-bit offset and the byte to write there.
    let base = DENSE[usize::from(mode) % DENSE.len()];
    let mut bytes = base.to_vec();
    for patch in rest.chunks_exact(3) {
        let at = usize::from(u16::from_le_bytes([patch[0], patch[1]]));
        if let Some(b) = bytes.get_mut(at) {
            *b = patch[2];
        }
    }
    scan(&bytes);
});
