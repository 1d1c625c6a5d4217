# Shared by theory.sh, kd.sh and ebr.sh: mode and output folder from the arguments, the mmc
# wrapper, and `sweep NAME ARGS…` (runs an mmc sweep, prints its folder; failed jobs do not stop the script).
# Expects: name (for the default output folder) and seeds set by the caller after parse_args.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=quick
parse_args() {
  if [[ "${1:-}" == --quick || "${1:-}" == --full ]]; then mode=${1#--}; shift; fi
  out=${1:-runs/$name-$mode}
  mkdir -p "$out"
  start=$(date +%s)
}
mmc() { node bin/mmc "$@"; }
sweep() {
  mmc sweep --runs-dir "$out" --name "$1" --seeds "$seeds" --workers 2 -q --json "${@:2}" |
    node -e 'let t="";process.stdin.on("data",d=>t+=d).on("end",()=>console.log(JSON.parse(t).sweep))' || true
}
