use super::*;
use std::io::{Read, Seek, SeekFrom};

#[test]
fn window_clamps_and_offsets() {
    let data: Vec<u8> = (0..100).collect();
    let mut src = SliceSource::new(&data);
    let mut w = Window::new(&mut src, 90, 50);
    assert_eq!(w.len(), 10);
    let got = read_window(&mut w, 5, 100).unwrap();
    assert_eq!(got, vec![95, 96, 97, 98, 99]);
    assert!(read_window(&mut w, 11, 3).unwrap().is_empty());
}

#[test]
fn reader_reads_across_chunks_and_seeks() {
    let data: Vec<u8> = (0..=255)
        .cycle()
        .take(10_000)
        .map(|b: i32| b as u8)
        .collect();
    let mut src = SliceSource::new(&data);
    let mut r = SourceReader::with_chunk(&mut src, 7);
    let mut all = Vec::new();
    r.read_to_end(&mut all).unwrap();
    assert_eq!(all, data);
    r.seek(SeekFrom::End(-3)).unwrap();
    let mut tail = Vec::new();
    r.read_to_end(&mut tail).unwrap();
    assert_eq!(tail, data[data.len() - 3..]);
    assert!(r.seek(SeekFrom::Current(-20_000)).is_err());
}

/// A source that holds its bytes in memory but does not say so: reads
/// through it take the copying path.
struct Opaque<'a>(SliceSource<'a>);

impl ByteSource for Opaque<'_> {
    fn len(&self) -> u64 {
        self.0.len()
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, ReadError> {
        self.0.read_at(offset, buf)
    }
}

#[test]
fn windows_of_memory_borrow_the_same_bytes_they_read() {
    let data: Vec<u8> = (0..100).collect();
    let mut src = SliceSource::new(&data);
    let mut outer = Window::new(&mut src, 10, 80);
    let mut inner = Window::new(&mut outer, 70, 50);
    assert_eq!(inner.bytes(), Some(&data[80..90]));
    assert_eq!(borrow_window(&inner, 5, 100), Some(&data[85..90]));
    assert_eq!(borrow_window(&inner, 50, 1), Some(&[][..]));
    assert_eq!(read_window(&mut inner, 3, 4).unwrap(), data[83..87]);
    let mut opaque = Opaque(SliceSource::new(&data));
    assert_eq!(opaque.bytes(), None);
    let w = Window::new(&mut opaque, 1, 2);
    assert_eq!(w.bytes(), None);
}

#[test]
fn reader_gives_the_same_bytes_from_memory_and_through_reads() {
    let data: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 251) as u8).collect();
    for chunk in [1, 7, 4096, 1 << 20] {
        let mut memory = SliceSource::new(&data);
        let mut opaque = Opaque(SliceSource::new(&data));
        for src in [&mut memory as &mut dyn ByteSource, &mut opaque] {
            let mut r = SourceReader::with_chunk(src, chunk);
            r.seek(SeekFrom::Start(13)).unwrap();
            let mut small = [0u8; 5];
            r.read_exact(&mut small).unwrap();
            assert_eq!(small, data[13..18]);
            let mut rest = Vec::new();
            r.read_to_end(&mut rest).unwrap();
            assert_eq!(rest, data[18..], "chunk {chunk}");
        }
    }
}
