//! The resolver on the committed index (`data/pynames.txt.xz`, made by
//! `scripts/gen-pynames.py` from the installed CPython standard libraries
//! and PyPI packages listed in its header). Every expected target below is
//! what those real modules hold.

use super::*;

fn canonicals(targets: &[Target]) -> Vec<&str> {
    let mut out: Vec<&str> = targets.iter().map(|t| t.canonical.as_str()).collect();
    out.sort_unstable();
    out
}

fn only(targets: &[Target]) -> &Target {
    assert_eq!(targets.len(), 1, "{targets:#?}");
    &targets[0]
}

#[test]
fn the_index_inflates_and_lists_its_versions() {
    let header = sources();
    for v in ["3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0"] {
        assert!(
            header.contains(&format!("# source: CPython {v} standard library")),
            "{v} missing from {header}"
        );
    }
    for pin in ["numpy==1.26.4", "numpy==2.5.5", "scikit-learn==", "torch=="] {
        assert!(header.contains(pin), "{pin} missing from {header}");
    }
    assert!(header.lines().all(|l| l.starts_with('#')), "{header}");
    let layout = index().layout;
    assert!(
        layout.modules.len() > 1_000,
        "{} modules",
        layout.modules.len()
    );
    assert!(
        layout.attrs.len() > 1_000,
        "{} attributes",
        layout.attrs.len()
    );
}

#[test]
fn a_module_imported_as_underscore_os_reaches_posix_system() {
    // Lib/tempfile.py: `import os as _os`.
    let targets = resolve("tempfile", "_os.system");
    let t = only(&targets);
    assert_eq!(t.canonical, "posix.system");
    assert_eq!(t.kind, Kind::Function);
    assert_eq!(t.kind.name(), "function");
    assert_eq!(
        t.chain,
        [
            "`tempfile._os` is the module `os`",
            "`os.system` is `posix.system`"
        ]
    );
    // Lib/shutil.py: `import os`; the dotted spelling reads the same.
    assert_eq!(
        canonicals(&resolve("shutil", "os.system")),
        ["posix.system"]
    );
    assert_eq!(
        canonicals(&resolve_dotted("shutil.os.system")),
        ["posix.system"]
    );
    assert_eq!(canonicals(&resolve("os", "system")), ["posix.system"]);
}

#[test]
fn os_path_is_posixpath_as_a_module_and_as_an_attribute() {
    let by_key = resolve("os.path", "join");
    let t = only(&by_key);
    assert_eq!(t.canonical, "posixpath.join");
    assert_eq!(t.chain, ["`os.path` is the module `posixpath`"]);
    let by_attr = resolve("os", "path.join");
    assert_eq!(only(&by_attr).canonical, "posixpath.join");
    assert_eq!(
        canonicals(&resolve_dotted("os.path.join")),
        ["posixpath.join"]
    );
    let module = resolve_dotted("os.path");
    assert_eq!(only(&module).canonical, "posixpath");
    assert_eq!(only(&module).kind, Kind::Module);
}

#[test]
fn io_open_is_io_open_up_to_3_12_and_underscore_io_open_in_3_13() {
    // `io.open.__module__` is "io" in 3.9 and "_io" in 3.13.
    let targets = resolve("io", "open");
    assert_eq!(canonicals(&targets), ["_io.open", "io.open"]);
    assert!(
        targets.iter().all(|t| t.kind == Kind::Function),
        "{targets:#?}"
    );
    // `builtins.open` is the same object.
    assert!(canonicals(&resolve("builtins", "open")).contains(&"_io.open"));
}

#[test]
fn pathlib_classes_moved_to_pathlib_local_in_3_13() {
    let targets = resolve("pathlib", "PosixPath");
    assert_eq!(
        canonicals(&targets),
        ["pathlib.PosixPath", "pathlib._local.PosixPath"]
    );
    assert!(
        targets.iter().all(|t| t.kind == Kind::Class),
        "{targets:#?}"
    );
    // The rest of a dotted name follows the class.
    assert_eq!(
        canonicals(&resolve("pathlib", "PosixPath.write_text")),
        [
            "pathlib.PosixPath.write_text",
            "pathlib._local.PosixPath.write_text"
        ]
    );
}

#[test]
fn canonical_names_stay_as_spelled() {
    let t = resolve("builtins", "eval");
    assert_eq!(only(&t).canonical, "builtins.eval");
    assert!(only(&t).chain.is_empty());
    assert_eq!(only(&resolve("posix", "system")).canonical, "posix.system");
}

#[test]
fn unknown_modules_and_attributes_stay_as_spelled() {
    let t = resolve("evil_module_not_on_pypi", "payload.run");
    assert_eq!(only(&t).canonical, "evil_module_not_on_pypi.payload.run");
    assert_eq!(only(&t).kind, Kind::Unknown);
    assert!(only(&t).chain.is_empty());
    let t = resolve("os", "no_such_attribute");
    assert_eq!(only(&t).canonical, "os.no_such_attribute");
    assert_eq!(only(&t).kind, Kind::Unknown);
    assert_eq!(only(&resolve_dotted("")).canonical, "");
    assert_eq!(only(&resolve("", "")).canonical, "");
    assert_eq!(only(&resolve("os", "")).kind, Kind::Module);
}

#[test]
fn numpy_1_reconstruct_and_numpy_2_underscore_core() {
    // numpy 1.26: `numpy.core.multiarray._reconstruct` is itself; numpy 2
    // keeps `numpy.core.multiarray` as a shim whose `__getattr__` hands out
    // `numpy._core.multiarray`'s objects.
    let targets = resolve("numpy.core.multiarray", "_reconstruct");
    let names = canonicals(&targets);
    assert!(
        names.contains(&"numpy.core.multiarray._reconstruct"),
        "{names:?}"
    );
    assert!(
        names.contains(&"numpy._core.multiarray._reconstruct"),
        "{names:?}"
    );
    // numpy 1.26 already has `numpy._core`, forwarding to `numpy.core`.
    assert_eq!(
        canonicals(&resolve("numpy._core.multiarray", "_reconstruct")),
        [
            "numpy._core.multiarray._reconstruct",
            "numpy.core.multiarray._reconstruct"
        ]
    );
}

#[test]
fn torch_os_system_is_posix_system() {
    // torch/__init__.py: `import os`.
    let targets = resolve("torch", "os.system");
    let t = only(&targets);
    assert_eq!(t.canonical, "posix.system");
    assert_eq!(t.chain[0], "`torch.os` is the module `os`");
}

#[test]
fn long_real_chains_are_walked_and_bounded() {
    // posixpath has `os`, os has `path`: each hop is real.
    let name = format!("{}system", "path.os.".repeat(100));
    let targets = resolve("os", &name);
    let t = only(&targets);
    assert_eq!(t.canonical, "posix.system");
    assert_eq!(t.chain.len(), MAX_CHAIN + 1, "{:#?}", t.chain);
    assert!(t.walked);
    assert!(t.chain[MAX_CHAIN].contains("more than"));
}

#[test]
fn names_past_the_limits_come_back_unresolved() {
    let name = format!("{}system", "path.os.".repeat(MAX_SEGMENTS));
    let t = resolve("os", &name);
    assert_eq!(only(&t).kind, Kind::Unknown);
    assert_eq!(only(&t).canonical, format!("os.{name}"));
    assert!(only(&t).chain[0].starts_with("not resolved"), "{t:#?}");
    assert!(!only(&t).walked);
    let huge = "a".repeat(MAX_NAME_BYTES + 1);
    let t = resolve("os", &huge);
    assert!(only(&t).chain[0].starts_with("not resolved"), "{t:#?}");
    let t = resolve_dotted(&"x.".repeat(MAX_SEGMENTS + 1));
    assert_eq!(only(&t).kind, Kind::Unknown);
    assert!(!only(&t).walked);
    let t = resolve_dotted(&format!("os.{huge}"));
    assert!(!only(&t).walked, "{t:#?}");
}

/// wasm32 builds the layout at run time from the xz through the archive
/// decoder; native builds read the one `build.rs` made. Both must be the
/// same bytes.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn the_runtime_layout_equals_the_compile_time_one() {
    use crate::formats::archive::decompress::{self, Cap, Codec};
    let xz = include_bytes!("../../../data/pynames.txt.xz");
    let cap = Cap {
        bytes: MAX_INDEX_BYTES as u64,
        limit: None,
        value: MAX_INDEX_BYTES as u64,
    };
    let decoded = decompress::decode(Codec::Xz, &mut crate::source::SliceSource::new(xz), cap);
    assert!(decoded.stop.is_none(), "{:?}", decoded.stop);
    let text = std::str::from_utf8(&decoded.bytes).expect("UTF-8");
    assert!(
        layout::build(text) == blob(),
        "build.rs and the runtime disagree"
    );
}

#[test]
fn tables_are_sorted_as_lookups_read_them() {
    // Attributes are grouped by their module and found by (module, attr),
    // whatever bytes the names hold (`a\x01` sorts between `a` and `a.b`).
    let text = "=b\n=a.b\n=a\n@a.b\nc\tFx.\n@a\nz\tFy.\ny\tM=\n@a\x01\nq\tFz.\n";
    let blob: &'static [u8] = Box::leak(layout::build(text).into_boxed_slice());
    let index = Index::from_blob(blob);
    let modules: Vec<_> = (0..index.layout.modules.len())
        .filter_map(|i| index.layout.modules.get(i))
        .collect();
    assert_eq!(modules, ["a", "a.b", "b"]);
    assert_eq!(index.attr("a", "z"), Some("Fy."));
    assert_eq!(index.attr("a", "y"), Some("M="));
    assert_eq!(index.attr("a.b", "c"), Some("Fx."));
    assert_eq!(index.attr("a\x01", "q"), Some("Fz."));
    assert_eq!(index.attr("a", "c"), None);
    assert!(index.is_module("a.b") && !index.is_module("c"));
}

#[test]
fn a_damaged_layout_is_an_empty_index() {
    let blob = layout::build("=os\n@os\nsystem\tFposix.\n");
    for cut in [0, 7, 8, 20, blob.len() - 1] {
        let part: &'static [u8] = Box::leak(blob[..cut].to_vec().into_boxed_slice());
        let index = Index::from_blob(part);
        assert!(index.attr("os", "system").is_none(), "cut at {cut}");
    }
    // An entry that is not UTF-8 is not found; the others still are.
    let mut bad = blob.clone();
    let n = bad.len();
    bad[n - 1] = 0xff;
    let index = Index::from_blob(Box::leak(bad.into_boxed_slice()));
    assert_eq!(index.layout.modules.len(), 1);
    assert!(index.is_module("os"));
    assert!(index.attr("os", "system").is_none());
    assert_eq!(index.module_names("os"), ["os"]);
}

#[test]
fn malformed_index_lines_are_ignored() {
    let text = "# source: test\n=os\n>os.path\tposixpath\nbefore\tany module\n>nokey\n@os\nsystem\tFposix.\nbad\t?x\tM\n";
    let blob: &'static [u8] = Box::leak(layout::build(text).into_boxed_slice());
    let index = Index::from_blob(blob);
    let l = index.layout;
    assert_eq!(l.header, "# source: test\n");
    assert_eq!((l.modules.len(), l.modules.get(0)), (1, Some("os")));
    assert_eq!(
        (l.aliases.len(), l.aliases.get(0)),
        (1, Some("os.path\tposixpath"))
    );
    assert_eq!(l.attrs.len(), 2, "the line before any `@module` is dropped");
    assert_eq!(index.attr("os", "system"), Some("Fposix."));
    assert_eq!(index.attr("before", "any module"), None);
    assert_eq!(parse_cell("os", "bad", "?x"), None);
    assert_eq!(parse_cell("os", "bad", "M"), None);
    let cell = |c| parse_cell("m", "f", c);
    assert_eq!(cell("fa.b"), Some((Kind::Function, false, "a.b".into())));
    assert_eq!(cell("Ca."), Some((Kind::Class, true, "a.f".into())));
    assert_eq!(cell("X="), Some((Kind::Callable, true, "m.f".into())));
}

#[test]
fn package_re_exports_reach_their_definitions() {
    // torch/__init__.py: `from torch.serialization import load, save`.
    assert_eq!(
        canonicals(&resolve("torch", "load")),
        ["torch.serialization.load"]
    );
    // transformers' lazy top level hands out the modeling module's class.
    let targets = resolve("transformers", "BertModel");
    assert!(
        canonicals(&targets).contains(&"transformers.models.bert.modeling_bert.BertModel"),
        "{targets:#?}"
    );
    // joblib/__init__.py: `from .numpy_pickle import dump, load`.
    assert_eq!(
        canonicals(&resolve("joblib", "load")),
        ["joblib.numpy_pickle.load"]
    );
}

#[test]
fn indexed_modules_are_found_by_prefix() {
    assert_eq!(indexed_module("numpy.log1p"), Some("numpy"));
    assert_eq!(indexed_module("os.path.join"), Some("os.path"));
    assert_eq!(
        indexed_module("sklearn.preprocessing._function_transformer.FunctionTransformer"),
        Some("sklearn.preprocessing._function_transformer")
    );
    assert_eq!(indexed_module("mylib.helpers.run"), None);
    assert_eq!(indexed_module(""), None);
}
