#!/usr/bin/env python3
"""The floors of dnncost (docs/ARCHITECTURE.md): a source file includes only files of its own floor or below.

Reads the `#include "..."` lines of every C++/CUDA source under the project's folders and fails, naming the file,
the line and the include, for each include that runs back up (a floor including one above it), that names a
floor it may not see, or that matches no file of the project.

  check_layering.py ROOT          check the tree at ROOT (exit 1 and one line per violation)
  check_layering.py --self-test   check that a tree with an include running back up is caught
"""
import os
import re
import sys
import tempfile

# A source's unit is its folder, with kernels/ split in three: the shared host/device math (kernels/*.h, the
# floor under the layers), and the two devices' kernels (kernels/cpu, kernels/cuda, above the layers).
# unit -> the units it may include (itself always).
ALLOWED = {
    "core": set(),
    "kernels": {"core"},
    "layers": {"core", "kernels"},
    "kernels/cpu": {"core", "kernels", "layers"},
    "kernels/cuda": {"core", "kernels", "layers"},
    "engine": {"core", "kernels", "layers", "kernels/cpu", "kernels/cuda"},
    "importers": {"core"},
    "data": {"core"},
    "metrics": {"core", "kernels", "layers", "kernels/cpu", "kernels/cuda", "engine"},
    "report": {"core", "metrics"},
    "tools": {"core", "kernels", "layers", "kernels/cpu", "kernels/cuda", "engine", "importers", "data", "metrics",
              "report"},
}
# Files generated at build time, found through the build's include path.
GENERATED = {"onnx.pb.h"}
SOURCE_SUFFIXES = (".h", ".hpp", ".cpp", ".cc", ".cu", ".cuh")
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def unit_of(rel):
    """The unit of a path relative to the root ("engine/cpu/x.cpp" -> "engine"), or None outside the floors."""
    parts = rel.split("/")
    if len(parts) < 2 or parts[0] not in {u.split("/")[0] for u in ALLOWED}:
        return None
    if parts[0] == "kernels" and len(parts) > 2 and parts[1] in ("cpu", "cuda"):
        return "kernels/" + parts[1]
    return parts[0]


def check(root):
    problems = []
    for top in sorted({u.split("/")[0] for u in ALLOWED}):
        for folder, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if not name.endswith(SOURCE_SUFFIXES):
                    continue
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                unit = unit_of(rel)
                with open(path, encoding="utf-8", errors="replace") as f:
                    for lineno, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        inc = m.group(1)
                        if inc in GENERATED:
                            continue
                        beside = os.path.normpath(os.path.join(os.path.dirname(rel), inc)).replace(os.sep, "/")
                        if os.path.isfile(os.path.join(root, beside)) and "/" not in inc:
                            target = beside
                        elif os.path.isfile(os.path.join(root, inc)):
                            target = inc
                        else:
                            problems.append(f"{rel}:{lineno}: #include \"{inc}\" matches no file of the project")
                            continue
                        to = unit_of(target)
                        if to is None:
                            problems.append(f"{rel}:{lineno}: #include \"{inc}\" is outside the floors")
                        elif to != unit and to not in ALLOWED[unit]:
                            problems.append(f"{rel}:{lineno}: #include \"{inc}\": {unit}/ may not include {to}/ "
                                            f"(it may include: {', '.join(sorted(ALLOWED[unit])) or 'nothing of the project'})")
    return problems


def self_test():
    with tempfile.TemporaryDirectory() as root:
        def write(rel, text):
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w") as f:
                f.write(text)
        write("core/tensor.h", "#pragma once\n")
        write("layers/layer.h", '#include "core/tensor.h"\n')
        write("engine/plan.h", '#include "layers/layer.h"\n')
        assert check(root) == [], check(root)
        write("core/graph.h", '#pragma once\n#include "engine/plan.h"\n')
        write("kernels/cpu/conv.cpp", '#include "engine/plan.h"\n#include "missing.h"\n')
        found = check(root)
        expected = ['core/graph.h:2: #include "engine/plan.h"', 'kernels/cpu/conv.cpp:1: #include "engine/plan.h"',
                    'kernels/cpu/conv.cpp:2: #include "missing.h" matches no file']
        for e in expected:
            assert any(p.startswith(e) for p in found), (e, found)
        assert len(found) == 3, found
    print("self-test: the violations of a test tree are found and named")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    problems = check(argv[1])
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include(s) break the floors (docs/ARCHITECTURE.md)")
        return 1
    print("every include stays on its floor or goes down")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
