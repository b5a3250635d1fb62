#!/bin/bash
# What secondary indexes cost (the index issue's targets), in one run:
#   - PutItem over HTTP, 16 connections, closed loop, on 100k items of ~200 bytes: a table
#     without indexes against one with two GSIs (projection ALL) whose keys every put moves,
#     with --sync=none (the CPU cost) and --sync=full (durable: fsync volume counts too);
#     each point 3 runs, medians, as core.sh;
#   - the same below the protocol (benchmarks/micro/index_bench.cc: 100 puts a transaction);
#   - the online backfill of a GSI over 1M items of ~200 bytes, CreateIndex to ACTIVE.
# Usage: benchmarks/indexes.sh [seconds per run, default 10]
# The output also goes to benchmarks/results/indexes.txt (the latest run, committed).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-10}"
RUNS=3
mkdir -p benchmarks/results
exec > >(tee benchmarks/results/indexes.txt) 2>&1
source benchmarks/lib.sh
[ -x $BIN/cirrus-micro ] || cmake --build build -j"$(nproc)" --target cirrus-micro
machine_header

header
declare -A PEAK CPU
for sync in none full; do
  for gsis in 0 2; do
    read -r PID PORT _ < <(start_cirrusd taskset -c $SERVER_CPU $BIN/cirrusd --port 0 \
      --data-dir "$WORK/data-$sync-$gsis" --sync=$sync)
    PIDS+=("$PID")
    $BIN/cirrus-load --port "$PORT" --preload --gsis $gsis --items 100000 --duration 0 2>/dev/null
    point "PutItem --sync=$sync, $gsis GSIs, 16 conns" "$PID" -- --workload put --gsis $gsis --connections 16 2>&1
    PEAK[$sync-$gsis]=$LAST_TPUT
    CPU[$sync-$gsis]=$LAST_CPU_US
    kill "$PID"; wait "$PID" 2>/dev/null || true
  done
  echo "  cost of 2 GSIs (--sync=$sync): throughput $(awk "BEGIN {printf \"%.2fx\", ${PEAK[$sync-0]} / ${PEAK[$sync-2]}}")," \
    "server CPU per put ${CPU[$sync-0]} -> ${CPU[$sync-2]} us ($(awk "BEGIN {printf \"%.2fx\", ${CPU[$sync-2]} / ${CPU[$sync-0]}}"))"
done
echo
echo "below the protocol (Google Benchmark, 3 repetitions, medians):"
$BIN/cirrus-micro --benchmark_filter='BM_PutWithIndexes|BM_Backfill' --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true 2>/dev/null | grep -E '^(Benchmark|-+$)|_median'
