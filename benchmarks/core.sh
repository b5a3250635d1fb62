#!/bin/bash
# The core issue's measurements, on this machine, in one run (each point: 3 runs, medians):
#   GetItem on 100k items of ~200 bytes over 16 connections: closed-loop peak, then
#   open-loop latency at half that peak; GetItem over one connection; Query (one item);
#   durable PutItem (--sync=full) over 16 connections, closed loop and open loop at half its
#   peak; nginx answering a fixed 200-byte JSON body to the same requests (HTTP alone on this
#   machine), closed loop and open loop at GetItem's half-peak rate; cold start; idle and
#   loaded RSS.
# The server is pinned to the last CPU and the generator (one thread) to the first, so the
# two share the machine without trading places; both CPUs are reported.
# Usage: benchmarks/core.sh [seconds per run, default 10]
# The output also goes to benchmarks/results/core.txt (the latest run, committed).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-10}"
RUNS=3
mkdir -p benchmarks/results
exec > >(tee benchmarks/results/core.txt) 2>&1
source benchmarks/lib.sh
machine_header

# --- cirrusd -----------------------------------------------------------------------------
read -r PID PORT COLD < <(start_cirrusd taskset -c $SERVER_CPU $BIN/cirrusd --port 0 --data-dir "$WORK/data" --sync=full)
PIDS+=("$PID")
sleep 0.5
IDLE_RSS=$(( $(rss_kb "$PID") / 1024 ))
$BIN/cirrus-load --port "$PORT" --preload --items 100000 --item-size 200 --duration 0 2>/dev/null
echo "cold start (exec to first answered ListTables): ${COLD} ms"
echo "RSS idle: ${IDLE_RSS} MB; after loading 100k items of ~200 bytes: $(( $(rss_kb "$PID") / 1024 )) MB; data dir: $(du -sm "$WORK/data" | cut -f1) MB"
echo
header
point "GetItem, 16 conns, closed loop" "$PID" -- --workload get --connections 16 2>&1
GET_PEAK=$LAST_TPUT
point "GetItem, 16 conns, open loop at $((GET_PEAK / 2))/s" "$PID" -- --workload get --connections 16 --rate $((GET_PEAK / 2)) 2>&1
point "GetItem, 1 conn, closed loop" "$PID" -- --workload get --connections 1 2>&1
point "Query (1 item), 16 conns, closed loop" "$PID" -- --workload query --connections 16 2>&1
point "PutItem --sync=full, 16 conns, closed loop" "$PID" -- --workload put --connections 16 2>&1
PUT_PEAK=$LAST_TPUT
point "PutItem --sync=full, 16 conns, open $((PUT_PEAK / 2))/s" "$PID" -- --workload put --connections 16 --rate $((PUT_PEAK / 2)) 2>&1
kill "$PID"; wait "$PID" 2>/dev/null || true

# --- nginx: HTTP alone ---------------------------------------------------------------------
if command -v nginx >/dev/null; then
  PORT=$(free_port)
  start_nginx
  point "nginx, fixed 200-byte body, 16 conns, closed" "${NGINX_PIDS[@]}" -- --workload static --connections 16 2>&1
  NGINX_PEAK=$LAST_TPUT
  point "nginx, 16 conns, open loop at $((GET_PEAK / 2))/s" "${NGINX_PIDS[@]}" -- --workload static --connections 16 --rate $((GET_PEAK / 2)) 2>&1
  kill "${NGINX_PIDS[0]}"
  echo
  echo "GetItem peak / nginx peak (same pinning, one worker each): $(awk "BEGIN {printf \"%.2f\", $GET_PEAK / $NGINX_PEAK}")"
fi
