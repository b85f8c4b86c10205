//! `cargo xtask bench scan`.

use std::path::Path;

pub fn run(_root: &Path) -> anyhow::Result<()> {
    anyhow::bail!("bench scan is not available in this build")
}
