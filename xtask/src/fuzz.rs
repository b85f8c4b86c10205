//! Building the fuzz targets (a separate workspace that needs nightly).

use crate::cmd;
use anyhow::bail;
use std::path::Path;
use std::process::Command;

/// Why the fuzz targets cannot be built here, or `None` if they can.
pub fn unavailable() -> Option<String> {
    if cmd::stdout_of("cargo", ["+nightly", "--version"]).is_none() {
        return Some(
            "no nightly toolchain; install with `rustup toolchain install nightly`".into(),
        );
    }
    if cmd::stdout_of("cargo", ["+nightly", "fuzz", "--version"]).is_none() {
        return Some("cargo-fuzz not found; install with `cargo install cargo-fuzz`".into());
    }
    None
}

/// `cargo xtask fuzz-build`.
pub fn build(root: &Path) -> anyhow::Result<()> {
    if let Some(why) = unavailable() {
        bail!("cannot build the fuzz targets: {why}");
    }
    // The rustup proxy picks the toolchain from `+nightly`; a `CARGO` set by
    // the outer stable cargo would override it, so call `cargo` from PATH.
    cmd::run(
        Command::new("cargo")
            .args(["+nightly", "fuzz", "build"])
            .env_remove("CARGO")
            .env_remove("RUSTC")
            .env_remove("RUSTUP_TOOLCHAIN")
            .current_dir(root.join("fuzz")),
    )
}
