#!/usr/bin/env bash
# Refreshes a seed corpus in the source tree (tests/fuzz/corpus/NAME) from the scratch corpus that
# fuzzing grew (BUILD_DIR/corpus-work/NAME, by `make fuzz` or longer runs), keeping it small:
#   1. the corpus itself, minimised on edge coverage alone (libFuzzer -merge=1 -use_counters=0:
#      an input that only runs a loop more often adds nothing; the smaller of two equal inputs
#      stays);
#   2. plus the scratch inputs that reach edges it does not, cut to MAX_LEN bytes (default 512).
# The result replaces the corpus; `git status tests/fuzz/corpus/NAME` shows what changed.
#
# Usage: tests/fuzz/update_corpus.sh BUILD_DIR NAME [MAX_LEN]
set -euo pipefail

if [[ $# -lt 2 || $# -gt 3 ]]; then
  echo "usage: $0 BUILD_DIR NAME [MAX_LEN]" >&2
  exit 2
fi
build_dir=$1
name=$2
max_len=${3:-512}
source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
binary="$build_dir/tests/fuzz/fuzz_$name"
corpus="$source_dir/corpus/$name"
work="$build_dir/corpus-work/$name"
for path in "$binary" "$corpus" "$work"; do
  if [[ ! -e "$path" ]]; then
    echo "update_corpus: $path is missing" >&2
    exit 1
  fi
done

size() {
  echo "$(find "$1" -type f | wc -l) inputs," \
    "$(find "$1" -type f -printf "%s\n" | awk "{ s += \$1 } END { print s + 0 }") bytes"
}
log="$build_dir/fuzz-logs/$name.merge.log"
next="$build_dir/corpus-next/$name"
rm -rf "$next"
mkdir -p "$next" "$(dirname "$log")"
if ! "$binary" -merge=1 -use_counters=0 "$next" "$corpus" >"$log" 2>&1 ||
  ! "$binary" -merge=1 -use_counters=0 -max_len="$max_len" "$next" "$work" >>"$log" 2>&1; then
  tail -n 20 "$log" >&2
  exit 1
fi
before=$(size "$corpus")
find "$corpus" -type f -delete
cp "$next"/* "$corpus"/
echo "$name: corpus $before -> $(size "$corpus")"
