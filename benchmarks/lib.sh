# Helpers shared by the benchmark scripts (sourced, not run). The caller sets SECS and RUNS;
# the server goes on the last CPU and the generator on the first.
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
# the median throughput in $LAST_TPUT and the server's median CPU microseconds per request
# in $LAST_CPU_US.
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
  local out
  out=$(/usr/bin/python3 - "$label" "${files[@]}" <<'PY'
import json, statistics, sys
label, runs = sys.argv[1], [json.load(open(f)) for f in sys.argv[2:]]
m = lambda k: statistics.median(r[k] for r in runs)
errors = sum(r["errors"] for r in runs)
print("%-44s %9.0f %8.0f %8.0f %9.0f %6.0f%% %6.0f%%%s" % (
    label, m("throughput"), m("p50_us"), m("p99_us"), m("p999_us"),
    100 * m("generator_cpu"), 100 * m("server_cpu"), "  ERRORS: %d" % errors if errors else ""),
    file=sys.stderr)
print(int(m("throughput")), round(statistics.median(1e6 * r["server_cpu"] / max(r["throughput"], 1e-9) for r in runs), 1),
      int(m("p50_us")), int(m("p99_us")))
PY
)
  read -r LAST_TPUT LAST_CPU_US LAST_P50 LAST_P99 <<<"$out"
}

header() {
  printf "%-44s %9s %8s %8s %9s %7s %7s\n" "point (median of $RUNS x ${SECS}s)" "req/s" "p50 us" "p99 us" "p99.9 us" "gen" "server"
}

machine_header() {
  echo "machine: $NCPU CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(uname -r)"
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ); commit: $(git rev-parse --short HEAD 2>/dev/null || echo none)"
  echo "server pinned to CPU $SERVER_CPU, generator to CPU $GEN_CPU"
  echo
}
