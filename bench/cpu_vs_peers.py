#!/usr/bin/env python3
"""dnncost's cpu device (oneDNN) against ONNX Runtime's CPU provider and PyTorch on the CPU: median latency.

Same ONNX file for dnncost and ONNX Runtime (the zoo export, `dnncost zoo export`: seeded random weights, eval
form), the same torchvision module for PyTorch (tools/zoo/zoo_models.py); the same thread count, batch size and
timing policy for all three: warm up, then repeat until both --min-iters and --min-seconds are reached; median
of the timed iterations. dnncost is timed by `dnncost profile --device cpu` (session.run() on inputs set once).
ONNX Runtime runs with every graph optimisation on (ORT_ENABLE_ALL), intra-op threads = --threads, inter-op 1,
inputs as numpy arrays. PyTorch runs the eval-mode module under torch.inference_mode() with
torch.set_num_threads(--threads). Each measurement runs in its own process; with --rounds R the three are measured
R times in turn and a row reports the median of the R medians (this evens out load from other processes on a
shared machine).

Run with a Python that has onnxruntime (PyPI) and sees Debian's torch, e.g.
    /usr/bin/python3 -m venv --system-site-packages .venv && .venv/bin/pip install onnxruntime
    .venv/bin/python bench/cpu_vs_peers.py --threads 2        (needs build/dnncost built with oneDNN)
Prints a Markdown table (ratios: dnncost / ONNX Runtime and dnncost / PyTorch; below 1 means dnncost is faster).
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# A model is its zoo name, and for a token model also its sequence length: NAME@seq=N (bound with --dim seq=N).
DEFAULT_MODELS = ["resnet18", "resnet50", "googlenet", "mobilenet_v2", "vgg16", "vit_b_16", "swin_t", "convnext_tiny",
                  "bert_base@seq=128", "gpt2_small@seq=256"]
TITLES = {"resnet18": "ResNet-18", "resnet50": "ResNet-50", "googlenet": "GoogLeNet", "mobilenet_v2": "MobileNet-V2",
          "vgg16": "VGG-16", "alexnet": "AlexNet", "inception_v3": "Inception-v3", "vit_b_16": "ViT-B/16",
          "swin_t": "Swin-T", "convnext_tiny": "ConvNeXt-T", "bert_base": "BERT-base", "gpt2_small": "GPT-2 small"}


def split_spec(spec):
    """'bert_base@seq=128' -> ('bert_base', {'seq': 128}); 'resnet50' -> ('resnet50', {})."""
    name, _, rest = spec.partition("@")
    dims = {}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        dims[key] = int(value)
    return name, dims


def manifest_entry(name):
    with open(os.path.join(ROOT, "tools", "zoo", "manifest.json")) as f:
        return next(m for m in json.load(f)["models"] if m["name"] == name)


def model_input(entry, batch, dims):
    """The input batch as numpy: image-like floats, or token ids in [0, vocab) of shape [batch, seq]."""
    import numpy as np
    if "vocab" in entry:
        shape = [batch] + [dims[d] if isinstance(d, str) else int(d) for d in entry["input"]]
        return np.random.default_rng(20240601).integers(0, entry["vocab"], size=shape, dtype=np.int64)
    return input_batch(batch, entry["input"][-1])


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
    x = model_input(manifest_entry(args.worker_name), args.worker_batch, json.loads(args.worker_dims))
    samples = timed_loop(lambda: session.run(None, {name: x}), args.warmup, args.min_iters, args.min_seconds)
    return {"samples_ms": samples, "version": f"onnxruntime {ort.__version__}"}


def worker_torch(args):
    import torch
    sys.path.insert(0, os.path.join(ROOT, "tools", "zoo"))
    import export_zoo  # builds the module the zoo's ONNX file was exported from
    torch.set_num_threads(args.threads)
    entry = manifest_entry(args.worker_name)
    torch.manual_seed(0)
    model = export_zoo.build_model(entry)
    model.eval()
    x = torch.from_numpy(model_input(entry, args.worker_batch, json.loads(args.worker_dims)))

    def run():
        with torch.inference_mode():
            model(x)
    samples = timed_loop(run, args.warmup, args.min_iters, args.min_seconds)
    return {"samples_ms": samples, "version": f"torch {torch.__version__}"}


def run_worker(kind, args, spec, batch, python):
    name, dims = split_spec(spec)
    model = os.path.join(args.models_dir, name, "model.onnx")
    env = dict(os.environ)
    if kind in ("dnncost", "torch"):
        env.update(v.split("=", 1) for v in args.omp_env)
    if kind == "dnncost":
        with tempfile.TemporaryDirectory() as tmp:
            records = os.path.join(tmp, "profile.jsonl")
            subprocess.run([args.dnncost, "profile", model, "--device", "cpu", "--threads", str(args.threads), "--batch",
                            str(batch), "--warmup", str(args.warmup), "--min-iters", str(args.min_iters),
                            "--min-time", str(args.min_seconds), "--json", records, "--quiet", "--no-peaks", "--power", "none"] +
                           [a for k, v in dims.items() for a in ("--dim", f"{k}={v}")],
                           check=True, capture_output=True, text=True, env=env)
            with open(records) as f:
                record = json.loads(f.readline())
        return {"median_ms": record["latency"]["median_ms"], "min_ms": record["latency"]["min_ms"],
                "iterations": record["latency"]["iterations"], "version": record["device"]["name"]}
    else:
        cmd = [python, os.path.abspath(__file__), "--worker", kind, "--worker-model", model, "--worker-name", name,
               "--worker-batch", str(batch), "--worker-dims", json.dumps(dims), "--threads", str(args.threads), "--warmup", str(args.warmup),
               "--min-iters", str(args.min_iters), "--min-seconds", str(args.min_seconds)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    result = json.loads(out.strip().splitlines()[-1])
    samples = result.pop("samples_ms")
    result.update(median_ms=statistics.median(samples), min_ms=min(samples), iterations=len(samples))
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
    p.add_argument("--rounds", type=int, default=1, help="measure each row this many times; report the median")
    p.add_argument("--models-dir", default=os.path.join(ROOT, "build", "zoo", "models"),
                   help="exported zoo models (exported there when missing)")
    p.add_argument("--dnncost", default=os.path.join(ROOT, "build", "dnncost"), help="the dnncost binary")
    p.add_argument("--omp-env", action="append", default=[], metavar="VAR=VALUE",
                   help="environment for the OpenMP-based runtimes (dnncost, PyTorch), e.g. GOMP_SPINCOUNT=10000")
    p.add_argument("--peers", default="ort,torch",
                   help="peers to measure beside dnncost, comma-separated: ort, torch (Debian's PyTorch 1.13 takes "
                        "seconds per transformer inference on 2 cores: --peers ort leaves it out)")
    p.add_argument("--json", help="also write every measurement to this file")
    p.add_argument("--worker", choices=["ort", "torch"], help=argparse.SUPPRESS)
    p.add_argument("--worker-model", help=argparse.SUPPRESS)
    p.add_argument("--worker-name", help=argparse.SUPPRESS)
    p.add_argument("--worker-batch", type=int, help=argparse.SUPPRESS)
    p.add_argument("--worker-dims", default="{}", help=argparse.SUPPRESS)
    args = p.parse_args()

    if args.worker:
        result = worker_ort(args) if args.worker == "ort" else worker_torch(args)
        print(json.dumps(result))
        return 0

    if not os.access(args.dnncost, os.X_OK):
        sys.exit(f"cpu_vs_peers.py: {args.dnncost} not found: build dnncost first")
    names = [split_spec(m)[0] for m in args.models]
    missing = [m for m in names if not os.path.isfile(os.path.join(args.models_dir, m, "EXPORT_COMPLETE"))]
    if missing:
        subprocess.run([args.dnncost, "zoo", "export"] + missing + ["--models", args.models_dir], check=True)
    tpython = torch_python()
    facts = machine_facts()
    print(f"# {facts.get('Model name', '?')}, {facts.get('CPU(s)', '?')} CPUs; threads {args.threads}; "
          f"load average at start {os.getloadavg()[0]:.2f}", flush=True)

    rows, versions, loads = [], {}, []
    for name in args.models:
        for batch in args.batches:
            medians = {"dnncost": []}
            medians.update({peer: [] for peer in args.peers.split(",") if peer})
            mins = {k: [] for k in medians}
            for _ in range(args.rounds):
                for kind in medians:
                    loads.append(os.getloadavg()[0])
                    r = run_worker(kind, args, name, batch, tpython)
                    medians[kind].append(r["median_ms"])
                    mins[kind].append(r["min_ms"])
                    versions[kind] = r["version"]
            med = {k: statistics.median(v) for k, v in medians.items()}
            row = {"model": name, "batch": batch, "median_ms": med, "round_medians_ms": medians,
                   "min_ms": {k: min(v) for k, v in mins.items() if v},
                   "ratio_ort": med["dnncost"] / med["ort"] if "ort" in med else None,
                   "ratio_torch": med["dnncost"] / med["torch"] if "torch" in med else None}
            rows.append(row)
            print(f"  {name} batch {batch}: " + ", ".join(f"{k} {v:.2f} ms" for k, v in med.items()), file=sys.stderr,
                  flush=True)

    print()
    print(f"| model | batch | dnncost cpu (ms) | ONNX Runtime (ms) | PyTorch (ms) | dnncost / ORT | dnncost / PyTorch |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    def cell(value, form="%.2f"):
        return "-" if value is None else form % value

    for r in rows:
        m = r["median_ms"]
        name, dims = split_spec(r["model"])
        title = TITLES.get(name, name) + "".join(f" {k} {v}" for k, v in dims.items())
        print(f"| {title} | {r['batch']} | {m['dnncost']:.2f} | {cell(m.get('ort'))} | {cell(m.get('torch'))} | "
              f"{cell(r['ratio_ort'])} | {cell(r['ratio_torch'])} |")
    print()
    print(f"dnncost: {versions.get('dnncost')}; {versions.get('ort')} (CPUExecutionProvider, ORT_ENABLE_ALL); "
          f"{versions.get('torch')}. Median of >= {args.min_iters} iterations and >= {args.min_seconds:g} s after "
          f"{args.warmup} warm-up runs; median of {args.rounds} round(s)"
          f"{'; OpenMP environment ' + ' '.join(args.omp_env) if args.omp_env else ''}. Load average during the run: "
          f"{min(loads):.2f} to {max(loads):.2f}.")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"schema": "dnncost.bench_cpu_vs_peers/1", "machine": facts, "threads": args.threads,
                       "omp_env": args.omp_env,
                       "versions": versions, "rounds": args.rounds, "load_average": [min(loads), max(loads)],
                       "rows": rows}, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
