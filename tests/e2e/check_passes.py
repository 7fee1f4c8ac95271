#!/usr/bin/python3
"""Checks the graph passes end to end on a zoo model's BatchNorm-preserved export (stdlib only).

    check_passes.py DNNCOST COMPARE_TENSORS MODEL_DIR WORK_DIR

MODEL_DIR is a zoo export of the form NAME-bn (`dnncost zoo export NAME`: model.onnx with every BatchNorm2d kept
as a BatchNormalization node, test_data_set_0/{input_0,output_0}.pb from PyTorch, meta.json). Checks:
  - `dnncost info --passes all` folds every BatchNormalization into its Conv (one fold_batchnorm record per
    BatchNorm layer of the PyTorch model, no BatchNormalization layer left);
  - MACs as imported and as executed equal the PyTorch forward-hook count in meta.json;
  - imported params equal PyTorch's trainable count; executed params are that minus, per folded BatchNorm of C
    channels, C when its Conv had no bias (BN's weight and bias, 2C, become a Conv bias, C) or 2C when it had one;
  - executed FLOPs are the imported FLOPs minus, per folded BatchNorm, its FLOPs (from `info --passes none`'s
    per-layer table), plus one bias add per output element where the Conv had no bias; fusions change no count;
  - `dnncost run --device ref` with --passes none and with --passes all both match PyTorch's output within a
    relative L2 error of 1e-5.
Prints one PASS/FAIL line per check; exits 1 when a check fails.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys

BOUND = 1e-5


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dnncost")
    parser.add_argument("compare_tensors")
    parser.add_argument("model_dir", help="a zoo export of the BatchNorm-preserved form (NAME-bn)")
    parser.add_argument("work_dir", help="folder for dnncost's outputs")
    args = parser.parse_args()

    model = os.path.join(args.model_dir, "model.onnx")
    data = os.path.join(args.model_dir, "test_data_set_0")
    for path in (model, os.path.join(args.model_dir, "meta.json"), os.path.join(data, "input_0.pb")):
        if not os.path.isfile(path):
            print(f"check_passes.py: {path} is missing; export the model first (ctest runs the zoo.export fixture, "
                  "or: dnncost zoo export NAME)", file=sys.stderr)
            return 1
    with open(os.path.join(args.model_dir, "meta.json")) as f:
        meta = json.load(f)
    shutil.rmtree(args.work_dir, ignore_errors=True)
    os.makedirs(args.work_dir)

    failures = 0

    def check(ok, what):
        nonlocal failures
        print(("PASS: " if ok else "FAIL: ") + what, flush=True)
        failures += 0 if ok else 1

    def check_equal(what, got, want):
        check(got == want, f"{what}: {got:,} == {want:,}" if got == want else
              f"{what}: {got:,} != {want:,} (off by {got - want:,})")

    def dnncost(*command):
        full = [args.dnncost, *command]
        print(" ".join(full), flush=True)
        proc = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout + proc.stderr)
            check(False, f"dnncost exited with status {proc.returncode}")
        return proc.returncode == 0

    info = {}
    for mode in ("none", "all"):
        path = os.path.join(args.work_dir, f"info_{mode}.json")
        if not dnncost("info", model, "--batch", "1", "--passes", mode, "--quiet", "--json", path):
            return 1
        with open(path) as f:
            info[mode] = json.load(f)
    executed, imported = info["all"], info["none"]
    imported_layers = {layer["name"]: layer for layer in imported["layers"]}

    folds = [r for r in executed["passes"] if r["pass"] == "fold_batchnorm"]
    check_equal("fold_batchnorm records", len(folds), meta["batchnorm_layers"])
    left = [layer["name"] for layer in executed["layers"] if layer["op"] == "BatchNormalization"]
    check(not left, f"no BatchNormalization layer is executed (left: {left})")
    check_equal("imported MACs", executed["imported_totals"]["macs"], meta["macs_batch1"])
    check_equal("executed MACs", executed["totals"]["macs"], meta["macs_batch1"])
    check_equal("imported params (PyTorch's trainable count)", executed["imported_totals"]["params"],
                meta["params_torch"])
    for key in ("params", "macs", "flops", "weight_bytes", "activation_bytes"):
        check_equal(f"imported_totals.{key} of --passes all == totals.{key} of --passes none",
                    executed["imported_totals"][key], imported["totals"][key])

    params_removed, flops_removed = 0, 0
    for record in folds:
        bn = imported_layers[record["removed_nodes"][0]]
        conv = imported_layers[record["target_node"]]
        channels = bn["outputs"][0]["shape"][1]
        conv_had_bias = len(conv["inputs"]) >= 3
        params_removed += 2 * channels if conv_had_bias else channels
        flops_removed += bn["flops"] - (0 if conv_had_bias else math.prod(bn["outputs"][0]["shape"]))
    check_equal("executed params (imported minus C per BatchNorm folded into a bias-free Conv, 2C otherwise)",
                executed["totals"]["params"], meta["params_torch"] - params_removed)
    check_equal("executed FLOPs (imported minus each folded BatchNorm's FLOPs, plus a bias add where there was none)",
                executed["totals"]["flops"], imported["totals"]["flops"] - flops_removed)

    # `info --device` on each host device of this build: the terminal table (per step: implementation, layouts)
    # and the JSON's device_step per layer.
    devices = subprocess.run([args.dnncost, "devices"], stdout=subprocess.PIPE, text=True).stdout
    for device in ("ref", "cpu"):
        if not any(line.split("\t")[:2] == [device, "available"] for line in devices.splitlines()):
            continue
        path = os.path.join(args.work_dir, f"info_device_{device}.json")
        full = [args.dnncost, "info", model, "--batch", "1", "--device", device, "--json", path]
        print(" ".join(full), flush=True)
        proc = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        check(proc.returncode == 0, f"info --device {device} exits 0 (got {proc.returncode}: {proc.stderr[-500:]})")
        if proc.returncode != 0:
            continue
        check(f"on {device}" in proc.stdout and "implementation" in proc.stdout,
              f"info --device {device} prints the per-step table")
        with open(path) as f:
            layers = json.load(f)["layers"]
        steps = [layer.get("device_step") or {} for layer in layers]
        check(all(step.get("implementation") for step in steps),
              f"info --device {device}: every layer names its implementation")

    for mode in ("none", "all"):
        out = os.path.join(args.work_dir, f"run_{mode}")
        if not dnncost("run", model, "--device", "ref", "--passes", mode, "--in", os.path.join(data, "input_0.pb"),
                       "--out", out):
            continue
        proc = subprocess.run([args.compare_tensors, os.path.join(out, "output_0.pb"),
                               os.path.join(data, "output_0.pb"), "--max-rel-l2", str(BOUND)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        print(proc.stdout, end="")
        check(proc.returncode == 0, f"dnncost run --passes {mode} matches PyTorch within relative L2 {BOUND}")

    name = meta.get("model", args.model_dir)
    print(f"{name}: {'all checks passed' if failures == 0 else f'{failures} check(s) failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
