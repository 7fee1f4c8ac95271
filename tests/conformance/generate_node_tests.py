#!/usr/bin/env python3
"""Regenerates the ONNX backend node conformance tests of the ops dnncost supports.

Uses the test cases shipped with Debian's python3-onnx (onnx.backend.test.case.node) and writes them in the
standard layout: OUT/<case>/model.onnx and OUT/<case>/test_data_set_N/{input,output}_K.pb, plus
OUT/cases.json mapping each case to the op it tests. Run with /usr/bin/python3.

usage: generate_node_tests.py OUT_DIR OP [OP ...]
"""
import json
import os
import shutil
import sys

import numpy as np

# Debian's onnx 1.12 test cases still use the aliases numpy removed in 1.24; restore them before import.
for _alias, _type in (("float", float), ("int", int), ("bool", bool), ("object", object)):
    if not hasattr(np, _alias):
        setattr(np, _alias, _type)

import onnx  # noqa: E402
from onnx import numpy_helper  # noqa: E402
import onnx.backend.test.case.node as node_test  # noqa: E402


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = sys.argv[1]
    ops = set(sys.argv[2:])
    cases = node_test.collect_testcases(None)  # every case once; filtered by op below
    by_name = {c.name: c for c in cases}
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    manifest = {}
    for case in cases:
        base = case.name[: -len("_expanded")] if case.name.endswith("_expanded") else case.name
        origin = by_name.get(base, case)
        op = origin.model.graph.node[0].op_type if len(origin.model.graph.node) == 1 else None
        if op is None or op not in ops:
            continue
        # onnx 1.12 names two ReduceSum cases test_reduce_sum_negative_axes_keepdims_random (the second is the
        # empty-axes no-op's random case): a repeated name gets a suffix, so both run.
        name, n = case.name, 1
        while name in manifest:
            n += 1
            name = f"{case.name}_{n}"
        case_dir = os.path.join(out_dir, name)
        os.makedirs(case_dir)
        with open(os.path.join(case_dir, "model.onnx"), "wb") as f:
            f.write(case.model.SerializeToString())
        for i, (inputs, outputs) in enumerate(case.data_sets):
            ds = os.path.join(case_dir, f"test_data_set_{i}")
            os.makedirs(ds)
            for kind, values, decls in (("input", inputs, case.model.graph.input),
                                        ("output", outputs, case.model.graph.output)):
                for j, value in enumerate(values):
                    if not isinstance(value, np.ndarray):
                        value = np.asarray(value)
                    tensor = numpy_helper.from_array(value, decls[j].name)
                    # onnx 1.12 keeps bfloat16 data in uint16 arrays: restore the declared type.
                    declared = decls[j].type.tensor_type.elem_type
                    if declared == onnx.TensorProto.BFLOAT16 and value.dtype == np.uint16:
                        tensor.data_type = onnx.TensorProto.BFLOAT16
                    with open(os.path.join(ds, f"{kind}_{j}.pb"), "wb") as f:
                        f.write(tensor.SerializeToString())
        manifest[name] = {"op": op, "rtol": case.rtol, "atol": case.atol,
                               "ops": sorted({n.op_type for n in case.model.graph.node})}
    with open(os.path.join(out_dir, "cases.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    print(f"wrote {len(manifest)} node test cases for {len(ops)} ops to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
