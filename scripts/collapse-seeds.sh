#!/usr/bin/env bash
# The collapse demo over several seeds (training seed s, dataset seed 1+s), one line per seed.
# Usage: scripts/collapse-seeds.sh [N_SEEDS=3] [RUNS_DIR=runs/collapse-seeds]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-3}
runs=${2:-runs/collapse-seeds}
printf 'seed  fusion_all  fusion_image_missing  audio_only  fusion_audio_missing  image_only  samples_per_s\n'
for ((s = 0; s < n; s++)); do
  node bin/mmc demo --config configs/synthetic/collapse.yaml --seed "$s" --set "dataset.seed=$((1 + s))" \
    --runs-dir "$runs" --json -q --no-progress |
    node -e '
      let t = ""; process.stdin.on("data", (d) => (t += d)).on("end", () => {
        const d = JSON.parse(t); const r = (m) => d.rows.find((x) => x.model === m);
        const p = (v) => (100 * v).toFixed(1);
        const f = r("fusion (vanilla)");
        console.log([process.argv[1], p(f.all_present.accuracy), p(f.missing.image.accuracy), p(r("audio only").all_present.accuracy),
          p(f.missing.audio.accuracy), p(r("image only").all_present.accuracy), Math.round(d.samples_per_s)].join("  "));
      });' "$s"
done
