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
BIN=build/bin
[ -x $BIN/cirrusd ] && [ -x $BIN/cirrus-load ] || {
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build build -j"$(nproc)"; }

NCPU=$(nproc)
SERVER_CPU=$((NCPU - 1))
GEN_CPU=0
WORK=$(mktemp -d /tmp/cirrus-bench-XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

cpu_ticks() {  # a process's CPU ticks, all its threads; several pids add up
  local t=0 p
  for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo $t
}
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
HZ=$(getconf CLK_TCK)

# Starts cirrusd; prints "pid port ms-from-exec-to-first-ListTables-answer".
start_cirrusd() {
  /usr/bin/python3 - "$@" <<'PY'
import http.client, subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, text=True)
port = int(p.stdout.readline().rsplit(":", 1)[1])
auth = ("AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=00")
while True:
    try:
        c = http.client.HTTPConnection("127.0.0.1", port)
        c.request("POST", "/", "{}", {"X-Amz-Target": "DynamoDB_20120810.ListTables",
                  "Content-Type": "application/x-amz-json-1.0", "Authorization": auth,
                  "X-Amz-Date": "20240101T000000Z"})
        if c.getresponse().status == 200: break
    except OSError:
        pass
print(p.pid, port, round((time.monotonic() - t0) * 1000, 1))
PY
}

# point LABEL SERVER_PIDS... -- cirrus-load args: RUNS runs; prints the medians and keeps
# the median throughput in $LAST_TPUT.
point() {
  local label=$1; shift
  local pids=()
  while [ "$1" != "--" ]; do pids+=("$1"); shift; done
  shift
  local i json files=()
  for i in $(seq $RUNS); do
    json="$WORK/run-$i.json"
    local before after
    before=$(cpu_ticks "${pids[@]}")
    taskset -c $GEN_CPU $BIN/cirrus-load --port "$PORT" --duration "$SECS" --json "$json" "$@" >/dev/null || true
    after=$(cpu_ticks "${pids[@]}")
    /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['server_cpu']=$((after - before))/$HZ/($SECS+1); json.dump(d, open(sys.argv[1],'w'))" "$json"
    files+=("$json")
  done
  LAST_TPUT=$(/usr/bin/python3 - "$label" "${files[@]}" <<'PY'
import json, statistics, sys
label, runs = sys.argv[1], [json.load(open(f)) for f in sys.argv[2:]]
m = lambda k: statistics.median(r[k] for r in runs)
errors = sum(r["errors"] for r in runs)
print("%-44s %9.0f %8.0f %8.0f %9.0f %6.0f%% %6.0f%%%s" % (
    label, m("throughput"), m("p50_us"), m("p99_us"), m("p999_us"),
    100 * m("generator_cpu"), 100 * m("server_cpu"), "  ERRORS: %d" % errors if errors else ""),
    file=sys.stderr)
print(int(m("throughput")))
PY
)
}

header() {
  printf "%-44s %9s %8s %8s %9s %7s %7s\n" "point (median of $RUNS x ${SECS}s)" "req/s" "p50 us" "p99 us" "p99.9 us" "gen" "server"
}

echo "machine: $NCPU CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(uname -r)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); commit: $(git rev-parse --short HEAD 2>/dev/null || echo none)"
echo "server pinned to CPU $SERVER_CPU, generator to CPU $GEN_CPU"
echo

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
  PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  BODY='{"Item":{"pk":{"S":"user#12345"},"data":{"S":"'$(printf 'x%.0s' $(seq 170))'"}}}'
  cat > "$WORK/nginx.conf" <<NGINX
worker_processes 1;
worker_cpu_affinity auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$PORT;
    location / { default_type application/x-amz-json-1.0; return 200 '$BODY'; }
  }
}
NGINX
  taskset -c $SERVER_CPU nginx -c "$WORK/nginx.conf"
  sleep 0.5
  MASTER=$(cat "$WORK/nginx.pid"); PIDS+=("$MASTER")
  WORKERS=$(pgrep -P "$MASTER" | tr '\n' ' ')
  point "nginx, fixed 200-byte body, 16 conns, closed" $MASTER $WORKERS -- --workload static --connections 16 2>&1
  NGINX_PEAK=$LAST_TPUT
  point "nginx, 16 conns, open loop at $((GET_PEAK / 2))/s" $MASTER $WORKERS -- --workload static --connections 16 --rate $((GET_PEAK / 2)) 2>&1
  kill "$MASTER"
  echo
  echo "GetItem peak / nginx peak (same pinning, one worker each): $(awk "BEGIN {printf \"%.2f\", $GET_PEAK / $NGINX_PEAK}")"
fi
