#!/bin/bash
# The import/export issue's targets, on this machine: 1,000,000 items of about 200 bytes
# (DynamoDB's size accounting), in DynamoDB JSON, gzip-compressed:
#   - cirrus import of the file into a new table of a fresh data directory;
#   - cirrus export of that table (gzip, DynamoDB JSON), then (Ion);
#   - the same import again while cirrusd serves the directory (import beside the server).
# Each step is timed with the tool's user and system CPU (the generator of load here is the
# tool itself; the two cores are shared with nothing else).
# Usage: benchmarks/import_export.sh [items, default 1000000]
# The output also goes to benchmarks/results/import_export.txt (the latest run, committed).
set -euo pipefail
cd "$(dirname "$0")/.."
ITEMS="${1:-1000000}"
SECS=0 RUNS=1
mkdir -p benchmarks/results
exec > >(tee benchmarks/results/import_export.txt) 2>&1
source benchmarks/lib.sh
machine_header

# Items: a user key, a sort number, a name, a status, a count and a 120-character random
# text payload (so that gzip meets realistic data, not repeated bytes).
/usr/bin/python3 - "$ITEMS" "$WORK/items.json.gz" <<'PY'
import gzip, json, random, string, sys
n, path = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(7)
letters = string.ascii_letters + string.digits
with gzip.open(path, "wt", compresslevel=6) as f:
    for i in range(n):
        item = {"pk": {"S": "user#%08d" % rnd.randrange(10**8)}, "sk": {"N": str(i)},
                "name": {"S": "name-%d" % rnd.randrange(10**6)}, "status": {"S": rnd.choice(["open", "closed", "pending"])},
                "count": {"N": str(rnd.randrange(10**6))},
                "data": {"S": "".join(rnd.choices(letters, k=120))}}
        f.write(json.dumps({"Item": item}, separators=(",", ":")) + "\n")
PY
echo "input: $ITEMS items, $(du -m "$WORK/items.json.gz" | cut -f1) MB gzip"
echo

timed() {  # timed LABEL COMMAND...: wall seconds and the command's CPU
  /usr/bin/python3 - "$ITEMS" "$@" <<'PY'
import resource, subprocess, sys, time
items, label, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
before = resource.getrusage(resource.RUSAGE_CHILDREN)
t0 = time.monotonic()
out = subprocess.run(cmd, capture_output=True, text=True)
wall = time.monotonic() - t0
after = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%-46s %8.2f s %10.0f items/s   cpu user %.2f s + sys %.2f s" % (
    label, wall, items / wall, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime))
for line in (out.stdout + out.stderr).splitlines():
    print("    " + line)
if out.returncode != 0:
    sys.exit("the command failed (%d)" % out.returncode)
PY
}

timed "import, DynamoDB JSON gzip, fresh directory" \
  $BIN/cirrus import --data-dir "$WORK/data" --table bench --key pk:S,sk:N --in "$WORK/items.json.gz" --quiet
du -sm "$WORK/data" | awk '{print "    data directory: " $1 " MB"}'
timed "export, DynamoDB JSON gzip" $BIN/cirrus export --data-dir "$WORK/data" --table bench --out "$WORK/export-json" --quiet
du -sm "$WORK/export-json" | awk '{print "    export: " $1 " MB"}'
timed "export, Ion gzip" $BIN/cirrus export --data-dir "$WORK/data" --table bench --out "$WORK/export-ion" --format ion --quiet
timed "import of the JSON export (reads its manifest)" \
  $BIN/cirrus import --data-dir "$WORK/data" --table copy --key pk:S,sk:N --in "$WORK/export-json" --quiet

read -r PID PORT _ < <(start_cirrusd taskset -c $SERVER_CPU $BIN/cirrusd --port 0 --data-dir "$WORK/data")
PIDS+=("$PID")
timed "import beside a running cirrusd (idle)" \
  $BIN/cirrus import --data-dir "$WORK/data" --table third --key pk:S,sk:N --in "$WORK/items.json.gz" --quiet
