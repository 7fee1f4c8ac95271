#!/usr/bin/env python3
"""Converts an ONNX model to a newer opset with onnx's version converter, as current exporters write it.

Run with the project's venv python (scripts/setup.sh: a current onnx from PyPI; Debian's onnx 1.12 stops at
opset 17). The converter rewrites every node whose op changed between the model's opset and the target: e.g.
ReduceMean's axes become input 1 (18), Split gains num_outputs (18), Pad an axes input (18), AveragePool and
Cast new versions (19), Shape start/end (15), Reshape allowzero (14).

usage: convert_opset.py SRC DST --opset N [--opset N ...] [--summary]
  SRC  a model file, or a zoo model directory (model.onnx and test_data_set_*/)
  DST  the output file (one --opset) or directory; for a zoo directory DST/<opset>/ (several --opset) or DST/ gets
       model.onnx and a copy of the test data, so `dnncost run` checks the converted model against the original's
       expected output
  --summary  prints the op types, with their new opset versions, that the conversion changed
"""
import argparse
import os
import shutil
import sys

import onnx
from onnx import version_converter


def default_opset(model: onnx.ModelProto) -> int:
    for imp in model.opset_import:
        if imp.domain in ("", "ai.onnx"):
            return imp.version
    return 1


def convert(model: onnx.ModelProto, opset: int) -> onnx.ModelProto:
    src = default_opset(model)
    if opset < src:
        raise SystemExit(f"convert_opset: the model already uses opset {src}; target {opset} is older")
    converted = version_converter.convert_version(model, opset)
    # The converter keeps the IR version; newer opsets need a newer IR (opset 21: IR 10), as exporters write.
    converted.ir_version = max(converted.ir_version, onnx.helper.find_min_ir_version_for([
        onnx.helper.make_opsetid("", opset)]))
    onnx.checker.check_model(converted, full_check=True)
    return converted


def changed_ops(src_opset: int, dst_opset: int, model: onnx.ModelProto) -> list:
    """The op types of the model whose schema version differs between the two opsets."""
    out = []
    for op in sorted({n.op_type for n in model.graph.node if n.domain in ("", "ai.onnx")}):
        a = onnx.defs.get_schema(op, src_opset).since_version
        b = onnx.defs.get_schema(op, dst_opset).since_version
        if a != b:
            out.append(f"{op} {a}->{b}")
    return out


def write(model: onnx.ModelProto, path: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".part"
    onnx.save(model, tmp)
    os.replace(tmp, path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--opset", type=int, action="append", required=True)
    ap.add_argument("--summary", action="store_true")
    args = ap.parse_args()

    is_dir = os.path.isdir(args.src)
    src_file = os.path.join(args.src, "model.onnx") if is_dir else args.src
    model = onnx.load(src_file)
    src_opset = default_opset(model)
    for opset in args.opset:
        converted = convert(model, opset)
        if is_dir:
            out_dir = os.path.join(args.dst, str(opset)) if len(args.opset) > 1 else args.dst
            os.makedirs(out_dir, exist_ok=True)
            for entry in sorted(os.listdir(args.src)):
                if entry.startswith("test_data_set_"):
                    shutil.rmtree(os.path.join(out_dir, entry), ignore_errors=True)
                    shutil.copytree(os.path.join(args.src, entry), os.path.join(out_dir, entry))
            out_file = os.path.join(out_dir, "model.onnx")
        else:
            if len(args.opset) > 1:
                raise SystemExit("convert_opset: several --opset need a zoo directory as SRC")
            out_file = args.dst
        write(converted, out_file)
        line = f"{src_file}: opset {src_opset} -> {opset} (IR {converted.ir_version}): {out_file}"
        if args.summary:
            line += "\n  changed: " + (", ".join(changed_ops(src_opset, opset, model)) or "none")
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
