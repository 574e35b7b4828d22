#!/usr/bin/env bash
# Installs Sluice into a fresh prefix and builds the typed-rows example out of tree
# against it, once with find_package(Sluice) and once with pkg-config, then runs both.
#   test_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/sluice/typed.h"
test -f "$work/prefix/lib/cmake/Sluice/SluiceConfig.cmake"

cmake -S "$source/examples" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
"$work/build/example_typed_rows" "$work/warehouse" | tee "$work/out.txt"
grep -q "inserted 1000 trades as version 1" "$work/out.txt"
grep -q "trade -1: no rows" "$work/out.txt"

export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
# shellcheck disable=SC2046
c++ -O1 "$source/examples/typed_rows.cc" $(pkg-config --cflags --libs sluice) -o "$work/pc_example"
"$work/pc_example" "$work/warehouse2" | grep -q "notional"

"$work/prefix/bin/sluice" -c "SELECT 41 + 1 AS answer" --format csv | grep -qx 42
echo "installed package: find_package, pkg-config and the installed CLI work"
