#!/bin/sh
# Builds the engine stream-decoder fuzz target with clang, libFuzzer, ASan and
# UBSan (Debian: apt-get install clang libclang-rt-14-dev) and runs it.
#   tests/engine/fuzz/run.sh [SECONDS] [extra libFuzzer options...]
# Default 60 s. The corpus grows in build-engine-fuzz/corpus; crashes are
# written there as crash-*, and replay with: build-engine-fuzz/engine_stream_fuzzer FILE
set -eu
seconds=${1:-60}
[ $# -gt 0 ] && shift
root=$(cd "$(dirname "$0")/../../.." && pwd)
out=${BERTH_FUZZ_BUILD:-$root/build-engine-fuzz}
mkdir -p "$out/corpus" "$out/objects"
cxx=${CXX_FUZZ:-clang++}
flags="-std=c++20 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -I$root/include -I$root/src"
# Any header change rebuilds everything (see tests/compose/fuzz/run.sh).
newest_header=$(ls -t "$root"/src/engine/*.hpp "$root"/include/berth/*.hpp | head -n 1)
objects=""
# streams.cpp, and system.cpp for normalise_event, which needs the rest of
# the engine layer to link.
for source in "$root"/src/engine/*.cpp "$root/tests/engine/fuzz/stream_fuzzer.cpp"; do
    object="$out/objects/$(basename "$source" .cpp).o"
    if [ ! -f "$object" ] || [ "$source" -nt "$object" ] || [ "$newest_header" -nt "$object" ]; then
        echo "compiling $(basename "$source")"
        $cxx $flags -c "$source" -o "$object"
    fi
    objects="$objects $object"
done
# shellcheck disable=SC2086
$cxx -fsanitize=fuzzer,address,undefined $objects -lcurl -larchive -o "$out/engine_stream_fuzzer"
cp "$root"/tests/engine/fuzz/corpus/* "$out/corpus/"
cd "$out"
exec ./engine_stream_fuzzer -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=4096 "$@" corpus
