#!/usr/bin/python3
"""An independent count of the multiply-accumulates PyTorch itself performs in a model's matrix products and
convolutions, at the ATen level (Debian's torch 1.13).

    torch_macs.py MODEL [--input C,H,W | --tokens SEQ] [--batch 1]   MODEL: a torchvision classifier name

count_macs(model, *inputs) runs the model once under a TorchDispatchMode that sees every ATen operator PyTorch
executes (after autograd and the composite decompositions: nn.Linear arrives as addmm or mm, torch.matmul as mm or bmm,
nn.MultiheadAttention's products as bmm/baddbmm) and adds, per operator:

    convolution / convolution_overrideable / cudnn_convolution / mkldnn_convolution
                       output elements x (C_in / groups) x prod(kernel)   (transposed: input elements x C_out/groups
                       x prod(kernel)); padding positions included
    mm, addmm          M x N x K
    bmm, baddbmm       B x M x N x K
    mv, addmv, dot     M x K, K
    matmul, linear     output elements x K (they only reach a dispatch mode when not decomposed)
    _native_multi_head_attention (nn.MultiheadAttention's inference fast path, which torchvision's ViT takes in eval
                       mode): B x (L + 2S) x E x E input projections + B x L x E x E output projection (role linear)
                       and B x L x S x 2E for QK^T and AV (role matmul)
    _scaled_dot_product_attention / _scaled_dot_product_flash_attention / ..._efficient_attention (absent in 1.13;
                       counted if present): B x heads x L x S x (E + E_v)

Nothing else is counted (elementwise work, normalisation, softmax and pooling are not MACs). The count follows what
PyTorch computes, not what a module declares: a forward hook on nn.Linear/nn.Conv2d misses the attention products,
functional convolutions and einsums; this does not. Products are keyed by role: "conv", "linear" (mm/addmm/mv/addmv
with a parameter operand, i.e. a weight), "matmul" (products of two activations: attention's QK^T and AV).
"""

import argparse
import math
import sys

import torch
from torch.utils._python_dispatch import TorchDispatchMode

aten = torch.ops.aten


def _shape(t):
    return tuple(t.shape)


def _conv_macs(args, out):
    x, w = args[0], args[1]
    transposed = bool(args[6]) if len(args) > 6 else False
    kernel = math.prod(_shape(w)[2:])
    if transposed:  # weight [C_in, C_out/groups, k...]: every input element meets C_out/groups x kernel weights
        return x.numel() * _shape(w)[1] * kernel
    return out.numel() * (_shape(w)[1]) * kernel  # weight [C_out, C_in/groups, k...]


def _mm_macs(a, b):
    return _shape(a)[0] * _shape(b)[1] * _shape(a)[1]


def _bmm_macs(a, b):
    return _shape(a)[0] * _shape(a)[1] * _shape(b)[2] * _shape(a)[2]


def _sdpa_macs(q, k, v):
    # q [..., L, E], k [..., S, E], v [..., S, Ev]
    lead = math.prod(_shape(q)[:-2])
    length, e = _shape(q)[-2:]
    s, ev = _shape(k)[-2], _shape(v)[-1]
    return lead * length * s * (e + ev)


def _ops(*names):
    """ATen overload packets by name, skipping those this torch lacks."""
    return {getattr(aten, n) for n in names if hasattr(aten, n)}


CONV = _ops("convolution", "convolution_overrideable", "_convolution", "cudnn_convolution", "mkldnn_convolution",
            "conv2d", "conv1d", "conv3d", "conv_transpose2d")
MM = _ops("mm")
ADDMM = _ops("addmm")
BMM = _ops("bmm")
BADDBMM = _ops("baddbmm")
MV = _ops("mv")
ADDMV = _ops("addmv")
DOT = _ops("dot")
MATMUL = _ops("matmul", "linear")
NATIVE_MHA = _ops("_native_multi_head_attention")
ENCODER_LAYER = _ops("_transformer_encoder_layer_fwd")
SDPA = _ops("_scaled_dot_product_attention", "scaled_dot_product_attention", "_scaled_dot_product_flash_attention",
            "_scaled_dot_product_efficient_attention", "_scaled_dot_product_attention_math")


class MacCounter(TorchDispatchMode):
    """Counts MACs of the matrix products and convolutions PyTorch executes inside the `with` block."""

    def __init__(self, parameters=()):
        super().__init__()
        self.by_role = {"conv": 0, "linear": 0, "matmul": 0}
        self.by_op = {}
        self.calls = {}
        self._params = {p.data_ptr() for p in parameters}

    def _is_param(self, t):
        return isinstance(t, torch.Tensor) and t.data_ptr() in self._params

    def _add(self, op, role, macs):
        name = op.__name__ if hasattr(op, "__name__") else str(op)
        self.by_role[role] += macs
        self.by_op[name] = self.by_op.get(name, 0) + macs
        self.calls[name] = self.calls.get(name, 0) + 1

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        packet = func.overloadpacket
        if packet in CONV:
            self._add(func, "conv", _conv_macs(args, out))
        elif packet in MM or packet in ADDMM:
            a, b = (args[0], args[1]) if packet in MM else (args[1], args[2])
            role = "linear" if self._is_param(b) or self._is_param(a) else "matmul"
            self._add(func, role, _mm_macs(a, b))
        elif packet in BMM or packet in BADDBMM:
            a, b = (args[0], args[1]) if packet in BMM else (args[1], args[2])
            role = "linear" if self._is_param(b) or self._is_param(a) else "matmul"
            self._add(func, role, _bmm_macs(a, b))
        elif packet in MV or packet in ADDMV:
            a = args[0] if packet in MV else args[1]
            self._add(func, "linear" if self._is_param(a) else "matmul", _shape(a)[0] * _shape(a)[1])
        elif packet in DOT:
            self._add(func, "matmul", args[0].numel())
        elif packet in MATMUL:
            k = _shape(args[1])[-1] if packet == getattr(aten, "linear", None) else _shape(args[0])[-1]
            role = "linear" if any(self._is_param(a) for a in args[1:2]) else "matmul"
            self._add(func, role, out.numel() * k)
        elif packet in NATIVE_MHA:
            # nn.MultiheadAttention's inference fast path (torch >= 1.12, eval mode): one op for the input projection,
            # the two attention products and the output projection. query [B, L, E], key/value [B, S, E].
            q, k = args[0], args[1]
            e = int(args[3])
            b, length, s = _shape(q)[0], _shape(q)[1], _shape(k)[1]
            self._add(func, "linear", b * (length + 2 * s) * e * e + b * length * e * e)
            self._add(func, "matmul", b * length * s * 2 * e)
        elif packet in ENCODER_LAYER:
            raise NotImplementedError("torch_macs: aten._transformer_encoder_layer_fwd (nn.TransformerEncoderLayer's "
                                      "fast path) is not counted; run the model in a way that avoids it")
        elif packet in SDPA:
            self._add(func, "matmul", _sdpa_macs(args[0], args[1], args[2]))
        return out

    @property
    def total(self):
        return sum(self.by_role.values())


def count_macs(model, *inputs):
    """MACs of one forward pass of `model` on `inputs` (no_grad, as given), with their split by role and op."""
    params = list(model.parameters()) + list(model.buffers())
    with torch.no_grad(), MacCounter(params) as counter:
        model(*inputs)
    return {"macs": counter.total, "by_role": dict(counter.by_role), "by_op": dict(sorted(counter.by_op.items())),
            "calls": dict(sorted(counter.calls.items()))}


# torchvision's documented operation counts ("GFLOPS" in its 0.14 model documentation, which are multiply-accumulates
# at batch 1), to check the counter against: exact where the documentation gives a full number, else in G to 2-3
# decimals as printed.
DOCUMENTED_GMACS = {"resnet50": 4.089, "vit_b_16": 17.56, "swin_t": 4.49, "convnext_tiny": 4.46}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="torchvision classifier name (torchvision.models.list_models)")
    parser.add_argument("--input", default="3,224,224", help="C,H,W (default %(default)s)")
    parser.add_argument("--batch", type=int, default=1)
    args = parser.parse_args()
    import torchvision
    model = torchvision.models.get_model(args.model, weights=None).eval()
    x = torch.zeros(args.batch, *[int(v) for v in args.input.split(",")])
    r = count_macs(model, x)
    print(f"{args.model}: {r['macs']:,} MACs at batch {args.batch}; by role {r['by_role']}; by op {r['by_op']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
