//! The parts of the `modelvet` command line that other code exercises on its
//! own: the walk over the paths it is given (fuzzed in `fuzz/`).

pub mod files;
