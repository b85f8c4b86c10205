//! HDF5 files holding root-group attributes, laid out as libhdf5 lays them
//! out: superblock version 0 with a version 1 object header, a symbol table
//! (empty B-tree and local heap) and a global heap for variable-length
//! strings (h5py's default "earliest" format); or superblock version 2 with a
//! version 2 object header and Jenkins lookup3 checksums ("latest" format).
//! Addresses and lengths are 8 bytes, as on every platform h5py runs on.
//! Both layouts, continuations and user blocks open in h5py 3.16 (HDF5 2.0.0)
//! with the attributes read back (checked when the builder was written).

/// An attribute value.
#[derive(Debug, Clone)]
pub enum Value {
    /// A fixed-length string (h5py writes `bytes` this way).
    Fixed(Vec<u8>),
    /// A variable-length UTF-8 string (h5py writes `str` this way).
    VarLen(String),
}

/// Which file layout to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Superblock v0, object header v1 (h5py `libver="earliest"`).
    Earliest,
    /// Superblock v2, object header v2 (h5py `libver="latest"`).
    Latest,
}

/// An HDF5 file with attributes on its root group.
#[derive(Debug, Clone)]
pub struct Builder {
    layout: Layout,
    attrs: Vec<(String, Value)>,
    user_block: usize,
    continuation: bool,
}

const UNDEF: u64 = u64::MAX;

fn pad8(v: &mut Vec<u8>) {
    while v.len() % 8 != 0 {
        v.push(0);
    }
}

/// Jenkins' lookup3 `hashlittle`, the checksum of HDF5 metadata (initval 0).
pub fn lookup3(data: &[u8]) -> u32 {
    fn rot(x: u32, k: u32) -> u32 {
        x.rotate_left(k)
    }
    let mut a = 0xdead_beefu32.wrapping_add(data.len() as u32);
    let mut b = a;
    let mut c = a;
    let word = |s: &[u8]| -> u32 {
        let mut w = [0u8; 4];
        w[..s.len()].copy_from_slice(s);
        u32::from_le_bytes(w)
    };
    let mut rest = data;
    while rest.len() > 12 {
        a = a.wrapping_add(word(&rest[0..4]));
        b = b.wrapping_add(word(&rest[4..8]));
        c = c.wrapping_add(word(&rest[8..12]));
        a = a.wrapping_sub(c);
        a ^= rot(c, 4);
        c = c.wrapping_add(b);
        b = b.wrapping_sub(a);
        b ^= rot(a, 6);
        a = a.wrapping_add(c);
        c = c.wrapping_sub(b);
        c ^= rot(b, 8);
        b = b.wrapping_add(a);
        a = a.wrapping_sub(c);
        a ^= rot(c, 16);
        c = c.wrapping_add(b);
        b = b.wrapping_sub(a);
        b ^= rot(a, 19);
        a = a.wrapping_add(c);
        c = c.wrapping_sub(b);
        c ^= rot(b, 4);
        b = b.wrapping_add(a);
        rest = &rest[12..];
    }
    if rest.is_empty() {
        return c;
    }
    let n = rest.len();
    a = a.wrapping_add(word(&rest[..n.min(4)]));
    if n > 4 {
        b = b.wrapping_add(word(&rest[4..n.min(8)]));
    }
    if n > 8 {
        c = c.wrapping_add(word(&rest[8..n]));
    }
    c ^= b;
    c = c.wrapping_sub(rot(b, 14));
    a ^= c;
    a = a.wrapping_sub(rot(c, 11));
    b ^= a;
    b = b.wrapping_sub(rot(a, 25));
    c ^= b;
    c = c.wrapping_sub(rot(b, 16));
    a ^= c;
    a = a.wrapping_sub(rot(c, 4));
    b ^= a;
    b = b.wrapping_sub(rot(a, 14));
    c ^= b;
    c = c.wrapping_sub(rot(b, 24));
    c
}

impl Builder {
    /// A file in `layout` with no attributes.
    pub fn new(layout: Layout) -> Builder {
        Builder {
            layout,
            attrs: Vec::new(),
            user_block: 0,
            continuation: false,
        }
    }

    /// Add a fixed-length string attribute.
    pub fn fixed(mut self, name: &str, value: &[u8]) -> Builder {
        self.attrs.push((name.into(), Value::Fixed(value.to_vec())));
        self
    }

    /// Add a variable-length string attribute.
    pub fn varlen(mut self, name: &str, value: &str) -> Builder {
        self.attrs.push((name.into(), Value::VarLen(value.into())));
        self
    }

    /// Put a user block of `size` bytes (512, 1024, ...) before the superblock.
    pub fn user_block(mut self, size: usize) -> Builder {
        self.user_block = size;
        self
    }

    /// Move the attributes into a continuation block of the object header
    /// (what libhdf5 does when a header outgrows its first chunk). Earliest layout only.
    pub fn with_continuation(mut self) -> Builder {
        self.continuation = true;
        self
    }

    /// Write the file.
    pub fn build(&self) -> Vec<u8> {
        match self.layout {
            Layout::Earliest => self.build_v0(),
            Layout::Latest => self.build_v2(),
        }
    }

    /// The global heap collection holding every variable-length value, and
    /// each value's object index.
    fn global_heap(&self) -> (Vec<u8>, Vec<u16>) {
        let mut objects = Vec::new();
        let mut ids = Vec::new();
        let mut next = 1u16;
        for (_, v) in &self.attrs {
            if let Value::VarLen(s) = v {
                objects.extend_from_slice(&next.to_le_bytes());
                objects.extend_from_slice(&1u16.to_le_bytes());
                objects.extend_from_slice(&[0; 4]);
                objects.extend_from_slice(&(s.len() as u64).to_le_bytes());
                objects.extend_from_slice(s.as_bytes());
                pad8(&mut objects);
                ids.push(next);
                next += 1;
            } else {
                ids.push(0);
            }
        }
        let size = (16 + objects.len() + 16).max(4096);
        let mut heap = b"GCOL".to_vec();
        heap.extend_from_slice(&[1, 0, 0, 0]);
        heap.extend_from_slice(&(size as u64).to_le_bytes());
        heap.extend_from_slice(&objects);
        // Free space: object 0 covering the rest.
        let free = size - heap.len();
        heap.extend_from_slice(&0u16.to_le_bytes());
        heap.extend_from_slice(&[0; 6]);
        heap.extend_from_slice(&(free as u64).to_le_bytes());
        heap.resize(size, 0);
        (heap, ids)
    }

    /// Attribute message bodies (version 1 padded, or version 3).
    fn attribute_messages(&self, heap_addr: u64, ids: &[u16]) -> Vec<Vec<u8>> {
        let v1 = self.layout == Layout::Earliest;
        let mut out = Vec::new();
        for ((name, value), id) in self.attrs.iter().zip(ids) {
            let mut dt = Vec::new();
            let data: Vec<u8> = match value {
                Value::Fixed(bytes) => {
                    // Class 3 (string), version 1, null-padded ASCII.
                    dt.extend_from_slice(&[0x13, 0x01, 0, 0]);
                    dt.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
                    bytes.clone()
                }
                Value::VarLen(s) => {
                    // Class 9 (variable-length), type string, UTF-8; base: 1-byte char.
                    dt.extend_from_slice(&[0x19, 0x01, 0x01, 0]);
                    dt.extend_from_slice(&16u32.to_le_bytes());
                    dt.extend_from_slice(&[0x10, 0, 0, 0]);
                    dt.extend_from_slice(&1u32.to_le_bytes());
                    dt.extend_from_slice(&0u16.to_le_bytes());
                    dt.extend_from_slice(&8u16.to_le_bytes());
                    let mut d = (s.len() as u32).to_le_bytes().to_vec();
                    d.extend_from_slice(&heap_addr.to_le_bytes());
                    d.extend_from_slice(&u32::from(*id).to_le_bytes());
                    d
                }
            };
            // Scalar dataspace.
            let ds: Vec<u8> = if v1 {
                vec![1, 0, 0, 0, 0, 0, 0, 0]
            } else {
                vec![2, 0, 0, 0]
            };
            let mut name_bytes = name.as_bytes().to_vec();
            name_bytes.push(0);
            let mut m = Vec::new();
            if v1 {
                m.extend_from_slice(&[1, 0]);
            } else {
                m.extend_from_slice(&[3, 0]);
            }
            m.extend_from_slice(&(name_bytes.len() as u16).to_le_bytes());
            m.extend_from_slice(&(dt.len() as u16).to_le_bytes());
            m.extend_from_slice(&(ds.len() as u16).to_le_bytes());
            if !v1 {
                m.push(0);
            }
            for part in [&name_bytes, &dt, &ds] {
                m.extend_from_slice(part);
                if v1 {
                    pad8(&mut m);
                }
            }
            m.extend_from_slice(&data);
            out.push(m);
        }
        out
    }

    fn build_v0(&self) -> Vec<u8> {
        let base = self.user_block as u64;
        // Layout (relative addresses): superblock 0..96, root header at 96,
        // then B-tree, local heap, global heap, continuation block.
        let (heap, ids) = self.global_heap();
        let root = 96u64;
        let msg = |kind: u16, body: &[u8]| -> Vec<u8> {
            let mut m = kind.to_le_bytes().to_vec();
            let mut body = body.to_vec();
            pad8(&mut body);
            m.extend_from_slice(&(body.len() as u16).to_le_bytes());
            m.extend_from_slice(&[0, 0, 0, 0]);
            m.extend_from_slice(&body);
            m
        };
        // Sizes are needed before addresses: compute the attribute bodies with
        // a placeholder heap address of the same width, then fix it up.
        let probe = self.attribute_messages(0, &ids);
        let attr_len: usize = probe.iter().map(|b| msg(0x0C, b).len()).sum();
        let symtab_len = 8 + 16;
        let cont_len = 8 + 16;
        let first_chunk = if self.continuation {
            symtab_len + cont_len
        } else {
            symtab_len + attr_len
        };
        let btree = root + 16 + first_chunk as u64;
        let btree_len = 24 + 32 * 8 + 33 * 8;
        let lheap = btree + btree_len as u64;
        let lheap_len = 32 + 8;
        let gheap = lheap + lheap_len as u64;
        let cont = gheap + heap.len() as u64;
        let eof = cont
            + if self.continuation {
                attr_len as u64
            } else {
                0
            };
        let bodies = self.attribute_messages(gheap, &ids);

        let mut f = vec![0u8; self.user_block];
        // Superblock v0.
        f.extend_from_slice(b"\x89HDF\r\n\x1a\n");
        f.extend_from_slice(&[0, 0, 0, 0, 0, 8, 8, 0]);
        f.extend_from_slice(&4u16.to_le_bytes());
        f.extend_from_slice(&16u16.to_le_bytes());
        f.extend_from_slice(&0u32.to_le_bytes());
        // libhdf5 checks the end-of-file address against the whole file.
        for a in [base, UNDEF, base + eof, UNDEF] {
            f.extend_from_slice(&a.to_le_bytes());
        }
        // Root symbol table entry: name offset, header, cache type 1, scratch.
        f.extend_from_slice(&0u64.to_le_bytes());
        f.extend_from_slice(&root.to_le_bytes());
        f.extend_from_slice(&1u32.to_le_bytes());
        f.extend_from_slice(&0u32.to_le_bytes());
        f.extend_from_slice(&btree.to_le_bytes());
        f.extend_from_slice(&lheap.to_le_bytes());
        assert_eq!(f.len() - self.user_block, 96);

        // Root object header v1.
        let mut symtab = btree.to_le_bytes().to_vec();
        symtab.extend_from_slice(&lheap.to_le_bytes());
        let mut chunk = msg(0x11, &symtab);
        let mut tail = Vec::new();
        for b in &bodies {
            tail.extend_from_slice(&msg(0x0C, b));
        }
        if self.continuation {
            let mut c = cont.to_le_bytes().to_vec();
            c.extend_from_slice(&(tail.len() as u64).to_le_bytes());
            chunk.extend_from_slice(&msg(0x10, &c));
        } else {
            chunk.extend_from_slice(&tail);
        }
        let count = 1 + bodies.len() + usize::from(self.continuation);
        f.extend_from_slice(&[1, 0]);
        f.extend_from_slice(&(count as u16).to_le_bytes());
        f.extend_from_slice(&1u32.to_le_bytes());
        f.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        f.extend_from_slice(&[0; 4]);
        f.extend_from_slice(&chunk);

        // Empty group B-tree (type 0, level 0, no entries).
        let mut t = b"TREE".to_vec();
        t.extend_from_slice(&[0, 0, 0, 0]);
        t.extend_from_slice(&UNDEF.to_le_bytes());
        t.extend_from_slice(&UNDEF.to_le_bytes());
        t.resize(btree_len, 0);
        f.extend_from_slice(&t);

        // Local heap with an 8-byte data segment holding the empty name.
        let mut h = b"HEAP".to_vec();
        h.extend_from_slice(&[0, 0, 0, 0]);
        h.extend_from_slice(&8u64.to_le_bytes());
        h.extend_from_slice(&1u64.to_le_bytes());
        h.extend_from_slice(&(lheap + 32).to_le_bytes());
        h.extend_from_slice(&[0; 8]);
        f.extend_from_slice(&h);

        f.extend_from_slice(&heap);
        if self.continuation {
            f.extend_from_slice(&tail);
        }
        f
    }

    fn build_v2(&self) -> Vec<u8> {
        let (heap, ids) = self.global_heap();
        let root = 48u64;
        let msg = |kind: u8, body: &[u8]| -> Vec<u8> {
            let mut m = vec![kind];
            m.extend_from_slice(&(body.len() as u16).to_le_bytes());
            m.push(0);
            m.extend_from_slice(body);
            m
        };
        let probe = self.attribute_messages(0, &ids);
        let mut link_info = vec![0u8, 0];
        link_info.extend_from_slice(&UNDEF.to_le_bytes());
        link_info.extend_from_slice(&UNDEF.to_le_bytes());
        let group_info = [0u8, 0];
        let chunk_len: usize = msg(2, &link_info).len()
            + msg(10, &group_info).len()
            + probe.iter().map(|b| msg(0x0C, b).len()).sum::<usize>();
        // OHDR, version, flags (4-byte chunk size), size, chunk, checksum.
        let header_len = 4 + 1 + 1 + 4 + chunk_len + 4;
        let gheap = root + header_len as u64;
        let eof = gheap + heap.len() as u64;
        let bodies = self.attribute_messages(gheap, &ids);

        let mut f = vec![0u8; self.user_block];
        let mut sb = b"\x89HDF\r\n\x1a\n".to_vec();
        sb.extend_from_slice(&[2, 8, 8, 0]);
        let ub = self.user_block as u64;
        for a in [ub, UNDEF, ub + eof, root] {
            sb.extend_from_slice(&a.to_le_bytes());
        }
        let sum = lookup3(&sb);
        sb.extend_from_slice(&sum.to_le_bytes());
        f.extend_from_slice(&sb);
        f.resize(self.user_block + root as usize, 0);

        let mut oh = b"OHDR".to_vec();
        oh.extend_from_slice(&[2, 0x02]);
        oh.extend_from_slice(&(chunk_len as u32).to_le_bytes());
        oh.extend_from_slice(&msg(2, &link_info));
        oh.extend_from_slice(&msg(10, &group_info));
        for b in &bodies {
            oh.extend_from_slice(&msg(0x0C, b));
        }
        let sum = lookup3(&oh);
        oh.extend_from_slice(&sum.to_le_bytes());
        f.extend_from_slice(&oh);
        f.extend_from_slice(&heap);
        f
    }
}

/// A Keras 2 style H5 root: `keras_version` and `backend` as variable-length
/// strings, `model_config` as a fixed-length string (JSON bytes).
pub fn keras_h5(layout: Layout, model_config: &str) -> Vec<u8> {
    Builder::new(layout)
        .varlen("keras_version", "2.15.0")
        .varlen("backend", "tensorflow")
        .fixed("model_config", model_config.as_bytes())
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup3_matches_reference_values() {
        // From lookup3.c's driver: hashlittle("", 0, 0) = 0xdeadbeef and
        // hashlittle("Four score and seven years ago", 30, 0) = 0x17770551.
        assert_eq!(lookup3(b""), 0xdead_beef);
        assert_eq!(lookup3(b"Four score and seven years ago"), 0x1777_0551);
    }
}
