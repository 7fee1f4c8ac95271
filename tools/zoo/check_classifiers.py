#!/usr/bin/python3
"""Checks dnncost on all of torchvision's classifiers (and the zoo's token models): counts, parity, cpu time.

    check_classifiers.py [NAME ...] [--out DIR] [--dnncost build/dnncost] [--opsets 17,13] [--redo | --redo-failed]
                         [--no-ref] [--table-only] [--markdown FILE]

Models: every manifest entry built by torchvision whose name torchvision.models.list_models(module=
torchvision.models) returns (the 80 of torchvision 0.14.1), and the token models (set "token"); or the NAMEs given.
Smallest first (MACs at batch 1), so that a partial run covers the most models. For each model:

  1. exports it at each opset into OUT/opset<N>/ in both forms (NAME: eval, BatchNorm folded; NAME-bn: BatchNorm
     preserved), with export_zoo.py's checks; an up-to-date export (same export key) is kept, not redone;
  2. `dnncost info --batch 1 [--dim seq=128] --json` on every export: imported params of NAME-bn == PyTorch's
     trainable count; MACs of every form and opset == tools/zoo/torch_macs.py's count of PyTorch's own convolutions
     and matrix products; unsupported ops are recorded as dnncost names them;
  3. `dnncost run --in test_data_set_0/input_0.pb` (batch 2, seeded input) on `cpu` for every export, and on `ref`
     for the eval form when the model has under 20 GFLOPs at batch 1 (dnncost's count): relative L2 error against
     PyTorch's output_0.pb <= 1e-4;
  4. `dnncost profile --device cpu --batch 1` on the opset-17 eval form: the median latency (ms).

Each model's record is appended to OUT/results.jsonl as soon as it is complete (one JSON line per model), so an
interrupted run resumes where it stopped: a model with a record is skipped (--redo: checked again; --redo-failed:
again when its record has a failure). Progress goes to stdout. At the end (and with --table-only, without checking
anything) the Markdown table of all records is written to OUT/classifiers.md (--markdown FILE: there too) and the
records to OUT/results.json; docs/MODELS.md carries that table below the `dnncost zoo table` part.

Run with Debian's Python (/usr/bin/python3: torch, torchvision, onnx, numpy).
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import onnx
import onnx.numpy_helper
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_zoo  # noqa: E402

MAX_REL_L2 = 1e-4
REF_MAX_FLOPS = 20e9
RUN_TIMEOUT_S = 3600
TABLE_BEGIN = "<!-- check_classifiers.py table: begin -->"
TABLE_END = "<!-- check_classifiers.py table: end -->"


def selected_entries(manifest, names):
    by_name = {m["name"]: m for m in manifest["models"]}
    if names:
        unknown = [n for n in names if n not in by_name]
        if unknown:
            sys.exit(f"check_classifiers.py: unknown model(s) {', '.join(unknown)}")
        return sorted((by_name[n] for n in names), key=lambda m: m["macs"])
    tv = set(torchvision.models.list_models(module=torchvision.models))
    chosen = [m for m in manifest["models"]
              if (m["builder"].startswith("torchvision.") and m["name"] in tv) or m.get("set") == "token"]
    missing = sorted(tv - {m["name"] for m in chosen})
    if missing:
        sys.exit(f"check_classifiers.py: the manifest lacks {', '.join(missing)}: run tools/zoo/gen_classifiers.py")
    return sorted(chosen, key=lambda m: m["macs"])


def read_records(path):
    records = {}
    if os.path.isfile(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    r = json.loads(line)
                    records[r["name"]] = r  # the last record of a model wins
    return records


def tensor(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return onnx.numpy_helper.to_array(t)


def first_lines(text, n=3, width=600):
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    out = " | ".join(lines[:n])
    return out[:width] + ("..." if len(out) > width else "")


def dim_args(entry):
    return [a for k, v in entry.get("dims", {}).items() for a in ("--dim", f"{k}={v}")]


def dnncost_info(dnncost, model_dir, entry, work):
    out = os.path.join(work, "info.json")
    if os.path.exists(out):
        os.remove(out)
    cmd = [dnncost, "info", os.path.join(model_dir, "model.onnx"), "--batch", "1", "--json", out] + dim_args(entry)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=RUN_TIMEOUT_S)
    if p.returncode != 0:
        return {"ok": False, "error": first_lines(p.stderr)}
    with open(out) as f:
        info = json.load(f)
    imported = info.get("imported_totals", info["totals"])
    return {"ok": True, "params": imported["params"], "macs": info["totals"]["macs"], "flops": info["totals"]["flops"]}


def dnncost_run(dnncost, model_dir, device, work):
    out_dir = os.path.join(work, f"run_{device}")
    os.makedirs(out_dir, exist_ok=True)
    data = os.path.join(model_dir, "test_data_set_0")
    cmd = [dnncost, "run", os.path.join(model_dir, "model.onnx"), "--device", device, "--in",
           os.path.join(data, "input_0.pb"), "--out", out_dir]
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {RUN_TIMEOUT_S} s"}
    seconds = round(time.monotonic() - start, 2)
    if p.returncode != 0:
        return {"ok": False, "error": first_lines(p.stderr), "seconds": seconds}
    got = tensor(os.path.join(out_dir, "output_0.pb")).astype(np.float64)
    want = tensor(os.path.join(data, "output_0.pb")).astype(np.float64)
    if got.shape != want.shape:
        return {"ok": False, "error": f"output shape {list(got.shape)}, PyTorch's {list(want.shape)}",
                "seconds": seconds}
    rel = float(np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-30))
    return {"ok": bool(rel <= MAX_REL_L2), "rel_l2": rel, "seconds": seconds}


def dnncost_cpu_ms(dnncost, model_dir, entry, work):
    rec = os.path.join(work, "profile.jsonl")
    if os.path.exists(rec):
        os.remove(rec)
    cmd = [dnncost, "profile", os.path.join(model_dir, "model.onnx"), "--device", "cpu", "--batch", "1", "--warmup",
           "1", "--min-iters", "3", "--min-time", "0", "--quiet", "--json", rec] + dim_args(entry)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=RUN_TIMEOUT_S)
    if p.returncode != 0 or not os.path.isfile(rec):
        return {"ok": False, "error": first_lines(p.stderr)}
    with open(rec) as f:
        r = json.loads(f.readline())
    if r.get("status") != "ok":
        return {"ok": False, "error": str(r.get("error", r.get("status")))[:600]}
    return {"ok": True, "median_ms": r["latency"]["median_ms"], "threads": r.get("device", {}).get("threads")}


def check_model(entry, args, digest):
    name = entry["name"]
    record = {"name": name, "title": entry.get("title", name), "family": entry.get("family", ""),
              "set": entry.get("set", "core"), "input": entry["input"], "dims": entry.get("dims", {}),
              "params_torch": entry["params"], "macs_torch": entry["macs"], "top1": (entry.get("top1") or {}).get(
                  "value"), "opsets": {}, "started": time.strftime("%Y-%m-%dT%H:%M:%S")}
    cache = {}
    start = time.monotonic()
    for opset in args.opsets:
        out_dir = os.path.join(args.out, f"opset{opset}")
        os.makedirs(out_dir, exist_ok=True)
        t0 = time.monotonic()
        ok = export_zoo.export_model(entry, out_dir, ["eval", "bn"], opset, digest, cache)
        o = {"export": {"ok": ok, "seconds": round(time.monotonic() - t0, 1)}, "forms": {}}
        record["opsets"][str(opset)] = o
        if not ok:
            print(f"[{name}] opset {opset}: export failed (messages above)", flush=True)
            continue
        for form, suffix in (("eval", ""), ("bn", "-bn")):
            model_dir = os.path.join(out_dir, name + suffix)
            work = os.path.join(args.out, "work", f"{name}{suffix}.{opset}")
            os.makedirs(work, exist_ok=True)
            f = {"info": dnncost_info(args.dnncost, model_dir, entry, work)}
            o["forms"][form] = f
            info = f["info"]
            if not info["ok"]:
                print(f"[{name}{suffix}] opset {opset}: info failed: {info['error'][:300]}", flush=True)
                continue
            f["macs_equal"] = info["macs"] == entry["macs"]
            if form == "bn":
                f["params_equal"] = info["params"] == entry["params"]
            f["cpu"] = dnncost_run(args.dnncost, model_dir, "cpu", work)
            if args.ref and form == "eval" and info["flops"] < REF_MAX_FLOPS:
                f["ref"] = dnncost_run(args.dnncost, model_dir, "ref", work)
            parity = ", ".join(f"{d} {f[d]['rel_l2']:.1e}" if "rel_l2" in f[d] else f"{d} failed: {f[d]['error'][:200]}"
                               for d in ("cpu", "ref") if d in f)
            print(f"[{name}{suffix}] opset {opset}: params {info['params']:,}, MACs {info['macs']:,} "
                  f"({'=' if f['macs_equal'] else '!='} torch_macs {entry['macs']:,}); {parity}", flush=True)
        if str(opset) == "17" or opset == args.opsets[0]:
            if "eval" in o["forms"] and o["forms"]["eval"]["info"]["ok"] and "cpu_ms" not in record:
                record["cpu_ms"] = dnncost_cpu_ms(args.dnncost, os.path.join(out_dir, name), entry,
                                                  os.path.join(args.out, "work", f"{name}.{opset}"))
                record["cpu_ms"]["opset"] = opset
    record["seconds"] = round(time.monotonic() - start, 1)
    record["passed"] = passed(record)
    return record


def passed(r):
    """True when every export imported with equal counts and every run matched."""
    for o in r["opsets"].values():
        if not o["export"]["ok"] or len(o["forms"]) < 2:
            return False
        for f in o["forms"].values():
            if not f["info"]["ok"] or not f["macs_equal"] or not f.get("params_equal", True):
                return False
            if any(not f[d]["ok"] for d in ("cpu", "ref") if d in f):
                return False
    return bool(r["opsets"])


def mark(values):
    """'✓' all true, '✗' some false, '-' none known."""
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    return "✓" if all(values) else "✗"


def worst_rel(r, device, forms=("eval", "bn")):
    vals, errors = [], 0
    for o in r["opsets"].values():
        for form, f in o["forms"].items():
            if form in forms and device in f:
                if "rel_l2" in f[device]:
                    vals.append(f[device]["rel_l2"])
                else:
                    errors += 1
    if errors:
        return "fails"
    return f"{max(vals):.1e}" if vals else "-"


def why_not(r):
    """The first reason a model does not pass, shortened for the notes."""
    for opset, o in sorted(r["opsets"].items(), reverse=True):
        if not o["export"]["ok"]:
            return f"opset {opset}: the export failed"
        for form, f in o["forms"].items():
            if not f["info"]["ok"]:
                return f"opset {opset}: {f['info']['error']}"
    for opset, o in sorted(r["opsets"].items(), reverse=True):
        for form, f in o["forms"].items():
            for d in ("cpu", "ref"):
                if d in f and not f[d]["ok"]:
                    return f"opset {opset} {form} on {d}: {f[d].get('error', 'relative L2 %.2e' % f[d].get('rel_l2', 0))}"
    return ""


def markdown(records, entries):
    order = [e["name"] for e in entries]
    titles = {e["name"]: e.get("title", e["name"]) for e in entries}
    rows = sorted(records.values(), key=lambda r: (order.index(r["name"]) if r["name"] in order else 1e9))
    done = sum(1 for r in rows if r["passed"])
    lines = [
        TABLE_BEGIN,
        "## torchvision's classifiers and the token models",
        "",
        f"Written by `tools/zoo/check_classifiers.py` ({len(rows)} of {len(entries)} models checked, {done} passing "
        "every check): each exported at opsets 17 and 13 in both forms (`NAME`, BatchNorm folded; `NAME-bn`, "
        "preserved) with seeded weights; **Params** from `dnncost info` on `NAME-bn` against PyTorch's count; "
        "**MACs** at batch 1 (token models at seq 128) from `dnncost info` on all four exports against "
        "`tools/zoo/torch_macs.py`'s count of PyTorch's own convolutions and matrix products (attention included); "
        "**cpu** / **ref**: the largest relative L2 error of `dnncost run` at batch 2 against PyTorch (cpu: all four "
        "exports; ref: the eval forms of models under 20 GFLOPs); bound 1e-4; **cpu ms**: `dnncost profile --device "
        "cpu --batch 1` median of 3 runs after 1 warm-up on the opset-17 eval form, on the machine that ran the script (a "
        "quick figure, noisy on a shared or loaded host: compare speeds with bench/ and docs/PERFORMANCE.md). Top-1: the DEFAULT "
        "weights' documented ImageNet acc@1 (manifest). Rerun: `/usr/bin/python3 tools/zoo/check_classifiers.py "
        "--out build/zoo/classifiers --dnncost build/dnncost` (resumable; `--redo` checks again).",
        "",
        "| Model | Family | Input | Params | = PyTorch | MACs (PyTorch) | = dnncost | cpu rel L2 | ref rel L2 | cpu ms | "
        "Top-1 % |",
        "|---|---|---|--:|:-:|--:|:-:|--:|--:|--:|--:|",
    ]
    notes = []
    for r in rows:
        bn_params = [f["info"]["params"] for o in r["opsets"].values() for k, f in o["forms"].items()
                     if k == "bn" and f["info"]["ok"]]
        params_eq = [f.get("params_equal") for o in r["opsets"].values() for k, f in o["forms"].items()
                     if k == "bn" and f["info"]["ok"]]
        macs_eq = [f.get("macs_equal") for o in r["opsets"].values() for f in o["forms"].values() if f["info"]["ok"]]
        size = (f"{r['input'][1]}x{r['input'][2]}" if len(r["input"]) == 3 and not isinstance(r["input"][1], str)
                else ", ".join(f"{k}={v}" for k, v in r["dims"].items()))
        ms = r.get("cpu_ms") or {}
        cpu_ms = f"{ms['median_ms']:.1f}" if ms.get("ok") else "-"
        top1 = r["top1"] if r["top1"] is not None else "-"
        lines.append(f"| {titles.get(r['name'], r['title'])} (`{r['name']}`) | {r['family']} | {size} | "
                     f"{bn_params[0] if bn_params else r['params_torch']:,} | {mark(params_eq)} | {r['macs_torch']:,} | "
                     f"{mark(macs_eq)} | {worst_rel(r, 'cpu')} | {worst_rel(r, 'ref')} | {cpu_ms} | {top1} |")
        reason = why_not(r)
        if reason:
            notes.append(f"- `{r['name']}`: {reason}")
    unchecked = [n for n in order if n not in records]
    if unchecked:
        lines += ["", f"Not checked yet ({len(unchecked)}): " + ", ".join(f"`{n}`" for n in unchecked) + "."]
    if notes:
        lines += ["", "Why a model does not pass (first reason, as dnncost or the exporter said it):", ""] + notes
    lines.append(TABLE_END)
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("names", nargs="*", metavar="NAME", help="only these models")
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    parser.add_argument("--out", default=os.path.join(root, "build", "zoo", "classifiers"),
                        help="exports, records and table (default %(default)s)")
    parser.add_argument("--dnncost", default=os.path.join(root, "build", "dnncost"), help="(default %(default)s)")
    parser.add_argument("--manifest", default=export_zoo.DEFAULT_MANIFEST)
    parser.add_argument("--opsets", default="17,13", help="comma-separated (default %(default)s)")
    parser.add_argument("--redo", action="store_true", help="check models that have a record again")
    parser.add_argument("--redo-failed", action="store_true", help="check models whose record has a failure again")
    parser.add_argument("--no-ref", dest="ref", action="store_false", help="no runs on the ref device")
    parser.add_argument("--table-only", action="store_true", help="write the table of the records, check nothing")
    parser.add_argument("--markdown", help="also write the table to this file (replacing the part between its "
                                           "markers when the file has them, e.g. docs/MODELS.md)")
    args = parser.parse_args()
    args.opsets = [int(v) for v in args.opsets.split(",") if v]
    manifest = export_zoo.load_manifest(args.manifest)
    entries = selected_entries(manifest, args.names)
    os.makedirs(args.out, exist_ok=True)
    results = os.path.join(args.out, "results.jsonl")
    records = read_records(results)
    if not args.table_only:
        if not os.access(args.dnncost, os.X_OK):
            sys.exit(f"check_classifiers.py: {args.dnncost} is not an executable (--dnncost)")
        digest = export_zoo.script_digest()
        todo = [e for e in entries if args.redo or e["name"] not in records
                or (args.redo_failed and not records[e["name"]]["passed"])]
        print(f"checking {len(todo)} of {len(entries)} models ({len(entries) - len(todo)} have records in {results})",
              flush=True)
        for k, e in enumerate(todo, 1):
            print(f"=== [{k}/{len(todo)}] {e['name']} ({e['macs'] / 1e9:.2f} GMACs) ===", flush=True)
            r = check_model(e, args, digest)
            records[e["name"]] = r
            with open(results, "a") as f:
                f.write(json.dumps(r) + "\n")
            print(f"[{e['name']}] {'PASS' if r['passed'] else 'FAIL'} in {r['seconds']:.0f} s", flush=True)
    table = markdown(records, entries)
    with open(os.path.join(args.out, "classifiers.md"), "w") as f:
        f.write(table)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(list(records.values()), f, indent=1)
    if args.markdown:
        text = open(args.markdown).read() if os.path.isfile(args.markdown) else ""
        if TABLE_BEGIN in text and TABLE_END in text:
            text = text[:text.index(TABLE_BEGIN)] + table + text[text.index(TABLE_END) + len(TABLE_END) + 1:]
        else:
            text += ("\n" if text else "") + table
        with open(args.markdown, "w") as f:
            f.write(text)
    print(f"table: {os.path.join(args.out, 'classifiers.md')}; records: {results}")
    failed = [r["name"] for r in records.values() if not r["passed"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
