#!/usr/bin/env bash
# Reproduce every experiment mmc covers and write the report:
#   scripts/reproduce.sh [--quick|--full] [--out DIR] [--workers W]
# --quick (default): under 15 minutes on 2 cores. --full: the settings of docs/results.md, 5 seeds.
# Output: DIR/headline.md, DIR/report/report.{html,md}, one sweep folder per experiment; rerun to resume.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d dist ]] || npx tsc -p tsconfig.json
node bin/mmc reproduce "$@"
