#!/bin/bash
# Two builds of cirrusd side by side: both run at once (pinned to the server CPU) on 100,000
# items of ~200 bytes, and each point is RUNS rounds of one run per build, medians, so that
# a before/after comparison is not a comparison of two minutes of a noisy VM.
# Usage: benchmarks/ab.sh OLD_CIRRUSD NEW_CIRRUSD [WORKLOAD:CONNECTIONS[:RATE]]...
#   (default points: get:16 get:256 get:1 put:16; RATE makes the point open loop)
# Example: git stash; cmake --build build --target cirrusd; cp build/bin/cirrusd /tmp/old;
#          git stash pop; cmake --build build --target cirrusd;
#          benchmarks/ab.sh /tmp/old build/bin/cirrusd get:16 get:16:15000
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=$(realpath "$1") NEW=$(realpath "$2")
shift 2
POINTS=("$@")
[ ${#POINTS[@]} -gt 0 ] || POINTS=(get:16 get:256 get:1 put:16)
SECS="${SECS:-5}"
RUNS="${RUNS:-3}"
source benchmarks/lib.sh
machine_header
declare -A PORTS SPIDS
for side in old new; do
  bin=$OLD; [ $side = new ] && bin=$NEW
  read -r SPIDS[$side] PORTS[$side] _ < <(start_cirrusd taskset -c $SERVER_CPU "$bin" --port 0 --data-dir "$WORK/$side" --sync=full)
  PIDS+=("${SPIDS[$side]}")
  $BIN/cirrus-load --port "${PORTS[$side]}" --preload --items 100000 --duration 0 2>/dev/null
done
echo "old: $OLD"
echo "new: $NEW"
header
for p in "${POINTS[@]}"; do
  IFS=: read -r workload conns rate <<<"$p"
  args=(--items 100000 --workload "$workload" --connections "$conns")
  [ -z "$rate" ] || args+=(--rate "$rate")
  for i in $(seq $RUNS); do
    for side in old new; do
      PORT=${PORTS[$side]}
      run_once "$WORK/$side-$i.json" "${SPIDS[$side]}" -- "${args[@]}"
    done
  done
  for side in old new; do
    summarize "$side $workload, $conns conns${rate:+, open loop $rate/s}" $(printf "$WORK/$side-%d.json " $(seq $RUNS)) 2>&1
  done
done
