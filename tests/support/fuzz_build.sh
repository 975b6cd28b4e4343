# What the fuzz targets' run.sh scripts share: an incremental clang build
# with libFuzzer, ASan and UBSan (Debian: apt-get install clang
# libclang-rt-14-dev). Source it, then
#   fuzz_build ROOT OUT PROGRAM "HEADER GLOBS" "LIBRARIES" SOURCE...
# builds OUT/PROGRAM, with its objects in OUT/objects.
fuzz_build() {
    root=$1 out=$2 program=$3 headers=$4 libraries=$5
    shift 5
    mkdir -p "$out/corpus" "$out/objects"
    cxx=${CXX_FUZZ:-clang++}
    flags="-std=c++20 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -I$root/include -I$root/src"
    # Any header change rebuilds everything: objects built against different
    # layouts of one type would report ODR violations as memory errors.
    # shellcheck disable=SC2086
    newest_header=$(ls -t $headers | head -n 1)
    objects=""
    for source in "$@"; do
        object="$out/objects/$(basename "$source" .cpp).o"
        if [ ! -f "$object" ] || [ "$source" -nt "$object" ] || [ "$newest_header" -nt "$object" ]; then
            echo "compiling $(basename "$source")"
            $cxx $flags -c "$source" -o "$object"
        fi
        objects="$objects $object"
    done
    # shellcheck disable=SC2086
    $cxx -fsanitize=fuzzer,address,undefined $objects $libraries -o "$out/$program"
}
