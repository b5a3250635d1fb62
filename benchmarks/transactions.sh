#!/bin/bash
# What transactions cost (the transactions issue's targets), in one run, on 100k items of
# ~200 bytes, cirrusd --sync=full (every acknowledged transaction durable):
#   - TransactWriteItems of 2 Puts (each with a fresh ClientRequestToken, as the SDKs send, so
#     each also writes its token's record), 16 connections, closed loop; then open loop at
#     half that peak; PutItem at 16 connections beside it;
#   - TransactGetItems of 10 items, 16 connections, in items/s, against GetItem's items/s.
# Each point 3 runs, medians, as core.sh; the server on the last CPU, the generator (one
# thread) on the first.
# Usage: benchmarks/transactions.sh [seconds per run, default 10]
# The output also goes to benchmarks/results/transactions.txt (the latest run, committed).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-10}"
RUNS=3
mkdir -p benchmarks/results
exec > >(tee benchmarks/results/transactions.txt) 2>&1
source benchmarks/lib.sh
machine_header

read -r PID PORT _ < <(start_cirrusd taskset -c $SERVER_CPU $BIN/cirrusd --port 0 --data-dir "$WORK/data" --sync=full)
PIDS+=("$PID")
$BIN/cirrus-load --port "$PORT" --preload --items 100000 --item-size 200 --duration 0 2>/dev/null
header
point "GetItem, 16 conns" "$PID" -- --workload get --connections 16 2>&1
GET=$LAST_TPUT
point "TransactGetItems (10 items), 16 conns" "$PID" -- --workload transactget --connections 16 2>&1
TGET=$LAST_TPUT
point "PutItem --sync=full, 16 conns" "$PID" -- --workload put --connections 16 2>&1
point "TransactWriteItems (2 Puts) --sync=full, 16 conns" "$PID" -- --workload transactwrite --connections 16 2>&1
TWRITE=$LAST_TPUT
point "TransactWriteItems, 16 conns, open $((TWRITE / 2))/s" "$PID" -- --workload transactwrite --connections 16 --rate $((TWRITE / 2)) 2>&1
echo
echo "TransactWriteItems: $TWRITE transactions/s ($((TWRITE * 2)) items/s); target >= 3000"
echo "TransactGetItems: $((TGET * 10)) items/s = $(awk "BEGIN {printf \"%.0f%%\", 100 * $TGET * 10 / $GET}") of GetItem's $GET items/s; target >= 40%"
