#!/usr/bin/python3
"""Checks the graph passes end to end on torchvision models exported with their BatchNorm layers kept.

    check_passes.py DNNCOST COMPARE_TENSORS MODEL_DIR WORK_DIR MODEL

Exports MODEL (resnet18 or mobilenet_v2) to MODEL_DIR/MODEL (skipped when already exported by this same script
and torch) with torch.onnx.export(..., training=TrainingMode.PRESERVE, do_constant_folding=False): every
BatchNorm2d stays a BatchNormalization node. Weights are torchvision's seeded initialisation; each BatchNorm gets
running statistics from a seeded calibration batch, perturbed, and random affine parameters, so a wrong fold
moves the output far beyond the bound. Then checks:
  - `dnncost info --passes all` folds every BatchNormalization into its Conv (one fold_batchnorm record per BN
    node, no BatchNormalization layer left), MACs are unchanged and equal the PyTorch forward-hook count,
    imported params equal PyTorch's count and executed params are that minus one per folded channel (BN's weight
    and bias, 2C, become a Conv bias, C), and executed FLOPs are the imported FLOPs minus, per folded BN, its
    FLOPs less one bias add per output element (from `info --passes none`'s per-layer table);
  - `dnncost run --device ref` with --passes none and with --passes all both match PyTorch's output within a
    relative L2 error of 1e-5.
Prints one PASS/FAIL line per check; exits 1 when a check fails.
"""

import argparse
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys

try:
    import onnx
    import onnx.numpy_helper
    import torch
    import torchvision
    from torch import nn
except ImportError as e:  # pragma: no cover - environment problem, reported plainly
    sys.exit(f"check_passes.py: {e}; run it with Debian's /usr/bin/python3 (python3-torch, python3-torchvision, "
             "python3-onnx)")

SEED = 20240607
TEST_BATCH = 2
OPSET = 13
MODELS = ("resnet18", "mobilenet_v2")
BOUND = 1e-5


def image_batch(batch, generator):
    pixels = torch.rand(batch, 3, 224, 224, generator=generator)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    return (pixels - mean) / std


def reinit_batchnorm(model, generator):
    """Running statistics from one training-mode pass over a calibration batch, then perturbed; random affine."""
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for bn in norms:
        bn.reset_running_stats()
        bn.momentum = None
    model.train()
    with torch.no_grad():
        model(image_batch(2, generator))
    model.eval()
    with torch.no_grad():
        for bn in norms:
            c = bn.num_features
            bn.running_mean.add_(0.1 * torch.randn(c, generator=generator))
            bn.running_var.mul_(0.75 + 0.5 * torch.rand(c, generator=generator))
            bn.weight.copy_(0.5 + torch.rand(c, generator=generator))
            bn.bias.copy_(0.5 * (torch.rand(c, generator=generator) - 0.5))
    return norms


def hook_macs(model):
    """Dot-product MACs at batch 1: Conv2d output elements * (in_channels / groups) * prod(kernel); Linear."""
    total = [0]

    def on_conv(module, inputs, output):
        total[0] += output.numel() * (module.in_channels // module.groups) * math.prod(module.kernel_size)

    def on_linear(module, inputs, output):
        total[0] += output.numel() * module.in_features

    handles = [m.register_forward_hook(on_conv) for m in model.modules() if isinstance(m, nn.Conv2d)]
    handles += [m.register_forward_hook(on_linear) for m in model.modules() if isinstance(m, nn.Linear)]
    with torch.no_grad():
        model(torch.zeros(1, 3, 224, 224))
    for h in handles:
        h.remove()
    return total[0]


def export_key():
    with open(os.path.abspath(__file__), "rb") as f:
        script = hashlib.sha256(f.read()).hexdigest()[:16]
    return f"{script}/torch-{torch.__version__}/torchvision-{torchvision.__version__}/opset-{OPSET}"


def write_tensor(path, array, name):
    with open(path, "wb") as f:
        f.write(onnx.numpy_helper.from_array(array, name).SerializeToString())


def export(name, folder):
    """Writes folder/{model.onnx, input_0.pb, output_0.pb, meta.json} unless already there from this script."""
    key = export_key()
    meta_path = os.path.join(folder, "meta.json")
    try:
        with open(meta_path) as f:
            meta = json.load(f)
        if meta.get("export_key") == key and all(
                os.path.isfile(os.path.join(folder, f)) for f in ("model.onnx", "input_0.pb", "output_0.pb")):
            print(f"[{name}] BatchNorm-preserving export up to date in {folder}")
            return meta
    except (OSError, ValueError):
        pass
    torch.manual_seed(SEED)
    generator = torch.Generator().manual_seed(SEED)
    model = getattr(torchvision.models, name)(weights=None)
    norms = reinit_batchnorm(model, generator)
    model.eval()
    x = image_batch(TEST_BATCH, generator)
    with torch.no_grad():
        y = model(x)
    tmp = folder + f".partial.{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    with torch.no_grad():
        torch.onnx.export(model, x, os.path.join(tmp, "model.onnx"), opset_version=OPSET, input_names=["input"],
                          output_names=["output"], dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                          do_constant_folding=False, training=torch.onnx.TrainingMode.PRESERVE)
    write_tensor(os.path.join(tmp, "input_0.pb"), x.numpy(), "input")
    write_tensor(os.path.join(tmp, "output_0.pb"), y.float().numpy(), "output")
    graph = onnx.load(os.path.join(tmp, "model.onnx")).graph
    meta = {
        "export_key": key,
        "model": name,
        "params_torch": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "batchnorm_layers": len(norms),
        "batchnorm_channels": sum(bn.num_features for bn in norms),
        "batchnorm_nodes": sum(n.op_type == "BatchNormalization" for n in graph.node),
        "macs_batch1": hook_macs(model),
    }
    with open(os.path.join(tmp, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)
    print(f"[{name}] exported with {meta['batchnorm_nodes']} BatchNormalization nodes to {folder}")
    return meta


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dnncost")
    parser.add_argument("compare_tensors")
    parser.add_argument("model_dir", help="folder for the exported models")
    parser.add_argument("work_dir", help="folder for dnncost's outputs")
    parser.add_argument("model", choices=MODELS)
    args = parser.parse_args()

    folder = os.path.join(args.model_dir, args.model + "_bn")
    os.makedirs(args.model_dir, exist_ok=True)
    meta = export(args.model, folder)
    work = os.path.join(args.work_dir, args.model)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    model = os.path.join(folder, "model.onnx")

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
        return proc

    info = {}
    for mode in ("none", "all"):
        path = os.path.join(work, f"info_{mode}.json")
        if dnncost("info", model, "--batch", "1", "--passes", mode, "--quiet", "--json", path).returncode != 0:
            return 1
        with open(path) as f:
            info[mode] = json.load(f)
    executed, imported = info["all"], info["none"]

    folds = [r for r in executed["passes"] if r["pass"] == "fold_batchnorm"]
    check_equal("fold_batchnorm records", len(folds), meta["batchnorm_nodes"])
    check_equal("BatchNormalization nodes in the export", meta["batchnorm_nodes"], meta["batchnorm_layers"])
    left = [layer["name"] for layer in executed["layers"] if layer["op"] == "BatchNormalization"]
    check(not left, f"no BatchNormalization layer is executed (left: {left})")
    check_equal("imported MACs", executed["imported_totals"]["macs"], meta["macs_batch1"])
    check_equal("executed MACs", executed["totals"]["macs"], meta["macs_batch1"])
    check_equal("imported params (PyTorch's count)", executed["imported_totals"]["params"], meta["params_torch"])
    check_equal("executed params (PyTorch's minus one per folded BatchNorm channel)", executed["totals"]["params"],
                meta["params_torch"] - meta["batchnorm_channels"])
    check_equal("imported totals of `info --passes all` equal the totals of `info --passes none`",
                executed["imported_totals"]["flops"], imported["totals"]["flops"])
    removed = 0
    for layer in imported["layers"]:
        if layer["op"] == "BatchNormalization":
            removed += layer["flops"] - math.prod(layer["outputs"][0]["shape"])
    check_equal("executed FLOPs (imported minus each folded BN's FLOPs, plus one bias add per output element)",
                executed["totals"]["flops"], imported["totals"]["flops"] - removed)

    for mode in ("none", "all"):
        out = os.path.join(work, f"run_{mode}")
        if dnncost("run", model, "--device", "ref", "--passes", mode, "--in", os.path.join(folder, "input_0.pb"),
                   "--out", out).returncode != 0:
            continue
        proc = subprocess.run([args.compare_tensors, os.path.join(out, "output_0.pb"),
                               os.path.join(folder, "output_0.pb"), "--max-rel-l2", str(BOUND)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        print(proc.stdout, end="")
        check(proc.returncode == 0, f"dnncost run --passes {mode} matches PyTorch within relative L2 {BOUND}")

    print(f"{args.model}: {'all checks passed' if failures == 0 else f'{failures} check(s) failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
