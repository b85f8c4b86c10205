//! How the reference unpickler turns `(module, name)` into an object:
//! `Unpickler.find_class` in CPython's `Lib/pickle.py` and `Modules/_pickle.c`.

use super::compat::{IMPORT_MAPPING, NAME_MAPPING};

/// The dotted name the loader resolves for `(module, name)` at protocol `proto`.
///
/// For protocols below 3 (`fix_imports`), Python 2 names are mapped to their
/// Python 3 homes first (`__builtin__.eval` is `builtins.eval`, `commands` is
/// `subprocess`). `name` may be a dotted attribute path: the loader walks it
/// attribute by attribute (protocol 4+; newer Pythons for every protocol), so
/// `('torch', 'os.system')` is `os.system` reached through `torch.os`. The
/// result keeps the whole path; classification looks at every suffix.
pub fn resolve(module: &str, name: &str, proto: u8) -> String {
    let (module, name) = if proto < 3 {
        compat(module, name)
    } else {
        (module, name)
    };
    format!("{module}.{name}")
}

fn compat<'a>(module: &'a str, name: &'a str) -> (&'a str, &'a str) {
    if let Some((_, (m, n))) = NAME_MAPPING
        .iter()
        .find(|((m, n), _)| *m == module && *n == name)
    {
        return (m, n);
    }
    if let Some((_, m)) = IMPORT_MAPPING.iter().find(|(m, _)| *m == module) {
        return (m, name);
    }
    (module, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python2_names_map_below_protocol_3() {
        assert_eq!(resolve("__builtin__", "eval", 0), "builtins.eval");
        assert_eq!(resolve("__builtin__", "xrange", 2), "builtins.range");
        assert_eq!(resolve("commands", "getoutput", 2), "subprocess.getoutput");
        assert_eq!(resolve("__builtin__", "eval", 3), "__builtin__.eval");
        assert_eq!(resolve("torch", "os.system", 4), "torch.os.system");
    }
}
