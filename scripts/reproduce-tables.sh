#!/usr/bin/env bash
# Per-experiment tables of a finished `mmc reproduce` folder (docs/reproduction.md is this output):
#   scripts/reproduce-tables.sh runs/reproduce-full > tables.md
# Each table is `mmc summarize` over one sweep: mean ± sample std over seeds per grid point.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/reproduce-tables.sh REPRODUCE_DIR}
[[ -f "$out/summary.json" ]] || { echo "reproduce-tables: $out/summary.json not found (has mmc reproduce finished there?)" >&2; exit 2; }

sweep_of() { node -e 'const s=require(process.argv[1]).sweeps[process.argv[2]]; if(!s) process.exit(3); console.log(s)' "$(realpath "$out/summary.json")" "$1"; }
table() { # id title metrics
  local dir
  dir=$(sweep_of "$1") || { echo "(experiment $1 not in this reproduction)"; echo; return; }
  echo "### $2 — \`$1\`"; echo
  node bin/mmc summarize --runs-dir "$(dirname "$dir")" --sweep "$(basename "$dir")" --metrics "$3"
  echo
}

table lemma1-dense 'Lemma 1, dense' test_acc,poly_fraction,poly_entropy,collision_fraction,live_neurons
table lemma1-sparse 'Lemma 1, sparse' test_acc,poly_fraction,poly_entropy,collision_fraction,live_neurons
table theorem1 'Theorem 1' test_acc,acc_drop_zero.m2,shapley.m2,alone_ce.m2,probe_ce.m2,collision_fraction
table theorem2 'Theorem 2 / Fig. 5a' test_acc,fused_effective_rank,fused_numerical_rank,enc_effective_rank.m1,shapley.m2
table fig4 "Fig. 4 (final epoch; the semantic loss per epoch is val_alone_ce in each run's metrics.jsonl)" test_acc,best_epoch
if dir=$(sweep_of fig4); then # the per-epoch curve as a table (mmc plot prints its data)
  tmp=$(mktemp --suffix=.svg); trap 'rm -f "$tmp"' EXIT
  echo "Fig. 4 curve: m2's semantic loss (val_alone_ce.m2) per epoch, per M"; echo
  node bin/mmc plot --runs-dir "$(dirname "$dir")" --sweep "$(basename "$dir")" --x epoch --y val_alone_ce.m2 --series modalities:length --out "$tmp" | tail -n +2
  echo
fi
table fusion-operators 'Collapse per fusion operator' test_acc,missing_zero.image@1,missing_zero.audio@1,auc_missing.image,auc_missing_mean.image,poly_fraction,fused_effective_rank
table synthetic-vanilla 'Synthetic: vanilla vs modality dropout' test_acc,missing_zero.image@1,alone_acc.audio,shapley.audio,probe_ce.audio,auc_missing.image,auc_missing_mean.image
table synthetic-kd 'Synthetic: feature KD (image-only teacher → audio encoder)' test_acc,missing_zero.image@1,alone_acc.audio,shapley.audio,probe_ce.audio,auc_missing.image
table synthetic-ebr 'Synthetic: EBR (confusion, substitution 0.3)' test_acc,missing_zero.image@1,alone_acc.audio,auc_missing.image,auc_missing_mean.image,auc_missing_substitute.image,disc_acc
table ebr-fusion 'EBR per fusion operator (Tables 2/4)' test_acc,missing_zero.image@1,auc_missing.image,auc_missing_mean.image,auc_missing_substitute.image,disc_acc
table ebr-three 'EBR with three modalities (Table 6)' test_acc,auc_missing.m1,auc_missing_mean.m1,auc_missing_substitute.m1,g_cosine.m1~m2,g_cosine.m1~m3,disc_acc
table kd-order3 'Distillation order, M = 3 (Table 5)' test_acc,alone_acc.m2,alone_acc.m3,shapley.m2,shapley.m3,probe_ce.m2,probe_ce.m3
table avmnist-mini-vanilla 'avmnist-mini: vanilla vs modality dropout' test_acc,missing_zero.audio@1,alone_acc.image,shapley.image,probe_ce.image,auc_missing.audio,auc_missing_mean.audio
table avmnist-mini-kd 'avmnist-mini: feature KD (audio-only teacher → image encoder)' test_acc,missing_zero.audio@1,alone_acc.image,shapley.image,probe_ce.image,auc_missing.audio
table avmnist-mini-ebr 'avmnist-mini: EBR (confusion, substitution 0.3)' test_acc,missing_zero.audio@1,alone_acc.image,auc_missing.audio,auc_missing_mean.audio,auc_missing_substitute.audio,disc_acc
