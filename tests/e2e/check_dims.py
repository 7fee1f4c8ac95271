#!/usr/bin/python3
"""Checks --dim NAME=V[,V...] of `dnncost info`, `run` and `profile` on a model with a symbolic dimension after the
batch: x [N, seq, 8] MatMul a constant [8, 4] -> y [N, seq, 4], written here with Debian's python3-onnx.

    check_dims.py DNNCOST WORK_DIR

  - info without --dim fails naming the input, the dimension and the option (--dim seq=N);
  - info --dim seq=5 --batch 2 plans y [2, 5, 4] (MACs 2*5*8*4) and its JSON has "dims": {"seq": 5}; the
    terminal header says "batch 2, seq=5"; a model without symbolic dims has "dims": {};
  - an unknown name, a list on info, a malformed value: exit 2, one message naming --dim;
  - profile --dim seq=3,7 --batch 1,2: four records, dims outside the batch, each with its dims, and dims.seq in
    the CSV right after batch;
  - run --dim seq=5 with a [2, 5, 8] tensor runs; --dim seq=6 with it is an error naming input, dimension, option.
Prints one PASS/FAIL line per check; exits 1 when a check fails.
"""

import csv
import json
import os
import subprocess
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

FAILURES = []


def check(ok, what, detail=""):
    print(("PASS: " if ok else "FAIL: ") + what + ("" if ok or not detail else "\n      " + detail), flush=True)
    if not ok:
        FAILURES.append(what)


def write_model(path, dims):
    w = numpy_helper.from_array(np.arange(32, dtype=np.float32).reshape(8, 4) / 32, "W")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, dims + [8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, dims + [4])
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "W"], ["y"], name="proj")], "seq_matmul", [x], [y],
                              [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def dnncost(exe, *args):
    proc = subprocess.run([exe] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def expect_error(exe, what, args, fragments):
    rc, _, err = dnncost(exe, *args)
    lines = [line for line in err.splitlines() if line.startswith("dnncost: error:")]
    ok = rc == 2 and len(lines) == 1 and all(f in lines[0] for f in fragments)
    check(ok, what, f"exit {rc}, stderr: {err.strip()[:400]} (expected exit 2 and {fragments})")


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    exe, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    model = os.path.join(work, "seq_matmul.onnx")
    fixed = os.path.join(work, "fixed_matmul.onnx")
    write_model(model, ["N", "seq"])
    write_model(fixed, ["N", 3])

    # info
    expect_error(exe, "info without --dim names the input, the dimension and the option", ["info", model],
                 ["seq_matmul.onnx", "graph input 'x' dimension 1 is symbolic ('seq')", "--dim seq=N"])
    info_json = os.path.join(work, "info.json")
    rc, out, err = dnncost(exe, "info", model, "--dim", "seq=5", "--batch", "2", "--json", info_json)
    check(rc == 0, "info --dim seq=5 --batch 2 succeeds", err.strip())
    if rc == 0:
        with open(info_json) as f:
            doc = json.load(f)
        check(doc.get("dims") == {"seq": 5}, 'info JSON has "dims": {"seq": 5}', str(doc.get("dims")))
        check(doc["inputs"][0]["shape"] == [2, 5, 8] and doc["outputs"][0]["shape"] == [2, 5, 4],
              "info plans x [2, 5, 8] and y [2, 5, 4]", f'{doc["inputs"]} {doc["outputs"]}')
        check(doc["totals"]["macs"] == 2 * 5 * 8 * 4, "info MACs are 2*5*8*4", str(doc["totals"]["macs"]))
        check("batch 2, seq=5)" in out, "info's header names the dims", out.splitlines()[0] if out else "")
    rc, out, err = dnncost(exe, "info", fixed, "--json", "-")
    check(rc == 0 and json.loads(out).get("dims") == {}, 'a model without symbolic dims has "dims": {}',
          err.strip()[:300])
    expect_error(exe, "info --dim with a name the model does not have lists its dimensions",
                 ["info", model, "--dim", "sequence=5"],
                 ["--dim sequence", "no input of the model has a dimension named 'sequence'",
                  "seq (input 'x' dimension 1)"])
    expect_error(exe, "info --dim NAME=V1,V2 is refused (one value per dimension)",
                 ["info", model, "--dim", "seq=5,6"], ["--dim seq=5,6", "one value per dimension"])
    expect_error(exe, "info --dim with a malformed size", ["info", model, "--dim", "seq=five"],
                 ["--dim 'seq=five'", "positive integer"])
    expect_error(exe, "info --dim of the batch symbol points to --batch", ["info", model, "--dim", "N=4"],
                 ["--dim N", "batch dimension", "--batch"])

    # profile: the sweep
    records = os.path.join(work, "profile.jsonl")
    table = os.path.join(work, "profile.csv")
    for path in (records, table):
        if os.path.exists(path):
            os.remove(path)
    rc, out, err = dnncost(exe, "profile", model, "--dim", "seq=3,7", "--batch", "1,2", "--warmup", "0",
                           "--min-iters", "1", "--min-time", "0", "--no-peaks", "--power", "none", "--json", records,
                           "--csv", table)
    check(rc == 0, "profile --dim seq=3,7 --batch 1,2 succeeds", err.strip()[:400])
    if rc == 0:
        with open(records) as f:
            recs = [json.loads(line) for line in f]
        got = [(r["dims"], r["batch"], r["status"], r["costs"]["macs"]) for r in recs]
        want = [({"seq": s}, b, "ok", b * s * 8 * 4) for s in (3, 7) for b in (1, 2)]
        check(got == want, "profile records every (seq, batch), seq outside, with dims and MACs", str(got))
        check("seq=7" in out and "dims" in out.splitlines()[2], "profile's table has a dims column",
              "\n".join(out.splitlines()[:4]))
        with open(table, newline="") as f:
            rows = list(csv.reader(f))
        check(rows[0][:4] == ["schema", "model", "batch", "dims.seq"] and [r[3] for r in rows[1:]] == [
            "3", "3", "7", "7"], "profile's CSV has dims.seq after batch", str(rows[0][:5]))
    rc, out, err = dnncost(exe, "profile", model, "--batch", "1", "--warmup", "0", "--min-iters", "1",
                           "--min-time", "0", "--no-peaks", "--power", "none", "--json", "-")
    rec = json.loads(out.splitlines()[-1]) if out.strip() else {}
    check(rc == 1 and rec.get("status") == "error" and "--dim seq=N" in rec.get("error", ""),
          "profile without --dim records the error naming --dim (exit 1)", f"exit {rc}: {rec.get('error')}")

    # run: the tensors decide; --dim checks them
    tensor = os.path.join(work, "x_2_5.pb")
    with open(tensor, "wb") as f:
        f.write(numpy_helper.from_array(np.ones((2, 5, 8), np.float32), "x").SerializeToString())
    rc, out, err = dnncost(exe, "run", model, "--in", tensor, "--out", os.path.join(work, "out"), "--dim", "seq=5")
    check(rc == 0 and "[2, 5, 4]" in out, "run --dim seq=5 with a [2, 5, 8] tensor gives y [2, 5, 4]",
          f"exit {rc}: {out.strip()} {err.strip()}")
    expect_error(exe, "run --dim seq=6 with a [2, 5, 8] tensor names input, dimension and option",
                 ["run", model, "--in", tensor, "--out", os.path.join(work, "out"), "--dim", "seq=6"],
                 ["input 'x' dimension 1 ('seq') is 5 in the given tensor", "--dim seq=6"])

    print(f"{len(FAILURES)} check(s) failed" if FAILURES else "all checks passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
