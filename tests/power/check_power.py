#!/usr/bin/python3
"""Checks the `power` object of `dnncost profile` records end to end (stdlib and python3-onnx only).

usage: check_power.py DNNCOST FAKE_NVML_LIBRARY WORK_DIR

1. The default source on this machine (ref device: RAPL). Where RAPL is absent or not readable: every record
   says "available": false with a sensor and a reason, carries no power or energy number, and no time is spent
   on the idle measurement or on power windows. Where RAPL is readable: the numbers are consistent.
2. --power nvml with the loader's path pointing nowhere: unavailable, the reason names libnvidia-ml.so.1.
3. --power nvml on the fake libnvidia-ml (a constant 100 W and an exact energy counter): idle, average and
   dynamic power, energy per image, the counter against the integrated samples, in the table too.
4. --power none and --power-window 0: unavailable, saying they were disabled.
5. Ctrl-C during the idle measurement: exit status 130 at once, the record says interrupted.
"""
import json
import os
import signal
import subprocess
import sys
import time

NUMBERS = ("idle_w", "avg_w", "dynamic_w", "peak_w", "energy_j", "energy_per_image_j", "energy_counter_j",
           "energy_integrated_j", "power_limit_w")


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def records(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def make_model(path):
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    w = numpy_helper.from_array(np.random.RandomState(0).randn(8, 3, 3, 3).astype(np.float32), "W")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 16, 16])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    nodes = [helper.make_node("Conv", ["x", "W"], ["c"], pads=[1, 1, 1, 1]), helper.make_node("Relu", ["c"], ["y"])]
    model = helper.make_model(helper.make_graph(nodes, "tiny", [x], [y], [w]), opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(model, path)


def profile(dnncost, model, out, extra, env=None, timeout=120):
    if os.path.exists(out):
        os.remove(out)
    full_env = dict(os.environ)
    full_env.update(env or {})
    t0 = time.monotonic()
    # --no-peaks: the device-peak measurement takes seconds of its own; these checks time the power logic only.
    p = subprocess.run([dnncost, "profile", model, "--batch", "1,2", "--json", out, "-q", "--warmup", "1",
                        "--min-iters", "2", "--min-time", "0", "--no-peaks"] + extra, capture_output=True, text=True,
                       timeout=timeout, env=full_env)
    return p, time.monotonic() - t0, (records(out) if os.path.exists(out) else [])


def expect_unavailable(recs, what, reason_part=None):
    if len(recs) != 2:
        fail(f"{what}: expected 2 records, got {len(recs)}")
    for r in recs:
        p = r.get("power")
        if p is None:
            fail(f"{what}: record for batch {r['batch']} has no power object")
        if p.get("available") is not False or not p.get("sensor") or not p.get("reason"):
            fail(f"{what}: expected available false with a sensor and a reason, got {p}")
        numbers = [k for k in p if k in NUMBERS or isinstance(p[k], (int, float)) and not isinstance(p[k], bool)]
        if numbers:
            fail(f"{what}: an unavailable power object carries numbers {numbers}: {p}")
        if reason_part and reason_part not in p["reason"]:
            fail(f"{what}: the reason should mention '{reason_part}': {p['reason']}")
    return recs[0]["power"]


def main():
    dnncost, fake_nvml, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    model = os.path.join(work, "tiny.onnx")
    make_model(model)
    passed = 0

    # 1. The default source of the ref device.
    out = os.path.join(work, "default.jsonl")
    p, secs, recs = profile(dnncost, model, out, [])
    if p.returncode != 0:
        fail(f"profile exited {p.returncode}: {p.stderr}")
    if recs and recs[0]["power"].get("available"):
        for r in recs:
            pw = r["power"]
            if pw["sensor"] != "rapl" or not (0 < pw["idle_w"] and 0 < pw["avg_w"] and pw["energy_j"] > 0):
                fail(f"RAPL record implausible: {pw}")
            if abs(pw["energy_per_image_j"] * pw["images"] - pw["energy_j"]) > 1e-9 * pw["energy_j"]:
                fail("energy_per_image_j is not energy_j / images")
        print(f"default source: RAPL readable here, avg {recs[0]['power']['avg_w']:.1f} W")
    else:
        pw = expect_unavailable(recs, "default source")
        if secs > 4:
            fail(f"with no sensor, profile took {secs:.1f} s: the 5 s idle wait or the power windows were not skipped")
        if "power unavailable (" not in p.stdout:
            fail(f"the summary does not say power is unavailable: {p.stdout}")
        print(f"default source: unavailable ({pw['sensor']}: {pw['reason']}), {secs:.1f} s")
    passed += 1

    # 2. NVML with the library nowhere to be found.
    out = os.path.join(work, "nvml_nowhere.jsonl")
    p, secs, recs = profile(dnncost, model, out, ["--power", "nvml"], {"LD_LIBRARY_PATH": "/nonexistent"})
    if p.returncode != 0:
        fail(f"profile --power nvml exited {p.returncode}: {p.stderr}")
    if recs and recs[0]["power"].get("available"):
        print("nvml with LD_LIBRARY_PATH nowhere: this machine has NVML in a system folder; not checked")
    else:
        pw = expect_unavailable(recs, "nvml, library nowhere", None)
        if "libnvidia-ml.so.1" not in pw["reason"]:
            fail(f"the reason should name libnvidia-ml.so.1: {pw['reason']}")
        print(f"nvml, library nowhere: unavailable ({pw['reason']})")
    passed += 1

    # 3. NVML on the fake library: 100 W constant, exact counter.
    out = os.path.join(work, "fake_nvml.jsonl")
    p, secs, recs = profile(dnncost, model, out, ["--power", "nvml", "--idle-seconds", "0.5", "--power-window", "0.5",
                                                  "--power-hz", "200"],
                            {"DNNCOST_NVML_LIBRARY": fake_nvml, "FAKE_NVML_WATTS": "100"})
    if p.returncode != 0:
        fail(f"profile on the fake NVML exited {p.returncode}: {p.stderr}")
    if len(recs) != 2:
        fail(f"fake NVML: expected 2 records, got {len(recs)}")
    for r in recs:
        pw = r["power"]
        if not pw.get("available") or pw["sensor"] != "nvml" or pw["method"] != "energy_counter":
            fail(f"fake NVML: expected an available nvml reading by energy counter, got {pw}")
        if pw["source"]["gpu"] != "Fake GPU" or "instant" not in pw["source"]["power_reading"]:
            fail(f"fake NVML: source description {pw['source']}")
        for key in ("idle_w", "avg_w", "peak_w"):
            if abs(pw[key] - 100) > 1:
                fail(f"fake NVML: {key} {pw[key]} W, expected 100 W within 1%")
        if abs(pw["dynamic_w"]) > 1:
            fail(f"fake NVML: dynamic_w {pw['dynamic_w']} W, expected 0 (constant power)")
        if pw["window_s"] < 0.5 or pw["runs"] < 1 or pw["images"] != pw["runs"] * r["batch"]:
            fail(f"fake NVML: window {pw['window_s']} s, {pw['runs']} runs, {pw['images']} images")
        if abs(pw["energy_j"] - 100 * pw["window_s"]) > 0.01 * pw["energy_j"]:
            fail(f"fake NVML: energy {pw['energy_j']} J over {pw['window_s']} s at 100 W")
        if abs(pw["energy_per_image_j"] * pw["images"] - pw["energy_j"]) > 1e-9 * pw["energy_j"]:
            fail("fake NVML: energy_per_image_j is not energy_j / images")
        if abs(pw["energy_integrated_j"] - pw["energy_counter_j"]) > 0.01 * pw["energy_counter_j"]:
            fail(f"fake NVML: integrated {pw['energy_integrated_j']} J vs counter {pw['energy_counter_j']} J")
        if pw["samples"] < 20 or pw["power_limit_w"] != 700 or pw["sm_clock_mhz_max"] != 1980:
            fail(f"fake NVML: samples {pw['samples']}, limit {pw.get('power_limit_w')}, clock {pw.get('sm_clock_mhz_max')}")
    if "avg W" not in p.stdout or "J/image" not in p.stdout or "Fake GPU" not in p.stdout:
        fail(f"fake NVML: the table has no power columns or no sensor line: {p.stdout}")
    print(f"fake NVML: idle {recs[0]['power']['idle_w']:.2f} W, avg {recs[0]['power']['avg_w']:.2f} W, "
          f"{recs[0]['power']['samples']} samples, {recs[1]['power']['energy_per_image_j']:.4f} J/image at batch 2")
    passed += 1

    # 4. Disabled.
    for extra, part in ((["--power", "none"], "--power none"),
                        (["--power", "nvml", "--power-window", "0"], "--power-window 0")):
        out = os.path.join(work, "disabled.jsonl")
        p, secs, recs = profile(dnncost, model, out, extra, {"DNNCOST_NVML_LIBRARY": fake_nvml})
        if p.returncode != 0:
            fail(f"profile {extra} exited {p.returncode}: {p.stderr}")
        expect_unavailable(recs, " ".join(extra), part)
        if secs > 4:
            fail(f"profile {extra} took {secs:.1f} s: the idle wait was not skipped")
    print("--power none, --power-window 0: unavailable, disabled")
    passed += 1

    # 5. Ctrl-C during a long idle measurement.
    out = os.path.join(work, "interrupt.jsonl")
    if os.path.exists(out):
        os.remove(out)
    env = dict(os.environ, DNNCOST_NVML_LIBRARY=fake_nvml)
    proc = subprocess.Popen([dnncost, "profile", model, "--batch", "1,2", "--json", out, "-q", "--power", "nvml",
                             "--idle-seconds", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(1.0)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    secs = time.monotonic() - t0
    if proc.returncode != 130:
        fail(f"interrupted profile exited {proc.returncode}, expected 130; stderr {err}")
    if secs > 2:
        fail(f"Ctrl-C during the idle measurement took {secs:.1f} s to stop")
    recs = records(out)
    if not recs or recs[-1]["status"] != "interrupted":
        fail(f"expected an interrupted record, got {[r['status'] for r in recs]}")
    print(f"interrupt during idle: exit 130 after {secs:.2f} s")
    passed += 1
    print(f"{passed} passed, 0 failed")


if __name__ == "__main__":
    main()
