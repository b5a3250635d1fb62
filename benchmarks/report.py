#!/usr/bin/python3
"""run.sh's report: the ceilings' ratios, each target of the benchmark issue with its verdict,
and the side-by-side table, which also replaces the one between the markers in
benchmarks/README.md.

Usage: report.py POINTS MICRO README HEADER SERVERS
  POINTS  lines "point SERVER-KEY req/s p50 p99 group errors" and "server NAME cold_ms rss_mb"
  MICRO   Google Benchmark's median lines (cirrus-micro, run.sh's filter)
  HEADER  the machine lines above the table; SERVERS  the measured servers, comma-separated
"""
import re
import sys

points_path, micro_path, readme_path, header, servers = sys.argv[1:6]
servers = servers.split(",")

points, cold, rss = {}, {}, {}
for line in open(points_path):
    f = line.split()
    if f[0] == "point":
        server, key = f[1].split("-", 1)
        points[server, key] = dict(tput=float(f[2]), p50=float(f[3]), p99=float(f[4]),
                                   group=float(f[5]), errors=int(f[6]))
    elif f[0] == "server":
        cold[f[1]], rss[f[1]] = float(f[2]), float(f[3])

ns, rates = {}, {}  # benchmark name -> real time per iteration, items/s
for line in open(micro_path):
    name = line.split()[0].replace("_median", "")
    t = re.search(r"\s([0-9.]+) ns\s", line)
    if t:
        ns[name] = float(t.group(1))


def ceiling(group):
    """LMDB commits with fsync carrying `group` writes each: items/s, the commit time
    interpolated between the measured group sizes (it grows about linearly with the group)."""
    measured = sorted((int(m.group(1)), t) for name, t in ns.items()
                      if (m := re.match(r"BM_LmdbDurableCommit/(\d+)/real_time$", name)))
    if not measured or group <= 0:
        return None
    lo = max([p for p in measured if p[0] <= group] or [measured[0]])
    hi = min([p for p in measured if p[0] >= group] or [measured[-1]])
    t = lo[1] if hi[0] == lo[0] else lo[1] + (hi[1] - lo[1]) * (group - lo[0]) / (hi[0] - lo[0])
    return group / t * 1e9


def get(server, key, field="tput"):
    p = points.get((server, key))
    return p[field] if p else None


print("\nbelow HTTP and the durable-write ceiling:")
if "BM_DbGet" in ns and "BM_RawLmdbGet" in ns:
    print("  db/ point get / raw mdb_get time: %.2fx" % (ns["BM_DbGet"] / ns["BM_RawLmdbGet"]))
if "BM_DbRangeScan100" in ns and "BM_RawLmdbRangeScan100" in ns:
    print("  db/ range scan of 100 / raw LMDB cursor time: %.2fx"
          % (ns["BM_DbRangeScan100"] / ns["BM_RawLmdbRangeScan100"]))
for key, conns in (("put", 16), ("put-64", 64)):
    put, group = get("cirrus", key), get("cirrus", key, "group")
    c = ceiling(group or 0)
    if put and c:
        print("  durable PutItem, %d conns: %.0f/s in groups of %.1f writes per commit; LMDB's fsync "
              "ceiling at that group: %.0f/s; cirrus / ceiling: %.0f%%" % (conns, put, group, c, 100 * put / c))

# The targets of the benchmark issue, each with what this run measured.
targets = []


def target(name, value, ok, shown):
    targets.append((name, shown if value is not None else "not measured",
                    "-" if value is None else ("met" if ok else "MISSED")))


def ratio(a, b):
    return a / b if a is not None and b else None


r = ratio(get("cirrus", "get-16"), get("nginx", "get-16"))
target("GetItem 16 conns >= 50% of nginx's req/s", r, r is not None and r >= 0.5, "%.0f%%" % (100 * (r or 0)))
p99 = get("cirrus", "getopen", "p99")
nginx_p99 = get("nginx", "getopen", "p99")
target("GetItem open loop at half peak: p99 < 1 ms", p99, p99 is not None and p99 < 1000,
       "%.2f ms (nginx at the same rate: %s)" % ((p99 or 0) / 1000, "%.2f ms" % (nginx_p99 / 1000) if nginx_p99 else "-"))
r = ratio(get("cirrus", "get-1", "p50"), get("nginx", "get-1", "p50"))
target("GetItem 1 conn: p50 <= 2x nginx's", r, r is not None and r <= 2, "%.2fx" % (r or 0))
r = ratio(get("cirrus", "get-256"), get("cirrus", "get-16"))
errors = sum(p["errors"] for (s, k), p in points.items() if s == "cirrus")
target("GetItem 256 conns >= 90% of 16 conns, zero errors", r, r is not None and r >= 0.9 and errors == 0,
       "%.0f%%, %d errors in all cirrus runs" % (100 * (r or 0), errors))
r = ratio(get("cirrus", "put"), get("dynalite", "put"))
target("durable PutItem 16 conns >= 3x dynalite's", r, r is not None and r >= 3, "%.2fx" % (r or 0))
c = ceiling(get("cirrus", "put", "group") or 0)
r = ratio(get("cirrus", "put"), c)
target("durable PutItem 16 conns >= 70% of LMDB fsync ceiling at its group size", r, r is not None and r >= 0.7,
       "%.0f%% (group %.1f)" % (100 * (r or 0), get("cirrus", "put", "group") or 0))
r = ratio(get("cirrus", "query100"), get("dynalite", "query100"))
target("Query Limit 100 >= 10x dynalite", r, r is not None and r >= 10, "%.1fx" % (r or 0))
r = ratio(ns.get("BM_DbGet"), ns.get("BM_RawLmdbGet"))
target("db/ point get <= 2x raw mdb_get", r, r is not None and r <= 2, "%.2fx" % (r or 0))
target("cold start < 20 ms", cold.get("cirrus"), (cold.get("cirrus") or 99) < 20, "%.1f ms" % cold.get("cirrus", 0))
target("idle RSS < 15 MB", rss.get("cirrus"), (rss.get("cirrus") or 99) < 15, "%.0f MB" % rss.get("cirrus", 0))
print("\ntargets (issue 9):")
for name, shown, verdict in targets:
    print("  %-72s %-44s %s" % (name, shown, verdict))

# The side-by-side table.
names = {"cirrus": "cirrus", "dynalite": "dynalite", "ddblocal": "DynamoDB Local", "nginx": "nginx"}
labels = [("get-1", "GetItem, 1 conn"), ("get-16", "GetItem, 16 conns"), ("get-64", "GetItem, 64 conns"),
          ("get-256", "GetItem, 256 conns"), ("getopen", "GetItem, 16 conns, open loop at half peak*"),
          ("put", "PutItem, 16 conns"), ("put-64", "PutItem, 64 conns"), ("update", "UpdateItem (counter), 16 conns"),
          ("mixed", "95% GetItem / 5% PutItem, 16 conns"), ("batchget", "BatchGetItem (100 keys), 16 conns"),
          ("batchwrite", "BatchWriteItem (25 puts), 16 conns"), ("scan", "Scan page of 100, 16 conns"),
          ("query10", "Query Limit 10, 16 conns"), ("query100", "Query Limit 100, 16 conns")]
others = [s for s in servers if s != "cirrus"]
rows = ["| req/s (p50 / p99 us) | " + " | ".join(names[s] for s in servers) + " | " +
        " | ".join("cirrus / " + names[s] for s in others) + " |",
        "|---|" + "---|" * (len(servers) + len(others))]
for key, label in labels:
    cells = []
    for s in servers:
        p = points.get((s, key))
        cells.append("%.0f (%.0f / %.0f)" % (p["tput"], p["p50"], p["p99"]) if p else "-")
    for s in others:
        r = ratio(get("cirrus", key), get(s, key))
        cells.append("%.2fx" % r if r is not None and key != "getopen" else "-")
    rows.append("| %s | %s |" % (label, " | ".join(cells)))
table = "\n".join(rows)
note = ("\n\n\\* Each data server at half its own 16-connection peak, nginx at cirrus's rate; compare "
        "latencies, not req/s. cirrus runs `--sync=full`: every acknowledged write is on disk; "
        "dynalite (LevelDB, no fsync) is not durable per write.")
print("\n" + table + note)

text = open(readme_path).read()
block = ("<!-- run.sh table -->\n```\n" + header + "\n```\n\n" + table + note + "\n\n" +
         "\n".join("- %s: %s, **%s**" % t for t in targets) + "\n<!-- end run.sh table -->")
if "<!-- run.sh table -->" in text:
    text = re.sub(r"<!-- run.sh table -->.*<!-- end run.sh table -->", lambda m: block, text, flags=re.S)
else:
    text += "\n## Latest `run.sh` table\n\n" + block + "\n"
open(readme_path, "w").write(text)
