#!/usr/bin/env bash
# Cross-modal knowledge distillation on the collapse setting (docs/results.md, "Knowledge
# distillation"): vanilla fusion, modality dropout, the audio-only model and KD students, each over
# ≥ 3 seeds through mmc sweep; then the distillation-order table for M = 3.
# Usage: scripts/kd.sh [--quick|--full] [OUT_DIR]   (quick: < 10 min on 2 cores)
name=kd
source "$(dirname "$0")/lib.sh"
parse_args "$@"
if [[ $mode == quick ]]; then seeds=3; losses="feature,logit"; lambdas="1"; else seeds=5; losses="feature,cosine,logit"; lambdas="0.3,1,3,10"; fi

base=configs/synthetic/collapse.yaml
van=$(sweep vanilla --config $base --grid "train.modality_dropout=0,0.3")
uni=$(sweep audio-only --config $base --grid "modalities=[audio]" --no-analyze)
kd=$(sweep kd --command distill --config configs/kd/collapse-kd.yaml --teacher-config $base --teacher-set "modalities=[image]" --grid "distill.loss=$losses" --grid "distill.lambda=$lambdas")
ord=$(sweep order3 --command distill --config configs/kd/order3.yaml --teacher-config configs/kd/order3.yaml --teacher-set "modalities=[m1]" --teacher-set "distill.pairs=[]" \
  --grid "distill.pairs=[{from: m1, to: m2},{from: m1, to: m3}],[{from: m1, to: m3},{from: m1, to: m2}]" --grid "distill.order=sequential,joint")
ordv=$(sweep order3-vanilla --config configs/kd/order3.yaml --set "distill.pairs=[]" --grid "train.modality_dropout=0")

fig="$out/figures"
mkdir -p "$fig"
cols=test_acc,alone_acc.audio,alone_acc.image,shapley.audio,alone_ce.audio,probe_ce.audio,probe_gap.audio,enc_effective_rank.audio,fused_effective_rank,poly_fraction,collision_fraction
{
  echo "## Vanilla and modality dropout"; mmc summarize --sweep "$van" --metrics $cols
  echo; echo "## Audio-only model (ceiling with image missing)"; mmc summarize --sweep "$uni" --metrics test_acc
  echo; echo "## KD students (teacher: image-only run of the same seed)"; mmc summarize --sweep "$kd" --metrics $cols
  echo; echo "## M = 3, vanilla"; mmc summarize --sweep "$ordv" --metrics test_acc,alone_acc.m2,alone_acc.m3,shapley.m2,shapley.m3,probe_ce.m2,probe_ce.m3
  echo; echo "## M = 3, distillation order"; mmc summarize --sweep "$ord" --metrics test_acc,alone_acc.m2,alone_acc.m3,shapley.m2,shapley.m3,probe_ce.m2,probe_ce.m3
} > "$out/tables.md"
mmc plot --sweep "$kd" --x distill.lambda --y alone_acc.audio --series distill.loss --log-x --title "KD: accuracy with image missing vs λ" --out "$fig/kd-audio-alone.svg" > /dev/null
mmc plot --sweep "$kd" --x distill.lambda --y enc_effective_rank.audio --series distill.loss --log-x --title "KD: effective rank of the audio encoder vs λ" --out "$fig/kd-audio-rank.svg" > /dev/null
echo "kd ($mode) took $(( $(date +%s) - start )) s; tables in $out/tables.md, figures in $fig"
