//! Builds the lookup layout of the canonical name index
//! (`data/pynames.txt.xz`, see `src/formats/pynames.rs`) at compile time, so
//! that a native process reads it in place instead of decoding and sorting
//! 7.6 MB of text on first use. wasm32 builds the same layout at run time
//! from the xz, which downloads smaller.

// The core is sans-I/O (clippy.toml disallows file and environment access);
// its build script runs at compile time, on the developer's machine, and
// reads the committed index and cargo's environment by design.
#![allow(clippy::disallowed_methods)]

use std::io::Read;
use std::path::PathBuf;

#[allow(dead_code)]
mod layout {
    include!("src/formats/pynames/layout.rs");
}

const INDEX: &str = "data/pynames.txt.xz";

fn main() {
    println!("cargo::rerun-if-changed={INDEX}");
    println!("cargo::rerun-if-changed=src/formats/pynames/layout.rs");
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        return;
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let file = std::fs::File::open(INDEX).expect("the committed name index is readable");
    let mut text = String::new();
    lzma_rust2::XzReader::new(std::io::BufReader::new(file), true)
        .read_to_string(&mut text)
        .expect("the committed name index is valid xz and UTF-8");
    std::fs::write(out.join("pynames.bin"), layout::build(&text)).expect("OUT_DIR is writable");
}
