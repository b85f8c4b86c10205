//! Globals that real checkpoints need, each with the reason it is safe to
//! import and call. Matching is exact on the resolved `module.qualname`: an
//! attribute reached *through* an allowed name (`collections.OrderedDict.x`) is
//! not allowed.

use foldhash::fast::FixedState;
use std::collections::HashMap;
use std::sync::OnceLock;

const TORCH_REBUILD: &str =
    "torch.save reduces tensors to this rebuild function; it only wraps storages in tensors";
const TORCH_STORAGE: &str =
    "storage type named in torch.save's persistent ids; constructing one allocates memory only";
const TORCH_DTYPE: &str = "torch dtype constant, pickled by name";
const TORCH_LAYOUT: &str = "torch layout or memory-format constant, pickled by name";
const NUMPY_ARRAY: &str =
    "numpy's array reduction: builds an empty array that BUILD fills with raw bytes";
const NUMPY_SCALAR: &str = "numpy scalar or dtype reconstruction from raw bytes";
const NUMPY_RANDOM: &str =
    "numpy random state reconstruction; looks bit generators up in a fixed table";
const PY_CONTAINER: &str = "plain data type of the standard library";
const COPYREG: &str =
    "object reconstruction helper used by protocols 0-2; calls only the class it is given";
const SKLEARN: &str =
    "scikit-learn estimator class; unpickling restores attributes, fit code is not run";
const SCIPY: &str = "scipy sparse matrix class; restored from arrays";
const JOBLIB: &str = "joblib's placeholder for an array stored inline after the pickle opcodes";
const JOBLIB_COMPANION: &str = "joblib < 0.10 placeholder for an array in a companion file of the dump's folder; \
     the file name is checked where BUILD fills the wrapper (a name leaving the folder is a gadget), \
     and the companion is scanned as its own file";
const NUMPY_MATRIX: &str =
    "numpy.matrix, an ndarray subclass restored by _reconstruct and ndarray.__setstate__";
const TORCH_JIT_BUILDER: &str =
    "torch.jit._pickle list and type-tag builder written by torch.jit.save; returns its argument unchanged";
const PATH: &str = "path value; constructing one touches no file";
const IN_MEMORY: &str = "in-memory buffer; its state is bytes or text and a position";
const PARTIAL: &str =
    "binds a callable to arguments without calling it; the callable is judged on its own, \
     and calling the partial while loading is a call on a call's result (a gadget)";
const ALTERNATE_CONSTRUCTOR: &str =
    "alternate constructor of an allowed type, building a value from plain data";
const ATEN_NN: &str =
    "ATen neural-network operator (torch.nn.functional's builtins such as gelu): \
     tensor arithmetic only; whole-model saves reference them as module attributes";
const UFUNC: &str = "numpy 1.x's ufunc reduction: imports a module and returns one attribute; \
     each call is judged as the import of the name it is given";
const HF_ARGS: &str = "training-argument class stored in training_args.bin; plain data";

/// `(module.qualname, reason)`.
pub const ALLOWED: &[(&str, &str)] = &[
    // PyTorch tensors, parameters and storages.
    ("torch._utils._rebuild_tensor", TORCH_REBUILD),
    ("torch._utils._rebuild_tensor_v2", TORCH_REBUILD),
    ("torch._utils._rebuild_tensor_v3", TORCH_REBUILD),
    ("torch._utils._rebuild_parameter", TORCH_REBUILD),
    ("torch._utils._rebuild_parameter_with_state", TORCH_REBUILD),
    ("torch._utils._rebuild_sparse_tensor", TORCH_REBUILD),
    ("torch._utils._rebuild_sparse_csr", TORCH_REBUILD),
    ("torch._utils._rebuild_nested_tensor", TORCH_REBUILD),
    ("torch._utils._rebuild_qtensor", TORCH_REBUILD),
    (
        "torch._utils._rebuild_meta_tensor_no_storage",
        TORCH_REBUILD,
    ),
    ("torch._utils._rebuild_wrapper_subclass", TORCH_REBUILD),
    (
        "torch._utils._rebuild_device_tensor_from_numpy",
        TORCH_REBUILD,
    ),
    ("torch._tensor._rebuild_from_type", TORCH_REBUILD),
    ("torch._tensor._rebuild_from_type_v2", TORCH_REBUILD),
    ("torch.nn.parameter.Parameter", TORCH_REBUILD),
    ("torch.Tensor", TORCH_REBUILD),
    ("torch.Size", "tensor shape, a tuple of ints"),
    (
        "torch.device",
        "device descriptor such as 'cpu' or 'cuda:0'",
    ),
    (
        "torch.torch_version.TorchVersion",
        "version string saved with checkpoints",
    ),
    ("torch.storage.UntypedStorage", TORCH_STORAGE),
    ("torch.storage.TypedStorage", TORCH_STORAGE),
    ("torch.UntypedStorage", TORCH_STORAGE),
    ("torch.FloatStorage", TORCH_STORAGE),
    ("torch.DoubleStorage", TORCH_STORAGE),
    ("torch.HalfStorage", TORCH_STORAGE),
    ("torch.BFloat16Storage", TORCH_STORAGE),
    ("torch.LongStorage", TORCH_STORAGE),
    ("torch.IntStorage", TORCH_STORAGE),
    ("torch.ShortStorage", TORCH_STORAGE),
    ("torch.CharStorage", TORCH_STORAGE),
    ("torch.ByteStorage", TORCH_STORAGE),
    ("torch.BoolStorage", TORCH_STORAGE),
    ("torch.ComplexFloatStorage", TORCH_STORAGE),
    ("torch.ComplexDoubleStorage", TORCH_STORAGE),
    ("torch.QInt8Storage", TORCH_STORAGE),
    ("torch.QUInt8Storage", TORCH_STORAGE),
    ("torch.QInt32Storage", TORCH_STORAGE),
    ("torch.QUInt4x2Storage", TORCH_STORAGE),
    ("torch.QUInt2x4Storage", TORCH_STORAGE),
    ("torch.float32", TORCH_DTYPE),
    ("torch.float", TORCH_DTYPE),
    ("torch.float64", TORCH_DTYPE),
    ("torch.double", TORCH_DTYPE),
    ("torch.float16", TORCH_DTYPE),
    ("torch.half", TORCH_DTYPE),
    ("torch.bfloat16", TORCH_DTYPE),
    ("torch.float8_e4m3fn", TORCH_DTYPE),
    ("torch.float8_e5m2", TORCH_DTYPE),
    ("torch.int64", TORCH_DTYPE),
    ("torch.long", TORCH_DTYPE),
    ("torch.int32", TORCH_DTYPE),
    ("torch.int", TORCH_DTYPE),
    ("torch.int16", TORCH_DTYPE),
    ("torch.short", TORCH_DTYPE),
    ("torch.int8", TORCH_DTYPE),
    ("torch.uint8", TORCH_DTYPE),
    ("torch.uint16", TORCH_DTYPE),
    ("torch.uint32", TORCH_DTYPE),
    ("torch.uint64", TORCH_DTYPE),
    ("torch.bool", TORCH_DTYPE),
    ("torch.complex32", TORCH_DTYPE),
    ("torch.complex64", TORCH_DTYPE),
    ("torch.complex128", TORCH_DTYPE),
    ("torch.cfloat", TORCH_DTYPE),
    ("torch.cdouble", TORCH_DTYPE),
    ("torch.qint8", TORCH_DTYPE),
    ("torch.quint8", TORCH_DTYPE),
    ("torch.qint32", TORCH_DTYPE),
    ("torch.quint4x2", TORCH_DTYPE),
    ("torch.jit._pickle.build_intlist", TORCH_JIT_BUILDER),
    ("torch.jit._pickle.build_tensorlist", TORCH_JIT_BUILDER),
    ("torch.jit._pickle.build_doublelist", TORCH_JIT_BUILDER),
    ("torch.jit._pickle.build_boollist", TORCH_JIT_BUILDER),
    ("torch.jit._pickle.build_tensor_from_id", TORCH_JIT_BUILDER),
    ("torch.jit._pickle.restore_type_tag", TORCH_JIT_BUILDER),
    ("torch.strided", TORCH_LAYOUT),
    ("torch.sparse_coo", TORCH_LAYOUT),
    ("torch.sparse_csr", TORCH_LAYOUT),
    ("torch.per_tensor_affine", TORCH_LAYOUT),
    ("torch.per_channel_affine", TORCH_LAYOUT),
    ("torch.contiguous_format", TORCH_LAYOUT),
    ("torch.channels_last", TORCH_LAYOUT),
    ("torch.preserve_format", TORCH_LAYOUT),
    // NumPy arrays, dtypes and scalars (numpy 1.x and 2.x module paths).
    ("numpy.core.multiarray._reconstruct", NUMPY_ARRAY),
    ("numpy.core._ufunc_reconstruct", UFUNC),
    ("numpy._core._ufunc_reconstruct", UFUNC),
    ("numpy._core.multiarray._reconstruct", NUMPY_ARRAY),
    ("numpy.core.numeric._frombuffer", NUMPY_ARRAY),
    ("numpy._core.numeric._frombuffer", NUMPY_ARRAY),
    ("numpy.ndarray", NUMPY_ARRAY),
    (
        "numpy.core._internal._reconstruct",
        "numpy < 1.0 name of the array reduction (kept by numpy for old pickles); calls ndarray.__new__ only",
    ),
    ("numpy.ma.core._mareconstruct", NUMPY_ARRAY),
    ("numpy.matrix", NUMPY_MATRIX),
    ("numpy.matrixlib.defmatrix.matrix", NUMPY_MATRIX),
    ("numpy.ma.core.MaskedArray", NUMPY_ARRAY),
    ("numpy.core.multiarray.scalar", NUMPY_SCALAR),
    ("numpy._core.multiarray.scalar", NUMPY_SCALAR),
    ("numpy.dtype", NUMPY_SCALAR),
    ("numpy.random._pickle.__randomstate_ctor", NUMPY_RANDOM),
    ("numpy.random._pickle.__bit_generator_ctor", NUMPY_RANDOM),
    ("numpy.random._pickle.__generator_ctor", NUMPY_RANDOM),
    ("numpy.random.mtrand.RandomState", NUMPY_RANDOM),
    ("numpy.random._mt19937.MT19937", NUMPY_RANDOM),
    ("numpy.random._pcg64.PCG64", NUMPY_RANDOM),
    ("numpy.random.bit_generator.SeedSequence", NUMPY_RANDOM),
    (
        "numpy.random.bit_generator.__pyx_unpickle_SeedSequence",
        NUMPY_RANDOM,
    ),
    ("numpy.float64", NUMPY_SCALAR),
    ("numpy.float32", NUMPY_SCALAR),
    ("numpy.float16", NUMPY_SCALAR),
    ("numpy.int64", NUMPY_SCALAR),
    ("numpy.int32", NUMPY_SCALAR),
    ("numpy.int16", NUMPY_SCALAR),
    ("numpy.int8", NUMPY_SCALAR),
    ("numpy.uint8", NUMPY_SCALAR),
    ("numpy.bool_", NUMPY_SCALAR),
    ("numpy.object_", NUMPY_SCALAR),
    ("numpy.str_", NUMPY_SCALAR),
    // joblib.
    ("joblib.numpy_pickle.NDArrayWrapper", JOBLIB_COMPANION),
    ("joblib.numpy_pickle.ZNDArrayWrapper", JOBLIB_COMPANION),
    ("joblib.numpy_pickle_compat.NDArrayWrapper", JOBLIB_COMPANION),
    ("joblib.numpy_pickle_compat.ZNDArrayWrapper", JOBLIB_COMPANION),
    (
        "sklearn.externals.joblib.numpy_pickle.NDArrayWrapper",
        JOBLIB_COMPANION,
    ),
    (
        "sklearn.externals.joblib.numpy_pickle.ZNDArrayWrapper",
        JOBLIB_COMPANION,
    ),
    (
        "sklearn.externals.joblib.numpy_pickle_compat.NDArrayWrapper",
        JOBLIB_COMPANION,
    ),
    (
        "sklearn.externals.joblib.numpy_pickle_compat.ZNDArrayWrapper",
        JOBLIB_COMPANION,
    ),
    ("joblib.numpy_pickle.NumpyArrayWrapper", JOBLIB),
    (
        "sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper",
        JOBLIB,
    ),
    // Python data types.
    ("collections.OrderedDict", PY_CONTAINER),
    ("collections.defaultdict", PY_CONTAINER),
    ("collections.Counter", PY_CONTAINER),
    ("collections.deque", PY_CONTAINER),
    ("builtins.set", PY_CONTAINER),
    ("builtins.frozenset", PY_CONTAINER),
    ("builtins.complex", PY_CONTAINER),
    ("builtins.slice", PY_CONTAINER),
    ("builtins.bytearray", PY_CONTAINER),
    ("builtins.bytes", PY_CONTAINER),
    ("builtins.range", PY_CONTAINER),
    ("builtins.int", PY_CONTAINER),
    ("builtins.float", PY_CONTAINER),
    ("builtins.str", PY_CONTAINER),
    ("builtins.bool", PY_CONTAINER),
    ("builtins.tuple", PY_CONTAINER),
    ("builtins.list", PY_CONTAINER),
    ("builtins.dict", PY_CONTAINER),
    (
        "builtins.object",
        "base class named by copyreg._reconstructor",
    ),
    (
        "_codecs.encode",
        "protocols 0-2 write bytes as _codecs.encode(text, 'latin1')",
    ),
    ("copyreg._reconstructor", COPYREG),
    ("copyreg.__newobj__", COPYREG),
    ("copyreg.__newobj_ex__", COPYREG),
    ("types.SimpleNamespace", PY_CONTAINER),
    (
        "argparse.Namespace",
        "command-line arguments saved with checkpoints; plain attributes",
    ),
    ("datetime.datetime", PY_CONTAINER),
    ("datetime.date", PY_CONTAINER),
    ("datetime.time", PY_CONTAINER),
    ("datetime.timedelta", PY_CONTAINER),
    ("datetime.timezone", PY_CONTAINER),
    ("decimal.Decimal", PY_CONTAINER),
    ("fractions.Fraction", PY_CONTAINER),
    ("uuid.UUID", PY_CONTAINER),
    (
        "pathlib.PosixPath",
        "path value; constructing one touches no file",
    ),
    (
        "pathlib.WindowsPath",
        "path value; constructing one touches no file",
    ),
    (
        "pathlib.PurePosixPath",
        "path value; constructing one touches no file",
    ),
    (
        "pathlib.PureWindowsPath",
        "path value; constructing one touches no file",
    ),
    // Python 3.13 moved the path classes; its pickles name the new home.
    ("pathlib._local.PosixPath", PATH),
    ("pathlib._local.WindowsPath", PATH),
    ("pathlib._local.PurePosixPath", PATH),
    ("pathlib._local.PureWindowsPath", PATH),
    ("_io.BytesIO", IN_MEMORY),
    ("io.BytesIO", IN_MEMORY),
    ("_io.StringIO", IN_MEMORY),
    ("io.StringIO", IN_MEMORY),
    ("functools.partial", PARTIAL),
    (
        "builtins.getattr",
        "how pickle writes bound methods and classmethods; each call is judged by what it \
         looks up (`getattr(dict, 'fromkeys')` is the global `builtins.dict.fromkeys`)",
    ),
    // Classmethods and methods of allowed types that pickle writes through
    // getattr; each builds a value of its type from plain data.
    ("builtins.dict.fromkeys", ALTERNATE_CONSTRUCTOR),
    ("collections.OrderedDict.fromkeys", ALTERNATE_CONSTRUCTOR),
    ("builtins.bytes.fromhex", ALTERNATE_CONSTRUCTOR),
    ("builtins.bytearray.fromhex", ALTERNATE_CONSTRUCTOR),
    ("builtins.int.from_bytes", ALTERNATE_CONSTRUCTOR),
    ("builtins.float.fromhex", ALTERNATE_CONSTRUCTOR),
    ("datetime.datetime.fromtimestamp", ALTERNATE_CONSTRUCTOR),
    ("datetime.datetime.fromisoformat", ALTERNATE_CONSTRUCTOR),
    ("datetime.date.fromisoformat", ALTERNATE_CONSTRUCTOR),
    ("datetime.date.fromordinal", ALTERNATE_CONSTRUCTOR),
    // scikit-learn estimators as stored by joblib/pickle.
    ("sklearn.linear_model._logistic.LogisticRegression", SKLEARN),
    ("sklearn.linear_model._base.LinearRegression", SKLEARN),
    ("sklearn.linear_model._ridge.Ridge", SKLEARN),
    (
        "sklearn.linear_model._stochastic_gradient.SGDClassifier",
        SKLEARN,
    ),
    ("sklearn.linear_model._coordinate_descent.Lasso", SKLEARN),
    ("sklearn.svm._classes.SVC", SKLEARN),
    ("sklearn.svm._classes.LinearSVC", SKLEARN),
    ("sklearn.svm._classes.SVR", SKLEARN),
    ("sklearn.tree._classes.DecisionTreeClassifier", SKLEARN),
    ("sklearn.tree._classes.DecisionTreeRegressor", SKLEARN),
    ("sklearn.tree._tree.Tree", SKLEARN),
    ("sklearn.ensemble._forest.RandomForestClassifier", SKLEARN),
    ("sklearn.ensemble._forest.RandomForestRegressor", SKLEARN),
    ("sklearn.ensemble._forest.ExtraTreesClassifier", SKLEARN),
    ("sklearn.ensemble._gb.GradientBoostingClassifier", SKLEARN),
    ("sklearn.ensemble._gb.GradientBoostingRegressor", SKLEARN),
    (
        "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
        SKLEARN,
    ),
    (
        "sklearn.neighbors._classification.KNeighborsClassifier",
        SKLEARN,
    ),
    ("sklearn.naive_bayes.GaussianNB", SKLEARN),
    ("sklearn.naive_bayes.MultinomialNB", SKLEARN),
    ("sklearn.cluster._kmeans.KMeans", SKLEARN),
    ("sklearn.decomposition._pca.PCA", SKLEARN),
    ("sklearn.preprocessing._data.StandardScaler", SKLEARN),
    ("sklearn.preprocessing._data.MinMaxScaler", SKLEARN),
    ("sklearn.preprocessing._encoders.OneHotEncoder", SKLEARN),
    ("sklearn.preprocessing._label.LabelEncoder", SKLEARN),
    ("sklearn.feature_extraction.text.TfidfVectorizer", SKLEARN),
    ("sklearn.feature_extraction.text.CountVectorizer", SKLEARN),
    ("sklearn.feature_extraction.text.TfidfTransformer", SKLEARN),
    ("sklearn.pipeline.Pipeline", SKLEARN),
    (
        "sklearn.compose._column_transformer.ColumnTransformer",
        SKLEARN,
    ),
    ("sklearn.impute._base.SimpleImputer", SKLEARN),
    (
        "sklearn.neural_network._multilayer_perceptron.MLPClassifier",
        SKLEARN,
    ),
    ("sklearn.utils._bunch.Bunch", SKLEARN),
    ("sklearn.dummy.DummyClassifier", SKLEARN),
    ("sklearn.dummy.DummyRegressor", SKLEARN),
    ("sklearn._loss.loss.HalfBinomialLoss", SKLEARN),
    ("sklearn._loss.loss.HalfSquaredError", SKLEARN),
    ("sklearn._loss.loss.HalfMultinomialLoss", SKLEARN),
    ("sklearn._loss._loss.CyHalfBinomialLoss", SKLEARN),
    ("sklearn._loss._loss.CyHalfSquaredError", SKLEARN),
    ("sklearn._loss._loss.CyHalfMultinomialLoss", SKLEARN),
    ("sklearn._loss.link.Interval", SKLEARN),
    ("sklearn._loss.link.LogitLink", SKLEARN),
    ("sklearn._loss.link.IdentityLink", SKLEARN),
    ("sklearn._loss.link.MultinomialLogit", SKLEARN),
    ("scipy.sparse._csr.csr_matrix", SCIPY),
    ("scipy.sparse._csc.csc_matrix", SCIPY),
    ("scipy.sparse._coo.coo_matrix", SCIPY),
    ("scipy.sparse.csr.csr_matrix", SCIPY),
    ("scipy.sparse.csc.csc_matrix", SCIPY),
    // Hugging Face training_args.bin.
    ("transformers.training_args.TrainingArguments", HF_ARGS),
    ("transformers.training_args.OptimizerNames", HF_ARGS),
    ("transformers.trainer_utils.IntervalStrategy", HF_ARGS),
    ("transformers.trainer_utils.SchedulerType", HF_ARGS),
    ("transformers.trainer_utils.HubStrategy", HF_ARGS),
    ("transformers.trainer_utils.SaveStrategy", HF_ARGS),
    ("transformers.debug_utils.DebugOption", HF_ARGS),
    ("transformers.trainer_pt_utils.AcceleratorConfig", HF_ARGS),
    ("accelerate.utils.dataclasses.DistributedType", HF_ARGS),
    ("accelerate.state.PartialState", HF_ARGS),
];

/// Namespaces whose every plain function is allowed: `(prefix, reason)`.
/// Only a single identifier below the prefix matches (no attribute of a
/// function, no special name).
pub const ALLOWED_NAMESPACES: &[(&str, &str)] = &[("torch._C._nn.", ATEN_NN)];

/// Namespaces whose classes may be instantiated without arguments and given
/// state (`cls.__new__(cls)` then `BUILD`), as whole-model saves do:
/// `(prefix, reason)`. A class below the prefix called with arguments, or a
/// function, is judged as any unknown global.
pub const CONSTRUCTIBLE_NAMESPACES: &[(&str, &str)] = &[
    (
        "torch.nn.modules.",
        "torch.nn layer class from a whole-model save: Module.__setstate__ restores its attribute dict",
    ),
    (
        "sklearn.",
        "scikit-learn class: BaseEstimator.__setstate__ restores its attribute dict (fit code is not run)",
    ),
];

/// The reason instances of `name` may be restored from state, if they may:
/// an allowed global, or a class (a `Capitalised` last segment) below a
/// constructible namespace.
pub fn constructible(name: &str) -> Option<&'static str> {
    reason(name).or_else(|| {
        CONSTRUCTIBLE_NAMESPACES.iter().find_map(|(prefix, why)| {
            let rest = name.strip_prefix(prefix)?;
            let mut segments = rest.split('.');
            let plain = segments.clone().all(|s| {
                !s.is_empty()
                    && !s.starts_with("__")
                    && s.bytes().all(|b| b == b'_' || b.is_ascii_alphanumeric())
            });
            let class = segments
                .next_back()
                .is_some_and(|s| s.starts_with(|c: char| c.is_ascii_uppercase()));
            (plain && class).then_some(*why)
        })
    })
}

/// The reason `name` is allowed, if it is.
pub fn reason(name: &str) -> Option<&'static str> {
    exact(name).or_else(|| {
        ALLOWED_NAMESPACES.iter().find_map(|(prefix, why)| {
            let rest = name.strip_prefix(prefix)?;
            let plain = !rest.is_empty()
                && !rest.starts_with("__")
                && rest.bytes().all(|b| b == b'_' || b.is_ascii_alphanumeric());
            plain.then_some(*why)
        })
    })
}

fn exact(name: &str) -> Option<&'static str> {
    static INDEX: OnceLock<HashMap<&'static str, &'static str, FixedState>> = OnceLock::new();
    INDEX
        .get_or_init(|| ALLOWED.iter().copied().collect())
        .get(name)
        .copied()
}
