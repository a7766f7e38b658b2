#!/usr/bin/env bash
# Installs the Debian 12 packages llmpace needs to build, test and run, and the npm packages of the
# tokenizer agreement test and the k8s/ checks. Idempotent: packages that are already installed are
# skipped, apt is not touched at all when nothing is missing, nor npm when a test's node_modules is
# there.
#
# Usage: scripts/install-deps.sh [--with-bench | --build-only | --only PACKAGE...]
#   --with-bench  also install Google Benchmark (for the microbenchmarks in bench/), and wrk and
#                 h2load (nghttp2-client), which bench/side_by_side.py runs beside llmpace
#   --build-only  only what compiling llmpace needs: no test tools, no npm (the
#                 Containerfile's build stage)
#   --only        exactly the packages named, no npm (scripts/build-image.sh: podman and its tools)
set -euo pipefail

packages=(  # what compiling llmpace needs (--build-only installs only these)
  build-essential cmake pkg-config
  libboost1.81-dev libboost-url1.81-dev libssl-dev
  libcli11-dev nlohmann-json3-dev libfmt-dev libsimdjson-dev
  libyaml-cpp-dev  # scenario files
  prometheus-cpp-dev  # --push-gateway, --metrics-port: its core and pull libraries (docs/prometheus.md)
  libpcre2-dev libicu-dev libsentencepiece-dev  # local tokenizers: regexes, NFC, .model files
)
test_packages=(  # tests and development
  git ca-certificates openssl catch2
  chromium  # headless screenshots of the HTML report (integration tests)
  python3 python3-jsonschema  # reports checked against docs/report.schema.json (schema tests)
  prometheus  # promtool checks the simulator's /metrics (integration tests)
  prometheus-pushgateway  # the push integration tests push to a real Pushgateway
  clang-14 libclang-rt-14-dev  # libFuzzer targets (fuzz preset; their brief runs are in make test)
  clang-format-14  # the style test: every C++ file as .clang-format writes it (make format)
  yamllint python3-yaml  # k8s/ checks (tests/k8s; kubectl, not in Debian 12, must be on PATH)
)
# node runs the independent tokenizer implementations of the tokenizer agreement test
# (docs/tokenizers.md); any node on PATH will do, Debian's when there is none.
if ! command -v node >/dev/null 2>&1; then
  test_packages+=(nodejs npm)
fi
if [[ "${1:-}" != "--build-only" ]]; then
  packages+=("${test_packages[@]}")
fi
if [[ "${1:-}" == "--with-bench" ]]; then
  packages+=(libbenchmark-dev wrk nghttp2-client)
fi
if [[ "${1:-}" == "--only" ]]; then
  packages=("${@:2}")
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [[ ${#missing[@]} -gt 0 ]]; then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then
    sudo_cmd=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
  "${sudo_cmd[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# The npm packages of the tokenizer agreement test and of the k8s/ schema checks, exactly as
# their package-lock.json pin them. Skipped where the tests are not there (the Containerfile
# copies this script alone to build).
for test_dir in tokenizer_reference k8s; do
  reference_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/$test_dir"
  if [[ "${1:-}" != "--build-only" && "${1:-}" != "--only" && -f "$reference_dir/package-lock.json"
        && ! -d "$reference_dir/node_modules" ]]; then
    echo "install-deps: npm ci in tests/$test_dir"
    (cd "$reference_dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
