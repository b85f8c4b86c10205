//! Zip archives: stored and deflate members, zip64, and the quirks attackers
//! use (each quirk method says what a real writer would never do).

/// How a member is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Method 0.
    Stored,
    /// Method 8 (raw deflate).
    Deflate,
}

/// One member being built.
#[derive(Debug, Clone)]
pub struct Member {
    name: String,
    data: Vec<u8>,
    method: Method,
    local_name: Option<String>,
    flags: u16,
    local_flags: Option<u16>,
    crc: Option<u32>,
    declared_size: Option<u64>,
    method_number: Option<u16>,
    alias_of_previous: bool,
}

impl Member {
    /// Record compression method `n` (the data is still written as `method` says).
    pub fn method_number(mut self, n: u16) -> Member {
        self.method_number = Some(n);
        self
    }
    /// Write a different name in the local header (writers never do).
    pub fn local_name(mut self, name: &str) -> Member {
        self.local_name = Some(name.to_owned());
        self
    }
    /// Set general-purpose flag bits in both headers.
    pub fn flags(mut self, flags: u16) -> Member {
        self.flags = flags;
        self
    }
    /// Set different flag bits in the local header only.
    pub fn local_flags(mut self, flags: u16) -> Member {
        self.local_flags = Some(flags);
        self
    }
    /// Record a wrong CRC-32 (in both headers).
    pub fn crc(mut self, crc: u32) -> Member {
        self.crc = Some(crc);
        self
    }
    /// Declare a different uncompressed size (in both headers).
    pub fn declared_size(mut self, size: u64) -> Member {
        self.declared_size = Some(size);
        self
    }
}

/// Builds a zip archive byte for byte.
#[derive(Debug, Clone, Default)]
pub struct ZipBuilder {
    members: Vec<Member>,
    prefix: Vec<u8>,
    shift_offsets: bool,
    trailing: Vec<u8>,
    comment: Vec<u8>,
    zip64: bool,
}

impl ZipBuilder {
    /// An empty archive.
    pub fn new() -> ZipBuilder {
        ZipBuilder::default()
    }

    /// Add a stored member.
    pub fn stored(self, name: &str, data: &[u8]) -> ZipBuilder {
        self.member(name, data, Method::Stored, |m| m)
    }

    /// Add a deflated member.
    pub fn deflated(self, name: &str, data: &[u8]) -> ZipBuilder {
        self.member(name, data, Method::Deflate, |m| m)
    }

    /// Add a member and adjust it (quirks) with `f`.
    pub fn member(
        mut self,
        name: &str,
        data: &[u8],
        method: Method,
        f: impl FnOnce(Member) -> Member,
    ) -> ZipBuilder {
        self.members.push(f(Member {
            name: name.to_owned(),
            data: data.to_vec(),
            method,
            local_name: None,
            flags: 0,
            local_flags: None,
            crc: None,
            declared_size: None,
            method_number: None,
            alias_of_previous: false,
        }));
        self
    }

    /// Add a central-directory record named `name` that points at the
    /// previous member's local header: two names, one set of bytes
    /// (overlapping entries; no writer does this).
    pub fn alias(mut self, name: &str) -> ZipBuilder {
        let Some(prev) = self.members.last() else {
            return self;
        };
        // The bytes stay with the first member (an alias writes none); only
        // their size and CRC are recorded.
        let alias = Member {
            name: name.to_owned(),
            data: Vec::new(),
            method: prev.method,
            local_name: prev.local_name.clone(),
            flags: prev.flags,
            local_flags: prev.local_flags,
            crc: Some(prev.crc.unwrap_or_else(|| crc32fast::hash(&prev.data))),
            declared_size: Some(prev.declared_size.unwrap_or(prev.data.len() as u64)),
            method_number: prev.method_number,
            alias_of_previous: true,
        };
        self.members.push(alias);
        self
    }

    /// Put `bytes` before the archive, with offsets counted from the start of
    /// the file (as `zip -A` fixes them).
    pub fn prefix(mut self, bytes: &[u8]) -> ZipBuilder {
        self.prefix = bytes.to_vec();
        self
    }

    /// Put `bytes` before the archive, leaving offsets relative to the zip
    /// (plain `cat prefix a.zip`).
    pub fn prefix_unshifted(mut self, bytes: &[u8]) -> ZipBuilder {
        self.prefix = bytes.to_vec();
        self.shift_offsets = true;
        self
    }

    /// Append `bytes` after the end record.
    pub fn trailing(mut self, bytes: &[u8]) -> ZipBuilder {
        self.trailing = bytes.to_vec();
        self
    }

    /// Archive comment.
    pub fn comment(mut self, bytes: &[u8]) -> ZipBuilder {
        self.comment = bytes.to_vec();
        self
    }

    /// Write zip64 records (sizes and offsets in the zip64 extra field).
    pub fn zip64(mut self) -> ZipBuilder {
        self.zip64 = true;
        self
    }

    /// The archive's bytes.
    pub fn build(&self) -> Vec<u8> {
        let mut out = self.prefix.clone();
        let base = if self.shift_offsets { out.len() } else { 0 };
        let mut central = Vec::new();
        let mut last_offset = 0u64;
        let mut last_packed: Option<std::rc::Rc<Vec<u8>>> = None;
        for m in &self.members {
            let offset = if m.alias_of_previous {
                last_offset
            } else {
                (out.len() - base) as u64
            };
            last_offset = offset;
            // An alias shares the previous member's bytes: compress them once.
            let packed = match (m.alias_of_previous, &last_packed, m.method) {
                (true, Some(p), _) => std::rc::Rc::clone(p),
                (_, _, Method::Stored) => std::rc::Rc::new(m.data.clone()),
                (_, _, Method::Deflate) => {
                    std::rc::Rc::new(miniz_oxide::deflate::compress_to_vec(&m.data, 6))
                }
            };
            last_packed = Some(std::rc::Rc::clone(&packed));
            let method: u16 = m.method_number.unwrap_or(match m.method {
                Method::Stored => 0,
                Method::Deflate => 8,
            });
            let crc = m.crc.unwrap_or_else(|| crc32fast::hash(&m.data));
            let size = m.declared_size.unwrap_or(m.data.len() as u64);
            let csize = packed.len() as u64;
            let local_name = m.local_name.as_deref().unwrap_or(&m.name);
            let (s32, c32, o32) = if self.zip64 {
                (u32::MAX, u32::MAX, u32::MAX)
            } else {
                (size as u32, csize as u32, offset as u32)
            };
            // Local header (aliases share the previous one).
            let mut local = Vec::new();
            let out_real = &mut out;
            let out = &mut local;
            out.extend_from_slice(b"PK\x03\x04");
            out.extend_from_slice(&(if self.zip64 { 45u16 } else { 20 }).to_le_bytes());
            out.extend_from_slice(&m.local_flags.unwrap_or(m.flags).to_le_bytes());
            out.extend_from_slice(&method.to_le_bytes());
            out.extend_from_slice(&[0, 0, 0x21, 0]); // time, date (1980-01-01)
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&c32.to_le_bytes());
            out.extend_from_slice(&s32.to_le_bytes());
            out.extend_from_slice(&(local_name.len() as u16).to_le_bytes());
            let local_extra: Vec<u8> = if self.zip64 {
                let mut x = vec![1, 0, 16, 0];
                x.extend_from_slice(&size.to_le_bytes());
                x.extend_from_slice(&csize.to_le_bytes());
                x
            } else {
                Vec::new()
            };
            out.extend_from_slice(&(local_extra.len() as u16).to_le_bytes());
            out.extend_from_slice(local_name.as_bytes());
            out.extend_from_slice(&local_extra);
            out.extend_from_slice(&packed);
            if !m.alias_of_previous {
                out_real.extend_from_slice(&local);
            }
            // Central record.
            central.extend_from_slice(b"PK\x01\x02");
            central.extend_from_slice(&(if self.zip64 { 45u16 } else { 20 }).to_le_bytes());
            central.extend_from_slice(&(if self.zip64 { 45u16 } else { 20 }).to_le_bytes());
            central.extend_from_slice(&m.flags.to_le_bytes());
            central.extend_from_slice(&method.to_le_bytes());
            central.extend_from_slice(&[0, 0, 0x21, 0]);
            central.extend_from_slice(&crc.to_le_bytes());
            central.extend_from_slice(&c32.to_le_bytes());
            central.extend_from_slice(&s32.to_le_bytes());
            central.extend_from_slice(&(m.name.len() as u16).to_le_bytes());
            let extra: Vec<u8> = if self.zip64 {
                let mut x = vec![1, 0, 24, 0];
                x.extend_from_slice(&size.to_le_bytes());
                x.extend_from_slice(&csize.to_le_bytes());
                x.extend_from_slice(&offset.to_le_bytes());
                x
            } else {
                Vec::new()
            };
            central.extend_from_slice(&(extra.len() as u16).to_le_bytes());
            central.extend_from_slice(&[0; 10]); // comment length, disk, attributes
            central.extend_from_slice(&o32.to_le_bytes());
            central.extend_from_slice(m.name.as_bytes());
            central.extend_from_slice(&extra);
        }
        let cd_offset = (out.len() - base) as u64;
        let cd_size = central.len() as u64;
        out.extend_from_slice(&central);
        let n = self.members.len() as u64;
        if self.zip64 {
            let z_offset = (out.len() - base) as u64;
            out.extend_from_slice(b"PK\x06\x06");
            out.extend_from_slice(&44u64.to_le_bytes());
            out.extend_from_slice(&[45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&cd_size.to_le_bytes());
            out.extend_from_slice(&cd_offset.to_le_bytes());
            out.extend_from_slice(b"PK\x06\x07");
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&z_offset.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
        }
        out.extend_from_slice(b"PK\x05\x06");
        out.extend_from_slice(&[0, 0, 0, 0]);
        let (n16, s32, o32) = if self.zip64 {
            (u16::MAX, u32::MAX, u32::MAX)
        } else {
            (n as u16, cd_size as u32, cd_offset as u32)
        };
        out.extend_from_slice(&n16.to_le_bytes());
        out.extend_from_slice(&n16.to_le_bytes());
        out.extend_from_slice(&s32.to_le_bytes());
        out.extend_from_slice(&o32.to_le_bytes());
        out.extend_from_slice(&(self.comment.len() as u16).to_le_bytes());
        out.extend_from_slice(&self.comment);
        out.extend_from_slice(&self.trailing);
        out
    }
}
