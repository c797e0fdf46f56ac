#!/usr/bin/env bash
# Fuzzes every parser of untrusted input for a bounded time: builds the libFuzzer targets of
# tests/fuzz (clang, -Dfuzzing=true) if needed, replays tests/fuzz/regressions, then runs each
# target on a copy of its seed corpus and prints, per target, the runs executed, the coverage
# reached and any finding (crash, leak, sanitizer report, timeout, out of memory), whose input
# is kept under BUILD_DIR/fuzz-findings/. Ends with "fuzz: N targets, N clean, N failed" and
# exits 1 when a regression input fails again (or nothing could be built), 3 when fuzzing found
# something new, 0 otherwise.
#   build-aux/fuzz.sh BUILD_DIR [SECONDS_PER_TARGET (default 20)]
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -lt 1 ]; then
  echo "usage: $0 BUILD_DIR [SECONDS_PER_TARGET]" >&2
  exit 2
fi
build=$1
seconds=${2:-20}
shared_data=${PM_SHARED_DATA:-$top/../shared/data}
findings="$build/fuzz-findings"

"$top/build-aux/deps.sh" || exit 1

# libFuzzer comes with clang's compiler-rt; Debian's clang alone may lack it.
probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
  'int LLVMFuzzerTestOneInput (const uint8_t *d, size_t n) { return 0; }' > "$probe_dir/probe.c"
if ! clang -fsanitize=fuzzer,address,undefined "$probe_dir/probe.c" -o "$probe_dir/probe" \
     >/dev/null 2>&1; then
  echo "Installing: clang libclang-rt-dev"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends \
    clang libclang-rt-dev || exit 1
fi

if [ ! -f "$build/build.ninja" ]; then
  # Optimised as fuzzing wants it (speed), with the debug information stacks need.
  CC=clang meson setup "$build" "$top" -Dfuzzing=true --buildtype=debugoptimized || exit 1
elif ! grep -q '"name": "fuzzing", "value": true' "$build/meson-info/intro-buildoptions.json"; then
  echo "fuzz: $build is not a fuzzing build (configure a new one: CC=clang, -Dfuzzing=true)" >&2
  exit 1
fi

mapfile -t targets < <(meson introspect "$build" --targets \
  | python3 -c 'import json, sys
for t in json.load(sys.stdin):
    if t["name"].startswith("fuzz-"):
        print(t["name"][len("fuzz-"):])' | sort)
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no fuzz targets in $build" >&2
  exit 1
fi
ninja -C "$build" "${targets[@]/#/tests/fuzz/fuzz-}" || exit 1

# The seeds of a target: the project's own sample documents, then tests/fuzz/seeds/NAME.
seeds_for() {
  local feeds="$top/tests/data/feeds"
  case "$1" in
    ics) ls "$feeds"/*.ics ;;
    cap-geojson) ls "$feeds"/*.geojson "$feeds"/*.json ;;
    cap-xml) ls "$feeds"/*.xml "$feeds"/*.cap "$feeds"/*.atom ;;
    event-feed) ls "$feeds"/* "$top"/tests/fuzz/seeds/{ics,cap-geojson,cap-xml}/* ;;
    topology) ls "$top/data/demo/network.geojson" "$shared_data"/topologies/*.geojson ;;
    resources) ls "$top/data/demo/resources.json" ;;
  esac 2>/dev/null
  ls "$top/tests/fuzz/seeds/$1"/* 2>/dev/null
}

export G_SLICE=always-malloc
# Full allocation stacks only when a finding is replayed: they slow every malloc.
fuzz_asan="detect_leaks=1:abort_on_error=0:detect_odr_violation=0:allocator_may_return_null=1"
# The sanitizer's own false positives only; every other leak is a finding.
export LSAN_OPTIONS="suppressions=$top/tests/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# Prints the report of a log: the sanitizer's or GLib's message and its stack.
print_report() {
  awk '/ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|-CRITICAL \*\*|-WARNING \*\*|ERROR:.*assertion|Bail out|ALARM: working on the last Unit/ { on = 1 }
       on { print "    " $0; if (++n >= 40) exit }
       /^SUMMARY:/ && on { exit }' "$1"
}

mkdir -p "$findings"
n_clean=0
n_failed=0
n_regressions=0
for name in "${targets[@]}"; do
  exe="$build/tests/fuzz/fuzz-$name"
  work=$(mktemp -d)
  failed=0
  echo "== fuzz-$name"

  # Inputs that once failed must keep passing.
  for input in "$top/tests/fuzz/regressions/$name"-*; do
    [ -e "$input" ] || continue
    if ! ASAN_OPTIONS="$fuzz_asan:fast_unwind_on_malloc=0" "$exe" "$input" >"$work/replay.log" 2>&1
    then
      echo "  REGRESSION: $input still fails:"
      print_report "$work/replay.log"
      failed=1
      n_regressions=$((n_regressions + 1))
    fi
  done

  mkdir -p "$work/corpus" "$work/artifacts"
  i=0
  while read -r seed; do
    [ -f "$seed" ] || continue
    cp -- "$seed" "$work/corpus/$i-$(basename "$seed")"
    i=$((i + 1))
  done < <(seeds_for "$name")
  dict=()
  [ -f "$top/tests/fuzz/$name.dict" ] && dict=("-dict=$top/tests/fuzz/$name.dict")

  ASAN_OPTIONS="$fuzz_asan" "$exe" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" "${dict[@]}" "$work/corpus" \
    >"$work/fuzz.log" 2>&1
  status=$?

  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/fuzz.log" | tail -n 1)
  last=$(grep -E '^#[0-9]+.*cov: ' "$work/fuzz.log" | tail -n 1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  echo "  seeds: $i, runs: ${runs:-?} (${speed:-?}/s), cov: ${cov:-?}, ft: ${ft:-?}"

  artifact=$(find "$work/artifacts" -type f | head -n 1)
  if [ "$status" -ne 0 ] || [ -n "$artifact" ]; then
    failed=1
    stamp=$(date +%Y%m%d-%H%M%S)
    if [ -n "$artifact" ]; then
      kept="$findings/$name-$stamp-$(basename "$artifact")"
      cp -- "$artifact" "$kept"
      echo "  FOUND (exit $status): $kept"
      # Replayed with full allocation stacks: GLib's frames lack frame pointers.
      ASAN_OPTIONS="$fuzz_asan:fast_unwind_on_malloc=0" "$exe" "$kept" >"$kept.log" 2>&1
      if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:|CRITICAL|WARNING' "$kept.log"
      then
        print_report "$kept.log"
      else
        print_report "$work/fuzz.log"
      fi
    else
      echo "  FAILED (exit $status) without a crash file:"
      print_report "$work/fuzz.log"
      tail -n 20 "$work/fuzz.log" | sed 's/^/    /'
    fi
    cp -- "$work/fuzz.log" "$findings/$name-$stamp-fuzz.log"
    echo "  log: $findings/$name-$stamp-fuzz.log"
  fi

  if [ "$failed" -eq 0 ]; then
    n_clean=$((n_clean + 1))
  else
    n_failed=$((n_failed + 1))
  fi
  rm -rf "$work"
done

echo "fuzz: ${#targets[@]} targets, $n_clean clean, $n_failed failed"
# 1: a regression input fails again (or the build failed above); 3: only new findings.
if [ "$n_regressions" -gt 0 ]; then
  exit 1
elif [ "$n_failed" -gt 0 ]; then
  exit 3
fi
