#!/usr/bin/env bash
# Installs the Debian packages scnvme needs to build and test. Idempotent: packages already
# present are left alone and nothing is fetched. Runs as root or through sudo.
set -euo pipefail

packages=(
  build-essential
  cmake
  pkg-config
  libsystemc-dev
  libgtest-dev
  googletest
  libboost-program-options-dev
  nlohmann-json3-dev
  # memcheck over a subset of the tests (the Valgrind.* tests)
  valgrind
  # plots and parameter sweeps (scripts/plot.py, scripts/sweep, scripts/slurm-local.sh)
  python3
  python3-matplotlib
  parallel
  munge
  slurm-wlm
  slurmctld
  slurmd
  slurm-client
  # waveforms: vcd2fst checks a VCD, gtkwave under xvfb-run renders one (scripts/vcd2png)
  gtkwave
  xvfb
  xauth
  imagemagick
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "setup: need root or sudo to install: ${missing[*]}" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
