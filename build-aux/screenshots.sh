#!/usr/bin/env bash
# Takes the README and AppStream screenshots of the console on the demo network, under Xvfb:
# the risk map with a firing alert, then each side panel, then the routing inspector for a spot
# on the map.
#   build-aux/screenshots.sh [BUILD_DIR] [OUT_DIR]
# Needs Xvfb, xdotool, ImageMagick's import and curl (build-aux/deps.sh --test installs them).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build="${1:-$top/build}"
out="${2:-$top/data/screenshots}"
mkdir -p "$out"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

display=":$((90 + RANDOM % 100))"
data=$(mktemp -d)
port=$(free_port)
# The screen is the window's default size, so that the shots are the window and nothing else.
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp &
xvfb_pid=$!
app_pid=
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null
  kill "$xvfb_pid" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
export DISPLAY="$display" GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1 GDK_BACKEND=x11
for _ in $(seq 1 100); do
  xdotool getdisplaygeometry >/dev/null 2>&1 && break
  sleep 0.1
done

# The demo at 600x: an announced outage starts to build within a minute of real time.
"$top/build-aux/run.sh" "$build" --data-dir "$data" --api "127.0.0.1:$port" \
  --source 'sim:?seed=1&speed=600' >"$data/console.log" 2>&1 &
app_pid=$!

window=$(xdotool search --sync --onlyvisible --name '^Premirror$' | head -n 1)

echo "waiting for an alert to fire…"
for _ in $(seq 1 240); do
  if curl -sf "http://127.0.0.1:$port/v1/alerts" | grep -q '"state" *: *"firing"'; then
    break
  fi
  sleep 1
done

shoot() {
  sleep 2
  import -window root "$out/$1.png"
  echo "wrote $out/$1.png"
}

# Pause the clock so that every shot shows the same moment.
xdotool key ctrl+p
shoot main
for page in 2:proposals 3:jobs 4:resources 6:audit; do
  xdotool key "alt+${page%%:*}"
  shoot "${page#*:}"
done

# A segment found with Ctrl+F, and its chart on the Details page.
xdotool key ctrl+f
sleep 1
xdotool type --delay 50 "fra--ams"
sleep 1
xdotool key Return
xdotool key alt+7
shoot details

# Routing: a click on an empty spot of the map, then the routing panel.
xdotool mousemove 300 420 click 1
xdotool key alt+5
shoot routing
