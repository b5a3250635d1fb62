#!/bin/bash
# CirrusDB against its peers and this machine's ceilings, side by side, in one run:
#   - cirrusd (Release, --sync=full: every acknowledged write durable);
#   - the peers, when they can be installed: dynalite (npm, on disk) and Amazon DynamoDB
#     Local (its jar from the npm package amplify-dynamodb-simulator; Java 17; -sharedDb
#     -dbPath DIR), installed once into $CIRRUS_PEERS (default /tmp/cirrus-peers);
#   - the ceilings: nginx answering a fixed 200-byte JSON body (HTTP alone), and raw LMDB
#     beside db/ on the same data (benchmarks/micro/db_bench.cc);
#   - GetItem at 1, 16, 64 and 256 connections, PutItem, UpdateItem, Query (a partition of
#     100 items, Limit 10 and 100), a Scan page, BatchGetItem, BatchWriteItem, 95/5 mixed;
#     GetItem open loop at half its 16-connection peak; cold start, RSS, bytes per item.
# Each point is RUNS (3) runs of SECS seconds, medians; the server is pinned to one CPU and
# the generator to the other, and both CPUs are shown.
# Usage: benchmarks/run.sh [seconds per run, default 5]
# The output goes to benchmarks/results/run.txt and its table into benchmarks/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-5}"
RUNS=3
ITEMS=100000
RANGED=10000  # 100 partitions of 100 items
mkdir -p benchmarks/results
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target cirrusd cirrus-load cirrus-micro >/dev/null
exec > >(tee benchmarks/results/run.txt) 2>&1
source benchmarks/lib.sh
machine_header
PEERS="${CIRRUS_PEERS:-/tmp/cirrus-peers}"
mkdir -p "$PEERS"

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# launch LOG CMD...: starts CMD (stdout and stderr to LOG) and waits until it answers
# ListTables (any DynamoDB-compatible server on $PORT); prints "pid ms-from-exec-to-answer".
launch() {
  /usr/bin/python3 - "$PORT" "$@" <<'PY'
import http.client, os, subprocess, sys, time
port, log, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
auth = ("AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=00")
t0 = time.monotonic()
p = subprocess.Popen(cmd, stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True,
                     cwd=os.path.dirname(log))  # DynamoDB Local writes beside its working directory
while time.monotonic() - t0 < 120 and p.poll() is None:
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        c.request("POST", "/", "{}", {"X-Amz-Target": "DynamoDB_20120810.ListTables",
                  "Content-Type": "application/x-amz-json-1.0", "Authorization": auth,
                  "X-Amz-Date": "20240101T000000Z"})
        if c.getresponse().status == 200:
            print(p.pid, round((time.monotonic() - t0) * 1000, 1)); sys.exit(0)
    except OSError:
        time.sleep(0.0005)
p.kill()
sys.exit(1)
PY
}

# --- peers ---------------------------------------------------------------------------------
# What the peers need, from Debian, when missing and we may install (root).
missing=()
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v nginx >/dev/null || missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; } || true
fi
DYNALITE="" DDBLOCAL_JAR=""
if command -v npm >/dev/null && command -v node >/dev/null; then
  [ -f "$PEERS/dynalite/node_modules/dynalite/cli.js" ] ||
    npm install --no-audit --no-fund --prefix "$PEERS/dynalite" dynalite@4 >/dev/null 2>&1 || true
  [ -f "$PEERS/dynalite/node_modules/dynalite/cli.js" ] && DYNALITE="$PEERS/dynalite/node_modules/dynalite/cli.js"
  if command -v java >/dev/null; then
    # Only the package's own files (the jar and its native libraries), not its dependencies.
    if [ ! -f "$PEERS/ddblocal/package/emulator/DynamoDBLocal.jar" ]; then
      mkdir -p "$PEERS/ddblocal"
      (cd "$PEERS/ddblocal" && npm pack amplify-dynamodb-simulator@2 --silent >/dev/null 2>&1 &&
        tar xzf amplify-dynamodb-simulator-*.tgz) || true
    fi
    [ -f "$PEERS/ddblocal/package/emulator/DynamoDBLocal.jar" ] && DDBLOCAL_JAR="$PEERS/ddblocal/package/emulator/DynamoDBLocal.jar"
  fi
fi
[ -n "$DYNALITE" ] || echo "dynalite: not measured (npm and node are needed to install it)"
[ -n "$DDBLOCAL_JAR" ] || echo "DynamoDB Local: not measured (npm, node and Java 17 are needed)"

# start NAME CMD...: starts a server on $PORT (set by the caller), pinned; sets PID and COLD.
start() {
  local name=$1; shift
  local out
  out=$(launch "$WORK/$name.log" taskset -c $SERVER_CPU "$@") || { echo "$name did not start:"; tail -5 "$WORK/$name.log"; return 1; }
  read -r PID COLD <<<"$out"
  PIDS+=("$PID")
}
stop() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }

declare -A TPUT P50 P99
# measure NAME: the matrix against the server on $PORT (pid $PID).
measure() {
  local name=$1
  local before_rss; before_rss=$(( $(rss_kb "$PID") / 1024 ))
  $BIN/cirrus-load --port "$PORT" --table plain --preload --items $ITEMS --duration 0 2>/dev/null
  $BIN/cirrus-load --port "$PORT" --table ranged --preload --partition-size 100 --items $RANGED --duration 0 2>/dev/null
  echo "$name: cold start ${COLD} ms; RSS idle ${before_rss} MB, after loading $((ITEMS + RANGED)) items $(( $(rss_kb "$PID") / 1024 )) MB"
  local c
  for c in 1 16 64 256; do
    point "$name GetItem, $c conns" "$PID" -- --table plain --items $ITEMS --workload get --connections $c 2>&1
    TPUT[$name-get-$c]=$LAST_TPUT; P50[$name-get-$c]=$LAST_P50; P99[$name-get-$c]=$LAST_P99
  done
  local peak=${TPUT[$name-get-16]}
  point "$name GetItem, 16 conns, open loop $((peak / 2))/s" "$PID" -- --table plain --items $ITEMS --workload get --connections 16 --rate $((peak / 2)) 2>&1
  TPUT[$name-getopen]=$LAST_TPUT; P50[$name-getopen]=$LAST_P50; P99[$name-getopen]=$LAST_P99
  local w
  for w in put update mixed batchget batchwrite; do
    point "$name $w, 16 conns" "$PID" -- --table plain --items $ITEMS --workload $w --connections 16 2>&1
    TPUT[$name-$w]=$LAST_TPUT; P50[$name-$w]=$LAST_P50; P99[$name-$w]=$LAST_P99
  done
  point "$name scan page (100), 16 conns" "$PID" -- --table plain --items $ITEMS --workload scan --limit 100 --connections 16 2>&1
  TPUT[$name-scan]=$LAST_TPUT; P50[$name-scan]=$LAST_P50; P99[$name-scan]=$LAST_P99
  for l in 10 100; do
    point "$name Query Limit $l, 16 conns" "$PID" -- --table ranged --partition-size 100 --items $RANGED --workload query --limit $l --connections 16 2>&1
    TPUT[$name-query$l]=$LAST_TPUT; P50[$name-query$l]=$LAST_P50; P99[$name-query$l]=$LAST_P99
  done
}

header
SERVERS=(cirrus)
PORT=$(free_port)
start cirrus $BIN/cirrusd --port "$PORT" --data-dir "$WORK/cirrus" --sync=full
measure cirrus
echo "cirrus: data directory $(du -sk "$WORK/cirrus" | cut -f1) KB for $((ITEMS + RANGED)) items of ~200 bytes: $(( $(du -sk "$WORK/cirrus" | cut -f1) * 1024 / (ITEMS + RANGED) )) bytes/item"
stop
if [ -n "$DYNALITE" ]; then
  PORT=$(free_port)
  start dynalite node "$DYNALITE" --port "$PORT" --path "$WORK/dynalite" && { measure dynalite; SERVERS+=(dynalite); stop; }
fi
if [ -n "$DDBLOCAL_JAR" ]; then
  PORT=$(free_port)
  start ddblocal java -Djava.library.path="$(dirname "$DDBLOCAL_JAR")/DynamoDBLocal_lib" -jar "$DDBLOCAL_JAR" \
    -sharedDb -dbPath "$WORK" -port "$PORT" && { measure ddblocal; SERVERS+=(ddblocal); stop; }
fi
# nginx: HTTP alone, the same requests answered with a fixed body.
if command -v nginx >/dev/null; then
  PORT=$(free_port)
  BODY='{"Item":{"pk":{"S":"user#12345"},"data":{"S":"'$(printf 'x%.0s' $(seq 170))'"}}}'
  cat > "$WORK/nginx.conf" <<NGINX
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err;
events { worker_connections 2048; }
http {
  access_log off;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$PORT; location / { default_type application/x-amz-json-1.0; return 200 '$BODY'; } }
}
NGINX
  taskset -c $SERVER_CPU nginx -c "$WORK/nginx.conf"
  sleep 0.3
  MASTER=$(cat "$WORK/nginx.pid"); PIDS+=("$MASTER")
  WORKERS=$(pgrep -P "$MASTER" | tr '\n' ' ')
  for c in 1 16 256; do
    point "nginx static, $c conns" $MASTER $WORKERS -- --workload static --connections $c 2>&1
    TPUT[nginx-get-$c]=$LAST_TPUT; P50[nginx-get-$c]=$LAST_P50; P99[nginx-get-$c]=$LAST_P99
  done
  kill "$MASTER"
  SERVERS+=(nginx)
else
  echo "nginx: not measured (apt-get install nginx-light)"
fi

echo
echo "below HTTP, the same data (Google Benchmark, 3 repetitions, medians):"
$BIN/cirrus-micro --benchmark_filter='BM_DbGet|BM_RawLmdbGet|BM_DbRangeScan100|BM_RawLmdbRangeScan100|BM_LmdbDurableCommit' \
  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true 2>/dev/null | grep -E '_median' | tee "$WORK/micro.txt"
# The ratios the targets name, from the medians above.
/usr/bin/python3 - "$WORK/micro.txt" "${TPUT[cirrus-put]:-0}" <<'PY'
import re, sys
rates, ns = {}, {}
for line in open(sys.argv[1]):
    name = line.split()[0].replace("_median", "")
    m = re.search(r"items_per_second=([0-9.]+)([kM]?)/s", line)
    if m:
        rates[name] = float(m.group(1)) * {"": 1, "k": 1e3, "M": 1e6}[m.group(2)]
    t = re.search(r"\s([0-9.]+) ns\s", line)
    if t:
        ns[name] = float(t.group(1))
if "BM_DbGet" in ns and "BM_RawLmdbGet" in ns:
    print("db/ point get / raw mdb_get time: %.2fx" % (ns["BM_DbGet"] / ns["BM_RawLmdbGet"]))
if "BM_DbRangeScan100" in ns and "BM_RawLmdbRangeScan100" in ns:
    print("db/ range scan of 100 / raw LMDB cursor time: %.2fx" % (ns["BM_DbRangeScan100"] / ns["BM_RawLmdbRangeScan100"]))
put = float(sys.argv[2])
for g in (1, 4, 8, 16):
    r = rates.get("BM_LmdbDurableCommit/%d/real_time" % g)
    if r and put:
        print("durable PutItem, 16 conns (%d/s) / LMDB fsync ceiling at group %d (%.0f items/s): %.0f%%" % (put, g, r, 100 * put / r))
PY

# --- the side-by-side table ------------------------------------------------------------------
table() {
  echo "| point | $(printf '%s | ' "${SERVERS[@]}")cirrus / dynalite | cirrus / DynamoDB Local | cirrus / nginx |"
  echo "|---|$(printf -- '---|%.0s' "${SERVERS[@]}")---|---|---|"
  local key label s
  for key in get-1 get-16 get-64 get-256 getopen put update mixed batchget batchwrite scan query10 query100; do
    case $key in
      get-*) label="GetItem, ${key#get-} conns";; getopen) label="GetItem, 16 conns, open loop at half peak";;
      query10) label="Query Limit 10";; query100) label="Query Limit 100";; scan) label="Scan page of 100";;
      *) label="$key";;
    esac
    printf "| %s req/s (p50 / p99 us) |" "$label"
    for s in "${SERVERS[@]}"; do
      if [ -n "${TPUT[$s-$key]:-}" ]; then printf " %s (%s / %s) |" "${TPUT[$s-$key]}" "${P50[$s-$key]}" "${P99[$s-$key]}"; else printf " - |"; fi
    done
    for s in dynalite ddblocal nginx; do
      if [ -n "${TPUT[$s-$key]:-}" ] && [ -n "${TPUT[cirrus-$key]:-}" ]; then
        printf " %s |" "$(awk "BEGIN {printf \"%.2fx\", ${TPUT[cirrus-$key]} / ${TPUT[$s-$key]}}")"
      else printf " - |"; fi
    done
    echo
  done
}
echo
TABLE=$(table)
echo "$TABLE"
# The README's copy, between its markers (never typed by hand).
/usr/bin/python3 - "$TABLE" "$(head -3 benchmarks/results/run.txt)" <<'PY'
import re, sys
table, header = sys.argv[1], sys.argv[2]
path = "benchmarks/README.md"
text = open(path).read()
block = "<!-- run.sh table -->\n```\n" + header + "\n```\n\n" + table + "\n<!-- end run.sh table -->"
if "<!-- run.sh table -->" in text:
    text = re.sub(r"<!-- run.sh table -->.*<!-- end run.sh table -->", lambda m: block, text, flags=re.S)
else:
    text += "\n## Latest `run.sh` table\n\n" + block + "\n"
open(path, "w").write(text)
PY
