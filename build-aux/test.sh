#!/usr/bin/env bash
# Second command of the README: install what is missing, build with -Werror, run every test
# (the gui suite under Xvfb) and print "N passed, N failed, N skipped".
#   build-aux/test.sh [BUILD_DIR] [extra meson setup options…]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build="${1:-$top/build}"
shift || true

"$top/build-aux/deps.sh" --test
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$top" --werror "$@"
fi
ninja -C "$build"

status=0
xvfb-run -a -s "-screen 0 1600x1000x24" \
  meson test -C "$build" --print-errorlogs --num-processes 2 || status=$?
python3 "$top/build-aux/test-summary.py" "$build/meson-logs/testlog.json"
exit $status
