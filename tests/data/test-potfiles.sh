#!/bin/sh
# test-potfiles.sh: po/POTFILES.in lists exactly the files that hold translatable strings, and
# every language in po/LINGUAS has its .po file.
#   test-potfiles.sh SOURCE_ROOT
# Prints TAP.
# SPDX-License-Identifier: GPL-3.0-or-later
set -u
. "$(dirname "$0")/tap.sh"

top=$1

# The entries of a list file: comments and blank lines left out.
entries() {
  grep -v '^[[:space:]]*#' "$1" | sed 's/[[:space:]]*$//' | grep -v '^$'
}

cd "$top" || exit 1

# Listed files must exist, or xgettext fails when the translations are updated.
for f in $(entries po/POTFILES.in); do
  if [ -f "$f" ]; then
    ok "$f exists"
  else
    not_ok "$f is in po/POTFILES.in but does not exist"
  fi
done

# Files with translatable strings must be listed, or their strings are never translated.
gettext_functions='_|N_|C_|NC_|ngettext|g_dngettext|g_dpgettext2'
gettext_call="(^|[^A-Za-z0-9_])($gettext_functions)[[:space:]]*\\([[:space:]]*\""
candidates=$(
  {
    find app ui engine -name '*.c' -exec grep -lE "$gettext_call" {} + 2>/dev/null
    find app ui data -name '*.ui' -exec grep -l 'translatable="yes"' {} + 2>/dev/null
    find data -maxdepth 1 \
      \( -name '*.desktop.in' -o -name '*.metainfo.xml.in' -o -name '*.gschema.xml' \) -print
  } | sort -u
)
for f in $candidates; do
  if entries po/POTFILES.in | grep -qxF "$f"; then
    ok "$f is in po/POTFILES.in"
  else
    not_ok "$f has translatable strings but is not in po/POTFILES.in"
  fi
done

for lang in $(entries po/LINGUAS); do
  if [ -f "po/$lang.po" ]; then
    ok "po/$lang.po exists"
  else
    not_ok "po/LINGUAS names $lang but po/$lang.po is missing"
  fi
done

echo "1..$n"
exit $failed
