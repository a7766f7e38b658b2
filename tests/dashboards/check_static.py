#!/usr/bin/env python3
"""Checks llmpace's Grafana dashboards without a Prometheus running.

    check_static.py PROMTOOL DASHBOARD.json... [--expect-error TEXT]...

1. Structure (dashboard_model.structure_errors): fixed uid, a prometheus `datasource` variable and
   the `model_name` variable, every panel's datasource ${datasource}, unique panel ids, a gridPos
   on the 24-column grid with no overlap, targets with a unique refId and an expr, every range
   [$__rate_interval], no matcher on job or instance.
2. PromQL: every target's expr, its variables substituted as for a parse (a query variable by a
   placeholder, a custom one by its current value, $__rate_interval by 1m), becomes a recording
   rule in one rules file per dashboard, and `promtool check rules` must accept every file. A
   promtool that cannot be run fails the check.

Without --expect-error: exit 0 when nothing is wrong, else 1 with one line per error. With
--expect-error (repeatable): exit 0 only when every error found contains one of the TEXTs and every
TEXT is in some error, so the test of a broken dashboard proves each check fires.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dashboard_model  # noqa: E402


def rules_for(dashboard, stem):
    """(rules, record name -> 'panel N title refId') for every target of the dashboard."""
    values = dashboard_model.static_values(dashboard)
    rules = []
    names = {}
    for panel in dashboard_model.query_panels(dashboard):
        for target in panel.get("targets", []):
            expr, _ = dashboard_model.interpolate(target.get("expr", ""), values)
            if not expr.strip():
                continue
            record = f"dashboard_check:panel_{panel.get('id')}_{target.get('refId')}"
            names[record] = f"{stem}: panel {panel.get('id')} {panel.get('title')!r} " \
                            f"target {target.get('refId')}"
            rules.append({"record": record, "expr": expr})
    return rules, names


def promtool_errors(promtool, dashboards, scratch):
    errors = []
    for path, dashboard in dashboards:
        stem = os.path.basename(path)
        rules, names = rules_for(dashboard, stem)
        if not rules:
            continue
        # JSON is YAML: promtool reads the file as it reads any rules file.
        rules_path = os.path.join(scratch, stem + ".rules.yml")
        with open(rules_path, "w", encoding="utf-8") as f:
            json.dump({"groups": [{"name": stem, "rules": rules}]}, f, indent=1)
        try:
            result = subprocess.run([promtool, "check", "rules", rules_path],
                                    capture_output=True, text=True, timeout=60)
        except OSError as error:
            return errors + [f"promtool cannot be run: {error}"]
        if result.returncode == 0:
            continue
        output = (result.stdout + result.stderr).strip()
        blamed = [label for record, label in names.items() if f'"{record}"' in output]
        if not blamed:
            errors.append(f"{stem}: promtool check rules failed: {output}")
        for label in blamed:
            lines = [line.strip() for line in output.splitlines()
                     if any(f'"{record}"' in line for record, name in names.items()
                            if name == label)]
            errors.append(f"{label}: promtool: {' '.join(lines)}")
    return errors


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("promtool")
    parser.add_argument("dashboards", nargs="+")
    parser.add_argument("--expect-error", action="append", default=[])
    args = parser.parse_args()

    errors = []
    dashboards = []
    uids = {}
    for path in args.dashboards:
        stem = os.path.basename(path)
        try:
            dashboard = dashboard_model.load(path)
        except (OSError, ValueError) as error:
            errors.append(f"{stem}: cannot be read: {error}")
            continue
        errors += dashboard_model.structure_errors(dashboard, stem)
        uid = dashboard.get("uid")
        if uid in uids:
            errors.append(f"{stem}: uid {uid!r} is also {uids[uid]}'s")
        uids[uid] = stem
        dashboards.append((path, dashboard))
    with tempfile.TemporaryDirectory(prefix="llmpace-dashboards-") as scratch:
        errors += promtool_errors(args.promtool, dashboards, scratch)

    for error in errors:
        print(error)
    queries = sum(len(p.get("targets", [])) for _, d in dashboards
                  for p in dashboard_model.query_panels(d))
    if not args.expect_error:
        print(f"{len(dashboards)} dashboards, {queries} queries: "
              f"{len(errors)} errors" if errors else
              f"{len(dashboards)} dashboards, {queries} queries parsed by promtool: ok")
        return 1 if errors else 0
    unexpected = [e for e in errors if not any(text in e for text in args.expect_error)]
    missing = [t for t in args.expect_error if not any(t in e for e in errors)]
    for error in unexpected:
        print(f"UNEXPECTED: {error}")
    for text in missing:
        print(f"MISSING: no error contains {text!r}")
    if unexpected or missing:
        return 1
    print(f"all {len(args.expect_error)} expected errors found, nothing else")
    return 0


if __name__ == "__main__":
    sys.exit(main())
