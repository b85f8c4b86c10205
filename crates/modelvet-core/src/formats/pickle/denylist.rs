//! Globals that must never be imported from a model file, each with the
//! reason. An entry marked `Package` covers every attribute and submodule
//! below it (`os` covers `os.system` and `os.path.join`); an `Exact` entry
//! covers only that name. Entries are matched against every suffix of the
//! resolved dotted path, so `torch.os.system` (reached through an attribute
//! of `torch`) matches `os`.

use crate::severity::Severity::{self, Critical, High};

/// How much of the namespace an entry covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The name and everything below it.
    Package,
    /// The name only.
    Exact,
}
use foldhash::fast::FixedState;
use std::collections::HashMap;
use std::sync::OnceLock;
use Scope::{Exact, Package};

const EXEC: &str = "executes Python code from a string or code object";
const SPAWN: &str = "runs an operating-system command or process";
const CODE: &str = "builds functions or code objects from raw data";
const IMPORT: &str = "imports modules or resolves objects from strings";
const FILES: &str = "reads, writes or deletes files";
const NET: &str = "opens network connections";
const NESTED: &str = "deserialises a nested payload, bypassing this scan";
const NATIVE: &str = "calls into native code or loads shared libraries";

/// The reasons that mean code runs: code execution, processes, code objects
/// and native code (not files, network or nested loaders, which ordinary
/// program code uses with care).
pub const RUNS_CODE: &[&str] = &[EXEC, SPAWN, CODE, NATIVE];
const GETTER: &str = "fetches attributes or calls methods by name (gadget builder)";
const HOOK: &str = "changes interpreter state or registers callbacks that run later";

/// `(name, scope, severity, reason)`.
pub const DENIED: &[(&str, Scope, Severity, &str)] = &[
    // Processes and the operating system.
    ("os", Package, Critical, SPAWN),
    ("posix", Package, Critical, SPAWN),
    ("nt", Package, Critical, SPAWN),
    ("subprocess", Package, Critical, SPAWN),
    ("_posixsubprocess", Package, Critical, SPAWN),
    ("_winapi", Package, Critical, SPAWN),
    ("pty", Package, Critical, SPAWN),
    (
        "platform",
        Package,
        High,
        "runs helper commands (platform._syscmd_*) and probes the system",
    ),
    (
        "multiprocessing",
        Package,
        High,
        "starts processes and unpickles data from them",
    ),
    (
        "multiprocessing.util.spawnv_passfds",
        Exact,
        Critical,
        SPAWN,
    ),
    ("multiprocessing.popen_fork", Package, Critical, SPAWN),
    (
        "multiprocessing.popen_spawn_posix",
        Package,
        Critical,
        SPAWN,
    ),
    (
        "multiprocessing.popen_spawn_win32",
        Package,
        Critical,
        SPAWN,
    ),
    ("multiprocessing.popen_forkserver", Package, Critical, SPAWN),
    ("multiprocessing.spawn", Package, Critical, SPAWN),
    (
        "asyncio",
        Package,
        High,
        "event loop with process and network primitives",
    ),
    ("asyncio.create_subprocess_shell", Exact, Critical, SPAWN),
    ("asyncio.create_subprocess_exec", Exact, Critical, SPAWN),
    ("asyncio.subprocess", Package, Critical, SPAWN),
    ("webbrowser", Package, High, "launches a browser process"),
    (
        "antigravity",
        Package,
        High,
        "launches a browser process on import",
    ),
    (
        "uuid",
        Package,
        High,
        "its private helpers run system commands",
    ),
    ("uuid._get_command_stdout", Exact, Critical, SPAWN),
    ("uuid._popen", Exact, Critical, SPAWN),
    ("uuid._find_mac", Exact, Critical, SPAWN),
    ("uuid._find_mac_near_keyword", Exact, Critical, SPAWN),
    ("uuid._find_mac_under_heading", Exact, Critical, SPAWN),
    ("imaplib", Package, Critical, NET),
    ("imaplib.IMAP4_stream", Exact, Critical, SPAWN),
    (
        "_osx_support",
        Package,
        High,
        "runs helper commands while probing compilers",
    ),
    ("_osx_support._read_output", Exact, Critical, SPAWN),
    ("_osx_support._find_build_tool", Exact, Critical, SPAWN),
    ("distutils", Package, Critical, SPAWN),
    ("setuptools", Package, Critical, SPAWN),
    ("ensurepip", Package, Critical, SPAWN),
    ("venv", Package, Critical, SPAWN),
    (
        "pip",
        Package,
        Critical,
        "installs and runs packages (pip.main)",
    ),
    ("_pip", Package, Critical, "installs and runs packages"),
    // Executing code.
    ("builtins.eval", Exact, Critical, EXEC),
    ("builtins.exec", Exact, Critical, EXEC),
    ("builtins.compile", Exact, Critical, EXEC),
    ("builtins.__import__", Exact, Critical, IMPORT),
    ("builtins.breakpoint", Exact, Critical, "starts a debugger"),
    ("builtins.input", Exact, High, "reads from the terminal"),
    ("builtins.open", Exact, Critical, FILES),
    ("builtins.setattr", Exact, High, GETTER),
    ("builtins.delattr", Exact, High, GETTER),
    ("builtins.globals", Exact, High, GETTER),
    ("builtins.locals", Exact, High, GETTER),
    ("builtins.vars", Exact, High, GETTER),
    ("builtins.help", Exact, High, "starts an interactive pager"),
    ("builtins.exit", Exact, High, "terminates the interpreter"),
    ("builtins.quit", Exact, High, "terminates the interpreter"),
    (
        "_sitebuiltins",
        Package,
        High,
        "interactive helpers and interpreter exit",
    ),
    ("code", Exact, Critical, EXEC),
    ("code.InteractiveInterpreter", Package, Critical, EXEC),
    ("code.InteractiveConsole", Package, Critical, EXEC),
    ("code.interact", Exact, Critical, EXEC),
    ("code.compile_command", Exact, Critical, EXEC),
    ("codeop", Package, Critical, EXEC),
    ("runpy", Package, Critical, EXEC),
    (
        "doctest",
        Package,
        Critical,
        "runs the examples in docstrings",
    ),
    ("timeit", Package, Critical, EXEC),
    ("profile", Package, Critical, EXEC),
    ("cProfile", Package, Critical, EXEC),
    ("pdb", Package, Critical, EXEC),
    ("bdb", Package, Critical, EXEC),
    ("trace", Package, Critical, EXEC),
    ("idlelib", Package, Critical, EXEC),
    ("pydoc", Package, Critical, IMPORT),
    ("pydoc.pipepager", Exact, Critical, SPAWN),
    ("pydoc.tempfilepager", Exact, Critical, SPAWN),
    ("lib2to3", Package, Critical, EXEC),
    ("test.support", Package, Critical, SPAWN),
    ("rlcompleter", Package, Critical, EXEC),
    (
        "tkinter",
        Package,
        Critical,
        "evaluates Tcl, which runs commands",
    ),
    (
        "_tkinter",
        Package,
        Critical,
        "evaluates Tcl, which runs commands",
    ),
    ("IPython", Package, Critical, EXEC),
    (
        "jinja2",
        Package,
        High,
        "renders templates that can reach Python objects",
    ),
    ("sympy.sympify", Exact, Critical, EXEC),
    ("sympy.parsing", Package, Critical, EXEC),
    ("pandas.eval", Exact, Critical, EXEC),
    ("numexpr", Package, Critical, EXEC),
    (
        "transformers.dynamic_module_utils",
        Package,
        Critical,
        "downloads and imports repository code",
    ),
    ("huggingface_hub", Package, Critical, NET),
    (
        "datasets.load_dataset",
        Exact,
        High,
        "may run dataset loading scripts",
    ),
    (
        "joblib.externals.loky",
        Package,
        High,
        "starts worker processes",
    ),
    (
        "numpy.testing",
        Package,
        High,
        "test helpers that run code and commands",
    ),
    (
        "numpy.testing._private.utils.runstring",
        Exact,
        Critical,
        EXEC,
    ),
    (
        "numpy.f2py",
        Package,
        Critical,
        "compiles and imports Fortran extensions",
    ),
    ("numpy.distutils", Package, Critical, SPAWN),
    ("numpy.ctypeslib", Package, Critical, NATIVE),
    ("numpy.load", Exact, Critical, NESTED),
    ("numpy.lib.npyio", Package, Critical, NESTED),
    ("numpy.lib.format.read_array", Exact, Critical, NESTED),
    // Code objects and by-value functions.
    ("marshal", Package, Critical, CODE),
    (
        "types",
        Package,
        High,
        "creates modules, classes and functions",
    ),
    ("types.FunctionType", Exact, Critical, CODE),
    ("types.CodeType", Exact, Critical, CODE),
    ("types.LambdaType", Exact, Critical, CODE),
    ("types.MethodType", Exact, Critical, CODE),
    ("dill", Package, Critical, CODE),
    ("cloudpickle", Package, Critical, CODE),
    ("srsly.cloudpickle", Package, Critical, CODE),
    ("pickle", Package, Critical, NESTED),
    ("_pickle", Package, Critical, NESTED),
    (
        "copyreg",
        Package,
        High,
        "registers extension codes and reducers that change later loads",
    ),
    ("shelve", Package, Critical, NESTED),
    ("joblib.load", Exact, Critical, NESTED),
    ("joblib.numpy_pickle.load", Exact, Critical, NESTED),
    ("pandas.read_pickle", Exact, Critical, NESTED),
    ("yaml.load", Exact, Critical, NESTED),
    ("yaml.unsafe_load", Exact, Critical, NESTED),
    ("yaml.full_load", Exact, Critical, NESTED),
    // Imports and name resolution.
    ("importlib", Package, Critical, IMPORT),
    ("pkgutil", Package, Critical, IMPORT),
    ("zipimport", Package, Critical, IMPORT),
    ("imp", Package, Critical, IMPORT),
    ("site", Package, Critical, IMPORT),
    (
        "sys",
        Package,
        High,
        "interpreter state: modules, hooks, paths",
    ),
    ("gc", Package, High, "reaches every live object"),
    ("inspect", Package, High, GETTER),
    ("operator", Package, High, GETTER),
    ("_operator", Package, High, GETTER),
    (
        "functools",
        Package,
        High,
        "binds or folds callables (partial, reduce)",
    ),
    (
        "_functools",
        Package,
        High,
        "binds or folds callables (partial, reduce)",
    ),
    (
        "builtins.map",
        Exact,
        High,
        "calls a callable over an iterable",
    ),
    (
        "builtins.filter",
        Exact,
        High,
        "calls a callable over an iterable",
    ),
    // Native code.
    ("ctypes", Package, Critical, NATIVE),
    ("_ctypes", Package, Critical, NATIVE),
    ("cffi", Package, Critical, NATIVE),
    // Files.
    ("io.open", Exact, Critical, FILES),
    ("io.open_code", Exact, Critical, FILES),
    ("io.FileIO", Exact, Critical, FILES),
    ("_io", Package, Critical, FILES),
    ("codecs.open", Exact, Critical, FILES),
    ("shutil", Package, Critical, FILES),
    ("tempfile", Package, Critical, FILES),
    ("fileinput", Package, Critical, FILES),
    ("linecache", Package, Critical, FILES),
    ("glob", Package, Critical, FILES),
    ("pathlib", Package, Critical, FILES),
    ("zipfile", Package, Critical, FILES),
    ("tarfile", Package, Critical, FILES),
    ("gzip.open", Exact, Critical, FILES),
    ("bz2.open", Exact, Critical, FILES),
    ("lzma.open", Exact, Critical, FILES),
    ("dbm", Package, Critical, FILES),
    ("sqlite3", Package, Critical, FILES),
    ("logging.FileHandler", Exact, Critical, FILES),
    (
        "logging.handlers",
        Package,
        High,
        "file, socket and process log handlers",
    ),
    (
        "logging.config",
        Package,
        Critical,
        "imports and calls arbitrary factories from configuration",
    ),
    // Network.
    ("socket", Package, Critical, NET),
    ("_socket", Package, Critical, NET),
    ("ssl", Package, Critical, NET),
    ("socketserver", Package, Critical, NET),
    ("urllib", Package, Critical, NET),
    ("urllib3", Package, Critical, NET),
    ("http", Package, Critical, NET),
    ("requests", Package, Critical, NET),
    ("httpx", Package, Critical, NET),
    ("aiohttp", Package, Critical, NET),
    ("ftplib", Package, Critical, NET),
    ("smtplib", Package, Critical, NET),
    ("poplib", Package, Critical, NET),
    ("nntplib", Package, Critical, NET),
    ("telnetlib", Package, Critical, NET),
    ("xmlrpc", Package, Critical, NET),
    // Interpreter state and callbacks.
    ("_thread", Package, High, HOOK),
    ("threading", Package, High, HOOK),
    ("concurrent", Package, High, HOOK),
    ("atexit", Package, High, HOOK),
    ("signal", Package, High, HOOK),
    ("sched", Package, High, HOOK),
    ("builtins.__build_class__", Exact, High, HOOK),
    // PyTorch helpers that load, compile or run code.
    (
        "torch.hub",
        Package,
        Critical,
        "downloads and runs repository code",
    ),
    (
        "torch.utils.cpp_extension",
        Package,
        Critical,
        "compiles and loads native extensions",
    ),
    (
        "torch._inductor",
        Package,
        Critical,
        "writes, compiles and imports generated code",
    ),
    (
        "torch._dynamo",
        Package,
        High,
        "compiles and runs traced code",
    ),
    (
        "torch.fx",
        Package,
        Critical,
        "graph modules are rebuilt by executing Python source",
    ),
    ("torch.jit", Package, Critical, NESTED),
    ("torch.package", Package, Critical, NESTED),
    ("torch.serialization", Package, Critical, NESTED),
    ("torch.load", Exact, Critical, NESTED),
    ("torch.storage._load_from_bytes", Exact, Critical, NESTED),
    ("torch.ops", Package, High, NATIVE),
    ("torch._ops", Package, High, NATIVE),
    ("torch._C", Package, High, NATIVE),
    ("torch.classes", Package, High, NATIVE),
    ("torch.library", Package, High, NATIVE),
    (
        "torch.multiprocessing",
        Package,
        High,
        "starts processes and shares memory",
    ),
    ("torch.distributed", Package, Critical, NET),
    ("torch.utils.collect_env", Package, Critical, SPAWN),
    ("torch.utils.bottleneck", Package, Critical, EXEC),
    ("torch.utils.data.datapipes", Package, Critical, FILES),
    (
        "torch.compile",
        Exact,
        High,
        "compiles and runs traced code",
    ),
];

/// [`DENIED`] by name (names are unique, see the tests).
fn by_name() -> &'static HashMap<&'static str, (Scope, Severity, &'static str), FixedState> {
    static INDEX: OnceLock<HashMap<&'static str, (Scope, Severity, &'static str), FixedState>> =
        OnceLock::new();
    INDEX.get_or_init(|| {
        DENIED
            .iter()
            .map(|&(name, scope, sev, reason)| (name, (scope, sev, reason)))
            .collect()
    })
}

/// The most specific entry matching `path` exactly or as a package prefix:
/// `path` itself, then each shorter dotted prefix that names a package.
pub fn lookup(path: &str) -> Option<(&'static str, Severity, &'static str)> {
    let index = by_name();
    if let Some((&name, &(_, sev, reason))) = index.get_key_value(path) {
        return Some((name, sev, reason));
    }
    let mut end = path.len();
    while let Some(dot) = path.get(..end).and_then(|p| p.rfind('.')) {
        let prefix = path.get(..dot).unwrap_or_default();
        if let Some((&name, &(Package, sev, reason))) = index.get_key_value(prefix) {
            return Some((name, sev, reason));
        }
        end = dot;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// The definition `lookup` implements with its index: the longest entry
    /// equal to `path` or naming a package that contains it.
    fn by_scanning(path: &str) -> Option<(&'static str, Severity, &'static str)> {
        DENIED
            .iter()
            .filter(|(name, scope, _, _)| {
                path == *name
                    || (*scope == Package
                        && path.len() > name.len()
                        && path.starts_with(name)
                        && path.as_bytes().get(name.len()) == Some(&b'.'))
            })
            .max_by_key(|(name, _, _, _)| name.len())
            .map(|(name, _, sev, reason)| (*name, *sev, *reason))
    }

    #[test]
    fn names_are_unique() {
        let mut seen = HashSet::new();
        for (name, ..) in DENIED {
            assert!(seen.insert(*name), "{name} is listed twice");
        }
        let mut seen = HashSet::new();
        for (name, _) in super::super::allowlist::ALLOWED {
            assert!(seen.insert(*name), "{name} is allowed twice");
        }
    }

    #[test]
    fn index_agrees_with_the_table() {
        let mut paths = vec![
            String::new(),
            ".".into(),
            "os.".into(),
            ".os".into(),
            "osx.system".into(),
            "builtins".into(),
            "a.b.c".into(),
            "collections.OrderedDict".into(),
        ];
        for (name, ..) in DENIED {
            paths.push((*name).to_owned());
            paths.push(format!("{name}.x"));
            paths.push(format!("{name}.x.y"));
            paths.push(format!("{name}x"));
            paths.push(format!("pkg.{name}"));
            if let Some((head, _)) = name.rsplit_once('.') {
                paths.push(head.to_owned());
                paths.push(format!("{head}.other"));
            }
        }
        for path in &paths {
            assert_eq!(lookup(path), by_scanning(path), "{path:?}");
        }
    }
}
