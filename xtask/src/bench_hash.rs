//! `cargo xtask bench hash`.

use std::path::Path;

pub fn run(_root: &Path, _args: &[&str]) -> anyhow::Result<()> {
    anyhow::bail!("not yet")
}
