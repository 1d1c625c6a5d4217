#!/usr/bin/env bash
# Explicit Basis Reallocation on the collapse setting (docs/results.md, "EBR"): missing-rate curves
# under each protocol for vanilla, modality dropout, KD and EBR variants; EBR with each fusion
# operator; which substitute works best with M = 3. Every sweep over ≥ 3 seeds.
# Usage: scripts/ebr.sh [--quick|--full] [OUT_DIR]   (quick: < 10 min on 2 cores)
name=ebr
source "$(dirname "$0")/lib.sh"
parse_args "$@"
if [[ $mode == quick ]]; then seeds=3; subs="0,0.3"; lambdas="1"; else seeds=5; subs="0,0.3,0.6"; lambdas="0.3,1,3"; fi
base=configs/synthetic/collapse.yaml
van=$(sweep vanilla --config $base --grid "train.modality_dropout=0,0.3")
kd=$(sweep kd --command distill --config configs/kd/collapse-kd.yaml --teacher-config $base --teacher-set "modalities=[image]" --grid "distill.loss=feature")
ebr=$(sweep ebr --command reallocate --config configs/ebr/collapse-ebr.yaml --grid "ebr.form=reversal,confusion" --grid "ebr.train_substitution=$subs" --grid "ebr.lambda=$lambdas")
ops=$(sweep ebr-fusion --command reallocate --config configs/ebr/collapse-ebr.yaml --set ebr.train_substitution=0.3 --grid "model.fusion.type=concat,sum,late")
three=$(sweep ebr-three --command reallocate --config configs/ebr/three.yaml --grid "ebr.form=confusion" --no-analyze)

fig="$out/figures"
mkdir -p "$fig"
mmc plot --sweep "$van" --sweep "$kd" --sweep "$ebr" --x rate --y missing_zero.image --title "Accuracy vs missing rate of image, zero protocol" --out "$fig/ebr-missing-zero.svg" > /dev/null
mmc plot --sweep "$van" --sweep "$ebr" --x rate --y missing_mean.image --title "Accuracy vs missing rate of image, mean protocol" --out "$fig/ebr-missing-mean.svg" > /dev/null
mmc plot --sweep "$ebr" --x rate --y missing_substitute.image --title "EBR: accuracy vs missing rate of image, substitute protocol" --out "$fig/ebr-missing-substitute.svg" > /dev/null
cols=test_acc,auc_missing.image,auc_missing_mean.image,auc_missing_substitute.image,alone_acc.audio,disc_acc,g_cosine.image~audio,poly_fraction
{
  echo "## Vanilla and modality dropout"; mmc summarize --sweep "$van" --metrics test_acc,auc_missing.image,auc_missing_mean.image,alone_acc.audio,poly_fraction
  echo; echo "## KD (feature, λ 1)"; mmc summarize --sweep "$kd" --metrics test_acc,auc_missing.image,auc_missing_mean.image,alone_acc.audio,poly_fraction
  echo; echo "## EBR"; mmc summarize --sweep "$ebr" --metrics $cols
  echo; echo "## EBR with each fusion operator (train_substitution 0.3)"; mmc summarize --sweep "$ops" --metrics $cols
  echo; echo "## M = 3: which substitute for a missing m1 (test accuracy, m1 missing)"
  echo "| run seed | substitute m2 | substitute m3 | zero | ranking's choice |"; echo "|---|---|---|---|---|"
  node -e '
    const fs = require("fs"); const { execFileSync } = require("child_process");
    const rows = JSON.parse(fs.readFileSync(process.argv[1] + "/results.json", "utf8")).filter((r) => r.status === "finished");
    const acc = (run, args) => JSON.parse(execFileSync(process.execPath, ["bin/mmc", "eval", "--run", run, "--missing-modality", "m1", "--json", "-q", ...args])).metrics.accuracy.toFixed(3);
    for (const r of rows) {
      const rank = JSON.parse(fs.readFileSync(r.run + "/ebr.json", "utf8")).ranking.m1[0];
      console.log(`| ${r.seed} | ${acc(r.run, ["--protocol", "substitute", "--substitute-with", "m2"])} | ${acc(r.run, ["--protocol", "substitute", "--substitute-with", "m3"])} | ${acc(r.run, ["--protocol", "zero"])} | ${rank} |`);
    }' "$three"
} > "$out/tables.md"
echo "ebr ($mode) took $(( $(date +%s) - start )) s; tables in $out/tables.md, figures in $fig"
