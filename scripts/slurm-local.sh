#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for `scripts/sweep --slurm` and its test: munged,
# slurmctld and slurmd started directly (no systemd), one node "localhost" with this machine's
# CPUs and memory (from `slurmd -C`), one partition. Needs root and Debian's munge and slurm-wlm
# packages (scripts/setup.sh installs them).
#
#   scripts/slurm-local.sh start    start what is not running (creating the munge key if missing),
#                                   wait until sinfo shows the node idle (exit 1 with the daemons'
#                                   logs when it cannot); a fresh slurmctld forgets the jobs of an
#                                   earlier one; a running cluster is left as it is
#   scripts/slurm-local.sh status   daemons, sinfo and the logs' last lines; exit 0 when the node
#                                   answers and is usable, 1 otherwise
#   scripts/slurm-local.sh stop     stop the daemons this script started (by their pid files)
#
# Files: /etc/slurm/slurm.conf (written by this script, marked as such: one written by someone
# else is never replaced), state, spool, pid files and logs under $SLURM_LOCAL_DIR
# (default /var/spool/scnvme-slurm). Waits at most $SLURM_LOCAL_TIMEOUT seconds (default 60).
# Settings chosen to work in a container without systemd or a delegated cgroup tree:
# ProctrackType=proctrack/linuxproc, TaskPlugin=task/none, JobAcctGatherType=jobacct_gather/none,
# no accounting storage (so no slurmdbd; sacct does not work, scontrol and squeue do). With these
# plugins Slurm 22.05 (Debian 12) loads no cgroup plugin, so no cgroup.conf is needed.
set -uo pipefail

dir=${SLURM_LOCAL_DIR:-/var/spool/scnvme-slurm}
timeout=${SLURM_LOCAL_TIMEOUT:-60}
conf_dir=/etc/slurm
conf=$conf_dir/slurm.conf
marker="# written by scnvme scripts/slurm-local.sh"
munge_key=/etc/munge/munge.key
munge_pid=/run/munge/munged.pid
munge_log=/var/log/munge/munged.log
ctld_pid=$dir/slurmctld.pid
slurmd_pid=$dir/slurmd.pid
ctld_log=$dir/log/slurmctld.log
slurmd_log=$dir/log/slurmd.log

config_changed=0

say() { echo "slurm-local: $*"; }
fail() { echo "slurm-local: $*" >&2; }

running() {  # pid file [name]: true when it names a live process (of that name: a stale pid
  # file left by a daemon killed with the machine's processes may name a reused pid)
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  case "$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null)" in Z* | X* | "") return 1 ;; esac  # zombie
  [ -z "${2:-}" ] || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]
}

show_logs() {
  local f
  for f in "$munge_log" "$ctld_log" "$slurmd_log"; do
    echo "----- $f (last 40 lines)"
    if [ -f "$f" ]; then tail -n 40 "$f"; else echo "(no such file)"; fi
  done
  echo "-----"
}

node_state() {  # the node's state as sinfo shows it (idle, mixed, allocated, down*, ...), or ""
  timeout 10 sinfo -h -N -n localhost -o %T 2>/dev/null | head -n 1
}

usable_state() {
  case "$1" in
    idle | mixed | allocated | completing) return 0 ;;
    *) return 1 ;;
  esac
}

check_tools() {
  local t missing=()
  for t in munged mungekey munge unmunge slurmctld slurmd sinfo scontrol sbatch; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    fail "missing ${missing[*]}: run scripts/setup.sh (Debian packages munge, slurm-wlm)"
    exit 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    fail "must run as root (it starts munged, slurmctld and slurmd)"
    exit 1
  fi
}

write_config() {
  if [ -f "$conf" ] && ! grep -qF "$marker" "$conf"; then
    fail "$conf exists and was not written by this script; not replacing it"
    return 1
  fi
  local node
  # slurmd -C: this machine's CPUs, sockets, cores, threads and RealMemory (MiB).
  node=$(slurmd -C 2>/dev/null | head -n 1 | sed -e 's/^NodeName=[^ ]* //')
  if [ -z "$node" ]; then
    node="CPUs=$(nproc) RealMemory=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024))"
  fi
  mkdir -p "$conf_dir" "$dir/state" "$dir/spool" "$dir/log"
  local tmp=$conf.tmp.$$
  cat >"$tmp" <<EOF
$marker; rewritten by each start
ClusterName=scnvme
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$ctld_pid
SlurmdPidFile=$slurmd_pid
SlurmctldLogFile=$ctld_log
SlurmdLogFile=$slurmd_log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
# batch_sched_delay=0: start array tasks as soon as CPUs free up (default: up to 3 s later)
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
SlurmdTimeout=300
InactiveLimit=0
MinJobAge=300
KillWait=10
Waittime=0
NodeName=localhost NodeAddr=127.0.0.1 $node State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  if [ -f "$conf" ] && cmp -s "$tmp" "$conf"; then
    rm -f "$tmp"
  else
    mv "$tmp" "$conf"
    config_changed=1
  fi
}

start_munge() {
  if [ ! -s "$munge_key" ]; then
    say "creating $munge_key"
    mkdir -p "$(dirname "$munge_key")"
    mungekey --create --keyfile="$munge_key" || { fail "mungekey failed"; return 1; }
  fi
  chown munge:munge "$(dirname "$munge_key")" "$munge_key"
  chmod 0700 "$(dirname "$munge_key")"
  chmod 0400 "$munge_key"
  mkdir -p /run/munge /var/lib/munge /var/log/munge
  chown munge:munge /run/munge /var/lib/munge /var/log/munge
  chmod 0755 /run/munge
  chmod 0700 /var/lib/munge /var/log/munge
  if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
    return 0  # a munged answers (ours or the machine's own)
  fi
  if running "$munge_pid" munged; then
    say "munged (pid $(cat "$munge_pid")) does not answer: restarting it"
    kill "$(cat "$munge_pid")" 2>/dev/null
    sleep 1
  fi
  say "starting munged"
  rm -f /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock "$munge_pid"
  runuser -u munge -- munged </dev/null --log-file="$munge_log" --pid-file="$munge_pid" || {
    fail "munged failed to start"
    return 1
  }
  local i
  for ((i = 0; i < 50; i++)); do
    munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  fail "munged does not answer (munge -n | unmunge)"
  return 1
}

start() {
  check_tools
  if ! write_config || ! start_munge; then
    show_logs >&2
    exit 1
  fi
  if [ "$config_changed" = 1 ] && running "$ctld_pid" slurmctld; then
    say "configuration changed: scontrol reconfigure"
    scontrol reconfigure || true
  fi
  if ! running "$ctld_pid" slurmctld; then
    say "starting slurmctld"
    rm -f "$ctld_pid"
    # -c: a fresh controller (no jobs or node states left by an earlier instance)
    slurmctld -c -f "$conf" </dev/null || { fail "slurmctld failed to start"; show_logs >&2; exit 1; }
  fi
  if ! running "$slurmd_pid" slurmd; then
    say "starting slurmd"
    rm -f "$slurmd_pid"
    slurmd -c -f "$conf" -N localhost </dev/null || { fail "slurmd failed to start"; show_logs >&2; exit 1; }
  fi
  local state="" i
  for ((i = 0; i < timeout * 2; i++)); do
    state=$(node_state)
    if usable_state "$state"; then
      say "node localhost is $state"
      return 0
    fi
    case "$state" in
      down* | drain* | fail*)
        # A node left down by an earlier run (ReturnToService=2 normally revives it).
        scontrol update NodeName=localhost State=RESUME >/dev/null 2>&1 || true
        ;;
    esac
    if ! running "$ctld_pid" slurmctld || ! running "$slurmd_pid" slurmd; then
      sleep 1
      if ! running "$ctld_pid" slurmctld || ! running "$slurmd_pid" slurmd; then
        fail "a daemon exited (slurmctld $(running "$ctld_pid" slurmctld && echo running || echo stopped)," \
          "slurmd $(running "$slurmd_pid" slurmd && echo running || echo stopped))"
        show_logs >&2
        exit 1
      fi
    fi
    sleep 0.5
  done
  fail "node localhost not idle after ${timeout}s (sinfo says '${state:-nothing}')"
  timeout 10 sinfo >&2 2>&1 || true
  show_logs >&2
  exit 1
}

stop_daemon() {  # name, pid file
  if running "$2" "$1"; then
    local pid
    pid=$(cat "$2")
    say "stopping $1 (pid $pid)"
    kill "$pid" 2>/dev/null
    local i
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -9 "$pid" 2>/dev/null
    fi
  fi
  rm -f "$2"
}

stop() {
  stop_daemon slurmd "$slurmd_pid"
  stop_daemon slurmctld "$ctld_pid"
  stop_daemon munged "$munge_pid"
}

status() {
  local ok=0 d
  for d in "munged:$munge_pid" "slurmctld:$ctld_pid" "slurmd:$slurmd_pid"; do
    if running "${d#*:}" "${d%%:*}"; then
      echo "${d%%:*}: running (pid $(cat "${d#*:}"))"
    else
      echo "${d%%:*}: not running"
      ok=1
    fi
  done
  echo "config: $conf $( [ -f "$conf" ] && echo present || echo missing)"
  echo "sinfo:"
  if command -v sinfo >/dev/null 2>&1; then
    timeout 10 sinfo 2>&1 | sed 's/^/  /'
  else
    echo "  (sinfo not installed: run scripts/setup.sh)"
  fi
  local state
  state=$(node_state)
  echo "node localhost: ${state:-not reachable}"
  usable_state "$state" || ok=1
  show_logs
  return $ok
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
