#!/bin/sh
# Instructions per iteration of one contestant on one workload, under callgrind:
# the difference between a run of 1 + k and a run of 1 iteration, divided by k.
#
#   benches/compare/callgrind.sh encode_text w1 [k]
#
# See src/bin/profile.rs for the contestants. Deterministic, unlike wall time.
set -eu
what=$1 workload=$2 k=${3:-5}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
CARGO_PROFILE_RELEASE_DEBUG=line-tables-only cargo build -q --release -p otel-expfmt-compare --bin profile
bin=$root/target/release/profile
tmp=$(mktemp -d)
total() {
    valgrind --tool=callgrind --callgrind-out-file="$tmp/out.$1" "$bin" "$what" "$workload" "$1" \
        >/dev/null 2>"$tmp/err.$1"
    sed -n 's/^summary: //p' "$tmp/out.$1"
}
one=$(total 1)
many=$(total $((1 + k)))
echo "$what $workload: $(( (many - one) / k )) instructions per iteration (callgrind, k=$k)"
echo "profile of the longer run: $tmp/out.$((1 + k))"
