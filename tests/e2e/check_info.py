#!/usr/bin/python3
"""Checks `dnncost info` on an exported zoo model (one form) against independent counts (stdlib only).

    check_info.py DNNCOST MODEL_DIR WORK_DIR [--macs N]

Runs `dnncost info MODEL_DIR/model.onnx --batch 1 --json WORK_DIR/info.json` and checks:
  - totals.macs equals N (torchvision's documented count, when given) and the forward-hook count in meta.json;
  - imported_totals.params (the graph as exported; `info` reports the graph as executed, after dnncost's graph
    passes, in totals) equals meta.json's params_onnx: for the BatchNorm-preserved form (NAME-bn) PyTorch's
    trainable parameter count; for the eval form (NAME) that count minus what torch's BatchNorm fold removes (C per
    BatchNorm after a bias-free Conv: BN's weight and bias 2C go, the Conv gains a bias C; 2C after a Conv with a
    bias); totals.params is at most that (dnncost's own BatchNorm folding can only remove params);
  - the per-layer MACs and params add up to the totals;
  - every layer has a cost role, totals.macs_by_role is the per-role sum of the layers' MACs, and, on a network
    without products of two run-time operands, its convolution and projection_mlp are meta.json's Conv2d and Linear
    forward-hook counts (macs_batch1_conv, macs_batch1_linear);
  - the terminal output has the line "MACs   <N with grouped digits>", e.g. "MACs   4,089,184,256".
Prints one PASS/FAIL line per check; exits 1 when a check fails or dnncost fails.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time


def grouped(n):
    return f"{n:,}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dnncost", help="the dnncost executable")
    parser.add_argument("model_dir", help="folder with model.onnx and meta.json (tools/zoo/export_zoo.py)")
    parser.add_argument("work_dir", help="folder for info.json and info.txt")
    parser.add_argument("--macs", type=int, help="documented MAC count at batch 1 that totals.macs must equal")
    args = parser.parse_args()

    model = os.path.join(args.model_dir, "model.onnx")
    meta_path = os.path.join(args.model_dir, "meta.json")
    for path in (model, meta_path):
        if not os.path.isfile(path):
            print(f"check_info.py: {path} is missing; export the model first (ctest runs the zoo.export fixtures, "
                  "or: dnncost zoo export MODEL --models DIR)", file=sys.stderr)
            return 1
    with open(meta_path) as f:
        meta = json.load(f)
    os.makedirs(args.work_dir, exist_ok=True)
    json_path = os.path.join(args.work_dir, "info.json")
    if os.path.exists(json_path):
        os.remove(json_path)

    command = [args.dnncost, "info", model, "--batch", "1", "--json", json_path]
    print(" ".join(command), flush=True)
    start = time.monotonic()
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    print(f"dnncost info took {time.monotonic() - start:.1f} s")
    with open(os.path.join(args.work_dir, "info.txt"), "w") as f:
        f.write(proc.stdout)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        print(f"FAIL: dnncost info exited with status {proc.returncode} on {model} (message above)")
        return 1
    with open(json_path) as f:
        info = json.load(f)
    totals = info["totals"]

    failures = 0

    def check(ok, what):
        nonlocal failures
        print(("PASS: " if ok else "FAIL: ") + what)
        failures += 0 if ok else 1

    def check_equal(what, got, want, source):
        if got == want:
            check(True, f"{what} {grouped(got)} == {source} {grouped(want)}")
        else:
            check(False, f"{what} {grouped(got)} != {source} {grouped(want)} (off by {grouped(got - want)})")

    hook_macs = meta["macs_batch1"]
    check(info.get("batch") == 1, f"planned at batch 1 (JSON batch = {info.get('batch')})")
    if args.macs is not None:
        check_equal("totals.macs", totals["macs"], args.macs, "torchvision's documented count")
    check_equal("totals.macs", totals["macs"], hook_macs,
                f"the PyTorch forward-hook count (Conv2d {grouped(meta['macs_batch1_conv'])} + Linear "
                f"{grouped(meta['macs_batch1_linear'])}) =")
    removed = meta["params_torch"] - meta["params_onnx"]
    if removed:
        source = (f"PyTorch's {grouped(meta['params_torch'])} minus {grouped(removed)} removed by folding "
                  f"{meta.get('batchnorm_folded', '?')} BatchNorm layers into their Conv =")
    else:
        source = f"PyTorch's trainable parameter count ({meta.get('form', 'eval')} form)"
    imported = info.get("imported_totals", totals)
    check_equal("imported_totals.params", imported["params"], meta["params_onnx"], source)
    check(totals["params"] <= imported["params"],
          f"totals.params {grouped(totals['params'])} (as executed) <= imported_totals.params "
          f"{grouped(imported['params'])}")
    check_equal("totals.macs", totals["macs"], imported["macs"], "imported_totals.macs")
    layer_macs = sum(layer["macs"] for layer in info["layers"])
    layer_params = sum(layer["params"] for layer in info["layers"])
    check_equal("sum of per-layer MACs", layer_macs, totals["macs"], "totals.macs")
    check_equal("sum of per-layer params", layer_params, totals["params"], "totals.params")
    check(totals["flops"] >= 2 * totals["macs"],
          f"totals.flops {grouped(totals['flops'])} >= 2 * MACs (1 MAC = 2 FLOPs, plus the other operations)")

    # Cost roles (docs/COSTS.md "Cost roles"): the sums by role are the layers' sums, and on a network without products
    # of two run-time operands (the CNNs) the convolutions and the projections are PyTorch's Conv2d and Linear counts.
    roles = ("attention_scores", "attention_context", "activation_products", "projection_mlp", "convolution", "other")
    by_role = totals.get("macs_by_role", {})
    check(sorted(by_role) == sorted(roles), f"totals.macs_by_role has every role: {sorted(by_role)}")
    check(all(layer.get("role") in roles for layer in info["layers"]), "every layer has a role")
    for role in roles:
        layer_sum = sum(layer["macs"] for layer in info["layers"] if layer.get("role") == role)
        check_equal(f"macs_by_role.{role}", by_role.get(role, -1), layer_sum, f"the MACs of the '{role}' layers")
    products = sum(by_role.get(r, 0) for r in ("attention_scores", "attention_context", "activation_products"))
    if products == 0 and "macs_batch1_conv" in meta and "macs_batch1_linear" in meta:
        check_equal("convolution MACs", by_role.get("convolution", -1), meta["macs_batch1_conv"],
                    "the forward-hook count of Conv2d")
        check_equal("projection and MLP MACs", by_role.get("projection_mlp", -1), meta["macs_batch1_linear"],
                    "the forward-hook count of Linear")

    want = args.macs if args.macs is not None else hook_macs
    pattern = re.compile(r"^MACs\s+" + re.escape(grouped(want)) + r"(\s|$)", re.MULTILINE)
    found = pattern.search(proc.stdout)
    shown = next((line for line in proc.stdout.splitlines() if line.startswith("MACs")), "(no line starting 'MACs')")
    check(found is not None, f"terminal output has the line 'MACs  {grouped(want)}'; it shows: {shown.strip()}")

    noise = meta.get("torch_float32_rel_l2_vs_float64")
    if noise is not None:
        print(f"note: PyTorch's own float32 output is {noise:.2e} (relative L2) away from the model in float64: "
              "the rounding noise a parity error compares with")
    print(f"{meta['model']}: {'all checks passed' if failures == 0 else f'{failures} check(s) failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
