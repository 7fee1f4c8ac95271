#!/usr/bin/env python3
"""Writes a small seeded CNN as ONNX for power measurements (numpy and onnx only: runs on the GPU machine's
python3 and on Debian's /usr/bin/python3 alike; no torch, no download).

    make_power_model.py OUT.onnx

Input "input" [batch, 3, 112, 112]; four 3x3 convolutions with ReLU (3->32, 32->64 /2, 64->128 /2, 128->256 /2),
global average pooling, flatten, a 256->10 Gemm. About 0.19 GMAC per image: enough work per image that large
batches keep a GPU busy, small enough for the ref device to run a batch in seconds.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    out = sys.argv[1]
    rng = np.random.RandomState(0)
    inits, nodes = [], []
    channels = [3, 32, 64, 128, 256]
    x = "input"
    for i in range(4):
        cin, cout = channels[i], channels[i + 1]
        w = (rng.randn(cout, cin, 3, 3) * np.sqrt(2.0 / (cin * 9))).astype(np.float32)
        b = (rng.randn(cout) * 0.01).astype(np.float32)
        inits += [numpy_helper.from_array(w, f"conv{i}.w"), numpy_helper.from_array(b, f"conv{i}.b")]
        stride = 1 if i == 0 else 2
        nodes.append(helper.make_node("Conv", [x, f"conv{i}.w", f"conv{i}.b"], [f"conv{i}"], name=f"conv{i}",
                                      kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[stride, stride]))
        nodes.append(helper.make_node("Relu", [f"conv{i}"], [f"relu{i}"], name=f"relu{i}"))
        x = f"relu{i}"
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["pool"], name="pool"))
    nodes.append(helper.make_node("Flatten", ["pool"], ["flat"], name="flatten", axis=1))
    inits += [numpy_helper.from_array((rng.randn(10, 256) * 0.05).astype(np.float32), "fc.w"),
              numpy_helper.from_array(np.zeros(10, np.float32), "fc.b")]
    nodes.append(helper.make_node("Gemm", ["flat", "fc.w", "fc.b"], ["output"], name="fc", transB=1))
    graph = helper.make_graph(nodes, "power_cnn",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, 112, 112])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="make_power_model.py")
    model.ir_version = 8  # readable by onnx 1.12 (Debian) and newer
    onnx.checker.check_model(model)
    onnx.save(model, out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
