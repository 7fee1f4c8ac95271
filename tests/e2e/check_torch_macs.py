#!/usr/bin/python3
"""Checks tools/zoo/torch_macs.py, the independent MAC count the zoo's manifest and ctest compare dnncost with.

    check_torch_macs.py MANIFEST

Runs on the meta device (shapes only, seconds). Checks:
  - small modules whose MACs are known by hand: a Linear on a 3-D input, a grouped strided Conv2d, torch.matmul of
    two activations with broadcast batch dims, nn.MultiheadAttention in eval mode (its inference fast path, one
    fused ATen op) and with gradients on (the decomposed path): both give the same count;
  - torchvision's documented operation counts ("GFLOPS" in its docs, which are MACs): ResNet-50 4,089,184,256
    exactly, ViT-B/16 17.56 G, Swin-T 4.49 G, ConvNeXt-T 4.46 G, MaxViT-T 5.56 G, ViT-H/14 at 518 px 1016.72 G (to
    the documented decimals);
  - the manifest's macs of every model of its core set and of its token models.
Prints one PASS/FAIL line per check; exits 1 when one fails.
"""

import json
import os
import sys

import torch
import torchvision
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "zoo"))
import export_zoo  # noqa: E402
import torch_macs  # noqa: E402

failures = 0


def check(ok, what):
    global failures
    print(("PASS: " if ok else "FAIL: ") + what, flush=True)
    failures += 0 if ok else 1


class MatMulPair(nn.Module):
    def forward(self, a, b):
        return torch.matmul(a, b)


def small_modules():
    lin = nn.Linear(16, 8)
    r = torch_macs.count_macs(lin, torch.zeros(2, 5, 16))
    check(r["macs"] == 2 * 5 * 16 * 8 and r["by_role"]["linear"] == r["macs"],
          f"Linear(16, 8) on [2, 5, 16]: {r['macs']} MACs == 1280, role linear")
    conv = nn.Conv2d(8, 12, 3, stride=2, padding=1, groups=4)
    r = torch_macs.count_macs(conv, torch.zeros(1, 8, 10, 10))
    want = 12 * 5 * 5 * (8 // 4) * 9
    check(r["macs"] == want, f"grouped Conv2d(8, 12, 3, stride 2, groups 4) on 10x10: {r['macs']} MACs == {want}")
    r = torch_macs.count_macs(MatMulPair(), torch.zeros(3, 1, 4, 6), torch.zeros(5, 6, 7))
    want = 3 * 5 * 4 * 7 * 6
    check(r["macs"] == want and r["by_role"]["matmul"] == want,
          f"matmul [3, 1, 4, 6] x [5, 6, 7] (broadcast batch): {r['macs']} MACs == {want}, role matmul")
    mha = nn.MultiheadAttention(32, 4, batch_first=True).eval()
    x = torch.zeros(2, 10, 32)
    fast = torch_macs.count_macs(lambda_module(lambda t: mha(t, t, t, need_weights=False)[0], mha), x)
    counter = torch_macs.MacCounter(list(mha.parameters()))
    with counter:  # gradients on: nn.MultiheadAttention takes its decomposed path
        mha(x, x, x, need_weights=False)
    want = 2 * 10 * 32 * 32 * 4 + 2 * 10 * 10 * 2 * 32
    check(fast["macs"] == counter.total == want and "_native_multi_head_attention.default" in fast["by_op"],
          f"MultiheadAttention(32, 4) on [2, 10, 32]: fast path {fast['macs']} == decomposed {counter.total} == {want}")


def lambda_module(fn, owner):
    class Wrapped(nn.Module):
        def __init__(self):
            super().__init__()
            self.owner = owner

        def forward(self, t):
            return fn(t)

    return Wrapped()


def on_meta(model, shape, dtype=torch.float32):
    return torch_macs.count_macs(model.eval().to("meta"), torch.zeros(*shape, dtype=dtype, device="meta"))["macs"]


def documented():
    cases = [("resnet50", {}, 224, 4_089_184_256, None), ("vit_b_16", {}, 224, 17.56, 2),
             ("swin_t", {}, 224, 4.49, 2), ("convnext_tiny", {}, 224, 4.46, 2), ("maxvit_t", {}, 224, 5.56, 2),
             ("vit_h_14", {"image_size": 518}, 518, 1016.72, 2)]
    for name, kwargs, side, doc, decimals in cases:
        macs = on_meta(torchvision.models.get_model(name, weights=None, **kwargs), (1, 3, side, side))
        if decimals is None:
            check(macs == doc, f"{name}: {macs:,} MACs == torchvision's documented {doc:,}")
        else:
            check(round(macs / 1e9, decimals) == doc, f"{name}: {macs:,} MACs rounds to torchvision's {doc} G")


def manifest(path):
    with open(path) as f:
        models = json.load(f)["models"]
    for e in models:
        if e.get("set", "core") not in ("core", "token"):
            continue
        x = export_zoo.zero_input(e)
        macs = torch_macs.count_macs(export_zoo.build_model(e).eval().to("meta"), x.to("meta"))["macs"]
        check(macs == e["macs"], f"{e['name']}: {macs:,} MACs == the manifest's {e['macs']:,}")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    small_modules()
    documented()
    manifest(sys.argv[1])
    print(f"{'all checks passed' if failures == 0 else f'{failures} check(s) failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
