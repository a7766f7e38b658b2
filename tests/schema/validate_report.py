#!/usr/bin/env python3
"""Validates llmpace JSON reports against a JSON Schema (docs/report.schema.json).

Usage: python3 validate_report.py SCHEMA REPORT...
       python3 validate_report.py SCHEMA REPORT --expect-error PATH:KEYWORD [--expect-error ...]

Prints every error of every report with its JSON path and exits 1 on any error (or an unreadable
file), 0 when every report is valid.

With --expect-error (for a deliberately broken report) the report must fail in exactly the listed
ways: each PATH:KEYWORD is the JSON path of an error and the schema keyword it breaks (e.g.
'$.benchmarks[1]:required'); exits 0 only when the report was read and its errors are exactly
those, 1 when any is missing or another error appears, so neither a crash, a missing file nor a
different mistake passes for the expected failure. Needs the jsonschema module (Debian:
python3-jsonschema).
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


def most_relevant(error):
    """For anyOf/oneOf failures, the closest sub-schema's error says more than "not valid under
    any of the given schemas"."""
    if error.context:
        return jsonschema.exceptions.best_match(error.context)
    return error


def describe(error):
    """One line: the JSON path of the offending value and what is wrong with it."""
    error = most_relevant(error)
    return f"{error.json_path}: {error.message}"


def split_arguments(arguments):
    """(positional arguments, expected errors as a set of (path, keyword)) or None if malformed."""
    positional, expected = [], set()
    i = 0
    while i < len(arguments):
        if arguments[i] == "--expect-error":
            if i + 1 == len(arguments) or ":" not in arguments[i + 1]:
                return None
            path, keyword = arguments[i + 1].rsplit(":", 1)
            expected.add((path, keyword))
            i += 2
        else:
            positional.append(arguments[i])
            i += 1
    return positional, expected


def check_expected(path, report, validator, expected):
    """0 when `report` breaks the schema in exactly the `expected` ways, else 1."""
    errors = [most_relevant(error) for error in validator.iter_errors(report)]
    found = {(error.json_path, error.validator) for error in errors}
    for error in sorted(errors, key=lambda e: e.json_path):
        print(f"{path}: {error.json_path}: {error.message} [{error.validator}]")
    missing, unexpected = expected - found, found - expected
    for error_path, keyword in sorted(missing):
        print(f"{path}: expected error missing: {error_path}:{keyword}", file=sys.stderr)
    for error_path, keyword in sorted(unexpected):
        print(f"{path}: unexpected error: {error_path}:{keyword}", file=sys.stderr)
    if missing or unexpected or len(errors) != len(expected):
        return 1
    print(f"{path}: rejected exactly as expected")
    return 0


def main(argv):
    arguments = split_arguments(argv[1:])
    usage = ("usage: validate_report.py SCHEMA REPORT...\n"
             "       validate_report.py SCHEMA REPORT --expect-error PATH:KEYWORD...")
    if arguments is None or len(arguments[0]) < 2:
        print(usage, file=sys.stderr)
        return 2
    (schema_path, *report_paths), expected = arguments
    if expected and len(report_paths) != 1:
        print(usage, file=sys.stderr)
        return 2
    try:
        schema = load(schema_path)
        jsonschema.Draft202012Validator.check_schema(schema)
    except (OSError, ValueError, jsonschema.exceptions.SchemaError) as error:
        print(f"{schema_path}: not a usable schema: {error}", file=sys.stderr)
        return 1
    validator = jsonschema.Draft202012Validator(schema)

    if expected:
        try:
            report = load(report_paths[0])
        except (OSError, ValueError) as error:
            print(f"{report_paths[0]}: cannot read: {error}", file=sys.stderr)
            return 1
        return check_expected(report_paths[0], report, validator, expected)

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
