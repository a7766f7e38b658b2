#!/usr/bin/env bash
# Runs one libFuzzer target of the fuzz build for a set time, from its seed corpus
# (tests/fuzz/corpus/NAME, read only) into a scratch corpus in the build tree, with its dictionary
# (tests/fuzz/NAME.dict) when there is one. Crash inputs go to BUILD_DIR/fuzz-artifacts/NAME/.
#
# Usage: tests/fuzz/run_fuzz.sh [--fresh] BUILD_DIR NAME SECONDS [libFuzzer flags...]
#   --fresh  start from the seeds alone: the scratch corpus is BUILD_DIR/corpus-ctest/NAME, emptied
#            first (CTest's brief runs); without it BUILD_DIR/corpus-work/NAME, kept between runs
#            so that `make fuzz` goes on from where the last run stopped.
# Prints "NAME: N executions in S s (R exec/s), scratch corpus C inputs"; exits non-zero (with the
# end of libFuzzer's log) when the target crashed, failed a check or a sanitizer reported an error.
set -euo pipefail

fresh=0
if [[ "${1:-}" == "--fresh" ]]; then
  fresh=1
  shift
fi
if [[ $# -lt 3 ]]; then
  echo "usage: $0 [--fresh] BUILD_DIR NAME SECONDS [libFuzzer flags...]" >&2
  exit 2
fi
build_dir=$1
name=$2
seconds=$3
shift 3

source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
binary="$build_dir/tests/fuzz/fuzz_$name"
seeds="$source_dir/corpus/$name"
if [[ ! -x "$binary" ]]; then
  echo "run_fuzz: $binary is missing (build the fuzz preset first)" >&2
  exit 1
fi
if [[ ! -d "$seeds" ]]; then
  echo "run_fuzz: no seed corpus $seeds" >&2
  exit 1
fi

if [[ $fresh -eq 1 ]]; then
  work="$build_dir/corpus-ctest/$name"
  rm -rf "$work"
else
  work="$build_dir/corpus-work/$name"
fi
artifacts="$build_dir/fuzz-artifacts/$name"
logs="$build_dir/fuzz-logs"
mkdir -p "$work" "$artifacts" "$logs"
log="$logs/$name.log"

flags=(-max_total_time="$seconds" -timeout=25 -print_final_stats=1 -artifact_prefix="$artifacts/")
if [[ -f "$source_dir/$name.dict" ]]; then
  flags+=(-dict="$source_dir/$name.dict")
fi

status=0
"$binary" "${flags[@]}" "$@" "$work" "$seeds" >"$log" 2>&1 || status=$?
if [[ $status -ne 0 ]]; then
  tail -n 60 "$log" >&2
  echo "run_fuzz: $name failed (exit status $status); log $log, inputs in $artifacts/" >&2
  exit 1
fi

executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
inputs=$(find "$work" -type f | wc -l)
if [[ -z "$executions" ]]; then
  tail -n 20 "$log" >&2
  echo "run_fuzz: $name printed no final statistics; log $log" >&2
  exit 1
fi
echo "$name: $executions executions in $seconds s ($rate exec/s), scratch corpus $inputs inputs"
