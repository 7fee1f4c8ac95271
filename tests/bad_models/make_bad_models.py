#!/usr/bin/env python3
"""Generates the bad-input corpus: broken ONNX models, broken input tensors and bad command lines.

Every case is one dnncost invocation that must end in ONE clear error message (exit status 2), or, for the
positive controls, succeed. The corpus is written under OUT_DIR (one folder per case) with OUT_DIR/manifest.json
listing each case:

  name        unique case name (also the model's file name, so a message naming the file contains it)
  what        what is wrong with the input
  args        dnncost arguments; "{case}" is the case's folder, "{corpus}" the corpus folder
  expect      "error" (exit 2, one "dnncost: error:" message containing every string of `contains`),
              "out_of_memory" (exit 3: the plan needs more than --max-memory; one message, as for "error"),
              "ok" (exit 0, a result), or "error_or_ok" (random corruption: either, but never a crash or a hang)
  contains    substrings the error message must contain: the file, the node (name and op) where a node is at
              fault, and what was expected
  valgrind    true for the cases the memcheck run covers (parse failures and external data)

Run with /usr/bin/python3 (Debian's onnx 1.12). usage: make_bad_models.py OUT_DIR
"""
import json
import os
import random
import shutil
import sys
import warnings
import zipfile

import numpy as np

# Debian's onnx 1.12 still uses the aliases numpy removed in 1.24; restore them before import.
warnings.filterwarnings("ignore", category=FutureWarning)
for _alias, _type in (("float", float), ("int", int), ("bool", bool), ("object", object)):
    if not hasattr(np, _alias):
        setattr(np, _alias, _type)

import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

# A valid input tensor for X [1, 3, 4, 4], written first; `run` cases of broken models use it.
SHARED_INPUT = "{corpus}/shared/input_0.pb"
IR_VERSION = 8
MAX_OPSET = 17
FLOAT = TensorProto.FLOAT


class Corpus:
    """Collects the cases and writes their files."""

    def __init__(self, root):
        self.root = root
        self.cases = []
        self.names = set()

    def folder(self, name):
        path = os.path.join(self.root, name)
        os.makedirs(path, exist_ok=True)
        return path

    def add(self, name, what, args, expect="error", contains=(), valgrind=False, also_run=False):
        """Adds a case; also_run adds "<name>_run": the same model given to `run` with a valid input tensor,
        which must fail with the same message."""
        assert name not in self.names, name
        self.names.add(name)
        self.cases.append({"name": name, "what": what, "args": list(args), "expect": expect,
                           "contains": list(contains), "valgrind": valgrind})
        if also_run:
            assert args[0] == "info"
            self.add(name + "_run", what + " (with `run`)", run(args[1], SHARED_INPUT), expect, contains)

    def write_bytes(self, name, data, file_name=None):
        """Writes `data` as the case's model file; returns the path relative to the corpus."""
        file_name = file_name or name + ".onnx"
        with open(os.path.join(self.folder(name), file_name), "wb") as f:
            f.write(data)
        return "{corpus}/" + name + "/" + file_name

    def write_model(self, name, model, file_name=None):
        return self.write_bytes(name, model.SerializeToString(), file_name)

    def write_tensor(self, name, file_name, tensor):
        with open(os.path.join(self.folder(name), file_name), "wb") as f:
            f.write(tensor.SerializeToString() if isinstance(tensor, onnx.TensorProto) else tensor)
        return "{corpus}/" + name + "/" + file_name

    def manifest(self):
        with open(os.path.join(self.root, "manifest.json"), "w") as f:
            json.dump({"schema": "dnncost.bad_models/1", "cases": self.cases}, f, indent=1)


# --- model builders -----------------------------------------------------------------------------------------


def model(nodes, inputs, outputs, initializers=(), opset=MAX_OPSET, extra_opsets=(), name="bad"):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(initializers))
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in extra_opsets]
    m = helper.make_model(graph, opset_imports=opsets, producer_name="make_bad_models")
    m.ir_version = IR_VERSION
    return m


def x_input(shape=(1, 3, 4, 4), name="X", elem=FLOAT):
    return helper.make_tensor_value_info(name, elem, list(shape))


def y_output(shape=(1, 3, 4, 4), name="Y"):
    return helper.make_tensor_value_info(name, FLOAT, None if shape is None else list(shape))


def base_model():
    """A valid model: X -> Relu 'relu1' -> R -> Sigmoid 'sig1' -> Y, and a weight W -> Relu 'relu_w' -> WR."""
    w = numpy_helper.from_array(np.arange(16, dtype=np.float32).reshape(4, 4) - 8, "W")
    return model([helper.make_node("Relu", ["X"], ["R"], name="relu1"),
                  helper.make_node("Sigmoid", ["R"], ["Y"], name="sig1"),
                  helper.make_node("Relu", ["W"], ["WR"], name="relu_w")],
                 [x_input()], [y_output(), helper.make_tensor_value_info("WR", FLOAT, [4, 4])], [w])


def weight_model(w):
    """X -> Relu 'relu1' -> Y plus an initializer W used by Relu 'relu_w' (folded at plan time)."""
    return model([helper.make_node("Relu", ["X"], ["Y"], name="relu1"),
                  helper.make_node("Relu", [w.name or "W"], ["WR"], name="relu_w")],
                 [x_input()], [y_output(), helper.make_tensor_value_info("WR", FLOAT, None)], [w])


def one_node_model(node, inputs=None, outputs=None, initializers=(), **kw):
    return model([node], inputs if inputs is not None else [x_input()],
                 outputs if outputs is not None else [helper.make_tensor_value_info(node.output[0], FLOAT, None)],
                 initializers, **kw)


def float_data_tensor(name, dims, values):
    """A float tensor with `values` in float_data, however many dims ask for (helper.make_tensor would check)."""
    t = TensorProto(name=name, data_type=FLOAT, dims=dims)
    t.float_data.extend(values)
    return t


def raw_tensor(name, dims, raw, data_type=FLOAT):
    t = TensorProto()
    t.name = name
    t.data_type = data_type
    t.dims.extend(dims)
    t.raw_data = raw
    return t


def external_tensor(name, dims, location, offset=None, length=None):
    t = TensorProto()
    t.name = name
    t.data_type = FLOAT
    t.dims.extend(dims)
    t.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", offset), ("length", length)):
        if value is not None:
            entry = t.external_data.add()
            entry.key = key
            entry.value = str(value)
    return t


def input_tensor(shape=(1, 3, 4, 4), name="X", dtype=np.float32):
    return numpy_helper.from_array((np.arange(int(np.prod(shape))) % 7 - 3).astype(dtype).reshape(shape), name)


def parses(data):
    try:
        onnx.ModelProto.FromString(data)
        return True
    except Exception:  # noqa: BLE001 - any protobuf decode error
        return False


def info(model_path):
    return ["info", model_path]


def run(model_path, *inputs, out="{case}/out"):
    args = ["run", model_path]
    for i in inputs:
        args += ["--in", i]
    return args + ["--out", out]


# --- the cases ----------------------------------------------------------------------------------------------


def files_that_are_not_models(c):
    c.add("missing_file", "the model file does not exist", info("{case}/missing_file.onnx"),
          contains=["missing_file.onnx", "no such file", "expected an ONNX model"], valgrind=True)
    c.folder("missing_file")
    path = c.write_bytes("empty_file", b"")
    c.add("empty_file", "a zero-byte file", info(path), contains=["empty_file.onnx", "empty"], valgrind=True)
    rng = np.random.default_rng(1234)
    data = rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()
    assert not parses(data)
    path = c.write_bytes("random_bytes", data)
    c.add("random_bytes", "4 KiB of random bytes", info(path),
          contains=["random_bytes.onnx", "not a valid ONNX model"], valgrind=True, also_run=True)
    path = c.write_bytes("text_file", b"This is a README, not a neural network.\nIt has two lines.\n")
    c.add("text_file", "a plain text file", info(path), contains=["text_file.onnx", "ONNX model", "a text file"],
          valgrind=True)
    path = c.write_bytes("onnx_text_format", str(base_model()).encode())
    c.add("onnx_text_format", "the model in protobuf text format instead of binary", info(path),
          contains=["onnx_text_format.onnx", "ONNX model", "text format"], valgrind=True)
    zip_path = os.path.join(c.folder("zip_archive"), "zip_archive.onnx")
    with zipfile.ZipFile(zip_path, "w") as z:
        z.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
    c.add("zip_archive", "a zip archive (what torch.save writes)", info("{case}/zip_archive.onnx"),
          contains=["zip_archive.onnx", "ONNX model", "a zip archive"], valgrind=True)
    path = c.write_bytes("tensorproto_as_model", input_tensor().SerializeToString())
    c.add("tensorproto_as_model", "an input tensor (.pb) given as the model", info(path),
          contains=["tensorproto_as_model.onnx", "ONNX model"], valgrind=True)
    c.folder("model_is_folder")
    os.makedirs(os.path.join(c.root, "model_is_folder", "model_is_folder.onnx"), exist_ok=True)
    c.add("model_is_folder", "the model path is a folder", info("{case}/model_is_folder.onnx"),
          contains=["model_is_folder.onnx", "folder", "expected an ONNX model"])
    fifo = os.path.join(c.folder("model_is_fifo"), "model_is_fifo.onnx")
    os.mkfifo(fifo)
    c.add("model_is_fifo", "the model path is a named pipe nobody writes to (must not hang)",
          info("{case}/model_is_fifo.onnx"), contains=["model_is_fifo.onnx", "not a regular file"])
    c.add("model_is_dev_zero", "the model path is /dev/zero (endless; must not hang or exhaust memory)",
          info("/dev/zero"), contains=["/dev/zero", "not a regular file"])
    path = c.write_model("unreadable_file", base_model())
    os.chmod(os.path.join(c.root, "unreadable_file", "unreadable_file.onnx"), 0)
    c.add("unreadable_file", "a model without read permission (skipped when running as root)", info(path),
          contains=["unreadable_file.onnx", "cannot open"])


def truncated_and_corrupted(c):
    m = base_model()
    data = m.SerializeToString()
    for label, cut in (("1byte", 1), ("10pct", len(data) // 10), ("50pct", len(data) // 2),
                       ("90pct", len(data) * 9 // 10), ("minus1", len(data) - 1)):
        name = "truncated_" + label
        assert not parses(data[:cut]), name
        path = c.write_bytes(name, data[:cut])
        c.add(name, f"the valid base model cut after {cut} of {len(data)} bytes", info(path),
              contains=[name + ".onnx", "not a valid ONNX model"], valgrind=True, also_run=label == "50pct")
    # Cuts at a top-level field boundary still parse: the importer must notice what is missing.
    prefix = fields_before_graph(m)
    assert data.startswith(prefix)
    path = c.write_bytes("truncated_before_graph", prefix)
    c.add("truncated_before_graph", "cut at the field boundary before the graph (parses, but has no graph)",
          info(path), contains=["truncated_before_graph.onnx", "no graph"], valgrind=True)
    no_opset = onnx.ModelProto()
    no_opset.CopyFrom(m)
    del no_opset.opset_import[:]
    prefix = no_opset.SerializeToString()
    assert data.startswith(prefix)
    path = c.write_bytes("truncated_before_opset", prefix)
    c.add("truncated_before_opset",
          "cut at the field boundary before opset_import (parses, but ir_version 8 requires an opset)",
          info(path), contains=["truncated_before_opset.onnx", "opset"], valgrind=True)

    # Deterministic bit flips with known effects.
    graph_at = len(fields_before_graph(m))
    assert data[graph_at] == 0x3A, "graph tag (field 7, length-delimited) expected"
    length_end = graph_at + 1
    while data[length_end] & 0x80:
        length_end += 1
    flipped = bytearray(data)
    bit = next(b for b in (0x40, 0x20, 0x10) if not flipped[length_end] & b)
    flipped[length_end] |= bit
    assert not parses(bytes(flipped))
    path = c.write_bytes("bitflip_graph_length", bytes(flipped))
    c.add("bitflip_graph_length", "one bit flipped in the graph's length prefix", info(path),
          contains=["bitflip_graph_length.onnx", "not a valid ONNX model"], valgrind=True)

    flipped = bytearray(data)
    at = data.index(b"Sigmoid")
    flipped[at] ^= 0x20  # 'S' -> 's'
    assert onnx.ModelProto.FromString(bytes(flipped)).graph.node[1].op_type == "sigmoid"
    path = c.write_bytes("bitflip_op_type", bytes(flipped))
    c.add("bitflip_op_type", "one bit flipped in an op_type: Sigmoid -> sigmoid (op names are case-sensitive)",
          info(path), contains=["bitflip_op_type.onnx", "node 'sig1' (sigmoid)", "not support"], valgrind=True)

    flipped = bytearray(data)
    at = data.index(b"\x12\x01R")  # NodeProto.output (field 2) "R": node relu1's output
    flipped[at + 2] ^= 0x01  # 'R' -> 'S'
    assert onnx.ModelProto.FromString(bytes(flipped)).graph.node[0].output[0] == "S"
    path = c.write_bytes("bitflip_value_name", bytes(flipped))
    c.add("bitflip_value_name", "one bit flipped in a value name: relu1 now outputs 'S', so sig1's input 'R' dangles",
          info(path), contains=["bitflip_value_name.onnx", "node 'sig1' (Sigmoid)", "input 'R'"], valgrind=True,
          also_run=True)

    # Random flips: whatever they hit, never a crash or a hang; a file protobuf rejects must be reported as such.
    rnd = random.Random(20240611)
    for k in range(24):
        flipped = bytearray(data)
        for _ in range(rnd.randint(1, 4)):
            flipped[rnd.randrange(len(flipped))] ^= 1 << rnd.randrange(8)
        name = f"bitflip_random_{k:02d}"
        path = c.write_bytes(name, bytes(flipped))
        if parses(bytes(flipped)):
            c.add(name, "1-4 random bit flips (still parses as protobuf)", info(path), expect="error_or_ok",
                  contains=[name + ".onnx"])
        else:
            c.add(name, "1-4 random bit flips (protobuf rejects it)", info(path),
                  contains=[name + ".onnx", "not a valid ONNX model"], valgrind=True)

    # Deeply nested subgraphs exceed protobuf's recursion limit (100): a parse failure, not a stack overflow.
    leaf = helper.make_graph([helper.make_node("Relu", ["X"], ["Y"])], "leaf", [], [y_output()])
    inner = leaf
    for depth in range(1, 150):
        node = helper.make_node("If", ["X"], ["Y"], name=f"if{depth}", then_branch=inner, else_branch=leaf)
        inner = helper.make_graph([node], f"g{depth}", [], [y_output()])
    deep = helper.make_model(inner, opset_imports=[helper.make_opsetid("", MAX_OPSET)])
    deep.graph.input.append(x_input())
    path = c.write_bytes("deep_nesting", deep.SerializeToString())
    c.add("deep_nesting", "subgraphs nested 150 deep (beyond protobuf's recursion limit)", info(path),
          contains=["deep_nesting.onnx", "ONNX model"], valgrind=True)


def fields_before_graph(m):
    """The serialized fields of `m` that precede the graph (fields 1-6): a prefix of m's serialization."""
    head = onnx.ModelProto()
    for field in ("ir_version", "producer_name", "producer_version", "domain", "model_version", "doc_string"):
        if m.HasField(field):
            setattr(head, field, getattr(m, field))
    return head.SerializeToString()


def unsupported_ops_and_opsets(c):
    nodes = [helper.make_node("Relu", ["X"], ["A"], name="relu1"),
             helper.make_node("Det", ["A"], ["B"], name="det_a"),
             helper.make_node("NonMaxSuppression", ["B", "B"], ["C"], name="nms_a"),
             helper.make_node("Sigmoid", ["C"], ["D"], name="sig1"),
             helper.make_node("Det", ["D"], ["Y"], name="det_b")]
    path = c.write_model("unsupported_ops", model(nodes, [x_input()], [y_output()]))
    c.add("unsupported_ops", "two unsupported ops (Det twice, NonMaxSuppression once) among supported ones",
          info(path), contains=["unsupported_ops.onnx", "3 node(s)", "Det, NonMaxSuppression",
                                "node 'det_a' (Det)", "node 'nms_a' (NonMaxSuppression)",
                                "node 'det_b' (Det)", "Supported ops:"])
    c.add("unsupported_ops_run", "the same model with `run`: reported before anything runs",
          run(path, c.write_tensor("unsupported_ops", "input_0.pb", input_tensor())),
          contains=["unsupported_ops.onnx", "node 'det_a' (Det)", "node 'nms_a' (NonMaxSuppression)",
                    "node 'det_b' (Det)"])
    nodes = [helper.make_node("Relu", ["X"], ["A0"], name="relu1")]
    for k in range(30):
        nodes.append(helper.make_node("Sin", [f"A{k}"], [f"A{k + 1}"], name=f"sin_{k:02d}"))
    nodes.append(helper.make_node("Sigmoid", ["A30"], ["Y"], name="sig1"))
    path = c.write_model("unsupported_many", model(nodes, [x_input()], [y_output()]))
    c.add("unsupported_many", "30 unsupported nodes: the first ones named, the rest counted", info(path),
          contains=["unsupported_many.onnx", "30 node(s)", "(Sin)", "node 'sin_00' (Sin)", "and 10 more"])

    node = helper.make_node("FancyOp", ["X"], ["Y"], name="fancy", domain="com.example")
    path = c.write_model("custom_domain", one_node_model(node, extra_opsets=[("com.example", 1)]))
    c.add("custom_domain", "a node of a non-default domain", info(path),
          contains=["custom_domain.onnx", "node 'fancy' (com.example::FancyOp)"], also_run=True)
    node = helper.make_node("Relu", ["X"], ["Y"], name="custom_relu", domain="com.example")
    path = c.write_model("custom_domain_relu", one_node_model(node, extra_opsets=[("com.example", 1)]))
    c.add("custom_domain_relu", "a node named like a supported op, but of another domain", info(path),
          contains=["custom_domain_relu.onnx", "node 'custom_relu' (com.example::Relu)"])

    for opset in (22, 99):
        name = f"opset_{opset}"
        path = c.write_model(name, one_node_model(helper.make_node("Relu", ["X"], ["Y"], name="relu1"), opset=opset))
        c.add(name, f"default-domain opset {opset}, newer than dnncost supports", info(path),
              contains=[name + ".onnx", f"opset {opset}", "1 to 21"], also_run=True)
    path = c.write_model("opset_0", one_node_model(helper.make_node("Relu", ["X"], ["Y"], name="relu1"), opset=0))
    c.add("opset_0", "default-domain opset version 0 (versions start at 1)", info(path),
          contains=["opset_0.onnx", "opset 0", "1 to 21"])
    m = one_node_model(helper.make_node("Relu", ["X"], ["Y"], name="relu1"))
    del m.opset_import[:]
    m.opset_import.append(helper.make_opsetid("com.example", 1))
    path = c.write_model("opset_only_custom", m)
    c.add("opset_only_custom", "imports only a custom domain's opset", info(path),
          contains=["opset_only_custom.onnx", "default-domain", "1 to 21"])
    m = one_node_model(helper.make_node("Relu", ["X"], ["Y"], name="relu1"))
    m.ir_version = 0
    path = c.write_model("ir_version_missing", m)
    c.add("ir_version_missing", "ir_version unset", info(path), contains=["ir_version_missing.onnx", "ir_version"])


def attributes(c):
    def case(name, what, node, contains, inputs=None, initializers=(), outputs=None, run_inputs=None,
             also_run=False):
        path = c.write_model(name, one_node_model(node, inputs, outputs, initializers))
        args = info(path)
        if run_inputs is not None:
            args = run(path, *[c.write_tensor(name, f"input_{i}.pb", t) for i, t in enumerate(run_inputs)])
        c.add(name, what, args, contains=[name + ".onnx"] + contains, also_run=also_run)

    case("attr_wrong_type_string", "LeakyRelu alpha given as a string",
         helper.make_node("LeakyRelu", ["X"], ["Y"], name="leaky", alpha="0.1"),
         ["node 'leaky' (LeakyRelu)", "attribute 'alpha'", "float", "string"], also_run=True)
    case("attr_wrong_type_ints", "HardSigmoid beta given as a list of ints",
         helper.make_node("HardSigmoid", ["X"], ["Y"], name="hsig", beta=[1, 2]),
         ["node 'hsig' (HardSigmoid)", "attribute 'beta'", "float", "ints"])
    node = helper.make_node("LeakyRelu", ["X"], ["Y"], name="leaky", alpha=0.1)
    node.attribute.append(helper.make_attribute("alpha", 0.5))
    case("attr_duplicate", "LeakyRelu alpha given twice (0.1 and 0.5)", node,
         ["node 'leaky' (LeakyRelu)", "attribute 'alpha'", "twice"], also_run=True)
    node = helper.make_node("Elu", ["X"], ["Y"], name="elu1")
    empty = node.attribute.add()
    empty.name = "alpha"
    case("attr_no_value", "Elu alpha with neither a type nor a value", node,
         ["node 'elu1' (Elu)", "attribute 'alpha'", "no value"])
    node = helper.make_node("Relu", ["X"], ["Y"], name="relu1",
                            junk=raw_tensor("junk_value", [4, 4], b"\0" * 10))
    case("attr_tensor_short_data", "a tensor attribute whose raw_data is shorter than its dims", node,
         ["node 'relu1' (Relu)", "attribute 'junk'", "10 bytes of raw_data, expected 64"])

    x2 = [x_input((2, 3))]
    case("attr_softmax_axis_out_of_range", "Softmax axis 4 on a rank-2 input",
         helper.make_node("Softmax", ["X"], ["Y"], name="softmax", axis=4),
         ["node 'softmax' (Softmax)", "axis 4 is out of range", "-2 <= axis < 2"], inputs=x2)
    w = numpy_helper.from_array(np.ones((2, 3, 3, 3), np.float32), "Wc")
    case("attr_conv_kernel_shape_count", "Conv kernel_shape with 3 values for a 4-D input",
         helper.make_node("Conv", ["X", "Wc"], ["Y"], name="conv", kernel_shape=[3, 3, 3]),
         ["node 'conv' (Conv)", "kernel_shape has 3 values, expected 2"], initializers=[w])
    case("attr_conv_pads_count", "Conv pads with 3 values (expected 4)",
         helper.make_node("Conv", ["X", "Wc"], ["Y"], name="conv", pads=[1, 1, 1]),
         ["node 'conv' (Conv)", "pads has 3 values, expected 4"], initializers=[w])
    case("attr_conv_auto_pad_unknown", "Conv auto_pad 'SOMETIMES'",
         helper.make_node("Conv", ["X", "Wc"], ["Y"], name="conv", auto_pad="SOMETIMES"),
         ["node 'conv' (Conv)", "auto_pad is 'SOMETIMES'", "NOTSET"], initializers=[w])
    case("attr_concat_axis_out_of_range", "Concat axis 7 on rank-4 inputs",
         helper.make_node("Concat", ["X", "X"], ["Y"], name="concat", axis=7),
         ["node 'concat' (Concat)", "axis 7 is out of range"])
    case("attr_transpose_perm_repeats", "Transpose perm [0, 0, 1, 2] (not a permutation)",
         helper.make_node("Transpose", ["X"], ["Y"], name="transpose", perm=[0, 0, 1, 2]),
         ["node 'transpose' (Transpose)", "perm [0, 0, 1, 2]", "permutation"])


def shapes_that_disagree(c):
    base = c.write_model("run_input_rank", base_model())
    c.add("run_input_rank", "run: X is declared [1, 3, 4, 4], the input tensor is [2, 3]",
          run(base, c.write_tensor("run_input_rank", "input_0.pb", input_tensor((2, 3)))),
          contains=["run_input_rank.onnx", "input 'X'", "[1, 3, 4, 4]", "[2, 3]"])
    base = c.write_model("run_input_dtype", base_model())
    c.add("run_input_dtype", "run: X is float, the input tensor int64",
          run(base, c.write_tensor("run_input_dtype", "input_0.pb", input_tensor(dtype=np.int64))),
          contains=["run_input_dtype.onnx", "input 'X'", "float", "int64"])
    base = c.write_model("run_input_count", base_model())
    t = c.write_tensor("run_input_count", "input_0.pb", input_tensor())
    c.add("run_input_count", "run: two tensors for a model with one input", run(base, t, t),
          contains=["run_input_count.onnx", "1 input(s)", "got 2"])
    path = c.write_model("output_shape_disagrees", model([helper.make_node("Relu", ["X"], ["Y"], name="relu1")],
                                                          [x_input()], [y_output((1, 3, 4, 5))]))
    c.add("output_shape_disagrees", "graph output Y declared [1, 3, 4, 5], computed [1, 3, 4, 4]", info(path),
          contains=["output_shape_disagrees.onnx", "output 'Y'", "[1, 3, 4, 5]", "[1, 3, 4, 4]"], also_run=True)

    def needs(name, what, nodes, inputs, initializers, contains, run_inputs=None):
        path = c.write_model(name, model(nodes, inputs, [helper.make_tensor_value_info("Y", FLOAT, None)],
                                         initializers))
        args = info(path)
        if run_inputs is not None:
            args = run(path, *[c.write_tensor(name, f"input_{i}.pb", t) for i, t in enumerate(run_inputs)])
        c.add(name, what, args, contains=[name + ".onnx"] + contains)

    needs("gemm_inner_dims", "Gemm A [2, 3] times B [4, 5]",
          [helper.make_node("Gemm", ["X", "B"], ["Y"], name="gemm")], [x_input((2, 3))],
          [numpy_helper.from_array(np.ones((4, 5), np.float32), "B")], ["node 'gemm' (Gemm)", "K = 3", "K = 4"])
    needs("matmul_inner_dims", "MatMul [2, 3] x [4, 5]",
          [helper.make_node("MatMul", ["X", "B"], ["Y"], name="matmul")], [x_input((2, 3))],
          [numpy_helper.from_array(np.ones((4, 5), np.float32), "B")], ["node 'matmul' (MatMul)", "K = 3", "K = 4"])
    needs("add_broadcast", "Add [2, 3] + [4] (not broadcastable)",
          [helper.make_node("Add", ["X", "B"], ["Y"], name="add")], [x_input((2, 3))],
          [numpy_helper.from_array(np.ones((4,), np.float32), "B")], ["node 'add' (Add)", "cannot be broadcast", "3 vs 4"])
    needs("conv_channels", "Conv on 3 channels with weights for 2",
          [helper.make_node("Conv", ["X", "Wc"], ["Y"], name="conv")], [x_input()],
          [numpy_helper.from_array(np.ones((4, 2, 3, 3), np.float32), "Wc")], ["node 'conv' (Conv)", "input channels 3", "2 * 1 = 2"])
    needs("batchnorm_scale_length", "BatchNormalization with 4 scales for 3 channels",
          [helper.make_node("BatchNormalization", ["X", "s", "b", "m", "v"], ["Y"], name="bn")], [x_input()],
          [numpy_helper.from_array(np.ones((n,), np.float32), k) for k, n in
           (("s", 4), ("b", 3), ("m", 3), ("v", 3))], ["node 'bn' (BatchNormalization)", "'scale' has shape [4], expected [3]"])
    needs("reshape_count", "Reshape of 48 elements to [5, 5]",
          [helper.make_node("Reshape", ["X", "shape"], ["Y"], name="reshape")], [x_input()],
          [numpy_helper.from_array(np.array([5, 5], np.int64), "shape")], ["node 'reshape' (Reshape)", "48 elements", "25 elements"])
    needs("gather_index_out_of_range", "run: Gather index 10 on an axis of 3",
          [helper.make_node("Gather", ["X", "idx"], ["Y"], name="gather")], [x_input((3,))],
          [numpy_helper.from_array(np.array([10], np.int64), "idx")], ["node 'gather' (Gather)", "index 10", "-3 <= index < 3"],
          run_inputs=[input_tensor((3,))])
    # Data-dependent output shapes: named with the node and why, before anything runs.
    needs("nonzero_data_dependent", "NonZero of the input: its output shape depends on the values",
          [helper.make_node("NonZero", ["X"], ["Y"], name="nz")], [x_input()], [],
          ["node 'nz' (NonZero)", "depends on the input's values (data-dependent", "static shapes"])
    needs("reshape_fed_by_data", "Reshape whose shape is computed from the input's values (Cast(ReduceMax(X)))",
          [helper.make_node("ReduceMax", ["X"], ["M"], name="rmax", axes=[1, 2, 3], keepdims=0),
           helper.make_node("Cast", ["M"], ["S"], name="to_int", to=TensorProto.INT64),
           helper.make_node("Reshape", ["X", "S"], ["Y"], name="reshape")], [x_input()], [],
          ["node 'reshape' (Reshape)", "input 'shape' must be known at plan time", "computed at run time",
           "data-dependent"], run_inputs=[input_tensor()])
    # A token id outside the embedding table, given when the model runs.
    needs("gather_token_out_of_range", "run: token ids [1, 7, 2] for an embedding table of 5 rows",
          [helper.make_node("Gather", ["table", "ids"], ["Y"], name="embed")],
          [x_input((1, 3), "ids", TensorProto.INT64)],
          [numpy_helper.from_array(np.ones((5, 4), np.float32), "table")],
          ["node 'embed' (Gather)", "index 7", "out of range for axis 0 of size 5", "-5 <= index < 5"],
          run_inputs=[numpy_helper.from_array(np.array([[1, 7, 2]], np.int64), "ids")])
    needs("constantofshape_huge", "ConstantOfShape [2048, 2048, 2048] (32 GiB) evaluated at plan time",
          [helper.make_node("ConstantOfShape", ["shape"], ["C"], name="cos"),
           helper.make_node("Relu", ["C"], ["Y"], name="relu1")], [x_input()],
          [numpy_helper.from_array(np.array([2048, 2048, 2048], np.int64), "shape")],
          ["node 'cos' (ConstantOfShape)", "evaluated at plan time", "at most 2 GiB per value"])


def weights(c):
    def case(name, what, w, contains, also_run=False):
        path = c.write_model(name, weight_model(w))
        c.add(name, what, info(path), contains=[name + ".onnx"] + contains, also_run=also_run)

    case("init_raw_short", "initializer W float [4, 4] with 60 bytes of raw_data",
         raw_tensor("W", [4, 4], b"\1" * 60), ["tensor 'W'", "60 bytes of raw_data, expected 64", "[4, 4]"],
         also_run=True)
    case("init_raw_long", "initializer W float [4, 4] with 68 bytes of raw_data",
         raw_tensor("W", [4, 4], b"\1" * 68), ["tensor 'W'", "68 bytes of raw_data, expected 64"])
    case("init_float_data_short", "initializer W float [4, 4] with 15 values in float_data",
         float_data_tensor("W", [4, 4], [1.0] * 15), ["tensor 'W'", "15 values in float_data, expected 16"])
    t = TensorProto(name="W", data_type=FLOAT, dims=[4, 4])
    t.int64_data.extend([1] * 16)
    case("init_wrong_field", "initializer W float [4, 4] whose values are in int64_data", t,
         ["tensor 'W'", "0 values in float_data, expected 16"])
    case("init_negative_dims", "initializer W with dims [-1, 4]", raw_tensor("W", [-1, 4], b""),
         ["tensor 'W'", "negative dimension -1"])
    case("init_overflow_dims", "initializer W with dims [2^62, 2^62]", raw_tensor("W", [2 ** 62, 2 ** 62], b"\0" * 4),
         ["tensor 'W'", "overflow"])
    case("init_huge_bytes", "initializer W float [2^31, 2^31]: 2^62 elements, 2^64 bytes",
         raw_tensor("W", [2 ** 31, 2 ** 31], b"\0" * 4), ["tensor 'W'", "too large"])
    case("init_huge_dims_float_data", "initializer W float [65536, 65536, 16] (256 GiB) with one value in float_data",
         float_data_tensor("W", [65536, 65536, 16], [1.0]), ["tensor 'W'", "1 values in float_data"],
         also_run=True)
    t = TensorProto(name="W", data_type=TensorProto.STRING, dims=[2])
    t.string_data.extend([b"a", b"b"])
    case("init_string", "initializer W of element type string", t, ["tensor 'W'", "string"])
    case("init_unknown_type", "initializer W of element type 99", raw_tensor("W", [2], b"\0" * 8, data_type=99),
         ["tensor 'W'", "99"])

    m = weight_model(numpy_helper.from_array(np.ones((4, 4), np.float32), "W"))
    m.graph.initializer.append(numpy_helper.from_array(np.zeros((4, 4), np.float32), "W"))
    path = c.write_model("init_duplicate", m)
    c.add("init_duplicate", "initializer W defined twice", info(path),
          contains=["init_duplicate.onnx", "initializer 'W'", "twice"])
    m = base_model()
    m.graph.initializer.append(numpy_helper.from_array(np.ones((1, 3, 4, 4), np.float32), "R"))
    path = c.write_model("init_shadows_node_output", m)
    c.add("init_shadows_node_output", "an initializer named like relu1's output R", info(path),
          contains=["init_shadows_node_output.onnx", "node 'relu1' (Relu)", "output 'R'", "already"])
    m = base_model()
    sparse = m.graph.sparse_initializer.add()
    sparse.values.CopyFrom(numpy_helper.from_array(np.ones((2,), np.float32), "S"))
    sparse.indices.CopyFrom(numpy_helper.from_array(np.array([0, 3], np.int64), "S_idx"))
    sparse.dims.extend([4])
    path = c.write_model("sparse_initializer", m)
    c.add("sparse_initializer", "a sparse initializer", info(path),
          contains=["sparse_initializer.onnx", "sparse", "'S'"])


def external_data(c):
    outside = os.path.join(c.root, "outside.bin")
    with open(outside, "wb") as f:
        f.write(np.arange(16, dtype=np.float32).tobytes())
    good = np.arange(16, dtype=np.float32).tobytes()

    def case(name, what, tensor, contains, files=(("W.bin", good),), links=(), fifos=(), expect="error",
             also_run=False):
        folder = c.folder(name)
        for file_name, data in files:
            os.makedirs(os.path.dirname(os.path.join(folder, file_name)), exist_ok=True)
            with open(os.path.join(folder, file_name), "wb") as f:
                f.write(data)
        for link, target in links:
            os.symlink(target, os.path.join(folder, link))
        for fifo in fifos:
            os.mkfifo(os.path.join(folder, fifo))
        path = c.write_model(name, weight_model(tensor))
        c.add(name, what, info(path), expect=expect, contains=[name + ".onnx"] + contains, valgrind=True,
              also_run=also_run)

    case("ext_ok", "valid external data (positive control)", external_tensor("W", [4, 4], "W.bin"), [], expect="ok")
    case("ext_ok_offset", "valid external data at an offset (positive control)",
         external_tensor("W", [2, 2], "W.bin", offset=16, length=16), [], expect="ok")
    case("ext_absolute", "location is an absolute path (/etc/hostname)", external_tensor("W", [4, 4], "/etc/hostname"),
         ["tensor 'W'", "'/etc/hostname'", "absolute", "relative to the model's folder"])
    case("ext_dotdot", "location ../outside.bin", external_tensor("W", [4, 4], "../outside.bin"),
         ["tensor 'W'", "'../outside.bin'", "leaves the model's folder"], also_run=True)
    case("ext_dotdot_inside", "location sub/../../outside.bin", external_tensor("W", [4, 4], "sub/../../outside.bin"),
         ["tensor 'W'", "leaves the model's folder"])
    case("ext_symlink_out", "location W.bin is a symlink to a file outside the folder",
         external_tensor("W", [4, 4], "W.bin"), ["tensor 'W'", "'W.bin'", "outside the model's folder"], files=(),
         links=(("W.bin", "../outside.bin"),), also_run=True)
    case("ext_symlink_dir_out", "location sub/W.bin where sub is a symlink to /etc",
         external_tensor("W", [4, 4], "sub/hostname"), ["tensor 'W'", "'sub/hostname'", "outside the model's folder"],
         files=(), links=(("sub", "/etc"),))
    case("ext_symlink_dev_zero", "location W.bin is a symlink to /dev/zero",
         external_tensor("W", [4, 4], "W.bin"), ["tensor 'W'", "outside the model's folder"], files=(),
         links=(("W.bin", "/dev/zero"),))
    case("ext_past_end", "offset 32 length 64 in a 64-byte file",
         external_tensor("W", [4, 4], "W.bin", offset=32, length=64), ["tensor 'W'", "offset 32", "64 bytes"])
    case("ext_offset_past_end", "offset 2^62 in a 64-byte file",
         external_tensor("W", [4, 4], "W.bin", offset=2 ** 62), ["tensor 'W'", "offset", "64 bytes"])
    case("ext_negative_offset", "offset -8", external_tensor("W", [4, 4], "W.bin", offset=-8),
         ["tensor 'W'", "'offset'", "'-8'", "non-negative integer"])
    case("ext_offset_not_a_number", "offset '12abc'", external_tensor("W", [4, 4], "W.bin", offset="12abc"),
         ["tensor 'W'", "'offset'", "'12abc'"])
    case("ext_length_too_big_number", "length 99999999999999999999 (overflows int64)",
         external_tensor("W", [4, 4], "W.bin", length="99999999999999999999"), ["tensor 'W'", "'length'"])
    case("ext_length_mismatch", "length 32 where [4, 4] floats need 64",
         external_tensor("W", [4, 4], "W.bin", length=32), ["tensor 'W'", "32 bytes, expected 64"])
    case("ext_file_short", "no length, 64-byte file, dims need 128",
         external_tensor("W", [8, 4], "W.bin"), ["tensor 'W'", "64 bytes, expected 128"])
    case("ext_missing_file", "location names a file that does not exist",
         external_tensor("W", [4, 4], "nothere.bin"), ["tensor 'W'", "'nothere.bin'", "does not exist"])
    case("ext_empty_location", "location is empty", external_tensor("W", [4, 4], ""), ["tensor 'W'", "location"])
    case("ext_no_location", "external data without a location key", external_tensor("W", [4, 4], None),
         ["tensor 'W'", "location"])
    case("ext_location_is_folder", "location names a folder", external_tensor("W", [4, 4], "sub"),
         ["tensor 'W'", "'sub'", "not a regular file"], files=(("sub/x", b""),))
    case("ext_location_is_model_folder", "location '.'", external_tensor("W", [4, 4], "."),
         ["tensor 'W'", "not a regular file"])
    case("ext_fifo", "location is a named pipe nobody writes to (must not hang)",
         external_tensor("W", [4, 4], "W.bin"), ["tensor 'W'", "'W.bin'", "not a regular file"], files=(),
         fifos=("W.bin",), also_run=True)


def graph_structure(c):
    def case(name, what, nodes, contains, inputs=None, outputs=None, also_run=False):
        m = model(nodes, [x_input()] if inputs is None else inputs, [y_output()] if outputs is None else outputs)
        path = c.write_model(name, m)
        c.add(name, what, info(path), contains=[name + ".onnx"] + contains, also_run=also_run)

    relu = lambda i, o, n="relu1": helper.make_node("Relu", [i], [o], name=n)  # noqa: E731
    sig = lambda i, o, n="sig1": helper.make_node("Sigmoid", [i], [o], name=n)  # noqa: E731
    case("graph_cycle", "cyc_a reads B, cyc_b reads A: a cycle", [relu("B", "A", "cyc_a"), sig("A", "B", "cyc_b"),
                                                                  relu("B", "Y", "after")],
         ["node 'cyc_a' (Relu)", "cycle"], also_run=True)
    case("graph_self_loop", "a node reads its own output", [relu("A", "A", "loop"), sig("A", "Y")],
         ["node 'loop' (Relu)", "cycle"])
    case("graph_dangling_input", "sig1 reads 'nowhere', which nothing produces",
         [relu("X", "R"), sig("nowhere", "Y")], ["node 'sig1' (Sigmoid)", "input 'nowhere'"], also_run=True)
    case("graph_duplicate_output", "relu1 and relu2 both produce R",
         [relu("X", "R"), relu("X", "R", "relu2"), sig("R", "Y")], ["node 'relu2' (Relu)", "output 'R'"])
    case("graph_output_overwrites_input", "a node writes the graph input X", [relu("X", "X"), sig("X", "Y")],
         ["node 'relu1' (Relu)", "output 'X'"])
    case("graph_output_unproduced", "graph output Z is produced by nobody", [relu("X", "R"), sig("R", "Y")],
         ["graph output 'Z'"], outputs=[y_output(), y_output(name="Z")])
    case("graph_input_duplicate", "graph input X declared twice", [relu("X", "Y")], ["graph input 'X'", "twice"],
         inputs=[x_input(), x_input()])
    case("graph_input_no_shape", "graph input X declares no shape", [relu("X", "Y")],
         ["graph input 'X'", "no shape"], inputs=[helper.make_tensor_value_info("X", FLOAT, None)])
    case("graph_input_symbolic_inner", "graph input X [N, 3, H, 4]: a symbolic non-batch dim", [relu("X", "Y")],
         ["graph input 'X'", "dimension 2", "'H'", "--dim H=N"], inputs=[x_input(("N", 3, "H", 4))])
    case("graph_input_negative_dim", "graph input X [1, 3, -3, 4]", [relu("X", "Y")], ["'X'", "-3"],
         inputs=[x_input((1, 3, -3, 4))])
    case("graph_input_huge", "graph input X [1, 1, 2^31, 2^31]: 2^64 bytes", [relu("X", "Y")],
         ["graph input 'X'", "bytes"], inputs=[x_input((1, 1, 2 ** 31, 2 ** 31))], outputs=[y_output(None)])
    case("graph_input_overflow", "graph input X [2^40, 2^40, 2^40]: the element count overflows", [relu("X", "Y")],
         ["graph input 'X'", "int64"], inputs=[x_input((2 ** 40, 2 ** 40, 2 ** 40))], outputs=[y_output(None)])
    case("graph_input_no_type", "graph input X without a type", [relu("X", "Y")], ["graph input 'X'", "type"],
         inputs=[onnx.ValueInfoProto(name="X")])
    seq = helper.make_value_info("X", helper.make_sequence_type_proto(helper.make_tensor_type_proto(FLOAT, [2])))
    case("graph_input_sequence", "graph input X is a sequence of tensors", [relu("X", "Y")],
         ["graph input 'X'", "not a tensor"], inputs=[seq])
    case("graph_input_no_elem_type", "graph input X with element type 0 (undefined)", [relu("X", "Y")],
         ["graph input 'X'", "element type"], inputs=[x_input(elem=TensorProto.UNDEFINED)])
    case("graph_input_string", "graph input X of element type string", [relu("X", "Y")],
         ["graph input 'X'", "string"], inputs=[x_input(elem=TensorProto.STRING)])
    case("node_int_input", "Relu on an int64 input", [relu("X", "Y")], ["node 'relu1' (Relu)", "float", "int64"],
         inputs=[x_input(elem=TensorProto.INT64)], outputs=[y_output(None)])
    case("node_too_many_inputs", "Relu with two inputs", [helper.make_node("Relu", ["X", "X"], ["Y"], name="relu1")],
         ["node 'relu1' (Relu)", "1 input", "got 2"])
    case("node_missing_input", "Relu whose only input is empty ('')",
         [helper.make_node("Relu", [""], ["Y"], name="relu1")], ["node 'relu1' (Relu)", "input"])
    case("node_too_many_outputs", "Relu with two outputs",
         [helper.make_node("Relu", ["X"], ["Y", "Y2"], name="relu1")], ["node 'relu1' (Relu)", "2 outputs", "1"],
         also_run=True)
    case("node_no_op_type", "a node without op_type", [helper.make_node("", ["X"], ["Y"], name="nameless_op")],
         ["node 'nameless_op'", "op_type"])


def layer_errors(c):
    """Attributes and shapes each op must refuse at plan time: zero strides, negative pads, channel mismatches,
    absurd or overflowing dims. Each message names the node and what was expected."""
    def case(name, what, nodes, contains, inputs=None, initializers=(), expect="error", args=None):
        path = c.write_model(name, model(nodes, [x_input()] if inputs is None else inputs,
                                         [helper.make_tensor_value_info("Y", FLOAT, None)], initializers))
        c.add(name, what, info(path) if args is None else [a.replace("{model}", path) for a in args], expect=expect,
              contains=[name + ".onnx"] + contains)

    def arr(name, shape, dtype=np.float32):
        return numpy_helper.from_array(np.ones(shape, dtype), name)

    def ints(name, values):
        return numpy_helper.from_array(np.array(values, np.int64), name)

    def conv(name, what, contains, w_shape=(2, 3, 3, 3), bias=None, **attrs):
        inits = [arr("W", w_shape)] + ([arr("B", bias)] if bias else [])
        case(name, what, [helper.make_node("Conv", ["X", "W"] + (["B"] if bias else []), ["Y"], name="conv",
                                           **attrs)], ["node 'conv' (Conv)"] + contains, initializers=inits)

    conv("conv_zero_stride", "Conv strides [0, 1]", ["strides must be >= 1", "[0, 1]"], strides=[0, 1])
    conv("conv_zero_dilation", "Conv dilations [1, 0]", ["dilations must be >= 1"], dilations=[1, 0])
    conv("conv_negative_pads", "Conv pads [-1, 0, 0, 0]", ["pads must be >= 0", "[-1, 0, 0, 0]"], pads=[-1, 0, 0, 0])
    conv("conv_group_channels", "Conv group 2 on 3 input channels", ["group"], group=2)
    conv("conv_group_out_channels", "Conv group 3: 4 output channels do not split into 3 groups", ["group"],
         w_shape=(4, 1, 3, 3), group=3)
    conv("conv_bias_length", "Conv bias of 5 values for 2 output channels", ["B", "[5]"], bias=(5,))
    conv("conv_kernel_too_large", "Conv 7x7 kernel on a 4x4 input without padding", ["7"], w_shape=(2, 3, 7, 7))
    conv("conv_weight_rank", "Conv weight of rank 3 for a 4-D input", ["weight W has rank 3, expected 4"],
         w_shape=(2, 3, 3))
    conv("conv_dilation_overflow", "Conv dilations [2^62, 1]: the dilated kernel overflows int64", ["overflows int64"],
         dilations=[2 ** 62, 1])
    conv("conv_pads_overflow", "Conv pads 2^62 on both sides: the padded size overflows int64", ["overflows int64"],
         pads=[2 ** 62, 0, 2 ** 62, 0])

    def convt(name, what, contains, w_shape=(3, 2, 3, 3), **attrs):
        case(name, what, [helper.make_node("ConvTranspose", ["X", "W"], ["Y"], name="convt", **attrs)],
             ["node 'convt' (ConvTranspose)"] + contains, initializers=[arr("W", w_shape)])

    convt("convtranspose_channels", "ConvTranspose on 3 channels with weights for 2", ["3", "2"], w_shape=(2, 2, 3, 3))
    convt("convtranspose_zero_stride", "ConvTranspose strides [1, 0]", ["strides must be >= 1"], strides=[1, 0])
    convt("convtranspose_negative_output_padding", "ConvTranspose output_padding [-1, 0]", ["output_padding"],
          output_padding=[-1, 0])

    def pool(name, what, op, contains, **attrs):
        case(name, what, [helper.make_node(op, ["X"], ["Y"], name="pool", **attrs)],
             [f"node 'pool' ({op})"] + contains)

    pool("maxpool_zero_stride", "MaxPool strides [0, 0]", "MaxPool", ["strides[0] is 0", "expected 1"],
         kernel_shape=[2, 2], strides=[0, 0])
    pool("maxpool_negative_pads", "MaxPool pads [0, -2, 0, 0]", "MaxPool", ["pads[1] is -2", "expected 0"],
         kernel_shape=[2, 2], pads=[0, -2, 0, 0])
    pool("maxpool_no_kernel_shape", "MaxPool without kernel_shape", "MaxPool", ["kernel_shape"])
    pool("maxpool_kernel_too_large", "MaxPool 9x9 window on a 4x4 input", "MaxPool", ["9"], kernel_shape=[9, 9])
    pool("averagepool_negative_pads", "AveragePool pads [-1, -1, -1, -1]", "AveragePool", ["pads[0] is -1", "expected 0"],
         kernel_shape=[2, 2], pads=[-1, -1, -1, -1])
    pool("averagepool_zero_kernel", "AveragePool kernel_shape [0, 2]", "AveragePool", ["kernel_shape"],
         kernel_shape=[0, 2])
    pool("lrn_zero_size", "LRN size 0", "LRN", ["size"], size=0)

    case("batchnorm_channel_mismatch", "BatchNormalization with 2 means for 3 channels",
         [helper.make_node("BatchNormalization", ["X", "s", "b", "m", "v"], ["Y"], name="bn")],
         ["node 'bn' (BatchNormalization)", "[2]", "[3]"],
         initializers=[arr("s", (3,)), arr("b", (3,)), arr("m", (2,)), arr("v", (3,))])
    case("instancenorm_scale_length", "InstanceNormalization with 4 scales for 3 channels",
         [helper.make_node("InstanceNormalization", ["X", "s", "b"], ["Y"], name="inorm")],
         ["node 'inorm' (InstanceNormalization)", "[4]", "3"], initializers=[arr("s", (4,)), arr("b", (3,))])
    case("prelu_slope_mismatch", "PRelu slope of 5 values for 4-wide rows",
         [helper.make_node("PRelu", ["X", "slope"], ["Y"], name="prelu")], ["node 'prelu' (PRelu)", "[5]"],
         initializers=[arr("slope", (5,))])
    case("gemm_bias_shape", "Gemm bias [7] for a [2, 5] result",
         [helper.make_node("Gemm", ["X", "B", "C"], ["Y"], name="gemm")], ["node 'gemm' (Gemm)", "[7]"],
         inputs=[x_input((2, 3))], initializers=[arr("B", (3, 5)), arr("C", (7,))])
    case("concat_shape_mismatch", "Concat [1, 3, 4, 4] and [1, 3, 4, 5] on axis 1",
         [helper.make_node("Concat", ["X", "K"], ["Y"], name="concat", axis=1)], ["node 'concat' (Concat)", "5"],
         initializers=[arr("K", (1, 3, 4, 5))])
    case("transpose_perm_out_of_range", "Transpose perm [0, 1, 2, 7]",
         [helper.make_node("Transpose", ["X"], ["Y"], name="transpose", perm=[0, 1, 2, 7])],
         ["node 'transpose' (Transpose)", "perm [0, 1, 2, 7]"])
    case("pad_negative_beyond_size", "Pad pads -5 on an axis of 4 (negative pads crop; this crops past zero)",
         [helper.make_node("Pad", ["X", "pads"], ["Y"], name="pad")], ["node 'pad' (Pad)", "-5"],
         initializers=[ints("pads", [0, 0, -5, 0, 0, 0, 0, 0])])
    case("slice_zero_step", "Slice with step 0",
         [helper.make_node("Slice", ["X", "st", "en", "ax", "sp"], ["Y"], name="slice")], ["node 'slice' (Slice)",
                                                                                           "step"],
         initializers=[ints("st", [0]), ints("en", [2]), ints("ax", [2]), ints("sp", [0])])
    case("split_sizes_sum", "Split sizes [1, 1] on an axis of 3",
         [helper.make_node("Split", ["X", "split"], ["Y", "Y2"], name="split", axis=1)], ["node 'split' (Split)", "3"],
         initializers=[ints("split", [1, 1])])
    case("reshape_two_inferred", "Reshape to [-1, -1]",
         [helper.make_node("Reshape", ["X", "shape"], ["Y"], name="reshape")], ["node 'reshape' (Reshape)", "-1"],
         initializers=[ints("shape", [-1, -1])])
    case("reshape_absurd", "Reshape of 48 elements to [2^40, 2^40] (2^80 elements: overflows int64)",
         [helper.make_node("Reshape", ["X", "shape"], ["Y"], name="reshape")], ["node 'reshape' (Reshape)"],
         initializers=[ints("shape", [2 ** 40, 2 ** 40])])
    case("constantofshape_negative", "ConstantOfShape [-5, 3]",
         [helper.make_node("ConstantOfShape", ["shape"], ["Y"], name="cos")], ["node 'cos' (ConstantOfShape)", "-5"],
         initializers=[ints("shape", [-5, 3])])
    case("constantofshape_overflow", "ConstantOfShape [2^40, 2^40, 2^40]: the element count overflows int64",
         [helper.make_node("ConstantOfShape", ["shape"], ["Y"], name="cos")], ["node 'cos' (ConstantOfShape)"],
         initializers=[ints("shape", [2 ** 40, 2 ** 40, 2 ** 40])])
    case("gather_axis_out_of_range", "Gather axis 4 on a rank-4 input",
         [helper.make_node("Gather", ["X", "idx"], ["Y"], name="gather", axis=4)], ["node 'gather' (Gather)", "axis"],
         initializers=[ints("idx", [0])])
    case("squeeze_non_one", "Squeeze axis 1 of size 3",
         [helper.make_node("Squeeze", ["X", "ax"], ["Y"], name="squeeze")], ["node 'squeeze' (Squeeze)", "3"],
         initializers=[ints("ax", [1])])
    case("flatten_axis_out_of_range", "Flatten axis 9 on a rank-4 input",
         [helper.make_node("Flatten", ["X"], ["Y"], name="flatten", axis=9)], ["node 'flatten' (Flatten)", "axis"])
    case("cast_to_string", "Cast to string",
         [helper.make_node("Cast", ["X"], ["Y"], name="cast", to=TensorProto.STRING)], ["node 'cast' (Cast)",
                                                                                        "string"])
    case("cast_to_unknown_type", "Cast to element type 99",
         [helper.make_node("Cast", ["X"], ["Y"], name="cast", to=99)], ["node 'cast' (Cast)", "99"])

    # Small files whose activations would need tens of TiB: `info` only plans (no allocation) and succeeds; `run`
    # refuses before allocating, naming --max-memory (exit status 3).
    huge = [("convtranspose_huge_output", "ConvTranspose strides [2^20, 2^20]: a 36 TiB output from a 4x4 input",
             [helper.make_node("ConvTranspose", ["X", "W"], ["Y"], name="convt", strides=[2 ** 20, 2 ** 20])],
             [x_input((1, 1, 4, 4))], [arr("W", (1, 1, 1, 1))], (1, 1, 4, 4)),
            ("pad_huge_output", "Pad 2^20 on every side of H and W: a 52 TiB output",
             [helper.make_node("Pad", ["X", "pads"], ["Y"], name="pad")], [x_input()],
             [ints("pads", [0, 0, 2 ** 20, 2 ** 20, 0, 0, 2 ** 20, 2 ** 20])], (1, 3, 4, 4))]
    for name, what, nodes, inputs, inits, shape in huge:
        path = c.write_model(name, model(nodes, inputs, [helper.make_tensor_value_info("Y", FLOAT, None)], inits))
        c.add(name, what + " (info: planned only)", info(path), expect="ok")
        c.add(name + "_run", what + " (run: refused before allocating)",
              run(path, c.write_tensor(name, "input_0.pb", input_tensor(shape))), expect="out_of_memory",
              contains=[name + ".onnx", "at batch 1", "--max-memory", "MemAvailable", "nothing was allocated"])
    base = c.write_model("max_memory_cap", base_model())
    c.add("max_memory_cap", "run: a valid model with --max-memory 300 (it needs 384 bytes)",
          run(base, SHARED_INPUT) + ["--max-memory", "300"], expect="out_of_memory",
          contains=["max_memory_cap.onnx", "at batch 1", "--max-memory 300", "300 bytes", "needs 384 bytes"])
    c.add("max_memory_cap_ok", "run: a valid model with --max-memory 1M (positive control)",
          run(base, SHARED_INPUT) + ["--max-memory", "1M"], expect="ok")
    c.add("max_memory_bad_size", "run: --max-memory 12parsecs", run(base, SHARED_INPUT) + ["--max-memory", "12parsecs"],
          contains=["--max-memory 12parsecs", "4G"])


def hostile_files(c):
    """Files built to exhaust resources or escape the model's folder."""
    path = os.path.join(c.folder("huge_sparse_file"), "huge_sparse_file.onnx")
    with open(path, "wb") as f:  # 3 GiB, sparse: no disk space used, and it must not be read
        f.truncate(3 << 30)
    c.add("huge_sparse_file", "a 3 GiB model file (sparse): beyond protobuf's 2 GiB limit, refused before reading",
          info("{case}/huge_sparse_file.onnx"), contains=["huge_sparse_file.onnx", "2 GiB"], valgrind=True)

    good = np.arange(16, dtype=np.float32).tobytes()

    def ext_case(name, what, location, contains, links=(), files=(), expect="error"):
        folder = c.folder(name)
        for file_name, data in files:
            os.makedirs(os.path.dirname(os.path.join(folder, file_name)) or folder, exist_ok=True)
            with open(os.path.join(folder, file_name), "wb") as f:
                f.write(data)
        for link, target in links:
            os.symlink(target, os.path.join(folder, link))
        path = c.write_model(name, weight_model(external_tensor("W", [4, 4], location)))
        c.add(name, what, info(path), expect=expect, contains=[name + ".onnx"] + contains, valgrind=True)

    ext_case("ext_symlink_chain_out", "W.bin -> a.bin -> ../outside.bin: a chain of symlinks that ends outside",
             "W.bin", ["tensor 'W'", "outside the model's folder"],
             links=(("a.bin", "../outside.bin"), ("W.bin", "a.bin")))
    ext_case("ext_symlink_inside_ok", "W.bin -> sub/real.bin, inside the folder (positive control)", "W.bin", [],
             links=(("W.bin", "sub/real.bin"),), files=(("sub/real.bin", good),), expect="ok")
    ext_case("ext_location_nul", "location 'W.bin\\0.txt' with a NUL byte (the OS would open W.bin)", "W.bin\0.txt",
             ["tensor 'W'", "NUL"], files=(("W.bin", good),))
    ext_case("ext_location_too_long", "location of 100000 characters", "a" * 100000, ["tensor 'W'", "location"],
             files=(("W.bin", good),))
    ext_case("ext_location_proc", "location /proc/self/mem", "/proc/self/mem", ["tensor 'W'", "absolute"])

    # A sparse external-data file of 1 TiB: the bytes are "there", but no host can hold them.
    name = "ext_sparse_terabyte"
    folder = c.folder(name)
    try:
        with open(os.path.join(folder, "W.bin"), "wb") as f:
            f.truncate(1 << 40)
    except OSError:  # a file system without sparse files of that size: skip the case
        shutil.rmtree(folder)
        return
    t = external_tensor("W", [1 << 38], "W.bin")
    path = c.write_model(name, weight_model(t))
    c.add(name, "external data: a 1 TiB sparse file for W float [2^38]", info(path), expect="out_of_memory",
          contains=[name + ".onnx", "tensor 'W'", "1099511627776 bytes", "MemAvailable", "nothing was allocated"],
          valgrind=True)


def command_lines_and_run_inputs(c):
    path = c.write_model("cli_base", base_model())
    t = c.write_tensor("cli_base", "input_0.pb", input_tensor())
    c.add("ok_info", "valid model (positive control)", info(path), expect="ok")
    c.add("ok_run", "valid model and input (positive control)", run(path, t), expect="ok")
    c.add("ok_info_batch", "valid model, --batch 4 (positive control)", info(path) + ["--batch", "4"], expect="ok")
    for name, extra, contains in (("cli_batch_zero", ["--batch", "0"], ["--batch"]),
                                  ("cli_batch_negative", ["--batch", "-3"], ["--batch"]),
                                  ("cli_batch_not_a_number", ["--batch", "abc"], ["--batch", "abc"]),
                                  ("cli_unknown_option", ["--frobnicate"], ["--frobnicate"])):
        c.add(name, "info " + " ".join(extra), info(path) + extra, contains=contains)
    c.add("cli_batch_huge", "info --batch 2^63-1: every input's element count overflows",
          info(path) + ["--batch", str(2 ** 63 - 1)], contains=["cli_base.onnx", "graph input 'X'"])
    # --dim: the sizes of symbolic dimensions after the batch (X [N, 3, H, 4]).
    sym = c.write_model("cli_dim", model([helper.make_node("Relu", ["X"], ["Y"], name="relu1")],
                                         [x_input(("N", 3, "H", 4))], [y_output(None)]))
    c.add("ok_info_dim", "X [N, 3, H, 4] with --dim H=4 (positive control)", info(sym) + ["--dim", "H=4"], expect="ok")
    c.add("ok_run_dim", "X [N, 3, H, 4], a [1, 3, 4, 4] tensor and --dim H=4 (positive control)",
          run(sym, SHARED_INPUT) + ["--dim", "H=4"], expect="ok")
    for name, extra, contains in (
            ("cli_dim_unknown_name", ["--dim", "W=4"], ["cli_dim.onnx", "--dim W", "H (input 'X' dimension 2)"]),
            ("cli_dim_batch_symbol", ["--dim", "N=4"], ["cli_dim.onnx", "--dim N", "--batch"]),
            ("cli_dim_no_value", ["--dim", "H"], ["--dim 'H'", "NAME=V"]),
            ("cli_dim_zero", ["--dim", "H=0"], ["--dim 'H=0'", "positive integer"]),
            ("cli_dim_not_a_number", ["--dim", "H=four"], ["--dim 'H=four'", "positive integer"]),
            ("cli_dim_list_on_info", ["--dim", "H=4,8"], ["--dim H=4,8", "one value per dimension"]),
            ("cli_dim_twice", ["--dim", "H=4", "--dim", "H=8"], ["--dim 'H=8'", "given twice"])):
        c.add(name, "info X [N, 3, H, 4] " + " ".join(extra), info(sym) + extra, contains=contains)
    c.add("cli_dim_unknown_name_fixed", "info --dim H=4 on a model without symbolic dimensions",
          info(path) + ["--dim", "H=4"], contains=["cli_base.onnx", "--dim H", "no symbolic dimension"])
    c.add("cli_dim_run_mismatch", "run X [N, 3, H, 4] on a [1, 3, 4, 4] tensor with --dim H=5",
          run(sym, SHARED_INPUT) + ["--dim", "H=5"],
          contains=["cli_dim.onnx", "input 'X' dimension 2 ('H') is 4", "--dim H=5"])
    c.add("cli_no_command", "no arguments at all", [], contains=["no command", "info, run"])
    c.add("cli_unknown_subcommand", "dnncost frobnicate", ["frobnicate"], contains=["frobnicate"])
    c.add("cli_run_without_in", "run without --in", ["run", path, "--out", "{case}/out"], contains=["--in"])
    c.add("cli_unknown_device", "run --device tpu", run(path, t) + ["--device", "tpu"],
          contains=["--device tpu", "ref"])
    c.add("cli_json_unwritable", "info --json into a folder that does not exist (nothing printed before the error)",
          info(path) + ["--json", "{case}/no/such/folder/out.json"], contains=["--json", "out.json"])
    c.folder("cli_out_is_file")
    with open(os.path.join(c.root, "cli_out_is_file", "a_file"), "w") as f:
        f.write("x")
    c.add("cli_out_is_file", "run --out names an existing file", run(path, t, out="{case}/a_file"),
          contains=["--out", "a_file"])

    def run_case(name, what, tensor_bytes, contains):
        m = c.write_model(name, base_model())
        p = c.write_tensor(name, "input_0.pb", tensor_bytes)
        c.add(name, what, run(m, p), contains=["input_0.pb"] + contains, valgrind=True)

    good = input_tensor().SerializeToString()
    rng = np.random.default_rng(99)
    run_case("run_input_random", "run: input_0.pb is random bytes", rng.integers(0, 256, 999, np.uint8).tobytes(),
             ["not a valid", "TensorProto"])
    run_case("run_input_truncated", "run: input_0.pb cut in the middle of its data", good[: len(good) // 2],
             ["not a valid", "TensorProto"])
    run_case("run_input_empty", "run: input_0.pb is empty", b"", ["empty", "TensorProto"])
    run_case("run_input_text", "run: input_0.pb is a text file", b"1 2 3 4\n", ["TensorProto"])
    run_case("run_input_short_data", "run: input_0.pb float [1, 3, 4, 4] with 10 bytes of raw_data",
             raw_tensor("X", [1, 3, 4, 4], b"\0" * 10).SerializeToString(), ["10 bytes of raw_data, expected 192"])
    run_case("run_input_huge_dims", "run: input_0.pb float [65536, 65536, 16] with one value in float_data",
             float_data_tensor("X", [65536, 65536, 16], [1.0]).SerializeToString(),
             ["1 values in float_data"])
    run_case("run_input_no_type", "run: input_0.pb without data_type",
             TensorProto(name="X", dims=[1, 3, 4, 4]).SerializeToString(), ["data_type"])
    m = c.write_model("run_input_missing", base_model())
    c.add("run_input_missing", "run: input_0.pb does not exist", run(m, "{case}/input_0.pb"),
          contains=["input_0.pb", "no such file"], valgrind=True)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = sys.argv[1]
    if os.path.exists(root):
        for dirpath, dirnames, _ in os.walk(root):  # unreadable_file has mode 0
            for d in dirnames:
                os.chmod(os.path.join(dirpath, d), 0o755)
        shutil.rmtree(root)
    os.makedirs(root)
    c = Corpus(root)
    c.write_tensor("shared", "input_0.pb", input_tensor())
    files_that_are_not_models(c)
    truncated_and_corrupted(c)
    unsupported_ops_and_opsets(c)
    attributes(c)
    shapes_that_disagree(c)
    weights(c)
    external_data(c)
    graph_structure(c)
    layer_errors(c)
    hostile_files(c)
    command_lines_and_run_inputs(c)
    c.manifest()
    print(f"wrote {len(c.cases)} bad-input cases to {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
