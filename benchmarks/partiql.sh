#!/bin/bash
# What PartiQL costs: a keyed SELECT (ExecuteStatement "SELECT * FROM bench WHERE pk = ?", one
# item; by the full key, so it runs as a GetItem) against GetItem and the Query (pk = :p), on
# 100k items of ~200 bytes,
# 16 connections, closed loop; three rounds interleaved, medians. The target: at most 1.3x.
# Usage: benchmarks/partiql.sh [seconds per run, default 10]
# The output also goes to benchmarks/results/partiql.txt (the latest run, committed).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-10}"
RUNS=1
mkdir -p benchmarks/results
exec > >(tee benchmarks/results/partiql.txt) 2>&1
source benchmarks/lib.sh
machine_header

read -r PID PORT _ < <(start_cirrusd taskset -c $SERVER_CPU $BIN/cirrusd --port 0 \
  --data-dir "$WORK/data" --sync=none)
PIDS+=("$PID")
$BIN/cirrus-load --port "$PORT" --preload --items 100000 --duration 0 2>/dev/null

header
declare -A TPUT CPU
for round in 1 2 3; do
  for w in get query select; do
    point "$w, 16 conns (run $round)" "$PID" -- --workload $w --items 100000 --connections 16 2>&1
    TPUT[$w]+="$LAST_TPUT "
    CPU[$w]+="$LAST_CPU_US "
  done
done
echo
for w in get query select; do
  echo "median $w: $(echo ${TPUT[$w]} | median) req/s, $(echo ${CPU[$w]} | median) us server CPU each"
done
g=$(echo ${CPU[get]} | median); q=$(echo ${CPU[query]} | median); s=$(echo ${CPU[select]} | median)
echo "  SELECT costs $(awk "BEGIN {printf \"%.2fx\", $s / $g}") a GetItem's server CPU and" \
  "$(awk "BEGIN {printf \"%.2fx\", $s / $q}") the Query's (target <= 1.3x)"
