#!/usr/bin/env python3
"""Write tests/fixtures/real-benign/: harmless files saved by current releases
of the libraries people use, in the shapes a scanner tends to misjudge (whole
PyTorch models, sklearn pipelines with numpy functions, pathlib and io
objects, bound methods, big protocol-0 strings, object arrays, Keras lookup
layers). Loading any of them runs no code beyond building the objects.

Set up and run from the repository root (versions are recorded in
MANIFEST.tsv):
    python3.12 -m venv target/advgen-venv
    target/advgen-venv/bin/pip install -r scripts/adversarial-requirements.txt
    KERAS_BACKEND=torch target/advgen-venv/bin/python scripts/gen-real-benign.py

The pathlib pickles are written by CPython 3.12 and 3.13 themselves (found at
~/.pyenv/versions/3.1x.y/bin/python3 or python3.1x on PATH).
"""

import glob
import importlib.metadata as md
import io
import os
import pickle
import platform
import shutil
import subprocess
import sys

os.environ.setdefault("KERAS_BACKEND", "torch")

OUT = os.path.join("tests", "fixtures", "real-benign")
ROWS = []
MAX = 200 * 1024


def write(rel, data, loader, what, how, limit=MAX):
    assert len(data) < limit, (rel, len(data))
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    ROWS.append((rel, "real-benign", loader, what, how, "benign"))


def torch_files():
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.GELU(), torch.nn.Linear(8, 2))
    buf = io.BytesIO()
    torch.save(net.state_dict(), buf)
    write("torch_state_dict.pt", buf.getvalue(), "torch.load (weights_only default)",
          "state_dict of Linear-GELU-Linear", "torch.save(state_dict)")
    net.act_fn = torch.nn.functional.gelu  # a torch._C._nn builtin as an attribute
    net.act = torch.nn.SiLU()
    buf = io.BytesIO()
    torch.save(net, buf)
    write("torch_whole_model.pt", buf.getvalue(), "torch.load(weights_only=False)",
          "whole nn.Sequential with GELU/SiLU modules and torch.nn.functional.gelu attribute",
          "torch.save(model)")
    from transformers import TrainingArguments

    args = TrainingArguments(output_dir="out", per_device_train_batch_size=2, report_to=[])
    buf = io.BytesIO()
    torch.save(args, buf)
    write("training_args.bin", buf.getvalue(), "torch.load(weights_only=False)",
          "transformers TrainingArguments as Trainer saves it", "torch.save(TrainingArguments)")


def sklearn_files():
    import functools

    import joblib
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    x = np.abs(np.random.default_rng(0).normal(size=(20, 3)))
    y = (x[:, 0] > x[:, 1]).astype(int)
    pipe = Pipeline([
        ("log", FunctionTransformer(np.log1p)),
        ("clip", FunctionTransformer(functools.partial(np.clip, a_min=0.0, a_max=10.0))),
        ("scale", StandardScaler()),
        ("clf", LogisticRegression()),
    ]).fit(x, y)
    buf = io.BytesIO()
    joblib.dump(pipe, buf)
    write("sklearn_pipeline.joblib", buf.getvalue(), "joblib.load",
          "Pipeline(FunctionTransformer(numpy.log1p), FunctionTransformer(partial(numpy.clip)),"
          " StandardScaler, LogisticRegression)", "joblib.dump")


def numpy_files():
    import numpy as np

    arr = np.array([1, "two", 3, "four", None], dtype=object)
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    write("numpy_object_ints_strings.npy", buf.getvalue(), "numpy.load(allow_pickle=True)",
          "object array of ints, strings, None", "numpy.save(allow_pickle=True)")


def stdlib_files():
    import collections
    import types

    write("bytesio.pkl", pickle.dumps({"buf": io.BytesIO(b"weights")}, 4), "pickle.load",
          "io.BytesIO", "pickle.dumps")
    methods = {"od": collections.OrderedDict.fromkeys, "hex": bytes.fromhex,
               "dk": dict.fromkeys, "ik": int.from_bytes}
    write("classmethods_p4.pkl", pickle.dumps(methods, 4), "pickle.load",
          "OrderedDict.fromkeys, bytes.fromhex, dict.fromkeys, int.from_bytes (protocol 4)",
          "pickle.dumps")
    write("classmethods_p2.pkl", pickle.dumps(methods, 2), "pickle.load",
          "the same classmethods written by protocol 2 (getattr reduce)", "pickle.dumps")
    write("ordereddict_fromkeys_p2.pkl", pickle.dumps(collections.OrderedDict.fromkeys, 2),
          "pickle.load", "pickle.dumps(collections.OrderedDict.fromkeys)", "pickle.dumps")
    write("bytes_fromhex_p3.pkl", pickle.dumps(bytes.fromhex, 3), "pickle.load",
          "pickle.dumps(bytes.fromhex)", "pickle.dumps")
    big = {"text": "lorem ipsum " * (3 * 1024 * 1024 // 12)}
    write("p0_3mb_string.pkl", pickle.dumps(big, 0), "pickle.load",
          "protocol 0 pickle with a 3 MiB string", "pickle.dumps(protocol=0)", limit=4 << 20)
    state = types.SimpleNamespace(labels=["B", "I", "O"])
    state.__dict__["__FILE_RESOURCE_DATA__"] = b"\x00crfsuite model bytes\x00"
    write("file_resource_data_state.pkl", pickle.dumps(state, 4), "pickle.load",
          "object state with a __FILE_RESOURCE_DATA__ key (the sklearn-crfsuite CRF pattern)",
          "pickle.dumps(types.SimpleNamespace)")


def crfsuite_file():
    """The real sklearn-crfsuite CRF, if the package is installed."""
    try:
        import sklearn_crfsuite
    except ImportError:
        print("sklearn-crfsuite not installed: skipping crf.pkl")
        return
    crf = sklearn_crfsuite.CRF(max_iterations=5)
    xs = [[{"w": "a"}, {"w": "b"}], [{"w": "b"}, {"w": "a"}]]
    ys = [["X", "Y"], ["Y", "X"]]
    crf.fit(xs, ys)
    write("sklearn_crfsuite_crf.pkl", pickle.dumps(crf, 4), "pickle.load",
          "sklearn_crfsuite.CRF (state holds the model file under __FILE_RESOURCE_DATA__)",
          "pickle.dumps(CRF)")


def find_python(minor):
    found = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/3.{minor}.*/bin/python3")))
    if found:
        return found[-1]
    return shutil.which(f"python3.{minor}")


def pathlib_files():
    code = ("import pathlib, pickle, sys; sys.stdout.buffer.write(pickle.dumps("
            "{'path': pathlib.Path('/data/model.bin'), 'pure': pathlib.PurePosixPath('a/b')},"
            " pickle.DEFAULT_PROTOCOL))")
    for minor in (12, 13):
        py = find_python(minor)
        if not py:
            sys.exit(f"no CPython 3.{minor} found")
        data = subprocess.run([py, "-c", code], check=True, capture_output=True).stdout
        ver = subprocess.run([py, "-c", "import platform; print(platform.python_version())"],
                             check=True, capture_output=True, text=True).stdout.strip()
        write(f"pathlib_py3{minor}.pkl", data, "pickle.load",
              f"pathlib.Path and PurePosixPath pickled by CPython {ver}",
              f"pickle.dumps under CPython {ver}")


def stable_keras(path):
    """The .keras file with its save date and Python id()s made stable, so a
    re-run writes the same bytes (Keras writes nothing else that varies)."""
    import json
    import re
    import zipfile

    ids = {}
    out = io.BytesIO()
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "metadata.json":
                meta = json.loads(data)
                meta["date_saved"] = "2024-01-01@00:00:00"
                data = json.dumps(meta).encode()
            if info.filename == "config.json":
                data = re.sub(rb'"shared_object_id": (\d+)',
                              lambda m: b'"shared_object_id": %d'
                              % ids.setdefault(m.group(1), len(ids) + 1), data)
            zinfo = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            zinfo.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(zinfo, data)
    return out.getvalue()


def keras_files():
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=(1,), dtype="string"),
        keras.layers.StringLookup(vocabulary=["cat", "dog", "bird"], output_mode="int"),
        keras.layers.Embedding(5, 2),
    ])
    path = os.path.join("target", "real-benign-tmp.keras")
    model.save(path)
    data = stable_keras(path)
    os.remove(path)
    write("keras_stringlookup_inline.keras", data, "keras.saving.load_model",
          "Sequential(StringLookup(inline vocabulary), Embedding)", "keras Model.save")


def lightning_file():
    try:
        import lightning
        import torch
    except ImportError:
        print("lightning not installed: skipping lightning.ckpt")
        return

    class Tiny(lightning.LightningModule):
        def __init__(self):
            super().__init__()
            self.layer = torch.nn.Linear(2, 1)

    trainer = lightning.Trainer(max_epochs=0, logger=False, enable_checkpointing=False,
                                enable_progress_bar=False, enable_model_summary=False)
    trainer.strategy.connect(Tiny())
    path = os.path.join("target", "real-benign-tmp.ckpt")
    trainer.save_checkpoint(path)
    with open(path, "rb") as f:
        data = f.read()
    os.remove(path)
    write("lightning.ckpt", data, "torch.load / LightningModule.load_from_checkpoint",
          "Lightning Trainer.save_checkpoint of a one-layer module", "Trainer.save_checkpoint")


def versions():
    out = [f"python {platform.python_version()}"]
    for p in ("numpy", "torch", "joblib", "scikit-learn", "keras", "tensorflow-cpu",
              "transformers", "accelerate", "lightning", "sklearn-crfsuite", "python-crfsuite"):
        try:
            out.append(f"{p} {md.version(p)}")
        except md.PackageNotFoundError:
            out.append(f"{p} -")
    return out


def main():
    if not os.path.isdir(os.path.join("crates", "modelvet-core")):
        sys.exit("run from the repository root")
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):  # README.md is kept by hand
        if name != "README.md":
            os.remove(os.path.join(OUT, name))
    os.makedirs("target", exist_ok=True)
    torch_files()
    sklearn_files()
    numpy_files()
    stdlib_files()
    crfsuite_file()
    pathlib_files()
    keras_files()  # StringLookup needs TensorFlow installed, whatever the backend
    lightning_file()
    with open(os.path.join(OUT, "MANIFEST.tsv"), "w") as f:
        f.write("# Written by scripts/gen-real-benign.py with: " + ", ".join(versions()) + "\n")
        f.write("# file\tclass\tloader\twhat it holds\thow written\texpected\n")
        for row in sorted(ROWS):
            f.write("\t".join(row) + "\n")
    print(f"{len(ROWS)} entries in {OUT}/MANIFEST.tsv")


if __name__ == "__main__":
    main()
