//! The page's components. They hold no logic of their own: they render
//! [`crate::state::State`] and turn clicks and drops into callbacks.

pub mod app;
pub mod drop_zone;
pub mod file_row;
pub mod findings;
pub mod limits;
pub mod summary;

/// `1536` → `1.5 KiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    match (unit, UNITS.get(unit)) {
        (0, _) => format!("{bytes} B"),
        (_, Some(u)) => format!("{value:.1} {u}"),
        (_, None) => format!("{bytes} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::human_size;

    #[test]
    fn sizes() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(512 * 1024 * 1024), "512.0 MiB");
    }
}
