#!/bin/sh
# test-potfiles.sh: po/POTFILES.in lists exactly the files that hold translatable strings, and
# every language in po/LINGUAS has its .po file.
#   test-potfiles.sh SOURCE_ROOT
# Prints TAP.
# SPDX-License-Identifier: GPL-3.0-or-later
set -u

top=$1
potfiles="$top/po/POTFILES.in"
linguas="$top/po/LINGUAS"
n=0
failed=0

ok() {
  n=$((n + 1))
  echo "ok $n - $1"
}

not_ok() {
  n=$((n + 1))
  failed=1
  echo "not ok $n - $1"
}

listed() {
  grep -v '^[[:space:]]*#' "$potfiles" | sed 's/[[:space:]]*$//' | grep -v '^$'
}

# Listed files must exist, or xgettext fails when the translations are updated.
for f in $(listed); do
  if [ -f "$top/$f" ]; then ok "$f exists"; else not_ok "$f is in POTFILES.in but does not exist"; fi
done

# Files with translatable strings must be listed, or their strings are never translated.
cd "$top" || exit 1
candidates=$(
  {
    find app ui engine -name '*.c' -print 2>/dev/null |
      xargs -r grep -lE '(^|[^A-Za-z0-9_])(_|N_|C_|NC_|ngettext|g_dngettext|g_dpgettext2)[[:space:]]*\([[:space:]]*"'
    find app ui data -name '*.ui' -print 2>/dev/null | xargs -r grep -l 'translatable="yes"'
    find data -maxdepth 1 \( -name '*.desktop.in' -o -name '*.metainfo.xml.in' -o -name '*.gschema.xml' \) -print
  } | sort -u
)
for f in $candidates; do
  if listed | grep -qxF "$f"; then
    ok "$f is in POTFILES.in"
  else
    not_ok "$f has translatable strings but is not in po/POTFILES.in"
  fi
done

for lang in $(grep -v '^[[:space:]]*#' "$linguas"); do
  if [ -f "po/$lang.po" ]; then ok "po/$lang.po exists"; else not_ok "po/LINGUAS names $lang but po/$lang.po is missing"; fi
done

echo "1..$n"
exit $failed
