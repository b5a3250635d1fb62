#!/bin/bash
# What verifying signatures costs: GetItem over 16 connections, closed loop, against
# `cirrusd --auth=none` and `cirrusd --auth=sigv4` (every request signed by cirrus-load --sign,
# a fresh signature each, as the SDKs send), each with 100k items of ~200 bytes; three rounds
# interleaved, medians. The target: sigv4 at least 85% of none's rate. The generator's CPU
# rises too (it signs), so both columns matter.
# Usage: benchmarks/auth.sh [seconds per run, default 10]
# The output also goes to benchmarks/results/auth.txt (the latest run, committed).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-10}"
RUNS=1
mkdir -p benchmarks/results
exec > >(tee benchmarks/results/auth.txt) 2>&1
source benchmarks/lib.sh
machine_header

printf '[bench]\naws_access_key_id = AKIDBENCH\naws_secret_access_key = bench-secret\n' > "$WORK/credentials"
read -r PID_NONE PORT_NONE _ < <(start_cirrusd taskset -c $SERVER_CPU $BIN/cirrusd --port 0 \
  --data-dir "$WORK/none" --sync=none)
PIDS+=("$PID_NONE")
read -r PID_SIG PORT_SIG _ < <(start_cirrusd taskset -c $SERVER_CPU $BIN/cirrusd --port 0 \
  --data-dir "$WORK/sigv4" --sync=none --auth=sigv4 --credentials "$WORK/credentials")
PIDS+=("$PID_SIG")
$BIN/cirrus-load --port "$PORT_NONE" --preload --items 100000 --duration 0 2>/dev/null
$BIN/cirrus-load --port "$PORT_SIG" --preload --items 100000 --duration 0 --sign AKIDBENCH:bench-secret 2>/dev/null

header
declare -A TPUT CPU GEN
for round in 1 2 3; do
  PORT=$PORT_NONE
  point "GetItem --auth=none, 16 conns (run $round)" "$PID_NONE" -- --workload get --items 100000 --connections 16 2>&1
  TPUT[none]+="$LAST_TPUT "; CPU[none]+="$LAST_CPU_US "
  PORT=$PORT_SIG
  point "GetItem --auth=sigv4, 16 conns (run $round)" "$PID_SIG" -- --workload get --items 100000 --connections 16 \
    --sign AKIDBENCH:bench-secret 2>&1
  TPUT[sigv4]+="$LAST_TPUT "; CPU[sigv4]+="$LAST_CPU_US "
done
n=$(echo ${TPUT[none]} | median); s=$(echo ${TPUT[sigv4]} | median)
nc=$(echo ${CPU[none]} | median); sc=$(echo ${CPU[sigv4]} | median)
echo
echo "medians: --auth=none $n req/s (${nc} us server CPU each), --auth=sigv4 $s req/s (${sc} us each)"
echo "  sigv4 runs at $(awk "BEGIN {printf \"%.0f%%\", 100 * $s / $n}") of none's rate (target >= 85%)," \
  "server CPU per request $(awk "BEGIN {printf \"%.2fx\", $sc / $nc}")"
