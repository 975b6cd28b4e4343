#!/bin/sh
# Builds the engine stream-decoder fuzz target with clang, libFuzzer, ASan and
# UBSan (see tests/support/fuzz_build.sh) and runs it.
#   tests/engine/fuzz/run.sh [SECONDS] [extra libFuzzer options...]
# Default 60 s. The corpus grows in build-engine-fuzz/corpus; crashes are
# written there as crash-*, and replay with: build-engine-fuzz/engine_stream_fuzzer FILE
set -eu
seconds=${1:-60}
[ $# -gt 0 ] && shift
root=$(cd "$(dirname "$0")/../../.." && pwd)
out=${BERTH_FUZZ_BUILD:-$root/build-engine-fuzz}
. "$root/tests/support/fuzz_build.sh"
# streams.cpp, and system.cpp for normalise_event, which needs the rest of
# the engine layer to link.
fuzz_build "$root" "$out" engine_stream_fuzzer "$root/src/engine/*.hpp $root/include/berth/*.hpp" \
    "-lcurl -larchive" "$root"/src/engine/*.cpp "$root/tests/engine/fuzz/stream_fuzzer.cpp"
cp "$root"/tests/engine/fuzz/corpus/* "$out/corpus/"
cd "$out"
exec ./engine_stream_fuzzer -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=4096 "$@" corpus
