#!/usr/bin/env bash
# Sets up the machine (Debian packages), builds scnvme and runs every test.
#   scripts/test.sh                    RelWithDebInfo build in build/
#   BUILD_TYPE=Asan scripts/test.sh    AddressSanitizer + UBSan build
# BUILD_DIR overrides the build directory (default: build); CTEST_ARGS adds ctest options
# (e.g. CTEST_ARGS="-E Sweep" leaves out the sweep tests).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
build_type=${BUILD_TYPE:-RelWithDebInfo}
build_dir=${BUILD_DIR:-build}
jobs=$(nproc)

if [ "$build_type" = Asan ]; then
  # LeakSanitizer crashes at exit on SystemC's coroutine stacks; the other checks stay on.
  export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
  export UBSAN_OPTIONS="print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
fi

scripts/setup.sh
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type"
cmake --build "$build_dir" -j "$jobs"
# shellcheck disable=SC2086  # CTEST_ARGS is a list of options
ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" ${CTEST_ARGS:-}
