#!/usr/bin/env bash
# Per-experiment tables of a finished `mmc reproduce` folder, and (with FIGDIR) the figures of docs/reproduce.md:
#   scripts/reproduce-tables.sh runs/reproduce-full [docs/figures/reproduce-full] > docs/reproduce-full/tables.md
# Each table is `mmc summarize` over one sweep: mean ± sample std over seeds per grid point; each
# figure is `mmc plot` (mean ± std over seeds).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/reproduce-tables.sh REPRODUCE_DIR [FIGDIR]}
figdir=${2:-}
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
table theorem1-constant 'Theorem 1 at constant m1 strength (m1 in 72 input dimensions)' test_acc,acc_drop_zero.m2,shapley.m2,alone_ce.m2,probe_ce.m2,collision_fraction
table theorem1-constant-m1 'Theorem 1 at constant m1 strength: calibration, m1 alone' test_acc,test_ce
table theorem2 'Theorem 2 / Fig. 5a' test_acc,fused_effective_rank,fused_numerical_rank,enc_effective_rank.m1,shapley.m2
table fig4 "Fig. 4 (final epoch; the semantic loss per epoch is val_alone_ce in each run's metrics.jsonl)" test_acc,best_epoch
if dir=$(sweep_of fig4); then # the per-epoch curve as a table (mmc plot prints its data)
  tmp=$(mktemp --suffix=.svg); trap 'rm -f "$tmp"' EXIT
  echo "Fig. 4 curve: m2's semantic loss (val_alone_ce.m2) per epoch, per M"; echo
  node bin/mmc plot --runs-dir "$(dirname "$dir")" --sweep "$(basename "$dir")" --x epoch --y val_alone_ce.m2 --series modalities:length --out "$tmp" | tail -n +2
  echo
fi
table fusion-operators 'Collapse per fusion operator' test_acc,missing_zero.image@1,missing_zero.audio@1,auc_missing.image,auc_missing_mean.image,poly_fraction,fused_effective_rank
table synthetic-vanilla 'Synthetic: vanilla vs modality dropout' test_acc,missing_zero.image@1,missing_zero.audio@1,shapley.audio,probe_ce.audio,auc_missing.image,auc_missing_mean.image,fused_effective_rank,poly_fraction,collision_fraction
table synthetic-kd 'Synthetic: feature KD (image-only teacher → audio encoder)' test_acc,missing_zero.image@1,missing_zero.audio@1,shapley.audio,probe_ce.audio,auc_missing.image,fused_effective_rank,poly_fraction,collision_fraction
table synthetic-ebr 'Synthetic: EBR (confusion, substitution 0.3)' test_acc,missing_zero.image@1,missing_zero.audio@1,auc_missing.image,auc_missing_mean.image,auc_missing_substitute.image,disc_acc,fused_effective_rank,poly_fraction,collision_fraction
table ebr-fusion 'EBR per fusion operator (Tables 2/4)' test_acc,missing_zero.image@1,auc_missing.image,auc_missing_mean.image,auc_missing_substitute.image,disc_acc
table ebr-three 'EBR with three modalities (Table 6)' test_acc,auc_missing.m1,auc_missing_mean.m1,auc_missing_substitute.m1,g_cosine.m1~m2,g_cosine.m1~m3,disc_acc
table kd-order3 'Distillation order, M = 3 (Table 5)' test_acc,alone_acc.m2,alone_acc.m3,shapley.m2,shapley.m3,probe_ce.m2,probe_ce.m3
table synthetic-unimodal 'Synthetic: audio-only model (the neglected modality alone)' test_acc,test_macro_f1,best_epoch
table avmnist-mini-vanilla 'avmnist-mini: vanilla vs modality dropout' test_acc,missing_zero.audio@1,missing_zero.image@1,shapley.image,probe_ce.image,auc_missing.audio,auc_missing_mean.audio,fused_effective_rank,poly_fraction,collision_fraction
table avmnist-mini-kd 'avmnist-mini: feature KD (audio-only teacher → image encoder)' test_acc,missing_zero.audio@1,missing_zero.image@1,shapley.image,probe_ce.image,auc_missing.audio,fused_effective_rank,poly_fraction,collision_fraction
table avmnist-mini-ebr 'avmnist-mini: EBR (confusion, substitution 0.3)' test_acc,missing_zero.audio@1,missing_zero.image@1,auc_missing.audio,auc_missing_mean.audio,auc_missing_substitute.audio,disc_acc,fused_effective_rank,poly_fraction,collision_fraction
table ebr-capacity 'EBR at λ = 0 (only the h/h⁻¹ maps), unsaturated synthetic' test_acc,test_ce,best_epoch
table vanilla-depth 'Vanilla with four more encoder layers, unsaturated synthetic' test_acc,test_ce,best_epoch
table avmnist-mini-unimodal 'avmnist-mini: image-only model (the neglected modality alone)' test_acc,test_macro_f1,best_epoch

[[ -n "$figdir" ]] || exit 0
mkdir -p "$figdir"
plot() { # file title plot-args… (sweep ids as @id)
  local file=$1 title=$2 args=() a dir; shift 2
  for a in "$@"; do
    if [[ $a == @* ]]; then dir=$(sweep_of "${a#@}") || return 0; args+=(--sweep "$dir"); else args+=("$a"); fi
  done
  node bin/mmc plot --runs-dir / "${args[@]}" --title "$title" --out "$figdir/$file" > /dev/null
}
plot synthetic-missing-image.svg 'Synthetic: test accuracy as the image goes missing (zero-filled)' @synthetic-vanilla @synthetic-kd @synthetic-ebr --x rate --y missing_zero.image
plot avmnist-mini-missing-audio.svg 'avmnist-mini: test accuracy as the audio goes missing (zero-filled)' @avmnist-mini-vanilla @avmnist-mini-kd @avmnist-mini-ebr --x rate --y missing_zero.audio
plot theorem2-rank.svg 'Theorem 2: effective rank of the fused representation vs the strength of m1' @theorem2 --x dataset.modalities.m1.strength --y fused_effective_rank --log-x
plot lemma1-dense-poly.svg 'Lemma 1 (dense): polysemantic fraction of the fusion head vs M' @lemma1-dense --x modalities:length --y poly_fraction --series model.fusion.hidden
plot fig4-semantic.svg "Fig. 4: m2's semantic loss (validation CE, m2 alone) over training" @fig4 --x epoch --y val_alone_ce.m2 --series modalities:length
echo "figures: $(ls "$figdir" | wc -l) in $figdir" >&2
