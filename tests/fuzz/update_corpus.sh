#!/usr/bin/env bash
# Adds to the seed corpus in the source tree (tests/fuzz/corpus/NAME) the inputs of the scratch
# corpus (BUILD_DIR/corpus-work/NAME, grown by `make fuzz` or longer runs) that reach code the seed
# corpus does not: libFuzzer's -merge=1 on edge coverage alone (-use_counters=0, so inputs that
# only run a loop more often are left out), which keeps the corpus small. Nothing is removed.
#
# Usage: tests/fuzz/update_corpus.sh BUILD_DIR NAME
# Prints the corpus' size before and after.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BUILD_DIR NAME" >&2
  exit 2
fi
build_dir=$1
name=$2
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
  echo "$(find "$corpus" -type f | wc -l) inputs," \
    "$(find "$corpus" -type f -printf "%s\n" | awk "{ s += \$1 } END { print s + 0 }") bytes"
}
before=$(size)
log="$build_dir/fuzz-logs/$name.merge.log"
mkdir -p "$(dirname "$log")"
if ! "$binary" -merge=1 -use_counters=0 "$corpus" "$work" >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  exit 1
fi
echo "$name: corpus $before -> $(size)"
