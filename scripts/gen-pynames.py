#!/usr/bin/env python3
"""Write crates/modelvet-core/data/pynames.txt.xz: the canonical Python
name index that `formats::pynames` resolves pickle globals through.

It is generated from real, installed code: the standard libraries of the
CPython versions below and, in throw-away venvs under target/pynames/, the
pinned PyPI packages below. Every importable module is imported (guarded: a
time limit and try/except around each import; test suites, `__main__`
modules and modules whose import has side effects are skipped), and every
attribute of `vars(module)` is recorded when it is

  * a module: an alias to that module's `__name__` (`os.path` -> `posixpath`,
    `tempfile._os` -> `os`);
  * a class, function, builtin or other callable whose canonical name
    (`__module__` + "." + `__qualname__`) differs from where it was found:
    an alias to that name (`os.system` -> `posix.system`), marked verified
    when that name resolves back to the same object.

Every module in `sys.modules` after the walk is recorded, dependencies the
packages pulled in included (the header lists their versions). A module
whose import ends the interpreter is skipped on a rerun and named in a
`# note:` line of the header, as is a package set that does not import at
all (it is then not indexed). The standard libraries run with `-I -S`, so
no site-packages are seen.

`sys.modules` keys whose module calls itself otherwise are recorded too
(`os.path` -> `posixpath`). Modules with a module-level `__getattr__` (lazy
modules, numpy 2's `numpy.core` shims) are probed with the names of
`dir(module)`, `__all__` and of the same-named modules elsewhere.

The versions disagree in places (`pathlib.PosixPath` moves to
`pathlib._local` in 3.13, numpy 2 moves `numpy.core` to `numpy._core`): the
index keeps every distinct target, the identity included, whenever any
version has a non-identity one.

Run from the repository root with any CPython 3.9+ (needs the pyenv
interpreters listed in STDLIB_PYTHONS and PyPI):

    python3 scripts/gen-pynames.py

Re-running reuses the venvs when their pins are unchanged. `--keep-json`
leaves the per-source introspection output in target/pynames/.
"""

import argparse
import importlib
import json
import lzma
import os
import pkgutil
import shutil
import signal
import subprocess
import sys
import time
import types
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "target", "pynames")
OUT = os.path.join(ROOT, "crates", "modelvet-core", "data", "pynames.txt.xz")
PYENV = os.path.expanduser("~/.pyenv/versions")

STDLIB_PYTHONS = ["3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0"]
PKG_PYTHON = "3.12.1"

# name -> (pip requirements, top-level packages to walk, extra environment)
VENVS = {
    "np1": (["numpy==1.26.4"], ["numpy"], {}),
    "main": (
        [
            "numpy==2.5.5",
            "pandas==3.1.1",
            "scikit-learn==1.9.1",
            "scipy==1.18.1",
            "joblib==1.6.0",
            "transformers==5.24.0",  # 5.25.0 needs kernels>=0.19.1, not on PyPI yet
            "dill==0.4.1",
            "cloudpickle==3.1.3",
        ],
        [
            "numpy",
            "pandas",
            "sklearn",
            "scipy",
            "joblib",
            "transformers",
            "dill",
            "cloudpickle",
        ],
        {},
    ),
    # PyPI's Linux wheel of torch, with the CUDA libraries it pulls in; Keras 3
    # needs a backend (its numpy backend imports jax), torch is the one here;
    # transformers again, its torch models importable this time.
    "torch": (
        ["torch==2.15.0", "numpy==2.5.5", "keras==3.15.1", "transformers==5.24.0"],
        ["torch", "keras", "transformers"],
        {"KERAS_BACKEND": "torch"},
    ),
}

# Modules never imported: GUIs, import-time side effects, test suites.
SKIP_EXACT = {
    "antigravity",
    "this",
    "idlelib",
    "tkinter",
    "turtle",
    "turtledemo",
    "test",
    "ensurepip._bundled",
    "torch.testing._internal",
    "torch._inductor.fx_passes.serialized_patterns",
}
# The running program (this script here, the victim's program in a loader):
# nothing to index.
MAIN_MODULES = {"__main__", "__mp_main__"}
SKIP_SEGMENTS = {"test", "tests", "__main__", "conftest", "_pytest"}

IMPORT_SECONDS = 20
PROBE_SECONDS = 5
CHILD_SECONDS = 3600
MAX_CHILD_RESTARTS = 40


# ---------------------------------------------------------------- child side


class ImportTimeout(BaseException):
    pass


def _alarm(_signum, _frame):
    raise ImportTimeout()


def skipped(name):
    if name in SKIP_EXACT or any(name.startswith(s + ".") for s in SKIP_EXACT):
        return True
    parts = name.split(".")
    if any(p in SKIP_SEGMENTS for p in parts):
        return True
    # __hello__, __phello__ and the like print or are test fixtures.
    return parts[0].startswith("__")


def guarded(seconds, fn, *args):
    signal.alarm(seconds)
    try:
        return fn(*args)
    except (Exception, SystemExit, ImportTimeout):
        return None
    finally:
        signal.alarm(0)


def stdlib_roots():
    names = set(getattr(sys, "stdlib_module_names", ()))
    names.update(sys.builtin_module_names)
    import sysconfig

    paths = {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]}
    paths |= {os.path.join(p, "lib-dynload") for p in list(paths)}
    for info in pkgutil.iter_modules([p for p in paths if os.path.isdir(p)]):
        names.add(info.name)
    return sorted(n for n in names if not skipped(n))


def walk(roots, progress):
    """Import every module under `roots`, breadth first, each guarded."""
    queue = list(roots)
    seen = set()
    while queue:
        name = queue.pop(0)
        if name in seen or skipped(name):
            continue
        seen.add(name)
        progress.write(name + "\n")
        progress.flush()
        mod = guarded(IMPORT_SECONDS, importlib.import_module, name)
        path = getattr(mod, "__path__", None) if mod is not None else None
        if path is None:
            continue
        try:
            subs = sorted(i.name for i in pkgutil.iter_modules(list(path), name + "."))
        except Exception:
            continue
        queue.extend(subs)


def safe_getattr(obj, name):
    try:
        return getattr(obj, name, None)
    except BaseException:
        return None


def resolve_back(module, qualname):
    mod = sys.modules.get(module)
    if mod is None or "<locals>" in qualname:
        return None, False
    obj = mod
    for part in qualname.split("."):
        try:
            obj = getattr(obj, part)
        except BaseException:
            return None, False
    return obj, True


def describe(modname, attr, val):
    """[kind, target, verified] for one attribute, or None when not recorded."""
    if isinstance(val, types.ModuleType):
        name = safe_getattr(val, "__name__")
        return ["M", name, True] if isinstance(name, str) else None
    try:
        if isinstance(val, type):
            kind = "C"
        elif isinstance(val, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
            kind = "F"
        elif callable(val):
            kind = "X"
        else:
            return None
    except BaseException:
        return None
    qual = safe_getattr(val, "__qualname__")
    mod = safe_getattr(val, "__module__")
    if mod is None:
        owner = safe_getattr(val, "__objclass__")
        mod = safe_getattr(owner, "__module__") if owner is not None else None
    if not isinstance(qual, str) or not isinstance(mod, str) or not qual or not mod:
        return None
    target = mod + "." + qual
    if target == modname + "." + attr:
        return [kind, target, True]
    back, found = resolve_back(mod, qual)
    verified = False
    if found:
        try:
            verified = back is val or bool(back == val)
        except BaseException:
            verified = False
    return [kind, target, verified]


def module_getattr(mod):
    return type(mod) is not types.ModuleType or "__getattr__" in vars(mod)


def record(out):
    """Write one JSON line per module in sys.modules."""
    warnings.simplefilter("ignore")
    done = set()
    for _round in range(3):
        snapshot = [(k, m) for k, m in list(sys.modules.items()) if k not in done]
        if not snapshot:
            break
        by_last = {}
        for k, m in list(sys.modules.items()):
            if isinstance(m, types.ModuleType):
                try:
                    by_last.setdefault(k.rsplit(".", 1)[-1], set()).update(vars(m))
                except BaseException:
                    pass
        for key, mod in snapshot:
            done.add(key)
            if key in MAIN_MODULES or not isinstance(mod, types.ModuleType):
                continue
            name = safe_getattr(mod, "__name__")
            if not isinstance(name, str):
                continue
            try:
                items = dict(vars(mod))
            except BaseException:
                continue
            if module_getattr(mod):
                names = set(guarded(PROBE_SECONDS, dir, mod) or ())
                all_ = safe_getattr(mod, "__all__")
                if isinstance(all_, (list, tuple)):
                    names.update(n for n in all_ if isinstance(n, str))
                names.update(by_last.get(name.rsplit(".", 1)[-1], ()))
                for n in sorted(names - set(items)):
                    if n.startswith("__"):
                        continue
                    v = guarded(PROBE_SECONDS, safe_getattr, mod, n)
                    if v is not None:
                        items[n] = v
            attrs = []
            for attr, val in items.items():
                if not isinstance(attr, str) or (attr.startswith("__") and attr.endswith("__")):
                    continue
                d = describe(name, attr, val)
                if d is not None and d[1]:
                    attrs.append([attr] + d)
            out.write(json.dumps({"key": key, "name": name, "attrs": attrs}) + "\n")
    out.flush()


def child(args):
    sys.stdout = sys.stderr  # modules that print must not reach the output
    signal.signal(signal.SIGALRM, _alarm)
    warnings.simplefilter("ignore")
    SKIP_EXACT.update(args.skip or ())
    roots = stdlib_roots() if args.stdlib else args.roots.split(",")
    with open(args.progress, "w") as progress:
        walk(roots, progress)
    with open(args.child, "w") as out:
        record(out)


# --------------------------------------------------------------- parent side


def run(cmd, **kw):
    print("+", " ".join(cmd), file=sys.stderr)
    return subprocess.run(cmd, check=True, **kw)


def introspect(python, label, extra, env_extra, roots=None):
    """Run the child in `python`; a module that kills the interpreter is
    skipped on the next try. Returns (json lines path, skipped modules)."""
    out = os.path.join(WORK, label + ".jsonl")
    progress = os.path.join(WORK, label + ".progress")
    crashed = []
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **env_extra)
    for _ in range(MAX_CHILD_RESTARTS):
        cmd = [python] + extra + [os.path.abspath(__file__), "--child", out, "--progress", progress]
        if roots:
            cmd += ["--roots", ",".join(roots)]
        for c in crashed:
            cmd += ["--skip", c]
        print("+", label, *crashed, file=sys.stderr)
        try:
            rc = subprocess.run(cmd, env=env, timeout=CHILD_SECONDS, cwd=WORK).returncode
        except subprocess.TimeoutExpired:
            rc = -1
        if rc == 0:
            return out, crashed
        with open(progress) as f:
            lines = f.read().split()
        if not lines or lines[-1] in crashed:
            raise SystemExit(f"{label}: child failed with {rc} before importing anything new")
        print(f"{label}: importing {lines[-1]} ended the interpreter ({rc}); skipping it", file=sys.stderr)
        crashed.append(lines[-1])
    raise SystemExit(f"{label}: too many crashes")


def venv(name, reqs):
    path = os.path.join(WORK, "venv-" + name)
    python = os.path.join(path, "bin", "python")
    stamp = os.path.join(path, "pins.txt")
    want = "\n".join(reqs)
    if os.path.exists(stamp) and open(stamp).read() == want:
        return python
    shutil.rmtree(path, ignore_errors=True)  # pins changed: start clean
    if not os.path.exists(python):
        run([os.path.join(PYENV, PKG_PYTHON, "bin", "python3"), "-m", "venv", path])
    run([python, "-m", "pip", "install", "-q"] + reqs)
    with open(stamp, "w") as f:
        f.write(want)
    return python


def frozen(python):
    res = subprocess.run([python, "-m", "pip", "freeze"], capture_output=True, text=True)
    return sorted(l for l in res.stdout.split() if "==" in l)


def merge(paths):
    """(module, attr) -> {(kind, target, verified)}; key -> {module name}; modules."""
    attrs, keys, modules = {}, {}, set()
    for path in paths:
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                key, name = rec["key"], rec["name"]
                if key in MAIN_MODULES or name in MAIN_MODULES:
                    continue
                modules.update((key, name))
                keys.setdefault(key, set()).add(name)
                for attr, kind, target, verified in rec["attrs"]:
                    attrs.setdefault((name, attr), set()).add((kind, target, verified))
    return attrs, keys, modules


def clean(s):
    return isinstance(s, str) and s and not any(c in s for c in "\t\n\r")


def cell(mod, attr, kind, target, verified):
    """One target as the index writes it: a kind letter (lower case when
    unverified), then the target, `=` for `mod.attr` itself, or a prefix
    ending in "." that `attr` completes."""
    letter = kind if verified else kind.lower()
    if target == mod + "." + attr:
        return letter + "="
    if target.endswith("." + attr):
        return letter + target[: -len(attr)]
    return letter + target


def write(sources, notes, attrs, keys, modules):
    lines = ["# modelvet pynames v1: canonical Python names, by scripts/gen-pynames.py"]
    lines += ["# source: " + s for s in sources]
    lines += ["# note: " + n for n in notes]
    lines += ["=" + m for m in sorted(m for m in modules if clean(m))]
    for key in sorted(keys):
        names = keys[key]
        if names != {key} and clean(key) and all(clean(n) for n in names):
            lines.append(">" + key + "\t" + "\t".join(sorted(names)))
    by_module = {}
    for (mod, attr), found in attrs.items():
        if all(t == mod + "." + attr for _k, t, _v in found):
            continue
        if not (clean(mod) and clean(attr) and all(clean(t) for _k, t, _v in found)):
            continue
        if attr[0] in "#=>@":
            continue  # not an identifier; would read as another kind of line
        # A verified and an unverified spelling of one target: keep the verified.
        best = {}
        for kind, target, verified in found:
            best[(kind, target)] = best.get((kind, target), False) or verified
        cells = [cell(mod, attr, k, t, v) for (k, t), v in sorted(best.items())]
        by_module.setdefault(mod, []).append((sorted(best)[0][1], attr, cells))
    count = 0
    for mod in sorted(by_module):
        lines.append("@" + mod)
        # By target within a module: re-exports from one place sit together
        # and compress better.
        for _target, attr, cells in sorted(by_module[mod]):
            lines.append(attr + "\t" + "\t".join(cells))
            count += 1
    text = ("\n".join(lines) + "\n").encode()
    # xz (the core decodes it already); the dictionary covers the whole text
    # and no more, so inflating never needs more memory than that.
    dict_size = max(1 << 20, 1 << (len(text) - 1).bit_length())
    filters = [{"id": lzma.FILTER_LZMA2, "preset": 9 | lzma.PRESET_EXTREME, "dict_size": dict_size}]
    # No integrity check: the file is committed (git checks it) and a check
    # costs a fifth of the decoding time.
    packed = lzma.compress(text, format=lzma.FORMAT_XZ, check=lzma.CHECK_NONE, filters=filters)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "wb") as f:
        f.write(packed)
    print(f"{OUT}: {len(text)} bytes of text, {len(packed)} as xz, "
          f"{len(modules)} modules, {count} attribute aliases", file=sys.stderr)


def parent(args):
    os.makedirs(WORK, exist_ok=True)
    paths, sources, notes = [], [], []
    for v in STDLIB_PYTHONS:
        python = os.path.join(PYENV, v, "bin", "python3")
        path, crashed = introspect(python, "stdlib-" + v, ["-I", "-S"], {})
        paths.append(path)
        sources.append(f"CPython {v} standard library")
        if crashed:
            notes.append(f"CPython {v}: import ended the interpreter, skipped: {' '.join(crashed)}")
    for name, (reqs, roots, env) in VENVS.items():
        python = venv(name, reqs)
        label = "venv-" + name
        probe = subprocess.run(
            [python, "-c", "import " + ",".join(roots)], env=dict(os.environ, **env),
            capture_output=True, text=True, cwd=WORK,
        )
        if probe.returncode != 0:
            err = (probe.stderr.strip().splitlines() or ["?"])[-1]
            notes.append(f"{' '.join(reqs)}: `import {', '.join(roots)}` fails here ({err}); not indexed")
            continue
        path, crashed = introspect(python, label, ["-I"], env, roots)
        paths.append(path)
        deps = [f for f in frozen(python) if f not in reqs]
        sources.append(f"CPython {PKG_PYTHON} with {' '.join(reqs)}"
                       + (f" (and their dependencies {' '.join(deps)})" if deps else ""))
        if crashed:
            notes.append(f"{' '.join(reqs)}: import ended the interpreter, skipped: {' '.join(crashed)}")
    write(sources, notes, *merge(paths))
    if not args.keep_json:
        for p in paths:
            os.remove(p)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--progress", help=argparse.SUPPRESS)
    ap.add_argument("--skip", action="append", help=argparse.SUPPRESS)
    ap.add_argument("--roots", help=argparse.SUPPRESS)
    ap.add_argument("--keep-json", action="store_true")
    args = ap.parse_args()
    if args.child:
        args.stdlib = not args.roots
        child(args)
    else:
        parent(args)


if __name__ == "__main__":
    main()
