#!/bin/bash
# What time-to-live expiry costs the writers beside it (the TTL issue's target: 100,000 items
# expire while a writer keeps its p99 under 10 ms), cirrusd --sync=full --ttl-interval 1:
#   - baseline: PutItem on table "live", 16 connections, open loop at RATE/s (default 1000);
#   - the same while 100,000 expired items (~200 bytes, "exp" an hour ago) of table "expiring"
#     are deleted, from the moment TTL is enabled on it; prints how long the deletion took.
# Each point 3 runs of SECS seconds, medians, as core.sh.
# Usage: [TTL_SYNC=none] [TTL_ARGS="more cirrusd flags"] benchmarks/ttl.sh [seconds per run, default 10] [rate, default 1000]
# The output also goes to benchmarks/results/ttl.txt (the latest run, committed).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-10}"
RATE="${2:-1000}"
RUNS=3
mkdir -p benchmarks/results
exec > >(tee benchmarks/results/ttl.txt) 2>&1
source benchmarks/lib.sh
machine_header

ttl_call() {  # ttl_call TARGET JSON: one DynamoDB call to the server; prints the answer
  /usr/bin/python3 - "$PORT" "$1" "$2" <<'PY'
import http.client, sys
port, target, body = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = http.client.HTTPConnection("127.0.0.1", port)
c.request("POST", "/", body, {"X-Amz-Target": "DynamoDB_20120810." + target,
          "Content-Type": "application/x-amz-json-1.0", "X-Amz-Date": "20240101T000000Z",
          "Authorization": "AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/dynamodb/aws4_request, "
                           "SignedHeaders=host, Signature=00"})
print(c.getresponse().read().decode())
PY
}
item_count() { ttl_call DescribeTable "{\"TableName\":\"$1\"}" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["Table"]["ItemCount"])'; }

run_point() {  # run_point LABEL: with or without expiry, RUNS runs; the expiry restarts each run
  local label=$1 expire=$2 i files=()
  for i in $(seq $RUNS); do
    read -r PID PORT _ < <(start_cirrusd taskset -c $SERVER_CPU $BIN/cirrusd --port 0 --data-dir "$WORK/data-$expire-$i" \
      --sync=${TTL_SYNC:-full} --ttl-interval 1 ${TTL_ARGS:-})
    PIDS+=("$PID")
    $BIN/cirrus-load --port "$PORT" --preload --table live --items 10000 --duration 0 2>/dev/null
    if [ "$expire" = 1 ]; then
      $BIN/cirrus-load --port "$PORT" --preload --table expiring --items 100000 \
        --expires-at $(( $(date +%s) - 3600 )) --duration 0 2>/dev/null
      ttl_call UpdateTimeToLive '{"TableName":"expiring","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"exp"}}' >/dev/null
      local t0; t0=$(date +%s.%N)
      ( while [ "$(item_count expiring)" != 0 ]; do sleep 0.2; done
        echo "  run $i: 100,000 expired items deleted in $(awk "BEGIN {printf \"%.1f\", $(date +%s.%N) - $t0}") s" ) &
      local watcher=$!
    fi
    run_once "$WORK/run-$i.json" "$PID" -- --workload put --table live --items 10000 --connections 16 --rate "$RATE"
    files+=("$WORK/run-$i.json")
    if [ "$expire" = 1 ]; then wait "$watcher"; fi
    kill "$PID"; wait "$PID" 2>/dev/null || true
  done
  summarize "$label" "${files[@]}"
}

header
run_point "PutItem, 16 conns, open ${RATE}/s, no expiry" 0
run_point "PutItem, 16 conns, open ${RATE}/s, 100k expiring" 1
