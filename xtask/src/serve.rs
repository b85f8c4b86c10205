//! `cargo xtask serve`: the web app on localhost with live reload.

use crate::{cmd, setup};
use anyhow::bail;
use std::path::Path;
use std::process::Command;

pub fn run(root: &Path, port: u16) -> anyhow::Result<()> {
    setup::ensure_all(root)?;
    if !root.join("index.html").is_file() {
        bail!(
            "no index.html in {}: the Trunk entry point of the web app is missing",
            root.display()
        );
    }
    eprintln!("serve: http://127.0.0.1:{port}/");
    cmd::run(
        Command::new("trunk")
            .args([
                "serve",
                "--port",
                &port.to_string(),
                "--address",
                "127.0.0.1",
            ])
            .current_dir(root),
    )
}
