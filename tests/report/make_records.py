#!/usr/bin/python3
"""Writes the fixed records the report tests read (records/*.json*, manifest.json); the outputs are checked in.

usage: make_records.py   (run in tests/report/ after changing a value below; stdlib only)

Four made-up networks at batch 1, 2, 4 on `ref`: time = 10 ms per GFLOP + 1 ms (so operations predict time
exactly), memory = 4 bytes per parameter + 2 MB per image. tiny_a, tiny_b and tiny_c have a per-layer pass at
batch 1, tiny_d has none. tiny_a has an eval record (60 %) that must win over its published 55 %; tiny_b and
tiny_c have published top-1 in the manifest; tiny_d has none. tiny_c batch 8 ran out of memory; one tiny_a
record is from another device (cpu). No record in profile.jsonl has power numbers (their power objects say RAPL is
absent); profile_power.jsonl has the same records with a sensor's numbers: avg power 60 W + 0.5 W per image of the
batch + 0.5 W per GFLOP per image, idle 20 W, energy per image = power x per-image time.

profile_dims.jsonl: token models measured with --dim seq=64,128,256,512 (records that differ only in "dims"), on
`ref`, without power or per-layer pass. Per sequence, layers x (attention products 2 * seq^2 * d MACs + the rest
12 * seq * d^2 MACs), in costs.macs_by_role; time = 10 ms per GFLOP + 1 ms as above. tok_s (d 64, 2 layers) at
batch 1 and 2, tok_m (d 128, 4 layers) at batch 1; tok_old at seq 64 and 128 has no macs_by_role (a record made
before dnncost summed MACs by role); tok_fix was measured at seq=128 only (not a sweep).
"""
import json
import os

PEAKS = {"gflops": 12.0, "gbs": 40.0, "compute_op": "MatMul",
         "matmul": {"m": 1024, "n": 1024, "k": 1024, "flops": 2147483648, "runs": 3, "best_ms": 179.0, "gflops": 12.0},
         "conv": {"input": [1, 128, 56, 56], "weight": [128, 128, 3, 3], "pads": 1, "flops": 924844032, "runs": 3,
                  "best_ms": 92.0, "gflops": 10.05},
         "bandwidth": {"op": "Add", "elements": 8388608, "bytes": 100663296, "runs": 100, "best_ms": 2.5},
         "method": "fixed test values"}
HOST = {"cpu": "Test CPU", "logical_cpus": 2, "os": "Linux", "hostname": "test"}
MODELS = {"tiny_a": (1_000_000, 1.0), "tiny_b": (5_000_000, 4.0), "tiny_c": (20_000_000, 10.0),
          "tiny_d": (2_000_000, 2.0)}  # name: (params, GFLOPs per image)
# name, op, share of the FLOPs, bytes moved (MB), weight MB, output activation MB
LAYERS = [("conv1", "Conv", 0.5, 2.0, 0.1, 1.0), ("relu1", "Relu", 0.0, 2.0, 0.0, 1.0),
          ("conv2", "Conv", 0.4, 1.0, 0.5, 0.5), ("pool", "MaxPool", 0.0, 0.5, 0.0, 0.1),
          ("fc", "Gemm", 0.1, 4.0, 3.5, 0.004)]


NO_POWER = {"available": False, "sensor": "rapl",
            "reason": "RAPL absent: /sys/class/powercap does not exist (test record)"}


def power(name, batch, ms):
    gflops = MODELS[name][1]
    watts = 60.0 + 0.5 * batch + 0.5 * gflops
    window = 5.0
    runs = max(1, int(window * 1000 / ms))
    energy = watts * runs * ms / 1000
    return {"available": True, "sensor": "rapl", "method": "energy_counter", "power_is_average": False,
            "source": {"root": "/sys/class/powercap", "zones": ["package-0"]},
            "idle_w": 20.0, "idle_s": 5.0, "idle_samples": 500, "avg_w": watts, "dynamic_w": watts - 20.0,
            "peak_w": watts + 3, "energy_j": energy, "energy_per_image_j": energy / (runs * batch),
            "images": runs * batch, "runs": runs, "window_s": runs * ms / 1000, "samples": 500, "sample_hz": 100.0,
            "effective_hz": 100.0, "read_ms": 0.01}


def per_layer(flops, ms):
    layers = []
    for i, (name, op, share, mb, wmb, amb) in enumerate(LAYERS):
        dot = op in ("Conv", "Gemm")
        lf = int(flops * share) if dot else (int(amb * 1e6 / 4) if op == "Relu" else 0)
        lms = 10.0 * lf / 1e9 + 0.05 * mb
        layers.append({"index": i, "name": name, "op": op, "median_ms": lms, "share": 0.0, "flops": lf,
                       "macs": lf // 2 if dot else 0, "bytes": int(mb * 1e6), "weight_bytes": int(wmb * 1e6),
                       "activation_bytes": int(amb * 1e6), "gflops": lf / (lms * 1e6), "gbs": mb * 1e6 / (lms * 1e6)})
    total = sum(l["median_ms"] for l in layers)
    for l in layers:
        l["share"] = l["median_ms"] / total
    return {"iterations": 2, "layer_sum_ms": total, "network_median_ms": ms, "gap_ms": total - ms, "layers": layers}


def profile(name, batch, kind="ref", with_layers=False):
    params, gflops = MODELS[name]
    flops = gflops * 1e9 * batch
    ms = 10.0 * flops / 1e9 + 1.0
    mem = 4 * params + 2_000_000 * batch
    r = {"schema": "dnncost.profile/1", "tool": {"name": "dnncost", "version": "0.1.0"}, "time": "2026-11-26T00:00:00Z",
         "host": HOST, "model": f"models/{name}/model.onnx", "graph": {"producer": "test", "opset": 13, "name": name},
         "batch": batch, "device": {"kind": kind, "name": kind, "threads": 1, "peaks": PEAKS},
         "policy": {"warmup": 1, "min_iters": 2, "min_time_s": 0}, "status": "ok",
         "costs": {"params": params, "macs": int(flops / 2), "flops": int(flops), "bytes_read": 1_000_000 * batch,
                   "bytes_written": 500_000 * batch, "weight_bytes": 4 * params, "activation_bytes": 3_000_000 * batch,
                   "layers": len(LAYERS)},
         "latency": {"median_ms": ms, "p10_ms": ms * 0.98, "p90_ms": ms * 1.03, "p99_ms": ms * 1.05, "mean_ms": ms,
                     "min_ms": ms * 0.97, "max_ms": ms * 1.06, "stddev_ms": ms * 0.02, "cov": 0.02, "iterations": 2,
                     "timed_s": 2 * ms / 1000},
         "per_image_ms": ms / batch, "images_per_s": 1000.0 * batch / ms, "achieved_gflops": flops / (ms * 1e6),
         "memory": {"planned": mem, "allocated": mem, "weights": 4 * params, "arena_planned": 2_000_000 * batch,
                    "arena_allocated": 2_000_000 * batch, "workspace_planned": 0, "workspace_allocated": 0,
                    "activations_without_reuse": 3_000_000 * batch, "in_place_layers": 1, "peak_rss": 100_000_000},
         "power": NO_POWER, "memory_peak_rss": 100_000_000}
    if with_layers:
        r["per_layer"] = per_layer(flops, ms)
        r["fit_time_vs_flops"] = {"overall": {"points": 5, "valid": True, "ms_per_gflop": 10.0, "intercept_ms": 0.05,
                                              "r2": 0.99, "effective_gflops": 100.0}, "by_op": {}}
    return r


TOKEN_MODELS = {"tok_s": (64, 2), "tok_m": (128, 4), "tok_old": (64, 2), "tok_fix": (64, 2)}  # name: (d, layers)


def token_profile(name, seq, batch):
    d, layers = TOKEN_MODELS[name]
    attention = layers * 2 * seq * seq * d * batch
    rest = layers * 12 * seq * d * d * batch
    params = layers * 12 * d * d
    r = profile("tiny_a", batch)
    macs = attention + rest
    ms = 10.0 * 2 * macs / 1e9 + 1.0
    r.update(model=f"models/{name}/model.onnx", graph={"producer": "test", "opset": 13, "name": name},
             dims={"seq": seq}, per_image_ms=ms / batch, images_per_s=1000.0 * batch / ms,
             achieved_gflops=2 * macs / (ms * 1e6))
    r["costs"] = dict(r["costs"], params=params, macs=macs, flops=2 * macs + layers * 5 * seq * seq * batch,
                      weight_bytes=4 * params)
    if name != "tok_old":
        r["costs"]["macs_by_role"] = {"attention_scores": attention // 2, "attention_context": attention // 2,
                                      "activation_products": 0, "projection_mlp": rest, "convolution": 0, "other": 0}
        r["costs"]["flops_by_role"] = {k: 2 * v for k, v in r["costs"]["macs_by_role"].items()}
        r["costs"]["flops_by_role"]["other"] = layers * 5 * seq * seq * batch
    r["latency"] = {k: (v * ms / r["latency"]["median_ms"] if k.endswith("_ms") else v)
                    for k, v in r["latency"].items()}
    r["latency"]["timed_s"] = 2 * ms / 1000
    return r


def main():
    os.makedirs("records", exist_ok=True)
    recs = [profile(name, b, with_layers=(b == 1 and name != "tiny_d")) for name in MODELS for b in (1, 2, 4)]
    failed = profile("tiny_c", 8)
    for key in ("costs", "latency", "per_image_ms", "images_per_s", "achieved_gflops", "memory"):
        failed.pop(key)
    failed.update(status="out_of_memory", error="out of memory at batch 8")
    recs.append(failed)
    recs.append(profile("tiny_a", 1, kind="cpu"))
    with open("records/profile.jsonl", "w") as f:
        for r in recs:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")
    with open("records/profile_power.jsonl", "w") as f:
        for r in recs:
            if r["status"] == "ok" and r["device"]["kind"] == "ref":
                r = dict(r, power=power(r["graph"]["name"], r["batch"], r["latency"]["median_ms"]))
            f.write(json.dumps(r, separators=(",", ":")) + "\n")
    with open("records/profile_dims.jsonl", "w") as f:
        recs = [token_profile("tok_s", seq, b) for seq in (64, 128, 256, 512) for b in (1, 2)]
        recs += [token_profile("tok_m", seq, 1) for seq in (64, 128, 256, 512)]
        recs += [token_profile("tok_old", seq, 1) for seq in (64, 128)]
        recs.append(token_profile("tok_fix", 128, 1))
        for r in recs:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")
    ev = {"schema": "dnncost.eval/1", "tool": {"name": "dnncost", "version": "0.1.0"},
          "model": "models/tiny_a/model.onnx", "device": "ref", "batch": 16, "images_dir": "val",
          "labels": "class folders", "classes": 1000, "images": 500, "skipped": 0, "top1": 0.6, "top5": 0.8,
          "top1_count": 300, "top5_count": 400, "top5_k": 5, "interrupted": False}
    with open("records/tiny_a.eval.json", "w") as f:
        json.dump(ev, f, indent=1)
    manifest = {"schema": "dnncost.zoo_manifest/1", "models": [
        {"name": "tiny_a", "title": "Tiny-A", "top1": {"value": 55.0, "source": "test manifest (the eval record wins)"}},
        {"name": "tiny_b", "title": "Tiny-B", "top1": {"value": 70.0, "source": "test manifest, published value B"}},
        {"name": "tiny_c", "title": "Tiny-C", "top1": {"value": 75.0, "source": "test manifest, published value C"}},
        {"name": "tiny_d", "title": "Tiny-D", "top1": None, "top1_note": "no published value"}]}
    with open("manifest.json", "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
