//! Dense storage: the attributes of an object (Attribute Info message) or
//! the links of a group (Link Info message) kept as messages in a fractal
//! heap and indexed by name in a version 2 B-tree. Every record of the name
//! index is read, and each heap object is parsed as the Attribute or Link
//! message it is, exactly as in compact storage.

use super::btree2::{ATTRIBUTE_NAMES, LINK_NAMES};
use super::heap::Heap;
use super::{bad, is_undefined, Attribute, Cur, File, H5Error, Message, MSG_ATTRIBUTE};

/// Name index record of an attribute: heap ID, then message flags (1),
/// creation order (4) and name hash (4).
const ATTRIBUTE_RECORD_TAIL: usize = 9;
/// Name index record of a link: name hash (4), then heap ID.
const LINK_RECORD_HEAD: usize = 4;

impl File<'_> {
    /// The attributes an Attribute Info message keeps in dense storage
    /// (none when the object's attributes are compact).
    pub(super) fn dense_attributes(&mut self, m: &Message) -> Result<Vec<Attribute>, H5Error> {
        let Some((heap, names)) = self.dense_info(m, 2, "attribute info")? else {
            return Ok(Vec::new());
        };
        let mut heap = self.dense_heap(m.at, heap)?;
        let records = self.btree2_records(m.at, names, ATTRIBUTE_NAMES)?;
        let mut kept = 0u64;
        let id_len = records
            .size
            .checked_sub(ATTRIBUTE_RECORD_TAIL)
            .filter(|n| *n > 0)
            .ok_or_else(|| bad(m.at, "attribute name index records are too short"))?;
        let mut out = Vec::new();
        for r in records.iter() {
            let (id, flags) = (r.get(..id_len), r.get(id_len).copied());
            let (Some(id), Some(flags)) = (id, flags) else {
                return Err(bad(m.at, "attribute name index record is truncated"));
            };
            if flags & 0x02 != 0 {
                return Err(H5Error::Unsupported(format!(
                    "a shared attribute message in the dense storage of the object header at byte {} is not read",
                    m.at
                )));
            }
            let (at, data) = self.heap_object(&mut heap, id)?;
            self.keep(&mut kept, &data, at)?;
            out.push(self.attribute(&Message {
                kind: MSG_ATTRIBUTE,
                flags,
                at,
                data,
            })?);
        }
        Ok(out)
    }

    /// The link messages (with where each starts) a Link Info message keeps
    /// in dense storage (none when the group's links are compact).
    pub(super) fn dense_links(&mut self, m: &Message) -> Result<Vec<(u64, Vec<u8>)>, H5Error> {
        let Some((heap, names)) = self.dense_info(m, 8, "link info")? else {
            return Ok(Vec::new());
        };
        let mut heap = self.dense_heap(m.at, heap)?;
        let records = self.btree2_records(m.at, names, LINK_NAMES)?;
        let mut kept = 0u64;
        if records.size <= LINK_RECORD_HEAD {
            return Err(bad(m.at, "link name index records are too short"));
        }
        let mut out = Vec::new();
        for r in records.iter() {
            let id = r
                .get(LINK_RECORD_HEAD..)
                .ok_or_else(|| bad(m.at, "link name index record is truncated"))?;
            let (at, data) = self.heap_object(&mut heap, id)?;
            self.keep(&mut kept, &data, at)?;
            out.push((at, data));
        }
        Ok(out)
    }

    /// The fractal heap of one object's dense storage. Each object has its
    /// own: a heap named twice would have its objects read again and again.
    fn dense_heap(&mut self, at: u64, rel: u64) -> Result<Heap, H5Error> {
        let heap = self.fractal_heap(at, rel)?;
        if !self.dense_heaps.insert(heap.addr) {
            return Err(bad(
                at,
                format!(
                    "the fractal heap at byte {} holds the dense storage of two objects",
                    heap.addr
                ),
            ));
        }
        Ok(heap)
    }

    /// Count an object's heap messages against the bytes kept per object,
    /// as for the messages of its header.
    fn keep(&self, kept: &mut u64, data: &[u8], at: u64) -> Result<(), H5Error> {
        *kept = kept.saturating_add(data.len() as u64);
        if *kept > self.limits.max_hdf5_attribute_bytes {
            return Err(H5Error::Limit(
                crate::LimitId::GraphsMaxHdf5AttributeBytes,
                self.limits.max_hdf5_attribute_bytes,
                format!("in the dense storage messages read up to byte {at}"),
            ));
        }
        Ok(())
    }

    /// The fractal heap and name index addresses (relative) of an Attribute
    /// or Link Info message, or `None` when it names no heap.
    fn dense_info(
        &self,
        m: &Message,
        counter: usize,
        what: &str,
    ) -> Result<Option<(u64, u64)>, H5Error> {
        let mut c = Cur::new(&m.data);
        let short = || bad(m.at, format!("{what} message is truncated"));
        let version = c.u8().ok_or_else(short)?;
        if version != 0 {
            return Err(bad(
                m.at,
                format!("unknown {what} message version {version}"),
            ));
        }
        let flags = c.u8().ok_or_else(short)?;
        if flags & 1 != 0 {
            c.skip(counter).ok_or_else(short)?;
        }
        let o = usize::from(self.sb.offset_size);
        let heap = c.uint(o).ok_or_else(short)?;
        let names = c.uint(o).ok_or_else(short)?;
        if is_undefined(heap, self.sb.offset_size) {
            return Ok(None);
        }
        if is_undefined(names, self.sb.offset_size) {
            return Err(bad(
                m.at,
                format!("{what} message names a fractal heap but no name index"),
            ));
        }
        Ok(Some((heap, names)))
    }
}

#[cfg(test)]
mod tests;
