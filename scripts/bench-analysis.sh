#!/usr/bin/env bash
# What js-kernels.ts buys (docs/performance.md, "Analysis and attention"): two small runs trained
# once (attention fusion with EBR on synthetic data; avmnist-mini's conv encoders), then `mmc analyze`
# and an attention training run timed with the JS kernels off and on, alternately, three times.
# Prints one JSON line per timing; both settings give the same bits (src/native/kernels.test.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { node -e 'console.log(performance.timeOrigin + performance.now())'; }
timed() { # label, kernels, command...
  local label=$1 k=$2
  shift 2
  local s e
  s=$(now)
  MMC_NATIVE_JS_KERNELS=$k "$@" > /dev/null
  e=$(now)
  node -e "console.log(JSON.stringify({ what: '$label', js_kernels: '$k', seconds: +((($e) - ($s)) / 1000).toFixed(2) }))"
}
ATT=(--config configs/synthetic/unsaturated.yaml --set model.fusion.type=attention --set train.missing_rate.image=0.3 --set train.epochs=3)
run_of() { node -e 'let t="";process.stdin.on("data",d=>t+=d).on("end",()=>console.log(JSON.parse(t).run))'; }
att=$(node bin/mmc reallocate "${ATT[@]}" --set ebr.substitution=missing --set ebr.train_substitution=0 --backend native --runs-dir "$tmp" --json -q --no-progress | run_of)
avm=$(node bin/mmc train --config configs/avmnist-mini/unsaturated.yaml --set train.missing_rate.audio=0.3 --set train.epochs=2 --backend native --runs-dir "$tmp" --json -q --no-progress | run_of)
for i in 1 2 3; do
  for k in off on; do
    timed 'analyze: attention + EBR, synthetic (2,000 test samples)' $k node bin/mmc analyze --run "$att" --backend native --json -q
    timed 'analyze: avmnist-mini, conv encoders (3,000 test samples)' $k node bin/mmc analyze --run "$avm" --backend native --json -q
    timed 'train: attention fusion, synthetic, 3 epochs' $k node bin/mmc train "${ATT[@]}" --backend native --runs-dir "$tmp/t" --json -q --no-progress
  done
done
