#!/usr/bin/python3
"""Faults during measurement, end to end on small generated models (Debian's onnx; a few seconds).

usage: check_faults.py DNNCOST WORK_DIR [CASE ...]

Cases (all by default):
  failing_layer    a model whose Gather index is out of range at run time, between two good models in one
                   `profile` sweep: its records say "error" naming the node, the sweep goes on, exit status 1
  memory_cap       --max-memory that batch 1 and 2 fit and batch 4096 does not: that record is out_of_memory and
                   names --max-memory, the model, the batch and the planned bytes; nothing was allocated; exit 1
  allocation_fails --max-memory none and a batch whose arena (64 TiB) cannot be allocated: out_of_memory, the
                   sweep goes on (skipped where the kernel overcommits memory without limit, or under ASan)
  sigterm          SIGTERM during a sweep: exit status 143, the record in progress says interrupted (SIGTERM)
  sigint           SIGINT during a sweep: exit status 130, likewise
  partial_line     a JSON Lines file whose last line was cut (a writer that died mid-line): new records start on
                   a line of their own
  run_exit_status  `run` above --max-memory: exit status 3, one message; `--help` documents the exit statuses
  eval_sigterm     SIGTERM during `eval`: exit status 143 and the partial result is printed
In every case every line of every JSON Lines file is valid JSON.
"""
import json
import os
import signal
import subprocess
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore", category=FutureWarning)
for _alias, _type in (("float", float), ("int", int), ("bool", bool), ("object", object)):
    if not hasattr(np, _alias):
        setattr(np, _alias, _type)

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

FAST = ["--warmup", "0", "--min-iters", "1", "--min-time", "0", "-q", "--no-peaks", "--power", "none"]


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def save(model, path):
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    return path


def make_model(nodes, inputs, outputs, inits=()):
    m = helper.make_model(helper.make_graph(nodes, "fault", inputs, outputs, initializer=list(inits)),
                          opset_imports=[helper.make_opsetid("", 17)], producer_name="check_faults")
    m.ir_version = 8
    return m


def good_model(path):
    """X [N, 64] -> MatMul [64, 64] -> Relu -> Y."""
    w = numpy_helper.from_array(np.eye(64, dtype=np.float32), "W")
    return save(make_model([helper.make_node("MatMul", ["X", "W"], ["M"], name="matmul"),
                            helper.make_node("Relu", ["M"], ["Y"], name="relu")],
                           [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 64])],
                           [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["N", 64])], [w]), path)


def failing_model(path):
    """Indices computed at run time from the input (profile's inputs are in [0, 1)): Cast(X * 100 + 10) is 10 or
    more, out of range for a 3-element table, so the Gather layer fails while running, not while planning."""
    table = numpy_helper.from_array(np.arange(3, dtype=np.float32), "table")
    k100 = numpy_helper.from_array(np.array(100, np.float32), "k100")
    k10 = numpy_helper.from_array(np.array(10, np.float32), "k10")
    return save(make_model([helper.make_node("Mul", ["X", "k100"], ["A"], name="scale"),
                            helper.make_node("Add", ["A", "k10"], ["B"], name="shift"),
                            helper.make_node("Cast", ["B"], ["I"], name="to_index", to=TensorProto.INT64),
                            helper.make_node("Gather", ["table", "I"], ["Y"], name="lookup", axis=0)],
                           [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 4])],
                           [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["N", 4])], [table, k100, k10]),
                path)


def slow_model(path, side=96, channels=64):
    """A convolution heavy enough on `ref` (tens of ms per image) for a signal to arrive mid-sweep."""
    w = numpy_helper.from_array(np.full((channels, 3, 7, 7), 0.01, np.float32), "W")
    return save(make_model([helper.make_node("Conv", ["X", "W"], ["C"], name="conv", pads=[3, 3, 3, 3]),
                            helper.make_node("GlobalAveragePool", ["C"], ["P"], name="gap"),
                            helper.make_node("Flatten", ["P"], ["Y"], name="flatten")],
                           [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 3, side, side])],
                           [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["N", channels])], [w]), path)


def wait_for_handler(pid, sig, timeout=60):
    """Waits until process `pid` catches `sig` (SigCgt in /proc/PID/status), so the signal tests the handler."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with open(f"/proc/{pid}/status") as f:
                caught = next(int(line.split()[1], 16) for line in f if line.startswith("SigCgt:"))
            if caught & (1 << (int(sig) - 1)):
                return
        except (OSError, StopIteration):
            pass
        time.sleep(0.02)
    raise Failure(f"process {pid} never installed a handler for {signal.Signals(sig).name}")


def records(path):
    """Every line of a JSON Lines file, parsed; raises Failure naming the first invalid line."""
    out = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise Failure(f"{path} line {n} is not valid JSON ({e}): {line[:120]!r}")
    return out


def fresh(path):
    """`path`, removed if a previous run left it (profile appends)."""
    if os.path.exists(path):
        os.remove(path)
    return path


def run(cmd, timeout=300):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def case_failing_layer(dnncost, work):
    good, bad = good_model(f"{work}/good.onnx"), failing_model(f"{work}/gather_out_of_range.onnx")
    out = fresh(f"{work}/failing_layer.jsonl")
    p = run([dnncost, "profile", good, bad, good, "--batch", "1,2", "--json", out] + FAST)
    recs = records(out)
    status = [r["status"] for r in recs]
    check(status == ["ok", "ok", "error", "error", "ok", "ok"], f"statuses {status}; stderr {p.stderr}")
    check(p.returncode == 1, f"exit status {p.returncode}, expected 1")
    for r in recs[2:4]:
        check("node 'lookup' (Gather)" in r["error"] and "out of range" in r["error"], f"error {r['error']!r}")
    check("node 'lookup' (Gather)" in p.stderr, "stderr does not name the failing node")
    return "a layer failing at run time is recorded as error naming node 'lookup' (Gather); the sweep went on"


def case_memory_cap(dnncost, work):
    good = good_model(f"{work}/good.onnx")
    out = fresh(f"{work}/memory_cap.jsonl")
    p = run([dnncost, "profile", good, "--batch", "1,4096,2", "--max-memory", "200K", "--json", out] + FAST)
    recs = records(out)
    status = [r["status"] for r in recs]
    check(status == ["ok", "out_of_memory", "ok"], f"statuses {status}; stderr {p.stderr}")
    check(p.returncode == 1, f"exit status {p.returncode}, expected 1")
    err = recs[1]["error"]
    for s in ("good.onnx", "at batch 4096", "--max-memory 200K", "204800 bytes", "nothing was allocated"):
        check(s in err, f"the out_of_memory record lacks {s!r}: {err!r}")
    check(recs[1]["memory_cap"] == {"bytes": 204800, "source": "--max-memory 200K"}, f"memory_cap {recs[1]}")
    check("costs" in recs[1] and "memory" not in recs[1], "the capped batch should have costs but no measurement")
    p = run([dnncost, "profile", good, "--batch", "1", "--json", out] + FAST)
    cap = records(out)[-1]["memory_cap"]
    check(p.returncode == 0 and cap["bytes"] and "MemAvailable" in cap["source"], f"default cap {cap}")
    return f"batch 4096 above --max-memory 200K recorded as out_of_memory; default cap {cap['bytes']} bytes"


def case_allocation_fails(dnncost, work):
    try:
        with open("/proc/sys/vm/overcommit_memory") as f:
            if f.read().strip() == "1":
                return "SKIP: vm.overcommit_memory=1 (a 64 TiB allocation would succeed and then be touched)"
    except OSError:
        pass
    if "asan" in os.path.basename(os.path.dirname(os.path.abspath(dnncost))) or os.environ.get("ASAN_OPTIONS"):
        return "SKIP: AddressSanitizer build (its allocator aborts on a 64 TiB request)"
    good = good_model(f"{work}/good.onnx")
    out = fresh(f"{work}/allocation_fails.jsonl")
    p = run([dnncost, "profile", good, "--batch", "1,268435456,2", "--max-memory", "none", "--json", out] + FAST)
    recs = records(out)
    status = [r["status"] for r in recs]
    check(status == ["ok", "out_of_memory", "ok"], f"statuses {status}; stderr {p.stderr}")
    check(p.returncode == 1, f"exit status {p.returncode}, expected 1")
    check("allocation failed" in recs[1]["error"], f"error {recs[1]['error']!r}")
    return "a failed 64 TiB allocation recorded as out_of_memory; the sweep went on"


def interrupted_sweep(dnncost, work, sig, expected_status, name):
    model = slow_model(f"{work}/slow.onnx")
    out = fresh(f"{work}/{name}.jsonl")
    proc = subprocess.Popen([dnncost, "profile", model, "--batch", "1,2,3,4", "--json", out, "-q", "--warmup", "0",
                             "--min-iters", "1", "--min-time", "1.5", "--no-peaks", "--power", "none"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and not (os.path.exists(out) and os.path.getsize(out) > 0):
        time.sleep(0.05)  # wait for the first record: the sweep is under way
    time.sleep(0.5)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    check(proc.returncode == expected_status, f"exit status {proc.returncode}, expected {expected_status}; {err}")
    recs = records(out)
    status = [r["status"] for r in recs]
    check(len(recs) >= 2 and status[0] == "ok" and status[-1] == "interrupted", f"statuses {status}")
    signame = signal.Signals(sig).name
    check(recs[-1].get("signal") == signame and signame in recs[-1]["error"], f"last record {recs[-1]}")
    check(f"interrupted by {signame}" in err, f"stderr {err!r}")
    return f"exit {proc.returncode}, {len(recs)} valid records, the last one interrupted by {signame}"


def case_sigterm(dnncost, work):
    return interrupted_sweep(dnncost, work, signal.SIGTERM, 143, "sigterm")


def case_sigint(dnncost, work):
    return interrupted_sweep(dnncost, work, signal.SIGINT, 130, "sigint")


def case_partial_line(dnncost, work):
    good = good_model(f"{work}/good.onnx")
    out = fresh(f"{work}/partial_line.jsonl")
    with open(out, "w") as f:
        f.write('{"status": "ok"}\n{"status": "o')  # a record cut by a crash of some other writer
    p = run([dnncost, "profile", good, "--batch", "1,2", "--json", out] + FAST)
    check(p.returncode == 0, f"exit status {p.returncode}: {p.stderr}")
    with open(out) as f:
        lines = f.read().splitlines()
    check(lines[1] == '{"status": "o', f"the cut line was changed: {lines[1]!r}")
    check(len(lines) == 4 and all(json.loads(line)["status"] == "ok" for line in lines[2:]), f"lines {lines}")
    return "new records start on their own line after a cut one"


def case_run_exit_status(dnncost, work):
    good = good_model(f"{work}/good.onnx")
    x = numpy_helper.from_array(np.ones((2, 64), np.float32), "X")
    with open(f"{work}/x.pb", "wb") as f:
        f.write(x.SerializeToString())
    p = run([dnncost, "run", good, "--in", f"{work}/x.pb", "--out", f"{work}/out", "--max-memory", "1K"])
    check(p.returncode == 3, f"exit status {p.returncode}, expected 3: {p.stderr}")
    check(p.stderr.count("dnncost: error:") == 1 and "--max-memory 1K" in p.stderr, f"stderr {p.stderr!r}")
    check(not os.path.exists(f"{work}/out/output_0.pb"), "an output was written")
    h = run([dnncost, "--help"])
    for s in ("Exit status", "3 out of memory", "--max-memory", "130", "143", "SIGTERM"):
        check(s in h.stdout, f"--help lacks {s!r}")
    return "run above --max-memory: exit 3; --help documents the exit statuses"


def case_eval_sigterm(dnncost, work):
    from PIL import Image
    images = f"{work}/eval_images"
    for k in range(3):
        os.makedirs(f"{images}/class{k}", exist_ok=True)
        for i in range(40):
            Image.new("RGB", (96, 96), (40 * k, 3 * i, 100)).save(f"{images}/class{k}/{i}.png")
    model = slow_model(f"{work}/slow_eval.onnx", side=96, channels=64)
    proc = subprocess.Popen([dnncost, "eval", model, "--images", images, "--resize", "0", "--crop", "96",
                             "--batch", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_handler(proc.pid, signal.SIGTERM)
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        return "SKIP: eval finished before the signal (a fast machine)"
    check(proc.returncode == 143, f"exit status {proc.returncode}, expected 143; {err}")
    check("interrupted" in out and "top-1" in out, f"no partial result printed: {out!r}")
    return "eval: exit 143 and the partial result printed"


CASES = {"failing_layer": case_failing_layer, "memory_cap": case_memory_cap,
         "allocation_fails": case_allocation_fails, "sigterm": case_sigterm, "sigint": case_sigint,
         "partial_line": case_partial_line, "run_exit_status": case_run_exit_status,
         "eval_sigterm": case_eval_sigterm}


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    dnncost, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    names = sys.argv[3:] or list(CASES)
    failed = 0
    for name in names:
        try:
            print(f"PASS  {name}: {CASES[name](dnncost, work)}")
        except (Failure, subprocess.TimeoutExpired) as e:
            failed += 1
            print(f"FAIL  {name}: {e}")
    print(f"{len(names) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
