#!/usr/bin/python3
"""Converts exported zoo models to newer opsets (tools/zoo/convert_opset.py, onnx's version converter) and checks
that dnncost reads the converted files exactly as the originals (stdlib only; the conversion runs in the venv).

    check_opsets.py --dnncost BIN --compare BIN --models DIR --work DIR [--venv-python PY]
                    [--opsets 18 19 20 21] [--device cpu] [--bound 1e-4] [--table FILE] MODEL [MODEL ...]

MODEL is a folder name under --models (an export of `dnncost zoo export`: model.onnx, test_data_set_0/), or "all"
for every exported model there. For each model and opset:
  - convert_opset.py writes WORK/<model>/opset<N>/ (the converted model.onnx and a copy of the test data);
  - `dnncost info --json` of the converted file gives the same totals and imported_totals as the original's
    (params, MACs, FLOPs, activation bytes, layers, ...), and the same per-layer MACs and FLOPs; only the node
    counts and weight bytes may grow by the small index tensors newer op forms take as inputs (ReduceMean-18's
    axes: a Constant node of 16 bytes), never params;
  - `dnncost run --device D` of the converted file gives the original file's dnncost output (relative L2 <= 1e-6)
    and PyTorch's output stored with the export (relative L2 <= --bound).
The venv python is --venv-python, else $DNNCOST_VENV_PYTHON, else /opt/dnncost-venv/bin/python (scripts/setup.sh);
without it, or with an onnx too old for the highest opset asked, the script prints why and exits 77 (skipped).
Prints one PASS/FAIL line per check and, with --table, writes a Markdown table of the results. Exit 1 on a failure.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CONVERTER = os.path.join(HERE, "convert_opset.py")
SKIP = 77
SAME_OUTPUT_BOUND = 1e-6  # converted vs original file on the same device: the same graph, the same kernels


def venv_problem(python, max_opset):
    """None when `python` has an onnx whose version converter reaches max_opset, else why not."""
    if not python or not os.path.isfile(python) or not os.access(python, os.X_OK):
        return (f"no venv python at {python or '(unset)'}: scripts/setup.sh creates it (/opt/dnncost-venv, a current "
                "onnx from PyPI); Debian's onnx 1.12 cannot convert to opsets above 17")
    probe = subprocess.run([python, "-c", "import onnx, onnx.defs; print(onnx.__version__, onnx.defs.onnx_opset_version())"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if probe.returncode != 0:
        return f"{python} cannot import onnx: {probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else '?'}"
    version, opset = probe.stdout.split()
    if int(opset) < max_opset:
        return f"{python} has onnx {version}, whose newest opset is {opset} < {max_opset}"
    return None


def run(command, log):
    log.write("$ " + " ".join(command) + "\n")
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log.write(proc.stdout)
    return proc


def info(dnncost, model, json_path, log):
    proc = run([dnncost, "info", model, "--batch", "1", "--json", json_path, "--quiet"], log)
    if proc.returncode != 0:
        return None, proc.stdout.strip()
    with open(json_path) as f:
        return json.load(f), ""


def layer_costs(doc):
    return [(layer.get("op"), layer.get("macs"), layer.get("flops")) for layer in doc.get("layers", [])]


# Counts a converted file may change: newer op forms take index lists as input tensors (ReduceMean-18's axes, Pad-18's
# axes) where the older ones had attributes. The converter writes them as Constant nodes (folded at plan time) or
# initializers, which dnncost counts as nodes and as weight bytes read, never as params. Within this many bytes.
SMALL_CONSTANTS = {"imported_nodes", "folded_nodes", "executed_nodes", "weight_bytes", "bytes_read"}
SMALL_CONSTANT_BYTES = 4096


def compare_info(orig, conv):
    """(differences, notes) between two info documents: every count must be equal (params, MACs, FLOPs, activation
    bytes, layers, ...), but for nodes and weight bytes of small constant index tensors, which go into notes."""
    diffs, notes = [], []
    for section in ("totals", "imported_totals"):
        a, b = orig.get(section, {}), conv.get(section, {})
        for key in sorted(set(a) | set(b)):
            if a.get(key) == b.get(key):
                continue
            text = f"{section}.{key} {a.get(key)} -> {b.get(key)}"
            small = (key in SMALL_CONSTANTS and isinstance(a.get(key), int) and isinstance(b.get(key), int) and
                     0 <= b[key] - a[key] <= (SMALL_CONSTANT_BYTES if key.endswith("bytes") or key.endswith("read")
                                              else 64))
            (notes if small else diffs).append(text)
    if layer_costs(orig) != layer_costs(conv):
        diffs.append("per-layer (op, MACs, FLOPs) differ")
    return diffs, notes


def compare(compare_bin, got, want, bound, log):
    """(within the bound, "relative L2 error E" or compare_tensors' last line)."""
    proc = run([compare_bin, got, want, "--max-rel-l2", str(bound)], log)
    found = re.search(r"relative L2 error (\S+)", proc.stdout)
    if found:
        return proc.returncode == 0, f"relative L2 error {found.group(1).rstrip(',')} (bound {bound:g})"
    return proc.returncode == 0, proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dnncost", required=True)
    ap.add_argument("--compare", required=True, help="the compare_tensors executable (tests/e2e)")
    ap.add_argument("--models", required=True, help="folder of exported zoo models")
    ap.add_argument("--work", required=True)
    ap.add_argument("--venv-python", default=os.environ.get("DNNCOST_VENV_PYTHON", "/opt/dnncost-venv/bin/python"))
    ap.add_argument("--opsets", type=int, nargs="+", default=[18, 19, 20, 21])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--bound", type=float, default=1e-4, help="relative L2 bound against PyTorch's output")
    ap.add_argument("--keep", action="store_true", help="keep the converted models (default: removed when passed)")
    ap.add_argument("--table", help="write a Markdown table of the results here")
    ap.add_argument("model", nargs="+")
    args = ap.parse_args()

    problem = venv_problem(args.venv_python, max(args.opsets))
    if problem:
        print(f"skipped: {problem}")
        return SKIP
    names = args.model
    if names == ["all"]:
        names = sorted(d for d in os.listdir(args.models) if os.path.isfile(os.path.join(args.models, d, "model.onnx")))
    os.makedirs(args.work, exist_ok=True)
    failures, rows = 0, []
    for name in names:
        src = os.path.join(args.models, name)
        data = os.path.join(src, "test_data_set_0")
        if not os.path.isfile(os.path.join(src, "model.onnx")) or not os.path.isfile(os.path.join(data, "input_0.pb")):
            print(f"FAIL {name}: {src}/model.onnx or its test_data_set_0 is missing; export it first "
                  "(dnncost zoo export NAME --models DIR)")
            failures += 1
            continue
        work = os.path.join(args.work, name)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        with open(os.path.join(work, "log.txt"), "w") as log:
            orig, err = info(args.dnncost, os.path.join(src, "model.onnx"), os.path.join(work, "info.json"), log)
            if orig is None:
                print(f"FAIL {name}: dnncost info of the original failed: {err}")
                failures += 1
                continue
            orig_out = os.path.join(work, "original_out")
            proc = run([args.dnncost, "run", os.path.join(src, "model.onnx"), "--device", args.device, "--in",
                        os.path.join(data, "input_0.pb"), "--out", orig_out], log)
            if proc.returncode != 0:
                print(f"FAIL {name}: dnncost run of the original failed: {proc.stdout.strip()}")
                failures += 1
                continue
            for opset in args.opsets:
                dst = os.path.join(work, f"opset{opset}")
                label = f"{name} opset {opset}"
                start = time.monotonic()
                proc = run([args.venv_python, CONVERTER, src, dst, "--opset", str(opset), "--summary"], log)
                if proc.returncode != 0:
                    print(f"FAIL {label}: convert_opset.py failed (see {log.name})")
                    failures += 1
                    continue
                changed = proc.stdout.strip().splitlines()[-1].replace("changed:", "").strip()
                conv, err = info(args.dnncost, os.path.join(dst, "model.onnx"), os.path.join(dst, "info.json"), log)
                if conv is None:
                    print(f"FAIL {label}: dnncost info failed: {err}")
                    failures += 1
                    rows.append((name, opset, changed, "info fails", "", ""))
                    continue
                diffs, notes = compare_info(orig, conv)
                if conv.get("opset") != opset:
                    diffs.append(f"info reports opset {conv.get('opset')}")
                ok_info = not diffs
                print(f"{'PASS' if ok_info else 'FAIL'} {label}: info totals "
                      f"{'equal the original' if ok_info else 'differ: ' + '; '.join(diffs)} "
                      f"(MACs {conv['totals'].get('macs')}, params {conv['totals'].get('params')}; ops changed: "
                      f"{changed})" + (f"; constant index tensors added: {'; '.join(notes)}" if notes else ""))
                out = os.path.join(dst, "out")
                proc = run([args.dnncost, "run", os.path.join(dst, "model.onnx"), "--device", args.device, "--in",
                            os.path.join(data, "input_0.pb"), "--out", out], log)
                if proc.returncode != 0:
                    print(f"FAIL {label}: dnncost run --device {args.device} failed: {proc.stdout.strip()}")
                    failures += 1 + (not ok_info)
                    rows.append((name, opset, changed, "yes" if ok_info else "no", "run fails", ""))
                    continue
                ok_same, same = compare(args.compare, os.path.join(out, "output_0.pb"),
                                        os.path.join(orig_out, "output_0.pb"), SAME_OUTPUT_BOUND, log)
                ok_torch, torch = compare(args.compare, os.path.join(out, "output_0.pb"),
                                          os.path.join(data, "output_0.pb"), args.bound, log)
                print(f"{'PASS' if ok_same else 'FAIL'} {label}: run --device {args.device} vs the original file's: "
                      f"{same}")
                print(f"{'PASS' if ok_torch else 'FAIL'} {label}: run --device {args.device} vs PyTorch: {torch} "
                      f"({time.monotonic() - start:.1f} s)")
                failures += (not ok_info) + (not ok_same) + (not ok_torch)
                rows.append((name, opset, changed, "yes" if ok_info else "no",
                             same.replace("relative L2 error ", "").split(" (")[0],
                             torch.replace("relative L2 error ", "").split(" (")[0]))
                if ok_info and ok_same and ok_torch and not args.keep:
                    shutil.rmtree(dst, ignore_errors=True)
    if args.table:
        with open(args.table, "w") as f:
            f.write(f"| model | opset | ops the converter changed | info totals equal | {args.device}: rel. L2 vs the "
                    "original file | vs PyTorch |\n|---|---|---|---|---|---|\n")
            for row in rows:
                f.write("| " + " | ".join(str(c) for c in row) + " |\n")
    print(f"check_opsets: {len(names)} models x opsets {args.opsets} on {args.device}: "
          f"{'all passed' if not failures else str(failures) + ' failed checks'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
