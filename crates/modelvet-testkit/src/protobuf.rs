//! Protobuf messages in the wire format, field by field (no schema compiler).

/// A message being written. Fields are emitted in the order they are added,
/// as protobuf serializers do when fields are added in field-number order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    bytes: Vec<u8>,
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

impl Message {
    /// An empty message.
    pub fn new() -> Message {
        Message::default()
    }

    fn tag(&mut self, field: u32, wire: u8) {
        varint(&mut self.bytes, (u64::from(field) << 3) | u64::from(wire));
    }

    /// A varint field (int32, int64, uint64, bool, enum).
    pub fn varint(mut self, field: u32, v: u64) -> Message {
        self.tag(field, 0);
        varint(&mut self.bytes, v);
        self
    }

    /// A length-delimited field holding raw bytes.
    pub fn bytes(mut self, field: u32, data: &[u8]) -> Message {
        self.tag(field, 2);
        varint(&mut self.bytes, data.len() as u64);
        self.bytes.extend_from_slice(data);
        self
    }

    /// A string field.
    pub fn string(self, field: u32, s: &str) -> Message {
        self.bytes(field, s.as_bytes())
    }

    /// A sub-message field.
    pub fn message(self, field: u32, m: &Message) -> Message {
        self.bytes(field, &m.bytes)
    }

    /// A fixed32 field (float).
    pub fn fixed32(mut self, field: u32, v: u32) -> Message {
        self.tag(field, 5);
        self.bytes.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// Raw bytes appended as they are (deliberately malformed input).
    pub fn raw(mut self, data: &[u8]) -> Message {
        self.bytes.extend_from_slice(data);
        self
    }

    /// The serialized message.
    pub fn build(&self) -> Vec<u8> {
        self.bytes.clone()
    }

    /// Length of the serialized message.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the message has no fields.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}
