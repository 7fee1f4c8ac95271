#!/usr/bin/env python3
"""dnncost's cpu device (oneDNN) against ONNX Runtime's CPU provider and PyTorch on the CPU: median latency.

Same ONNX file for dnncost and ONNX Runtime (exported by tools/zoo/export_torchvision.py, seeded random weights),
the same torchvision module for PyTorch; the same thread count, batch size and timing policy for all three (warm
up, then repeat until both --min-iters and --min-seconds are reached; median of the timed iterations). ONNX
Runtime runs with every graph optimisation on (ORT_ENABLE_ALL), intra-op threads = --threads, inter-op 1.
PyTorch runs the eval-mode module under torch.inference_mode() with torch.set_num_threads(--threads). Each
measurement runs in its own process; with --rounds R the three are measured R times in turn and the samples
of all rounds are pooled (this evens out load from other processes on a shared machine).

Run with a Python that has onnxruntime (PyPI) and sees Debian's torch, e.g.
    /usr/bin/python3 -m venv --system-site-packages .venv && .venv/bin/pip install onnxruntime
    .venv/bin/python bench/cpu_vs_peers.py --threads 2
Prints a Markdown table (ratios: dnncost / ONNX Runtime and dnncost / PyTorch; below 1 means dnncost is faster).
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_MODELS = ["resnet18", "resnet50", "googlenet", "mobilenet_v2", "vgg16"]
TITLES = {"resnet18": "ResNet-18", "resnet50": "ResNet-50", "googlenet": "GoogLeNet", "mobilenet_v2": "MobileNet-V2",
          "vgg16": "VGG-16", "alexnet": "AlexNet", "inception_v3": "Inception-v3"}
INPUT_SIDE = {"inception_v3": 299}


def timed_loop(run, warmup, min_iters, min_seconds):
    """Milliseconds of each timed call of run() after `warmup` untimed ones."""
    for _ in range(warmup):
        run()
    samples = []
    start = time.perf_counter()
    while len(samples) < min_iters or time.perf_counter() - start < min_seconds:
        t0 = time.perf_counter()
        run()
        samples.append((time.perf_counter() - t0) * 1e3)
    return samples


def input_batch(batch, side):
    import numpy as np
    rng = np.random.default_rng(20240601)
    return rng.uniform(-1.0, 1.0, size=(batch, 3, side, side)).astype(np.float32)


def worker_ort(args):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = args.threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(args.worker_model, so, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    x = input_batch(args.worker_batch, INPUT_SIDE.get(args.worker_name, 224))
    samples = timed_loop(lambda: session.run(None, {name: x}), args.warmup, args.min_iters, args.min_seconds)
    return {"samples_ms": samples, "version": f"onnxruntime {ort.__version__}"}


def worker_torch(args):
    import torch
    sys.path.insert(0, os.path.join(ROOT, "tools", "zoo"))
    import export_torchvision  # the same module definitions as the exported ONNX files
    torch.set_num_threads(args.threads)
    model, side = export_torchvision.build_model(args.worker_name)
    model.eval()
    x = torch.from_numpy(input_batch(args.worker_batch, side))

    def run():
        with torch.inference_mode():
            model(x)
    samples = timed_loop(run, args.warmup, args.min_iters, args.min_seconds)
    return {"samples_ms": samples, "version": f"torch {torch.__version__}"}


def run_worker(kind, args, name, batch, python):
    model = os.path.join(args.models_dir, name, "model.onnx")
    if kind == "dnncost":
        cmd = [args.bench, model, "--batch", str(batch), "--device", "cpu", "--threads", str(args.threads), "--warmup",
               str(args.warmup), "--min-iters", str(args.min_iters), "--min-seconds", str(args.min_seconds),
               "--samples"]
    else:
        cmd = [python, os.path.abspath(__file__), "--worker", kind, "--worker-model", model, "--worker-name", name,
               "--worker-batch", str(batch), "--threads", str(args.threads), "--warmup", str(args.warmup),
               "--min-iters", str(args.min_iters), "--min-seconds", str(args.min_seconds)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    if kind == "dnncost":
        result["version"] = result["device"]
    return result


def torch_python():
    """This interpreter when it has torch and torchvision, else Debian's."""
    try:
        import torch  # noqa: F401
        import torchvision  # noqa: F401
        return sys.executable
    except ImportError:
        return "/usr/bin/python3"


def machine_facts():
    facts = {"platform": platform.platform()}
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in lscpu.splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("Model name", "CPU(s)", "Thread(s) per core", "Core(s) per socket", "L2 cache",
                               "L3 cache"):
                facts[key.strip()] = value.strip()
        facts["avx512"] = "avx512f" in lscpu
    except OSError:
        pass
    return facts


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", nargs="+", default=DEFAULT_MODELS)
    p.add_argument("--batches", nargs="+", type=int, default=[1, 8])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--min-iters", type=int, default=10)
    p.add_argument("--min-seconds", type=float, default=3.0)
    p.add_argument("--rounds", type=int, default=1, help="measure each row this many times, pooling the samples")
    p.add_argument("--models-dir", default=os.path.join(ROOT, "build", "e2e", "models"))
    p.add_argument("--bench", default=os.path.join(ROOT, "build", "dnncost_bench"), help="the dnncost_bench binary")
    p.add_argument("--json", help="also write every measurement to this file")
    p.add_argument("--worker", choices=["ort", "torch"], help=argparse.SUPPRESS)
    p.add_argument("--worker-model", help=argparse.SUPPRESS)
    p.add_argument("--worker-name", help=argparse.SUPPRESS)
    p.add_argument("--worker-batch", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()

    if args.worker:
        result = worker_ort(args) if args.worker == "ort" else worker_torch(args)
        print(json.dumps(result))
        return 0

    missing = [m for m in args.models if not os.path.isfile(os.path.join(args.models_dir, m, "model.onnx"))]
    if missing:
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tools", "zoo", "export_torchvision.py"),
                        args.models_dir] + missing, check=True)
    if not os.access(args.bench, os.X_OK):
        sys.exit(f"cpu_vs_peers.py: {args.bench} not found: build it (ninja -C build dnncost_bench)")
    tpython = torch_python()
    facts = machine_facts()
    print(f"# {facts.get('Model name', '?')}, {facts.get('CPU(s)', '?')} CPUs; threads {args.threads}; "
          f"load average at start {os.getloadavg()[0]:.2f}", flush=True)

    rows, versions, loads = [], {}, []
    for name in args.models:
        for batch in args.batches:
            samples = {"dnncost": [], "ort": [], "torch": []}
            for _ in range(args.rounds):
                for kind in samples:
                    loads.append(os.getloadavg()[0])
                    r = run_worker(kind, args, name, batch, tpython)
                    samples[kind] += r["samples_ms"]
                    versions[kind] = r["version"]
            med = {k: statistics.median(v) for k, v in samples.items()}
            row = {"model": name, "batch": batch, "median_ms": med, "iterations": {k: len(v) for k, v in samples.items()},
                   "min_ms": {k: min(v) for k, v in samples.items()},
                   "ratio_ort": med["dnncost"] / med["ort"], "ratio_torch": med["dnncost"] / med["torch"]}
            rows.append(row)
            print(f"  {name} batch {batch}: dnncost {med['dnncost']:.2f} ms, ORT {med['ort']:.2f} ms, "
                  f"PyTorch {med['torch']:.2f} ms", file=sys.stderr, flush=True)

    print()
    print(f"| model | batch | dnncost cpu (ms) | ONNX Runtime (ms) | PyTorch (ms) | dnncost / ORT | dnncost / PyTorch |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        m = r["median_ms"]
        print(f"| {TITLES.get(r['model'], r['model'])} | {r['batch']} | {m['dnncost']:.2f} | {m['ort']:.2f} | "
              f"{m['torch']:.2f} | {r['ratio_ort']:.2f} | {r['ratio_torch']:.2f} |")
    print()
    print(f"dnncost: {versions.get('dnncost')}; {versions.get('ort')} (CPUExecutionProvider, ORT_ENABLE_ALL); "
          f"{versions.get('torch')}. Median of >= {args.min_iters} iterations and >= {args.min_seconds:g} s per "
          f"round, {args.rounds} round(s), after {args.warmup} warm-up runs. Load average during the run: "
          f"{min(loads):.2f} to {max(loads):.2f}.")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"schema": "dnncost.bench_cpu_vs_peers/1", "machine": facts, "threads": args.threads,
                       "versions": versions, "rounds": args.rounds, "load_average": [min(loads), max(loads)],
                       "rows": rows}, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
