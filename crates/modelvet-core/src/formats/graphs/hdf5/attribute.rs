//! Attribute messages: datatype, dataspace and value, with variable-length
//! strings fetched from global heap collections.

use super::{bad, is_undefined, AttrValue, Attribute, Cur, File, H5Error, Message};
use crate::formats::graphs::GraphLimits;

impl File<'_> {
    pub(super) fn attribute(&mut self, m: &Message) -> Result<Attribute, H5Error> {
        let mut c = Cur::new(&m.data);
        let at = m.at;
        let short = || bad(at, "attribute message is truncated");
        let version = c.u8().ok_or_else(short)?;
        let flags = c.u8().ok_or_else(short)?;
        let name_size = usize::from(c.u16().ok_or_else(short)?);
        let dt_size = usize::from(c.u16().ok_or_else(short)?);
        let ds_size = usize::from(c.u16().ok_or_else(short)?);
        if version == 3 {
            c.skip(1).ok_or_else(short)?;
        }
        if !(1..=3).contains(&version) {
            return Err(bad(
                at,
                format!("unknown attribute message version {version}"),
            ));
        }
        if flags & 0x03 != 0 {
            return Err(H5Error::Unsupported(format!(
                "attribute at byte {at} uses a shared datatype or dataspace, which is not read"
            )));
        }
        let pad = |n: usize| if version == 1 { n.div_ceil(8) * 8 } else { n };
        let name = c.take(pad(name_size)).ok_or_else(short)?;
        let name = name.get(..name_size).unwrap_or(name);
        let name = String::from_utf8_lossy(name)
            .trim_end_matches('\0')
            .to_owned();
        let dt = c.take(pad(dt_size)).ok_or_else(short)?;
        let ds = c.take(pad(ds_size)).ok_or_else(short)?;
        let datatype = datatype(dt, at)?;
        let elements = dataspace_elements(ds, self.sb.length_size, at)?;
        let value = match datatype {
            Datatype::Fixed(size) => {
                let total = checked_total(elements, size, at, &self.limits)?;
                let data = c
                    .take(total)
                    .ok_or_else(|| bad(at, "attribute data runs past its message"))?;
                let strings = data
                    .chunks(size.max(1))
                    .map(|s| {
                        let end = s.iter().position(|b| *b == 0).unwrap_or(s.len());
                        String::from_utf8_lossy(s.get(..end).unwrap_or(s))
                            .trim_end()
                            .to_owned()
                    })
                    .collect();
                AttrValue::Strings(strings)
            }
            Datatype::VarString => {
                let elem = 4 + usize::from(self.sb.offset_size) + 4;
                let total = checked_total(elements, elem, at, &self.limits)?;
                let data = c
                    .take(total)
                    .ok_or_else(|| bad(at, "attribute data runs past its message"))?
                    .to_vec();
                let mut strings = Vec::new();
                for chunk in data.chunks(elem) {
                    let mut e = Cur::new(chunk);
                    let len = e.u32().ok_or_else(short)?;
                    let coll = e.uint(usize::from(self.sb.offset_size)).ok_or_else(short)?;
                    let index = e.u32().ok_or_else(short)?;
                    strings.push(self.heap_string(at, coll, index, len)?);
                }
                AttrValue::Strings(strings)
            }
            Datatype::Other(class) => AttrValue::Other(class),
        };
        Ok(Attribute { name, value })
    }

    /// Object `index` of the global heap collection at `coll` (relative).
    fn heap_string(&mut self, at: u64, coll: u64, index: u32, len: u32) -> Result<String, H5Error> {
        if len == 0 || is_undefined(coll, self.sb.offset_size) {
            return Ok(String::new());
        }
        let addr = self.address(at, coll)?;
        if !self.heaps.contains_key(&addr) {
            let l = usize::from(self.sb.length_size);
            let head = self.window(addr, 8 + l as u64, "global heap collection")?;
            let mut c = Cur::new(&head);
            if c.take(4) != Some(b"GCOL".as_slice()) {
                return Err(bad(addr, "global heap collection lacks its GCOL signature"));
            }
            c.skip(4);
            let size = c
                .uint(l)
                .ok_or_else(|| bad(addr, "global heap header is truncated"))?;
            let total: u64 = self.heaps.values().map(|h| h.len() as u64).sum();
            if total.saturating_add(size) > self.limits.max_hdf5_attribute_bytes {
                return Err(H5Error::Limit(
                    crate::LimitId::GraphsMaxHdf5AttributeBytes,
                    self.limits.max_hdf5_attribute_bytes,
                    format!("reading the global heap collection at byte {addr}"),
                ));
            }
            let heap = self.window(addr, size, "global heap collection")?;
            self.heaps.insert(addr, heap);
        }
        let l = usize::from(self.sb.length_size);
        let heap = self.heaps.get(&addr).map(Vec::as_slice).unwrap_or_default();
        let mut c = Cur::new(heap);
        c.skip(8 + l);
        while let Some(i) = c.u16() {
            let (Some(_), Some(_), Some(size)) = (c.u16(), c.u32(), c.uint(l)) else {
                break;
            };
            if i == 0 {
                break;
            }
            let size = usize::try_from(size).unwrap_or(usize::MAX);
            let Some(data) = c.take(size) else { break };
            if u32::from(i) == index {
                let want = usize::try_from(len).unwrap_or(usize::MAX).min(data.len());
                return Ok(String::from_utf8_lossy(data.get(..want).unwrap_or(data)).into_owned());
            }
            c.align(8);
        }
        Err(bad(addr, format!("global heap object {index} not found")))
    }
}

fn checked_total(
    elements: u64,
    size: usize,
    at: u64,
    limits: &GraphLimits,
) -> Result<usize, H5Error> {
    let total = elements
        .checked_mul(size as u64)
        .ok_or_else(|| bad(at, "attribute size overflows"))?;
    if total > limits.max_hdf5_attribute_bytes {
        return Err(H5Error::Limit(
            crate::LimitId::GraphsMaxHdf5AttributeBytes,
            limits.max_hdf5_attribute_bytes,
            format!("in the attribute at byte {at}"),
        ));
    }
    usize::try_from(total).map_err(|_| bad(at, "attribute too large"))
}

enum Datatype {
    Fixed(usize),
    VarString,
    Other(u8),
}

fn datatype(dt: &[u8], at: u64) -> Result<Datatype, H5Error> {
    let mut c = Cur::new(dt);
    let short = || bad(at, "datatype is truncated");
    let class = c.u8().ok_or_else(short)? & 0x0f;
    let bits = c.u8().ok_or_else(short)?;
    c.skip(2).ok_or_else(short)?;
    let size = c.u32().ok_or_else(short)?;
    Ok(match class {
        3 => Datatype::Fixed(usize::try_from(size).unwrap_or(usize::MAX)),
        9 if bits & 0x0f == 1 => Datatype::VarString,
        other => Datatype::Other(other),
    })
}

fn dataspace_elements(ds: &[u8], length_size: u8, at: u64) -> Result<u64, H5Error> {
    let mut c = Cur::new(ds);
    let short = || bad(at, "dataspace is truncated");
    let version = c.u8().ok_or_else(short)?;
    let rank = c.u8().ok_or_else(short)?;
    let _flags = c.u8().ok_or_else(short)?;
    match version {
        1 => {
            c.skip(5).ok_or_else(short)?;
        }
        2 => {
            let kind = c.u8().ok_or_else(short)?;
            if kind == 2 {
                return Ok(0);
            }
        }
        v => return Err(bad(at, format!("unknown dataspace version {v}"))),
    }
    let mut n = 1u64;
    for _ in 0..rank {
        let d = c.uint(usize::from(length_size)).ok_or_else(short)?;
        n = n
            .checked_mul(d)
            .ok_or_else(|| bad(at, "dataspace size overflows"))?;
    }
    Ok(n)
}
