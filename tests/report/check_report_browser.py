#!/usr/bin/python3
"""Opens a `dnncost report` page in headless Chromium (Debian's `chromium`) and checks that it draws.

usage: check_report_browser.py DNNCOST WORK_DIR

The report is made from the fixed records of this folder (profile.jsonl, the token models' profile_dims.jsonl and
the eval record), then loaded with
  chromium --headless --disable-gpu --no-sandbox --dump-dom --enable-logging=stderr --v=0
The page's own scripts record JavaScript errors (data-js-errors) and, after loading, count the SVG charts
whose drawing box is not empty (data-charts-drawn of data-charts). Checks: every chart draws, no JavaScript
error, no console message from the page, no NaN/undefined in the rendered text; then a screenshot is taken and
must be a non-trivial PNG. Exit status 77 (ctest: skipped) when Chromium is not installed or cannot start here,
with the reason.
"""
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77
# 10 study figures + 2 token models' figures + 2 per configuration x (4 networks + 11 bindings of seq)
EXPECTED_CHARTS = 10 + 2 + 2 * (4 + 11)


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(SKIP)


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    skip("no Chromium on this machine (Debian package 'chromium'; scripts/setup.sh installs it)")


def run_browser(browser, args, work, timeout=120):
    env = dict(os.environ, HOME=work)  # a profile folder it may write
    cmd = [browser, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-extensions",
           f"--user-data-dir={os.path.join(work, 'chromium-profile')}"] + args
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        skip(f"Chromium did not finish within {timeout} s here: {' '.join(cmd)}")


def main():
    dnncost, work = sys.argv[1:3]
    os.makedirs(work, exist_ok=True)
    browser = chromium()
    page = os.path.join(work, "browser_report.html")
    p = subprocess.run([dnncost, "report", os.path.join(HERE, "records", "profile.jsonl"),
                        os.path.join(HERE, "records", "profile_dims.jsonl"),
                        os.path.join(HERE, "records", "tiny_a.eval.json"), "--zoo-manifest",
                        os.path.join(HERE, "manifest.json"), "--out", page, "--quiet"],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        fail(f"dnncost report exited {p.returncode}: {p.stderr}")
    url = "file://" + os.path.abspath(page)

    p = run_browser(browser, ["--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom", url],
                    work)
    dom = p.stdout
    if p.returncode != 0 or "<html" not in dom:
        skip(f"Chromium could not load the page here (exit {p.returncode}): {p.stderr[-600:]}")
    console = [line for line in p.stderr.splitlines() if "CONSOLE" in line and "browser_report.html" in line]
    if console:
        fail("console messages from the page:\n" + "\n".join(console))
    m = re.search(r'data-js-errors="([^"]*)"', dom)
    if m:
        fail(f"JavaScript errors: {m.group(1)}")
    drawn = re.search(r'data-charts-drawn="(\d+)"', dom)
    total = re.search(r'data-charts="(\d+)"', dom)
    if not drawn or not total:
        fail("the page's draw check did not run (no data-charts-drawn attribute in the DOM)")
    drawn, total = int(drawn.group(1)), int(total.group(1))
    if total != EXPECTED_CHARTS or drawn != total:
        fail(f"{drawn} of {total} SVG charts drawn, expected {EXPECTED_CHARTS} of {EXPECTED_CHARTS}")
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", dom, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    for bad in (r"\bNaN\b", r"\bundefined\b", r"\binf\b", r"\bInfinity\b"):
        if re.search(bad, text):
            fail(f"'{bad}' in the rendered text")

    shot = os.path.join(work, "browser_report.png")
    if os.path.exists(shot):
        os.remove(shot)
    p = run_browser(browser, ["--hide-scrollbars", "--window-size=1120,3000", f"--screenshot={shot}", url], work)
    if not os.path.exists(shot):
        fail(f"no screenshot written (exit {p.returncode}): {p.stderr[-600:]}")
    with open(shot, "rb") as f:
        head = f.read(24)
    size = os.path.getsize(shot)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or size < 20000:
        fail(f"the screenshot is not a plausible PNG ({size} bytes)")
    width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    print(f"chromium: {drawn}/{total} charts drawn, no console message or JavaScript error; screenshot "
          f"{width}x{height}, {size} bytes")
    print("PASS")


if __name__ == "__main__":
    main()
