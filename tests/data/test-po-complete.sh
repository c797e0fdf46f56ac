#!/bin/sh
# test-po-complete.sh: every language of po/LINGUAS translates every string the sources mark
# today: the template is extracted afresh from po/POTFILES.in (as `ninja premirror-pot` does),
# merged into each .po, and the merge must leave nothing untranslated or fuzzy.
#   test-po-complete.sh SOURCE_ROOT
# Prints TAP.
# SPDX-License-Identifier: GPL-3.0-or-later
set -u
. "$(dirname "$0")/tap.sh"

top=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$top" || exit 1

# The keywords of meson's 'glib' preset.
if ! xgettext --from-code=UTF-8 --add-comments --files-from=po/POTFILES.in \
       --output="$work/premirror.pot" \
       --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
       --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
       --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
       --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
       --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
       --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format 2>"$work/xgettext.err"; then
  not_ok "xgettext extracts the template: $(cat "$work/xgettext.err")"
  echo "1..$n"
  exit 1
fi
ok "xgettext extracts the template"

for lang in $(grep -v '^[[:space:]]*#' po/LINGUAS); do
  msgmerge --quiet --no-fuzzy-matching "po/$lang.po" "$work/premirror.pot" \
    --output-file="$work/$lang.po" 2>"$work/$lang.err" || true
  stats=$(LC_ALL=C msgfmt --statistics --output-file=/dev/null "$work/$lang.po" 2>&1)
  case "$stats" in
    *untranslated*|*fuzzy*)
      missing=$(msgattrib --untranslated --no-obsolete "$work/$lang.po" 2>/dev/null \
                  | grep '^msgid "' | grep -v '^msgid ""$' | head -n 5 | sed 's/^/#   /')
      not_ok "po/$lang.po is complete: $stats"
      [ -n "$missing" ] && printf '# first untranslated strings:\n%s\n' "$missing"
      ;;
    *)
      ok "po/$lang.po is complete: $stats"
      ;;
  esac
done

echo "1..$n"
exit $failed
