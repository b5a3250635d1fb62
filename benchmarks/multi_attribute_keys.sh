#!/bin/bash
# What a multi-attribute GSI key costs a Query (the target: at most 1.2x the same Query on a
# single-attribute GSI over the same data). 100k items of ~200 bytes, each in two GSIs with
# projection ALL over the same 256 partitions: bySynthetic keyed by tr = "tenant#region" (the
# concatenated key people build without the feature) and byTenantRegion keyed by tenant and
# region (two HASH attributes); both sorted by at. Each Query reads a --limit 100 page of one
# partition; 16 connections, closed loop; each point 3 runs, medians, interleaved.
# Usage: benchmarks/multi_attribute_keys.sh [seconds per run, default 10]
# The output also goes to benchmarks/results/multi_attribute_keys.txt (the latest run, committed).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-10}"
RUNS=1
mkdir -p benchmarks/results
exec > >(tee benchmarks/results/multi_attribute_keys.txt) 2>&1
source benchmarks/lib.sh
machine_header

read -r PID PORT _ < <(start_cirrusd taskset -c $SERVER_CPU $BIN/cirrusd --port 0 \
  --data-dir "$WORK/data" --sync=none)
PIDS+=("$PID")
$BIN/cirrus-load --port "$PORT" --preload --multi-attribute --items 100000 --duration 0 2>/dev/null

header
declare -A TPUT CPU
for round in 1 2 3; do  # interleaved, so that drift on a shared VM hits both alike
  for w in query-synthetic query-multi; do
    point "$w, Limit 100, 16 conns (run $round)" "$PID" -- --workload $w --multi-attribute \
      --items 100000 --connections 16 2>&1
    TPUT[$w]+="$LAST_TPUT "
    CPU[$w]+="$LAST_CPU_US "
  done
done
s_t=$(echo ${TPUT[query-synthetic]} | median); m_t=$(echo ${TPUT[query-multi]} | median)
s_c=$(echo ${CPU[query-synthetic]} | median); m_c=$(echo ${CPU[query-multi]} | median)
echo
echo "medians: synthetic key $s_t queries/s, ${s_c} us server CPU each;" \
  "multi-attribute key $m_t queries/s, ${m_c} us each"
echo "  multi-attribute cost: $(awk "BEGIN {printf \"%.2fx\", $s_t / $m_t}") in throughput," \
  "$(awk "BEGIN {printf \"%.2fx\", $m_c / $s_c}") in server CPU per query (target <= 1.2x)"
