#!/usr/bin/python3
"""Exports torchvision models with seeded random weights to ONNX, with a reference input/output pair.

Run with Debian's Python (/usr/bin/python3: torch 1.13, torchvision 0.14, onnx 1.12). Nothing is downloaded:
models are built with weights=None and re-initialised from a fixed seed, so every run writes the same files.

    export_torchvision.py OUT_DIR MODEL [MODEL ...] [--opset 13]

For each MODEL it writes, atomically (a temporary folder renamed at the end):
    OUT_DIR/MODEL/model.onnx                    eval-mode export, input "input", output "output", batch axis "batch"
    OUT_DIR/MODEL/test_data_set_0/input_0.pb    seeded image-like batch of 2 (ONNX TensorProto)
    OUT_DIR/MODEL/test_data_set_0/output_0.pb   PyTorch's float32 output on that input
    OUT_DIR/MODEL/meta.json                     param counts, MACs from forward hooks at batch 1, timings
A model whose folder is complete and was written by this same exporter (same script, torch and opset) is skipped.

BatchNorm layers get non-trivial running statistics and affine parameters (see reinit_batchnorm), so a mistake in
folding BatchNorm into the preceding convolution changes the output visibly; all-zero biases get small seeded
values (see reinit_zero_biases). torch.onnx.export in eval mode folds every BatchNorm that directly follows a Conv
into that Conv (the Conv gains a bias); meta.json's "params_onnx" is the PyTorch count adjusted for that fold, and
the exporter checks it against the exported graph.
"""

import argparse
import hashlib
import json
import math
import os
import shutil
import sys
import time

try:
    import onnx
    import onnx.numpy_helper
    import torch
    import torchvision
    from torch import nn
except ImportError as e:  # pragma: no cover - environment problem, reported plainly
    sys.exit(f"export_torchvision.py: {e}; run it with Debian's /usr/bin/python3 (python3-torch, "
             "python3-torchvision, python3-onnx)")

SEED = 20240601
TEST_BATCH = 2
DEFAULT_OPSET = 13

# torchvision's documented operation counts (its "GFLOPS" are multiply-accumulates) at batch 1.
DOCUMENTED_MACS = {
    "resnet50": 4_089_184_256,
    "vgg16": 15_470_264_320,
    "alexnet": 714_188_480,
    "googlenet": 1_498_376_192,
    "inception_v3": 5_713_216_096,
}


def build_model(name):
    """Returns (module, input side) for a supported model name, weights initialised by torchvision."""
    models = torchvision.models
    if name == "googlenet":
        return models.googlenet(weights=None, aux_logits=False, init_weights=True, transform_input=False), 224
    if name == "inception_v3":
        return models.inception_v3(weights=None, aux_logits=False, init_weights=True, transform_input=False), 299
    if name in ("resnet18", "resnet50", "vgg16", "alexnet", "mobilenet_v2"):
        return getattr(models, name)(weights=None), 224
    raise ValueError(name)


SUPPORTED_MODELS = ("resnet18", "resnet50", "vgg16", "alexnet", "googlenet", "inception_v3", "mobilenet_v2")


def image_batch(batch, side, generator):
    """An image-like batch: uniform pixels in [0, 1) normalised with ImageNet's per-channel mean and std."""
    pixels = torch.rand(batch, 3, side, side, generator=generator)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    return (pixels - mean) / std


def reinit_zero_biases(model, generator):
    """Replaces all-zero Conv2d/Linear biases (torchvision's init for VGG, GoogLeNet, Inception classifiers) with
    small seeded values. Besides exercising the bias path, this keeps torch.onnx from merging equal-valued
    initializers: with zero biases it shares one bias tensor between several layers of the same width (VGG-16:
    7,360 elements), and the graph's parameter count (each initializer counted once) drops below PyTorch's.
    """
    changed = 0
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)) and m.bias is not None and not m.bias.any():
                m.bias.copy_(0.1 * (torch.rand(m.bias.shape, generator=generator) - 0.5))
                changed += 1
    return changed


def reinit_batchnorm(model, side, generator):
    """Gives every BatchNorm non-trivial, well-scaled statistics and affine parameters.

    The running mean/var come from one training-mode pass over a seeded calibration batch (momentum=None: the
    cumulative average, here exactly that batch's statistics), so activations stay normalised through the
    network and the output is well conditioned; they are then perturbed per channel, and weight/bias are drawn
    from [0.5, 1.5) and [-0.25, 0.25). Ignoring the mean, the variance, epsilon or the affine part then moves
    the output far beyond the parity bound.
    """
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    if not norms:
        return 0
    for bn in norms:
        bn.reset_running_stats()
        bn.momentum = None
    model.train()
    with torch.no_grad():
        model(image_batch(2, side, generator))
    model.eval()
    with torch.no_grad():
        for bn in norms:
            c = bn.num_features
            bn.running_mean.add_(0.1 * torch.randn(c, generator=generator))
            bn.running_var.mul_(0.75 + 0.5 * torch.rand(c, generator=generator))
            bn.weight.copy_(0.5 + torch.rand(c, generator=generator))
            bn.bias.copy_(0.5 * (torch.rand(c, generator=generator) - 0.5))
            bn.momentum = 0.1
    return len(norms)


def count_macs_and_folds(model, side):
    """Counts dot-product MACs at batch 1 with forward hooks on nn.Conv2d and nn.Linear, and finds the
    BatchNorm layers whose input is the output of a bias-free Conv2d (those torch.onnx folds into the Conv).

    Conv2d: output elements * (in_channels / groups) * prod(kernel_size)   (padding positions included)
    Linear: output elements * in_features                                  (= batch * in_features * out_features)
    """
    counts = {"conv_macs": 0, "linear_macs": 0, "conv_layers": 0, "linear_layers": 0}
    conv_outputs = {}  # id(output tensor) -> conv module
    folds = {"bn_after_biasless_conv": 0, "bn_after_biased_conv": 0, "bn_other": 0, "bn_channels_folded": 0}

    def on_conv(module, inputs, output):
        counts["conv_macs"] += output.numel() * (module.in_channels // module.groups) * math.prod(module.kernel_size)
        counts["conv_layers"] += 1
        conv_outputs[id(output)] = (module, output)  # keep output alive so its id stays unique

    def on_linear(module, inputs, output):
        counts["linear_macs"] += output.numel() * module.in_features
        counts["linear_layers"] += 1

    def on_batchnorm(module, inputs):
        producer = conv_outputs.get(id(inputs[0]))
        if producer is None or producer[1] is not inputs[0]:
            folds["bn_other"] += 1
        elif producer[0].bias is None:
            folds["bn_after_biasless_conv"] += 1
            folds["bn_channels_folded"] += module.num_features
        else:
            folds["bn_after_biased_conv"] += 1

    handles = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            handles.append(m.register_forward_hook(on_conv))
        elif isinstance(m, nn.Linear):
            handles.append(m.register_forward_hook(on_linear))
        elif isinstance(m, nn.BatchNorm2d):
            handles.append(m.register_forward_pre_hook(on_batchnorm))
    with torch.no_grad():
        model(torch.zeros(1, 3, side, side))
    for h in handles:
        h.remove()
    counts["macs"] = counts["conv_macs"] + counts["linear_macs"]
    return counts, folds


# Inputs of these ONNX ops that are trainable parameters (dnncost's input_role kParam), by input index.
ONNX_PARAM_INPUTS = {"Conv": (1, 2), "ConvTranspose": (1, 2), "Gemm": (1, 2), "BatchNormalization": (1, 2)}


def onnx_graph_facts(path):
    """Op histogram and the number of parameter elements (initializers at parameter inputs) of an ONNX file."""
    m = onnx.load(path)
    sizes = {t.name: math.prod(t.dims) for t in m.graph.initializer}
    ops, seen, params = {}, set(), 0
    for node in m.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
        for k in ONNX_PARAM_INPUTS.get(node.op_type, ()):
            if k < len(node.input) and node.input[k] in sizes and node.input[k] not in seen:
                seen.add(node.input[k])
                params += sizes[node.input[k]]
    return {"ops": dict(sorted(ops.items())), "params": params, "opset": m.opset_import[0].version,
            "ir_version": m.ir_version}


def write_tensor(path, array, name):
    tensor = onnx.numpy_helper.from_array(array, name)
    with open(path, "wb") as f:
        f.write(tensor.SerializeToString())


def export_key(opset):
    """Identifies what produced a folder: this script's bytes, torch/torchvision versions and the opset."""
    with open(os.path.abspath(__file__), "rb") as f:
        script = hashlib.sha256(f.read()).hexdigest()[:16]
    return f"{script}/torch-{torch.__version__}/torchvision-{torchvision.__version__}/opset-{opset}"


def is_complete(folder, key):
    files = ["model.onnx", "test_data_set_0/input_0.pb", "test_data_set_0/output_0.pb", "meta.json"]
    if not all(os.path.isfile(os.path.join(folder, f)) for f in files):
        return False
    try:
        with open(os.path.join(folder, "meta.json")) as f:
            return json.load(f).get("export_key") == key
    except (OSError, ValueError):
        return False


def remove_stale_partials(out_dir, name):
    """Removes temporary folders left by interrupted exports of `name` (their process no longer runs)."""
    prefix = f".{name}.partial."
    for entry in os.listdir(out_dir):
        pid = entry[len(prefix):] if entry.startswith(prefix) else ""
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
            continue  # still running (another exporter): leave it alone
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        print(f"[{name}] removing {entry}, left by an interrupted export", flush=True)
        shutil.rmtree(os.path.join(out_dir, entry), ignore_errors=True)


def export_one(name, out_dir, opset, key):
    final = os.path.join(out_dir, name)
    if is_complete(final, key):
        print(f"[{name}] up to date in {final}, skipped", flush=True)
        return True
    remove_stale_partials(out_dir, name)
    start = time.monotonic()
    torch.manual_seed(SEED)
    generator = torch.Generator().manual_seed(SEED)
    model, side = build_model(name)
    biases_reinitialised = reinit_zero_biases(model, generator)
    bn_count = reinit_batchnorm(model, side, generator)
    model.eval()
    params_torch = sum(p.numel() for p in model.parameters() if p.requires_grad)
    counts, folds = count_macs_and_folds(model, side)
    if folds["bn_other"] or folds["bn_after_biased_conv"]:
        # The params_onnx rule below assumes every BatchNorm follows a bias-free Conv (true for torchvision).
        print(f"[{name}] error: BatchNorm layers not directly after a bias-free Conv2d: {folds}", file=sys.stderr)
        return False
    # Folding BN(C) into a bias-free Conv drops BN's weight and bias (2C) and gives the Conv a bias (C).
    params_onnx = params_torch - folds["bn_channels_folded"]
    t_built = time.monotonic()

    x = image_batch(TEST_BATCH, side, generator)
    with torch.no_grad():
        y = model(x)
    t_ran = time.monotonic()

    tmp = os.path.join(out_dir, f".{name}.partial.{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.join(tmp, "test_data_set_0"))
    onnx_path = os.path.join(tmp, "model.onnx")
    with torch.no_grad():
        torch.onnx.export(model, x, onnx_path, opset_version=opset, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                          do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)
    t_exported = time.monotonic()
    write_tensor(os.path.join(tmp, "test_data_set_0", "input_0.pb"), x.numpy(), "input")
    write_tensor(os.path.join(tmp, "test_data_set_0", "output_0.pb"), y.float().numpy(), "output")

    facts = onnx_graph_facts(onnx_path)
    if facts["params"] != params_onnx or facts["ops"].get("BatchNormalization", 0):
        print(f"[{name}] error: the exported graph has {facts['params']:,} parameter elements and "
              f"{facts['ops'].get('BatchNormalization', 0)} BatchNormalization nodes; expected {params_onnx:,} "
              f"(PyTorch {params_torch:,} minus {folds['bn_channels_folded']:,} folded BatchNorm channels) and 0",
              file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)
        return False
    documented = DOCUMENTED_MACS.get(name)
    meta = {
        "schema": "dnncost.zoo_export/1",
        "model": name,
        "export_key": key,
        "source": f"torchvision.models.{name}(weights=None) with seeded re-initialisation (seed {SEED})",
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "onnx_opset": facts["opset"],
        "onnx_ir_version": facts["ir_version"],
        "input": {"name": "input", "shape": list(x.shape), "batch_axis": "batch"},
        "output": {"name": "output", "shape": list(y.shape)},
        "params_torch": params_torch,
        "params_onnx": params_onnx,
        "params_rule": "params_onnx = params_torch - sum(num_features of BatchNorm2d layers folded into a preceding "
                       "bias-free Conv2d): the fold removes BN weight+bias (2C) and adds a Conv bias (C)",
        "zero_biases_reinitialised": biases_reinitialised,
        "batchnorm_layers": bn_count,
        "batchnorm_channels_folded": folds["bn_channels_folded"],
        "macs_batch1": counts["macs"],
        "macs_batch1_conv": counts["conv_macs"],
        "macs_batch1_linear": counts["linear_macs"],
        "conv_layers": counts["conv_layers"],
        "linear_layers": counts["linear_layers"],
        "macs_documented": documented,
        "onnx_ops": facts["ops"],
        "seconds": {"build_and_count": round(t_built - start, 2), "reference_run": round(t_ran - t_built, 2),
                    "onnx_export": round(t_exported - t_ran, 2)},
    }
    meta["seconds"]["total"] = round(time.monotonic() - start, 2)
    with open(os.path.join(tmp, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)

    note = ""
    if documented is not None:
        note = ", matches torchvision's documented count" if documented == counts["macs"] else \
            f", DIFFERS from torchvision's documented {documented:,}"
    print(f"[{name}] {meta['seconds']['total']:.1f} s: params {params_torch:,} (ONNX after BN fold {params_onnx:,}), "
          f"MACs at batch 1 {counts['macs']:,}{note}; {os.path.getsize(os.path.join(final, 'model.onnx')) / 2**20:.0f}"
          f" MiB -> {final}", flush=True)
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", help="folder that receives one subfolder per model")
    parser.add_argument("models", nargs="+", metavar="MODEL", help="one of: " + ", ".join(SUPPORTED_MODELS))
    parser.add_argument("--opset", type=int, default=DEFAULT_OPSET, help="ONNX opset (default %(default)s)")
    args = parser.parse_args()
    unknown = [m for m in args.models if m not in SUPPORTED_MODELS]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; supported: {', '.join(SUPPORTED_MODELS)}")
    os.makedirs(args.out_dir, exist_ok=True)
    key = export_key(args.opset)
    start = time.monotonic()
    failed = [m for m in args.models if not export_one(m, args.out_dir, args.opset, key)]
    print(f"exported {len(args.models) - len(failed)}/{len(args.models)} model(s) in {time.monotonic() - start:.1f} s",
          flush=True)
    if failed:
        print(f"export_torchvision.py: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
