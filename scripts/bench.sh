#!/usr/bin/env bash
# Benchmarks (figures, not pass/fail): simulated I/Os per wall-clock second and peak RSS for the
# documented scnvme-sim runs, and the ratio to SystemC's idealised I/O loop on this machine
# (../shared/bench/speed-ratio, when present), and SystemC thread resumptions (coroutine context
# switches) per I/O, counted by preloading tests/bench/switch_counter.cpp into each run ("n/a" when
# it cannot count: it needs SystemC's QuickThreads package in a shared libsystemc). Builds scnvme-sim
# and the counter first.
#   scripts/bench.sh            all runs
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
build_dir=${BUILD_DIR:-build}
scripts/setup.sh >/dev/null
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target scnvme-sim scnvme_switch_counter >/dev/null
sim="$build_dir/sim/scnvme-sim"
counter="$(cd "$build_dir" && pwd)/tests/libscnvme_switch_counter.so"
mkdir -p out

run() {  # name, then scnvme-sim arguments
  local name=$1
  shift
  rm -f "out/bench-$name.switches"
  LD_PRELOAD="$counter${LD_PRELOAD:+:$LD_PRELOAD}" SCNVME_SWITCH_COUNT_FILE="out/bench-$name.switches" \
    "$sim" --log-level=error --json "out/bench-$name.json" "$@" >/dev/null
  python3 - "out/bench-$name.json" "$name" "out/bench-$name.switches" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
r, h = d["results"], d["host"]
switches = "n/a"
if os.path.exists(sys.argv[3]) and r["ios_completed"]:
    switches = f"{int(open(sys.argv[3]).read()) / r['ios_completed']:.2f}"
print(f"{sys.argv[2]:<28} {h['ios_per_wall_second']:>12,.0f} I/O per wall-s  peak RSS {h['peak_rss_bytes']/2**20:8.1f} MiB"
      f"  modelled {r['iops']:>12,.0f} IOPS  p99 {r['latency_ns']['p99']:>8} ns  {switches:>6} switches/I/O")
PY
}

run randread-4k-qd32 --rw=randread --bs=4k --iodepth=32 --number_ios=200000 --verify=0
run randread-4k-qd32-8q --rw=randread --bs=4k --iodepth=32 --numjobs=8 --number_ios=25000 --verify=0
run seqread-128k-qd32 --rw=read --bs=128k --iodepth=32 --number_ios=8000 --verify=0
run dataless-4t-randread --ns1.size=4t --ns1.data=zeroes --rw=randread --iodepth=32 --number_ios=200000 --verify=0
run store-1g-written --ns1.size=4t --rw=write --bs=128k --iodepth=8 --number_ios=8192 --verify=0
run randrw-verified --rw=randrw --bs=4k --iodepth=32 --number_ios=100000

ios=$(python3 -c "import json; print(int(json.load(open('out/bench-randread-4k-qd32.json'))['host']['ios_per_wall_second']))")
if [ -x ../shared/bench/speed-ratio ]; then
  ../shared/bench/speed-ratio "$ios"
fi
