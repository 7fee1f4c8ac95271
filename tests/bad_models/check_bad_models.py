#!/usr/bin/env python3
"""Runs dnncost on every case of the bad-input corpus (made by make_bad_models.py) and checks the outcome.

For an "error" case: no signal, no hang (timeout), exit status 2 (model or usage error), stderr that starts with
exactly one "dnncost: error:" message containing every required substring, and nothing on stdout. An
"out_of_memory" case is the same with exit status 3 (the plan needs more than --max-memory). For an "ok"
case (positive control): exit 0 and no error. For "error_or_ok" (random corruption): one of the two.
Prints one line per case and a closing line "N passed, N failed".

With --strace, every case also runs under strace, and a file it opens is a failure when it lies outside the
case's folder (symlinks resolved) but inside the corpus, or is one of the hostile targets the corpus points at
(/etc/hostname, /proc/self/mem, /dev/zero), unless the command line names it: dnncost must never read outside
the model's folder.

usage: check_bad_models.py --dnncost BIN --corpus DIR [--valgrind VALGRIND | --strace STRACE] [--only SUBSTRING]
                           [--verbose]
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys

ERROR_STATUS = 2  # model or usage error (dnncost --help, "Exit status")
OUT_OF_MEMORY_STATUS = 3  # the plan needs more than --max-memory
ERROR_PREFIX = "dnncost: error: "
VALGRIND_OPTIONS = ["--tool=memcheck", "-q", "--error-exitcode=99", "--leak-check=full",
            "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite"]


def run_dnncost(cmd, timeout):
    """Runs cmd in its own process group; returns (returncode or None on timeout, stdout, stderr)."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return None, out.decode(errors="replace"), err.decode(errors="replace")


OPENED = re.compile(r'^\d+\s+(?:open|openat|openat2|creat)\((?:[^,]*, )?"((?:[^"\\]|\\.)*)".*\)\s+=\s+(\d+)')
HOSTILE_TARGETS = ("/etc/hostname", "/dev/zero")


def outside_reads(log_path, corpus, folder, argv):
    """Files a traced run opened outside the case's folder (see the module docstring)."""
    allowed = {os.path.realpath(a) for a in argv if os.path.exists(a)}
    corpus, folder = os.path.realpath(corpus), os.path.realpath(folder)
    bad = []
    with open(log_path, errors="replace") as f:
        for line in f:
            m = OPENED.match(line)
            if not m:
                continue
            real = os.path.realpath(m.group(1))
            inside_corpus = real == corpus or real.startswith(corpus + os.sep)
            inside_case = real == folder or real.startswith(folder + os.sep)
            hostile = real in HOSTILE_TARGETS or re.match(r"^/proc/[^/]+/mem$", real)
            if real not in allowed and ((inside_corpus and not inside_case) or hostile):
                bad.append(m.group(1) + (f" (-> {real})" if real != m.group(1) else ""))
    return bad


def check_case(case, result, contains, valgrind):
    """Returns a list of problems (empty when the case passes)."""
    rc, out, err = result
    problems = []
    if rc is None:
        return ["hang: no exit within the timeout (killed)"]
    if rc < 0:
        problems.append(f"killed by signal {-rc} ({signal.Signals(-rc).name})")
    if valgrind:
        tool_lines = [line for line in err.splitlines() if line.startswith("==")]
        if rc == 99 or tool_lines:
            problems.append("valgrind reported errors: " + " | ".join(tool_lines[:6]))
        err = "\n".join(line for line in err.splitlines() if not line.startswith("==")) + ("\n" if err else "")
    expect = case["expect"]
    if expect == "error_or_ok" and rc == 0:
        expect = "ok"
    if expect == "ok":
        if rc != 0:
            problems.append(f"exit status {rc}, expected 0: {err.strip()[:300]}")
        if "error" in err:
            problems.append("stderr mentions an error: " + err.strip()[:300])
        return problems
    want = OUT_OF_MEMORY_STATUS if expect == "out_of_memory" else ERROR_STATUS
    if rc is not None and rc >= 0 and rc != want:
        problems.append(f"exit status {rc}, expected {want}")
    n_messages = err.count("dnncost: error:")
    if not err.startswith(ERROR_PREFIX) or n_messages != 1:
        problems.append(f"stderr should be exactly one '{ERROR_PREFIX.strip()}' message, found {n_messages}: "
                        + repr(err[:300]))
    for bad in ("internal error", "libprotobuf", "terminate called", "Segmentation", "Aborted"):
        if bad in err:
            problems.append(f"stderr contains '{bad}'")
    for s in contains:
        if s not in err:
            problems.append(f"message lacks '{s}'")
    if out.strip():
        problems.append("stdout is not empty: " + repr(out[:200]))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dnncost", required=True, help="the dnncost executable")
    ap.add_argument("--corpus", required=True, help="folder written by make_bad_models.py")
    ap.add_argument("--valgrind", metavar="VALGRIND",
                    help="run the cases marked valgrind under this valgrind executable (memcheck)")
    ap.add_argument("--strace", metavar="STRACE",
                    help="run every case under this strace and fail on any file opened outside the case's folder")
    ap.add_argument("--only", default="", help="run the cases whose name contains this")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per case (x6 under valgrind)")
    ap.add_argument("--verbose", action="store_true", help="print each case's whole stderr")
    args = ap.parse_args()

    corpus = os.path.abspath(args.corpus)
    with open(os.path.join(corpus, "manifest.json")) as f:
        cases = json.load(f)["cases"]
    if args.valgrind:
        cases = [c for c in cases if c["valgrind"]]
    cases = [c for c in cases if args.only in c["name"]]
    timeout = args.timeout * (6 if args.valgrind else 1)

    passed = failed = skipped = 0
    for case in cases:
        name = case["name"]
        folder = os.path.join(corpus, name)
        argv = [a.replace("{case}", folder).replace("{corpus}", corpus) for a in case["args"]]
        contains = [s.replace("{case}", folder) for s in case["contains"]]
        note = ""
        if name == "unreadable_file" and os.geteuid() == 0:
            print(f"SKIP  {name}: running as root, every file is readable")
            skipped += 1
            continue
        cmd = ([args.valgrind, *VALGRIND_OPTIONS] if args.valgrind else []) + [args.dnncost, *argv]
        trace_log = os.path.join(corpus, "strace.log")
        if args.strace:
            cmd = [args.strace, "-f", "-qq", "-e", "trace=open,openat,openat2,creat", "-e", "signal=none",
                   "-o", trace_log] + cmd
        result = run_dnncost(cmd, timeout)
        problems = check_case(case, result, contains, args.valgrind)
        if args.strace:
            if not os.path.exists(trace_log) or os.path.getsize(trace_log) == 0:
                problems.append("strace wrote no trace (is ptrace allowed here?)")
            else:
                problems += ["opened outside the model's folder: " + p
                             for p in outside_reads(trace_log, corpus, folder, argv)]
        rc, out, err = result
        first = next((line for line in err.splitlines() if not line.startswith("==")), "")
        shown = first if first else (out.splitlines()[0] if out.strip() else "")
        if len(shown) > 160:
            shown = shown[:157] + "..."
        if problems:
            failed += 1
            print(f"FAIL  {name}{note}: rc={rc}; " + "; ".join(problems))
            print(f"      what: {case['what']}\n      stderr: {err.strip()[:600]!r}")
        else:
            passed += 1
            print(f"PASS  {name}{note}: rc={rc} {shown}")
        if args.verbose and err.strip():
            print("      " + err.strip().replace("\n", "\n      "))
    summary = f"{passed} passed, {failed} failed"
    print(summary + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
