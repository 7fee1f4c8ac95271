#!/usr/bin/env python3
"""dnncost's cuda device against PyTorch on the same GPU, the same weights and fp32 math on both sides.

For each model (torchvision's CNNs and transformers, and the zoo's BERT-base from tools/zoo/token_models.py; seeded
random weights): export it to ONNX once (dynamic batch; the token models also a dynamic sequence, bound to 128 with
--dim seq=128 and fed int64 token ids below the vocabulary size), check dnncost's output against PyTorch's on one
random input (relative L2), then time both at each batch size:
  - PyTorch: eval(), no_grad(), cudnn.benchmark on, TF32 off (fp32 math), CUDA events around each forward, median;
  - dnncost: `dnncost profile --device cuda --math fp32 --per-layer` (CUDA-graph replays timed with events, median;
    per-layer times from a separate pass), reading its JSON records.
Per (model, batch): the latency ratio dnncost / PyTorch (target <= 1), and the sum of the per-layer roofline floors
(each layer: max(FLOPs / peak FLOP/s, bytes / peak bandwidth), the peaks measured by dnncost on the device) against
dnncost's measured latency. Writes OUT/results.json and OUT/table.md; prints the table last.

usage: gpu_vs_torch.py --dnncost PATH --out DIR [--models resnet50,vgg16,...] [--batches 1,8,64] [--min-time S]
Needs torch with CUDA, torchvision, onnx and numpy (the GPU machine's python3).
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

MODELS = {
    "resnet50": ("resnet50", {}, 224),
    "vgg16": ("vgg16", {}, 224),
    "googlenet": ("googlenet", {"aux_logits": False, "init_weights": True}, 224),
    "inception_v3": ("inception_v3", {"aux_logits": False, "init_weights": True}, 299),
    "mobilenet_v2": ("mobilenet_v2", {}, 224),
    "vit_b_16": ("vit_b_16", {}, 224),
    "swin_t": ("swin_t", {}, 224),
    "convnext_tiny": ("convnext_tiny", {}, 224),
}
# Token models of the zoo (tools/zoo/token_models.py): int64 token ids [batch, SEQ], the sequence bound with --dim.
TOKEN_MODELS = {"bert_base": "bert_base", "gpt2_small": "gpt2_small"}
SEQ = 128


class Spec:
    """What a model takes: an image batch [N, 3, side, side] (float) or token ids [N, SEQ] (int64 below vocab)."""

    def __init__(self, side=None, vocab=None):
        self.side, self.vocab = side, vocab

    def array(self, batch, seed):
        rng = np.random.default_rng(seed)
        if self.vocab:
            return rng.integers(0, self.vocab, size=(batch, SEQ), dtype=np.int64)
        return rng.random((batch, 3, self.side, self.side), dtype=np.float32)

    def dim_args(self):
        return ["--dim", f"seq={SEQ}"] if self.vocab else []


def build_model(name):
    import torch

    torch.manual_seed(0)
    if name in TOKEN_MODELS:
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools", "zoo"))
        import token_models

        model = getattr(token_models, TOKEN_MODELS[name])()
        model.eval()
        vocab = next(m for m in model.modules() if isinstance(m, torch.nn.Embedding)).num_embeddings
        return model, Spec(vocab=vocab)
    import torchvision

    builder, kwargs, side = MODELS[name]
    model = getattr(torchvision.models, builder)(weights=None, **kwargs)
    model.eval()
    # BatchNorm running statistics other than 0/1, so the folded weights are not trivial.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    return model, Spec(side=side)


def export(model, spec, path):
    import torch

    x = torch.from_numpy(spec.array(1, 0))
    axes = {0: "batch", 1: "seq"} if spec.vocab else {0: "batch"}
    kwargs = dict(opset_version=17, input_names=["input"], output_names=["output"],
                  dynamic_axes={"input": axes, "output": axes}, do_constant_folding=True)
    errors = []
    for dynamo in (False, True, None):  # the TorchScript exporter first; torch >= 2.9 defaults to dynamo
        try:
            extra = {} if dynamo is None else {"dynamo": dynamo}
            torch.onnx.export(model, (x,), path, **kwargs, **extra)
            return f"torch.onnx.export(dynamo={dynamo})"
        except Exception as e:  # noqa: BLE001 - report every way it failed
            errors.append(f"dynamo={dynamo}: {type(e).__name__}: {e}")
    raise RuntimeError("export failed: " + " | ".join(e[:300] for e in errors))


def write_tensor(path, array):
    from onnx import numpy_helper

    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array).SerializeToString())


def read_tensor(path):
    import onnx
    from onnx import numpy_helper

    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def torch_latency_ms(model, batch, spec, min_time):
    import torch

    x = torch.from_numpy(spec.array(batch, 2)).cuda()
    with torch.no_grad():
        for _ in range(10):
            model(x)
        torch.cuda.synchronize()
        samples = []
        start = time.monotonic()
        while len(samples) < 20 or time.monotonic() - start < min_time:
            a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            a.record()
            model(x)
            b.record()
            b.synchronize()
            samples.append(a.elapsed_time(b))
            if len(samples) >= 2000:
                break
    return float(np.median(samples))


def run(cmd, log, timeout):
    with open(log, "a") as f:
        f.write("$ " + " ".join(cmd) + "\n")
        f.flush()
        return subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, timeout=timeout).returncode


def write_results(out, card, torch_version, rows):
    """Writes OUT/results.json and OUT/table.md for the rows so far; returns the table."""
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"card": card, "torch": torch_version, "rows": rows}, f, indent=1)
    lines = [f"dnncost cuda vs PyTorch {torch_version} on {card} (fp32 math both; median ms)", "",
             "| model | batch | dnncost ms | PyTorch ms | ratio | roofline floor ms | floor/measured | host steps | "
             "graph | rel L2 vs torch |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['model']} | {r['batch']} | error: {r['error']} | | | | | | | |")
            continue
        floor = r["roofline_floor_ms"]
        floor_text = "-" if floor is None else "%.3f" % floor
        share_text = "-" if floor is None else "%.2f" % (floor / r["dnncost_ms"])
        lines.append(f"| {r['model']} | {r['batch']} | {r['dnncost_ms']:.3f} | {r['torch_ms']:.3f} | "
                     f"{r['ratio']:.2f} | "
                     f"{floor_text} | {share_text} | {r['host_fallback_steps']} | {r['cuda_graph']} | "
                     f"{r['rel_l2']:.2e} |")
    table = "\n".join(lines)
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write(table + "\n")
    return table


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dnncost", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--models", default=",".join(list(MODELS) + ["bert_base"]))
    ap.add_argument("--batches", default="1,8,64")
    ap.add_argument("--min-time", type=float, default=0.5)
    args = ap.parse_args()

    import torch

    if not torch.cuda.is_available():
        print("skipped: PyTorch sees no CUDA GPU")
        return 77
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    os.makedirs(args.out, exist_ok=True)
    log = os.path.join(args.out, "bench.log")
    batches = [int(b) for b in args.batches.split(",")]
    rows, failures = [], 0
    # The device peaks (for the roofline floors) are measured by the first model's profile run only and reused:
    # each measurement builds some twenty one-node sessions (about 10 s on the GPU), too much to repeat per model.
    device_peaks = None
    card = torch.cuda.get_device_name(0)
    for name in args.models.split(","):
        folder = os.path.join(args.out, name)
        os.makedirs(folder, exist_ok=True)
        entry = {"model": name}
        try:
            model, spec = build_model(name)
            onnx_path = os.path.join(folder, "model.onnx")
            entry["exporter"] = export(model, spec, onnx_path)
            model = model.cuda()
            # Parity at batch 1: dnncost run --device cuda against PyTorch (fp32) on one random input.
            x = spec.array(1, 1)
            write_tensor(os.path.join(folder, "input_0.pb"), x)
            with torch.no_grad():
                want = model(torch.from_numpy(x).cuda()).float().cpu().numpy()
            rc = run([args.dnncost, "run", onnx_path, "--device", "cuda", "--in", os.path.join(folder, "input_0.pb"),
                      "--out", os.path.join(folder, "out")] + spec.dim_args(), log, 600)
            if rc != 0:
                raise RuntimeError(f"dnncost run exited with {rc} (see bench.log)")
            got = read_tensor(os.path.join(folder, "out", "output_0.pb")).reshape(want.shape)
            entry["rel_l2"] = float(np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-30))
            # dnncost: every batch in one profile run (the device peaks are measured once).
            records = os.path.join(folder, "profile.jsonl")
            if os.path.exists(records):
                os.remove(records)
            rc = run([args.dnncost, "profile", onnx_path, "--device", "cuda", "--math", "fp32", "--batch",
                      args.batches, "--per-layer", "--power", "none", "--warmup", "5", "--min-iters", "20",
                      "--min-time", str(args.min_time), "--json", records, "--quiet"] + spec.dim_args() +
                     ([] if device_peaks is None else ["--no-peaks"]), log, 1200)
            recs = {}
            for line in open(records):
                r = json.loads(line)
                recs[r["batch"]] = r
            for batch in batches:
                row = {"model": name, "batch": batch, "rel_l2": entry["rel_l2"]}
                r = recs.get(batch)
                if r is None or r["status"] != "ok":
                    row["error"] = (r or {}).get("error", f"no record (profile exit {rc})")
                    rows.append(row)
                    failures += 1
                    continue
                row["dnncost_ms"] = r["latency"]["median_ms"]
                peaks = r["device"].get("peaks") or {}
                if device_peaks is None and peaks.get("gflops") and peaks.get("gbs"):
                    device_peaks = peaks
                peaks = device_peaks or peaks
                floor_s = None
                if peaks.get("gflops") and peaks.get("gbs"):
                    floor_s = 0.0
                    for layer in r["per_layer"]["layers"]:
                        floor_s += max(layer["flops"] / (peaks["gflops"] * 1e9), layer["bytes"] / (peaks["gbs"] * 1e9))
                row["roofline_floor_ms"] = None if floor_s is None else floor_s * 1e3
                row["layer_sum_ms"] = r["per_layer"]["layer_sum_ms"]
                row["host_fallback_steps"] = r["device"].get("fallback_steps")
                row["cuda_graph"] = r["device"].get("cuda_graph")
                row["torch_ms"] = torch_latency_ms(model, batch, spec, args.min_time)
                row["ratio"] = row["dnncost_ms"] / row["torch_ms"]
                rows.append(row)
            del model
            torch.cuda.empty_cache()
        except Exception as e:  # noqa: BLE001 - one model failing must not stop the others
            failures += 1
            rows.append({"model": name, "batch": "-", "error": f"{type(e).__name__}: {e}"[:300]})
        # After every model, so that a run stopped by check.sh's time limit still leaves the rows it measured.
        write_results(args.out, card, torch.__version__, rows)
    print(write_results(args.out, card, torch.__version__, rows))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
