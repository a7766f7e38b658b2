#!/bin/sh
# Copies the scenario and suite files of scenarios/ into k8s/base/scenarios/, where kustomize
# can load them (it reads no file outside the kustomization's directory). Run it after changing
# scenarios/; the test "k8s: the base's scenario copies equal scenarios/" fails until you do.
# A new file must also be listed in k8s/base/kustomization.yaml (and a new suite in job.yaml's
# suite-files volume).
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
rm -f "$root"/k8s/base/scenarios/*.yaml "$root"/k8s/base/scenarios/suites/*.yaml
mkdir -p "$root/k8s/base/scenarios/suites"
cp "$root"/scenarios/*.yaml "$root/k8s/base/scenarios/"
cp "$root"/scenarios/suites/*.yaml "$root/k8s/base/scenarios/suites/"
