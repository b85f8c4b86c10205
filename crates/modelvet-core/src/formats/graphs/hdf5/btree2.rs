//! Version 2 B-trees (`BTHD` header, `BTIN` internal and `BTLF` leaf nodes):
//! the indexes of dense storage. Every record of a tree is read, from
//! internal nodes and leaves alike; the order does not matter to a scanner.

use super::{bad, is_undefined, Cur, File, H5Error};
use std::collections::BTreeSet;

/// Record type of the index of huge fractal heap objects (not filtered,
/// found through their heap ID).
pub(super) const HUGE_OBJECTS: u8 = 1;
/// Record type of the index of a group's links by name hash.
pub(super) const LINK_NAMES: u8 = 5;
/// Record type of the index of an object's attributes by name hash.
pub(super) const ATTRIBUTE_NAMES: u8 = 8;

/// Signature, version and type before a node's records, checksum after.
const NODE_PREFIX: u64 = 10;

/// The records of one tree, each `size` bytes.
pub(super) struct Records {
    pub size: usize,
    pub data: Vec<u8>,
}

impl Records {
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.data.chunks_exact(self.size.max(1))
    }
}

/// Bytes needed to encode `n` (libhdf5 sizes its node pointer fields so).
pub(super) fn enc_size(n: u64) -> u64 {
    u64::from(n.checked_ilog2().unwrap_or(0) / 8 + 1)
}

/// Per level of the tree: most records a node holds, and the sizes of the
/// record counts stored in the node pointers of the level above it.
struct Levels {
    max_records: Vec<u64>,
    cum_size: Vec<u64>,
    count_size: u64,
}

fn levels(node_size: u64, record: u64, depth: u16, offset: u64) -> Option<Levels> {
    let leaf = node_size.checked_sub(NODE_PREFIX)? / record;
    let count_size = enc_size(leaf);
    let mut max_records = vec![leaf];
    let mut cum = leaf;
    let mut cum_size = vec![0u64];
    for d in 1..=depth {
        let below = if d > 1 { *cum_size.last()? } else { 0 };
        let pointer = offset + count_size + below;
        let n = node_size.checked_sub(NODE_PREFIX + pointer)? / (record + pointer);
        cum = n.saturating_add(1).saturating_mul(cum).saturating_add(n);
        max_records.push(n);
        cum_size.push(enc_size(cum));
    }
    Some(Levels {
        max_records,
        cum_size,
        count_size,
    })
}

impl File<'_> {
    /// Count one more heap block or B-tree node against the file's limit.
    pub(super) fn visit_heap_block(&mut self, at: u64) -> Result<(), H5Error> {
        self.heap_blocks = self.heap_blocks.saturating_add(1);
        if self.heap_blocks > self.limits.max_hdf5_heap_blocks {
            return Err(H5Error::Limit(
                crate::LimitId::GraphsMaxHdf5HeapBlocks,
                self.limits.max_hdf5_heap_blocks,
                format!("at the dense storage block at byte {at}"),
            ));
        }
        Ok(())
    }

    /// Count `n` more dense storage records against the file's limit.
    pub(super) fn count_heap_objects(&mut self, n: u64, at: u64) -> Result<(), H5Error> {
        self.heap_objects = self.heap_objects.saturating_add(n);
        if self.heap_objects > self.limits.max_hdf5_heap_objects {
            return Err(H5Error::Limit(
                crate::LimitId::GraphsMaxHdf5HeapObjects,
                self.limits.max_hdf5_heap_objects,
                format!("in the B-tree node at byte {at}"),
            ));
        }
        Ok(())
    }

    /// Every record of the version 2 B-tree whose header is at `rel`
    /// (relative), which must hold records of type `kind`.
    pub(super) fn btree2_records(
        &mut self,
        at: u64,
        rel: u64,
        kind: u8,
    ) -> Result<Records, H5Error> {
        let (o, l) = (
            u64::from(self.sb.offset_size),
            u64::from(self.sb.length_size),
        );
        let addr = self.address(at, rel)?;
        self.visit_heap_block(addr)?;
        let head = self.window(addr, 22 + o + l, "B-tree header")?;
        let mut c = Cur::new(&head);
        if c.take(4) != Some(b"BTHD".as_slice()) {
            return Err(bad(
                addr,
                "version 2 B-tree header lacks its BTHD signature",
            ));
        }
        let short = || bad(addr, "version 2 B-tree header is truncated");
        let version = c.u8().ok_or_else(short)?;
        let found = c.u8().ok_or_else(short)?;
        if version != 0 || found != kind {
            return Err(bad(
                addr,
                format!("version 2 B-tree header (version {version}, type {found}) is not an index of type {kind}"),
            ));
        }
        let node_size = u64::from(c.u32().ok_or_else(short)?);
        let record = c.u16().ok_or_else(short)?;
        let depth = c.u16().ok_or_else(short)?;
        c.skip(2).ok_or_else(short)?;
        let root = c.uint(usize::from(self.sb.offset_size)).ok_or_else(short)?;
        let root_records = c.u16().ok_or_else(short)?;
        let size = usize::from(record);
        let mut out = Records {
            size,
            data: Vec::new(),
        };
        if is_undefined(root, self.sb.offset_size) {
            return Ok(out);
        }
        if u32::from(depth) > self.limits.max_hdf5_heap_depth {
            return Err(H5Error::Limit(
                crate::LimitId::GraphsMaxHdf5HeapDepth,
                u64::from(self.limits.max_hdf5_heap_depth),
                format!("in the version 2 B-tree at byte {addr} of depth {depth}"),
            ));
        }
        let lv = (record > 0)
            .then(|| levels(node_size, u64::from(record), depth, o))
            .flatten()
            .ok_or_else(|| {
                bad(
                    addr,
                    format!("version 2 B-tree nodes of {node_size} bytes cannot hold records of {record} bytes"),
                )
            })?;
        let mut seen = BTreeSet::new();
        let mut nodes = vec![(root, u64::from(root_records), depth)];
        while let Some((rel, count, depth)) = nodes.pop() {
            let node = self.address(addr, rel)?;
            if !seen.insert(node) {
                return Err(bad(node, "version 2 B-tree nodes form a cycle"));
            }
            self.visit_heap_block(node)?;
            let d = usize::from(depth);
            let most = lv.max_records.get(d).copied().unwrap_or(0);
            if count > most {
                return Err(bad(
                    node,
                    format!("version 2 B-tree node claims {count} records, more than the {most} it can hold"),
                ));
            }
            self.count_heap_objects(count, node)?;
            let below = if depth > 1 {
                lv.cum_size.get(d - 1).copied().unwrap_or(0)
            } else {
                0
            };
            let pointer = o + lv.count_size + below;
            let pointers = if depth > 0 { (count + 1) * pointer } else { 0 };
            let body = count * u64::from(record) + pointers;
            let buf = self.window(node, 6 + body, "B-tree node")?;
            let mut c = Cur::new(&buf);
            let sig: &[u8] = if depth > 0 { b"BTIN" } else { b"BTLF" };
            if c.take(4) != Some(sig) {
                let name = String::from_utf8_lossy(sig).into_owned();
                return Err(bad(
                    node,
                    format!("version 2 B-tree node lacks its {name} signature"),
                ));
            }
            let short = || bad(node, "version 2 B-tree node is truncated");
            let (version, found) = (c.u8().ok_or_else(short)?, c.u8().ok_or_else(short)?);
            if version != 0 || found != kind {
                return Err(bad(
                    node,
                    "version 2 B-tree node has the wrong version or type",
                ));
            }
            let records = c.take(
                usize::try_from(count)
                    .unwrap_or(usize::MAX)
                    .saturating_mul(size),
            );
            out.data.extend_from_slice(records.ok_or_else(short)?);
            if depth == 0 {
                continue;
            }
            let count_len = usize::try_from(lv.count_size).unwrap_or(usize::MAX);
            let below_len = usize::try_from(below).unwrap_or(usize::MAX);
            for _ in 0..=count {
                let child = c.uint(usize::from(self.sb.offset_size)).ok_or_else(short)?;
                let records = c.uint(count_len).ok_or_else(short)?;
                c.skip(below_len).ok_or_else(short)?;
                nodes.push((child, records, depth - 1));
            }
        }
        Ok(out)
    }
}
