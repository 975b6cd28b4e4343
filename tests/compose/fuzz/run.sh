#!/bin/sh
# Builds the compose loader fuzz target with clang, libFuzzer, ASan and UBSan
# (see tests/support/fuzz_build.sh) and runs it.
#   tests/compose/fuzz/run.sh [SECONDS] [extra libFuzzer options...]
# Default 60 s. The corpus grows in build-fuzz/corpus; crashes are written to
# build-fuzz/ as crash-*, and replay with: build-fuzz/compose_load_fuzzer FILE
set -eu
seconds=${1:-60}
[ $# -gt 0 ] && shift
root=$(cd "$(dirname "$0")/../../.." && pwd)
out=${BERTH_FUZZ_BUILD:-$root/build-fuzz}
. "$root/tests/support/fuzz_build.sh"
fuzz_build "$root" "$out" compose_load_fuzzer \
    "$root/src/compose/*.hpp $root/include/berth/compose/*.hpp $root/include/berth/errors.hpp" \
    "-lyaml-cpp" "$root"/src/compose/*.cpp "$root/tests/compose/fuzz/load_fuzzer.cpp"
# Seeds: every corpus file, valid and invalid, and the dense seeds.
find "$root/tests/compose/corpus" "$root/tests/compose/fuzz/regressions" "$root/tests/compose/fuzz/seeds" -name '*.yml' -exec cp {} "$out/corpus/" \;
cd "$out"
exec ./compose_load_fuzzer -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=16384 -dict="$root/tests/compose/fuzz/compose.dict" "$@" corpus
