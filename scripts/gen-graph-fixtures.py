#!/usr/bin/env python3
"""Write the small real model files under tests/fixtures/graphs/.

Each file is produced by its format's own library (onnx, h5py, keras), so the
scanners are tested against bytes real writers emit. Nothing here is loaded
back or executed by the tests; the Lambda layers are harmless (`t * 2`).

Run in a throwaway virtual environment:

    python3 -m venv /tmp/graphs-venv
    /tmp/graphs-venv/bin/pip install onnx h5py keras numpy scipy jax
    KERAS_BACKEND=jax /tmp/graphs-venv/bin/python scripts/gen-graph-fixtures.py

The SavedModel fixtures need TensorFlow, which is kept out of that
environment (its protobuf and Keras pins differ):

    python3 -m venv /tmp/tf-venv
    /tmp/tf-venv/bin/pip install tensorflow-cpu tf-keras
    /tmp/tf-venv/bin/python scripts/gen-graph-fixtures.py --tensorflow

Only `saved_model.pb`, `fingerprint.pb` and `variables/variables.index` are
kept; the graphs are traced, never run.

The HDF5 dense-storage fixtures need only h5py and numpy, and read the
model configuration of keras/lambda.h5:

    /tmp/graphs-venv/bin/python scripts/gen-graph-fixtures.py --hdf5-dense

The Keras preprocessing-layer fixtures need TensorFlow too (the lookup
layers are built on tf.lookup); the vocabulary file is written to a
temporary folder, so its absolute path is what the configuration records:

    /tmp/tf-venv/bin/pip install tensorflow-cpu
    KERAS_BACKEND=tensorflow /tmp/tf-venv/bin/python scripts/gen-graph-fixtures.py --keras-lookup

The ONNX unknown-field fixture is derived from onnx/external_traversal.onnx
and checked with the onnx package:

    /tmp/graphs-venv/bin/python scripts/gen-graph-fixtures.py --onnx-unknown

The versions used are written to tests/fixtures/graphs/VERSIONS.txt (and
VERSIONS-tensorflow.txt, VERSIONS-hdf5-dense.txt, VERSIONS-keras-lookup.txt).
"""

import json
import os
import pathlib
import platform
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "graphs"


def tensorflow_fixtures():
    import shutil
    import tempfile

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    class Benign(tf.Module):
        def __init__(self):
            self.w = tf.Variable([1.0, 2.0])

        @tf.function(input_signature=[tf.TensorSpec([2], tf.float32)])
        def serve(self, x):
            return tf.nn.relu(x * self.w)

    class FileOps(tf.Module):
        """Reads a host file, plants another and lists SSH keys when served."""

        def __init__(self):
            self.w = tf.Variable([1.0, 2.0])

        @tf.function(input_signature=[tf.TensorSpec([], tf.string)])
        def serve(self, key):
            secret = tf.io.read_file("/etc/hostname")
            tf.io.write_file("/tmp/modelvet-fixture-planted.txt", secret)
            files = tf.io.matching_files("/home/*/.ssh/*")
            return tf.strings.join([secret, key, tf.strings.reduce_join(files)])

    keep = ["saved_model.pb", "fingerprint.pb", "variables/variables.index"]
    with tempfile.TemporaryDirectory() as tmp:
        for name, module in (("benign", Benign()), ("file_ops", FileOps())):
            tf.saved_model.save(module, os.path.join(tmp, name))
            for rel in keep:
                dst = OUT / "savedmodel" / name / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(os.path.join(tmp, name, rel), dst)
    # Keras 2 (tf_keras) SavedModels carry keras_metadata.pb with each layer's config.
    import tf_keras

    double = eval(compile("lambda t: t * 2", "<fixture>", "eval"))
    models = {
        "keras_benign": tf_keras.Sequential([tf_keras.Input((4,)), tf_keras.layers.Dense(2)]),
        "keras_lambda": tf_keras.Sequential(
            [tf_keras.Input((4,)), tf_keras.layers.Dense(2), tf_keras.layers.Lambda(double)]
        ),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, model in models.items():
            model.save(os.path.join(tmp, name), save_format="tf")
            files = ["keras_metadata.pb"] + (["saved_model.pb"] if name == "keras_benign" else [])
            for rel in files:
                dst = OUT / "savedmodel" / name / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(os.path.join(tmp, name, rel), dst)
    with open(OUT / "VERSIONS-tensorflow.txt", "w") as f:
        f.write("# Written by scripts/gen-graph-fixtures.py --tensorflow\n")
        f.write(f"python {platform.python_version()}\ntensorflow {tf.__version__}\n")
        f.write(f"tf_keras {tf_keras.__version__}\n")


if "--tensorflow" in sys.argv:
    tensorflow_fixtures()
    sys.exit(0)


def keras_lookup_fixtures():
    """A StringLookup layer built from a vocabulary file and saved by Keras
    (which keeps the vocabulary in the archive's assets/ and writes
    `"vocabulary": null`), and the same archive with only the configuration's
    `vocabulary` edited to a path outside it, as an attacker would: loading
    that copy reads /etc/hostname through tf.io.gfile (Keras refuses it while
    safe_mode=True since 3.12, which this script checks)."""
    import tempfile
    import zipfile

    os.environ["KERAS_BACKEND"] = "tensorflow"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    out = OUT / "keras"
    benign = out / "lookup-assets.keras"
    with tempfile.TemporaryDirectory() as tmp:
        vocab = os.path.join(tmp, "vocab.txt")
        with open(vocab, "w") as f:
            f.write("cat\ndog\nbird\n")
        inp = keras.Input(shape=(1,), dtype="string")
        out_t = keras.layers.StringLookup(vocabulary=vocab)(inp)
        keras.Model(inp, out_t).save(benign)
    edited = out / "lookup-path.keras"
    with zipfile.ZipFile(benign) as src, zipfile.ZipFile(edited, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "config.json":
                data = data.replace(b'"vocabulary": null', b'"vocabulary": "/etc/hostname"')
                assert b"/etc/hostname" in data
            dst.writestr(info, data)
    try:
        keras.saving.load_model(edited)
        raise SystemExit("safe_mode load of the edited archive succeeded")
    except Exception as e:  # Keras wraps the ValueError in a TypeError
        assert "vocabulary file outside of the model archive" in str(e), e
    keras.saving.load_model(benign)
    with open(OUT / "VERSIONS-keras-lookup.txt", "w") as f:
        f.write("# Written by scripts/gen-graph-fixtures.py --keras-lookup\n")
        f.write(f"python {platform.python_version()}\nkeras {keras.__version__}\n")


def onnx_unknown_fields_fixtures():
    """onnx/external_traversal.onnx with fields this version of onnx.proto
    does not define put before everything else: field 99 (varint), field 100
    (a group) and producer_name (2) as a varint. protobuf skips all three, so
    onnx.load reads the model, its graph and its external-data location; the
    script checks that before writing."""
    import onnx

    src = (OUT / "onnx" / "external_traversal.onnx").read_bytes()
    extra = bytes([0x98, 0x06, 0x01, 0xA3, 0x06, 0x08, 0x01, 0xA4, 0x06, 0x10, 0x05])
    data = extra + src
    model = onnx.load_model_from_string(data)
    assert model.graph.name == onnx.load_model_from_string(src).graph.name
    locations = [
        e.value for t in model.graph.initializer for e in t.external_data if e.key == "location"
    ]
    assert locations == ["../../../../etc/passwd"], locations
    assert model.ir_version > 0
    (OUT / "onnx" / "unknown_fields_traversal.onnx").write_bytes(data)
    with open(OUT / "VERSIONS-onnx-unknown.txt", "w") as f:
        f.write("# Written by scripts/gen-graph-fixtures.py --onnx-unknown\n")
        f.write(f"python {platform.python_version()}\nonnx {onnx.__version__}\n")


if "--onnx-unknown" in sys.argv:
    onnx_unknown_fields_fixtures()
    sys.exit(0)

if "--keras-lookup" in sys.argv:
    keras_lookup_fixtures()
    sys.exit(0)

import h5py  # noqa: E402
import numpy as np  # noqa: E402


def dense_file(path, attrs_dense=True):
    """A file in the latest format whose root group keeps every attribute in
    dense storage (a fractal heap indexed by a v2 B-tree), as libhdf5 does
    for objects with many or large attributes."""
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_libver_bounds(h5py.h5f.LIBVER_LATEST, h5py.h5f.LIBVER_LATEST)
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    if attrs_dense:
        fcpl.set_attr_phase_change(0, 0)
    fid = h5py.h5f.create(str(path).encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl)
    return h5py.File(fid)


def hdf5_dense_fixtures():
    """Dense attribute and link storage (run with --hdf5-dense; needs only h5py
    and numpy). Versions go to tests/fixtures/graphs/VERSIONS-hdf5-dense.txt."""
    out = OUT / "hdf5"
    # The real Keras 3 configuration with a Lambda layer (marshalled bytecode
    # of `lambda t: t * 2`), from keras/lambda.h5, with every root attribute
    # in dense storage: model_config is a managed heap object.
    with h5py.File(OUT / "keras" / "lambda.h5", "r") as src:
        lambda_attrs = {k: src.attrs[k] for k in ("backend", "keras_version", "model_config")}
    with dense_file(out / "dense_keras_lambda.h5") as f:
        for k, v in lambda_attrs.items():
            f.attrs[k] = v
        f.create_group("model_weights").attrs["layer_names"] = [b"dense_3", b"lambda_1"]
    # A benign Sequential configuration above 4 KiB, the largest managed
    # object of libhdf5's attribute heaps, written as bytes (a fixed-length
    # string, as Keras 2 did): the model_config attribute message is a huge
    # object, stored outside the heap and found through the huge-object B-tree.
    layers = [{"class_name": "InputLayer", "config": {"batch_shape": [None, 4], "name": "input"}}]
    for i in range(48):
        layers.append({"class_name": "Dense", "config": {"name": f"dense_{i}", "units": 4, "activation": "relu"}})
    config = {"class_name": "Sequential", "config": {"name": "seq", "layers": layers}}
    text = json.dumps(config)
    assert 4096 < len(text) < 8192, len(text)
    with dense_file(out / "dense_keras_huge.h5") as f:
        f.attrs["backend"] = "jax"
        f.attrs["keras_version"] = "3.15.1"
        f.attrs["model_config"] = np.bytes_(text.encode("utf8"))
    # More links than compact storage holds (8): the group's links move to
    # dense storage; one of them is an external link, one a soft link.
    with dense_file(out / "dense_links.h5", attrs_dense=False) as f:
        f.attrs["note"] = "dense links"
        g = f.create_group("model_weights")
        for i in range(10):
            g.create_dataset(f"w{i}", data=np.full(2, i, dtype="u1"))
        # Enough soft links that the heap's root becomes an indirect block
        # of several direct blocks and the name index a two-level B-tree.
        for i in range(64):
            g[f"alias_{i:02d}"] = h5py.SoftLink(f"/model_weights/w{i % 10}")
        g["bias"] = h5py.ExternalLink("../../../../etc/passwd", "/")
        g["soft"] = h5py.SoftLink("/model_weights/w0")
        for i in range(12):
            g.attrs[f"a{i}"] = f"value {i}"
    # The same shape without the external link: nothing to report.
    with dense_file(out / "dense_links_benign.h5", attrs_dense=False) as f:
        g = f.create_group("model_weights")
        for i in range(10):
            g.create_dataset(f"w{i}", data=np.full(2, i, dtype="u1"))
        g["soft"] = h5py.SoftLink("/model_weights/w0")
    with open(OUT / "VERSIONS-hdf5-dense.txt", "w") as f:
        f.write("# Written by scripts/gen-graph-fixtures.py --hdf5-dense\n")
        f.write(f"python {platform.python_version()}\nh5py {h5py.__version__}\n")
        f.write(f"hdf5 {h5py.version.hdf5_version}\nnumpy {np.__version__}\n")
    for name in ("dense_keras_lambda.h5", "dense_keras_huge.h5", "dense_links.h5", "dense_links_benign.h5"):
        size = (out / name).stat().st_size
        print(f"{size:8d} hdf5/{name}")
        assert size < 16 * 1024, name


if "--hdf5-dense" in sys.argv:
    hdf5_dense_fixtures()
    sys.exit(0)

import onnx  # noqa: E402
from onnx import TensorProto, helper  # noqa: E402


def save_onnx(model, name):
    onnx.save(model, str(OUT / "onnx" / name))


def tiny_graph(nodes, name="g", extra_inits=()):
    w = helper.make_tensor("w", TensorProto.FLOAT, [2], [1.0, 2.0])
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
    return helper.make_graph(nodes, name, [x], [y], [w, *extra_inits])


def onnx_fixtures():
    (OUT / "onnx").mkdir(parents=True, exist_ok=True)
    opset = [helper.make_opsetid("", 17)]

    # A benign model: y = relu(x + w).
    g = tiny_graph(
        [
            helper.make_node("Add", ["x", "w"], ["s"], name="add"),
            helper.make_node("Relu", ["s"], ["y"], name="relu"),
        ],
        "benign",
    )
    m = helper.make_model(g, opset_imports=opset, producer_name="modelvet-fixtures")
    helper.set_model_props(m, {"license": "apache-2.0", "author": "modelvet"})
    onnx.checker.check_model(m)
    save_onnx(m, "benign.onnx")

    # Custom-domain op plus an ONNX Runtime contrib op.
    g = tiny_graph(
        [
            helper.make_node("Decrypt", ["x", "w"], ["s"], name="dec", domain="com.example.ops"),
            helper.make_node("FastGelu", ["s"], ["y"], name="gelu", domain="com.microsoft"),
        ],
        "custom",
    )
    m = helper.make_model(
        g,
        opset_imports=opset
        + [helper.make_opsetid("com.example.ops", 1), helper.make_opsetid("com.microsoft", 1)],
    )
    save_onnx(m, "custom_domain.onnx")

    # Initializers whose external data leaves the model folder, and one that does not.
    def external(name, location):
        t = helper.make_tensor(name, TensorProto.FLOAT, [2], [0.0, 0.0])
        t.ClearField("float_data")
        t.data_location = TensorProto.EXTERNAL
        e = t.external_data.add()
        e.key, e.value = "location", location
        e = t.external_data.add()
        e.key, e.value = "length", "8"
        return t

    g = tiny_graph(
        [helper.make_node("Add", ["x", "secret"], ["y"], name="add")],
        "external",
        [external("secret", "../../../../etc/passwd")],
    )
    save_onnx(helper.make_model(g, opset_imports=opset), "external_traversal.onnx")
    g = tiny_graph(
        [helper.make_node("Add", ["x", "ok"], ["y"], name="add")],
        "external_ok",
        [external("ok", "weights.bin")],
    )
    save_onnx(helper.make_model(g, opset_imports=opset), "external_ok.onnx")

    # An If node whose then-branch holds a custom op.
    then_g = helper.make_graph(
        [helper.make_node("Hidden", ["x"], ["t"], name="hidden", domain="evil.ops")],
        "then",
        [],
        [helper.make_tensor_value_info("t", TensorProto.FLOAT, [2])],
    )
    else_g = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["e"], name="id")],
        "else",
        [],
        [helper.make_tensor_value_info("e", TensorProto.FLOAT, [2])],
    )
    cond = helper.make_tensor("c", TensorProto.BOOL, [], [True])
    g = tiny_graph(
        [helper.make_node("If", ["c"], ["y"], name="branch", then_branch=then_g, else_branch=else_g)],
        "if",
        [cond],
    )
    save_onnx(
        helper.make_model(g, opset_imports=opset + [helper.make_opsetid("evil.ops", 1)]),
        "if_subgraph.onnx",
    )

    # A model-local function in its own domain, called by the graph.
    fn = helper.make_function(
        "local.fns",
        "AddRelu",
        ["a", "b"],
        ["c"],
        [
            helper.make_node("Add", ["a", "b"], ["s"]),
            helper.make_node("Relu", ["s"], ["c"]),
        ],
        opset,
    )
    g = tiny_graph([helper.make_node("AddRelu", ["x", "w"], ["y"], domain="local.fns")], "fn")
    m = helper.make_model(
        g, opset_imports=opset + [helper.make_opsetid("local.fns", 1)], functions=[fn]
    )
    onnx.checker.check_model(m)
    save_onnx(m, "local_function.onnx")

    # Metadata carrying code.
    g = tiny_graph([helper.make_node("Add", ["x", "w"], ["y"])], "meta")
    m = helper.make_model(g, opset_imports=opset)
    helper.set_model_props(m, {"preprocess": "__import__('os').system('id')"})
    save_onnx(m, "metadata_code.onnx")


def hdf5_fixtures():
    (OUT / "hdf5").mkdir(parents=True, exist_ok=True)
    config = {
        "class_name": "Sequential",
        "config": {
            "name": "seq",
            "layers": [
                {"class_name": "InputLayer", "config": {"batch_shape": [None, 4]}},
                {"class_name": "Dense", "config": {"units": 2, "activation": "relu"}},
            ],
        },
    }
    text = json.dumps(config)
    # As legacy Keras H5 saving writes them: JSON as bytes (fixed-length
    # string) in older versions, as str (variable-length) in Keras 3.
    for libver, name in (("earliest", "keras_attrs_v0.h5"), ("latest", "keras_attrs_v3.h5")):
        with h5py.File(OUT / "hdf5" / name, "w", libver=libver) as f:
            f.attrs["backend"] = "tensorflow"
            f.attrs["keras_version"] = "2.15.0"
            f.attrs["model_config"] = text.encode("utf8")
            f.attrs["training_config"] = json.dumps({"loss": "mse"})
            f.create_group("model_weights").attrs["layer_names"] = [b"dense"]
    # A user block of 512 bytes before the superblock.
    with h5py.File(OUT / "hdf5" / "userblock.h5", "w", userblock_size=512) as f:
        f.attrs["model_config"] = json.dumps(config)
    # More attributes than compact storage holds: libhdf5 moves them to dense
    # storage (a fractal heap indexed by a version 2 B-tree).
    with h5py.File(OUT / "hdf5" / "dense_attrs.h5", "w", libver="latest") as f:
        for i in range(12):
            f.attrs[f"a{i}"] = f"value {i}"
    # Links and storage that make h5py read other files of the loading machine.
    for libver, name in (("earliest", "external_link_v0.h5"), ("latest", "external_link_v3.h5")):
        with h5py.File(OUT / "hdf5" / name, "w", libver=libver) as f:
            f.attrs["model_config"] = json.dumps(config)
            g = f.create_group("model_weights/dense")
            g.create_dataset("kernel", data=np.zeros(2, dtype="f4"))
            g["bias"] = h5py.ExternalLink("../../../../etc/passwd", "/")
            f["model_weights/soft"] = h5py.SoftLink("/model_weights/dense")
    with h5py.File(OUT / "hdf5" / "external_storage.h5", "w") as f:
        g = f.create_group("model_weights/dense")
        g.create_dataset("kernel", shape=(4,), dtype="u1", external=[("/etc/hostname", 0, 4)])
        g.create_dataset("bias", shape=(4,), dtype="u1", external=[("bias.raw", 0, 4)])
    # Nested groups and datasets only, in both layouts (nothing to report).
    for libver, name in (("earliest", "groups_v0.h5"), ("latest", "groups_v3.h5")):
        with h5py.File(OUT / "hdf5" / name, "w", libver=libver) as f:
            for i in range(3):
                g = f.create_group(f"layers/layer{i}/vars")
                g.create_dataset("0", data=np.ones((2, 2), dtype="f4"))
                g.attrs["note"] = f"layer {i}"
    # A plain HDF5 file without Keras attributes.
    with h5py.File(OUT / "hdf5" / "plain.h5", "w") as f:
        f.create_dataset("x", data=np.arange(4, dtype="f4"))
        f.attrs["note"] = "just data"


def keras_fixtures():
    import keras

    (OUT / "keras").mkdir(parents=True, exist_ok=True)

    def benign():
        return keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="relu")])

    def with_lambda():
        inp = keras.Input((4,))
        x = keras.layers.Dense(2)(inp)
        # Compiled under a neutral file name so the bytecode records no local path.
        double = eval(compile("lambda t: t * 2", "<fixture>", "eval"))
        x = keras.layers.Lambda(double)(x)
        return keras.Model(inp, x)

    benign().save(OUT / "keras" / "benign.keras")
    with_lambda().save(OUT / "keras" / "lambda.keras")
    benign().save(OUT / "keras" / "benign.h5")
    with_lambda().save(OUT / "keras" / "lambda.h5")
    return keras.__version__


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    onnx_fixtures()
    hdf5_fixtures()
    keras_version = keras_fixtures()
    import jax

    versions = {
        "python": platform.python_version(),
        "onnx": onnx.__version__,
        "h5py": h5py.__version__,
        "hdf5": h5py.version.hdf5_version,
        "numpy": np.__version__,
        "keras": keras_version,
        "keras_backend": os.environ["KERAS_BACKEND"],
        "jax": jax.__version__,
    }
    with open(OUT / "VERSIONS.txt", "w") as f:
        f.write("# Written by scripts/gen-graph-fixtures.py\n")
        for k, v in versions.items():
            f.write(f"{k} {v}\n")
    for p in sorted(OUT.rglob("*")):
        if p.is_file():
            print(f"{p.stat().st_size:8d} {p.relative_to(OUT)}")
            assert p.stat().st_size < 64 * 1024, p


if __name__ == "__main__":
    sys.exit(main())
