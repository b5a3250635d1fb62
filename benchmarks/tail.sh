#!/bin/bash
# Where open-loop tail latency comes from on this machine: GetItem over 16 connections at
# fixed rates against cirrusd with busy polling off (0, as nginx), the default (50 us) and
# long enough that its thread never sleeps (2000 us), and nginx's fixed body at the same
# rates. A request that arrives while the server's vCPU is halted waits for the hypervisor
# to run it again; the steal column shows how much CPU time the host took meanwhile.
# Each point: RUNS (3) runs of SECS seconds, medians.
# Usage: benchmarks/tail.sh [seconds per run, default 4]
# The output goes to benchmarks/results/tail.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-4}"
RUNS=3
RATES=(2000 8000 18000)
mkdir -p benchmarks/results
exec > >(tee benchmarks/results/tail.txt) 2>&1
source benchmarks/lib.sh
machine_header
header
for poll in 0 50 2000; do
  read -r PID PORT _ < <(start_cirrusd taskset -c $SERVER_CPU $BIN/cirrusd --port 0 --data-dir "$WORK/data-$poll" --busy-poll-us $poll)
  PIDS+=("$PID")
  $BIN/cirrus-load --port "$PORT" --preload --items 100000 --duration 0 2>/dev/null
  for rate in "${RATES[@]}"; do
    point "cirrusd --busy-poll-us $poll, $rate/s" "$PID" -- --workload get --connections 16 --rate $rate 2>&1
  done
  kill "$PID"; wait "$PID" 2>/dev/null || true
done
if command -v nginx >/dev/null; then
  PORT=$(free_port)
  start_nginx
  for rate in "${RATES[@]}"; do
    point "nginx, $rate/s" "${NGINX_PIDS[@]}" -- --workload static --connections 16 --rate $rate 2>&1
  done
  kill "${NGINX_PIDS[0]}"
fi
