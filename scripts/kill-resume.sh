#!/usr/bin/env bash
# Crash-safety soak: N SIGKILLs (default 12) at seeded random times during tiny train, distill and
# reallocate runs, each resumed (and killed again at random) until it finishes, then compared with an
# uninterrupted reference run: identical weights.bin (last, best), optimizer.bin and metrics.jsonl
# (minus wall-clock fields). Prints kills / resumes / identical counts; exit 1 if any run differs.
# Usage: scripts/kill-resume.sh [N] [SEED]   (builds first; about 5 s per kill on 2 idle cores)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-12}"
seed="${2:-1}"
npx tsc -p tsconfig.json
npx tsc -p tsconfig.test.json
dir="$(mktemp -d "${TMPDIR:-/tmp}/mmc-kill-resume-XXXXXX")"
node dist-test/test/support/kill-resume.js "$n" "$seed" "$dir"
