#!/usr/bin/env bash
# Job workers (the default) against a new process per job (--process-per-job) on whole reproduce
# experiments (docs/performance.md, "Job workers"): each id of IDS (default below) run by
# `mmc reproduce --full --seeds SEEDS (default 2) --workers 2 --backend native` both ways, one after
# the other, each in a fresh folder. Prints one JSON line per command (wall and CPU seconds from
# /usr/bin/time), then whether the two ways' sweeps hold the same results (every metric but samples_per_s).
set -euo pipefail
cd "$(dirname "$0")/.."
IDS=${IDS:-lemma1-dense missing-synthetic-vanilla missing-avmnist-mini-vanilla}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for id in $IDS; do
  for how in workers process-per-job; do
    flag=()
    [ "$how" = process-per-job ] && flag=(--process-per-job)
    /usr/bin/time -o "$tmp/time" -f '%e %U %S' node bin/mmc reproduce --full --seeds "${SEEDS:-2}" --workers 2 --backend native --only "$id" --out "$tmp/$how-$id" -q "${flag[@]}" > /dev/null
    read -r wall user sys < "$tmp/time"
    echo "{\"experiment\":\"$id\",\"how\":\"$how\",\"wall_s\":$wall,\"cpu_s\":$(awk "BEGIN{print $user + $sys}")}"
  done
  python3 - "$tmp/workers-$id" "$tmp/process-per-job-$id" "$id" <<'PY'
import glob, json, sys
def rows(out):
    got = {}
    for f in sorted(glob.glob(out + '/*-sweep-*/results.json')):
        name = f.split('/')[-2].split('-sweep-', 1)[1].rsplit('-', 1)[0]
        got[name] = [(r['job'], r['status'], {k: v for k, v in r['metrics'].items() if k != 'samples_per_s'}) for r in json.load(open(f))]
    return got
a, b = rows(sys.argv[1]), rows(sys.argv[2])
print(json.dumps({'experiment': sys.argv[3], 'sweeps': len(a), 'jobs': sum(len(v) for v in a.values()), 'same_results': a == b and len(a) > 0}))
PY
done
