#!/usr/bin/env python3
"""Checks that Go's reference decoder reads back the native histogram the
SDK recorded in the golden test `native_histogram_with_negative_values_zeros_and_gaps`
(tests/protobuf.rs): the values -1, -2, -4, 0, 1, 2, 4, 100 and 1000 at scale 0.

Expected buckets, written from the native histogram schema 0 (bucket i holds
(2^(i-1), 2^i], negative bucket i holds [-2^i, -2^(i-1))): 1 -> 0, 2 -> 1,
4 -> 2, 100 -> 7, 1000 -> 10; -1 -> 0, -2 -> 1, -4 -> 2; 0 in the zero bucket.

usage: check-native-dump.py [EXPOSITIONS_DIR]
"""
import json
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
directory = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
    "OTEL_EXPFMT_EXPOSITIONS", "target/expositions")
path = os.path.join(directory, "pb_native.pb")
out = subprocess.run([os.path.join(here, "go-proto-check.sh"), "-dump", path],
                     capture_output=True, text=True)
if out.returncode != 0:
    print("FAIL go-proto-check:", out.stdout, out.stderr)
    sys.exit(1)
metrics = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
hist = [m for m in metrics if m["family"] == "h"][0]["histogram"]
want = {
    "native": True,
    "schema": 0,
    "count": 9,
    "sum": 1100,
    "zero_count": 1,
    "pos": {"0": 1, "1": 1, "2": 1, "7": 1, "10": 1},
    "neg": {"0": 1, "1": 1, "2": 1},
}
got = {key: hist.get(key) for key in want}
if got != want:
    print("FAIL", path, "decoded", got, "expected", want)
    sys.exit(1)
print("OK", path, "buckets as recorded:", got["pos"], got["neg"])
