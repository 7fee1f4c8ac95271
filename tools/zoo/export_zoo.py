#!/usr/bin/python3
"""Exports dnncost's model zoo to ONNX with seeded random weights, each with a PyTorch reference input/output pair.

Run with Debian's Python (/usr/bin/python3: torch 1.13, torchvision 0.14, onnx 1.12); `dnncost zoo export` runs it
for you. Nothing is downloaded: torchvision models are built with weights=None, the others are defined in
zoo_models.py, and all are initialised from a fixed seed, so every run writes the same files.

    export_zoo.py OUT_DIR MODEL [MODEL ...] | --all   [--manifest FILE] [--forms eval,bn] [--opset 13]
    export_zoo.py --list                               the manifest's models
    export_zoo.py --update-manifest [MODEL ... | --all] recompute params and MACs into the manifest, export nothing

The models, their builders, input sizes, expected parameter and MAC counts and published top-1 accuracies are in
manifest.json (next to this script). Each MODEL is written twice, each form atomically (a temporary folder renamed
into place once complete, the completion stamp written last inside it):

    OUT_DIR/MODEL/       eval form: torch.onnx.export in eval mode with constant folding, which folds every
                         BatchNorm that directly follows a Conv into that Conv
    OUT_DIR/MODEL-bn/    BatchNorm preserved: TrainingMode.PRESERVE on the eval-mode model, no constant folding
                         (BatchNormalization nodes, and torch's shape subgraphs left for the runtime to fold)

each holding
    model.onnx                   input "input" [batch, 3, H, W], output "output" [batch, 1000], batch axis "batch"
    test_data_set_0/input_0.pb   seeded image-like batch of 2 (ONNX TensorProto)
    test_data_set_0/output_0.pb  PyTorch's float32 output on that input
    meta.json                    counts (params, MACs from forward hooks at batch 1), the form, timings
    EXPORT_COMPLETE              stamp holding the export key; a folder without it is an interrupted export

A form whose folder is complete and was written by this same exporter (same scripts, model definition, torch,
torchvision and opset: the export key) is skipped; otherwise it is redone. Temporary folders left by interrupted
runs (.MODEL.partial.PID whose process is gone) are removed.

Weights: torch's default initialisation from the seed, then every all-zero bias and every constant parameter
(PReLU's 0.25 slopes) gets seeded random values, and every BatchNorm gets non-trivial running statistics and affine
parameters (reinit_batchnorm), so that a mistake in folding BatchNorm or in applying its statistics shows in the
output, and so that torch.onnx does not merge equal-valued initializers (it shares one tensor between layers whose
weights are equal, and the graph's parameter count would drop below PyTorch's).

Checks made on every export (an export that fails one is not written):
  - PyTorch's trainable parameter count and the MACs counted with forward hooks equal the manifest's values (and
    torchvision's documented parameter count and top-1 where the manifest names torchvision weights);
  - the parameter elements of the exported graph equal PyTorch's count for the BN form, and for the eval form
    PyTorch's count minus what the BatchNorm fold removes (C per BatchNorm after a bias-free Conv: its weight and bias
    2C go, the Conv gains a bias C; 2C after a Conv that has a bias); the graph's BatchNormalization nodes are the
    BatchNorm layers torch did not fold.
"""

import argparse
import hashlib
import json
import math
import os
import re
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
    sys.exit(f"export_zoo.py: {e}; run it with Debian's /usr/bin/python3 (python3-torch, python3-torchvision, "
             "python3-onnx)")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_macs  # noqa: E402  (next to this script)
import zoo_models  # noqa: E402


def _zero_symbolic(g, self):
    """aten::zero_ (and aten::zero, what torch.onnx's in-place removal turns it into): exact zeros of self's shape.
    torch 1.13's torch.onnx has no symbolic for it; Swin-V2 zeroes the key's part of the QKV bias in place
    (torchvision's shifted_window_attention: qkv_bias[length:2 * length].zero_())."""
    dtypes = {"Float": torch.float32, "Double": torch.float64, "Half": torch.float16, "Long": torch.int64,
              "Int": torch.int32, "Bool": torch.bool}
    try:
        dtype = dtypes.get(self.type().scalarType(), torch.float32)
    except RuntimeError:  # type not known at export: the float32 models of the zoo
        dtype = torch.float32
    return g.op("ConstantOfShape", g.op("Shape", self), value_t=torch.zeros(1, dtype=dtype))


for _op in ("aten::zero_", "aten::zero"):
    torch.onnx.register_custom_op_symbolic(_op, _zero_symbolic, 9)

SEED = 20240601
TEST_BATCH = 2
FLOAT64_MAX_PARAMS = 300_000_000
FLOAT64_MAX_MACS = 100_000_000_000
DEFAULT_OPSET = 13
STAMP = "EXPORT_COMPLETE"
DEFAULT_MANIFEST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "manifest.json")
BN_SUFFIX = "-bn"

# The two export forms: folder suffix, torch.onnx training mode, constant folding.
FORMS = {
    "eval": {"suffix": "", "training": torch.onnx.TrainingMode.EVAL, "constant_folding": True,
             "description": "eval-mode export with constant folding: BatchNorm after Conv folded into the Conv"},
    "bn": {"suffix": BN_SUFFIX, "training": torch.onnx.TrainingMode.PRESERVE, "constant_folding": False,
           "description": "BatchNorm preserved (TrainingMode.PRESERVE on the eval-mode model, no constant folding)"},
}

# torchvision's documented operation counts (its "GFLOPS" are multiply-accumulates) at batch 1.
DOCUMENTED_MACS = {
    "resnet50": 4_089_184_256,
    "vgg16": 15_470_264_320,
    "alexnet": 714_188_480,
    "googlenet": 1_498_376_192,
    "inception_v3": 5_713_216_096,
}


def load_manifest(path):
    with open(path) as f:
        manifest = json.load(f)
    models = manifest.get("models")
    if not isinstance(models, list) or not models:
        raise ValueError(f"{path}: no 'models' list")
    return manifest


def build_model(entry):
    """The nn.Module for a manifest entry: builder "torchvision.NAME" or "zoo_models.NAME", with builder_args."""
    source, _, name = entry["builder"].partition(".")
    args = entry.get("builder_args", {})
    if source == "torchvision":
        return getattr(torchvision.models, name)(weights=None, **args)
    if source == "zoo_models":
        return zoo_models.BUILDERS[name](**args)
    raise ValueError(f"{entry['name']}: unknown builder {entry['builder']}")


def entry_set(entry):
    """The manifest's set of an entry: core (the study's networks, the default), torchvision, token."""
    return entry.get("set", "core")


def is_token_model(entry):
    return "vocab" in entry


def input_shape(entry, batch, dims):
    """[batch, ...] of the model's input: entry "input" after the batch, its symbolic names given by `dims`."""
    return [batch] + [int(dims[d]) if isinstance(d, str) else int(d) for d in entry["input"]]


def make_input(entry, batch, generator, dims=None):
    """A seeded input batch: token ids uniform in [0, vocab) for token models, else an image-like batch."""
    if is_token_model(entry):
        return torch.randint(0, entry["vocab"], input_shape(entry, batch, dims or entry["test_dims"]),
                             generator=generator)
    return image_batch(batch, tuple(entry["input"][1:]), generator)


def zero_input(entry, batch=1):
    """Zeros of the input's shape at the manifest's dims (token id 0 is a valid id): what MACs are counted on."""
    if is_token_model(entry):
        return torch.zeros(input_shape(entry, batch, entry["dims"]), dtype=torch.long)
    return torch.zeros(batch, *entry["input"])


def image_batch(batch, side_hw, generator):
    """An image-like batch: uniform pixels in [0, 1) normalised with ImageNet's per-channel mean and std."""
    pixels = torch.rand(batch, 3, *side_hw, generator=generator)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    return (pixels - mean) / std


BATCHNORMS = (nn.BatchNorm1d, nn.BatchNorm2d)
NORMS = (nn.LayerNorm, nn.GroupNorm)  # their weight gets values near 1, not near 0


def reinit_constant_parameters(model, generator):
    """Gives seeded random values to parameters whose elements are all equal, BatchNorm's aside (reinit_batchnorm):
    all-zero Conv/Linear biases (torchvision's init for VGG, GoogLeNet, Inception, MobileNet classifiers) get values
    in [-0.05, 0.05), PReLU slopes (0.25 everywhere) values in [0.05, 0.45), LayerNorm/GroupNorm gains (ones) values in
    [0.75, 1.25) and their zero biases [-0.05, 0.05), constant layer scales (ConvNeXt's 1e-6) and zero tokens (ViT's
    class token) values in [-0.05, 0.05). Besides exercising those paths, this
    keeps torch.onnx from merging equal-valued initializers (with zero biases it shares one bias tensor between the
    layers of equal width: VGG-16 would lose 7,360 parameter elements)."""
    changed = 0
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, BATCHNORMS):
                continue
            for pname, p in m.named_parameters(recurse=False):
                if p.numel() < 2 or not bool((p == p.flatten()[0]).all()):
                    continue
                u = torch.rand(p.shape, generator=generator)
                if isinstance(m, nn.PReLU):
                    p.copy_(0.05 + 0.4 * u)
                elif isinstance(m, NORMS) and pname == "weight":
                    p.copy_(0.75 + 0.5 * u)
                else:
                    p.copy_(0.1 * (u - 0.5))
                changed += 1
    return changed


def reinit_batchnorm(model, calibration_input, generator):
    """Gives every BatchNorm non-trivial, well-scaled statistics and affine parameters.

    The running mean/var come from one training-mode pass over a seeded calibration batch of 4 (calibration_input(),
    called only when the model has a BatchNorm; momentum=None: the
    cumulative average, here exactly that batch's statistics), so activations stay normalised through the
    network and the output is well conditioned; they are then perturbed per channel, and weight/bias are drawn
    from [0.5, 1.5) and [-0.25, 0.25). Ignoring the mean, the variance, epsilon or the affine part then moves
    the output far beyond the parity bound.
    """
    norms = [m for m in model.modules() if isinstance(m, BATCHNORMS)]
    if not norms:
        return 0
    for bn in norms:
        bn.reset_running_stats()
        bn.momentum = None
    model.train()
    with torch.no_grad():
        model(calibration_input())
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


def count_macs_and_folds(model, x1):
    """Counts MACs at batch 1 (input x1) twice in one forward pass, and classifies each BatchNorm by what feeds it
    (torch.onnx's eval export folds a BatchNorm into the Conv that directly produces its input).

    macs: torch_macs.py's count of the convolutions and matrix products PyTorch executes (ATen level: attention's
          products included), split by role (conv, linear: a product with a weight, matmul: of two activations);
    hook_macs: forward hooks on nn.Conv2d and nn.Linear (the zoo's first count; equal to macs for the CNNs)
      Conv2d: output elements * (in_channels / groups) * prod(kernel_size)   (padding positions included)
      Linear: output elements * in_features                                  (= batch * in_features * out_features)
    """
    counts = {"conv_macs": 0, "linear_macs": 0, "conv_layers": 0, "linear_layers": 0}
    conv_outputs = {}  # id(output tensor) -> (conv module, output)
    folds = {"after_biasless_conv": 0, "after_biased_conv": 0, "not_after_conv": 0, "params_removed": 0}

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
            folds["not_after_conv"] += 1
        elif producer[0].bias is None:
            folds["after_biasless_conv"] += 1
            folds["params_removed"] += module.num_features       # -2C (BN) + C (new Conv bias)
        else:
            folds["after_biased_conv"] += 1
            folds["params_removed"] += 2 * module.num_features   # -2C (BN); the Conv bias absorbs the shift

    handles = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            handles.append(m.register_forward_hook(on_conv))
        elif isinstance(m, nn.Linear):
            handles.append(m.register_forward_hook(on_linear))
        elif isinstance(m, BATCHNORMS):
            handles.append(m.register_forward_pre_hook(on_batchnorm))
    counter = torch_macs.MacCounter(list(model.parameters()) + list(model.buffers()))
    with torch.no_grad(), counter:
        model(x1)
    for h in handles:
        h.remove()
    counts["hook_macs"] = counts["conv_macs"] + counts["linear_macs"]
    counts["macs"] = counter.total
    counts["by_role"] = dict(counter.by_role)
    counts["by_op"] = dict(sorted(counter.by_op.items()))
    return counts, folds


# Inputs of ONNX ops that are trainable parameters (dnncost's input_role kParam), by input index.
ONNX_PARAM_INPUTS = {"Conv": (1, 2), "ConvTranspose": (1, 2), "Gemm": (1, 2), "BatchNormalization": (1, 2),
                     "InstanceNormalization": (1, 2), "PRelu": (1,), "MatMul": (0, 1)}
ONNX_ELEMENTWISE_PARAM_OPS = ("Add", "Sub", "Mul", "Div")  # an initializer operand with more than one element
# Ops through which a parameter reaches its consumer unchanged in value count (torch's unfolded exports put an
# Unsqueeze between PReLU's slope and the PRelu node).
ONNX_PASS_THROUGH = ("Identity", "Unsqueeze", "Squeeze", "Reshape", "Flatten", "Transpose", "Cast")


def onnx_graph_facts(path):
    """Op histogram and parameter elements of an ONNX file, counted as dnncost does: each value at a parameter
    input that comes from an initializer (directly or through pass-through ops with constant other inputs) is
    counted once."""
    m = onnx.load(path, load_external_data=False)
    sizes = {t.name: math.prod(t.dims) for t in m.graph.initializer}
    producers = {out: node for node in m.graph.node for out in node.output}

    def initializer_size(name, depth=0):
        if name in sizes:
            return sizes[name]
        node = producers.get(name)
        if node is None or depth > 8 or node.op_type not in ONNX_PASS_THROUGH or not node.input:
            return None
        return initializer_size(node.input[0], depth + 1)

    ops, seen, params = {}, set(), 0
    for node in m.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
        candidates = ONNX_PARAM_INPUTS.get(node.op_type, ())
        if node.op_type in ONNX_ELEMENTWISE_PARAM_OPS:
            candidates = range(len(node.input))
        for k in candidates:
            if k >= len(node.input) or not node.input[k] or node.input[k] in seen:
                continue
            size = initializer_size(node.input[k])
            if size is None or (node.op_type in ONNX_ELEMENTWISE_PARAM_OPS and size < 2):
                continue
            seen.add(node.input[k])
            params += size
    return {"ops": dict(sorted(ops.items())), "params": params, "opset": m.opset_import[0].version,
            "ir_version": m.ir_version}


def write_tensor(path, array, name):
    tensor = onnx.numpy_helper.from_array(array, name)
    with open(path, "wb") as f:
        f.write(tensor.SerializeToString())


def script_digest():
    h = hashlib.sha256()
    here = os.path.dirname(os.path.abspath(__file__))
    for f in ("export_zoo.py", "zoo_models.py", "token_models.py", "torch_macs.py"):
        with open(os.path.join(here, f), "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()[:16]


def export_key(entry, opset, digest):
    """Identifies what produced a folder: the scripts, the model's definition in the manifest, versions, opset."""
    definition = json.dumps({k: entry.get(k) for k in ("builder", "builder_args", "input", "input_name", "vocab", "dims",
                                                       "test_dims")}, sort_keys=True)
    model = hashlib.sha256(definition.encode()).hexdigest()[:12]
    return f"{digest}/{model}/torch-{torch.__version__}/torchvision-{torchvision.__version__}/opset-{opset}"


def is_complete(folder, key):
    files = ["model.onnx", "test_data_set_0/input_0.pb", "test_data_set_0/output_0.pb", "meta.json", STAMP]
    if not all(os.path.isfile(os.path.join(folder, f)) for f in files):
        return False
    try:
        with open(os.path.join(folder, STAMP)) as f:
            return f.read().strip() == key
    except OSError:
        return False


def remove_stale_partials(out_dir, folder_name):
    """Removes temporary folders left by interrupted exports of `folder_name` (their process no longer runs)."""
    prefix = f".{folder_name}.partial."
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
        print(f"[{folder_name}] removing {entry}, left by an interrupted export", flush=True)
        shutil.rmtree(os.path.join(out_dir, entry), ignore_errors=True)


class Prepared:
    """A model built, re-initialised and counted once, shared by its export forms."""

    def __init__(self, entry):
        start = time.monotonic()
        self.entry = entry
        self.name = entry["name"]
        torch.manual_seed(SEED)
        generator = torch.Generator().manual_seed(SEED)
        self.model = build_model(entry)
        self.constants_reinitialised = reinit_constant_parameters(self.model, generator)
        self.batchnorm_layers = reinit_batchnorm(self.model, lambda: make_input(entry, 4, generator), generator)
        self.model.eval()
        self.params_torch = sum(p.numel() for p in self.model.parameters() if p.requires_grad)
        # Plain: every parameter in a Conv, Linear, BatchNorm or PReLU (the graph's parameters then follow a fixed
        # rule in both forms); otherwise (LayerNorm, embeddings, tokens, position tables) only the BatchNorm-preserved
        # form's parameters are checked, by initializer name.
        plain = (nn.Conv2d, nn.Linear, nn.PReLU) + BATCHNORMS
        self.plain = all(isinstance(m, plain) for m in self.model.modules() if list(m.parameters(recurse=False)))
        self.counts, self.folds = count_macs_and_folds(self.model, zero_input(entry))
        self.x = make_input(entry, TEST_BATCH, generator)
        with torch.no_grad():
            self.y = self.model(self.x).float()
        self.seconds_prepare = time.monotonic() - start

    def float32_noise(self):
        """Relative L2 error of PyTorch's own float32 output against the same model in float64: the rounding noise
        any float32 implementation has on this model and input, to judge a parity error against (None for models
        over FLOAT64_MAX_PARAMS parameters or FLOAT64_MAX_MACS MACs: too slow or too large in float64)."""
        import copy
        if self.params_torch > FLOAT64_MAX_PARAMS or self.counts["macs"] > FLOAT64_MAX_MACS:
            return None
        reference = copy.deepcopy(self.model).double()
        with torch.no_grad():
            y64 = reference(self.x if is_token_model(self.entry) else self.x.double())
        return float(torch.linalg.norm(self.y.double() - y64) / torch.linalg.norm(y64))

    def check_against_manifest(self):
        """Messages for each disagreement of the PyTorch model with the manifest and torchvision's documentation."""
        problems = []
        e = self.entry
        if e.get("params") != self.params_torch:
            problems.append(f"PyTorch counts {self.params_torch:,} trainable parameters, the manifest says "
                            f"{e.get('params')}")
        if e.get("macs") != self.counts["macs"]:
            problems.append(f"torch_macs.py counts {self.counts['macs']:,} MACs at batch 1, the manifest says "
                            f"{e.get('macs')}")
        if self.plain and self.counts["hook_macs"] != self.counts["macs"]:
            problems.append(f"forward hooks count {self.counts['hook_macs']:,} MACs, torch_macs.py "
                            f"{self.counts['macs']:,} (a plain CNN: they must agree)")
        documented = DOCUMENTED_MACS.get(self.name)
        if documented is not None and documented != self.counts["macs"]:
            problems.append(f"torch_macs.py counts {self.counts['macs']:,} MACs, torchvision documents {documented:,}")
        weights = (e.get("top1") or {}).get("torchvision_weights")
        if weights:
            enum_name, _, member = weights.partition(".")
            meta = getattr(getattr(torchvision.models, enum_name), member).meta
            acc = meta["_metrics"]["ImageNet-1K"]["acc@1"]
            if acc != e["top1"]["value"]:
                problems.append(f"torchvision documents acc@1 {acc} for {weights}, the manifest says "
                                f"{e['top1']['value']}")
            documented_params = meta["num_params"]
            if documented_params != self.params_torch and e.get("params_note") is None:
                problems.append(f"torchvision documents {documented_params:,} parameters for {weights}, PyTorch counts "
                                f"{self.params_torch:,} (explain the difference in the manifest's params_note)")
        return problems


def named_parameter_initializers(onnx_path, model):
    """Elements of the graph's initializers named after the model's parameters, and the parameters with none."""
    m = onnx.load(onnx_path, load_external_data=False)
    sizes = {t.name: math.prod(t.dims) for t in m.graph.initializer}
    total, missing = 0, []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if name in sizes and sizes[name] == p.numel():
            total += sizes[name]
        else:
            missing.append(name)
    return total, missing


EXTERNAL_DATA = "model.onnx.data"


def gather_external_data(folder, onnx_path):
    """torch.onnx writes a model over protobuf's 2 GB with one external file per initializer beside model.onnx;
    this rewrites it with all of them in one file, EXTERNAL_DATA, in the same folder (dnncost reads external data
    confined to the model's folder). Returns the external file's name, or None for a self-contained model."""
    extra = [f for f in os.listdir(folder) if f not in ("model.onnx", "test_data_set_0")]
    if not extra:
        return None
    m = onnx.load(onnx_path, load_external_data=True)
    onnx.save_model(m, onnx_path, save_as_external_data=True, all_tensors_to_one_file=True, location=EXTERNAL_DATA,
                    size_threshold=1024)
    del m
    for f in extra:
        if f != EXTERNAL_DATA:
            os.remove(os.path.join(folder, f))
    return EXTERNAL_DATA


def export_form(prep, form, out_dir, opset, key):
    """Writes OUT_DIR/<name><suffix>/ for one form; returns True on success (or when already up to date)."""
    spec = FORMS[form]
    folder_name = prep.name + spec["suffix"]
    final = os.path.join(out_dir, folder_name)
    remove_stale_partials(out_dir, folder_name)
    start = time.monotonic()
    tmp = os.path.join(out_dir, f".{folder_name}.partial.{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.join(tmp, "test_data_set_0"))
    onnx_path = os.path.join(tmp, "model.onnx")
    e = prep.entry
    input_name = e.get("input_name", "input")
    if is_token_model(e):  # [N, seq] token ids; output [N, ...] or [N, seq, ...]
        input_axes = {0: "N", 1: "seq"}
        output_axes = {0: "N", 1: "seq"} if prep.y.dim() == 3 else {0: "N"}
    else:
        input_axes = output_axes = {0: "batch"}
    # nn.MultiheadAttention (torchvision's ViT) takes its inference fast path, one aten::_native_multi_head_attention
    # that torch.onnx cannot export, when gradients are off: export those models with gradients on (the traced
    # graph is the decomposed attention, the same numbers).
    has_mha = any(isinstance(m, nn.MultiheadAttention) for m in prep.model.modules())
    with torch.enable_grad() if has_mha else torch.no_grad():
        torch.onnx.export(prep.model, prep.x, onnx_path, opset_version=opset, input_names=[input_name],
                          output_names=["output"], dynamic_axes={input_name: input_axes, "output": output_axes},
                          do_constant_folding=spec["constant_folding"], training=spec["training"])
    external = gather_external_data(tmp, onnx_path)
    seconds_export = time.monotonic() - start
    write_tensor(os.path.join(tmp, "test_data_set_0", "input_0.pb"), prep.x.numpy(), input_name)
    write_tensor(os.path.join(tmp, "test_data_set_0", "output_0.pb"), prep.y.numpy(), "output")

    folds = prep.folds
    if not prep.plain:
        # Embeddings, LayerNorm, tokens and position tables reach the graph through ops (Gather, Expand, Concat,
        # Add) whose parameter roles are dnncost's to define: the BatchNorm-preserved form (no constant folding)
        # is checked by name (every PyTorch parameter an initializer of its own, none merged), the eval form's
        # constant folding may reshape parameters (Swin's relative position bias gathered into a larger constant,
        # GPT-2's tied LM head transposed into a copy): its count is not predicted.
        named, missing = named_parameter_initializers(onnx_path, prep.model)
        if form == "bn" and (missing or named != prep.params_torch):
            print(f"[{folder_name}] error: the exported graph's initializers named after PyTorch's parameters hold "
                  f"{named:,} elements, PyTorch counts {prep.params_torch:,}; missing: {', '.join(missing[:5])}",
                  file=sys.stderr)
            shutil.rmtree(tmp, ignore_errors=True)
            return False
        params_expected = prep.params_torch if form == "bn" else None
        bn_nodes_expected = prep.batchnorm_layers if form == "bn" else folds["not_after_conv"]
        params_rule = ("PyTorch's trainable parameter count, every parameter an initializer of the graph under its "
                       "own name" if form == "bn" else
                       "not predicted: torch.onnx's constant folding reshapes some parameters of this model")
    elif form == "eval":
        params_expected = prep.params_torch - folds["params_removed"]
        bn_nodes_expected = folds["not_after_conv"]
        params_rule = ("PyTorch's trainable count minus what the BatchNorm fold removes: C per BatchNorm after a "
                       "bias-free Conv (its weight and bias 2C go, the Conv gains a bias C), 2C per BatchNorm after "
                       "a Conv that has a bias")
    else:
        params_expected = prep.params_torch
        bn_nodes_expected = prep.batchnorm_layers
        params_rule = "PyTorch's trainable parameter count (BatchNorm kept as BatchNormalization nodes)"
    facts = onnx_graph_facts(onnx_path)
    bn_nodes = facts["ops"].get("BatchNormalization", 0)
    # A model other than a plain CNN (MaxViT: BatchNorms torch.onnx folds or keeps by its own rules) is checked by
    # parameter names in the bn form and by dnncost's tests in the eval form, not by these predictions.
    if prep.plain and (facts["params"] != params_expected or bn_nodes != bn_nodes_expected):
        print(f"[{folder_name}] error: the exported graph has {facts['params']:,} parameter elements and {bn_nodes} "
              f"BatchNormalization nodes; expected {params_expected:,} ({params_rule}) and {bn_nodes_expected}",
              file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)
        return False

    meta = {
        "schema": "dnncost.zoo_export/2",
        "model": folder_name,
        "zoo_name": prep.name,
        "title": e.get("title", prep.name),
        "form": form,
        "form_description": spec["description"],
        "export_key": key,
        "source": f"{e['builder']}({', '.join(f'{k}={v!r}' for k, v in e.get('builder_args', {}).items())}) "
                  f"with seeded random weights (seed {SEED}; tools/zoo/export_zoo.py)",
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "onnx_opset": facts["opset"],
        "onnx_ir_version": facts["ir_version"],
        "input": {"name": input_name, "shape": list(prep.x.shape), "dtype": str(prep.x.dtype).replace("torch.", ""),
                  "axes": {str(k): v for k, v in input_axes.items()}, "batch_axis": input_axes[0]},
        "dims": e.get("dims", {}),
        "test_dims": e.get("test_dims", {}),
        "vocab": e.get("vocab"),
        "external_data": external,
        "output": {"name": "output", "shape": list(prep.y.shape)},
        "params_torch": prep.params_torch,
        "params_onnx": params_expected,
        "params_rule": params_rule,
        "params_removed_by_fold": None if params_expected is None else prep.params_torch - params_expected,
        "batchnorm_layers": prep.batchnorm_layers,
        "batchnorm_folded": prep.batchnorm_layers - bn_nodes_expected,
        "batchnorm_channels_folded": folds["params_removed"] if form == "eval" else 0,
        "constant_parameters_reinitialised": prep.constants_reinitialised,
        "macs_batch1": prep.counts["macs"],
        "macs_rule": "tools/zoo/torch_macs.py: the convolutions and matrix products PyTorch executes, at batch 1"
                     + (f" and {', '.join(f'{k}={v}' for k, v in e['dims'].items())}" if e.get("dims") else ""),
        "macs_batch1_conv": prep.counts["by_role"]["conv"],
        "macs_batch1_linear": prep.counts["by_role"]["linear"],
        "macs_batch1_matmul": prep.counts["by_role"]["matmul"],
        "macs_by_aten_op": prep.counts["by_op"],
        "macs_forward_hooks": prep.counts["hook_macs"],
        "conv_layers": prep.counts["conv_layers"],
        "linear_layers": prep.counts["linear_layers"],
        "macs_documented": DOCUMENTED_MACS.get(prep.name),
        "top1": e.get("top1"),
        "torch_float32_rel_l2_vs_float64": prep.torch_float32_rel_l2,
        "onnx_ops": facts["ops"],
        "seconds": {"prepare_model": round(prep.seconds_prepare, 2), "float64_reference": round(prep.seconds_float64, 2),
                    "onnx_export": round(seconds_export, 2)},
    }
    meta["seconds"]["total_form"] = round(time.monotonic() - start, 2)
    with open(os.path.join(tmp, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    with open(os.path.join(tmp, STAMP), "w") as f:  # last file written: the folder is complete
        f.write(key + "\n")
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    size = os.path.getsize(os.path.join(final, "model.onnx")) / 2**20
    shown = f"{params_expected:,}" if params_expected is not None else "(not predicted)"
    print(f"[{folder_name}] {meta['seconds']['total_form']:.1f} s: graph params {shown}, "
          f"{bn_nodes} BatchNormalization nodes, {size:.0f} MiB -> {final}", flush=True)
    return True


def export_model(entry, out_dir, forms, opset, digest, cache=None):
    name = entry["name"]
    key = export_key(entry, opset, digest)
    todo = [f for f in forms if not is_complete(os.path.join(out_dir, name + FORMS[f]["suffix"]), key)]
    for f in forms:
        if f not in todo:
            print(f"[{name + FORMS[f]['suffix']}] up to date, skipped", flush=True)
    if not todo:
        return True
    for f in todo:
        folder = os.path.join(out_dir, name + FORMS[f]["suffix"])
        if os.path.isdir(folder):
            why = "incomplete (no export stamp: an interrupted export?)" if not os.path.isfile(
                os.path.join(folder, STAMP)) else "written by another exporter version"
            print(f"[{name + FORMS[f]['suffix']}] {why}: exporting again", flush=True)
    prep = prepare(entry, cache)
    if prep is None:
        return False
    return all([export_form(prep, f, out_dir, opset, key) for f in todo])


def prepare(entry, cache=None):
    """The entry's Prepared model, checked against the manifest (None, with the problems printed, when it disagrees);
    `cache` (a dict) keeps it for the next call, e.g. the same model's export at another opset."""
    if cache is not None and "prep" in cache:
        return cache["prep"]
    name = entry["name"]
    prep = Prepared(entry)
    problems = prep.check_against_manifest()
    if problems:
        for p in problems:
            print(f"[{name}] error: {p}", file=sys.stderr)
        if cache is not None:
            cache["prep"] = None
        return None
    documented = DOCUMENTED_MACS.get(name)
    note = " (= torchvision's documented count)" if documented == prep.counts["macs"] else ""
    t0 = time.monotonic()
    prep.torch_float32_rel_l2 = prep.float32_noise()
    prep.seconds_float64 = time.monotonic() - t0
    print(f"[{name}] built in {prep.seconds_prepare:.1f} s: params {prep.params_torch:,}, MACs at batch 1 "
          f"{prep.counts['macs']:,}{note}; PyTorch float32 vs float64: relative L2 "
          f"{'not computed (too large)' if prep.torch_float32_rel_l2 is None else f'{prep.torch_float32_rel_l2:.2e}'}",
          flush=True)
    if cache is not None:
        cache["prep"] = prep
    return prep


def update_manifest(path, manifest, entries):
    """Recomputes params and MACs of the given entries and rewrites the manifest file."""
    for entry in entries:
        prep = Prepared(entry)
        entry["params"] = prep.params_torch
        entry["macs"] = prep.counts["macs"]
        print(f"[{entry['name']}] params {prep.params_torch:,}, MACs {prep.counts['macs']:,}", flush=True)
    write_manifest(path, manifest)


def write_manifest(path, manifest):
    """Writes the manifest as indented JSON with lists and objects of scalars on one line ("input": [3, 224, 224],
    "dims": {"seq": 128})."""
    text = json.dumps(manifest, indent=2, ensure_ascii=False)
    scalar = r'(?:[-0-9.e+]+|"[^"\n]*")'
    text = re.sub(r"\[\s*(" + scalar + r"(?:\s*,\s*" + scalar + r")*)\s*\]",
                  lambda m: "[" + ", ".join(v.strip() for v in m.group(1).split(",")) + "]", text)
    # one-line objects of scalars: "dims": {"seq": 128}
    text = re.sub(r"\{\s*(" + scalar + r":\s*" + scalar + r"(?:,\s*" + scalar + r":\s*" + scalar + r")*)\s*\}",
                  lambda m: "{" + re.sub(r",\s*", ", ", m.group(1)) + "}", text)
    with open(path, "w") as f:
        f.write(text + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:3]))
    parser.add_argument("out_dir", nargs="?", help="folder that receives one subfolder per model and form")
    parser.add_argument("models", nargs="*", metavar="MODEL", help="zoo model names (NAME or NAME-bn)")
    parser.add_argument("--all", action="store_true", help="every model of the manifest")
    parser.add_argument("--manifest", default=DEFAULT_MANIFEST, help="zoo manifest (default: %(default)s)")
    parser.add_argument("--forms", default="eval,bn", help="comma-separated forms to write (default %(default)s)")
    parser.add_argument("--opset", type=int, default=DEFAULT_OPSET, help="ONNX opset (default %(default)s)")
    parser.add_argument("--list", action="store_true", help="list the manifest's models and exit")
    parser.add_argument("--update-manifest", action="store_true",
                        help="recompute params and MACs of the models (all when none named) into the manifest")
    args = parser.parse_args()

    manifest = load_manifest(args.manifest)
    by_name = {m["name"]: m for m in manifest["models"]}
    if args.list:
        for m in manifest["models"]:
            print(f"{m['name']:22} {m.get('title', '')}")
        return 0
    if args.update_manifest:
        names = ([args.out_dir] if args.out_dir else []) + args.models  # no OUT_DIR in this mode
        unknown = [n for n in names if n not in by_name]
        if unknown:
            parser.error(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(by_name)}")
        update_manifest(args.manifest, manifest, [by_name[n] for n in names] if names else manifest["models"])
        return 0
    if not args.out_dir:
        parser.error("OUT_DIR is required")
    names = list(by_name) if args.all else []
    for n in args.models:
        base = n[:-len(BN_SUFFIX)] if n.endswith(BN_SUFFIX) and n[:-len(BN_SUFFIX)] in by_name else n
        if base not in names:
            names.append(base)
    if not names:
        parser.error("name at least one MODEL, or --all")
    unknown = [n for n in names if n not in by_name]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(by_name)} (each also as NAME-bn)")
    forms = [f.strip() for f in args.forms.split(",") if f.strip()]
    bad = [f for f in forms if f not in FORMS]
    if bad or not forms:
        parser.error(f"--forms: unknown form(s) {', '.join(bad)}; expected some of: {', '.join(FORMS)}")

    os.makedirs(args.out_dir, exist_ok=True)
    digest = script_digest()
    start = time.monotonic()
    failed = []
    for n in names:
        t0 = time.monotonic()
        if not export_model(by_name[n], args.out_dir, forms, args.opset, digest):
            failed.append(n)
        print(f"[{n}] done in {time.monotonic() - t0:.1f} s", flush=True)
    print(f"exported {len(names) - len(failed)}/{len(names)} model(s) in {time.monotonic() - start:.1f} s", flush=True)
    if failed:
        print(f"export_zoo.py: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
