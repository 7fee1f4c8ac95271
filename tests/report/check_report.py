#!/usr/bin/python3
"""Checks `dnncost report` on the fixed records of this folder (stdlib only).

usage: check_report.py DNNCOST WORK_DIR [--keep-html PATH]

1. Records + eval + manifest: every study figure title is there, drawn or marked missing as expected (power:
   missing; the network without a per-layer pass: breakdown and roofline missing), the number of SVG charts,
   no "NaN"/"undefined"/"inf" in the page text, accuracy marked measured vs published with the source, the four
   findings with their verdicts and numbers, the failed configuration and the other device listed.
2. The same records with power numbers (profile_power.jsonl): the power figure is drawn with the idle line, the
   accuracy vs speed figure has iso-energy lines, findings 1 and 3 have verdicts with their numbers.
3. No manifest and no eval record: the accuracy figures say there is no accuracy data.
4. A JSON Lines file with a cut last line still gives a report, with a warning.
5. No records at all is an error (exit 2).
6. Records that differ only in "dims" (profile --dim seq=...): each binding is its own configuration (its own
   section, labelled "tok_s seq=128", with its own numbers), and the token models' figures are drawn: operations
   split into attention products and the rest, with the fitted exponents (2 and 1), and time vs sequence length;
   a network whose records lack macs_by_role is drawn unsplit and said so. Without dims they are absent.
"""
import html.parser
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RECORDS = os.path.join(HERE, "records", "profile.jsonl")
POWER_RECORDS = os.path.join(HERE, "records", "profile_power.jsonl")
DIMS_RECORDS = os.path.join(HERE, "records", "profile_dims.jsonl")
EVAL = os.path.join(HERE, "records", "tiny_a.eval.json")
MANIFEST = os.path.join(HERE, "manifest.json")
STUDY_TITLES = [
    "Top-1 accuracy per network",
    "Top-1 accuracy vs operations (bubble area = parameters)",
    "Time per image vs batch size",
    "Power vs batch size",
    "Memory vs batch size",
    "Memory vs parameters",
    "Operations vs inference time, per network",
    "Operations vs inference time, per layer",
    "Top-1 accuracy vs images per second",
    "Top-1 accuracy per parameter (information density)",
]
SEQUENCE_TITLES = ["Operations vs sequence length: attention products and the rest", "Time vs sequence length"]
MODELS = ["tiny_a", "tiny_b", "tiny_c", "tiny_d"]


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


class Page(html.parser.HTMLParser):
    """Collects the figures (id, title, missing flag, svg count), the visible text and the findings."""

    def __init__(self):
        super().__init__()
        self.figures = []  # dicts: id, missing, title, svgs
        self.svgs = 0
        self.text = []
        self.findings = []  # (verdict, text)
        self._in = []
        self._skip = 0
        self._fig = None
        self._h3 = False
        self._finding = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "figure":
            self._fig = {"id": a.get("id"), "missing": a.get("data-missing") == "true", "title": "", "svgs": 0}
            self.figures.append(self._fig)
        if tag == "svg":
            self.svgs += 1
            if "chart" not in (a.get("class") or ""):
                fail("an <svg> without class 'chart'")
            if self._fig is not None:
                self._fig["svgs"] += 1
        if tag == "h3" and self._fig is not None:
            self._h3 = True
        if tag == "li" and "data-verdict" in a:
            self._finding = [a["data-verdict"], ""]
            self.findings.append(self._finding)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        if tag == "figure":
            self._fig = None
        if tag == "h3":
            self._h3 = False
        if tag == "li":
            self._finding = None

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._h3 and self._fig is not None:
            self._fig["title"] += data
        if self._finding is not None:
            self._finding[1] += data


def report(dnncost, args, out, env=None, expect=0):
    if os.path.exists(out):
        os.remove(out)
    p = subprocess.run([dnncost, "report"] + args + ["--out", out], capture_output=True, text=True, timeout=120,
                       env=env)
    if p.returncode != expect:
        fail(f"report {args} exited {p.returncode}, expected {expect}: {p.stdout}{p.stderr}")
    return p


def parse(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    page = Page()
    page.feed(text)
    ids = re.findall(r'\bid="([^"]*)"', text)
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        fail(f"{path}: element ids used more than once: {dup}")
    bad = [i for i in ids if not re.fullmatch(r"[A-Za-z0-9_-]+", i)]
    if bad:
        fail(f"{path}: element ids with spaces or other characters: {bad}")
    return text, page


def check_text_clean(page, where):
    visible = "".join(page.text)
    for bad in (r"\bNaN\b", r"\bnan\b", r"undefined", r"\binf\b", r"\bInfinity\b", r"-nan"):
        m = re.search(bad, visible)
        if m:
            fail(f"{where}: '{m.group(0)}' in the page text: ...{visible[max(0, m.start() - 80):m.end() + 80]}...")


def full_report(dnncost, work):
    out = os.path.join(work, "report.html")
    p = report(dnncost, [RECORDS, EVAL, "--zoo-manifest", MANIFEST], out)
    text, page = parse(out)
    if not text.startswith("<!DOCTYPE html>"):
        fail("the page does not start with <!DOCTYPE html>")
    for ref in re.findall(r'(?:src|href)="([^"#][^"]*)"', text):
        fail(f"the page references an external resource: {ref}")
    by_title = {f["title"]: f for f in page.figures}
    for t in STUDY_TITLES:
        if t not in by_title:
            fail(f"no figure titled '{t}' (figures: {[f['title'] for f in page.figures]})")
    for t in SEQUENCE_TITLES:
        if t in by_title or "Token models" in text:
            fail(f"records without dims have a token models' figure '{t}'")
    for f in page.figures:
        if f["svgs"] != 1:
            fail(f"figure '{f['title']}' has {f['svgs']} SVG charts, expected 1")
    expected_missing = {"Power vs batch size", "Per-layer breakdown: tiny_d", "Roofline: tiny_d"}
    missing = {f["title"] for f in page.figures if f["missing"]}
    if missing != expected_missing:
        fail(f"figures marked without data: {sorted(missing)}, expected {sorted(expected_missing)}")
    for m in MODELS:
        for t in (f"Per-layer breakdown: {m}", f"Roofline: {m}"):
            if t not in by_title:
                fail(f"no figure '{t}'")
    n_figures = len(STUDY_TITLES) + 2 * len(MODELS)
    if page.svgs != n_figures or len(page.figures) != n_figures:
        fail(f"{page.svgs} SVG charts in {len(page.figures)} figures, expected {n_figures}")
    check_text_clean(page, "full report")
    visible = "".join(page.text)
    for needle in ("No data: these records hold no power measurements (rapl: RAPL absent: /sys/class/powercap does "
                   "not exist (test record))",
                   "tiny_a measured: dnncost eval on 500 images",
                   "tiny_b published: test manifest, published value B",
                   "no accuracy data for tiny_d",
                   "tiny_c batch 8: out_of_memory",
                   "cpu (1 records)",
                   "energy iso-lines need power",
                   "12 GFLOP/s (MatMul; MatMul 1024³: 12, 3×3 Conv: 10.1), 40 GB/s"):
        if needle not in visible:
            fail(f"the page does not say '{needle}'")
    if "the eval record wins" in visible:
        fail("tiny_a's published top-1 is shown although an eval record exists")
    # Memory vs parameters: memory = 4 bytes per parameter + 2 MB at batch 1 -> baseline 2 MB, slope 4 MB/M.
    if "fit: memory = 2.0 MB baseline + 4.00 MB per million parameters (R² = 1.000" not in visible:
        fail("memory vs parameters fit is not baseline 2.0 MB and slope 4.00 MB per million parameters")
    verdicts = [v for v, _ in page.findings]
    if verdicts != ["not-testable-here", "supported", "not-testable-here", "supported"]:
        fail(f"finding verdicts {verdicts}")
    if "No power data" not in page.findings[0][1] or "power" not in page.findings[2][1]:
        fail("findings 1 and 3 do not say that power data is missing")
    if not re.search(r"R² = 0\.\d{3} over 3 networks", page.findings[1][1]):
        fail(f"finding 2 has no hyperbolic fit R² over 3 networks: {page.findings[1][1]}")
    if "R² = 1.000 for time against FLOPs over all 12 runs" not in page.findings[3][1]:
        fail(f"finding 4 does not give R² 1.000 over the 12 runs: {page.findings[3][1]}")
    if "findings:" not in p.stdout or "[not testable here]" not in p.stdout:
        fail(f"the command did not print the findings: {p.stdout}")
    print(f"full report: ok ({page.svgs} charts, {len(missing)} without data, {len(text)} bytes)")
    return out


def with_power(dnncost, work):
    out = os.path.join(work, "power.html")
    report(dnncost, [POWER_RECORDS, EVAL, "--zoo-manifest", MANIFEST], out)
    _, page = parse(out)
    missing = {f["title"] for f in page.figures if f["missing"]}
    if missing != {"Per-layer breakdown: tiny_d", "Roofline: tiny_d"}:
        fail(f"with power: figures without data {sorted(missing)}")
    check_text_clean(page, "report with power")
    visible = "".join(page.text)
    for needle in ("idle: 20.0 W", "average power (W, rapl)", "iso-energy lines, energy per image = ",
                   "sensor rapl, idle 20.0 W"):
        if needle not in visible:
            fail(f"with power: the page does not say '{needle}'")
    verdicts = [v for v, _ in page.findings]
    if verdicts != ["supported", "supported", "supported", "supported"]:
        fail(f"with power: finding verdicts {verdicts}")
    # power = 60 W + 0.5 W per image of the batch + 0.5 W per GFLOP per image: mean 63.3 W over 12 configurations.
    if not re.search(r"Average power over 12 configurations \(rapl\): 63\.3 W with a coefficient of variation of "
                     r"0\.0\d\d; idle 20\.0 W", page.findings[0][1]):
        fail(f"finding 1: {page.findings[0][1]}")
    if "Spearman rank correlation 1.00" not in page.findings[2][1] or "tiny_a 0.6" not in page.findings[2][1]:
        fail(f"finding 3: {page.findings[2][1]}")
    print("with power: ok")


def no_accuracy(dnncost, work):
    out = os.path.join(work, "no_accuracy.html")
    env = dict(os.environ, DNNCOST_ZOO_MANIFEST=os.path.join(work, "no-such-manifest.json"))
    report(dnncost, [RECORDS], out, env=env)
    _, page = parse(out)
    missing = {f["title"] for f in page.figures if f["missing"]}
    for t in ("Top-1 accuracy per network", "Top-1 accuracy vs operations (bubble area = parameters)",
              "Top-1 accuracy vs images per second", "Top-1 accuracy per parameter (information density)"):
        if t not in missing:
            fail(f"without accuracy data, '{t}' is not marked missing")
    visible = "".join(page.text)
    if "no zoo manifest at" not in visible:
        fail("the page does not say that the zoo manifest is missing")
    check_text_clean(page, "report without accuracy")
    print("no accuracy data: ok")


def cut_line(dnncost, work):
    cut = os.path.join(work, "cut.jsonl")
    with open(RECORDS) as f:
        lines = f.read().splitlines()
    with open(cut, "w") as f:
        f.write("\n".join(lines[:5]) + "\n" + lines[5][: len(lines[5]) // 2])
    out = os.path.join(work, "cut.html")
    p = report(dnncost, [cut, "--zoo-manifest", MANIFEST], out)
    if "line 6: not valid JSON, skipped" not in p.stdout:
        fail(f"no warning about the cut line: {p.stdout}")
    _, page = parse(out)
    check_text_clean(page, "report from a cut file")
    empty = os.path.join(work, "empty.jsonl")
    open(empty, "w").close()
    p = report(dnncost, [empty], os.path.join(work, "empty.html"), expect=2)
    if "no dnncost records" not in p.stderr:
        fail(f"no records: unexpected message {p.stderr}")
    print("cut and empty record files: ok")


def with_dims(dnncost, work):
    out = os.path.join(work, "dims.html")
    report(dnncost, [DIMS_RECORDS, "--zoo-manifest", MANIFEST], out)
    text, page = parse(out)
    check_text_clean(page, "report with dims")
    by_title = {f["title"]: f for f in page.figures}
    for t in SEQUENCE_TITLES:
        if t not in by_title or by_title[t]["missing"]:
            fail(f"with dims: no drawn figure '{t}' (figures: {sorted(by_title)})")
    configs = [f"tok_s seq={s}" for s in (64, 128, 256, 512)] + [f"tok_m seq={s}" for s in (64, 128, 256, 512)] + \
        ["tok_old seq=64", "tok_old seq=128", "tok_fix seq=128"]
    sections = re.findall(r'<h3 class="model-title">([^<]*)</h3>', text)
    if sorted(sections) != sorted(configs):
        fail(f"with dims: per-network sections {sections}, expected one per binding {configs}")
    for c in configs:
        if f"Per-layer breakdown: {c}" not in by_title:
            fail(f"with dims: no breakdown figure for '{c}'")
    n_figures = len(STUDY_TITLES) + len(SEQUENCE_TITLES) + 2 * len(configs)
    if page.svgs != n_figures or len(page.figures) != n_figures:
        fail(f"with dims: {page.svgs} SVG charts in {len(page.figures)} figures, expected {n_figures}")
    visible = "".join(page.text)
    # Each binding keeps its own numbers: tok_s at batch 1, seq 512: 2 x (2 x 512^2 x 64 + 12 x 512 x 64^2) MACs.
    macs = 2 * (2 * 512 * 512 * 64 + 12 * 512 * 64 * 64)
    ms = 10.0 * 2 * macs / 1e9 + 1.0
    section = text[text.index('id="model-tok_s-seq-512"'):]
    section = section[:section.index("</section>")]
    if f"<tr><td>1</td><td>{ms:.3f}</td>" not in section:
        fail(f"with dims: the section of tok_s seq=512 does not have batch 1 at {ms:.3f} ms")
    for needle in ("tok_s (batch 1): attention MACs ∝ seq^2.00, the rest ∝ seq^1.00",
                   "tok_m (batch 1): attention MACs ∝ seq^2.00, the rest ∝ seq^1.00",
                   "tok_s: QKᵀ + AV", "tok_m: the rest", "tok_old: all MACs",
                   "tok_old (batch 1): its records have no costs.macs_by_role",
                   "tok_s (batch 1): time ∝ seq^", "Token models: cost and time vs sequence length"):
        if needle not in visible:
            fail(f"with dims: the page does not say '{needle}'")
    if "tok_fix: " in visible or "tok_fix (batch" in visible:
        fail("with dims: tok_fix, measured at one seq only, is drawn as a series")
    # Attention share at seq 512 for tok_s: 2 s^2 d / (2 s^2 d + 12 s d^2) = 2 * 512 / (2 * 512 + 12 * 64) = 57.1 %.
    if "attention 57.1 % of the MACs at seq=512" not in visible:
        fail("with dims: tok_s's attention share at seq=512 is not 57.1 %")
    if 'href="#sequence"' not in text:
        fail("with dims: the contents do not link the token models' section")
    print(f"with dims: ok ({len(configs)} configurations, {page.svgs} charts)")


def main():
    dnncost, work = sys.argv[1:3]
    os.makedirs(work, exist_ok=True)
    full_report(dnncost, work)
    with_power(dnncost, work)
    no_accuracy(dnncost, work)
    cut_line(dnncost, work)
    with_dims(dnncost, work)
    print("PASS")


if __name__ == "__main__":
    main()
