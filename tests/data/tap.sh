# tap.sh: TAP output for the validators written in shell. Source it first; each check then calls
# ok or not_ok with its description, and the script ends with "exit $failed".
# SPDX-License-Identifier: GPL-3.0-or-later

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
