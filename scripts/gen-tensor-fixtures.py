#!/usr/bin/env python3
"""Write the small tensor-file fixtures in tests/fixtures/tensors/ with each
format's own writer library, and record the library versions in
tests/fixtures/tensors/VERSIONS.txt.

Set up (once):
    python3 -m venv /tmp/tvenv
    /tmp/tvenv/bin/pip install safetensors numpy gguf msgpack tflite flatbuffers
Run from the repository root:
    /tmp/tvenv/bin/python scripts/gen-tensor-fixtures.py

Every file is tiny (well under 64 KiB) and deterministic. Nothing here loads a
model; the libraries only write bytes.
"""

import importlib.metadata as md
import os
import sys

import numpy as np

OUT = os.path.join("tests", "fixtures", "tensors")

# Real chat templates, as published in the models' tokenizer_config.json.
CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
    "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def safetensors_fixture():
    from safetensors.numpy import save

    tensors = {
        "embed.weight": np.arange(12, dtype=np.float32).reshape(3, 4),
        "head.bias": np.zeros(4, dtype=np.float16),
    }
    data = save(tensors, metadata={"format": "np"})
    write("tiny.safetensors", data)


def gguf_fixture():
    import gguf

    path = os.path.join(OUT, "tiny.gguf")
    w = gguf.GGUFWriter(path, "llama")
    w.add_name("tiny-test")
    w.add_context_length(64)
    w.add_embedding_length(4)
    w.add_block_count(1)
    w.add_file_type(0)  # ALL_F32
    w.add_tokenizer_model("llama")
    w.add_token_list(["<unk>", "<s>", "</s>", "a", "b"])
    w.add_token_scores([0.0, 0.0, 0.0, -1.0, -2.0])
    w.add_chat_template(CHATML)
    w.add_array("tiny.nested", [[1, 2], [3]])
    w.add_tensor("token_embd.weight", np.arange(20, dtype=np.float32).reshape(5, 4))
    w.add_tensor("output_norm.weight", np.ones(4, dtype=np.float16))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print("wrote", path, os.path.getsize(path), "bytes")


def write(name, data):
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        f.write(data)
    print("wrote", path, len(data), "bytes")


def main():
    os.makedirs(OUT, exist_ok=True)
    safetensors_fixture()
    gguf_fixture()
    versions = ["python " + sys.version.split()[0]]
    for pkg in ["safetensors", "numpy", "gguf", "msgpack", "tflite", "flatbuffers"]:
        try:
            versions.append(f"{pkg} {md.version(pkg)}")
        except md.PackageNotFoundError:
            versions.append(f"{pkg} (not installed)")
    with open(os.path.join(OUT, "VERSIONS.txt"), "w") as f:
        f.write("\n".join(versions) + "\n")


if __name__ == "__main__":
    main()
