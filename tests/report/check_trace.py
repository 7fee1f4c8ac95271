#!/usr/bin/python3
"""Checks `dnncost profile --trace/--csv/--layer-csv` and the measured device peaks on a small model.

usage: check_trace.py DNNCOST WORK_DIR FAKE_NVML_LIBRARY

A 6-layer CNN (Conv, Relu, MaxPool, Conv, GlobalAveragePool, Flatten, Gemm; seeded weights) is written with
Debian's python3-onnx, then profiled at batch 1 and 2 with --trace (without --per-layer: the per-layer pass runs
anyway), --csv and --layer-csv, with power read from the fake libnvidia-ml of tests/power (a constant 100 W;
--power nvml --idle-seconds 0.3 --power-window 0.3). Checks:
- the trace is a Chrome trace event document: per configuration one process with named tracks; on the layer
  track one "X" span per layer per timed iteration, in layer order and not overlapping, with the arguments
  (layer, op, node, inputs, outputs, macs, flops, bytes, algorithm, iteration) matching the record; one
  iteration marker ("i") per iteration; one network-run span per timed run; memory, RSS and power counters
  ("C"; power at 100 W, inside the configuration's power window), and the idle power in a process of its own;
- timestamps are microseconds on one clock: the spans of a configuration lie within the sweep's wall time;
- the CSV has one row per record with dotted columns equal to the JSON values; the per-layer CSV one row per
  layer;
- device.peaks has positive GFLOP/s and GB/s with the sizes used; --no-peaks leaves them null, and without a
  power sensor the trace says there is no power counter track.
"""
import csv
import json
import os
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def make_model(path):
    rng = np.random.default_rng(3)

    def w(name, *shape):
        return numpy_helper.from_array((rng.standard_normal(shape) * 0.1).astype(np.float32), name)

    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "w2"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
        helper.make_node("GlobalAveragePool", ["c2"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "w3", "b3"], ["y"], name="fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes, "tiny_cnn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 32, 32])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 10])],
        [w("w1", 8, 3, 3, 3), w("b1", 8), w("w2", 16, 8, 3, 3), w("w3", 10, 16), w("b3", 10)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save(model, path)


def records(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def check_trace(trace, recs, t_start_us, t_end_us):
    events = trace.get("traceEvents")
    if not isinstance(events, list) or not events:
        fail("no traceEvents list")
    for e in events:
        for key in ("ph", "pid", "tid", "name"):
            if key not in e:
                fail(f"event without '{key}': {e}")
    pids = sorted({e["pid"] for e in events})
    if pids != [1, 2, IDLE_PID]:
        fail(f"expected processes 1 and 2 (one per configuration) and {IDLE_PID} (idle power), got {pids}")
    if "counter track 'power (W)': nvml" not in trace.get("otherData", {}).get("power", ""):
        fail(f"the trace's power note: {trace.get('otherData', {}).get('power')}")
    idle = [e for e in events if e["pid"] == IDLE_PID and e["ph"] == "C"]
    if not idle or any(e["name"] != "power (W)" or abs(e["args"]["W"] - 100) > 1 for e in idle):
        fail(f"idle power counter: {idle[:3]}")
    for pid, rec in zip(pids, recs):
        ev = [e for e in events if e["pid"] == pid]
        names = {e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] in ("process_name", "thread_name")}
        if not any(f"batch {rec['batch']}" in n for n in names) or "layers (per-layer pass, synchronised)" not in names:
            fail(f"process {pid}: metadata names {names}")
        layers = rec["per_layer"]["layers"]
        iters = rec["per_layer"]["iterations"]
        spans = [e for e in ev if e["ph"] == "X" and e["tid"] == 1]
        if len(spans) != len(layers) * iters:
            fail(f"process {pid}: {len(spans)} layer spans, expected {len(layers)} layers x {iters} iterations")
        marks = [e for e in ev if e["ph"] == "i"]
        if len(marks) != iters or any(e["s"] != "t" or e["tid"] != 1 for e in marks):
            fail(f"process {pid}: {len(marks)} iteration markers, expected {iters} on the layer track")
        runs = [e for e in ev if e["ph"] == "X" and e["tid"] == 2]
        if len(runs) != rec["latency"]["iterations"]:
            fail(f"process {pid}: {len(runs)} network-run spans, expected {rec['latency']['iterations']}")
        counters = {e["name"] for e in ev if e["ph"] == "C"}
        if not {"memory (bytes)", "process RSS (bytes)", "power (W)"} <= counters:
            fail(f"process {pid}: counters {counters}")
        watts = [e for e in ev if e["ph"] == "C" and e["name"] == "power (W)"]
        if len(watts) < 3 or any(abs(e["args"]["W"] - 100) > 1 for e in watts):
            fail(f"process {pid}: power counter samples {watts[:3]}")
        if not rec["power"]["available"] or abs(rec["power"]["avg_w"] - 100) > 1:
            fail(f"process {pid}: record power {rec['power']}")
        if not (runs[0]["ts"] <= watts[0]["ts"] and watts[-1]["ts"] - watts[0]["ts"] <= 1e6 * (rec["power"]["window_s"] + 0.1)):
            fail(f"process {pid}: power samples outside the power window")
        mem = [e for e in ev if e["ph"] == "C" and e["name"] == "memory (bytes)"]
        if any(e["args"]["weights"] != rec["memory"]["weights"] for e in mem):
            fail("memory counter weights differ from the record's memory.weights")
        if max(e["args"]["activations live (planned)"] for e in mem) > rec["memory"]["arena_planned"]:
            fail("planned live activations exceed the planned arena")
        spans.sort(key=lambda e: e["ts"])
        for k in range(iters):
            it = spans[k * len(layers):(k + 1) * len(layers)]
            for i, (e, layer) in enumerate(zip(it, layers)):
                a = e["args"]
                if a["layer"] != i or a["iteration"] != k or a["op"] != layer["op"] or a["node"] != layer["name"]:
                    fail(f"span {e} is not layer {i} ({layer['op']}) of iteration {k}")
                if a["flops"] != layer["flops"] or a["macs"] != layer["macs"] or a["bytes"] != layer["bytes"]:
                    fail(f"span args {a} disagree with the record's layer {layer}")
                if not a["inputs"] or not a["outputs"] or a["algorithm"] != "reference loops":
                    fail(f"span args without shapes or algorithm: {a}")
                if e["dur"] < 0 or (i and e["ts"] < it[i - 1]["ts"] + it[i - 1]["dur"] - 1e-3):
                    fail("layer spans overlap or run backwards")
                if not (t_start_us <= e["ts"] <= t_end_us):
                    fail(f"span timestamp {e['ts']} is outside the sweep's wall time [{t_start_us}, {t_end_us}]")
        conv = next(l for l in layers if l["name"] == "conv1")
        shapes = next(e["args"] for e in spans if e["args"]["node"] == "conv1")
        if shapes["outputs"] != f"[{rec['batch']}, 8, 32, 32]":
            fail(f"conv1 output shape in the trace: {shapes['outputs']}")
        if conv["macs"] != rec["batch"] * 8 * 32 * 32 * 27:
            fail(f"conv1 MACs {conv['macs']}")


def check_csv(path, layer_path, recs):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if len(rows) != len(recs):
        fail(f"{len(rows)} CSV rows for {len(recs)} records")
    for row, rec in zip(rows, recs):
        for col, val in (("model", rec["model"]), ("batch", str(rec["batch"])), ("status", "ok"),
                         ("costs.flops", str(rec["costs"]["flops"])), ("device.kind", "ref")):
            if row.get(col) != val:
                fail(f"CSV column {col}: {row.get(col)!r}, expected {val!r}")
        for col, val in (("latency.median_ms", rec["latency"]["median_ms"]),
                         ("device.peaks.gflops", rec["device"]["peaks"]["gflops"])):
            if abs(float(row[col]) - val) > 1e-6 * abs(val):
                fail(f"CSV column {col}: {row[col]}, expected {val}")
        if "per_layer.layers" in row:
            fail("the record CSV has the per-layer array")
    with open(layer_path, newline="") as f:
        lrows = list(csv.DictReader(f))
    if len(lrows) != sum(len(r["per_layer"]["layers"]) for r in recs):
        fail(f"{len(lrows)} per-layer CSV rows")
    if set(lrows[0]) < {"model", "batch", "index", "name", "op", "median_ms", "flops", "gflops"}:
        fail(f"per-layer CSV columns {list(lrows[0])}")


IDLE_PID = 100000


def main():
    dnncost, work, fake_nvml = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    model = os.path.join(work, "tiny_cnn", "model.onnx")
    make_model(model)
    out, trace_path = os.path.join(work, "p.jsonl"), os.path.join(work, "trace.json")
    csv_path, layer_csv = os.path.join(work, "p.csv"), os.path.join(work, "layers.csv")
    for p in (out, trace_path, csv_path, layer_csv):
        if os.path.exists(p):
            os.remove(p)
    # The trace's clock is CLOCK_MONOTONIC (std::chrono::steady_clock on Linux), as time.monotonic().
    t0 = time.monotonic() * 1e6
    env = dict(os.environ, DNNCOST_NVML_LIBRARY=fake_nvml, FAKE_NVML_WATTS="100")
    p = subprocess.run([dnncost, "profile", model, "--batch", "1,2", "--warmup", "1", "--min-iters", "3",
                        "--min-time", "0", "--json", out, "--trace", trace_path, "--csv", csv_path, "--layer-csv",
                        layer_csv, "--power", "nvml", "--idle-seconds", "0.3", "--power-window", "0.3"],
                       capture_output=True, text=True, timeout=300, env=env)
    t1 = time.monotonic() * 1e6
    if p.returncode != 0:
        fail(f"profile exited {p.returncode}: {p.stderr}")
    if f"trace (" not in p.stdout or trace_path not in p.stdout:
        fail(f"profile did not print where the trace is: {p.stdout}")
    recs = records(out)
    if [r["batch"] for r in recs] != [1, 2] or any("per_layer" not in r for r in recs):
        fail("expected records for batch 1 and 2, each with the per-layer pass that --trace runs")
    peaks = recs[0]["device"]["peaks"]
    if not (peaks["gflops"] > 0 and peaks["gbs"] > 0 and peaks["matmul"]["n"] >= 128 and peaks["compute_op"] in ("MatMul", "Conv") and
            peaks["bandwidth"]["elements"] >= 8 << 20 and peaks == recs[1]["device"]["peaks"]):
        fail(f"device peaks {peaks}")
    with open(trace_path) as f:
        trace = json.load(f)
    check_trace(trace, recs, t0, t1)
    check_csv(csv_path, layer_csv, recs)
    print(f"trace: ok ({len(trace['traceEvents'])} events); csv: ok; peaks {peaks['gflops']:.2f} GFLOP/s, "
          f"{peaks['gbs']:.2f} GB/s")

    out2 = os.path.join(work, "nopeaks.jsonl")
    if os.path.exists(out2):
        os.remove(out2)
    trace2 = os.path.join(work, "nopower_trace.json")
    p = subprocess.run([dnncost, "profile", model, "--batch", "1", "--warmup", "0", "--min-iters", "1",
                        "--min-time", "0", "--no-peaks", "--power", "none", "--json", out2, "--trace", trace2],
                       capture_output=True, text=True, timeout=120)
    rec = records(out2)[0]
    if p.returncode != 0 or rec["device"]["peaks"]["gflops"] is not None:
        fail(f"--no-peaks: exit {p.returncode}, peaks {rec['device'].get('peaks')}")
    with open(trace2) as f:
        t2 = json.load(f)
    if not t2["otherData"]["power"].startswith("no power counter track: unavailable") or \
            any(e["ph"] == "C" and e["name"] == "power (W)" for e in t2["traceEvents"]):
        fail(f"--power none: the trace's power note is {t2['otherData']['power']!r}")
    print("--no-peaks, --power none: ok")

    # eval --csv: the record flattened into one row.
    from PIL import Image
    images = os.path.join(work, "images")
    for k, cls in enumerate(("cat", "dog")):
        os.makedirs(os.path.join(images, cls), exist_ok=True)
        for i in range(2):
            Image.new("RGB", (40, 36), (40 * k + 10 * i, 100, 200)).save(os.path.join(images, cls, f"{i}.png"))
    ev_json, ev_csv = os.path.join(work, "eval.json"), os.path.join(work, "eval.csv")
    p = subprocess.run([dnncost, "eval", model, "--images", images, "--resize", "32", "--crop", "32", "--batch", "2",
                        "--json", ev_json, "--csv", ev_csv, "--quiet"], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        fail(f"eval --csv exited {p.returncode}: {p.stderr}")
    with open(ev_json) as f:
        ev = json.load(f)
    with open(ev_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    if len(rows) != 1 or rows[0]["schema"] != "dnncost.eval/1" or int(rows[0]["images"]) != ev["images"] != 4 or \
            abs(float(rows[0]["top1"]) - ev["top1"]) > 1e-9 or len(rows[0]["preprocess.mean"].split()) != 3 or \
            "per_class" in rows[0]:
        fail(f"eval CSV {rows} vs record {ev}")
    print("eval --csv: ok")
    print("PASS")


if __name__ == "__main__":
    main()
