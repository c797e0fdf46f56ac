#!/usr/bin/env bash
# Reproduces docs/evaluation.md: premirror-eval --e2e on every topology of the shared data with
# the held-out seeds, one JSON file and one report folder per topology, then the tables.
#   build-aux/evaluation.sh BUILD_DIR OUT_DIR [SEEDS] [DAYS]
# BUILD_DIR: an optimised build (meson setup BUILD --buildtype=release). Runs two topologies at
# once. SEEDS defaults to 1000-1009, DAYS to 2.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: evaluation.sh BUILD_DIR OUT_DIR [SEEDS] [DAYS]}" && pwd)
out="${2:?usage: evaluation.sh BUILD_DIR OUT_DIR [SEEDS] [DAYS]}"
seeds="${3:-1000-1009}"
days="${4:-2}"
data="${PM_SHARED_DATA:-$top/../shared/data}"
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ ! -d "$data/topologies" ]; then
  echo "evaluation.sh: $data/topologies is absent (set PM_SHARED_DATA)" >&2
  exit 1
fi

run_one() {
  local topology=$1 name
  name=$(basename "$topology" .geojson)
  "$build/app/premirror-eval" --e2e --topology "$topology" --seeds "$seeds" --days "$days" \
    --json --report "$out/report-$name" > "$out/$name.json"
  echo "$name done" >&2
}
export -f run_one
export build out seeds days
ls "$data"/topologies/*.geojson | xargs -P2 -I{} bash -c 'run_one {}'

python3 "$top/build-aux/evaluation-tables.py" "$out"/*.json
