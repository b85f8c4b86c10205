//! Every attack family that must be caught at default settings.

use super::*;
use modelvet_testkit::pickle::{self as tk, Pickler};

/// `module.name('arg')` at every protocol: one dangerous finding of the
/// expected severity whose evidence renders the call.
fn assert_call_caught(module: &str, name: &str, severity: Severity) {
    for proto in 0..=5 {
        let bytes = tk::reduce_payload(proto, module, name, &["x"]);
        let scan = scan_bytes(&bytes);
        let f = dangerous(&scan);
        assert_eq!(f.severity, severity, "{module}.{name} at protocol {proto}");
        assert_eq!(
            f.evidence.as_deref(),
            Some(format!("{module}.{name}('x')").as_str()),
            "protocol {proto}"
        );
        assert_eq!(scan.format, Some(crate::Format::Pickle));
    }
}

#[test]
fn process_execution() {
    assert_call_caught("os", "system", Severity::Critical);
    assert_call_caught("posix", "system", Severity::Critical);
    assert_call_caught("nt", "system", Severity::Critical);
    assert_call_caught("subprocess", "check_output", Severity::Critical);
    assert_call_caught("pty", "spawn", Severity::Critical);
}

#[test]
fn submodules_of_dangerous_packages() {
    assert_call_caught("os.path", "exists", Severity::Critical);
    assert_call_caught("importlib.util", "find_spec", Severity::Critical);
    assert_call_caught("multiprocessing.util", "spawnv_passfds", Severity::Critical);
    assert_call_caught("multiprocessing.popen_fork", "Popen", Severity::Critical);
    assert_call_caught(
        "asyncio.subprocess",
        "create_subprocess_shell",
        Severity::Critical,
    );
}

#[test]
fn installers_imports_and_name_resolution() {
    assert_call_caught("pip", "main", Severity::Critical);
    assert_call_caught("pip._internal.cli.main", "main", Severity::Critical);
    assert_call_caught("pkgutil", "resolve_name", Severity::Critical);
    assert_call_caught("importlib", "import_module", Severity::Critical);
    assert_call_caught("builtins", "__import__", Severity::Critical);
    assert_call_caught("runpy", "run_path", Severity::Critical);
}

#[test]
fn eval_exec_and_getters() {
    assert_call_caught("builtins", "eval", Severity::Critical);
    assert_call_caught("builtins", "exec", Severity::Critical);
    assert_call_caught("operator", "attrgetter", Severity::High);
    assert_call_caught("operator", "itemgetter", Severity::High);
    assert_call_caught("operator", "methodcaller", Severity::High);
    assert_call_caught("_operator", "attrgetter", Severity::High);
    assert_call_caught("functools", "reduce", Severity::High);
}

#[test]
fn code_objects() {
    assert_call_caught("marshal", "loads", Severity::Critical);
    assert_call_caught("types", "FunctionType", Severity::Critical);
    assert_call_caught("types", "CodeType", Severity::Critical);
    assert_call_caught(
        "cloudpickle.cloudpickle",
        "_make_function",
        Severity::Critical,
    );
    assert_call_caught(
        "cloudpickle.cloudpickle",
        "_builtin_type",
        Severity::Critical,
    );
    assert_call_caught("dill._dill", "_create_code", Severity::Critical);
    assert_call_caught("dill._dill", "_create_function", Severity::Critical);
}

#[test]
fn interpreters_profilers_and_test_runners() {
    assert_call_caught("profile", "run", Severity::Critical);
    assert_call_caught("cProfile", "run", Severity::Critical);
    assert_call_caught("timeit", "timeit", Severity::Critical);
    assert_call_caught("doctest", "debug_script", Severity::Critical);
    assert_call_caught("code", "InteractiveInterpreter", Severity::Critical);
    assert_call_caught(
        "code.InteractiveInterpreter",
        "runsource",
        Severity::Critical,
    );
    assert_call_caught("pdb", "run", Severity::Critical);
    assert_call_caught("trace", "Trace", Severity::Critical);
    assert_call_caught(
        "numpy.testing._private.utils",
        "runstring",
        Severity::Critical,
    );
    assert_call_caught("numpy.f2py", "compile", Severity::Critical);
}

#[test]
fn files_logging_and_network() {
    assert_call_caught("logging", "FileHandler", Severity::Critical);
    assert_call_caught("logging.config", "dictConfig", Severity::Critical);
    assert_call_caught("_io", "FileIO", Severity::Critical);
    assert_call_caught("io", "open", Severity::Critical);
    assert_call_caught("builtins", "open", Severity::Critical);
    assert_call_caught("shutil", "rmtree", Severity::Critical);
    assert_call_caught("pathlib.Path", "write_text", Severity::Critical);
    assert_call_caught("socket", "create_connection", Severity::Critical);
    assert_call_caught("urllib.request", "urlopen", Severity::Critical);
    assert_call_caught("requests", "get", Severity::Critical);
    assert_call_caught("webbrowser", "open", Severity::High);
}

#[test]
fn command_helpers_hidden_in_the_standard_library() {
    assert_call_caught("uuid", "_get_command_stdout", Severity::Critical);
    assert_call_caught("imaplib", "IMAP4_stream", Severity::Critical);
    assert_call_caught("_osx_support", "_read_output", Severity::Critical);
    assert_call_caught("_osx_support", "_find_build_tool", Severity::Critical);
    assert_call_caught("ctypes", "CDLL", Severity::Critical);
    assert_call_caught("ctypes.util", "find_library", Severity::Critical);
    assert_call_caught("platform", "_syscmd_file", Severity::High);
}

#[test]
fn torch_helpers_that_run_code() {
    assert_call_caught("torch.hub", "load", Severity::Critical);
    assert_call_caught(
        "torch.utils.cpp_extension",
        "load_inline",
        Severity::Critical,
    );
    assert_call_caught(
        "torch._inductor.codecache",
        "compile_file",
        Severity::Critical,
    );
    assert_call_caught("torch.serialization", "load", Severity::Critical);
    assert_call_caught("torch.jit", "load", Severity::Critical);
    assert_call_caught("torch.storage", "_load_from_bytes", Severity::Critical);
    assert_call_caught(
        "torch.fx.graph_module",
        "reduce_graph_module",
        Severity::Critical,
    );
}

#[test]
fn python2_names_are_mapped_like_the_loader() {
    // Protocol 0-2 `__builtin__` is `builtins`, `commands` is `subprocess`.
    let scan = scan_bytes(b"c__builtin__\neval\n(S'1'\ntR.");
    let f = dangerous(&scan);
    assert!(f.message.contains("builtins.eval"), "{}", f.message);
    assert_eq!(f.severity, Severity::Critical);
    let scan = scan_bytes(b"ccommands\ngetoutput\n(S'id'\ntR.");
    assert_eq!(dangerous(&scan).severity, Severity::Critical);
}

#[test]
fn unknown_globals_are_medium_and_pass_the_default_gate() {
    let scan = scan_bytes(&tk::reduce_payload(2, "__main__", "Net", &[]));
    let found = with_rule(&scan, "pickle-unknown-global");
    assert_eq!(found.len(), 1, "{:#?}", scan.findings);
    assert_eq!(found[0].severity, Severity::Medium);
    assert_eq!(found[0].evidence.as_deref(), Some("__main__.Net()"));
    assert!(with_rule(&scan, "pickle-dangerous-global").is_empty());
}

#[test]
fn stack_global_fed_from_the_memo() {
    // The strings are memoized early, dropped, and fetched back much later.
    let mut p = Pickler::new(4);
    p.str("os").op(b'0').str("system").op(b'0');
    p.empty_list().memoize().op(b'0');
    p.get(0).get(1).stack_global().memoize();
    p.str("id").tuple(1).reduce();
    let scan = scan_bytes(&p.finish());
    let f = dangerous(&scan);
    assert_eq!(f.evidence.as_deref(), Some("os.system('id')"));
}

#[test]
fn dotted_names_reach_dangerous_attributes() {
    // find_class('torch', 'os.system') walks torch.os.system == os.system.
    let mut p = Pickler::new(4);
    p.str("torch")
        .str("os.system")
        .stack_global()
        .str("id")
        .tuple(1)
        .reduce();
    let scan = scan_bytes(&p.finish());
    let f = dangerous(&scan);
    assert_eq!(f.severity, Severity::Critical);
    assert!(
        f.message.contains("reached through `torch`"),
        "{}",
        f.message
    );
    // An attribute of an allowed class is not allowed, unless it is one of
    // the alternate constructors pickle writes (`OrderedDict.fromkeys`).
    let mut p = Pickler::new(4);
    p.str("collections")
        .str("OrderedDict.update")
        .stack_global();
    p.empty_list().tuple(1).reduce();
    assert_eq!(dangerous(&scan_bytes(&p.finish())).severity, Severity::High);
}

#[test]
fn names_built_at_runtime() {
    // str('os') is folded: the module name is still known.
    let mut p = Pickler::new(4);
    p.global("builtins", "str")
        .str("os")
        .tuple(1)
        .reduce()
        .memoize();
    p.str("system").stack_global().str("id").tuple(1).reduce();
    let scan = scan_bytes(&p.finish());
    assert_eq!(
        dangerous(&scan).evidence.as_deref(),
        Some("os.system('id')")
    );
    // codecs.decode('bf', 'rot13') is not: the global cannot be checked.
    let mut p = Pickler::new(4);
    p.global("codecs", "decode")
        .str("bf")
        .str("rot13")
        .tuple(2)
        .reduce();
    p.str("system").stack_global().str("id").tuple(1).reduce();
    let scan = scan_bytes(&p.finish());
    let dynamic = with_rule(&scan, "pickle-dynamic-global");
    assert_eq!(dynamic.len(), 1, "{:#?}", scan.findings);
    assert_eq!(
        dynamic[0].evidence.as_deref(),
        Some("find_class(codecs.decode('bf', 'rot13'), 'system')")
    );
    assert_eq!(dynamic[0].severity, Severity::High);
}

#[test]
fn inst_obj_and_newobj_calls() {
    let scan = scan_bytes(b"(S'id'\nios\nsystem\n.");
    assert_eq!(
        dangerous(&scan).evidence.as_deref(),
        Some("os.system('id')")
    );
    let scan = scan_bytes(b"(cos\nsystem\nS'id'\no.");
    assert_eq!(
        dangerous(&scan).evidence.as_deref(),
        Some("os.system('id')")
    );
    let scan = scan_bytes(b"\x80\x04csubprocess\nPopen\n\x8c\x02id\x85}\x8c\x05shell\x88s\x92.");
    let f = dangerous(&scan);
    assert_eq!(
        f.evidence.as_deref(),
        Some("subprocess.Popen.__new__(subprocess.Popen, 'id', **{'shell': True})")
    );
}

#[test]
fn build_on_a_module_plants_state() {
    // numpy-only: fetch a module object and overwrite its attributes.
    let mut p = Pickler::new(2);
    p.global("numpy", "core");
    p.empty_dict()
        .str("_reconstruct")
        .global("numpy", "load")
        .setitem();
    p.build();
    let scan = scan_bytes(&p.finish());
    let g = with_rule(&scan, "pickle-gadget");
    assert_eq!(g.len(), 1, "{:#?}", scan.findings);
    assert!(g[0].message.contains("`numpy.core`"), "{}", g[0].message);
    assert!(g[0]
        .evidence
        .as_deref()
        .unwrap()
        .starts_with("numpy.core.__setstate__({'_reconstruct': numpy.load})"));
    // The same plant with only allowed-looking names: still a gadget.
    let mut p = Pickler::new(2);
    p.global("numpy", "dtype");
    p.none()
        .empty_dict()
        .str("__reduce__")
        .global("numpy", "ndarray")
        .setitem()
        .tuple(2);
    p.build();
    let scan = scan_bytes(&p.finish());
    assert_eq!(
        with_rule(&scan, "pickle-gadget").len(),
        2,
        "{:#?}",
        scan.findings
    );
}

#[test]
fn builtins_reached_through_a_module_dict() {
    let mut p = Pickler::new(4);
    p.global("numpy", "__builtins__");
    let scan = scan_bytes(&p.finish());
    assert_eq!(dangerous(&scan).severity, Severity::High);
    // SETITEM on a global (a dict reached as an attribute).
    let mut p = Pickler::new(2);
    p.global("torch", "_C").str("x").int(1).setitem();
    let scan = scan_bytes(&p.finish());
    assert_eq!(
        with_rule(&scan, "pickle-gadget").len(),
        1,
        "{:#?}",
        scan.findings
    );
}

#[test]
fn special_attributes_in_build_state() {
    let mut p = Pickler::new(2);
    p.global("collections", "OrderedDict")
        .empty_tuple()
        .reduce();
    p.empty_dict()
        .str("__class__")
        .global("argparse", "Namespace")
        .setitem();
    p.build();
    let scan = scan_bytes(&p.finish());
    let g = with_rule(&scan, "pickle-gadget");
    assert_eq!(g.len(), 1, "{:#?}", scan.findings);
    assert!(g[0].message.contains("__class__"));
}

#[test]
fn calls_on_call_results() {
    let mut p = Pickler::new(2);
    p.global("collections", "OrderedDict")
        .empty_tuple()
        .reduce();
    p.str("x").tuple(1).reduce();
    let scan = scan_bytes(&p.finish());
    let g = with_rule(&scan, "pickle-gadget");
    assert_eq!(g.len(), 1, "{:#?}", scan.findings);
    assert_eq!(
        g[0].evidence.as_deref(),
        Some("collections.OrderedDict()('x')")
    );
}

#[test]
fn extension_codes_are_unknown() {
    let scan = scan_bytes(b"\x80\x02\x82\x07)R.");
    let f = with_rule(&scan, "pickle-unknown-extension");
    assert_eq!(f.len(), 1, "{:#?}", scan.findings);
    assert_eq!(f[0].severity, Severity::High);
    for ext in [&b"\x83\x00\x01"[..], b"\x84\x00\x00\x01\x00"] {
        let mut bytes = b"\x80\x02".to_vec();
        bytes.extend_from_slice(ext);
        bytes.extend_from_slice(b").");
        assert_eq!(
            with_rule(&scan_bytes(&bytes), "pickle-unknown-extension").len(),
            1
        );
    }
    // Code 0 is rejected by the loader.
    let scan = scan_bytes(b"\x80\x02\x82\x00.");
    assert_eq!(with_rule(&scan, "pickle-malformed").len(), 1);
}

#[test]
fn lesser_known_code_runners() {
    assert_call_caught("pydoc", "pipepager", Severity::Critical);
    assert_call_caught(
        "lib2to3.pgen2.pgen.ParserGenerator",
        "make_label",
        Severity::Critical,
    );
    assert_call_caught("bdb.Bdb", "run", Severity::Critical);
    assert_call_caught("idlelib.pyshell", "ModifiedInterpreter", Severity::Critical);
    assert_call_caught("tkinter", "Tcl", Severity::Critical);
    assert_call_caught(
        "transformers.dynamic_module_utils",
        "get_class_from_dynamic_module",
        Severity::Critical,
    );
    assert_call_caught(
        "joblib.externals.cloudpickle.cloudpickle",
        "_make_function",
        Severity::Critical,
    );
    assert_call_caught("pandas.io.pickle", "read_pickle", Severity::Critical);
}

#[test]
fn allowed_callables_given_computed_callables_or_special_state() {
    // _rebuild_from_type_v2(func, new_type, args, state) calls func and sets state.
    let mut p = Pickler::new(2);
    p.global("torch._tensor", "_rebuild_from_type_v2");
    p.mark();
    p.global("collections", "OrderedDict")
        .empty_tuple()
        .reduce()
        .memoize();
    p.global("torch", "Tensor").empty_tuple();
    p.empty_dict()
        .str("__class__")
        .global("argparse", "Namespace")
        .setitem();
    p.tuple_mark().reduce();
    let scan = scan_bytes(&p.finish());
    let g = with_rule(&scan, "pickle-gadget");
    assert_eq!(g.len(), 2, "{:#?}", scan.findings);
    assert!(
        g[0].message.contains("computed callable (argument 0)"),
        "{}",
        g[0].message
    );
    assert!(g[1].message.contains("`__class__`"), "{}", g[1].message);
    // The same call with a global callable and plain state is clean.
    let mut p = Pickler::new(2);
    p.global("torch._tensor", "_rebuild_from_type_v2");
    p.mark();
    p.global("torch._utils", "_rebuild_tensor_v2");
    p.global("torch.nn.parameter", "Parameter").empty_tuple();
    p.empty_dict().str("name").str("w").setitem();
    p.tuple_mark().reduce();
    assert_clean(&scan_bytes(&p.finish()));
}

/// joblib < 0.10 dumps (`joblib/test/data/joblib_0.9.2_pickle_py27_np17.pkl`
/// and its `_01.npy` companions): the wrapper names a companion file that
/// `joblib.load` reads with `numpy.load(allow_pickle=True)`.
fn compat_wrapper(module: &str, class: &str, file: &str) -> ArtifactScan {
    let mut p = Pickler::new(2);
    p.global(module, class);
    p.empty_tuple().newobj().memoize();
    p.empty_dict().memoize().mark();
    p.str("filename")
        .str(file)
        .str("subclass")
        .global("numpy", "ndarray");
    p.setitems().build();
    scan_bytes(&p.finish())
}

#[test]
fn joblib_compat_wrapper_in_the_dump_folder_is_benign() {
    for (module, class) in [
        ("joblib.numpy_pickle", "NDArrayWrapper"),
        ("joblib.numpy_pickle", "ZNDArrayWrapper"),
        ("joblib.numpy_pickle_compat", "NDArrayWrapper"),
        ("sklearn.externals.joblib.numpy_pickle", "NDArrayWrapper"),
    ] {
        assert_clean(&compat_wrapper(
            module,
            class,
            "joblib_0.9.2_pickle_py27_np17.pkl_01.npy",
        ));
    }
}

#[test]
fn joblib_compat_wrapper_reading_outside_the_folder_is_a_gadget() {
    for file in [
        "/home/user/.ssh/id_rsa",
        "../../x.npy",
        "C:\\x.npy",
        "a/../../b",
    ] {
        let scan = compat_wrapper("joblib.numpy_pickle", "NDArrayWrapper", file);
        let g = with_rule(&scan, "pickle-gadget");
        assert_eq!(g.len(), 1, "{file}: {:#?}", scan.findings);
        assert_eq!(g[0].severity, Severity::High);
        assert!(g[0].message.contains("outside the dump's directory"));
    }
    // The file named by the constructor, with no filename in the BUILD state.
    let mut p = Pickler::new(2);
    p.global("joblib.numpy_pickle", "ZNDArrayWrapper");
    p.str("/etc/passwd")
        .global("numpy", "ndarray")
        .tuple(2)
        .reduce();
    p.empty_dict().build();
    let scan = scan_bytes(&p.finish());
    assert_eq!(
        with_rule(&scan, "pickle-gadget").len(),
        1,
        "{:#?}",
        scan.findings
    );
    // A name that is not a plain string cannot be checked: a gadget too.
    let mut p = Pickler::new(2);
    p.global("joblib.numpy_pickle", "NDArrayWrapper");
    p.empty_tuple().newobj();
    p.empty_dict().str("filename").int(3).setitem().build();
    let scan = scan_bytes(&p.finish());
    assert_eq!(
        with_rule(&scan, "pickle-gadget").len(),
        1,
        "{:#?}",
        scan.findings
    );
}

/// `numpy.matrix` as numpy pickles it (joblib's compatibility data) and the
/// numpy < 1.0 reconstructor (numpy's `py2-np0-objarr.npy`).
#[test]
fn numpy_matrix_and_old_reconstructor_are_benign() {
    for (module, name, class) in [
        (
            "numpy.core.multiarray",
            "_reconstruct",
            "numpy.matrixlib.defmatrix",
        ),
        ("numpy.core._internal", "_reconstruct", "numpy"),
    ] {
        let (cls_module, cls_name) = if class == "numpy" {
            ("numpy", "ndarray")
        } else {
            (class, "matrix")
        };
        let mut p = Pickler::new(2);
        p.global(module, name);
        p.global(cls_module, cls_name)
            .int(0)
            .tuple(1)
            .bytes(b"b")
            .tuple(3);
        p.reduce();
        assert_clean(&scan_bytes(&p.finish()));
    }
}

/// Real `dill.dumps` / `cloudpickle.dumps` output of a lambda
/// (`tests/fixtures/pickle/byvalue/generate.py`).
#[test]
fn real_by_value_function_pickles() {
    for (name, bytes, builder) in [
        (
            "dill",
            &include_bytes!("../../../../../../tests/fixtures/pickle/byvalue/dill.pkl")[..],
            "dill._dill._create_code",
        ),
        (
            "cloudpickle",
            &include_bytes!("../../../../../../tests/fixtures/pickle/byvalue/cloudpickle.pkl")[..],
            "cloudpickle.cloudpickle._make_function",
        ),
    ] {
        let scan = scan_bytes(bytes);
        let d = with_rule(&scan, "pickle-dangerous-global");
        assert!(
            d.iter().any(|f| f.severity == Severity::Critical
                && f.evidence
                    .as_deref()
                    .is_some_and(|e| e.starts_with(builder))),
            "{name}: {:#?}",
            scan.findings
        );
    }
}

/// The findings of `rule` in a scan of `bytes`, with their severities.
fn rule_severities(bytes: &[u8], rule: &str) -> Vec<Severity> {
    let scan = scan_bytes(bytes);
    with_rule(&scan, rule).iter().map(|f| f.severity).collect()
}

/// The worst severity of any finding.
fn worst(bytes: &[u8]) -> Option<Severity> {
    scan_bytes(bytes).findings.iter().map(|f| f.severity).max()
}

#[test]
fn unknown_callables_given_the_files_arguments_fail() {
    // `mylib.helpers.run_pipeline('id')`: nothing lists it either way, but
    // the file chooses its argument.
    for proto in 0..=5 {
        let bytes = tk::reduce_payload(proto, "mylib.helpers", "run_pipeline", &["id"]);
        let scan = scan_bytes(&bytes);
        let found = with_rule(&scan, "pickle-unknown-call");
        assert_eq!(found.len(), 1, "protocol {proto}: {:#?}", scan.findings);
        assert_eq!(found[0].severity, Severity::High);
        assert_eq!(
            found[0].evidence.as_deref(),
            Some("mylib.helpers.run_pipeline('id')")
        );
        assert!(with_rule(&scan, "pickle-unknown-global").is_empty());
    }
    // NEWOBJ with arguments passes them to `cls.__new__`.
    let mut p = Pickler::new(2);
    p.global("mylib", "Model").str("x").tuple(1).newobj();
    assert!(!p.tuple_needs_mark(1));
    assert_eq!(
        rule_severities(&p.finish(), "pickle-unknown-call"),
        [Severity::High]
    );
    // INST with arguments calls the class.
    let mut p = Pickler::new(0);
    p.mark().str("x").inst("mylib", "Model");
    assert_eq!(
        rule_severities(&p.finish(), "pickle-unknown-call"),
        [Severity::High]
    );
}

#[test]
fn custom_classes_made_and_given_state_stay_medium() {
    // How pickle writes any object of a custom class at protocol 2+:
    // `copyreg.__newobj__(cls)` / NEWOBJ with no arguments, then BUILD.
    let mut p = Pickler::new(2);
    p.global("__main__", "Net").empty_tuple().newobj();
    p.empty_dict().str("hidden").int(4).setitem().build();
    assert_eq!(worst(&p.finish()), Some(Severity::Medium));
    let mut p = Pickler::new(2);
    p.global("copyreg", "__newobj__")
        .global("__main__", "Net")
        .tuple(1)
        .reduce();
    p.empty_dict().build();
    let bytes = p.finish();
    assert_eq!(worst(&bytes), Some(Severity::Medium));
    assert!(scan_bytes(&bytes).findings[0]
        .message
        .contains("makes an instance of `__main__.Net`"));
    // Protocols 0 and 1: `copyreg._reconstructor(cls, object, None)`.
    let mut p = Pickler::new(0);
    p.global("copyreg", "_reconstructor")
        .mark()
        .global("__main__", "Net")
        .global("builtins", "object")
        .none()
        .tuple(3)
        .reduce();
    let bytes = p.finish();
    assert_eq!(worst(&bytes), Some(Severity::Medium));
    assert!(scan_bytes(&bytes).errors.is_empty());
    assert!(with_rule(&scan_bytes(&bytes), "pickle-malformed").is_empty());
    // Referenced only (a class stored as data).
    let mut p = Pickler::new(2);
    p.global("mylib", "Thing");
    assert_eq!(worst(&p.finish()), Some(Severity::Medium));
}

#[test]
fn helpers_that_call_what_they_are_given_do_not_launder() {
    // `copyreg.__newobj__(cls, 'x')` passes 'x' to `cls.__new__`.
    let mut p = Pickler::new(2);
    p.global("copyreg", "__newobj__")
        .global("mylib", "Runner")
        .str("id")
        .tuple(2)
        .reduce();
    let bytes = p.finish();
    let scan = scan_bytes(&bytes);
    let found = with_rule(&scan, "pickle-unknown-call");
    assert_eq!(found.len(), 1, "{:#?}", scan.findings);
    assert!(
        found[0]
            .evidence
            .as_deref()
            .is_some_and(|e| e.contains("through `copyreg.__newobj__`")),
        "{:?}",
        found[0].evidence
    );
    // `copyreg._reconstructor(cls, base, state)` calls `base` with the state.
    let mut p = Pickler::new(0);
    p.global("copyreg", "_reconstructor")
        .mark()
        .global("__main__", "Net")
        .global("mylib", "Base")
        .str("id")
        .tuple(3)
        .reduce();
    assert_eq!(
        rule_severities(&p.finish(), "pickle-unknown-call"),
        [Severity::High]
    );
    // `torch._tensor._rebuild_from_type_v2(func, cls, args, state)` calls `func(*args)`.
    let mut p = Pickler::new(2);
    p.global("torch._tensor", "_rebuild_from_type_v2")
        .mark()
        .global("mylib", "run")
        .global("torch", "Tensor")
        .str("id")
        .tuple(1)
        .empty_dict()
        .tuple(4)
        .reduce();
    assert_eq!(
        rule_severities(&p.finish(), "pickle-unknown-call"),
        [Severity::High]
    );
    // ... and a known sink is critical however it is reached.
    let mut p = Pickler::new(2);
    p.global("copyreg", "__newobj__")
        .global("subprocess", "Popen")
        .str("id")
        .tuple(2)
        .reduce();
    assert_eq!(
        dangerous(&scan_bytes(&p.finish())).severity,
        Severity::Critical
    );
}

#[test]
fn a_stronger_call_is_reported_past_the_call_event_cap() {
    // 300 bare constructions, then the same class called with the file's
    // argument: the cap on reported calls must not hide the last one.
    let mut p = Pickler::new(2);
    p.empty_list();
    for _ in 0..300 {
        p.global("mylib", "Model").empty_tuple().newobj().append();
    }
    p.global("mylib", "Model")
        .str("id")
        .tuple(1)
        .reduce()
        .append();
    assert_eq!(
        rule_severities(&p.finish(), "pickle-unknown-call"),
        [Severity::High]
    );
}

#[test]
fn getattr_is_judged_by_what_it_looks_up() {
    // `getattr(dict, 'fromkeys')(keys)`, as pickle writes a classmethod.
    let mut p = Pickler::new(2);
    p.global("builtins", "getattr")
        .global("builtins", "dict")
        .str("fromkeys")
        .tuple(2)
        .reduce();
    assert_clean(&scan_bytes(&p.finish()));
    // A bound method of plain data: `getattr([], 'append')`.
    let mut p = Pickler::new(2);
    p.global("builtins", "getattr")
        .empty_list()
        .str("append")
        .tuple(2)
        .reduce();
    assert_clean(&scan_bytes(&p.finish()));
    // On a global, the attribute is a global of its own.
    let mut p = Pickler::new(2);
    p.global("builtins", "getattr")
        .global("subprocess", "Popen")
        .str("communicate")
        .tuple(2)
        .reduce();
    let scan = scan_bytes(&p.finish());
    assert!(
        with_rule(&scan, "pickle-dangerous-global")
            .iter()
            .any(|f| f.message.contains("`subprocess.Popen.communicate`")),
        "{:#?}",
        scan.findings
    );
    let mut p = Pickler::new(2);
    p.global("builtins", "getattr")
        .global("collections", "OrderedDict")
        .str("__init__")
        .tuple(2)
        .reduce();
    assert_eq!(worst(&p.finish()), Some(Severity::High));
    // A name computed at load time, or a special attribute of an instance.
    let mut p = Pickler::new(2);
    p.global("builtins", "getattr")
        .empty_list()
        .global("builtins", "str")
        .str("append")
        .tuple(1)
        .reduce()
        .tuple(2)
        .reduce();
    assert_eq!(
        rule_severities(&p.finish(), "pickle-gadget"),
        [Severity::High]
    );
    let mut p = Pickler::new(2);
    p.global("builtins", "getattr")
        .empty_list()
        .str("__class__")
        .tuple(2)
        .reduce();
    assert_eq!(
        rule_severities(&p.finish(), "pickle-gadget"),
        [Severity::High]
    );
    // Calling what getattr returned is a call on a call's result.
    let mut p = Pickler::new(2);
    p.global("builtins", "getattr")
        .empty_list()
        .str("append")
        .tuple(2)
        .reduce()
        .str("x")
        .tuple(1)
        .reduce();
    assert_eq!(
        rule_severities(&p.finish(), "pickle-gadget"),
        [Severity::High]
    );
}

#[test]
fn partial_binds_without_calling() {
    // sklearn's FunctionTransformer and gensim store partials of harmless functions.
    let mut p = Pickler::new(2);
    p.global("functools", "partial")
        .global("builtins", "int")
        .tuple(1)
        .reduce();
    p.mark()
        .global("builtins", "int")
        .str("7")
        .tuple(1)
        .empty_dict()
        .none()
        .tuple_mark()
        .build();
    assert_clean(&scan_bytes(&p.finish()));
    // The callable is judged on its own; calling the partial is a gadget.
    let mut p = Pickler::new(2);
    p.global("functools", "partial")
        .global("os", "system")
        .str("id")
        .tuple(2)
        .reduce();
    assert_eq!(
        dangerous(&scan_bytes(&p.finish())).severity,
        Severity::Critical
    );
    let mut p = Pickler::new(2);
    p.global("functools", "partial")
        .global("mylib", "run")
        .str("id")
        .tuple(2)
        .reduce()
        .empty_tuple()
        .reduce();
    assert_eq!(
        rule_severities(&p.finish(), "pickle-gadget"),
        [Severity::High]
    );
}

#[test]
fn only_real_special_attributes_rewire_state() {
    // sklearn-crfsuite keeps the model file's bytes under this key.
    let mut p = Pickler::new(2);
    p.global("copyreg", "__newobj__")
        .global("builtins", "object")
        .tuple(1)
        .reduce();
    p.empty_dict()
        .str("__FILE_RESOURCE_DATA__")
        .bytes(b"crf")
        .setitem()
        .build();
    assert_clean(&scan_bytes(&p.finish()));
    let mut p = Pickler::new(2);
    p.global("copyreg", "__newobj__")
        .global("builtins", "object")
        .tuple(1)
        .reduce();
    p.empty_dict()
        .str("__class__")
        .global("builtins", "int")
        .setitem()
        .build();
    assert_eq!(
        rule_severities(&p.finish(), "pickle-gadget"),
        [Severity::High]
    );
}

#[test]
fn numpy_ufunc_reconstruct_is_an_import() {
    // numpy 1.x: `pickle.dumps(numpy.log1p)` is `_ufunc_reconstruct('numpy', 'log1p')`.
    let ufunc = |module: &str, name: &str| {
        let mut p = Pickler::new(2);
        p.global("numpy.core", "_ufunc_reconstruct")
            .str(module)
            .str(name)
            .tuple(2)
            .reduce();
        p
    };
    let scan = scan_bytes(&ufunc("numpy", "log1p").finish());
    assert!(
        scan.findings.iter().all(|f| f.severity <= Severity::Medium),
        "{:#?}",
        scan.findings
    );
    // The same helper naming `os.system`, then calling it.
    let mut p = ufunc("os", "system");
    p.str("id").tuple(1).reduce();
    let scan = scan_bytes(&p.finish());
    assert_eq!(dangerous(&scan).severity, Severity::Critical);
    // A computed module name cannot be checked.
    let mut p = Pickler::new(2);
    p.global("numpy.core", "_ufunc_reconstruct")
        .global("builtins", "str")
        .str("os")
        .tuple(1)
        .reduce()
        .str("system")
        .tuple(2)
        .reduce();
    assert_eq!(
        rule_severities(&p.finish(), "pickle-gadget"),
        [Severity::High]
    );
}

#[test]
fn names_are_judged_by_what_they_resolve_to() {
    // `argparse` imports `os` as `_os` (CPython 3.9-3.13): no spelling of
    // `argparse._os.system` is on any list, but the loader reaches `os.system`.
    let mut p = Pickler::new(4);
    p.str("argparse")
        .str("_os.system")
        .stack_global()
        .str("id")
        .tuple(1)
        .reduce();
    let scan = scan_bytes(&p.finish());
    let f = dangerous(&scan);
    assert_eq!(f.severity, Severity::Critical);
    assert!(
        f.message.contains("`argparse._os` is the module `os`"),
        "{}",
        f.message
    );
    assert_eq!(f.evidence.as_deref(), Some("argparse._os.system('id')"));
    // numpy keeps `builtins` as `numpy._builtins`.
    let bytes = tk::reduce_payload(4, "numpy", "_builtins.eval", &["1+1"]);
    assert_eq!(dangerous(&scan_bytes(&bytes)).severity, Severity::Critical);
    // An allowed name whose canonical home moved stays allowed.
    let mut p = Pickler::new(2);
    p.global("pathlib", "PosixPath")
        .str("/tmp/x")
        .tuple(1)
        .reduce();
    assert_clean(&scan_bytes(&p.finish()));
}
