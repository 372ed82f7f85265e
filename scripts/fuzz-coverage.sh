#!/usr/bin/env bash
# Source coverage the fuzz corpora reach: builds the fuzz targets with clang's source-based
# coverage (replay mains, build-fuzzcov/), runs each over its corpus (build-fuzz/corpus/<target>
# from scripts/fuzz.sh, else the seeds in tests/fuzz/corpus) and prints llvm-cov's report for the
# model's and the simulator's sources (src/, platforms/, sim/): lines, functions and regions
# covered per file and in total.
#   scripts/fuzz-coverage.sh              every target
#   scripts/fuzz-coverage.sh fuzz_walkers
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
build_dir=${BUILD_DIR:-build-fuzzcov}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_cli fuzz_trace fuzz_walkers fuzz_registers fuzz_registers_flash)

scripts/setup.sh
if ! command -v clang++ >/dev/null; then
  sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends clang
fi
flags="-fprofile-instr-generate -fcoverage-mapping"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" \
  -DCMAKE_SHARED_LINKER_FLAGS="$flags" >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target "${targets[@]}"

rm -f "$build_dir"/*.profraw
objects=()
for t in "${targets[@]}"; do
  corpus="build-fuzz/corpus/$t"
  [ -d "$corpus" ] || corpus="tests/fuzz/corpus/${t%_flash}"
  # A snapshot: a fuzzer still running on the corpus replaces inputs as it reduces them.
  snapshot=$(mktemp -d)
  cp -r "$corpus"/. "$snapshot"/
  echo "fuzz-coverage: $t over $corpus ($(ls "$snapshot" | wc -l) inputs)"
  LLVM_PROFILE_FILE="$build_dir/$t-%p.profraw" "$build_dir/tests/fuzz/$t" "$snapshot" >/dev/null 2>&1 ||
    echo "fuzz-coverage: $t failed on its corpus (run it to see why)"
  rm -rf "$snapshot"
  objects+=(-object "$build_dir/tests/fuzz/$t")
done
llvm-profdata merge -sparse "$build_dir"/*.profraw -o "$build_dir/fuzz.profdata"
llvm-cov report "${objects[@]:1}" -object "$build_dir/src/libscnvme.so" -object "$build_dir/platforms/libscnvme_platform.so" \
  -instr-profile "$build_dir/fuzz.profdata" "$PWD/src" "$PWD/platforms" "$PWD/sim" | tee "$build_dir/report.txt" | tail -1
echo "fuzz-coverage: per-file report in $build_dir/report.txt"
