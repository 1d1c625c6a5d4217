#!/usr/bin/env bash
# What a sweep job costs, and what the job changes of 2026-12-03 buy (docs/performance.md, "A sweep
# job"): one reproduce-style job (train, then the analysis) on the unsaturated synthetic and
# avmnist-mini configs, timed alternately three times each way:
#   two    — `mmc train` then `mmc analyze --run` (two processes: how jobs ran before)
#   one    — `mmc train --analyze` (the analysis in the training process: how jobs run now)
#   before — the same two processes in an older checkout, OLD=/path (built: npm ci, tsc, native addon)
# plus `mmc --version` (process start-up). Prints one JSON line per timing.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { node -e 'console.log(performance.timeOrigin + performance.now())'; }
run_of() { node -e 'let t="";process.stdin.on("data",d=>t+=d).on("end",()=>console.log(JSON.parse(t).run))'; }
emit() { node -e "console.log(JSON.stringify({ what: '$1', how: '$2', seconds: +((($4) - ($3)) / 1000).toFixed(2) }))"; }
job() { # label, how, mmc-dir, config args...
  local label=$1 how=$2 dir=$3 s e run
  shift 3
  s=$(now)
  if [ "$how" = one ]; then
    node "$dir/bin/mmc" train "$@" --backend native --runs-dir "$tmp/$how" --json -q --no-progress --analyze > /dev/null
  else
    run=$(node "$dir/bin/mmc" train "$@" --backend native --runs-dir "$tmp/$how" --json -q --no-progress | run_of)
    node "$dir/bin/mmc" analyze --run "$run" --backend native --json -q > /dev/null
  fi
  e=$(now)
  emit "$label" "$how" "$s" "$e"
}
startup() { # how, mmc-dir
  local s e
  s=$(now)
  node "$2/bin/mmc" --version > /dev/null
  e=$(now)
  emit 'process start-up (mmc --version)' "$1" "$s" "$e"
}
SYN=(--config configs/synthetic/unsaturated.yaml --set train.missing_rate.image=0.3 --seed 1)
AVM=(--config configs/avmnist-mini/unsaturated.yaml --set train.missing_rate.audio=0.3 --seed 1)
hows=(two one)
[ -n "${OLD:-}" ] && hows=(before two one)
for i in 1 2 3; do
  for how in "${hows[@]}"; do
    dir=.
    [ "$how" = before ] && dir=$OLD
    startup "$how" "$dir"
    job 'job: synthetic unsaturated, image missing at 0.3' "$how" "$dir" "${SYN[@]}"
    job 'job: avmnist-mini unsaturated, audio missing at 0.3' "$how" "$dir" "${AVM[@]}"
  done
done
