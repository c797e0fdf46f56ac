#!/usr/bin/env bash
# Runs the console from a build folder without installing it: the settings schema and the
# icon come from the build and source trees.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build="$1"
shift

export GSETTINGS_SCHEMA_DIR="$build/data${GSETTINGS_SCHEMA_DIR:+:$GSETTINGS_SCHEMA_DIR}"
export XDG_DATA_DIRS="$top/data:${XDG_DATA_DIRS:-/usr/local/share:/usr/share}"
exec "$build/app/premirror" "$@"
