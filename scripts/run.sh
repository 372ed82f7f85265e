#!/usr/bin/env bash
# Sets up the machine (Debian packages), builds scnvme and runs the default simulation: the
# reference platform enumerates the NVMe function, maps BAR0, enables bus mastering and MSI-X,
# brings the controller up, identifies it and its namespaces, creates I/O queue pairs and runs a
# short verified read/write workload, then shuts down and prints a summary.
#   scripts/run.sh                         the default workload
#   scripts/run.sh --rw=randread --iodepth=32 --number_ios=20000    any scnvme-sim options
# Outputs go to out/ (out/run.json); BUILD_DIR overrides the build directory (default: build).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
build_dir=${BUILD_DIR:-build}

scripts/setup.sh
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target scnvme-sim
mkdir -p out
if [ $# -eq 0 ]; then
  set -- --rw=randrw --bs=4k --iodepth=8 --numjobs=2 --number_ios=2000 --log-level=info
fi
"$build_dir/sim/scnvme-sim" --json out/run.json "$@"
echo "results: out/run.json"
