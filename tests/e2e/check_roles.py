#!/usr/bin/python3
"""Checks the cost roles end to end (info, profile, report) on a single-head self-attention block written here with
Debian's python3-onnx: x [N, seq, D] -> Q, K, V = x Wq, x Wk, x Wv; softmax(Q K^T / sqrt(D)) V, then Wo.

    check_roles.py DNNCOST WORK_DIR

  - info --dim seq=S (S = 4, 16): the JSON's layers have roles (the four products by a weight projection_mlp, Q K^T
    attention_scores, the product reading the Softmax attention_context, the rest other); totals.macs_by_role has
    N*S*S*D MACs for each attention product and 4*N*S*D*D for the projections, and adds up to totals.macs;
    imported_totals has the same; the terminal table shows "attn QK^T" and "attn AV" and the block of MACs by
    role the grouped numbers;
  - profile --dim seq=4,8,16 --per-layer: each record has costs.macs_by_role and per_layer.layers[].role;
  - report of those records: the token models' figures are drawn, with attention MACs growing as seq^2.00 and the
    rest as seq^1.00.
Prints one PASS/FAIL line per check; exits 1 when a check fails.
"""

import json
import os
import re
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

D = 8
FAILURES = []


def check(ok, what, detail=""):
    print(("PASS: " if ok else "FAIL: ") + what + ("" if ok or not detail else "\n      " + detail), flush=True)
    if not ok:
        FAILURES.append(what)


def write_model(path):
    rng = np.random.default_rng(0)
    weights = [numpy_helper.from_array(rng.standard_normal((D, D)).astype(np.float32), n)
               for n in ("Wq", "Wk", "Wv", "Wo")]
    weights.append(numpy_helper.from_array(np.array(np.sqrt(D), np.float32), "scale"))
    nodes = [helper.make_node("MatMul", ["x", "Wq"], ["q"], name="q_proj"),
             helper.make_node("MatMul", ["x", "Wk"], ["k"], name="k_proj"),
             helper.make_node("MatMul", ["x", "Wv"], ["v"], name="v_proj"),
             helper.make_node("Transpose", ["k"], ["kt"], name="k_t", perm=[0, 2, 1]),
             helper.make_node("MatMul", ["q", "kt"], ["s"], name="scores"),
             helper.make_node("Div", ["s", "scale"], ["s_scaled"], name="scale"),
             helper.make_node("Softmax", ["s_scaled"], ["p"], name="softmax", axis=-1),
             helper.make_node("MatMul", ["p", "v"], ["c"], name="context"),
             helper.make_node("MatMul", ["c", "Wo"], ["y"], name="out_proj")]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "seq", D])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", "seq", D])
    model = helper.make_model(helper.make_graph(nodes, "attention", [x], [y], weights),
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def dnncost(exe, *args):
    proc = subprocess.run([exe] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


EXPECTED_ROLES = {"q_proj": "projection_mlp", "k_proj": "projection_mlp", "v_proj": "projection_mlp",
                  "k_t": "other", "scores": "attention_scores", "scale": "other", "softmax": "other",
                  "context": "attention_context", "out_proj": "projection_mlp"}


def expected_macs(n, s):
    return {"attention_scores": n * s * s * D, "attention_context": n * s * s * D, "activation_products": 0,
            "projection_mlp": 4 * n * s * D * D, "convolution": 0, "other": 0}


def check_info(exe, model, work, seq, batch):
    path = os.path.join(work, f"info_{seq}.json")
    rc, out, err = dnncost(exe, "info", model, "--dim", f"seq={seq}", "--batch", str(batch), "--json", path)
    check(rc == 0, f"info --dim seq={seq} --batch {batch} succeeds", err.strip()[:400])
    if rc != 0:
        return
    with open(path) as f:
        doc = json.load(f)
    roles = {layer["name"]: layer["role"] for layer in doc["layers"]}
    check(roles == EXPECTED_ROLES, f"seq={seq}: each layer's role", str(roles))
    want = expected_macs(batch, seq)
    for key in ("totals", "imported_totals"):
        got = doc[key].get("macs_by_role")
        check(got == want, f"seq={seq}: {key}.macs_by_role", f"{got} != {want}")
        check(got is not None and sum(got.values()) == doc[key]["macs"], f"seq={seq}: {key}.macs_by_role adds up")
        flops = doc[key].get("flops_by_role", {})
        check(sum(flops.values()) == doc[key]["flops"] and flops.get("attention_scores") == 2 * want[
            "attention_scores"], f"seq={seq}: {key}.flops_by_role adds up, 2 FLOPs per MAC of QK^T", str(flops))
    rows = {line.split()[1]: line for line in out.splitlines() if re.match(r"^\s*\d+\s", line)}
    check("attn QK^T" in rows.get("scores", "") and "attn AV" in rows.get("context", "") and
          "proj/MLP" in rows.get("q_proj", ""), f"seq={seq}: the table's role column",
          "\n".join(rows.get(k, "") for k in ("scores", "context", "q_proj")))
    scores_line = next((line for line in out.splitlines() if line.startswith("attention scores (QK^T)")), "")
    check(f"{want['attention_scores']:,}" in scores_line, f"seq={seq}: the MACs by role block gives QK^T's MACs",
          scores_line)


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    exe, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    model = os.path.join(work, "attention.onnx")
    write_model(model)
    check_info(exe, model, work, 4, 1)
    check_info(exe, model, work, 16, 2)

    records = os.path.join(work, "profile.jsonl")
    if os.path.exists(records):
        os.remove(records)
    rc, out, err = dnncost(exe, "profile", model, "--dim", "seq=4,8,16", "--batch", "1", "--per-layer", "--warmup",
                           "0", "--min-iters", "1", "--min-time", "0", "--no-peaks", "--power", "none", "--json",
                           records, "--quiet")
    check(rc == 0, "profile --dim seq=4,8,16 --per-layer succeeds", err.strip()[:400])
    if rc == 0:
        with open(records) as f:
            recs = [json.loads(line) for line in f]
        for r in recs:
            seq = r["dims"]["seq"]
            check(r["costs"].get("macs_by_role") == expected_macs(1, seq), f"profile seq={seq}: costs.macs_by_role",
                  str(r["costs"].get("macs_by_role")))
            roles = {layer["name"]: layer.get("role") for layer in r["per_layer"]["layers"]}
            check(roles == EXPECTED_ROLES, f"profile seq={seq}: per_layer.layers[].role", str(roles))
        page = os.path.join(work, "report.html")
        rc, out, err = dnncost(exe, "report", records, "--out", page, "--quiet")
        check(rc == 0, "report of the sweep succeeds", err.strip()[:400])
        if rc == 0:
            with open(page, encoding="utf-8") as f:
                text = f.read()
            check('id="fig-ops-seq" data-missing="false"' in text and 'id="fig-time-seq" data-missing="false"' in text,
                  "the report draws operations and time vs sequence length")
            check("attention (batch 1): attention MACs ∝ seq^2.00, the rest ∝ seq^1.00" in text,
                  "the report fits attention MACs as seq^2 and the rest as seq^1")

    print(f"{len(FAILURES)} check(s) failed" if FAILURES else "all checks passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
