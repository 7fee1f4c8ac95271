#!/usr/bin/python3
"""Checks `dnncost profile` end to end on an exported model (stdlib only).

usage: check_profile.py DNNCOST MODEL_DIR WORK_DIR

1. A sweep over batch 1 and 2 with --per-layer writes one valid JSON record per batch with the documented
   fields; planned memory equals allocated; the per-layer pass covers every layer and has a time-vs-FLOPs fit.
2. A batch too large for memory is recorded as out_of_memory and the sweep goes on (exit status 1).
3. SIGINT during a sweep: exit status 130, and every record already written is valid JSON.
"""
import json
import os
import signal
import subprocess
import sys
import time


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def records(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    dnncost, model_dir, work = sys.argv[1:4]
    model = os.path.join(model_dir, "model.onnx")
    os.makedirs(work, exist_ok=True)
    fast = ["--warmup", "1", "--min-iters", "2", "--min-time", "0"]

    out = os.path.join(work, "sweep.jsonl")
    if os.path.exists(out):
        os.remove(out)
    p = subprocess.run([dnncost, "profile", model, "--batch", "1,2", "--per-layer", "--json", out] + fast,
                       capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        fail(f"profile exited {p.returncode}: {p.stderr}")
    recs = records(out)
    if [r["batch"] for r in recs] != [1, 2]:
        fail(f"expected records for batch 1 and 2, got {[r.get('batch') for r in recs]}")
    for r in recs:
        for key in ("schema", "model", "device", "batch", "latency", "per_image_ms", "images_per_s", "memory", "costs",
                    "per_layer", "fit_time_vs_flops", "host"):
            if key not in r:
                fail(f"record for batch {r['batch']} has no '{key}'")
        lat = r["latency"]
        for key in ("median_ms", "p10_ms", "p90_ms", "mean_ms", "cov", "iterations"):
            if key not in lat:
                fail(f"latency has no '{key}'")
        if not (0 < lat["p10_ms"] <= lat["median_ms"] <= lat["p90_ms"]) or lat["iterations"] < 2:
            fail(f"implausible latency {lat}")
        if abs(r["per_image_ms"] * r["batch"] - lat["median_ms"]) > 1e-9 * lat["median_ms"]:
            fail("per_image_ms is not median_ms / batch")
        mem = r["memory"]
        if mem["planned"] != mem["allocated"] or mem["arena_planned"] != mem["arena_allocated"]:
            fail(f"planned memory differs from allocated: {mem}")
        if not (0 < mem["arena_planned"] <= mem["activations_without_reuse"]):
            fail(f"arena {mem['arena_planned']} should be positive and at most the no-reuse sum")
        if mem["peak_rss"] <= 0:
            fail("no peak RSS")
        layers = r["per_layer"]["layers"]
        if len(layers) != r["costs"]["layers"]:
            fail(f"{len(layers)} per-layer entries for {r['costs']['layers']} layers")
        total = sum(l["median_ms"] for l in layers)
        if abs(total - r["per_layer"]["layer_sum_ms"]) > 1e-6 * total:
            fail("layer_sum_ms is not the sum of the layers' medians")
        if sum(l["flops"] for l in layers) != r["costs"]["flops"]:
            fail("per-layer FLOPs do not add up to the total")
        by_role = r["costs"]["macs_by_role"]
        for role, macs in by_role.items():
            if sum(l["macs"] for l in layers if l["role"] == role) != macs:
                fail(f"costs.macs_by_role.{role} {macs} is not the sum of its layers' MACs")
        if sum(by_role.values()) != r["costs"]["macs"] or by_role["convolution"] == 0:
            fail(f"costs.macs_by_role {by_role} does not add up to {r['costs']['macs']} MACs or has no convolution")
        fit = r["fit_time_vs_flops"]["overall"]
        if not fit["valid"] or not (0 <= fit["r2"] <= 1):
            fail(f"bad overall fit {fit}")
        if "Conv" not in r["fit_time_vs_flops"]["by_op"]:
            fail("no per-op fit for Conv")
    if recs[1]["costs"]["macs"] != 2 * recs[0]["costs"]["macs"]:
        fail("MACs at batch 2 are not twice those at batch 1")
    print(f"sweep: ok (batch 1 median {recs[0]['latency']['median_ms']:.1f} ms, arena "
          f"{recs[0]['memory']['arena_planned']} B of {recs[0]['memory']['activations_without_reuse']} B without reuse)")

    out = os.path.join(work, "oom.jsonl")
    if os.path.exists(out):
        os.remove(out)
    p = subprocess.run([dnncost, "profile", model, "--batch", "1,4194304,2", "--json", out, "-q"] + fast,
                       capture_output=True, text=True, timeout=600)
    recs = records(out)
    status = [r["status"] for r in recs]
    if p.returncode != 1 or status != ["ok", "out_of_memory", "ok"]:
        fail(f"out-of-memory sweep: exit {p.returncode}, statuses {status}; stderr {p.stderr}")
    if "error" not in recs[1]:
        fail("the out-of-memory record has no error message")
    print("out of memory: recorded, sweep went on")

    out = os.path.join(work, "interrupt.jsonl")
    if os.path.exists(out):
        os.remove(out)
    proc = subprocess.Popen([dnncost, "profile", model, "--batch", "1,2,3", "--json", out, "-q", "--warmup", "0",
                             "--min-iters", "1", "--min-time", "30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    if proc.returncode != 130:
        fail(f"interrupted profile exited {proc.returncode}, expected 130; stderr {err}")
    recs = records(out)  # raises if any line is not valid JSON
    if not recs or recs[-1]["status"] != "interrupted":
        fail(f"expected the last record to say interrupted, got {[r['status'] for r in recs]}")
    print(f"interrupt: exit 130, {len(recs)} valid record(s)")
    print("3 passed, 0 failed")


if __name__ == "__main__":
    main()
