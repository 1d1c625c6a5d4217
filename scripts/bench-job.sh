#!/usr/bin/env bash
# What a sweep job costs, and what the job changes of 2026-12-03 buy (docs/performance.md, "A sweep
# job"): one reproduce-style job (train, then the analysis) on the unsaturated synthetic and
# avmnist-mini configs, timed alternately REPS times (default 3) each way:
#   two    — `mmc train` then `mmc analyze --run` (two processes: how jobs ran before)
#   one    — `mmc train --analyze` (the analysis in the training process: how jobs run now)
#   before — the same two processes in an older checkout, OLD=/path (built: npm ci, tsc, native addon)
# plus `mmc --version` (process start-up). Prints one JSON line per timing.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run_of() { node -e 'let t="";process.stdin.on("data",d=>t+=d).on("end",()=>console.log(JSON.parse(t).run))'; }
# Each process under /usr/bin/time: wall seconds, and CPU seconds (user + system), which a shared VM's
# steal inflates less than wall time; a job's figures are the sums over its processes.
timed() { /usr/bin/time -a -o "$tmp/times" -f '%e %U %S' "$@"; }
emit() { # what, how: sums $tmp/times, then clears it
  node -e "
const t = require('fs').readFileSync('$tmp/times', 'utf8').trim().split('\\n').map((l) => l.split(' ').map(Number));
const sum = (i) => +t.reduce((s, r) => s + r[i], 0).toFixed(2);
console.log(JSON.stringify({ what: '$1', how: '$2', processes: t.length, wall_s: sum(0), cpu_s: +(sum(1) + sum(2)).toFixed(2) }))"
  rm -f "$tmp/times"
}
job() { # label, how, mmc-dir, config args...
  local label=$1 how=$2 dir=$3 run
  shift 3
  if [ "$how" = one ]; then
    timed node "$dir/bin/mmc" train "$@" --backend native --runs-dir "$tmp/$how" --json -q --no-progress --analyze > /dev/null
  else
    run=$(timed node "$dir/bin/mmc" train "$@" --backend native --runs-dir "$tmp/$how" --json -q --no-progress | run_of)
    timed node "$dir/bin/mmc" analyze --run "$run" --backend native --json -q > /dev/null
  fi
  emit "$label" "$how"
}
startup() { # how, mmc-dir
  timed node "$2/bin/mmc" --version > /dev/null
  emit 'process start-up (mmc --version)' "$1"
}
SYN=(--config configs/synthetic/unsaturated.yaml --set train.missing_rate.image=0.3 --seed 1)
AVM=(--config configs/avmnist-mini/unsaturated.yaml --set train.missing_rate.audio=0.3 --seed 1)
hows=(two one)
[ -n "${OLD:-}" ] && hows=(before two one)
for _ in $(seq "${REPS:-3}"); do
  for how in "${hows[@]}"; do
    dir=.
    [ "$how" = before ] && dir=$OLD
    startup "$how" "$dir"
    job 'job: synthetic unsaturated, image missing at 0.3' "$how" "$dir" "${SYN[@]}"
    job 'job: avmnist-mini unsaturated, audio missing at 0.3' "$how" "$dir" "${AVM[@]}"
  done
done
