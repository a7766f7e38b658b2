#!/usr/bin/env bash
# Builds llmpace's container image (Containerfile) with podman, with no image registry: the base
# images the Containerfile's FROM lines name (docker.io/library/debian:12 and debian:12-slim) are
# built locally with mmdebstrap from the Debian archive, once (skipped while the tag exists).
# docs/kubernetes.md, "Container image".
#
# Usage: scripts/build-image.sh [--bases-only] [--rebuild-bases]
#   --bases-only     stop after the base images
#   --rebuild-bases  build the base images again even when their tags exist
# Environment: LLMPACE_IMAGE (default llmpace), tagged :latest and :<git describe>;
#   DEBIAN_MIRROR (default http://deb.debian.org/debian), DEBIAN_SECURITY_MIRROR
#   (default http://deb.debian.org/debian-security).
#
# Installs what it needs itself (Debian 12 packages: podman, runc, mmdebstrap, netavark,
# aardvark-dns, iptables; apt is not touched when they are there). When a container cannot start
# with podman's configuration as it is, it writes /etc/containers/containers.conf.d/50-llmpace.conf
# with only the two keys podman needs on these VMs, runtime = "runc" (crun refuses the hybrid
# cgroup set-up) and default_ulimits = [] (podman's default open-files limit cannot be set), and
# tries again; the drop-in overrides /etc/containers/containers.conf without editing it. Runs as
# root (mmdebstrap --mode=root, and the images go to root's podman storage): started as another
# user, it runs itself again with sudo.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
image="${LLMPACE_IMAGE:-llmpace}"
debian_mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security_mirror="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
bases_only=0
rebuild_bases=0
for argument in "$@"; do
  case "$argument" in
    --bases-only) bases_only=1 ;;
    --rebuild-bases) rebuild_bases=1 ;;
    *) echo "build-image: unknown argument $argument (see the script's header)" >&2; exit 2 ;;
  esac
done

if [[ $(id -u) -ne 0 ]]; then
  exec sudo --preserve-env=LLMPACE_IMAGE,DEBIAN_MIRROR,DEBIAN_SECURITY_MIRROR "$0" "$@"
fi

step_started=0
step() {
  step_started=$SECONDS
  echo "build-image: $*"
}
step_done() {
  echo "build-image: ... $((SECONDS - step_started)) s"
}

# 1. The tools: podman with runc; netavark, aardvark-dns and iptables for podman's default bridge
#    network (the build and the image test use the host's network, `podman run` does not).
step "podman and its tools"
"$repo_root/scripts/install-deps.sh" --only podman runc mmdebstrap netavark aardvark-dns iptables
step_done

# 2. The base images, from the Debian archive. Both are Debian 12 "minbase" (Essential and
#    Priority: required packages, apt) with merged /usr, with bookworm, bookworm-updates and
#    bookworm-security in sources.list, as the official images are; -slim leaves out documentation
#    (but the copyright files), manual pages and translations, as the official -slim does (the
#    dpkg excludes stay in the image, for what later stages install). apt's lists are removed.
scratch="$(mktemp -d "${TMPDIR:-/var/tmp}/llmpace-image.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
build_base() {
  local tag="$1"
  shift
  if [[ $rebuild_bases -eq 0 ]] && podman image exists "$tag"; then
    echo "build-image: $tag exists (--rebuild-bases builds it again)"
    return
  fi
  step "mmdebstrap bookworm -> $tag"
  mmdebstrap --quiet --mode=root --variant=minbase --format=tar \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --aptopt='Acquire::Languages "none"' \
    "$@" bookworm "$scratch/rootfs.tar" \
    "deb $debian_mirror bookworm main" \
    "deb $debian_mirror bookworm-updates main" \
    "deb $security_mirror bookworm-security main" >/dev/null
  podman import --quiet --change 'CMD ["bash"]' \
    --message "mmdebstrap --variant=minbase bookworm (scripts/build-image.sh)" \
    "$scratch/rootfs.tar" "$tag" >/dev/null
  rm -f "$scratch/rootfs.tar"
  step_done
}
build_base docker.io/library/debian:12
build_base docker.io/library/debian:12-slim \
  '--dpkgopt=path-exclude=/usr/share/doc/*' '--dpkgopt=path-include=/usr/share/doc/*/copyright' \
  '--dpkgopt=path-exclude=/usr/share/groff/*' '--dpkgopt=path-exclude=/usr/share/info/*' \
  '--dpkgopt=path-exclude=/usr/share/linda/*' \
  '--dpkgopt=path-exclude=/usr/share/lintian/overrides/*' \
  '--dpkgopt=path-exclude=/usr/share/locale/*' \
  '--dpkgopt=path-include=/usr/share/locale/locale.alias' \
  '--dpkgopt=path-exclude=/usr/share/man/*'

# 3. podman's configuration, only when a container cannot start with the one in effect.
dropin=/etc/containers/containers.conf.d/50-llmpace.conf
probe() {
  podman run --rm --network none docker.io/library/debian:12-slim true >/dev/null 2>&1
}
explain_and_fail() {
  echo "build-image: $1" >&2
  podman run --rm --network none docker.io/library/debian:12-slim true >&2 || true
  exit 1
}
if ! probe; then
  [[ -f "$dropin" ]] && explain_and_fail "a container does not start although $dropin is there:"
  step "writing $dropin (runtime runc, no default ulimits)"
  mkdir -p "$(dirname "$dropin")"
  cat >"$dropin" <<'EOF'
# Written by llmpace's scripts/build-image.sh: what podman needs on a VM with a hybrid cgroup
# set-up (crun refuses it) whose open-files limit cannot be raised to podman's default.
[containers]
default_ulimits = []

[engine]
runtime = "runc"
EOF
  probe || explain_and_fail "a container still does not start with $dropin:"
  step_done
fi

if [[ $bases_only -eq 1 ]]; then
  exit 0
fi

# 4. The image. --network host: the build stages' apt-get reaches the archive the way the host
#    does, without a bridge. --pull never: the bases above are local, no registry is asked.
version="$(git -C "$repo_root" describe --tags --always --dirty 2>/dev/null || echo unknown)"
revision="$(git -C "$repo_root" rev-parse HEAD 2>/dev/null || echo unknown)"
step "podman build -> $image:latest, $image:$version"
podman build --pull=never --network host -f "$repo_root/Containerfile" \
  --build-arg "VERSION=$version" --build-arg "REVISION=$revision" \
  --build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  -t "$image:latest" -t "$image:$version" "$repo_root" 2>&1 \
  | while IFS= read -r line; do  # each build step with the seconds since the build began
      [[ "$line" == *" STEP "* ]] && line="[$((SECONDS - step_started)) s] $line"
      printf '%s\n' "$line"
    done
step_done
podman image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' "$image:latest"
