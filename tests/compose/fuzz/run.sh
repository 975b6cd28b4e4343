#!/bin/sh
# Builds the compose loader fuzz target with clang, libFuzzer, ASan and UBSan
# (Debian: apt-get install clang libclang-rt-14-dev) and runs it.
#   tests/compose/fuzz/run.sh [SECONDS] [extra libFuzzer options...]
# Default 60 s. The corpus grows in build-fuzz/corpus; crashes are written to
# build-fuzz/ as crash-*, and replay with: build-fuzz/compose_load_fuzzer FILE
set -eu
seconds=${1:-60}
[ $# -gt 0 ] && shift
root=$(cd "$(dirname "$0")/../../.." && pwd)
out=${BERTH_FUZZ_BUILD:-$root/build-fuzz}
mkdir -p "$out/corpus" "$out/objects"
cxx=${CXX_FUZZ:-clang++}
flags="-std=c++20 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -I$root/include -I$root/src"
# Any header change rebuilds everything: objects built against different
# layouts of one type would report ODR violations as memory errors.
newest_header=$(ls -t "$root"/src/compose/*.hpp "$root"/include/berth/compose/*.hpp \
    "$root"/include/berth/errors.hpp | head -n 1)
objects=""
for source in "$root"/src/compose/*.cpp "$root/tests/compose/fuzz/load_fuzzer.cpp"; do
    object="$out/objects/$(basename "$source" .cpp).o"
    if [ ! -f "$object" ] || [ "$source" -nt "$object" ] || [ "$newest_header" -nt "$object" ]; then
        echo "compiling $(basename "$source")"
        $cxx $flags -c "$source" -o "$object"
    fi
    objects="$objects $object"
done
# shellcheck disable=SC2086
$cxx -fsanitize=fuzzer,address,undefined $objects -lyaml-cpp -o "$out/compose_load_fuzzer"
# Seeds: every corpus file, valid and invalid, and the dense seeds.
find "$root/tests/compose/corpus" "$root/tests/compose/fuzz/regressions" "$root/tests/compose/fuzz/seeds" -name '*.yml' -exec cp {} "$out/corpus/" \;
cd "$out"
exec ./compose_load_fuzzer -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=16384 -dict="$root/tests/compose/fuzz/compose.dict" "$@" corpus
