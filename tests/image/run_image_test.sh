#!/usr/bin/env bash
# The container image run the way OpenShift runs it (`make image-test`; docs/kubernetes.md,
# "Container image"): two simulator containers (the bf16 and INT4 presets of Mistral-Small-24B,
# each with its DCGM exporter) and `llmpace suite run` of a two-variant suite in a third, every one
# as an arbitrary UID in group 0 (--user 100012345:0), with a read-only root filesystem, no
# capabilities and no privilege escalation; the suite writes only to a tmpfs on /tmp and a volume
# on /results. Checks the image (user, labels, every shared library found), then that the suite
# exits 0 and leaves every file of a suite run, owned by that UID, in /results, with successful
# requests and GPU telemetry scraped from each variant's own container. Everything listens on
# 127.0.0.1 (--network host).
#
# Usage: tests/image/run_image_test.sh [IMAGE]   (default llmpace:latest; `make image` builds it)
# Needs podman (scripts/build-image.sh installs and configures it) and python3.
set -euo pipefail
if [[ $(id -u) -ne 0 ]]; then
  exec sudo "$0" "$@"  # the image is in root's podman storage (scripts/build-image.sh runs as root)
fi

image="${1:-llmpace:latest}"
uid=100012345
started=$SECONDS
fail() {
  echo "image-test: FAIL: $*" >&2
  exit 1
}
command -v podman >/dev/null || fail "podman is not installed (scripts/build-image.sh installs it)"
command -v python3 >/dev/null || fail "python3 is not installed"
podman image exists "$image" || fail "no image $image (make image builds it)"

work="$(mktemp -d "${TMPDIR:-/tmp}/llmpace-image-test.XXXXXX")"
prefix="llmpace-image-test-$$"
containers=()
cleanup() {
  local status=$?
  for name in "${containers[@]}"; do
    if [[ $status -ne 0 ]]; then
      echo "--- logs of $name" >&2
      podman logs "$name" 2>&1 | tail -20 >&2 || true
    fi
    podman rm --force --time 0 "$name" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# What OpenShift's restricted-v2 SCC and the Job's readOnlyRootFilesystem impose, as podman
# options (--read-only-tmpfs=false: podman would otherwise mount a writable /tmp, /var/tmp, /run).
restricted=(--network host --user "$uid:0" --read-only --read-only-tmpfs=false --cap-drop ALL
            --security-opt no-new-privileges)

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

wait_for_port() {  # NAME PORT: until the container's server accepts a connection (30 s at most)
  local deadline=$((SECONDS + 30))
  until (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; do
    [[ "$(podman inspect --format '{{.State.Running}}' "$1")" == "true" ]] \
      || fail "container $1 exited before listening on $2"
    ((SECONDS < deadline)) || fail "container $1 does not listen on $2 after 30 s"
    sleep 0.2
  done
}

# 1. The image: runs as a non-root user by default, carries its labels, finds every library.
[[ "$(podman image inspect --format '{{.Config.User}}' "$image")" == "1001" ]] \
  || fail "the image's user is not 1001"
podman image inspect --format '{{json .Labels}}' "$image" | python3 -c '
import json, sys
labels = json.load(sys.stdin) or {}
for name in ["title", "description", "licenses", "version", "revision", "created"]:
    assert labels.get(f"org.opencontainers.image.{name}"), f"no org.opencontainers.image.{name}"
' || fail "the image lacks a label"
libraries="$(podman run --rm "${restricted[@]}" --entrypoint /usr/bin/ldd "$image" \
  /usr/local/bin/llmpace)"
! grep "not found" <<<"$libraries" || fail "shared libraries missing in the image"
podman run --rm "${restricted[@]}" "$image" --version >/dev/null || fail "llmpace --version failed"

# 2. The simulators, one container per variant, each with a DCGM exporter.
declare -A port dcgm_port
for variant in bf16 int4; do
  port[$variant]="$(free_port)"
  dcgm_port[$variant]="$(free_port)"
  containers+=("$prefix-sim-$variant")
  podman run --detach --name "$prefix-sim-$variant" "${restricted[@]}" "$image" \
    sim --host 127.0.0.1 --port "${port[$variant]}" \
    --preset "mistral-small-24b-$variant-h100" --dcgm-port "${dcgm_port[$variant]}" \
    --model "mistral-small-24b-$variant" >/dev/null
done
for variant in bf16 int4; do
  wait_for_port "$prefix-sim-$variant" "${port[$variant]}"
  wait_for_port "$prefix-sim-$variant" "${dcgm_port[$variant]}"
done

# 3. The suite (tests/image/image-test-suite.yaml, mounted where the Job mounts its suites) in a
#    third container: /results is a volume writable by group 0 (as a PVC with an fsGroup is), /tmp
#    a tmpfs, the token a read-only file (as a mounted Secret), the root filesystem read-only.
mkdir -m 0770 "$work/results"
cp "$(dirname "${BASH_SOURCE[0]}")/image-test-suite.yaml" "$work/suite.yaml"
echo "placeholder-token" >"$work/token"
chmod 0644 "$work/suite.yaml" "$work/token"
containers+=("$prefix-suite")
status=0
podman run --name "$prefix-suite" "${restricted[@]}" --tmpfs /tmp \
  --volume "$work/results:/results:Z" \
  --volume "$work/suite.yaml:/etc/llmpace/suites/image-test.yaml:ro,Z" \
  --volume "$work/token:/var/run/secrets/llmpace/token:ro,Z" \
  --env "LLMPACE_BF16_URL=http://127.0.0.1:${port[bf16]}" \
  --env "LLMPACE_BF16_DCGM_URL=http://127.0.0.1:${dcgm_port[bf16]}/metrics" \
  --env "LLMPACE_INT4_URL=http://127.0.0.1:${port[int4]}" \
  --env "LLMPACE_INT4_DCGM_URL=http://127.0.0.1:${dcgm_port[int4]}/metrics" \
  "$image" suite run /etc/llmpace/suites/image-test.yaml --output-dir /results --quiet \
  >"$work/console.txt" 2>&1 || status=$?
[[ $status -eq 0 ]] || { cat "$work/console.txt" >&2; fail "llmpace suite run exited $status"; }

# 4. Its files: every one there, written by the arbitrary UID in group 0; each variant measured
#    its own simulator container (model, successful requests, no error, GPU telemetry scraped from
#    that container's DCGM exporter).
[[ -L "$work/results/image-test/latest" ]] || fail "no /results/image-test/latest link"
run_name="$(readlink "$work/results/image-test/latest")"
[[ "$run_name" =~ ^[0-9]{8}T[0-9]{6}Z$ ]] || fail "latest points to '$run_name', not a UTC time"
run="$work/results/image-test/$run_name"
for file in bf16/chat.{json,csv,html,jsonl} int4/chat.{json,csv,html,jsonl} \
            compare-chat.{txt,csv,html} summary.json; do
  [[ -s "$run/$file" ]] || fail "$file is missing or empty in the run directory"
done
not_owned="$(find "$work/results" -mindepth 1 \( ! -user "$uid" -o ! -group 0 \) -printf '%P ')"
[[ -z "$not_owned" ]] || fail "not owned by $uid:0: $not_owned"
python3 - "$run" "${port[bf16]}" "${port[int4]}" <<'EOF' || fail "the reports show no good run"
import json, sys
run, ports = sys.argv[1], {"bf16": sys.argv[2], "int4": sys.argv[3]}
fb_used_mib = {}
summary = json.load(open(f"{run}/summary.json"))
assert summary["exit_code"] == 0, summary["exit_code"]
assert [v["name"] for v in summary["variants"]] == ["bf16", "int4"], summary["variants"]
assert all(r["status"] == "ok" for r in summary["results"]), summary["results"]
for variant, port in ports.items():
    report = json.load(open(f"{run}/{variant}/chat.json"))
    assert report["run"]["model"] == f"mistral-small-24b-{variant}", report["run"]["model"]
    assert report["run"]["target"].endswith(f":{port}"), report["run"]["target"]
    for b in report["benchmarks"]:
        assert b["requests"]["successful"] > 0, f"{variant}: {b['requests']}"
        assert b["requests"]["errored"] == 0, f"{variant}: {b['errors_by_kind']}"
        assert (b.get("telemetry") or {}).get("gpus"), f"{variant}: no GPU telemetry scraped"
    successful = sum(b["requests"]["successful"] for b in report["benchmarks"])
    fb_used_mib[variant] = max(gpu["fb_used_mib"]["max"] for b in report["benchmarks"]
                               for gpu in b["telemetry"]["gpus"])
    print(f"image-test: {variant}: {successful} successful requests, "
          f"{fb_used_mib[variant]:.0f} MiB of GPU memory")
# Each from its own exporter: bf16's weights take about three times INT4's memory.
assert fb_used_mib["bf16"] > 2 * fb_used_mib["int4"], fb_used_mib
EOF

echo "image-test: OK ($((SECONDS - started)) s)"
