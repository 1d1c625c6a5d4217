#!/usr/bin/env bash
# The figures of docs/performance.md, in one go (about 15 minutes on 2 cores). Run on an idle
# machine: each line is one `mmc bench` invocation, printed as JSON lines to stdout. Backends are
# interleaved (native, then wasm, three times) so that drift in the machine's speed hits both.
set -euo pipefail
cd "$(dirname "$0")/.."
run() { echo "# mmc bench $*" >&2; node bin/mmc bench "$@" --json | node -e 'let t="";process.stdin.on("data",d=>t+=d).on("end",()=>console.log(JSON.stringify(JSON.parse(t))))'; }
for i in 1 2 3; do
  run --model mlp --reference --backend native
  run --model mlp --reference --backend wasm
done
for i in 1 2 3; do
  run --model conv --backend native
  run --model conv --backend wasm
done
MMC_NATIVE_POOL=off run --model mlp --backend native   # what the output-array pool buys
run --model mlp --backend native --threads 2            # one run, two BLAS threads
run --model mlp --stock --steps 30 --backend wasm
run --model mlp --backend cpu --stock --steps 10
run --model conv --stock --steps 10 --backend wasm
run --model conv --backend cpu --stock --steps 5
run --model mlp --workers 2 --backend native
run --model conv --workers 2 --backend native
run --model mlp --profile --steps 50 --backend native
run --model conv --profile --steps 20 --backend native
run --model mlp --steps 20000 --warmup 10 --backend native   # numTensors and RSS over 20,000 steps
