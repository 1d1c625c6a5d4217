#!/usr/bin/env bash
# Reproduce every experiment mmc covers and write the report:
#   scripts/reproduce.sh [--quick|--full] [--out DIR] [--workers W]
# --quick (default): 8-30 minutes on 2 cores (docs/reproduce.md). --full: the settings of docs/results.md, 10 seeds per comparison.
# Output: DIR/headline.md, DIR/report/report.{html,md}, one sweep folder per experiment; rerun to resume.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d dist ]] || npx tsc -p tsconfig.json
node bin/mmc reproduce "$@"
