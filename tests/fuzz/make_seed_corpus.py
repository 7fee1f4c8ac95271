#!/usr/bin/env python3
"""Writes the fuzzer's seed corpus: small valid ONNX models that exercise every supported op family, shape
subgraphs, typed and raw tensors, attribute tensors and external data (in the fuzz target's model folder:
w.bin, 1 KiB), plus, when a conformance folder is given, the model.onnx of every ONNX node test case.

Each seed is small enough that the fuzz target plans it and runs it once. Run with /usr/bin/python3 (Debian's
onnx 1.12). usage: make_seed_corpus.py OUT_DIR [CONFORMANCE_DIR]
"""
import os
import shutil
import sys
import warnings

import numpy as np

# Debian's onnx 1.12 still uses the aliases numpy removed in 1.24; restore them before import.
warnings.filterwarnings("ignore", category=FutureWarning)
for _alias, _type in (("float", float), ("int", int), ("bool", bool), ("object", object)):
    if not hasattr(np, _alias):
        setattr(np, _alias, _type)

import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

FLOAT = TensorProto.FLOAT
INT64 = TensorProto.INT64
RNG = np.random.default_rng(7)


def weights(name, shape):
    return numpy_helper.from_array(RNG.standard_normal(shape).astype(np.float32), name)


def ints(name, values):
    return numpy_helper.from_array(np.array(values, np.int64), name)


def vi(name, shape, elem=FLOAT):
    return helper.make_tensor_value_info(name, elem, None if shape is None else list(shape))


def make(nodes, inputs, outputs, inits=(), opset=17, name="seed"):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_seed_corpus")
    m.ir_version = 8
    return m


def node(op, ins, outs, **attrs):
    return helper.make_node(op, ins, outs, name=f"{op.lower()}_{outs[0]}", **attrs)


def seeds():
    x4 = [vi("X", ["N", 2, 6, 6])]
    out = [vi("Y", None)]

    yield "cnn", make([node("Conv", ["X", "W", "B"], ["C"], pads=[1, 1, 1, 1], strides=[1, 1]),
                       node("Relu", ["C"], ["R"]),
                       node("MaxPool", ["R"], ["P"], kernel_shape=[2, 2], strides=[2, 2]),
                       node("Flatten", ["P"], ["F"]),
                       node("Gemm", ["F", "G", "GB"], ["Z"], transB=1),
                       node("Softmax", ["Z"], ["Y"], axis=1)],
                      x4, out, [weights("W", (3, 2, 3, 3)), weights("B", (3,)), weights("G", (4, 27)),
                                weights("GB", (4,))])

    yield "conv_group_dilation", make([node("Conv", ["X", "W"], ["Y"], group=2, dilations=[2, 1],
                                            auto_pad="SAME_UPPER", kernel_shape=[3, 3])],
                                      x4, out, [weights("W", (4, 1, 3, 3))])

    yield "conv_transpose", make([node("ConvTranspose", ["X", "W"], ["Y"], strides=[2, 2], output_padding=[1, 1],
                                       pads=[1, 1, 0, 0])], x4, out, [weights("W", (2, 3, 3, 3))])

    yield "batchnorm_pools", make([node("BatchNormalization", ["X", "s", "b", "m", "v"], ["A"], epsilon=1e-3),
                                   node("AveragePool", ["A"], ["B"], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                                        count_include_pad=1),
                                   node("LRN", ["B"], ["C"], size=3),
                                   node("GlobalAveragePool", ["C"], ["D"]),
                                   node("GlobalMaxPool", ["A"], ["E"]),
                                   node("Add", ["D", "E"], ["Y"])],
                                  x4, out, [weights(k, (2,)) for k in "sbm"] +
                                  [numpy_helper.from_array(np.ones(2, np.float32), "v")])

    yield "maxpool_indices_unpool", make([node("MaxPool", ["X"], ["P", "I"], kernel_shape=[2, 2], strides=[2, 2]),
                                          node("MaxUnpool", ["P", "I"], ["Y"], kernel_shape=[2, 2], strides=[2, 2])],
                                         [vi("X", [1, 2, 4, 4])], out)

    # A shape subgraph folded at plan time: Shape -> Gather -> Unsqueeze -> Concat -> Reshape.
    yield "shape_subgraph", make([node("Shape", ["X"], ["S"]),
                                  node("Gather", ["S", "zero"], ["N0"], axis=0),
                                  node("Unsqueeze", ["N0", "ax"], ["N1"]),
                                  node("Concat", ["N1", "minus1"], ["shape"], axis=0),
                                  node("Reshape", ["X", "shape"], ["F"]),
                                  node("MatMul", ["F", "M"], ["Y"])],
                                 x4, out, [ints("zero", 0), ints("ax", [0]), ints("minus1", [-1]),
                                           weights("M", (72, 3))])

    yield "data_movement", make([node("Transpose", ["X"], ["T"], perm=[0, 2, 3, 1]),
                                 node("Pad", ["T", "pads", "pv"], ["P"], mode="reflect"),
                                 node("Slice", ["P", "st", "en", "axes", "steps"], ["S"]),
                                 node("Split", ["S", "split"], ["A", "B"], axis=3),
                                 node("Concat", ["B", "A"], ["C"], axis=3),
                                 node("Squeeze", ["C", "sq"], ["Q"]),
                                 node("Unsqueeze", ["Q", "sq"], ["Y"])],
                                [vi("X", [1, 2, 4, 4])], out,
                                [ints("pads", [0, 1, 1, 0, 0, 1, 1, 0]), numpy_helper.from_array(
                                    np.array(0, np.float32), "pv"), ints("st", [0, 1]), ints("en", [5, 6]),
                                 ints("axes", [1, 2]), ints("steps", [2, 1]), ints("split", [1, 1]), ints("sq", [0])])

    yield "elementwise", make([node("Sub", ["X", "K"], ["A"]),
                               node("Mul", ["A", "K"], ["B"]),
                               node("Div", ["B", "K"], ["C"]),
                               node("Sum", ["A", "B", "C"], ["D"]),
                               node("Max", ["D", "X"], ["E"]),
                               node("Clip", ["E", "lo", "hi"], ["F"]),
                               node("LeakyRelu", ["F"], ["G"], alpha=0.2),
                               node("PRelu", ["G", "slope"], ["H"]),
                               node("Elu", ["H"], ["I"]),
                               node("HardSigmoid", ["I"], ["J"]),
                               node("HardSwish", ["J"], ["K2"]),
                               node("Sigmoid", ["K2"], ["L"]),
                               node("Tanh", ["L"], ["M"]),
                               node("LogSoftmax", ["M"], ["Y"], axis=-1)],
                              x4, out, [weights("K", (6,)), numpy_helper.from_array(np.array(-1, np.float32), "lo"),
                                        numpy_helper.from_array(np.array(1, np.float32), "hi"),
                                        weights("slope", (2, 1, 1))])

    yield "norms_reduce", make([node("InstanceNormalization", ["X", "s", "b"], ["A"]),
                                node("ReduceMean", ["A"], ["B"], axes=[2, 3], keepdims=1),
                                node("Dropout", ["B"], ["C"]),
                                node("Identity", ["C"], ["Y"])],
                               x4, out, [weights("s", (2,)), weights("b", (2,))])

    yield "constants_cast", make([helper.make_node("Constant", [], ["k"], name="const_k",
                                                   value=numpy_helper.from_array(np.full((2, 3), 2, np.float32))),
                                  node("ConstantOfShape", ["shp"], ["z"],
                                       value=numpy_helper.from_array(np.array([1], np.int64))),
                                  node("Cast", ["z"], ["zf"], to=FLOAT),
                                  node("Add", ["k", "zf"], ["kz"]),
                                  node("Mul", ["X", "kz"], ["Y"])],
                                 [vi("X", [2, 3])], out, [ints("shp", [2, 3])])

    # Typed fields instead of raw_data, an int32 shape input and an old opset.
    w = helper.make_tensor("W", FLOAT, [2, 3], [0.5, -1, 2, 0, 1, 3])
    s32 = helper.make_tensor("s32", TensorProto.INT32, [2], [3, 2])
    yield "typed_fields_opset9", make([node("MatMul", ["X", "W"], ["A"]),
                                       node("Cast", ["s32"], ["s64"], to=INT64),
                                       node("Reshape", ["A", "s64"], ["Y"])],
                                      [vi("X", [2, 2])], out, [w, s32], opset=9)

    yield "opset7_pad_attrs", make([node("Pad", ["X"], ["Y"], pads=[0, 0, 1, 1, 0, 0, 1, 1], value=0.5)],
                                   x4, out, opset=7)

    # External data in the fuzz target's model folder (w.bin, 1 KiB): at an offset, and the whole file.
    ext = TensorProto(name="E", data_type=FLOAT, dims=[2, 6], data_location=TensorProto.EXTERNAL)
    for k, v in (("location", "w.bin"), ("offset", "64"), ("length", "48")):
        entry = ext.external_data.add()
        entry.key, entry.value = k, v
    whole = TensorProto(name="U", data_type=TensorProto.UINT8, dims=[1024], data_location=TensorProto.EXTERNAL)
    entry = whole.external_data.add()
    entry.key, entry.value = "location", "w.bin"
    yield "external_data", make([node("MatMul", ["X", "E"], ["Y"]), node("Cast", ["U"], ["UF"], to=FLOAT)],
                                [vi("X", [3, 2])], [vi("Y", None), vi("UF", None)], [ext, whole])

    yield "int_graph_input_gather", make([node("Gather", ["D", "I"], ["Y"], axis=1)],
                                         [vi("I", [2], INT64)], out, [weights("D", (3, 4))])


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.argv[1]
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    n = 0
    for name, m in seeds():
        with open(os.path.join(out, name + ".onnx"), "wb") as f:
            f.write(m.SerializeToString())
        n += 1
    copied = 0
    if len(sys.argv) == 3 and os.path.isdir(sys.argv[2]):
        for case in sorted(os.listdir(sys.argv[2])):
            src = os.path.join(sys.argv[2], case, "model.onnx")
            if os.path.isfile(src):
                shutil.copyfile(src, os.path.join(out, "conformance_" + case + ".onnx"))
                copied += 1
    print(f"wrote {n} seed models and {copied} conformance models to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
