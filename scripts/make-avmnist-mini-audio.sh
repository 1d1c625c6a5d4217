#!/usr/bin/env bash
# Regenerates datasets/avmnist-mini/audio.* (see datasets/avmnist-mini/README.md). Installs nothing:
# it needs espeak-ng on PATH (Debian/Ubuntu: apt-get install espeak-ng) and compiles mmc first.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v espeak-ng >/dev/null; then
  echo "espeak-ng is not installed (Debian/Ubuntu: sudo apt-get install espeak-ng)" >&2
  exit 1
fi
espeak-ng --version >&2
npx tsc -p tsconfig.json
time node scripts/make-avmnist-mini-audio.mjs "$@"
