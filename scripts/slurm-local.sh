#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for mmc's `--executor slurm` tests and for trying it out.
#   scripts/slurm-local.sh up      start munged, slurmctld and slurmd (as root; Debian's slurmctld,
#                                  slurmd, slurm-client, munge installed with --no-install-recommends)
#   scripts/slurm-local.sh down    cancel every job, stop the daemons, remove /etc/slurm/slurm.conf
#   scripts/slurm-local.sh status  whether it is up
# State lives in $MMC_SLURM_DIR (default /tmp/mmc-slurm); MMC_SLURM_MAX_ARRAY_SIZE sets MaxArraySize
# (default 1001, Slurm's; CI uses 3 so that a small sweep is split into several arrays). The config goes to /etc/slurm/slurm.conf so
# that client commands (sbatch, squeue, ...) find it without SLURM_CONF; an existing slurm.conf that
# this script did not write is never touched. Facts behind the settings (Slurm 22.05 in a container):
# proctrack/linuxproc and task/none work without cgroups; AuthInfo=cred_expire=10 lets a requeued
# task start again after ~10 s instead of 120; without slurmdbd, finished jobs are kept by
# jobcomp/filetxt; slurmstepd can outlive slurmd, so jobs are cancelled before the daemons stop; a
# client command hangs ~9 s per call while a daemon is down, so every call here has a timeout.
set -euo pipefail

DIR=${MMC_SLURM_DIR:-/tmp/mmc-slurm}
CONF=/etc/slurm/slurm.conf
MARK='# written by mmc scripts/slurm-local.sh'
HOST=$(hostname -s)
T='timeout 15'

die() { echo "slurm-local: $*" >&2; exit 1; }

is_up() { $T sinfo -h -n "$HOST" -o '%T' 2>/dev/null | grep -Eq '^(idle|mixed|allocated|completing)'; }

write_conf() {
  if [[ -e $CONF ]] && ! grep -qF "$MARK" "$CONF"; then die "$CONF exists and was not written by this script; not touching it"; fi
  local cpus mem
  cpus=$(nproc)
  mem=$(awk '/MemTotal/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)
  mkdir -p /etc/slurm "$DIR/state" "$DIR/spool"
  cat > "$CONF.tmp" <<CONF
$MARK
ClusterName=mmc-local
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=cred_expire=10
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/jobcomp.txt
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MinJobAge=300
MaxArraySize=${MMC_SLURM_MAX_ARRAY_SIZE:-1001}
NodeName=$HOST CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
  mv "$CONF.tmp" "$CONF"
}

start_munge() {
  if pgrep -x munged >/dev/null; then return; fi
  [[ -r /etc/munge/munge.key ]] || die "no /etc/munge/munge.key (install munge)"
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  runuser -u munge -- /usr/sbin/munged
  touch "$DIR/munged.ours"  # down stops only a munged that up started
}

up() {
  [[ $(id -u) == 0 ]] || die "run as root (the daemons run as root here)"
  for b in slurmctld slurmd sbatch munged; do command -v "$b" >/dev/null || [[ -x /usr/sbin/$b ]] || die "$b missing: apt-get install --no-install-recommends slurmctld slurmd slurm-client munge"; done
  local before=''
  [[ -e $CONF ]] && before=$(cat "$CONF")
  write_conf
  if is_up; then
    if [[ $before == "$(cat "$CONF")" ]]; then echo "slurm-local: already up"; return; fi
    echo "slurm-local: up with other settings; restarting"
    down > /dev/null
    write_conf
  fi
  start_munge
  pgrep -x slurmctld >/dev/null || (setsid /usr/sbin/slurmctld -D -i >"$DIR/slurmctld.out" 2>&1 </dev/null &)
  pgrep -x slurmd >/dev/null || (setsid /usr/sbin/slurmd -D >"$DIR/slurmd.out" 2>&1 </dev/null &)
  for _ in $(seq 1 60); do
    if is_up; then echo "slurm-local: up ($HOST, $(nproc) CPUs; logs in $DIR)"; return; fi
    sleep 0.5
  done
  tail -5 "$DIR/slurmctld.log" "$DIR/slurmd.log" >&2 || true
  die "the node did not come up within 30 s"
}

down() {
  if pgrep -x slurmctld >/dev/null; then
    $T scancel --full --quiet --user="$(id -un)" 2>/dev/null || true
    for _ in $(seq 1 20); do
      [[ -z $($T squeue -h -o %i 2>/dev/null) ]] && break
      sleep 0.5
    done
  fi
  pkill -x slurmstepd 2>/dev/null || true
  pkill -x slurmd 2>/dev/null || true
  pkill -x slurmctld 2>/dev/null || true
  for _ in $(seq 1 40); do
    pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null || pgrep -x slurmstepd >/dev/null || break
    sleep 0.25
  done
  for d in slurmctld slurmd slurmstepd; do pkill -9 -x $d 2>/dev/null || true; done
  if [[ -e $DIR/munged.ours ]]; then
    pkill -x munged 2>/dev/null || true
    for _ in $(seq 1 40); do pgrep -x munged >/dev/null || break; sleep 0.25; done
    rm -f "$DIR/munged.ours"
  fi
  if [[ -e $CONF ]] && grep -qF "$MARK" "$CONF"; then rm -f "$CONF"; fi
  # The controller state stays: job ids go on increasing across restarts, so the jobcomp file's
  # records (kept too) never describe two jobs with one id.
  rm -rf "$DIR/spool"
  echo "slurm-local: down"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) if is_up; then echo up; else echo down; exit 1; fi ;;
  *) die "usage: scripts/slurm-local.sh up|down|status" ;;
esac
