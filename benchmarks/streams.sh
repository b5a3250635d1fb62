#!/bin/bash
# What change streams and triggers cost and how fast they fire (the streams issue's targets):
#   - PutItem over HTTP, 16 connections, closed loop, 100k items of ~200 bytes overwritten
#     (every put a MODIFY record with both images, the largest record): a table without a
#     stream against one with a NEW_AND_OLD_IMAGES stream, --sync=none and --sync=full;
#     3 runs each, alternating between the two, medians;
#   - write-to-handler latency of a trigger (BatchSize 1, no batching window), open loop at
#     50 writes/s for 20 s with an HTTP handler, 20 writes/s with a Python command handler
#     (benchmarks/trigger_latency.py), durable writes (--sync=full).
# Usage: benchmarks/streams.sh [seconds per run, default 10]
# The output also goes to benchmarks/results/streams.txt (the latest run, committed).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-10}"
RUNS=3
mkdir -p benchmarks/results
exec > >(tee benchmarks/results/streams.txt) 2>&1
source benchmarks/lib.sh
machine_header

header
# The two tables alternate run by run (off, on, off, on, ...) so that the machine's drift
# over a minute falls on both alike; the summary compares the medians.
for sync in none full; do
  declare -A PORTS=()
  for stream in off on; do
    read -r PID PORT _ < <(start_cirrusd taskset -c $SERVER_CPU $BIN/cirrusd --port 0 \
      --data-dir "$WORK/data-$sync-$stream" --sync=$sync)
    PIDS+=("$PID")
    args=()
    [ $stream = on ] && args=(--stream NEW_AND_OLD_IMAGES)
    $BIN/cirrus-load --port "$PORT" --preload "${args[@]}" --items 100000 --duration 0 2>/dev/null
    PORTS[$stream]="$PID $PORT"
  done
  tputs_off=(); tputs_on=(); cpus_off=(); cpus_on=()
  for round in $(seq 3); do
    for stream in off on; do
      read -r PID PORT <<<"${PORTS[$stream]}"
      RUNS=1 point "PutItem --sync=$sync, stream $stream, 16 conns" "$PID" -- --workload put --connections 16 2>&1
      eval "tputs_$stream+=($LAST_TPUT); cpus_$stream+=($LAST_CPU_US)"
    done
  done
  median() { printf "%s\n" "$@" | sort -n | sed -n 2p; }
  off=$(median "${tputs_off[@]}"); on=$(median "${tputs_on[@]}")
  echo "  stream capture (--sync=$sync), medians of 3: $off -> $on req/s," \
    "$(awk "BEGIN {printf \"%.1f%%\", 100 * (1 - $on / $off)}") lower; server CPU per put" \
    "$(median "${cpus_off[@]}") -> $(median "${cpus_on[@]}") us"
  for stream in off on; do read -r PID PORT <<<"${PORTS[$stream]}"; kill "$PID"; wait "$PID" 2>/dev/null || true; done
done
echo
echo "write-to-handler latency, BatchSize 1, window 0, open loop for 20 s, --sync=full:"
for kind in url command; do
  read -r PID PORT _ < <(start_cirrusd taskset -c $SERVER_CPU $BIN/cirrusd --port 0 --data-dir "$WORK/lat-$kind")
  PIDS+=("$PID")
  rate=50; [ $kind = command ] && rate=20  # a python3 start per invocation, on the server's CPU
  taskset -c $GEN_CPU /usr/bin/python3 benchmarks/trigger_latency.py "$PORT" --kind $kind --rate $rate --seconds 20 \
    --data-dir "$WORK/lat-$kind" --cirrus $BIN/cirrus
  kill "$PID"; wait "$PID" 2>/dev/null || true
done
