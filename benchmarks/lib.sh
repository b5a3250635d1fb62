# Helpers shared by the benchmark scripts (sourced, not run). The caller sets SECS and RUNS;
# the server goes on the last CPU and the generator on the first.
BIN="$PWD/build/bin"  # the scripts cd to the repository first
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
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
HZ=$(getconf CLK_TCK)

# Starts cirrusd; prints "pid port ms-from-exec-to-first-ListTables-answer".
start_cirrusd() {
  /usr/bin/python3 - "$@" <<'PY'
import http.client, ssl, subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, text=True)
line = p.stdout.readline()  # "listening on http://127.0.0.1:PORT" (https with --tls-cert)
port = int(line.rsplit(":", 1)[1])
tls = line.startswith("listening on https")
auth = ("AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=00")
while True:
    try:
        c = (http.client.HTTPSConnection("127.0.0.1", port, context=ssl._create_unverified_context())
             if tls else http.client.HTTPConnection("127.0.0.1", port))
        c.request("POST", "/", "{}", {"X-Amz-Target": "DynamoDB_20120810.ListTables",
                  "Content-Type": "application/x-amz-json-1.0", "Authorization": auth,
                  "X-Amz-Date": "20240101T000000Z"})
        if c.getresponse().status in (200, 400): break  # 400: a server that verifies signatures
    except OSError:
        pass
print(p.pid, port, round((time.monotonic() - t0) * 1000, 1))
PY
}

# The median of the numbers on stdin (whitespace separated).
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

steal_ticks() { awk '$1 == "cpu" {print $9}' /proc/stat; }  # all CPUs

# run_once JSON SERVER_PIDS... -- cirrus-load args: one run against $PORT; adds to its JSON the
# servers' CPU share and the steal (the share of the machine's CPU time the hypervisor gave
# to someone else: on a shared VM, what sets the floor under tail latency).
run_once() {
  local json=$1; shift
  local pids=()
  while [ "$1" != "--" ]; do pids+=("$1"); shift; done
  shift
  local before after s0 s1
  before=$(cpu_ticks "${pids[@]}"); s0=$(steal_ticks)
  taskset -c $GEN_CPU $BIN/cirrus-load --port "$PORT" --duration "$SECS" --json "$json" "$@" >/dev/null || true
  after=$(cpu_ticks "${pids[@]}"); s1=$(steal_ticks)
  /usr/bin/python3 - "$json" $((after - before)) $((s1 - s0)) "$HZ" "$SECS" <<'PY'
import json, os, sys
path, cpu, steal, hz, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
d = json.load(open(path)) if os.path.exists(path) else {  # the generator could not run
    "throughput": 0, "errors": 1, "p50_us": 0, "p99_us": 0, "p999_us": 0, "generator_cpu": 0, "write_group": 0}
d["server_cpu"] = cpu / hz / (secs + 1)  # + the generator's 1 s warm-up
d["steal"] = steal / hz / (secs + 1) / os.cpu_count()
json.dump(d, open(path, "w"))
PY
}

# summarize LABEL JSON...: prints the medians of runs and keeps them in LAST_TPUT (req/s),
# LAST_CPU_US (server CPU microseconds per request), LAST_P50, LAST_P99 (us), LAST_GROUP
# (writes per commit the server formed; 0 when it does not say), LAST_ERRORS (all runs').
summarize() {
  local label=$1; shift
  local out
  out=$(/usr/bin/python3 - "$label" "$@" <<'PY'
import json, statistics, sys
label, runs = sys.argv[1], [json.load(open(f)) for f in sys.argv[2:]]
m = lambda k: statistics.median(r.get(k, 0) for r in runs)
errors = sum(r["errors"] for r in runs)
print("%-44s %9.0f %8.0f %8.0f %9.0f %6.0f%% %6.0f%% %5.1f%%%s%s" % (
    label, m("throughput"), m("p50_us"), m("p99_us"), m("p999_us"),
    100 * m("generator_cpu"), 100 * m("server_cpu"), 100 * m("steal"),
    "  group %.1f" % m("write_group") if m("write_group") else "",
    "  ERRORS: %d" % errors if errors else ""), file=sys.stderr)
print(int(m("throughput")), round(statistics.median(1e6 * r["server_cpu"] / max(r["throughput"], 1e-9) for r in runs), 1),
      int(m("p50_us")), int(m("p99_us")), round(m("write_group"), 1), errors)
PY
)
  read -r LAST_TPUT LAST_CPU_US LAST_P50 LAST_P99 LAST_GROUP LAST_ERRORS <<<"$out"
}

# point LABEL SERVER_PIDS... -- cirrus-load args: RUNS runs in a row, then summarize.
point() {
  local label=$1; shift
  local pids=()
  while [ "$1" != "--" ]; do pids+=("$1"); shift; done
  shift
  local i files=()
  for i in $(seq $RUNS); do
    run_once "$WORK/run-$i.json" "${pids[@]}" -- "$@"
    files+=("$WORK/run-$i.json")
  done
  summarize "$label" "${files[@]}"
}

# start_nginx: nginx on $PORT, one worker pinned to the server's CPU, answering every request
# with a fixed 200-byte JSON body (what HTTP alone costs on this machine); sets NGINX_PIDS
# (master first).
start_nginx() {
  local body='{"Item":{"pk":{"S":"user#12345"},"data":{"S":"'$(printf 'x%.0s' $(seq 170))'"}}}'
  cat > "$WORK/nginx.conf" <<NGINX
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err;
events { worker_connections 2048; }
http {
  access_log off;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$PORT; location / { default_type application/x-amz-json-1.0; return 200 '$body'; } }
}
NGINX
  taskset -c $SERVER_CPU nginx -c "$WORK/nginx.conf"
  local i
  for i in $(seq 50); do [ -s "$WORK/nginx.pid" ] && break; sleep 0.1; done
  local master; master=$(cat "$WORK/nginx.pid")
  PIDS+=("$master")
  sleep 0.2
  NGINX_PIDS=("$master" $(pgrep -P "$master"))
}

header() {
  printf "%-44s %9s %8s %8s %9s %7s %7s %6s\n" "point (median of $RUNS x ${SECS}s)" "req/s" "p50 us" "p99 us" "p99.9 us" "gen" "server" "steal"
}

machine_header() {
  echo "machine: $NCPU CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(uname -r)"
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ); commit: $(git rev-parse --short HEAD 2>/dev/null || echo none)"
  echo "server pinned to CPU $SERVER_CPU, generator to CPU $GEN_CPU"
  echo
}
