#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, -DSCNVME_FUZZ=ON with clang, ASan + UBSan) in
# build-fuzz/ and runs each for a while, starting from its seed corpus.
#   scripts/fuzz.sh                 every target, 60 s each
#   FUZZ_SECONDS=600 scripts/fuzz.sh fuzz_walkers
# The corpus grows in build-fuzz/corpus/<target> (the seeds in tests/fuzz/corpus stay as they are);
# a finding is written to build-fuzz/findings/<target>/ and the script exits 1. Prints executions
# per second and total executions per target.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
seconds=${FUZZ_SECONDS:-60}
build_dir=${BUILD_DIR:-build-fuzz}
all_targets=(fuzz_cli fuzz_trace fuzz_walkers fuzz_registers fuzz_registers_flash)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

scripts/setup.sh
if ! command -v clang++ >/dev/null; then  # libFuzzer comes with Debian's clang
  sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends clang
fi
cmake -S . -B "$build_dir" -DSCNVME_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target "${targets[@]}"

status=0
for t in "${targets[@]}"; do
  corpus="$build_dir/corpus/$t"
  findings="$build_dir/findings/$t"
  mkdir -p "$corpus" "$findings"
  seeds=${t%_flash}  # fuzz_registers_flash starts from fuzz_registers' seeds and dictionary
  cp -n tests/fuzz/corpus/"$seeds"/* "$corpus"/ 2>/dev/null || true
  dict=()
  [ -f "tests/fuzz/$seeds.dict" ] && dict=(-dict="tests/fuzz/$seeds.dict")
  log="$build_dir/$t.log"
  echo "fuzz: $t for $seconds s (log $log)"
  # -timeout: an input running longer than 10 wall seconds is a hang (the targets also bound
  # simulated time); -rss_limit_mb: a leak or runaway allocation is a finding.
  if ! "$build_dir/tests/fuzz/$t" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
       -artifact_prefix="$findings/" -print_final_stats=1 "$corpus" >"$log" 2>&1; then
    echo "fuzz: $t: FINDING (see $log and $findings)"
    status=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
  echo "fuzz: $t: $runs executions, $speed per second, coverage $cov edges, corpus $(ls "$corpus" | wc -l) inputs"
done
exit $status
