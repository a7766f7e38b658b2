#!/usr/bin/env python3
"""Runs a short sweep against llmpace's built-in simulator and validates the JSON report it wrote.

Usage: python3 validate_live_report.py LLMPACE_BINARY SCHEMA

The report goes to a temporary directory that is removed afterwards. Exits 1 when llmpace fails,
writes no report, the report does not match the schema, or it is not a sweep with goodput;
0 otherwise.
"""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv):
    if len(argv) != 3:
        print("usage: validate_live_report.py LLMPACE_BINARY SCHEMA", file=sys.stderr)
        return 2
    binary, schema = argv[1], argv[2]
    with tempfile.TemporaryDirectory(prefix="llmpace-schema-") as directory:
        report = os.path.join(directory, "r.json")
        command = [
            binary, "benchmark", "--target", "sim", "--profile", "sweep", "--rate", "3",
            "--max-seconds", "1", "--data", "prompt_tokens=16,output_tokens=4", "-q",
            "--slo", "ttft_ms=100", "--output", report,
        ]
        print("running:", " ".join(command), flush=True)
        try:
            run = subprocess.run(command, timeout=100, check=False)
        except subprocess.TimeoutExpired:
            print("validate_live_report: llmpace did not finish within 100 s", file=sys.stderr)
            return 1
        if run.returncode != 0:
            print(f"validate_live_report: llmpace exited with {run.returncode}", file=sys.stderr)
            return 1
        if not os.path.isfile(report):
            print(f"validate_live_report: llmpace wrote no report at {report}", file=sys.stderr)
            return 1
        validate = [sys.executable, os.path.join(HERE, "validate_report.py"), schema, report]
        if subprocess.run(validate, check=False).returncode != 0:
            return 1
        # The schema allows a single benchmark and a null goodput; make sure this report
        # exercised the sweep and the goodput object, or the check above proved less than it seems.
        with open(report, encoding="utf-8") as file:
            benchmarks = json.load(file).get("benchmarks", [])
        if len(benchmarks) < 2 or any(b.get("goodput") is None for b in benchmarks):
            print("validate_live_report: expected a sweep of several benchmarks, each with "
                  "goodput (--slo)", file=sys.stderr)
            return 1
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
