#!/usr/bin/env bash
# Installs the Debian 12 packages Premirror needs to build and run (with --test: and to test);
# installs only what is missing, so it is quick and quiet on a machine that has everything.
set -euo pipefail

packages=(
  # build
  meson ninja-build pkg-config gcc gettext
  libglib2.0-dev libgtk-4-dev libadwaita-1-dev libshumate-dev
  libjson-glib-dev libsoup-3.0-dev libsqlite3-dev libical-dev libxml2-dev libgnutls28-dev
  libcairo2-dev libpango1.0-dev
  # run
  libglib2.0-bin librsvg2-common adwaita-icon-theme fonts-cantarell
)
# The tests start real servers (nginx, Prometheus, PowerDNS, etcd) on loopback. Their packages also
# install system services, so only the test command asks for them, never the demo.
if [ "${1:-}" = "--test" ]; then
  packages+=(
    xvfb xauth desktop-file-utils appstream libgtk-4-bin libxml2-utils python3 xdotool imagemagick
    nginx-light curl prometheus openssl clang libclang-rt-dev
    pdns-server pdns-backend-remote pdns-backend-bind dnsutils wrk dnsperf
    etcd-server etcd-client
  )
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
"${sudo_cmd[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
