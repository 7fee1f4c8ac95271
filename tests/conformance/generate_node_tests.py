#!/usr/bin/env python3
"""Regenerates the ONNX backend node conformance tests of the ops dnncost supports.

Writes the test cases shipped with the running Python's onnx (onnx.backend.test.case.node) in the standard layout:
OUT/<case>/model.onnx and OUT/<case>/test_data_set_N/{input,output}_K.pb, plus OUT/cases.json mapping each case
to the op it tests, the onnx it came from (--tag names the set: "debian", "current") and its opset.

Two sets (tests/CMakeLists.txt, docs/CONFORMANCE.md):
  - Debian's python3-onnx 1.12 (/usr/bin/python3): opsets up to 17, the ops of DNNCOST_CONFORMANCE_OPS;
  - the current onnx of the project's venv (scripts/setup.sh, --python VENV_PYTHON): the ops Debian's onnx lacks
    (LayerNormalization, Gelu, ...) and the newer forms of the others (ReduceMean-18, Split-18, Pad-18/19,
    AveragePool-19, ...), the ops of DNNCOST_CONFORMANCE_CURRENT_OPS.
A current onnx writes each case at its op's newest opset (AveragePool 22, Pad 25, ...). --max-opset M (dnncost:
21) lowers a case to the newest opset its nodes were defined at when that is <= M (the same schemas); above M, to
M itself when every node sets only inputs, outputs and attributes its schema at M has too (newer versions that
added element types or attributes left at their defaults) and the case passes onnx's full checker at M (types,
shapes); otherwise the case is listed in cases.json as not runnable, with why.

usage: generate_node_tests.py [--python PY] [--tag TAG] [--max-opset M] OUT_DIR OP [OP ...]
  --python PY  run under PY (the venv); when PY does not exist, write an empty set whose OUT/UNAVAILABLE says why
               (the conformance runner then skips what only this set would test) and exit 0
"""
import argparse
import json
import os
import shutil
import sys

HERE = os.path.abspath(__file__)


def unavailable(out_dir: str, why: str) -> int:
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    with open(os.path.join(out_dir, "cases.json"), "w") as f:
        f.write("{}\n")
    with open(os.path.join(out_dir, "UNAVAILABLE"), "w") as f:
        f.write(why + "\n")
    print(f"no node test cases written to {out_dir}: {why}")
    return 0


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", help="run under this Python (the venv with a current onnx)")
    ap.add_argument("--tag", default="debian", help="name of this set of cases (cases.json 'tag')")
    ap.add_argument("--max-opset", type=int, default=0, help="lower cases above this opset (0: keep them as written)")
    ap.add_argument("out_dir")
    ap.add_argument("ops", nargs="+")
    return ap.parse_args()


def main() -> int:
    args = parse_args()
    if args.python and os.environ.get("DNNCOST_GENERATOR_UNDER") != args.python:
        if not os.path.isfile(args.python) or not os.access(args.python, os.X_OK):
            return unavailable(args.out_dir, f"no venv python at {args.python} (scripts/setup.sh creates it with a "
                                             "current onnx from PyPI)")
        # A venv's python is often a link to the system one: the environment variable says the switch happened.
        os.environ["DNNCOST_GENERATOR_UNDER"] = args.python
        os.execv(args.python, [args.python, HERE] + sys.argv[1:])

    import numpy as np

    # Debian's onnx 1.12 test cases still use the aliases numpy removed in 1.24; restore them before import.
    for _alias, _type in (("float", float), ("int", int), ("bool", bool), ("object", object)):
        if not hasattr(np, _alias):
            setattr(np, _alias, _type)

    import onnx  # noqa: E402
    from onnx import numpy_helper  # noqa: E402
    import onnx.backend.test.case.node as node_test  # noqa: E402

    ops = set(args.ops)
    cases = node_test.collect_testcases(None)  # every case once; filtered by op below
    by_name = {c.name: c for c in cases}
    if os.path.exists(args.out_dir):
        shutil.rmtree(args.out_dir)
    os.makedirs(args.out_dir)
    manifest = {}
    lowered = not_runnable = 0
    for case in cases:
        base = case.name.split("_expanded")[0]  # NAME_expanded and NAME_expanded_verN test NAME's op
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
        entry = {"op": op, "rtol": case.rtol, "atol": case.atol, "tag": args.tag, "onnx": onnx.__version__,
                 "ops": sorted({n.op_type for n in case.model.graph.node})}
        model = case.model
        opset = default_opset(model)
        if args.max_opset:
            model, new_opset, why = lower_opset(onnx, model, opset, args.max_opset)
            if model is None:
                entry["not_runnable"] = why
                manifest[name] = entry
                not_runnable += 1
                continue
            if new_opset != opset:
                entry["written_at_opset"] = opset
                lowered += 1
            opset = new_opset
        entry["opset"] = opset
        case_dir = os.path.join(args.out_dir, name)
        os.makedirs(case_dir)
        with open(os.path.join(case_dir, "model.onnx"), "wb") as f:
            f.write(model.SerializeToString())
        for i, (inputs, outputs) in enumerate(case.data_sets):
            ds = os.path.join(case_dir, f"test_data_set_{i}")
            os.makedirs(ds)
            for kind, values, decls in (("input", inputs, model.graph.input), ("output", outputs, model.graph.output)):
                for j, value in enumerate(values):
                    if isinstance(value, onnx.TensorProto):
                        tensor = onnx.TensorProto()
                        tensor.CopyFrom(value)
                        tensor.name = decls[j].name
                    else:
                        if not isinstance(value, np.ndarray):
                            value = np.asarray(value)
                        tensor = numpy_helper.from_array(value, decls[j].name)
                        # onnx 1.12 keeps bfloat16 data in uint16 arrays: restore the declared type.
                        declared = decls[j].type.tensor_type.elem_type
                        if declared == onnx.TensorProto.BFLOAT16 and value.dtype == np.uint16:
                            tensor.data_type = onnx.TensorProto.BFLOAT16
                    with open(os.path.join(ds, f"{kind}_{j}.pb"), "wb") as f:
                        f.write(tensor.SerializeToString())
        manifest[name] = entry
    with open(os.path.join(args.out_dir, "cases.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    print(f"wrote {len(manifest) - not_runnable} node test cases of onnx {onnx.__version__} ({args.tag}) for "
          f"{len(ops)} ops to {args.out_dir}" +
          (f"; {lowered} lowered to opset <= {args.max_opset}" if args.max_opset else "") +
          (f"; {not_runnable} not expressible at opset <= {args.max_opset} (listed in cases.json)"
           if not_runnable else ""))
    return 0


def default_opset(model) -> int:
    for imp in model.opset_import:
        if imp.domain in ("", "ai.onnx"):
            return imp.version
    return 1


def lower_opset(onnx, model, opset: int, max_opset: int):
    """(model at an opset <= max_opset, that opset, "") or (None, 0, why not)."""
    nodes = list(model.graph.node)
    if any(n.domain not in ("", "ai.onnx") for n in nodes):
        return None, 0, "a node of another domain"
    schemas = {n.op_type: onnx.defs.get_schema(n.op_type, opset) for n in nodes}
    # The newest opset any node's schema was defined at: the model means the same at that opset.
    natural = max(s.since_version for s in schemas.values())
    target = natural if natural <= max_opset else max_opset
    for node in nodes:
        newer = schemas[node.op_type]
        if newer.since_version <= target:
            continue
        try:
            older = onnx.defs.get_schema(node.op_type, target)
        except onnx.defs.SchemaError:
            return None, 0, f"{node.op_type} does not exist at opset {target}"
        why = uses_only(node, older, newer)
        if why:
            return None, 0, f"{node.op_type}-{newer.since_version} lowered to {node.op_type}-{older.since_version} " \
                            f"(opset {target}): {why}"
    out = onnx.ModelProto()
    out = onnx.ModelProto()
    out.CopyFrom(model)
    for imp in out.opset_import:
        if imp.domain in ("", "ai.onnx"):
            imp.version = target
    out.ir_version = min(out.ir_version, ir_version_of(onnx, target))
    try:
        onnx.checker.check_model(out, full_check=True)
    except Exception as e:  # noqa: BLE001 (onnx raises several kinds)
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return None, 0, f"onnx's checker rejects it at opset {target} (an element type or shape rule newer than " \
                        f"it): {first}"
    return out, target, ""


def uses_only(node, older, newer) -> str:
    """Why `node` (of schema `newer`) does not mean the same under `older`, or "" when it uses only what both have:
    the inputs and outputs it sets at the same positions, the attributes it sets (a new attribute left at its
    default keeps the old behaviour, as ONNX requires of new versions)."""
    for kind, used, old_list, new_list in (("input", node.input, older.inputs, newer.inputs),
                                           ("output", node.output, older.outputs, newer.outputs)):
        for i, name in enumerate(used):
            if not name:
                continue
            if i >= len(old_list):
                return f"it sets {kind} {i} ({new_list[i].name}), which the older version does not have"
            if old_list[i].name != new_list[i].name:
                return f"{kind} {i} is '{new_list[i].name}' in the newer version, '{old_list[i].name}' in the older"
    for attribute in node.attribute:
        if attribute.name not in older.attributes:
            return f"it sets attribute '{attribute.name}', which the older version does not have"
    return ""


def ir_version_of(onnx, opset: int) -> int:
    """The IR version of the first onnx release that had `opset`."""
    for _release, ir, ai_onnx, *_ in onnx.helper.VERSION_TABLE:
        if ai_onnx >= opset:
            return ir
    return onnx.IR_VERSION


if __name__ == "__main__":
    sys.exit(main())
