#!/bin/bash
# What metering and metrics cost: GetItem over 16 connections, closed loop, against `cirrusd`
# with both on (the default: every request's units counted and written to the data directory
# every --usage-flush-interval, every request counted for GET /metrics) and both off
# (--usage-flush-interval 0 --metrics false), each with 100k items of ~200 bytes; three
# rounds interleaved, medians. The target: on at least 95% of off's rate.
# Usage: benchmarks/metering.sh [seconds per run, default 10]
# The output also goes to benchmarks/results/metering.txt (the latest run, committed).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-10}"
RUNS=1
mkdir -p benchmarks/results
exec > >(tee benchmarks/results/metering.txt) 2>&1
source benchmarks/lib.sh
machine_header

read -r PID_OFF PORT_OFF _ < <(start_cirrusd taskset -c $SERVER_CPU $BIN/cirrusd --port 0 \
  --data-dir "$WORK/off" --sync=none --usage-flush-interval 0 --metrics false)
PIDS+=("$PID_OFF")
read -r PID_ON PORT_ON _ < <(start_cirrusd taskset -c $SERVER_CPU $BIN/cirrusd --port 0 \
  --data-dir "$WORK/on" --sync=none)
PIDS+=("$PID_ON")
$BIN/cirrus-load --port "$PORT_OFF" --preload --items 100000 --duration 0 2>/dev/null
$BIN/cirrus-load --port "$PORT_ON" --preload --items 100000 --duration 0 2>/dev/null

header
declare -A TPUT CPU
for round in 1 2 3; do
  PORT=$PORT_OFF
  point "GetItem, metering and metrics off, 16 conns (run $round)" "$PID_OFF" -- --workload get --items 100000 --connections 16 2>&1
  TPUT[off]+="$LAST_TPUT "; CPU[off]+="$LAST_CPU_US "
  PORT=$PORT_ON
  point "GetItem, metering and metrics on, 16 conns (run $round)" "$PID_ON" -- --workload get --items 100000 --connections 16 2>&1
  TPUT[on]+="$LAST_TPUT "; CPU[on]+="$LAST_CPU_US "
done
f=$(echo ${TPUT[off]} | median); n=$(echo ${TPUT[on]} | median)
fc=$(echo ${CPU[off]} | median); nc=$(echo ${CPU[on]} | median)
echo
echo "medians: off $f req/s (${fc} us server CPU each), on $n req/s (${nc} us each)"
echo "  on runs at $(awk "BEGIN {printf \"%.0f%%\", 100 * $n / $f}") of off's rate (target >= 95%)," \
  "server CPU per request $(awk "BEGIN {printf \"%.2fx\", $nc / $fc}")"
$BIN/cirrus usage --data-dir "$WORK/on" | tail -3
