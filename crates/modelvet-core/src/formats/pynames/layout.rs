// The index's lookup layout: its text lines sorted into three tables that a
// binary search reads in place, so that a lookup needs no parsing, no
// sorting and no allocation. `build.rs` includes this file and builds the
// layout at compile time for native targets (the CLI pays nothing at run
// time); wasm32 keeps the xz file for a smaller download and builds the same
// layout once per instance. This file is `include!`d by `build.rs`, so it uses
// only `core`/`alloc`/`std` items.
//
// Blob layout, integers little-endian u32:
//   "MVPYN\0\0\x02"
//   header_len, modules, aliases, owners, attrs      (counts)
//   offsets of each table, count + 1 entries each    (into the text)
//   first attribute of each owner, owners + 1 entries
//   text: the header, then every table's entries back to back
// Entries: `name`; `key<TAB>name...`; `module` (an owner of attributes);
// `attr<TAB>cell...`, grouped by owner in the owners' order.

/// First bytes of a blob.
pub const MAGIC: &[u8; 8] = b"MVPYN\0\0\x02";

/// Builds the blob from the index text (see the module documentation of
/// `pynames` for the lines). Lines before any `@module` and lines that fit
/// no form are dropped, as are `>` lines without a tab.
#[allow(dead_code)] // used by build.rs, on wasm32 and by the tests
pub fn build(text: &str) -> Vec<u8> {
    let mut header_end = 0;
    let mut modules: Vec<&str> = Vec::new();
    let mut aliases: Vec<(&str, &str)> = Vec::new();
    let mut attrs: Vec<(&str, &str, &str)> = Vec::new();
    let mut offset = 0;
    let mut module = None;
    for line in text.split('\n') {
        let start = offset;
        offset += line.len() + 1;
        if line.starts_with('#') {
            if start == header_end {
                header_end = offset.min(text.len());
            }
        } else if let Some(name) = line.strip_prefix('=') {
            modules.push(name);
        } else if let Some(rest) = line.strip_prefix('>') {
            if let Some((key, names)) = rest.split_once('\t') {
                aliases.push((key, names));
            }
        } else if let Some(name) = line.strip_prefix('@') {
            module = Some(name);
        } else if let (Some(module), Some((attr, cells))) = (module, line.split_once('\t')) {
            attrs.push((module, attr, cells));
        }
    }
    modules.sort_unstable();
    aliases.sort_unstable_by(|a, b| a.0.cmp(b.0));
    attrs.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));

    let header = text.get(..header_end).unwrap_or("");
    let mut body = String::with_capacity(text.len());
    body.push_str(header);
    let mut tables: [Vec<u32>; 5] = Default::default();
    let [t_modules, t_aliases, t_owners, t_attrs, first] = &mut tables;
    for name in &modules {
        t_modules.push(u32_of(body.len()));
        body.push_str(name);
    }
    t_modules.push(u32_of(body.len()));
    for (key, names) in &aliases {
        t_aliases.push(u32_of(body.len()));
        body.extend([*key, "\t", *names]);
    }
    t_aliases.push(u32_of(body.len()));
    let mut owner: Option<&str> = None;
    for (i, (module, _, _)) in attrs.iter().enumerate() {
        if owner != Some(*module) {
            owner = Some(*module);
            t_owners.push(u32_of(body.len()));
            body.push_str(module);
            first.push(u32_of(i));
        }
    }
    t_owners.push(u32_of(body.len()));
    first.push(u32_of(attrs.len()));
    for (_, attr, cells) in &attrs {
        t_attrs.push(u32_of(body.len()));
        body.extend([*attr, "\t", *cells]);
    }
    t_attrs.push(u32_of(body.len()));

    let words: usize = tables.iter().map(Vec::len).sum();
    let mut blob = Vec::with_capacity(body.len() + 4 * (words + 5) + MAGIC.len());
    blob.extend_from_slice(MAGIC);
    let owners = tables.get(2).map_or(0, |t| t.len().saturating_sub(1));
    let counts = [
        header.len(),
        modules.len(),
        aliases.len(),
        owners,
        attrs.len(),
    ];
    for n in counts {
        blob.extend_from_slice(&u32_of(n).to_le_bytes());
    }
    for table in &tables {
        for o in table {
            blob.extend_from_slice(&o.to_le_bytes());
        }
    }
    blob.extend_from_slice(body.as_bytes());
    blob
}

#[allow(dead_code)] // used by `build`
fn u32_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Little-endian u32 number `i` of `words`.
fn word_at(words: &[u8], i: usize) -> Option<usize> {
    let at = i.checked_mul(4)?;
    let bytes = words.get(at..at.checked_add(4)?)?;
    let word: [u8; 4] = bytes.try_into().ok()?;
    usize::try_from(u32::from_le_bytes(word)).ok()
}

/// One sorted table of a blob.
#[derive(Clone, Copy)]
pub struct Table<'a> {
    /// The blob's text, checked as UTF-8 an entry at a time (checking all
    /// of it up front would cost more than a whole small scan).
    text: &'a [u8],
    /// `len + 1` little-endian u32 offsets into `text`.
    offsets: &'a [u8],
}

impl<'a> Table<'a> {
    /// Number of entries.
    pub fn len(&self) -> usize {
        (self.offsets.len() / 4).saturating_sub(1)
    }

    fn offset(&self, i: usize) -> Option<usize> {
        word_at(self.offsets, i)
    }

    /// Entry `i`; `None` past the end or in a damaged blob.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        let start = self.offset(i)?;
        let end = self.offset(i.checked_add(1)?)?;
        core::str::from_utf8(self.text.get(start..end)?).ok()
    }

    /// The entry that `cmp` finds equal, by binary search over a table
    /// sorted in the order `cmp` reads.
    pub fn find(&self, cmp: impl FnMut(&'a str) -> core::cmp::Ordering) -> Option<&'a str> {
        self.find_in(0, self.len(), cmp).and_then(|i| self.get(i))
    }

    /// The index in `lo..hi` of the entry that `cmp` finds equal.
    pub fn find_in(
        &self,
        mut lo: usize,
        mut hi: usize,
        mut cmp: impl FnMut(&'a str) -> core::cmp::Ordering,
    ) -> Option<usize> {
        hi = hi.min(self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match cmp(self.get(mid)?) {
                core::cmp::Ordering::Less => lo = mid + 1,
                core::cmp::Ordering::Greater => hi = mid,
                core::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }
}

/// A blob's header and tables, read in place.
#[derive(Clone, Copy)]
pub struct Layout<'a> {
    /// The `#` lines at the top of the index.
    pub header: &'a str,
    /// Module names, sorted.
    pub modules: Table<'a>,
    /// `key<TAB>names`, sorted by key.
    pub aliases: Table<'a>,
    /// Modules with attributes listed, sorted.
    pub owners: Table<'a>,
    /// `attr<TAB>cells`, grouped by owner, sorted by name within each.
    pub attrs: Table<'a>,
    /// `owners + 1` little-endian u32: the first attribute of each owner.
    first: &'a [u8],
}

impl<'a> Layout<'a> {
    /// A layout with no entries.
    pub fn empty() -> Layout<'a> {
        let table = Table {
            text: &[],
            offsets: &[],
        };
        Layout {
            header: "",
            modules: table,
            aliases: table,
            owners: table,
            attrs: table,
            first: &[],
        }
    }

    /// The cells of `module.attr`, if listed.
    pub fn attr(&self, module: &str, attr: &str) -> Option<&'a str> {
        let owner = self
            .owners
            .find_in(0, self.owners.len(), |m| m.cmp(module))?;
        let lo = word_at(self.first, owner)?;
        let hi = word_at(self.first, owner.checked_add(1)?)?;
        let key = |e: &'a str| e.split_once('\t').map_or(e, |(k, _)| k);
        let i = self.attrs.find_in(lo, hi, |e| key(e).cmp(attr))?;
        self.attrs.get(i)?.split_once('\t').map(|(_, cells)| cells)
    }

    /// Reads a blob made by [`build`]; `None` when it is not one.
    pub fn parse(blob: &'a [u8]) -> Option<Layout<'a>> {
        let rest = blob.strip_prefix(MAGIC.as_slice())?;
        let header_len = word_at(rest, 0)?;
        let counts = [
            word_at(rest, 1)?,
            word_at(rest, 2)?,
            word_at(rest, 3)?,
            word_at(rest, 4)?,
            word_at(rest, 3)?, // `first`, one per owner
        ];
        let mut at: usize = 20;
        let mut spans = [(0usize, 0usize); 5];
        for (span, n) in spans.iter_mut().zip(counts) {
            let len = n.checked_add(1)?.checked_mul(4)?;
            *span = (at, at.checked_add(len)?);
            at = span.1;
        }
        let text = rest.get(at..)?;
        let words = |(start, end): (usize, usize)| rest.get(start..end);
        let table = |span| -> Option<Table<'a>> {
            Some(Table {
                text,
                offsets: words(span)?,
            })
        };
        let [modules, aliases, owners, attrs, first] = spans;
        Some(Layout {
            header: core::str::from_utf8(text.get(..header_len)?).ok()?,
            modules: table(modules)?,
            aliases: table(aliases)?,
            owners: table(owners)?,
            attrs: table(attrs)?,
            first: words(first)?,
        })
    }
}
