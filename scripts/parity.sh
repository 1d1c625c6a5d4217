#!/usr/bin/env bash
# mmc against an independent PyTorch implementation (docs/parity.md): mmc with model.init he and torch,
# and PyTorch with its own defaults, on one generated folder dataset, 4 seeds, three settings.
# Usage: scripts/parity.sh [OUT (default runs/parity)] [extra torch_parity.py options, e.g. --seeds 2]
# Needs a python3 with torch and numpy (Debian: apt-get install python3-torch); set PYTHON to choose one.
# About 9 minutes on 2 cores (wasm backend). Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/parity}
shift || true
py=""
for c in ${PYTHON:-} python3 /usr/bin/python3; do
  if command -v "$c" >/dev/null && "$c" -c 'import torch, numpy' 2>/dev/null; then py=$c; break; fi
done
[[ -n "$py" ]] || { echo "parity.sh: no python3 with torch and numpy (apt-get install python3-torch, or set PYTHON)" >&2; exit 2; }
npx tsc -p tsconfig.json  # mmc from this checkout, never a stale dist/
start=$(date +%s)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); node $(node --version); $("$py" -c 'import torch, numpy; print("torch", torch.__version__, "numpy", numpy.__version__)'); mmc $(git describe --always --dirty 2>/dev/null || echo '?')"
"$py" scripts/oracle/torch_parity.py --out "$out" "$@"
echo "total $(( $(date +%s) - start )) s"
