#!/usr/bin/env python3
"""Counts meson's test results (testlog.json, one JSON object per line) and prints the line CI
reads: "N passed, N failed, N skipped". Each TAP subtest counts, so a test program with twelve
cases counts twelve; a program that crashed before reporting counts as one failure."""
import json
import re
import sys

passed = failed = skipped = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as log:
        for line in log:
            if not line.strip():
                continue
            test = json.loads(line)
            result = test.get("result")
            stdout = test.get("stdout") or ""
            ok = len(re.findall(r"^ok \d+", stdout, re.M))
            not_ok = len(re.findall(r"^not ok \d+", stdout, re.M))
            skip = len(re.findall(r"^ok \d+.*# SKIP", stdout, re.M))
            if ok + not_ok == 0:
                if result in ("OK", "EXPECTEDFAIL"):
                    passed += 1
                elif result == "SKIP":
                    skipped += 1
                else:
                    failed += 1
                continue
            passed += ok - skip
            skipped += skip
            failed += not_ok
            # A program that crashed or timed out after its last report is one more failure.
            if result not in ("OK", "SKIP", "EXPECTEDFAIL") and not_ok == 0:
                failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(0)
