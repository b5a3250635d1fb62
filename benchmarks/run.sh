#!/bin/bash
# CirrusDB against its peers and this machine's ceilings, side by side, in one run:
#   - cirrusd (Release, --sync=full: every acknowledged write durable);
#   - the peers, when they can be installed: dynalite (npm, on disk) and Amazon DynamoDB
#     Local (its jar from the npm package amplify-dynamodb-simulator; Java 17; -sharedDb
#     -dbPath DIR), installed once into $CIRRUS_PEERS (default /tmp/cirrus-peers);
#   - the ceilings: nginx answering a fixed 200-byte JSON body (HTTP alone), and raw LMDB
#     beside db/ on the same data (benchmarks/micro/db_bench.cc);
#   - GetItem at 1, 16, 64 and 256 connections, PutItem (16 and 64 connections), UpdateItem,
#     Query (a partition of 100 items, Limit 10 and 100), a Scan page, BatchGetItem,
#     BatchWriteItem, 95/5 mixed; GetItem open loop at half its 16-connection peak (nginx at
#     cirrusd's rate); cold start, RSS, bytes per item.
# All servers run at once (pinned to one CPU, the generator to the other) and each point is
# RUNS (3) rounds of SECS-second runs, one run per server per round, medians: the VM's slow
# and fast minutes fall on every server alike instead of on whichever ran then. Both CPUs and
# the hypervisor's steal are shown.
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

# start NAME CMD...: starts a server on a free port (the argument PORT stands for it), pinned,
# and waits for its first answer.
declare -A PORTS SPIDS COLD
start() {
  local name=$1; shift
  local out a cmd=()
  PORT=$(free_port)
  for a in "$@"; do if [ "$a" = PORT ]; then cmd+=("$PORT"); else cmd+=("$a"); fi; done
  out=$(launch "$WORK/$name.log" taskset -c $SERVER_CPU "${cmd[@]}") || { echo "$name did not start:"; tail -5 "$WORK/$name.log"; return 1; }
  read -r SPIDS[$name] COLD[$name] <<<"$out"
  PORTS[$name]=$PORT
  PIDS+=("${SPIDS[$name]}")
  SERVERS+=("$name")
}

SERVERS=()
start cirrus $BIN/cirrusd --port PORT --data-dir "$WORK/cirrus" --sync=full
[ -z "$DYNALITE" ] || start dynalite node "$DYNALITE" --port PORT --path "$WORK/dynalite" || true
[ -z "$DDBLOCAL_JAR" ] || start ddblocal java -Djava.library.path="$(dirname "$DDBLOCAL_JAR")/DynamoDBLocal_lib" \
  -jar "$DDBLOCAL_JAR" -sharedDb -dbPath "$WORK" -port PORT || true
DATA_SERVERS=("${SERVERS[@]}")
declare -A RSS_IDLE
for s in "${DATA_SERVERS[@]}"; do
  PORT=${PORTS[$s]}
  RSS_IDLE[$s]=$(( $(rss_kb "${SPIDS[$s]}") / 1024 ))
  $BIN/cirrus-load --port "$PORT" --table plain --preload --items $ITEMS --duration 0 2>/dev/null
  $BIN/cirrus-load --port "$PORT" --table ranged --preload --partition-size 100 --items $RANGED --duration 0 2>/dev/null
  echo "$s: cold start ${COLD[$s]} ms; RSS idle ${RSS_IDLE[$s]} MB, after loading $((ITEMS + RANGED)) items $(( $(rss_kb "${SPIDS[$s]}") / 1024 )) MB"
done
echo "cirrus: data directory $(du -sk "$WORK/cirrus" | cut -f1) KB for $((ITEMS + RANGED)) items of ~200 bytes: $(( $(du -sk "$WORK/cirrus" | cut -f1) * 1024 / (ITEMS + RANGED) )) bytes/item"
if command -v nginx >/dev/null; then
  PORT=$(free_port)
  start_nginx
  PORTS[nginx]=$PORT
  SERVERS+=(nginx)
else
  echo "nginx: not measured (apt-get install nginx-light)"
fi
server_pids() { if [ "$1" = nginx ]; then echo "${NGINX_PIDS[@]}"; else echo "${SPIDS[$1]}"; fi; }
# What the idle servers cost the one being measured: their CPU over a quiet second each.
sleep 1
idle=""
for s in "${SERVERS[@]}"; do
  t0=$(cpu_ticks $(server_pids $s)); sleep 1; t1=$(cpu_ticks $(server_pids $s))
  idle+=" $s $(( (t1 - t0) * 100 / HZ ))%"
done
echo "idle CPU (one second each):$idle"
echo

declare -A TPUT P50 P99 GROUP ERRORS
# point_all KEY LABEL SERVERS... -- cirrus-load args: RUNS rounds, one run per server per
# round; "RATE" in the arguments stands for ${RATE[server]}, and nginx gets the static workload.
point_all() {
  local key=$1 label=$2; shift 2
  local servers=()
  while [ "$1" != "--" ]; do servers+=("$1"); shift; done
  shift
  local i s a args
  declare -A files
  for i in $(seq $RUNS); do
    for s in "${servers[@]}"; do
      args=()
      for a in "$@"; do
        case $a in RATE) args+=("${RATE[$s]}");; get) args+=("$([ "$s" = nginx ] && echo static || echo get)");; *) args+=("$a");; esac
      done
      PORT=${PORTS[$s]}
      run_once "$WORK/$s-$key-$i.json" $(server_pids $s) -- "${args[@]}" 2>&1
      files[$s]+=" $WORK/$s-$key-$i.json"
    done
  done
  for s in "${servers[@]}"; do
    summarize "$s $label$([ "$key" = getopen ] && echo " ${RATE[$s]}/s")" ${files[$s]} 2>&1
    TPUT[$s-$key]=$LAST_TPUT; P50[$s-$key]=$LAST_P50; P99[$s-$key]=$LAST_P99; GROUP[$s-$key]=$LAST_GROUP; ERRORS[$s-$key]=$LAST_ERRORS
  done
}

header
declare -A RATE
for c in 1 16 64 256; do
  if [ $c = 64 ]; then on=("${DATA_SERVERS[@]}"); else on=("${SERVERS[@]}"); fi
  point_all get-$c "GetItem, $c conns" "${on[@]}" -- --table plain --items $ITEMS --workload get --connections $c
done
for s in "${DATA_SERVERS[@]}"; do RATE[$s]=$(( ${TPUT[$s-get-16]} / 2 )); done
RATE[nginx]=${RATE[cirrus]}
point_all getopen "GetItem, 16 conns, open loop" "${SERVERS[@]}" -- --table plain --items $ITEMS --workload get --connections 16 --rate RATE
point_all put "PutItem, 16 conns" "${DATA_SERVERS[@]}" -- --table plain --items $ITEMS --workload put --connections 16
point_all put-64 "PutItem, 64 conns" "${DATA_SERVERS[@]}" -- --table plain --items $ITEMS --workload put --connections 64
for w in update mixed batchget batchwrite; do
  point_all $w "$w, 16 conns" "${DATA_SERVERS[@]}" -- --table plain --items $ITEMS --workload $w --connections 16
done
point_all scan "Scan page (100), 16 conns" "${DATA_SERVERS[@]}" -- --table plain --items $ITEMS --workload scan --limit 100 --connections 16
for l in 10 100; do
  point_all query$l "Query Limit $l, 16 conns" "${DATA_SERVERS[@]}" -- --table ranged --partition-size 100 --items $RANGED --workload query --limit $l --connections 16
done
for s in "${SERVERS[@]}"; do kill $(server_pids $s | cut -d' ' -f1); done

echo
echo "below HTTP, the same data (Google Benchmark, 3 repetitions, medians):"
$BIN/cirrus-micro --benchmark_filter='BM_DbGet|BM_RawLmdbGet|BM_DbRangeScan100|BM_RawLmdbRangeScan100|BM_LmdbDurableCommit' \
  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true 2>/dev/null | grep -E '_median' | tee "$WORK/micro.txt"
# The figures, the ceilings' ratios, the targets' verdicts and the table (also written into
# benchmarks/README.md between its markers, never by hand).
for k in "${!TPUT[@]}"; do
  echo "point $k ${TPUT[$k]} ${P50[$k]} ${P99[$k]} ${GROUP[$k]} ${ERRORS[$k]}"
done > "$WORK/points.txt"
for s in "${DATA_SERVERS[@]}"; do echo "server $s ${COLD[$s]} ${RSS_IDLE[$s]}"; done >> "$WORK/points.txt"
/usr/bin/python3 benchmarks/report.py "$WORK/points.txt" "$WORK/micro.txt" benchmarks/README.md \
  "$(head -3 benchmarks/results/run.txt)" "$(IFS=,; echo "${SERVERS[*]}")"
