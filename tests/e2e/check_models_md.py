#!/usr/bin/python3
"""Checks that docs/MODELS.md begins with what `dnncost zoo table --markdown` prints for the exported zoo's core set
(stdlib only); the part from the marker TABLE_BEGIN on is tools/zoo/check_classifiers.py's table of torchvision's
classifiers and the token models, which that script writes (--markdown docs/MODELS.md) and is not compared here.

    check_models_md.py DNNCOST MODELS_DIR DOC

The document names the models folder it was generated from (build/zoo/models); MODELS_DIR in the fresh output is
replaced by that name before comparing. Prints a unified diff and exits 1 when they differ: regenerate the file with
    build/dnncost zoo table --markdown --models build/zoo/models > docs/MODELS.md
"""

import difflib
import subprocess
import sys

DOC_MODELS_DIR = "build/zoo/models"
TABLE_BEGIN = "<!-- check_classifiers.py table: begin -->"


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    dnncost, models_dir, doc = sys.argv[1:]
    proc = subprocess.run([dnncost, "zoo", "table", "--markdown", "--models", models_dir], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        print(f"FAIL: dnncost zoo table exited with status {proc.returncode}")
        return 1
    fresh = proc.stdout.replace(f"--models {models_dir}", f"--models {DOC_MODELS_DIR}")
    try:
        with open(doc) as f:
            committed = f.read()
        if TABLE_BEGIN in committed:
            committed = committed[:committed.index(TABLE_BEGIN)].rstrip("\n") + "\n"
    except OSError as e:
        print(f"FAIL: cannot read {doc} ({e.strerror}); generate it: "
              f"build/dnncost zoo table --markdown --models {DOC_MODELS_DIR} > {doc}")
        return 1
    if fresh == committed:
        print(f"PASS: {doc} is what dnncost zoo table --markdown prints")
        return 0
    sys.stdout.writelines(difflib.unified_diff(committed.splitlines(True), fresh.splitlines(True), doc, "dnncost zoo table"))
    print(f"FAIL: {doc} differs from dnncost's table; regenerate it: "
          f"build/dnncost zoo table --markdown --models {DOC_MODELS_DIR} > {doc}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
