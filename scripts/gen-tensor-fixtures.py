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


def tflite_model(ops, description):
    """A one-subgraph model: float tensors 0 and 1 in, tensor 2 out, one
    operator per entry of `ops` ((builtin_code, custom_code or None)), written
    with the TFLite schema's generated Python (the `tflite` package) and the
    `flatbuffers` builder, with file identifier TFL3 as the converter writes."""
    import flatbuffers
    import tflite

    b = flatbuffers.Builder(1024)
    desc = b.CreateString(description)
    names = [b.CreateString(n) for n in ("a", "b", "out")]

    codes = []
    for builtin, custom in ops:
        custom_off = b.CreateString(custom) if custom else None
        tflite.OperatorCodeStart(b)
        tflite.OperatorCodeAddDeprecatedBuiltinCode(b, min(builtin, 127))
        tflite.OperatorCodeAddBuiltinCode(b, builtin)
        tflite.OperatorCodeAddVersion(b, 1)
        if custom_off is not None:
            tflite.OperatorCodeAddCustomCode(b, custom_off)
        codes.append(tflite.OperatorCodeEnd(b))

    def int_vector(start, values):
        start(b, len(values))
        for v in reversed(values):
            b.PrependInt32(v)
        return b.EndVector()

    tensors = []
    for i, name in enumerate(names):
        shape = int_vector(tflite.TensorStartShapeVector, [1, 4])
        tflite.TensorStart(b)
        tflite.TensorAddShape(b, shape)
        tflite.TensorAddType(b, tflite.TensorType.FLOAT32)
        tflite.TensorAddBuffer(b, 0)
        tflite.TensorAddName(b, name)
        tensors.append(tflite.TensorEnd(b))

    operators = []
    for index, _ in enumerate(ops):
        inputs = int_vector(tflite.OperatorStartInputsVector, [0, 1])
        outputs = int_vector(tflite.OperatorStartOutputsVector, [2])
        tflite.OperatorStart(b)
        tflite.OperatorAddOpcodeIndex(b, index)
        tflite.OperatorAddInputs(b, inputs)
        tflite.OperatorAddOutputs(b, outputs)
        operators.append(tflite.OperatorEnd(b))

    def offset_vector(start, offsets):
        start(b, len(offsets))
        for o in reversed(offsets):
            b.PrependUOffsetTRelative(o)
        return b.EndVector()

    tensors_vec = offset_vector(tflite.SubGraphStartTensorsVector, tensors)
    ops_vec = offset_vector(tflite.SubGraphStartOperatorsVector, operators)
    sg_inputs = int_vector(tflite.SubGraphStartInputsVector, [0, 1])
    sg_outputs = int_vector(tflite.SubGraphStartOutputsVector, [2])
    sg_name = b.CreateString("main")
    tflite.SubGraphStart(b)
    tflite.SubGraphAddTensors(b, tensors_vec)
    tflite.SubGraphAddInputs(b, sg_inputs)
    tflite.SubGraphAddOutputs(b, sg_outputs)
    tflite.SubGraphAddOperators(b, ops_vec)
    tflite.SubGraphAddName(b, sg_name)
    subgraph = tflite.SubGraphEnd(b)

    tflite.BufferStart(b)
    empty_buffer = tflite.BufferEnd(b)

    codes_vec = offset_vector(tflite.ModelStartOperatorCodesVector, codes)
    subgraphs_vec = offset_vector(tflite.ModelStartSubgraphsVector, [subgraph])
    buffers_vec = offset_vector(tflite.ModelStartBuffersVector, [empty_buffer])
    tflite.ModelStart(b)
    tflite.ModelAddVersion(b, 3)
    tflite.ModelAddOperatorCodes(b, codes_vec)
    tflite.ModelAddSubgraphs(b, subgraphs_vec)
    tflite.ModelAddDescription(b, desc)
    tflite.ModelAddBuffers(b, buffers_vec)
    model = tflite.ModelEnd(b)
    b.Finish(model, file_identifier=b"TFL3")
    return bytes(b.Output())


def tflite_fixtures():
    import tflite

    add = tflite.BuiltinOperator.ADD
    custom = tflite.BuiltinOperator.CUSTOM
    write("tiny-add.tflite", tflite_model([(add, None)], "tiny add"))
    write(
        "flex-custom.tflite",
        tflite_model([(custom, "FlexReadFile"), (custom, "MyCustomOp"), (add, None)], "flex and custom ops"),
    )


def flax_fixture():
    """Flax's serialisation layout (flax.serialization.msgpack_serialize): a
    msgpack map of parameters, each array as ext type 1 holding the msgpack
    of (shape, dtype name, raw bytes). Written with msgpack directly: flax
    itself needs jax, which is too heavy for a fixture script."""
    import msgpack

    def ndarray(a):
        return msgpack.ExtType(1, msgpack.packb((a.shape, a.dtype.name, a.tobytes()), use_bin_type=True))

    state = {
        "params": {
            "Dense_0": {
                "kernel": ndarray(np.ones((3, 2), dtype=np.float32)),
                "bias": ndarray(np.zeros(2, dtype=np.float32)),
            }
        }
    }
    write("flax_model.msgpack", msgpack.packb(state, use_bin_type=True))


def write(name, data):
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        f.write(data)
    print("wrote", path, len(data), "bytes")


def main():
    os.makedirs(OUT, exist_ok=True)
    safetensors_fixture()
    gguf_fixture()
    tflite_fixtures()
    flax_fixture()
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
