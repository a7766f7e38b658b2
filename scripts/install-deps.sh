#!/usr/bin/env bash
# Installs the Debian 12 packages llmpace needs to build, test and run. Idempotent: packages that
# are already installed are skipped, and apt is not touched at all when nothing is missing.
#
# Usage: scripts/install-deps.sh [--with-bench]
#   --with-bench  also install Google Benchmark (for the microbenchmarks in bench/)
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates
  libboost1.81-dev libssl-dev openssl
  libcli11-dev nlohmann-json3-dev libfmt-dev libsimdjson-dev catch2
  chromium  # headless screenshots of the HTML report (integration tests)
  python3 python3-jsonschema  # reports checked against docs/report.schema.json (schema tests)
  prometheus  # promtool checks the simulator's /metrics (integration tests)
)
if [[ "${1:-}" == "--with-bench" ]]; then
  packages+=(libbenchmark-dev)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
