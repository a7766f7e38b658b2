#!/usr/bin/env python3
"""Validates llmpace JSON reports against a JSON Schema (docs/report.schema.json).

Usage: python3 validate_report.py SCHEMA REPORT...

Prints every error of every report with its JSON path and exits 1 on any error (or an unreadable
file), 0 when every report is valid. Needs the jsonschema module (Debian: python3-jsonschema).
"""

import json
import sys

try:
    import jsonschema
except ImportError:
    print(
        "validate_report: the Python module 'jsonschema' is missing; install it with "
        "'apt-get install python3-jsonschema' (or scripts/install-deps.sh)",
        file=sys.stderr,
    )
    sys.exit(1)


def load(path):
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def describe(error):
    """One line: the JSON path of the offending value and what is wrong with it."""
    # For anyOf/oneOf failures, the closest sub-schema's error says more than "not valid under
    # any of the given schemas".
    if error.context:
        error = jsonschema.exceptions.best_match(error.context)
    return f"{error.json_path}: {error.message}"


def main(argv):
    if len(argv) < 3:
        print("usage: validate_report.py SCHEMA REPORT...", file=sys.stderr)
        return 2
    schema_path, report_paths = argv[1], argv[2:]
    try:
        schema = load(schema_path)
        jsonschema.Draft202012Validator.check_schema(schema)
    except (OSError, ValueError, jsonschema.exceptions.SchemaError) as error:
        print(f"{schema_path}: not a usable schema: {error}", file=sys.stderr)
        return 1
    validator = jsonschema.Draft202012Validator(schema)

    failed = False
    for path in report_paths:
        try:
            report = load(path)
        except (OSError, ValueError) as error:
            print(f"{path}: cannot read: {error}")
            failed = True
            continue
        errors = sorted(validator.iter_errors(report), key=lambda e: e.json_path)
        for error in errors:
            print(f"{path}: {describe(error)}")
        if errors:
            failed = True
        else:
            print(f"{path}: valid")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
