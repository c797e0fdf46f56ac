#!/bin/sh
# test-icons.sh: the application icons are well-formed SVG of the sizes GNOME expects.
#   test-icons.sh XMLLINT APP_ICON.svg SYMBOLIC_ICON.svg
# Prints TAP. The symbolic icon is 16×16 and drawn with fills only: GTK recolours the fill of a
# symbolic icon, so a stroke would keep its colour on a dark background.
# SPDX-License-Identifier: GPL-3.0-or-later
set -u
. "$(dirname "$0")/tap.sh"

xmllint=$1
app_icon=$2
symbolic_icon=$3
svg_ns='http://www.w3.org/2000/svg'

check() {
  description=$1
  shift
  if "$@" >/dev/null 2>&1; then ok "$description"; else not_ok "$description"; fi
}

# An attribute of the root <svg> element of FILE.
svg_attribute() {
  "$xmllint" --xpath \
    "string(/*[local-name()='svg' and namespace-uri()='$svg_ns']/@$2)" "$1" 2>/dev/null
}

# How many nodes of FILE match an XPath expression.
count() {
  "$xmllint" --xpath "count($2)" "$1" 2>/dev/null
}

is() {
  description=$1
  got=$2
  expected=$3
  if [ "$got" = "$expected" ]; then
    ok "$description"
  else
    not_ok "$description (got '$got', expected '$expected')"
  fi
}

strokes="//@stroke[. != 'none']"
strokes="$strokes | //@style[contains(., 'stroke:') and not(contains(., 'stroke:none'))]"
non_shapes="//*[local-name()='linearGradient' or local-name()='radialGradient'"
non_shapes="$non_shapes or local-name()='image' or local-name()='text']"
other_colours="//@fill[. != 'none' and . != '#2e3436' and . != '#2E3436' and . != 'currentColor']"
images="//*[local-name()='image']"

echo "1..13"

check "$app_icon is well-formed XML" "$xmllint" --noout "$app_icon"
check "$symbolic_icon is well-formed XML" "$xmllint" --noout "$symbolic_icon"

is "app icon width" "$(svg_attribute "$app_icon" width)" 128
is "app icon height" "$(svg_attribute "$app_icon" height)" 128
is "app icon viewBox" "$(svg_attribute "$app_icon" viewBox)" "0 0 128 128"

is "symbolic icon width" "$(svg_attribute "$symbolic_icon" width)" 16
is "symbolic icon height" "$(svg_attribute "$symbolic_icon" height)" 16
is "symbolic icon viewBox" "$(svg_attribute "$symbolic_icon" viewBox)" "0 0 16 16"
case $symbolic_icon in
  *-symbolic.svg) ok "symbolic icon name ends in -symbolic.svg" ;;
  *) not_ok "symbolic icon name ends in -symbolic.svg" ;;
esac
is "symbolic icon has no strokes" "$(count "$symbolic_icon" "$strokes")" 0
is "symbolic icon has no gradients, images or text" "$(count "$symbolic_icon" "$non_shapes")" 0
is "symbolic icon is one colour" "$(count "$symbolic_icon" "$other_colours")" 0
is "icons embed no raster images" \
  "$(( $(count "$app_icon" "$images") + $(count "$symbolic_icon" "$images") ))" 0

exit $failed
