#!/usr/bin/env bash
# The paper's theory experiments on synthetic data (docs/results.md): Lemma 1, Theorem 1,
# Theorem 2 / Fig. 5a and Fig. 4, each a sweep over ≥ 3 seeds, then figures and tables.
# Usage: scripts/theory.sh [--quick|--full] [OUT_DIR]   (quick: < 10 min on 2 cores)
name=theory
source "$(dirname "$0")/lib.sh"
parse_args "$@"

if [[ $mode == quick ]]; then
  seeds=3; M="[m1,m2],[m1,m2,m3],[m1,m2,m3,m4],[m1,m2,m3,m4,m5],[m1,m2,m3,m4,m5,m6]"; heads="[16]"
  noise="0,16,64"; beta="0.25,1,4"; size=(--set dataset.train_size=1500 --set train.epochs=15)
else
  seeds=5; M="[m1,m2],[m1,m2,m3],[m1,m2,m3,m4],[m1,m2,m3,m4,m5],[m1,m2,m3,m4,m5,m6]"; heads="[16],[64]"
  noise="0,4,8,16,32,64"; beta="0.125,0.25,0.5,1,2,4,8"; size=()
fi

sweep_sized() { sweep "$@" "${size[@]}"; }

l1d=$(sweep_sized lemma1-dense --config configs/theory/lemma1-dense.yaml --grid "modalities=$M" --grid "model.fusion.hidden=$heads")
l1s=$(sweep_sized lemma1-sparse --config configs/theory/lemma1-sparse.yaml --grid "modalities=$M" --grid "model.fusion.hidden=$heads")
t1=$(sweep_sized theorem1 --config configs/theory/theorem1.yaml --grid "dataset.modalities.m1.noise_features=$noise")
t2=$(sweep_sized theorem2 --config configs/theory/theorem2.yaml --grid "dataset.modalities.m1.strength=$beta")
f4=$(sweep_sized fig4 --config configs/theory/fig4.yaml --grid "modalities=[m1,m2],[m1,m2,m3],[m1,m2,m3,m4]" --no-analyze)

fig="$out/figures"
mkdir -p "$fig"
for s in "$l1d:dense" "$l1s:sparse"; do
  dir=${s%:*}; tag=${s#*:}
  mmc plot --sweep "$dir" --x modalities:length --y poly_fraction --series model.fusion.hidden --title "Lemma 1 ($tag): cross-modal polysemantic fraction vs M" --out "$fig/lemma1-$tag-poly.svg"
  mmc plot --sweep "$dir" --x modalities:length --y collision_fraction --series model.fusion.hidden --title "Lemma 1 ($tag): noise–predictive collision fraction vs M" --out "$fig/lemma1-$tag-collisions.svg"
done
mmc plot --sweep "$t1" --x dataset.modalities.m1.noise_features --y shapley.m2 --title "Theorem 1: Shapley value of m2 vs noise features of m1" --out "$fig/theorem1-shapley.svg"
mmc plot --sweep "$t1" --x dataset.modalities.m1.noise_features --y alone_ce.m2 --title "Theorem 1: semantic loss of m2 (alone) vs noise features of m1" --out "$fig/theorem1-semantic.svg"
mmc plot --sweep "$t2" --x dataset.modalities.m1.strength --y fused_effective_rank --log-x --title "Theorem 2 / Fig. 5a: effective rank of the fused representation vs β of m1" --out "$fig/theorem2-rank.svg"
mmc plot --sweep "$f4" --x epoch --y val_alone_ce.m2 --series modalities:length --title "Fig. 4: semantic loss of m2 over training" --out "$fig/fig4-semantic.svg"

{
  echo "## Lemma 1, dense"; mmc summarize --sweep "$l1d" --metrics test_acc,poly_fraction,poly_entropy,collision_fraction,live_neurons
  echo; echo "## Lemma 1, sparse (s = 0.3)"; mmc summarize --sweep "$l1s" --metrics test_acc,poly_fraction,poly_entropy,collision_fraction,live_neurons
  echo; echo "## Theorem 1"; mmc summarize --sweep "$t1" --metrics test_acc,acc_drop_zero.m2,shapley.m2,alone_ce.m2,probe_ce.m2,probe_gap.m2,collision_fraction
  echo; echo "## Theorem 2"; mmc summarize --sweep "$t2" --metrics test_acc,fused_effective_rank,fused_numerical_rank,enc_effective_rank.m1,shapley.m2
  echo; echo "## Fig. 4 (final epoch)"; mmc summarize --sweep "$f4" --metrics test_acc,best_epoch
  echo; echo "## Power-law fits (Lemma 1)"
  for s in "$l1d:dense" "$l1s:sparse"; do
    dir=${s%:*}; tag=${s#*:}
    for y in poly_fraction collision_fraction; do
      echo "### $tag, $y"; mmc plot --sweep "$dir" --x modalities:length --y "$y" --series model.fusion.hidden --out "$fig/.fit.svg" | tail -n +2
    done
  done
  echo; echo "## Fig. 4 curves"; mmc plot --sweep "$f4" --x epoch --y val_alone_ce.m2 --series modalities:length --out "$fig/.fit.svg" | tail -n +2
} > "$out/tables.md"
rm -f "$fig/.fit.svg"
echo "theory ($mode) took $(( $(date +%s) - start )) s; figures in $fig, tables in $out/tables.md"
