//! Placeholder until the generated index lands.
/// A canonical target.
pub struct Target {
    /// The canonical dotted name.
    pub canonical: String,
    /// Human steps.
    pub chain: Vec<String>,
}
/// Resolve.
pub fn resolve_dotted(_path: &str) -> Vec<Target> {
    Vec::new()
}
