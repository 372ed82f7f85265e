#!/usr/bin/env bash
# Proves that an installed scnvme is usable from outside: installs the build BUILD_DIR into PREFIX
# (wiped first), then builds platforms/examples/installed_consumer against that prefix twice —
# with CMake's find_package(scnvme) and with pkg-config (scnvme.pc) — and runs both binaries.
#
#   scripts/check-installed-example.sh BUILD_DIR SOURCE_DIR PREFIX [CONFIG]
#
# Scratch build directories go next to PREFIX. Environment (all optional): CMAKE, CXX (the tools
# of the main build), SCNVME_CONSUMER_FLAGS (extra compile+link flags for the consumer, e.g. the
# sanitizer flags when the library was built with them).
set -euo pipefail

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
  echo "usage: $0 BUILD_DIR SOURCE_DIR PREFIX [CONFIG]" >&2
  exit 2
fi

build_dir=$(cd "$1" && pwd)
source_dir=$(cd "$2" && pwd)
prefix=$3
config=${4:-}
cmake=${CMAKE:-cmake}
cxx=${CXX:-c++}
extra_flags=${SCNVME_CONSUMER_FLAGS:-}
example_src="$source_dir/platforms/examples/installed_consumer"

mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)
work=$(dirname "$prefix")
cmake_build="$work/consumer-cmake"
pc_build="$work/consumer-pkgconfig"
rm -rf "$prefix" "$cmake_build" "$pc_build"
mkdir -p "$prefix" "$pc_build"

config_args=()
if [ -n "$config" ]; then
  config_args=(--config "$config")
fi

echo "== install $build_dir into $prefix"
"$cmake" --install "$build_dir" --prefix "$prefix" "${config_args[@]}"

echo "== find_package(scnvme): configure and build the example"
"$cmake" -S "$example_src" -B "$cmake_build" \
  -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_BUILD_TYPE="${config:-RelWithDebInfo}" \
  -DCMAKE_CXX_FLAGS="$extra_flags" \
  -DCMAKE_EXE_LINKER_FLAGS="$extra_flags"
"$cmake" --build "$cmake_build" "${config_args[@]}"

exe=$(find "$cmake_build" -type f -name installed_consumer -perm -u+x | head -n 1)
if [ -z "$exe" ]; then
  echo "check-installed-example: no installed_consumer binary under $cmake_build" >&2
  exit 1
fi
echo "== run $exe"
"$exe"

echo "== pkg-config scnvme: build the example with the compiler alone"
pc_dir=$(find "$prefix" -type f -name scnvme.pc -printf '%h\n' | head -n 1)
if [ -z "$pc_dir" ]; then
  echo "check-installed-example: no scnvme.pc under $prefix" >&2
  exit 1
fi
export PKG_CONFIG_PATH="$pc_dir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
pkg-config --print-errors --exists scnvme
# shellcheck disable=SC2046,SC2086  # word splitting of the flags is intended
"$cxx" -std=c++17 $extra_flags "$example_src/main.cpp" -o "$pc_build/installed_consumer" \
  $(pkg-config --cflags --libs scnvme)
libdir=$(pkg-config --variable=libdir scnvme)
echo "== run $pc_build/installed_consumer (LD_LIBRARY_PATH=$libdir)"
LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$pc_build/installed_consumer"

echo "check-installed-example: OK"
