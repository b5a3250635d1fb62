#!/bin/bash
# What TLS costs: keep-alive GetItem over 16 connections, closed loop, against `cirrusd` over
# plain HTTP and over HTTPS (--tls-cert, a P-256 self-signed certificate; cirrus-load --tls
# does the client side with OpenSSL, each connection's handshake before the measured window),
# each with 100k items of ~200 bytes; three rounds interleaved, medians. The target: HTTPS at
# least 70% of plain HTTP's rate. The generator encrypts too, so its CPU column matters.
# Usage: benchmarks/tls.sh [seconds per run, default 10]
# The output also goes to benchmarks/results/tls.txt (the latest run, committed).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-10}"
RUNS=1
mkdir -p benchmarks/results
exec > >(tee benchmarks/results/tls.txt) 2>&1
source benchmarks/lib.sh
machine_header

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1 \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
read -r PID_PLAIN PORT_PLAIN _ < <(start_cirrusd taskset -c $SERVER_CPU $BIN/cirrusd --port 0 \
  --data-dir "$WORK/plain" --sync=none)
PIDS+=("$PID_PLAIN")
read -r PID_TLS PORT_TLS _ < <(start_cirrusd taskset -c $SERVER_CPU $BIN/cirrusd --port 0 \
  --data-dir "$WORK/tls" --sync=none --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem")
PIDS+=("$PID_TLS")
$BIN/cirrus-load --port "$PORT_PLAIN" --preload --items 100000 --duration 0 2>/dev/null
$BIN/cirrus-load --port "$PORT_TLS" --preload --items 100000 --duration 0 --tls 2>/dev/null

header
declare -A TPUT CPU
for round in 1 2 3; do
  PORT=$PORT_PLAIN
  point "GetItem over HTTP, 16 conns (run $round)" "$PID_PLAIN" -- --workload get --items 100000 --connections 16 2>&1
  TPUT[plain]+="$LAST_TPUT "; CPU[plain]+="$LAST_CPU_US "
  PORT=$PORT_TLS
  point "GetItem over HTTPS, 16 conns (run $round)" "$PID_TLS" -- --workload get --items 100000 --connections 16 \
    --tls 2>&1
  TPUT[tls]+="$LAST_TPUT "; CPU[tls]+="$LAST_CPU_US "
done
p=$(echo ${TPUT[plain]} | median); t=$(echo ${TPUT[tls]} | median)
pc=$(echo ${CPU[plain]} | median); tc=$(echo ${CPU[tls]} | median)
echo
echo "medians: HTTP $p req/s (${pc} us server CPU each), HTTPS $t req/s (${tc} us each)"
echo "  HTTPS runs at $(awk "BEGIN {printf \"%.0f%%\", 100 * $t / $p}") of HTTP's rate (target >= 70%)," \
  "server CPU per request $(awk "BEGIN {printf \"%.2fx\", $tc / $pc}")"
