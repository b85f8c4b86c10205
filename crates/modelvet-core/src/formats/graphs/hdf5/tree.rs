//! Walking every object of the file: old-style groups (symbol table: B-tree
//! version 1, symbol nodes, local heap) and new-style groups (link messages),
//! looking for what makes a reader open other files of the loading machine:
//! external links and datasets whose bytes live in external files.

use super::{bad, is_undefined, Cur, File, H5Error};
use std::collections::{BTreeSet, VecDeque};

const MSG_LINK_INFO: u16 = 0x0002;
const MSG_LINK: u16 = 0x0006;
const MSG_EXTERNAL_FILES: u16 = 0x0007;
const MSG_SYMBOL_TABLE: u16 = 0x0011;

/// Deepest B-tree accepted (libhdf5 trees of millions of entries are a few levels).
const MAX_BTREE_LEVEL: u8 = 32;

/// Something in the tree that reaches outside the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// An external link: opening `path` opens `object` in `file`.
    ExternalLink {
        /// Path of the link in this file.
        path: String,
        /// File it names.
        file: String,
        /// Object in that file.
        object: String,
    },
    /// A dataset whose raw data is read from other files.
    ExternalStorage {
        /// Path of the dataset.
        path: String,
        /// The files it names.
        files: Vec<String>,
    },
}

/// What walking the tree found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tree {
    /// Objects visited (groups, datasets, named datatypes).
    pub objects: u64,
    /// Links and storage that reach outside the file.
    pub reaches: Vec<Reach>,
}

impl File<'_> {
    /// Walk every object reachable from the root group.
    pub fn walk(&mut self) -> Result<Tree, H5Error> {
        let mut tree = Tree::default();
        let mut seen = BTreeSet::new();
        self.dense_heaps.clear();
        let mut queue = VecDeque::from([(self.sb.root, String::new())]);
        while let Some((addr, path)) = queue.pop_front() {
            if !seen.insert(addr) {
                continue;
            }
            tree.objects = tree.objects.saturating_add(1);
            if tree.objects > self.limits.max_hdf5_objects {
                return Err(H5Error::Limit(
                    crate::LimitId::GraphsMaxHdf5Objects,
                    self.limits.max_hdf5_objects,
                    format!("at object `{path}`"),
                ));
            }
            let shown = if path.is_empty() { "/" } else { path.as_str() };
            for m in self.messages(addr)? {
                match m.kind {
                    MSG_SYMBOL_TABLE => {
                        let mut c = Cur::new(&m.data);
                        let n = usize::from(self.sb.offset_size);
                        let short = || bad(m.at, "symbol table message is truncated");
                        let btree = c.uint(n).ok_or_else(short)?;
                        let heap = c.uint(n).ok_or_else(short)?;
                        let names = self.local_heap(m.at, heap)?;
                        for (name, child) in self.group_entries(btree, &names, &mut tree)? {
                            queue.push_back((child, format!("{path}/{name}")));
                        }
                    }
                    MSG_LINK => {
                        let link = self.link(&m.data, m.at)?;
                        follow(link, &path, &mut queue, &mut tree);
                    }
                    MSG_LINK_INFO => {
                        for (at, data) in self.dense_links(&m)? {
                            let link = self.link(&data, at)?;
                            follow(link, &path, &mut queue, &mut tree);
                        }
                    }
                    MSG_EXTERNAL_FILES => {
                        let files = self.external_files(&m.data, m.at)?;
                        tree.reaches.push(Reach::ExternalStorage {
                            path: shown.to_owned(),
                            files,
                        });
                    }
                    _ => {}
                }
            }
        }
        Ok(tree)
    }

    /// The data segment of the local heap at `heap` (relative address).
    fn local_heap(&mut self, at: u64, heap: u64) -> Result<Vec<u8>, H5Error> {
        let addr = self.address(at, heap)?;
        let (o, l) = (
            usize::from(self.sb.offset_size),
            usize::from(self.sb.length_size),
        );
        let head = self.window(addr, (8 + 2 * l + o) as u64, "local heap")?;
        let mut c = Cur::new(&head);
        if c.take(4) != Some(b"HEAP".as_slice()) {
            return Err(bad(addr, "local heap lacks its HEAP signature"));
        }
        c.skip(4);
        let short = || bad(addr, "local heap header is truncated");
        let size = c.uint(l).ok_or_else(short)?;
        c.skip(l).ok_or_else(short)?;
        let data = c.uint(o).ok_or_else(short)?;
        let data = self.address(addr, data)?;
        self.window(data, size, "local heap data")
    }

    /// Entries (name, object header address) of an old-style group whose
    /// B-tree (version 1, type 0) is at `btree`.
    fn group_entries(
        &mut self,
        btree: u64,
        names: &[u8],
        tree: &mut Tree,
    ) -> Result<Vec<(String, u64)>, H5Error> {
        let (o, l) = (
            usize::from(self.sb.offset_size),
            usize::from(self.sb.length_size),
        );
        let mut out = Vec::new();
        let mut nodes = vec![btree];
        let mut seen = BTreeSet::new();
        while let Some(rel) = nodes.pop() {
            if !seen.insert(rel) {
                continue;
            }
            tree.objects = tree.objects.saturating_add(1);
            if tree.objects > self.limits.max_hdf5_objects {
                return Err(H5Error::Limit(
                    crate::LimitId::GraphsMaxHdf5Objects,
                    self.limits.max_hdf5_objects,
                    "in a group B-tree".into(),
                ));
            }
            let addr = self.address(btree, rel)?;
            let head = self.window(addr, (8 + 2 * o) as u64, "group B-tree node")?;
            let mut c = Cur::new(&head);
            if c.take(4) != Some(b"TREE".as_slice()) {
                return Err(bad(addr, "group B-tree node lacks its TREE signature"));
            }
            let short = || bad(addr, "group B-tree node is truncated");
            let kind = c.u8().ok_or_else(short)?;
            let level = c.u8().ok_or_else(short)?;
            let entries = usize::from(c.u16().ok_or_else(short)?);
            if kind != 0 || level > MAX_BTREE_LEVEL {
                return Err(bad(addr, "not a group B-tree node"));
            }
            let body_len = entries.saturating_mul(l + o).saturating_add(l);
            let body_at = addr.saturating_add((8 + 2 * o) as u64);
            let body = self.window(body_at, body_len as u64, "group B-tree node")?;
            let mut c = Cur::new(&body);
            c.skip(l);
            for _ in 0..entries {
                let child = c.uint(o).ok_or_else(short)?;
                c.skip(l);
                if level > 0 {
                    nodes.push(child);
                } else {
                    self.symbol_node(child, names, &mut out)?;
                }
            }
        }
        Ok(out)
    }

    /// The entries of a symbol table node (`SNOD`).
    fn symbol_node(
        &mut self,
        rel: u64,
        names: &[u8],
        out: &mut Vec<(String, u64)>,
    ) -> Result<(), H5Error> {
        let o = usize::from(self.sb.offset_size);
        let addr = self.address(rel, rel)?;
        let head = self.window(addr, 8, "symbol table node")?;
        let mut c = Cur::new(&head);
        if c.take(4) != Some(b"SNOD".as_slice()) {
            return Err(bad(addr, "symbol table node lacks its SNOD signature"));
        }
        c.skip(2);
        let count = usize::from(
            c.u16()
                .ok_or_else(|| bad(addr, "symbol node is truncated"))?,
        );
        let entry = 2 * o + 24;
        let body_len = count.saturating_mul(entry) as u64;
        let body = self.window(addr.saturating_add(8), body_len, "symbol table node")?;
        for chunk in body.chunks(entry) {
            let mut e = Cur::new(chunk);
            let short = || bad(addr, "symbol table entry is truncated");
            let name_at = e.uint(o).ok_or_else(short)?;
            let header = e.uint(o).ok_or_else(short)?;
            if is_undefined(header, self.sb.offset_size) {
                // Cache type 2: a soft link, resolved by path; nothing to walk.
                continue;
            }
            let name = heap_name(names, name_at);
            let child = self.address(addr, header)?;
            out.push((name, child));
        }
        Ok(())
    }

    fn link(&mut self, data: &[u8], at: u64) -> Result<Link, H5Error> {
        let mut c = Cur::new(data);
        let short = || bad(at, "link message is truncated");
        let version = c.u8().ok_or_else(short)?;
        if version != 1 {
            return Err(bad(at, format!("unknown link message version {version}")));
        }
        let flags = c.u8().ok_or_else(short)?;
        let kind = if flags & 0x08 != 0 {
            c.u8().ok_or_else(short)?
        } else {
            0
        };
        if flags & 0x04 != 0 {
            c.skip(8).ok_or_else(short)?;
        }
        if flags & 0x10 != 0 {
            c.skip(1).ok_or_else(short)?;
        }
        let len_size = 1usize << (flags & 0x03);
        let len = usize::try_from(c.uint(len_size).ok_or_else(short)?).unwrap_or(usize::MAX);
        let name = c.take(len).ok_or_else(short)?;
        let name = String::from_utf8_lossy(name).into_owned();
        Ok(match kind {
            0 => {
                let addr = c.uint(usize::from(self.sb.offset_size)).ok_or_else(short)?;
                Link::Hard(name, self.address(at, addr)?)
            }
            64 => {
                let n = usize::from(c.u16().ok_or_else(short)?);
                let blob = c.take(n).ok_or_else(short)?;
                let mut parts = blob.get(1..).unwrap_or_default().split(|b| *b == 0);
                let file = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
                let object = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
                Link::External(name, file, object)
            }
            _ => Link::Other,
        })
    }

    fn external_files(&mut self, data: &[u8], at: u64) -> Result<Vec<String>, H5Error> {
        let (o, l) = (
            usize::from(self.sb.offset_size),
            usize::from(self.sb.length_size),
        );
        let mut c = Cur::new(data);
        let short = || bad(at, "external data files message is truncated");
        c.skip(4).ok_or_else(short)?;
        c.skip(2).ok_or_else(short)?;
        let used = c.u16().ok_or_else(short)?;
        let heap = c.uint(o).ok_or_else(short)?;
        let names = self.local_heap(at, heap)?;
        let mut files = Vec::new();
        for _ in 0..used {
            let name_at = c.uint(l).ok_or_else(short)?;
            c.skip(2 * l).ok_or_else(short)?;
            files.push(heap_name(&names, name_at));
        }
        Ok(files)
    }
}

enum Link {
    Hard(String, u64),
    External(String, String, String),
    Other,
}

/// Queue a hard link's target for walking; record an external link.
fn follow(link: Link, path: &str, queue: &mut VecDeque<(u64, String)>, tree: &mut Tree) {
    match link {
        Link::Hard(name, child) => queue.push_back((child, format!("{path}/{name}"))),
        Link::External(name, file, object) => tree.reaches.push(Reach::ExternalLink {
            path: format!("{path}/{name}"),
            file,
            object,
        }),
        Link::Other => {}
    }
}

/// The NUL-terminated name at `offset` of a local heap's data.
fn heap_name(names: &[u8], offset: u64) -> String {
    let start = usize::try_from(offset).unwrap_or(usize::MAX);
    let rest = names.get(start..).unwrap_or_default();
    let end = rest.iter().position(|b| *b == 0).unwrap_or(rest.len());
    String::from_utf8_lossy(rest.get(..end).unwrap_or_default()).into_owned()
}
