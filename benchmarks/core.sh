#!/bin/bash
# The core issue's measurements, on this machine, in one run:
#   GetItem on 100k items of ~200 bytes, 16 connections: closed-loop peak, then open-loop
#   latency at half that rate; single-connection GetItem latency; durable PutItem
#   (--sync=full) over 16 connections; nginx answering a fixed 200-byte JSON body to the
#   same requests (what HTTP alone costs here); cold start; idle and loaded RSS.
# Generator (cirrus-load, one thread) and server share the machine: both CPUs are reported.
# Usage: benchmarks/core.sh [seconds per point, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-10}"
BIN=build/bin
[ -x $BIN/cirrusd ] && [ -x $BIN/cirrus-load ] || {
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build build -j"$(nproc)"; }

WORK=$(mktemp -d /tmp/cirrus-bench-XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
HZ=$(getconf CLK_TCK)

# Starts cirrusd; sets PID and PORT; prints milliseconds from exec to first ListTables answer.
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

# Runs cirrus-load against PORT with server PID; prints its line and the server's CPU share.
load() {
  local before after out
  before=$(cpu_ticks "$PID")
  out=$($BIN/cirrus-load --port "$PORT" --duration "$SECS" "$@" || true)
  after=$(cpu_ticks "$PID")
  echo "$out  server cpu=$(( (after - before) * 100 / HZ / (${SECS%.*} + 1) ))%"
}

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2" | head -1; }

echo "machine: $(nproc) cores, $(uname -r); $(date -u +%Y-%m-%dT%H:%MZ)"
echo

# --- cirrusd, reads -------------------------------------------------------------------------
read -r PID PORT COLD < <(start_cirrusd $BIN/cirrusd --port 0 --data-dir "$WORK/data" --sync=full)
PIDS+=("$PID")
sleep 0.2
echo "cold start (exec to first ListTables answer): ${COLD} ms; idle RSS: $(( $(rss_kb "$PID") / 1024 )) MB"
$BIN/cirrus-load --port "$PORT" --preload --items 100000 --item-size 200 --duration 0 2>&1
echo "RSS after loading 100k items: $(( $(rss_kb "$PID") / 1024 )) MB; data dir: $(du -sm "$WORK/data" | cut -f1) MB"
echo
GET_PEAK=$(load --workload get --connections 16)
echo "GetItem   closed loop: $GET_PEAK"
PEAK=$(field "closed-loop conns=16 rate=max:" "$GET_PEAK")
PEAK=$(sed -n 's/.*: \([0-9]*\) req\/s.*/\1/p' <<<"$GET_PEAK")
echo "GetItem   open loop at half peak ($((PEAK / 2))/s): $(load --workload get --connections 16 --rate $((PEAK / 2)))"
echo "GetItem   1 connection: $(load --workload get --connections 1)"
echo "Query     1 item, closed loop: $(load --workload query --connections 16)"
echo

# --- cirrusd, durable writes ------------------------------------------------------------------
PUT_PEAK=$(load --workload put --connections 16)
echo "PutItem   --sync=full closed loop: $PUT_PEAK"
PPEAK=$(sed -n 's/.*: \([0-9]*\) req\/s.*/\1/p' <<<"$PUT_PEAK")
echo "PutItem   --sync=full open loop at half peak ($((PPEAK / 2))/s): $(load --workload put --connections 16 --rate $((PPEAK / 2)))"
kill "$PID"; wait "$PID" 2>/dev/null || true
echo

# --- nginx: HTTP alone -----------------------------------------------------------------------
if command -v nginx >/dev/null; then
  NPORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  BODY='{"Item":{"pk":{"S":"user#12345"},"data":{"S":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}}'
  cat > "$WORK/nginx.conf" <<NGINX
worker_processes $(nproc);
pid $WORK/nginx.pid;
error_log $WORK/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NPORT;
    location / { default_type application/x-amz-json-1.0; return 200 '$BODY'; }
  }
}
NGINX
  nginx -c "$WORK/nginx.conf"
  sleep 0.3
  PID=$(cat "$WORK/nginx.pid"); PORT=$NPORT; PIDS+=("$PID")
  NGINX_LINE=$(load --workload static --connections 16)
  kill "$PID"
  echo "nginx static 200-byte JSON, closed loop: $NGINX_LINE  (master only; workers not counted)"
  NPEAK=$(sed -n 's/.*: \([0-9]*\) req\/s.*/\1/p' <<<"$NGINX_LINE")
  echo
  echo "GetItem peak / nginx peak: $(awk "BEGIN {printf \"%.2f\", $PEAK / $NPEAK}")"
fi
