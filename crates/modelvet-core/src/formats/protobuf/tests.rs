use super::*;
use crate::source::SliceSource;

fn fields(bytes: &[u8]) -> Result<Vec<Field>, WireError> {
    let mut src = SliceSource::new(bytes);
    let mut r = Reader::new(&mut src);
    let end = r.whole().end;
    let mut cursor = 0;
    let mut out = Vec::new();
    while let Some(f) = r.next_field(&mut cursor, end)? {
        out.push(f);
    }
    Ok(out)
}

#[test]
fn reads_every_wire_type() {
    // 1: varint 300, 2: "hi", 3: fixed32 7, 4: fixed64 9
    let bytes = [
        0x08, 0xac, 0x02, 0x12, 2, b'h', b'i', 0x1d, 7, 0, 0, 0, 0x21, 9, 0, 0, 0, 0, 0, 0, 0,
    ];
    let got = fields(&bytes).unwrap();
    assert_eq!(got.len(), 4);
    assert_eq!(got[0].varint(), Some(300));
    assert_eq!(got[1].span(), Some(Span { start: 5, end: 7 }));
    assert_eq!(got[2].value, Value::Fixed32(7));
    assert_eq!(got[3].value, Value::Fixed64(9));
}

/// protobuf keeps the low 64 bits of a ten-byte varint whatever its last
/// byte holds below 0x80. Expected values printed by Python protobuf 7.36.2
/// (upb) parsing `UInt64Value` from `08 ff*9 <last>`: 0x01 and 0x7f give
/// 18446744073709551615, 0x02 gives 9223372036854775807, and 0x80 (an
/// eleventh byte) is "Wire format was corrupt".
#[test]
fn ten_byte_varints_keep_their_low_64_bits() {
    for (last, expected) in [(0x01u8, u64::MAX), (0x02, u64::MAX >> 1), (0x7f, u64::MAX)] {
        let mut bytes = vec![0x08];
        bytes.extend([0xff; 9]);
        bytes.push(last);
        let got = fields(&bytes).unwrap();
        assert_eq!(got[0].varint(), Some(expected), "{last:#x}");
    }
    let mut eleven = vec![0x08];
    eleven.extend([0xff; 9]);
    eleven.extend([0x80, 0x00]);
    assert!(fields(&eleven).is_err());
}

#[test]
fn groups_are_skipped_as_protobuf_skips_them() {
    // 1: group { 2: varint 5, 3: group { 4: "x" } }, then 5: varint 1.
    let bytes = [
        0x0b, 0x10, 0x05, 0x1b, 0x22, 1, b'x', 0x1c, 0x0c, 0x28, 0x01,
    ];
    let got = fields(&bytes).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].value, Value::Group(Span { start: 1, end: 8 }));
    assert_eq!(got[1].varint(), Some(1));
}

#[test]
fn rejects_malformed_input() {
    // Length past the end.
    assert!(matches!(
        fields(&[0x12, 5, b'a']),
        Err(WireError::Malformed { .. })
    ));
    // Truncated varint.
    assert!(matches!(
        fields(&[0x08, 0x80]),
        Err(WireError::Malformed { .. })
    ));
    // A group that never ends, an end tag without a group, mismatched ends.
    assert!(matches!(fields(&[0x0b]), Err(WireError::Malformed { .. })));
    assert!(matches!(fields(&[0x0c]), Err(WireError::Malformed { .. })));
    assert!(matches!(
        fields(&[0x0b, 0x13, 0x1c, 0x0c]),
        Err(WireError::Malformed { .. })
    ));
    // Groups nested deeper than protobuf accepts.
    let deep: Vec<u8> = std::iter::repeat_n(0x0b, MAX_GROUP_DEPTH + 1)
        .chain(std::iter::repeat_n(0x0c, MAX_GROUP_DEPTH + 1))
        .collect();
    assert!(matches!(fields(&deep), Err(WireError::Malformed { .. })));
    // Field number zero.
    assert!(matches!(
        fields(&[0x00, 0x01]),
        Err(WireError::Malformed { .. })
    ));
    // Eleven-byte varint.
    assert!(matches!(
        fields(&[0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
        Err(WireError::Malformed { .. })
    ));
}

#[test]
fn prefix_walk_tolerates_a_cut_window() {
    let mut seen = Vec::new();
    walk_prefix(&[0x08, 0x07, 0x3a, 0x10, 1, 2], |n, v| {
        seen.push((n, v.wire_type()));
        true
    })
    .unwrap();
    assert_eq!(seen, vec![(1, 0), (7, 2)]);
    assert!(walk_prefix(&[0x0f], |_, _| true).is_err());
}
