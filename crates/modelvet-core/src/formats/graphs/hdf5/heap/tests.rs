//! Heap ID decoding and the doubling table walk on a heap laid out by hand
//! after a testkit-built file: no library writes heaps small enough to nest
//! indirect blocks in a fixture (libhdf5's attribute and link heaps need
//! half a megabyte of messages before their root has an indirect child).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::super::{File, H5Error};
use crate::formats::graphs::GraphLimits;
use crate::source::SliceSource;
use modelvet_testkit::hdf5::{Builder, Layout};

const UNDEF: u64 = u64::MAX;

fn put(buf: &mut Vec<u8>, v: u64, n: usize) {
    buf.extend_from_slice(&v.to_le_bytes()[..n]);
}

/// Where the pieces of the hand-made heap are.
struct Layout2 {
    bytes: Vec<u8>,
    header: u64,
    root: u64,
    child: u64,
}

/// A heap of width 2, blocks 256 to 512 bytes, 16-bit heap offsets: the
/// root indirect block has 4 rows (3 of direct blocks, 1 of indirect
/// blocks); its first direct block (heap offset 0) holds `first`, and the
/// indirect child at heap offset 2048 (2 rows) has one direct block, at
/// heap offset 2048 + 512 + 256 = 2816, holding `second`.
fn hand_made_heap(first: &[u8], second: &[u8]) -> Layout2 {
    let mut bytes = Builder::new(Layout::Earliest).varlen("a", "x").build();
    bytes.resize(bytes.len().next_multiple_of(64), 0);
    let header = bytes.len() as u64;
    let header_len = 26 + 12 * 8 + 3 * 8;
    let root = header + header_len as u64;
    let root_len = 4 + 1 + 8 + 2 + 8 * 8 + 4;
    let child = root + root_len;
    let child_len = 4 + 1 + 8 + 2 + 4 * 8 + 4;
    let direct0 = child + child_len;
    let direct1 = direct0 + 256;
    // Header.
    bytes.extend_from_slice(b"FRHP\x00");
    put(&mut bytes, 8, 2); // heap ID length
    put(&mut bytes, 0, 2); // no filters
    put(&mut bytes, 0, 1); // no checksums
    put(&mut bytes, 4096, 4); // largest managed object
    put(&mut bytes, 0, 8);
    put(&mut bytes, UNDEF, 8); // no huge objects
    for v in [0, UNDEF, 0, 0, 0, 2, 0, 0, 0, 0] {
        put(&mut bytes, v, 8);
    }
    put(&mut bytes, 2, 2); // width
    put(&mut bytes, 256, 8); // starting block size
    put(&mut bytes, 512, 8); // largest direct block
    put(&mut bytes, 16, 2); // heap offsets of 16 bits
    put(&mut bytes, 4, 2);
    put(&mut bytes, root, 8);
    put(&mut bytes, 4, 2); // rows of the root
    put(&mut bytes, 0, 4);
    assert_eq!(bytes.len() as u64, root);
    // Root indirect block: 6 direct entries, 2 indirect entries.
    bytes.extend_from_slice(b"FHIB\x00");
    put(&mut bytes, header, 8);
    put(&mut bytes, 0, 2);
    for v in [direct0, UNDEF, UNDEF, UNDEF, UNDEF, UNDEF, child, UNDEF] {
        put(&mut bytes, v, 8);
    }
    put(&mut bytes, 0, 4);
    // Child indirect block at heap offset 2048: 2 rows of 2 direct blocks.
    bytes.extend_from_slice(b"FHIB\x00");
    put(&mut bytes, header, 8);
    put(&mut bytes, 2048, 2);
    for v in [UNDEF, UNDEF, UNDEF, direct1] {
        put(&mut bytes, v, 8);
    }
    put(&mut bytes, 0, 4);
    for (offset, object) in [(0u64, first), (2816, second)] {
        let start = bytes.len();
        bytes.extend_from_slice(b"FHDB\x00");
        put(&mut bytes, header, 8);
        put(&mut bytes, offset, 2);
        bytes.extend_from_slice(object);
        bytes.resize(start + 256, 0);
    }
    Layout2 {
        bytes,
        header,
        root,
        child,
    }
}

/// A managed heap ID: heap offset (2 bytes) and length (2 bytes).
fn managed(offset: u64, len: u64) -> Vec<u8> {
    let mut id = vec![0u8];
    put(&mut id, offset, 2);
    put(&mut id, len, 2);
    id.resize(8, 0);
    id
}

fn read(h: &Layout2, limits: &GraphLimits, id: &[u8]) -> Result<Vec<u8>, H5Error> {
    let mut src = SliceSource::new(&h.bytes);
    let mut f = File::open(&mut src, limits).unwrap();
    let mut heap = f.fractal_heap(0, h.header)?;
    f.heap_object(&mut heap, id).map(|(_, data)| data)
}

fn malformed(r: Result<Vec<u8>, H5Error>, needle: &str) {
    match r {
        Err(H5Error::Malformed(_, what)) => assert!(what.contains(needle), "{what}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn managed_objects_in_nested_indirect_blocks_are_found() {
    let h = hand_made_heap(b"first object", b"second object");
    let limits = GraphLimits::default();
    // 15 bytes of block header before the objects.
    assert_eq!(
        read(&h, &limits, &managed(15, 12)).unwrap(),
        b"first object"
    );
    assert_eq!(
        read(&h, &limits, &managed(2816 + 15, 13)).unwrap(),
        b"second object"
    );
    // Inside the block header, in no block, past the end of a block.
    malformed(read(&h, &limits, &managed(2, 4)), "in no direct block");
    malformed(read(&h, &limits, &managed(300, 4)), "in no direct block");
    malformed(
        read(&h, &limits, &managed(2816 + 250, 10)),
        "in no direct block",
    );
}

#[test]
fn heap_depth_and_block_limits_fail_closed() {
    let h = hand_made_heap(b"a", b"b");
    let id = managed(2816 + 15, 1);
    let limits = GraphLimits {
        max_hdf5_heap_depth: 0,
        ..GraphLimits::default()
    };
    let Err(H5Error::Limit(name, ..)) = read(&h, &limits, &id) else {
        panic!()
    };
    assert_eq!(name.path(), "graphs.max_hdf5_heap_depth");
    let limits = GraphLimits {
        max_hdf5_heap_blocks: 3,
        ..GraphLimits::default()
    };
    let Err(H5Error::Limit(name, ..)) = read(&h, &limits, &id) else {
        panic!()
    };
    assert_eq!(name.path(), "graphs.max_hdf5_heap_blocks");
    let limits = GraphLimits {
        max_hdf5_heap_object_bytes: 12,
        ..GraphLimits::default()
    };
    let Err(H5Error::Limit(name, ..)) = read(&h, &limits, &managed(15, 13)) else {
        panic!()
    };
    assert_eq!(name.path(), "graphs.max_hdf5_heap_object_bytes");
}

#[test]
fn indirect_child_naming_its_parent_is_a_cycle() {
    let mut h = hand_made_heap(b"a", b"b");
    // The child's last direct block entry names the root indirect block.
    let entry = (h.child + 15 + 3 * 8) as usize;
    h.bytes[entry..entry + 8].copy_from_slice(&h.root.to_le_bytes());
    let id = managed(15, 1);
    malformed(read(&h, &GraphLimits::default(), &id), "cycle");
}

#[test]
fn block_at_the_wrong_heap_offset_is_malformed() {
    let mut h = hand_made_heap(b"a", b"b");
    // The child says it starts at heap offset 1024, not 2048.
    let at = (h.child + 13) as usize;
    h.bytes[at..at + 2].copy_from_slice(&1024u16.to_le_bytes());
    malformed(
        read(&h, &GraphLimits::default(), &managed(15, 1)),
        "does not belong",
    );
}

#[test]
fn tiny_objects_are_read_from_the_id() {
    let h = hand_made_heap(b"a", b"b");
    let limits = GraphLimits::default();
    // Type 2, length 5 (stored as 4) in the low bits of the first byte.
    assert_eq!(read(&h, &limits, b"\x24hello\0\0").unwrap(), b"hello");
    malformed(read(&h, &limits, b"\x2fhello\0\0"), "tiny heap object");
    // Heap IDs longer than 17 bytes store the length in 12 bits.
    let mut src = SliceSource::new(&h.bytes);
    let mut f = File::open(&mut src, &limits).unwrap();
    let mut heap = f.fractal_heap(0, h.header).unwrap();
    heap.id_len = 20;
    let (_, data) = f.heap_object(&mut heap, b"\x20\x04hello").unwrap();
    assert_eq!(data, b"hello");
}

#[test]
fn huge_objects_addressed_in_the_id_are_read() {
    let h = hand_made_heap(b"a", b"b");
    let mut src = SliceSource::new(&h.bytes);
    let mut f = File::open(&mut src, &GraphLimits::default()).unwrap();
    let mut heap = f.fractal_heap(0, h.header).unwrap();
    // IDs long enough to hold an address and a length address huge
    // objects directly.
    heap.id_len = 17;
    let mut id = vec![0x10];
    put(&mut id, h.header, 8);
    put(&mut id, 4, 8);
    let (at, data) = f.heap_object(&mut heap, &id).unwrap();
    assert_eq!((at, data.as_slice()), (h.header, b"FRHP".as_slice()));
    let mut id = vec![0x10];
    put(&mut id, h.bytes.len() as u64 - 2, 8);
    put(&mut id, 4, 8);
    let Err(H5Error::Malformed(_, what)) = f.heap_object(&mut heap, &id) else {
        panic!()
    };
    assert!(what.contains("past the end"), "{what}");
    // An 8-byte ID holds a huge object's key; this heap has no huge B-tree.
    heap.id_len = 8;
    let Err(H5Error::Malformed(_, what)) = f.heap_object(&mut heap, b"\x10\x01\0\0\0\0\0\0") else {
        panic!()
    };
    assert!(what.contains("no huge-object B-tree"), "{what}");
}

#[test]
fn unknown_id_versions_and_types_are_malformed() {
    let h = hand_made_heap(b"a", b"b");
    let limits = GraphLimits::default();
    malformed(read(&h, &limits, b"\x40\0\0\0\0\0\0\0"), "ID version");
    malformed(read(&h, &limits, b"\x30\0\0\0\0\0\0\0"), "ID type");
}

#[test]
fn doubling_table_not_of_powers_of_two_is_malformed() {
    let mut h = hand_made_heap(b"a", b"b");
    // Width 3.
    let at = (h.header + 14 + 12 * 8) as usize;
    h.bytes[at..at + 2].copy_from_slice(&3u16.to_le_bytes());
    malformed(
        read(&h, &GraphLimits::default(), &managed(15, 1)),
        "powers of two",
    );
}
