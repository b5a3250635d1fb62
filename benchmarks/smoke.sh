#!/bin/bash
# A few seconds of every cirrus-load workload against a fresh cirrusd, asserting zero errors
# and well-formed answers (cirrus-load checks each response's status and shape, exit 3 on
# any error). Not a speed test: it keeps the load generator and the server honest in CI.
# Usage: benchmarks/smoke.sh CIRRUSD CIRRUS_LOAD
set -euo pipefail
CIRRUSD=$1
LOAD=$2
log=$(mktemp)
"$CIRRUSD" --in-memory --port 0 > "$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$log" && break; sleep 0.05; done
port=$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$log")
[ -n "$port" ] || { cat "$log"; exit 1; }
run() { echo "+ cirrus-load $*"; "$LOAD" --port "$port" --connections 4 --duration 1 --warmup 0.2 "$@"; }
"$LOAD" --port "$port" --preload --table plain --items 2000 --duration 0
"$LOAD" --port "$port" --preload --table ranged --partition-size 100 --items 2000 --duration 0
for w in get put update mixed batchget batchwrite transactwrite transactget static; do run --table plain --items 2000 --workload $w; done
run --table plain --items 2000 --workload get --distribution zipf
run --table plain --items 2000 --workload scan --limit 100
run --table ranged --partition-size 100 --items 2000 --workload query --limit 10
run --table ranged --partition-size 100 --items 2000 --workload query --limit 100
run --table ranged --partition-size 100 --items 2000 --workload get
run --table plain --items 2000 --workload get --rate 500   # open loop
echo "smoke: every workload answered without errors"
