//! Fractal heaps (`FRHP` header, `FHDB` direct and `FHIB` indirect blocks):
//! where dense storage keeps attribute and link messages. Objects are found
//! by heap ID: managed objects through the doubling table of blocks, huge
//! objects directly or through the huge-object version 2 B-tree, and tiny
//! objects inside the ID itself. Filtered heaps are not read.

use super::btree2::HUGE_OBJECTS;
use super::{bad, is_undefined, Cur, File, H5Error};
use std::collections::{BTreeMap, BTreeSet};

/// What a fractal heap header says, and what was learnt of its blocks.
pub(super) struct Heap {
    /// Absolute address of the header.
    pub addr: u64,
    /// Relative address of the header, as blocks name it.
    rel: u64,
    id_len: usize,
    checksummed: bool,
    huge_btree: u64,
    width: u64,
    log_width: u64,
    start: u64,
    max_direct: u64,
    /// Bytes of a heap offset (in IDs and block headers).
    offset_bytes: usize,
    /// Bytes of a managed object's length in its ID.
    length_bytes: usize,
    /// Rows of the doubling table that hold direct blocks.
    direct_rows: u64,
    root: u64,
    root_rows: u64,
    /// Direct blocks by heap offset: (absolute address, size); filled on
    /// the first managed object.
    blocks: Option<BTreeMap<u64, (u64, u64)>>,
    /// Direct blocks whose header was checked.
    checked: BTreeSet<u64>,
    /// Huge objects by ID: (relative address, length); filled on the first
    /// huge object looked up through the B-tree.
    huge: Option<BTreeMap<u64, (u64, u64)>>,
}

fn log2_exact(n: u64) -> Option<u64> {
    n.is_power_of_two().then(|| u64::from(n.trailing_zeros()))
}

impl Heap {
    /// Size of the blocks in row `row` of the doubling table.
    fn row_size(&self, row: u64) -> Option<u64> {
        if row == 0 {
            return Some(self.start);
        }
        let shift = u32::try_from(row - 1).ok()?;
        self.start.checked_mul(1u64.checked_shl(shift)?)
    }

    /// Heap offset of row `row` from the start of its indirect block.
    fn row_offset(&self, row: u64) -> Option<u64> {
        if row == 0 {
            return Some(0);
        }
        self.width.checked_mul(self.row_size(row)?)
    }
}

impl File<'_> {
    /// Read the fractal heap header at `rel` (relative).
    pub(super) fn fractal_heap(&mut self, at: u64, rel: u64) -> Result<Heap, H5Error> {
        let (o, l) = (
            usize::from(self.sb.offset_size),
            usize::from(self.sb.length_size),
        );
        let addr = self.address(at, rel)?;
        self.visit_heap_block(addr)?;
        let head = self.window(addr, (26 + 12 * l + 3 * o) as u64, "fractal heap header")?;
        let mut c = Cur::new(&head);
        if c.take(4) != Some(b"FRHP".as_slice()) {
            return Err(bad(addr, "fractal heap header lacks its FRHP signature"));
        }
        let short = || bad(addr, "fractal heap header is truncated");
        let version = c.u8().ok_or_else(short)?;
        if version != 0 {
            return Err(bad(addr, format!("unknown fractal heap version {version}")));
        }
        let id_len = usize::from(c.u16().ok_or_else(short)?);
        let filters = c.u16().ok_or_else(short)?;
        let flags = c.u8().ok_or_else(short)?;
        let max_managed = u64::from(c.u32().ok_or_else(short)?);
        c.skip(l).ok_or_else(short)?;
        let huge_btree = c.uint(o).ok_or_else(short)?;
        c.skip(l + o + 8 * l).ok_or_else(short)?;
        let width = u64::from(c.u16().ok_or_else(short)?);
        let start = c.uint(l).ok_or_else(short)?;
        let max_direct = c.uint(l).ok_or_else(short)?;
        let max_bits = u64::from(c.u16().ok_or_else(short)?);
        c.skip(2).ok_or_else(short)?;
        let root = c.uint(o).ok_or_else(short)?;
        let root_rows = u64::from(c.u16().ok_or_else(short)?);
        if filters != 0 {
            return Err(H5Error::Unsupported(format!(
                "the fractal heap at byte {addr} applies an I/O filter pipeline to its blocks, which is not read"
            )));
        }
        let (Some(log_width), Some(log_start), Some(log_direct)) =
            (log2_exact(width), log2_exact(start), log2_exact(max_direct))
        else {
            return Err(bad(
                addr,
                format!("fractal heap doubling table (width {width}, blocks {start} to {max_direct} bytes) is not made of powers of two"),
            ));
        };
        if log_direct < log_start || !(1..=64).contains(&max_bits) || id_len < 2 {
            return Err(bad(addr, "fractal heap header has inconsistent sizes"));
        }
        let offset_bytes = usize::try_from(max_bits.div_ceil(8)).unwrap_or(8);
        let length_bytes = usize::try_from(
            log_direct
                .div_ceil(8)
                .min(super::btree2::enc_size(max_managed)),
        )
        .unwrap_or(8);
        Ok(Heap {
            addr,
            rel,
            id_len,
            checksummed: flags & 0x02 != 0,
            huge_btree,
            width,
            log_width,
            start,
            max_direct,
            offset_bytes,
            length_bytes,
            direct_rows: log_direct - log_start + 2,
            root,
            root_rows,
            blocks: None,
            checked: BTreeSet::new(),
            huge: None,
        })
    }

    /// The bytes of the object whose heap ID is `id`, and where they start.
    pub(super) fn heap_object(
        &mut self,
        heap: &mut Heap,
        id: &[u8],
    ) -> Result<(u64, Vec<u8>), H5Error> {
        let at = heap.addr;
        let mut c = Cur::new(id);
        let short = || bad(at, "fractal heap ID is truncated");
        let first = c.u8().ok_or_else(short)?;
        if first >> 6 != 0 {
            return Err(bad(
                at,
                format!("unknown fractal heap ID version {}", first >> 6),
            ));
        }
        match (first >> 4) & 0x03 {
            0 => {
                let offset = c.uint(heap.offset_bytes).ok_or_else(short)?;
                let len = c.uint(heap.length_bytes).ok_or_else(short)?;
                self.managed_object(heap, offset, len)
            }
            1 => {
                let (o, l) = (
                    usize::from(self.sb.offset_size),
                    usize::from(self.sb.length_size),
                );
                let (rel, len) = if heap.id_len > o + l {
                    (c.uint(o).ok_or_else(short)?, c.uint(l).ok_or_else(short)?)
                } else {
                    let key = c.uint((heap.id_len - 1).min(8)).ok_or_else(short)?;
                    self.huge_entry(heap, key)?
                };
                self.check_object_size(len, at)?;
                let addr = self.address(at, rel)?;
                Ok((addr, self.window(addr, len, "huge heap object")?))
            }
            2 => {
                let extended = heap.id_len > 17;
                let len = if extended {
                    (usize::from(first & 0x0f) << 8 | usize::from(c.u8().ok_or_else(short)?)) + 1
                } else {
                    usize::from(first & 0x0f) + 1
                };
                let data = c
                    .take(len)
                    .ok_or_else(|| bad(at, "tiny heap object runs past its ID"))?;
                Ok((at, data.to_vec()))
            }
            kind => Err(bad(at, format!("unknown fractal heap ID type {kind}"))),
        }
    }

    fn check_object_size(&self, len: u64, at: u64) -> Result<(), H5Error> {
        if len > self.limits.max_hdf5_heap_object_bytes {
            return Err(H5Error::Limit(
                crate::LimitId::GraphsMaxHdf5HeapObjectBytes,
                self.limits.max_hdf5_heap_object_bytes,
                format!("reading a heap object of {len} bytes of the fractal heap at byte {at}"),
            ));
        }
        Ok(())
    }

    /// (relative address, length) of the huge object with ID `key`.
    fn huge_entry(&mut self, heap: &mut Heap, key: u64) -> Result<(u64, u64), H5Error> {
        if heap.huge.is_none() {
            if is_undefined(heap.huge_btree, self.sb.offset_size) {
                return Err(bad(
                    heap.addr,
                    "huge heap object but the heap has no huge-object B-tree",
                ));
            }
            let records = self.btree2_records(heap.addr, heap.huge_btree, HUGE_OBJECTS)?;
            let (o, l) = (
                usize::from(self.sb.offset_size),
                usize::from(self.sb.length_size),
            );
            let mut map = BTreeMap::new();
            for r in records.iter() {
                let mut c = Cur::new(r);
                let short = || bad(heap.addr, "huge-object B-tree record is truncated");
                let addr = c.uint(o).ok_or_else(short)?;
                let len = c.uint(l).ok_or_else(short)?;
                let id = c.uint(l).ok_or_else(short)?;
                map.insert(id, (addr, len));
            }
            heap.huge = Some(map);
        }
        heap.huge
            .as_ref()
            .and_then(|m| m.get(&key).copied())
            .ok_or_else(|| {
                bad(
                    heap.addr,
                    format!("huge heap object {key} is not in the huge-object B-tree"),
                )
            })
    }

    fn managed_object(
        &mut self,
        heap: &mut Heap,
        offset: u64,
        len: u64,
    ) -> Result<(u64, Vec<u8>), H5Error> {
        self.check_object_size(len, heap.addr)?;
        if heap.blocks.is_none() {
            heap.blocks = Some(self.heap_blocks(heap)?);
        }
        let found = heap
            .blocks
            .as_ref()
            .and_then(|b| b.range(..=offset).next_back())
            .map(|(start, (addr, size))| (*start, *addr, *size));
        let missing = || {
            bad(
                heap.addr,
                format!("heap object at heap offset {offset} is in no direct block"),
            )
        };
        let (start, block, size) = found.ok_or_else(missing)?;
        let header = (5 + usize::from(self.sb.offset_size) + heap.offset_bytes) as u64
            + if heap.checksummed { 4 } else { 0 };
        let inside = offset.saturating_sub(start);
        if inside < header || inside.checked_add(len).is_none_or(|end| end > size) {
            return Err(missing());
        }
        if heap.checked.insert(block) {
            let head = self.window(block, header, "fractal heap direct block")?;
            let mut c = Cur::new(&head);
            if c.take(4) != Some(b"FHDB".as_slice()) {
                return Err(bad(
                    block,
                    "fractal heap direct block lacks its FHDB signature",
                ));
            }
            self.block_owner(&mut c, heap, block, start)?;
        }
        let at = block.saturating_add(inside);
        Ok((at, self.window(at, len, "managed heap object")?))
    }

    /// Check a block's version, heap header address and heap offset.
    fn block_owner(
        &self,
        c: &mut Cur<'_>,
        heap: &Heap,
        block: u64,
        offset: u64,
    ) -> Result<(), H5Error> {
        let short = || bad(block, "fractal heap block header is truncated");
        let version = c.u8().ok_or_else(short)?;
        let owner = c.uint(usize::from(self.sb.offset_size)).ok_or_else(short)?;
        let found = c.uint(heap.offset_bytes).ok_or_else(short)?;
        if version != 0 || owner != heap.rel || found != offset {
            return Err(bad(
                block,
                format!("fractal heap block (version {version}, heap offset {found}) does not belong at heap offset {offset} of the heap at byte {}", heap.addr),
            ));
        }
        Ok(())
    }

    /// Walk the doubling table from the root: every direct block by heap offset.
    fn heap_blocks(&mut self, heap: &Heap) -> Result<BTreeMap<u64, (u64, u64)>, H5Error> {
        let mut out = BTreeMap::new();
        if is_undefined(heap.root, self.sb.offset_size) {
            return Ok(out);
        }
        let root = self.address(heap.addr, heap.root)?;
        if heap.root_rows == 0 {
            self.visit_heap_block(root)?;
            out.insert(0, (root, heap.start));
            return Ok(out);
        }
        let o = usize::from(self.sb.offset_size);
        let mut seen = BTreeSet::from([heap.addr]);
        let mut stack = vec![(root, heap.root_rows, 0u64, 0u32)];
        while let Some((addr, rows, base, depth)) = stack.pop() {
            if !seen.insert(addr) {
                return Err(bad(addr, "fractal heap blocks form a cycle"));
            }
            self.visit_heap_block(addr)?;
            if depth > self.limits.max_hdf5_heap_depth {
                return Err(H5Error::Limit(
                    crate::LimitId::GraphsMaxHdf5HeapDepth,
                    u64::from(self.limits.max_hdf5_heap_depth),
                    format!("at the fractal heap indirect block at byte {addr}"),
                ));
            }
            let direct = rows.min(heap.direct_rows).saturating_mul(heap.width);
            let indirect = rows
                .saturating_sub(heap.direct_rows)
                .saturating_mul(heap.width);
            let header = 5 + o + heap.offset_bytes;
            let len = (header as u64)
                .saturating_add(direct.saturating_add(indirect).saturating_mul(o as u64));
            let buf = self.window(addr, len, "fractal heap indirect block")?;
            let mut c = Cur::new(&buf);
            if c.take(4) != Some(b"FHIB".as_slice()) {
                return Err(bad(
                    addr,
                    "fractal heap indirect block lacks its FHIB signature",
                ));
            }
            self.block_owner(&mut c, heap, addr, base)?;
            let overflow = || bad(addr, "fractal heap offsets overflow");
            let short = || bad(addr, "fractal heap indirect block is truncated");
            for i in 0..direct.saturating_add(indirect) {
                let child = c.uint(o).ok_or_else(short)?;
                if is_undefined(child, self.sb.offset_size) {
                    continue;
                }
                let (row, col) = if i < direct {
                    (i / heap.width, i % heap.width)
                } else {
                    let j = i - direct;
                    (heap.direct_rows + j / heap.width, j % heap.width)
                };
                let size = heap.row_size(row).ok_or_else(overflow)?;
                let offset = heap
                    .row_offset(row)
                    .and_then(|r| r.checked_add(col.checked_mul(size)?))
                    .and_then(|r| r.checked_add(base))
                    .ok_or_else(overflow)?;
                let child = self.address(addr, child)?;
                if i < direct {
                    if !seen.insert(child) {
                        return Err(bad(
                            child,
                            "fractal heap blocks form a cycle (a block is reached twice)",
                        ));
                    }
                    if size > heap.max_direct {
                        return Err(bad(
                            child,
                            "fractal heap direct block is larger than the heap allows",
                        ));
                    }
                    self.visit_heap_block(child)?;
                    out.insert(offset, (child, size));
                } else {
                    // An indirect block spanning one row's block size holds
                    // the rows up to it: fewer than its parent.
                    let child_rows = row
                        .checked_sub(heap.log_width)
                        .filter(|r| (1..rows).contains(r))
                        .ok_or_else(|| bad(addr, "fractal heap indirect block has no rows"))?;
                    stack.push((child, child_rows, offset, depth.saturating_add(1)));
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
