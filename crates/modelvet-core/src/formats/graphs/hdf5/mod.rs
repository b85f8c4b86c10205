//! A bounds-checked reader of the parts of HDF5 that Keras and h5py write,
//! without libhdf5: the superblock (versions 0–3, found at 0, 512, 1024, ...),
//! object headers (versions 1 and 2, with continuation blocks) and the root
//! group's attributes, whose string values may be fixed-length or
//! variable-length (stored in global heap collections).
//!
//! Attributes and links are read from compact storage (header messages) and
//! from dense storage (a fractal heap indexed by a version 2 B-tree, used when
//! an object has many or large attributes or a group many links). Filtered
//! heaps and shared messages are reported as not read: the scan fails closed
//! rather than vouching for what it did not see.

use super::GraphLimits;

pub use crate::formats::graphs::rules::{
    HDF5_EXTERNAL_LINK, HDF5_EXTERNAL_STORAGE, HDF5_MALFORMED,
};
use crate::source::{read_window, ByteSource, ReadError};
use std::collections::BTreeMap;

mod attribute;
mod btree2;
mod dense;
mod heap;
mod report;
mod tree;

pub use report::scan;
pub use tree::{Reach, Tree};

/// The HDF5 format signature.
pub const SIGNATURE: &[u8; 8] = b"\x89HDF\r\n\x1a\n";
const MSG_ATTRIBUTE: u16 = 0x000C;
const MSG_CONTINUATION: u16 = 0x0010;
const MSG_ATTRIBUTE_INFO: u16 = 0x0015;

/// Why reading stopped.
#[derive(Debug)]
pub enum H5Error {
    /// The structures are invalid (a finding).
    Malformed(u64, String),
    /// A named limit stopped the reader (an error).
    Limit(crate::LimitId, u64, String),
    /// A valid feature this reader does not implement (an error).
    Unsupported(String),
    /// The source failed.
    Read(ReadError),
}

impl From<ReadError> for H5Error {
    fn from(e: ReadError) -> Self {
        H5Error::Read(e)
    }
}

fn bad(at: u64, what: impl Into<String>) -> H5Error {
    H5Error::Malformed(at, what.into())
}

/// What the superblock says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Superblock {
    /// Offset of the signature (the user block's size).
    pub offset: u64,
    /// Superblock version (0–3).
    pub version: u8,
    /// Size of file addresses in bytes.
    pub offset_size: u8,
    /// Size of lengths in bytes.
    pub length_size: u8,
    /// Base address that file addresses are relative to.
    pub base: u64,
    /// Absolute address of the root group's object header.
    pub root: u64,
}

/// An attribute's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrValue {
    /// A string or array of strings (fixed or variable length).
    Strings(Vec<String>),
    /// Any other datatype (by HDF5 class number); not decoded.
    Other(u8),
}

/// One attribute of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Name.
    pub name: String,
    /// Value.
    pub value: AttrValue,
}

/// One object header message.
#[derive(Debug, Clone)]
struct Message {
    kind: u16,
    flags: u8,
    at: u64,
    data: Vec<u8>,
}

/// Little-endian reads from a byte slice, all checked.
struct Cur<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cur<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Cur { buf, pos: 0 }
    }
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }
    fn uint(&mut self, n: usize) -> Option<u64> {
        let s = self.take(n)?;
        if n > 8 {
            return None;
        }
        Some(
            s.iter()
                .rev()
                .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)),
        )
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }
    fn u16(&mut self) -> Option<u16> {
        u16::try_from(self.uint(2)?).ok()
    }
    fn u32(&mut self) -> Option<u32> {
        u32::try_from(self.uint(4)?).ok()
    }
    fn skip(&mut self, n: usize) -> Option<()> {
        self.take(n).map(|_| ())
    }
    fn align(&mut self, to: usize) {
        let rem = self.pos % to;
        if rem != 0 {
            self.pos = self.pos.saturating_add(to - rem);
        }
    }
}

fn is_undefined(addr: u64, size: u8) -> bool {
    let bits = u32::from(size).saturating_mul(8);
    if bits >= 64 {
        addr == u64::MAX
    } else {
        addr == (1u64 << bits) - 1
    }
}

/// Find and read the superblock (signature at 0, 512, 1024, 2048, ...).
pub fn superblock(src: &mut dyn ByteSource) -> Result<Superblock, H5Error> {
    let len = src.len();
    let mut at = 0u64;
    loop {
        if at >= len {
            return Err(bad(
                0,
                "no HDF5 signature at 0 or any power of two from 512",
            ));
        }
        let head = read_window(src, at, 8)?;
        if head.as_slice() == SIGNATURE {
            break;
        }
        at = if at == 0 { 512 } else { at.saturating_mul(2) };
    }
    let buf = read_window(src, at, 128)?;
    let mut c = Cur::new(&buf);
    c.skip(8);
    let short = || bad(at, "superblock is truncated");
    let version = c.u8().ok_or_else(short)?;
    let (offset_size, length_size, base, root) = match version {
        0 | 1 => {
            c.skip(4).ok_or_else(short)?;
            let o = c.u8().ok_or_else(short)?;
            let l = c.u8().ok_or_else(short)?;
            check_sizes(at, o, l)?;
            c.skip(1 + 4 + 4).ok_or_else(short)?;
            if version == 1 {
                c.skip(4).ok_or_else(short)?;
            }
            let n = usize::from(o);
            let base = c.uint(n).ok_or_else(short)?;
            c.skip(n * 3).ok_or_else(short)?;
            // Root group symbol table entry: link name offset, then header address.
            c.skip(n).ok_or_else(short)?;
            let root = c.uint(n).ok_or_else(short)?;
            (o, l, base, root)
        }
        2 | 3 => {
            let o = c.u8().ok_or_else(short)?;
            let l = c.u8().ok_or_else(short)?;
            check_sizes(at, o, l)?;
            c.skip(1).ok_or_else(short)?;
            let n = usize::from(o);
            let base = c.uint(n).ok_or_else(short)?;
            c.skip(n * 2).ok_or_else(short)?;
            let root = c.uint(n).ok_or_else(short)?;
            (o, l, base, root)
        }
        v => return Err(bad(at + 8, format!("unknown superblock version {v}"))),
    };
    // Addresses are relative to the base address; files with a user block
    // written by older tools may leave it 0.
    let base = if base == 0 { at } else { base };
    if is_undefined(root, offset_size) {
        return Err(bad(at, "root group address is undefined"));
    }
    let root = base
        .checked_add(root)
        .filter(|r| *r < len)
        .ok_or_else(|| bad(at, "root group address lies outside the file"))?;
    Ok(Superblock {
        offset: at,
        version,
        offset_size,
        length_size,
        base,
        root,
    })
}

fn check_sizes(at: u64, o: u8, l: u8) -> Result<(), H5Error> {
    let ok = |s: u8| matches!(s, 2 | 4 | 8);
    if ok(o) && ok(l) {
        Ok(())
    } else {
        Err(bad(at, format!("invalid address/length sizes {o}/{l}")))
    }
}

/// Reads objects of one HDF5 file.
pub struct File<'s> {
    src: &'s mut dyn ByteSource,
    /// The superblock.
    pub sb: Superblock,
    limits: GraphLimits,
    heaps: BTreeMap<u64, Vec<u8>>,
    /// Bytes of header messages kept for the object being read.
    header_bytes: u64,
    /// Header blocks already read for the object being read (cycles).
    header_blocks: std::collections::BTreeSet<u64>,
    /// Fractal heap blocks and version 2 B-tree nodes visited in the file.
    heap_blocks: u64,
    /// Version 2 B-tree records read in the file.
    heap_objects: u64,
    /// Fractal heaps of dense storage already read (each object has its own).
    dense_heaps: std::collections::BTreeSet<u64>,
}

impl<'s> File<'s> {
    /// Open `src`: find and read the superblock.
    pub fn open(src: &'s mut dyn ByteSource, limits: &GraphLimits) -> Result<File<'s>, H5Error> {
        let sb = superblock(src)?;
        Ok(File {
            src,
            sb,
            limits: limits.clone(),
            heaps: BTreeMap::new(),
            header_bytes: 0,
            header_blocks: std::collections::BTreeSet::new(),
            heap_blocks: 0,
            heap_objects: 0,
            dense_heaps: std::collections::BTreeSet::new(),
        })
    }

    fn address(&self, at: u64, rel: u64) -> Result<u64, H5Error> {
        self.sb
            .base
            .checked_add(rel)
            .filter(|a| *a < self.src.len())
            .ok_or_else(|| bad(at, format!("address {rel} lies outside the file")))
    }

    fn window(&mut self, at: u64, len: u64, what: &str) -> Result<Vec<u8>, H5Error> {
        if len > self.limits.max_hdf5_attribute_bytes {
            return Err(H5Error::Limit(
                crate::LimitId::GraphsMaxHdf5AttributeBytes,
                self.limits.max_hdf5_attribute_bytes,
                format!("reading {what} of {len} bytes at byte {at}"),
            ));
        }
        let buf = read_window(self.src, at, len)?;
        if (buf.len() as u64) < len {
            return Err(bad(at, format!("{what} runs past the end of the file")));
        }
        Ok(buf)
    }

    /// The attributes of the root group.
    pub fn root_attributes(&mut self) -> Result<Vec<Attribute>, H5Error> {
        let root = self.sb.root;
        self.attributes(root)
    }

    /// The attributes (compact and dense) of the object whose header is at
    /// `addr` (absolute).
    pub fn attributes(&mut self, addr: u64) -> Result<Vec<Attribute>, H5Error> {
        self.dense_heaps.clear();
        let messages = self.messages(addr)?;
        let mut out = Vec::new();
        for m in &messages {
            match m.kind {
                MSG_ATTRIBUTE => {
                    if m.flags & 0x02 != 0 {
                        return Err(H5Error::Unsupported(format!(
                            "shared attribute message at byte {} is not read",
                            m.at
                        )));
                    }
                    out.push(self.attribute(m)?);
                }
                MSG_ATTRIBUTE_INFO => out.extend(self.dense_attributes(m)?),
                _ => {}
            }
        }
        Ok(out)
    }

    /// All messages of the object header at `addr`, following continuations.
    fn messages(&mut self, addr: u64) -> Result<Vec<Message>, H5Error> {
        self.header_bytes = 0;
        self.header_blocks.clear();
        self.header_blocks.insert(addr);
        let first = read_window(self.src, addr, 4)?;
        if first.as_slice() == b"OHDR" {
            self.messages_v2(addr)
        } else {
            self.messages_v1(addr)
        }
    }

    fn messages_v1(&mut self, addr: u64) -> Result<Vec<Message>, H5Error> {
        let head = self.window(addr, 16, "object header")?;
        let mut c = Cur::new(&head);
        let short = || bad(addr, "object header is truncated");
        let version = c.u8().ok_or_else(short)?;
        if version != 1 {
            return Err(bad(
                addr,
                format!("unknown object header version {version}"),
            ));
        }
        c.skip(1).ok_or_else(short)?;
        let count = c.u16().ok_or_else(short)?;
        c.skip(4).ok_or_else(short)?;
        let size = c.u32().ok_or_else(short)?;
        let mut out = Vec::new();
        let mut blocks = vec![(addr.saturating_add(16), u64::from(size))];
        let mut continuations = 0u32;
        while let Some((start, len)) = blocks.pop() {
            let block = self.window(start, len, "object header block")?;
            let mut c = Cur::new(&block);
            while c.pos.saturating_add(8) <= block.len() && out.len() < usize::from(count) {
                let at = start.saturating_add(c.pos as u64);
                let kind = c.u16().ok_or_else(short)?;
                let msize = c.u16().ok_or_else(short)?;
                let flags = c.u8().ok_or_else(short)?;
                c.skip(3).ok_or_else(short)?;
                let data = c
                    .take(usize::from(msize))
                    .ok_or_else(|| bad(at, "header message runs past its block"))?;
                c.align(8);
                self.push_message(
                    &mut out,
                    &mut blocks,
                    &mut continuations,
                    kind,
                    flags,
                    at,
                    data,
                )?;
            }
        }
        Ok(out)
    }

    fn messages_v2(&mut self, addr: u64) -> Result<Vec<Message>, H5Error> {
        let head = self.window(addr, 6, "object header")?;
        let mut c = Cur::new(&head);
        let short = || bad(addr, "object header is truncated");
        c.skip(4).ok_or_else(short)?;
        let version = c.u8().ok_or_else(short)?;
        if version != 2 {
            return Err(bad(
                addr,
                format!("unknown object header version {version}"),
            ));
        }
        let flags = c.u8().ok_or_else(short)?;
        let mut prefix = 6u64;
        if flags & 0x20 != 0 {
            prefix += 16;
        }
        if flags & 0x10 != 0 {
            prefix += 4;
        }
        let size_len = 1usize << (flags & 0x03);
        let size_buf = self.window(
            addr.saturating_add(prefix),
            size_len as u64,
            "object header",
        )?;
        let chunk = Cur::new(&size_buf).uint(size_len).ok_or_else(short)?;
        let start = addr.saturating_add(prefix).saturating_add(size_len as u64);
        let creation_order = flags & 0x04 != 0;
        let mut out = Vec::new();
        let mut blocks = vec![(start, chunk, false)];
        let mut continuations = 0u32;
        while let Some((start, len, is_continuation)) = blocks.pop() {
            let block = self.window(start, len, "object header block")?;
            let mut c = Cur::new(&block);
            if is_continuation && c.take(4) != Some(b"OCHK".as_slice()) {
                return Err(bad(start, "continuation block lacks its OCHK signature"));
            }
            // Continuation blocks end with a 4-byte checksum.
            let end = if is_continuation {
                block.len().saturating_sub(4)
            } else {
                block.len()
            };
            let header = if creation_order { 6 } else { 4 };
            let mut pending = Vec::new();
            while c.pos.saturating_add(header) <= end {
                let at = start.saturating_add(c.pos as u64);
                let kind = u16::from(c.u8().ok_or_else(short)?);
                let msize = c.u16().ok_or_else(short)?;
                let mflags = c.u8().ok_or_else(short)?;
                if creation_order {
                    c.skip(2).ok_or_else(short)?;
                }
                let stop = c.pos.saturating_add(usize::from(msize));
                if stop > end {
                    return Err(bad(at, "header message runs past its block"));
                }
                let data = c.take(usize::from(msize)).ok_or_else(short)?;
                self.push_message(
                    &mut out,
                    &mut pending,
                    &mut continuations,
                    kind,
                    mflags,
                    at,
                    data,
                )?;
            }
            blocks.extend(pending.into_iter().map(|(s, l)| (s, l, true)));
        }
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn push_message(
        &mut self,
        out: &mut Vec<Message>,
        blocks: &mut Vec<(u64, u64)>,
        continuations: &mut u32,
        kind: u16,
        flags: u8,
        at: u64,
        data: &[u8],
    ) -> Result<(), H5Error> {
        if out.len() >= self.limits.max_hdf5_messages as usize {
            return Err(H5Error::Limit(
                crate::LimitId::GraphsMaxHdf5Messages,
                u64::from(self.limits.max_hdf5_messages),
                format!("in the object header at byte {at}"),
            ));
        }
        // Keep only the messages a scanner reads; count what is kept.
        const KEPT: &[u16] = &[0x0002, 0x0006, 0x0007, 0x000C, 0x0010, 0x0011, 0x0015];
        let data = if KEPT.contains(&kind) { data } else { &[] };
        self.header_bytes = self.header_bytes.saturating_add(data.len() as u64);
        if self.header_bytes > self.limits.max_hdf5_attribute_bytes {
            return Err(H5Error::Limit(
                crate::LimitId::GraphsMaxHdf5AttributeBytes,
                self.limits.max_hdf5_attribute_bytes,
                format!("in the messages of the object header at byte {at}"),
            ));
        }
        if kind == MSG_CONTINUATION {
            *continuations = continuations.saturating_add(1);
            if *continuations > self.limits.max_hdf5_continuations {
                return Err(H5Error::Limit(
                    crate::LimitId::GraphsMaxHdf5Continuations,
                    u64::from(self.limits.max_hdf5_continuations),
                    format!("in the object header at byte {at}"),
                ));
            }
            let mut c = Cur::new(data);
            let n = usize::from(self.sb.offset_size);
            let short = || bad(at, "continuation message is truncated");
            let rel = c.uint(n).ok_or_else(short)?;
            let len = c.uint(usize::from(self.sb.length_size)).ok_or_else(short)?;
            let start = self.address(at, rel)?;
            if !self.header_blocks.insert(start) {
                return Err(bad(at, "object header continuations form a cycle"));
            }
            blocks.push((start, len));
        }
        out.push(Message {
            kind,
            flags,
            at,
            data: data.to_vec(),
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests;
