#!/bin/sh
# Every C++ file under apps/, lib/, tests/ and bench/ is as clang-format 14 writes it with the
# project's .clang-format (`make format` applies it). Usage: check_format.sh SOURCE_DIR
# [--self-test]. The self-test proves the check fails on a badly formatted line and passes a well
# formatted one, so a pass is not a checker that reads nothing. A missing clang-format-14 fails.
set -eu
cd "$1"
if ! command -v clang-format-14 >/dev/null 2>&1; then
  echo "clang-format-14 is missing (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
check_flags="--dry-run --Werror"  # one spelling for the files and the self-test
check() { clang-format-14 $check_flags "$@"; }
if [ "${2:-}" = "--self-test" ]; then
  if printf 'int  main( ){return 0;}\n' | check --assume-filename=lib/x.cpp >/dev/null 2>&1; then
    echo "the check passed a badly formatted line" >&2
    exit 1
  fi
  printf 'int main() { return 0; }\n' | check --assume-filename=lib/x.cpp
  exit 0
fi
find apps lib tests bench -name node_modules -prune -o \( -name '*.cpp' -o -name '*.hpp' \) -print |
  sort | xargs clang-format-14 $check_flags
