#!/usr/bin/env bash
# First command of the README: install what is missing, build, and start the console on the
# built-in demo (simulator, local edge folders). Extra arguments go to premirror.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build="${PREMIRROR_BUILD_DIR:-$top/build}"

"$top/build-aux/deps.sh"
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$top" --buildtype=debugoptimized
fi
ninja -C "$build"
exec "$top/build-aux/run.sh" "$build" "$@"
