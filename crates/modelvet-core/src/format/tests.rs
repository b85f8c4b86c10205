use super::*;

#[test]
fn names_are_serde_names() {
    crate::names::assert_match_serde::<Format>();
    assert_eq!(Format::MachO.as_str(), "mach-o");
    assert_eq!(Format::TfSavedModel.as_str(), "tf-saved-model");
}

fn sniff_bytes(head: &[u8], path: &str) -> Format {
    sniff(&Sniff {
        head,
        tail: head,
        len: head.len() as u64,
        path,
    })
}

#[test]
fn magic_numbers() {
    assert_eq!(sniff_bytes(b"GGUF\x03\x00\x00\x00", "x"), Format::Gguf);
    assert_eq!(sniff_bytes(b"\x93NUMPY\x01\x00", "x"), Format::Npy);
    assert_eq!(sniff_bytes(b"\x7fELF\x02\x01", "model.bin"), Format::Elf);
    assert_eq!(sniff_bytes(b"", "x"), Format::Empty);
    assert_eq!(sniff_bytes(b"\x00\x01\x02\xff\xfe", "x"), Format::Unknown);
}

#[test]
fn extensions() {
    assert_eq!(extension("a/b/model.SafeTensors"), "safetensors");
    assert_eq!(extension(".bashrc"), "");
    assert_eq!(extension("dir.d/file"), "");
    assert_eq!(file_name("a\\b/c.pt"), "c.pt");
}
