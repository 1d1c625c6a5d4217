#!/usr/bin/env bash
# The figures of docs/performance.md, in one go (about 5 minutes on 2 cores). Run on an idle
# machine: each line is one `mmc bench` invocation, printed as JSON lines to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
run() { echo "# mmc bench $*" >&2; node bin/mmc bench "$@" --json | node -e 'let t="";process.stdin.on("data",d=>t+=d).on("end",()=>console.log(JSON.stringify(JSON.parse(t))))'; }
for i in 1 2 3; do run --model mlp --reference; done
run --model mlp --stock --steps 30
run --model mlp --backend cpu --stock --steps 10
for i in 1 2 3; do run --model conv; done
run --model conv --stock --steps 10
run --model conv --backend cpu --stock --steps 5
run --model mlp --workers 2
run --model conv --workers 2
run --model mlp --profile --steps 50
run --model conv --profile --steps 20
run --model mlp --steps 2000 --warmup 10
