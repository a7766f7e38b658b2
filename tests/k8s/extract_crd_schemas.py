#!/usr/bin/env python3
"""Writes the OpenAPI schemas of CustomResourceDefinitions as one JSON file for check_k8s.py.

No npm package models the grafana-operator's resources, so their CRDs' own schemas are kept in
schemas/ (descriptions dropped, nothing else changed) and validated with python3-jsonschema.

  extract_crd_schemas.py --source "grafana-operator v5.24.0 config/crd/bases" OUT.json CRD.yaml...
"""
import argparse
import json
import sys

import yaml


def without_descriptions(node):
    """The schema without its "description" texts (a property named "description" stays)."""
    if isinstance(node, dict):
        return {key: without_descriptions(value) for key, value in node.items()
                if not (key == "description" and isinstance(value, str))}
    if isinstance(node, list):
        return [without_descriptions(value) for value in node]
    return node


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True, help="where the CRDs come from, recorded")
    parser.add_argument("out")
    parser.add_argument("crds", nargs="+")
    args = parser.parse_args()
    schemas = {}
    for path in args.crds:
        with open(path, encoding="utf-8") as file:
            crd = yaml.safe_load(file)
        group = crd["spec"]["group"]
        kind = crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            key = f"{group}/{version['name']}/{kind}"
            schemas[key] = without_descriptions(version["schema"]["openAPIV3Schema"])
    with open(args.out, "w", encoding="utf-8") as file:
        json.dump({"source": args.source, "schemas": schemas}, file, indent=None,
                  separators=(",", ":"), sort_keys=True)
        file.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
