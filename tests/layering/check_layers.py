#!/usr/bin/env python3
"""Checks that no library module includes a higher layer, and that the pure library has no Asio.

Usage: check_layers.py SOURCE_DIR     check the project at SOURCE_DIR (exit 1 on any violation)
       check_layers.py --self-test    check the checker on small trees made in a temporary directory

Every module (a directory of lib/include/llmpace/ or lib/src/) has a place in LAYERS, lowest first;
its files may include "llmpace/<module>/..." headers of its own module and of lower ones only. A
module missing from LAYERS is an error, so a new module must be placed (here and in the layering
section of docs/architecture.md). The modules that lib/CMakeLists.txt lists as
LLMPACE_PURE_MODULES must sit below every other one and include no Boost or Asio header.
"""

import pathlib
import re
import sys
import tempfile

# Lowest first: the pure library (llmpace_pure), then the network library (llmpace_net).
LAYERS = [
    "core",
    "sse",
    "metrics",
    "openai",
    "tokenizer",
    "workload",
    "profile",
    "telemetry",
    "report",
    "scenario",
    "suite",
    "http",
    "engine",
    "sim",
    "plan",
    "prom",
]

# Narrower than their layer: these modules may include only the modules listed (and their own).
MAY_INCLUDE_ONLY = {
    "http": {"core"},  # the HTTP client moves bytes; what they measure is not its business
}

SOURCE_SUFFIXES = {".hpp", ".h", ".ipp", ".cpp", ".cc"}
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')
LLMPACE_INCLUDE = re.compile(r"^llmpace/([^/]+)/")
ASIO_INCLUDE = re.compile(r"^(boost/|asio\.hpp$|asio/)")
PURE_MODULES = re.compile(r"set\(\s*LLMPACE_PURE_MODULES\s+([^)]*)\)")


def pure_modules(source_dir):
    cmake = source_dir / "lib" / "CMakeLists.txt"
    found = PURE_MODULES.search(cmake.read_text(encoding="utf-8"))
    if not found:
        raise SystemExit(f"{cmake}: no set(LLMPACE_PURE_MODULES ...) found")
    return found.group(1).split()


def module_files(source_dir, module):
    lib = source_dir / "lib"
    for root in (lib / "include" / "llmpace" / module, lib / "src" / module):
        if root.is_dir():
            yield from sorted(p for p in root.rglob("*") if p.suffix in SOURCE_SUFFIXES)


def check(source_dir):
    """Returns (violations, number of files checked, number of modules)."""
    source_dir = pathlib.Path(source_dir)
    rank = {module: index for index, module in enumerate(LAYERS)}
    violations = []

    modules = set()
    for parent in (source_dir / "lib" / "include" / "llmpace", source_dir / "lib" / "src"):
        if parent.is_dir():
            modules.update(p.name for p in parent.iterdir() if p.is_dir())
    pure = pure_modules(source_dir)
    for module in sorted(modules | set(pure)):
        if module not in rank:
            violations.append(
                f"module '{module}' has no layer: place it in LAYERS in tests/layering/"
                "check_layers.py and in the layering section of docs/architecture.md")
    placed_pure = [m for m in pure if m in rank]
    for module in sorted(modules - set(pure)):
        if module in rank and placed_pure and rank[module] < max(rank[m] for m in placed_pure):
            violations.append(
                f"module '{module}' is not in LLMPACE_PURE_MODULES but sits below pure modules "
                "in LAYERS: the pure library must be the bottom layers")

    files = 0
    for module in sorted(modules):
        for path in module_files(source_dir, module):
            files += 1
            relative = path.relative_to(source_dir)
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            for number, line in enumerate(lines, start=1):
                include = INCLUDE.match(line)
                if not include:
                    continue
                header = include.group(1)
                where = f"{relative}:{number}"
                if module in pure and ASIO_INCLUDE.match(header):
                    violations.append(
                        f"{where}: includes <{header}>, but '{module}' is in the pure library "
                        "(no Boost, no Asio)")
                target = LLMPACE_INCLUDE.match(header)
                if not target:
                    continue
                included = target.group(1)
                if included not in rank:
                    violations.append(f"{where}: includes {header} of module '{included}', which "
                                      "has no layer")
                elif module in rank and rank[included] > rank[module]:
                    violations.append(
                        f"{where}: '{module}' includes {header} of the higher layer "
                        f"'{included}' (layers, lowest first: {' < '.join(LAYERS)})")
                elif module in MAY_INCLUDE_ONLY and included != module and (
                        included not in MAY_INCLUDE_ONLY[module]):
                    allowed = ", ".join(sorted(MAY_INCLUDE_ONLY[module]))
                    violations.append(f"{where}: '{module}' includes {header}, but it may include "
                                      f"only {allowed} (MAY_INCLUDE_ONLY)")
    return violations, files, len(modules)


# --- self-test ---------------------------------------------------------------------------------

def make_tree(root, files, pure="core metrics report"):
    root = pathlib.Path(root)
    (root / "lib").mkdir(parents=True)
    (root / "lib" / "CMakeLists.txt").write_text(
        f"set(LLMPACE_PURE_MODULES {pure})\nset(LLMPACE_NET_MODULES http)\n")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def self_test():
    clean = {
        "lib/include/llmpace/core/time.hpp": "#pragma once\n#include <chrono>\n",
        "lib/include/llmpace/metrics/record.hpp": '#include "llmpace/core/time.hpp"\n',
        "lib/src/report/report.cpp": ('#include "llmpace/report/report.hpp"\n'
                                      '#include "llmpace/metrics/record.hpp"\n'),
        "lib/src/http/connection.cpp": ('#include <boost/asio.hpp>\n'
                                        '#include "llmpace/core/time.hpp"\n'),
        "lib/src/engine/runner.cpp": '#include "llmpace/report/report.hpp"\n',
    }
    cases = [
        ("a clean tree", clean, "core metrics report", []),
        ("a lower module including a higher one",
         {**clean, "lib/src/metrics/summary.cpp": '#include "llmpace/core/time.hpp"\n'
                                                  '  #  include <llmpace/report/report.hpp>\n'},
         "core metrics report",
         ["lib/src/metrics/summary.cpp:2: 'metrics' includes llmpace/report/report.hpp of the "
          "higher layer 'report'"]),
        ("a pure module including Boost",
         {**clean,
          "lib/include/llmpace/core/clock.hpp": "#include <boost/asio/steady_timer.hpp>\n"},
         "core metrics report",
         ["lib/include/llmpace/core/clock.hpp:1: includes <boost/asio/steady_timer.hpp>, but "
          "'core' is in the pure library"]),
        ("http including more than core",
         {**clean,
          "lib/include/llmpace/http/connection.hpp": ('#include "llmpace/core/time.hpp"\n'
                                                      '#include "llmpace/metrics/record.hpp"\n')},
         "core metrics report",
         ["lib/include/llmpace/http/connection.hpp:2: 'http' includes llmpace/metrics/record.hpp, "
          "but it may include only core"]),
        ("a module without a layer",
         {**clean, "lib/src/cluster/merge.cpp": '#include "llmpace/core/time.hpp"\n'},
         "core metrics report cluster",
         ["module 'cluster' has no layer"]),
        ("a network module below a pure one", clean, "core report",
         ["module 'metrics' is not in LLMPACE_PURE_MODULES but sits below pure modules"]),
    ]
    failures = 0
    for name, files, pure, expected in cases:
        with tempfile.TemporaryDirectory() as directory:
            violations, checked, _ = check(make_tree(directory, files, pure))
        missing = [e for e in expected if not any(e in v for v in violations)]
        unexpected = len(violations) != len(expected)
        if checked == 0 or missing or unexpected:
            failures += 1
            print(f"FAIL {name}: expected {expected}, got {violations} ({checked} files)")
        else:
            print(f"ok   {name}")
    return 1 if failures else 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    violations, files, modules = check(argv[1])
    for violation in violations:
        print(violation)
    if violations:
        print(f"{len(violations)} layering violation(s) in {files} files")
        return 1
    print(f"{files} files in {modules} modules: no module includes a higher layer, "
          "and the pure library includes no Boost or Asio")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
