#!/usr/bin/env bash
# berth as a library in someone else's build: install it from this checkout
# into a temporary prefix (no tests, no examples), then build one small
# harness three ways (g++ with pkg-config, meson's dependency(), CMake's
# find_package) and run each on every engine given, with no berth program on
# PATH. Each brings up a one-service stack and must leave nothing behind.
#
#   tests/consumer/run.sh unix:///var/run/docker.sock unix:///run/podman/podman.sock
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d /tmp/berth-consumer.XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

started=$(date +%s)
meson setup "$work/build" "$root" --prefix "$prefix" --buildtype=plain \
  -Dtests=disabled -Dexamples=disabled >"$work/setup.log" 2>&1 ||
  { cat "$work/setup.log"; exit 1; }
ninja -C "$work/build" >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log"; exit 1; }
meson install -C "$work/build" --quiet
echo "installed into a temporary prefix in $(($(date +%s) - started)) s"
pc=$(find "$prefix" -name berth.pc)
libdir=$(dirname "$(dirname "$pc")")
for installed in "$prefix/share/berth/compose/docker-compose.yml" "$libdir/pkgconfig/berth.pc" \
  "$libdir/cmake/berth/berthConfig.cmake" "$prefix/bin/berth"; do
  [[ -f $installed ]] || { echo "not installed: $installed" >&2; exit 1; }
done

export PKG_CONFIG_PATH=$libdir/pkgconfig
export CMAKE_PREFIX_PATH=$prefix

# The installed library exports the public API, all of it and nothing else,
# and each installed header compiles alone with a consumer's flags.
python3 "$here/exports.py" "$libdir/libberth.so" "$libdir/libberth.a" "$prefix/include"
headers=0
while read -r header; do
  # shellcheck disable=SC2046
  echo "#include <$header>" | g++ -std=c++20 -Wall -Wextra -Werror -fsyntax-only -x c++ - \
    $(pkg-config --cflags berth) || { echo "$header does not compile alone" >&2; exit 1; }
  headers=$((headers + 1))
done < <(cd "$prefix/include" && find berth -name '*.hpp' | sort)
echo "$headers installed headers compile alone"

# The harness must not need a berth program on PATH: none is there.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
if command -v berth >/dev/null; then echo "berth is on PATH: $(command -v berth)" >&2; exit 1; fi

mkdir -p "$work/pkg-config"
# shellcheck disable=SC2046
g++ -std=c++20 -Wall -Wextra -Werror -o "$work/pkg-config/consumer" "$here/consumer.cpp" \
  $(pkg-config --cflags --libs berth) -Wl,-rpath,"$(pkg-config --variable=libdir berth)"
meson setup "$work/meson" "$here/meson" >"$work/meson.log" 2>&1 || { cat "$work/meson.log"; exit 1; }
ninja -C "$work/meson" >>"$work/meson.log" 2>&1 || { cat "$work/meson.log"; exit 1; }
cmake -S "$here/cmake" -B "$work/cmake" >"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; exit 1; }
cmake --build "$work/cmake" >>"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; exit 1; }

cat >"$work/compose.yaml" <<'YAML'
services:
  app:
    image: berth/debian:bookworm
    command: ["sleep", "600"]
    init: true
    ports: ["8080"]
YAML
failed=0
for endpoint in "$@"; do
  for kind in pkg-config meson cmake; do
    if BERTH_HOST=$endpoint "$work/$kind/consumer" "$work/compose.yaml"; then
      echo "ok: $kind consumer on $endpoint"
    else
      echo "FAILED: $kind consumer on $endpoint"
      failed=1
    fi
  done
done
exit "$failed"
