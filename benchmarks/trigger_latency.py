"""Write-to-handler latency of a trigger: PutItem at a fixed rate (open loop) on a table
whose stream feeds a function through an event source mapping (BatchSize 1, no batching
window); the handler, an HTTP endpoint in this process, notes when each record arrives.
Latency = arrival time - the time just before the PutItem request was sent (one clock).

Usage: trigger_latency.py PORT --data-dir DIR --cirrus PATH [--rate 50] [--seconds 20]
                          [--kind url|command]
The function is registered as its owner does, with `cirrus functions create` on the server's
data directory DIR. Prints one JSON object: count, lost, p50/p90/p99/max in ms, and the
handler kind."""

import argparse
import http.client
import http.server
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

AUTH = ("AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=00")


def call(conn, target, body):
    conn.request("POST", "/", json.dumps(body), {
        "X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0",
        "Authorization": AUTH, "X-Amz-Date": "20240101T000000Z"})
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        raise RuntimeError("%s: %s %s" % (target, r.status, data[:200]))
    return json.loads(data)


def rest(conn, method, path, body):
    conn.request(method, path, json.dumps(body), {"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    if r.status >= 300:
        raise RuntimeError("%s %s: %s %s" % (method, path, r.status, data[:200]))
    return json.loads(data)


arrivals = {}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        now = time.time()
        for r in json.loads(body)["Records"]:
            arrivals[r["dynamodb"]["NewImage"]["pk"]["S"]] = now
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


COMMAND = r'''
import json, sys, time
now = time.time()
with open(sys.argv[1], "a") as f:
    for r in json.load(sys.stdin)["Records"]:
        f.write("%s %.6f\n" % (r["dynamodb"]["NewImage"]["pk"]["S"], now))
'''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--rate", type=float, default=50)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--kind", choices=["url", "command"], default="url")
    ap.add_argument("--data-dir", required=True, help="the server's data directory")
    ap.add_argument("--cirrus", required=True, help="the cirrus tool")
    a = ap.parse_args()
    conn = http.client.HTTPConnection("127.0.0.1", a.port)
    table = "lat-" + uuid.uuid4().hex[:8]
    call(conn, "DynamoDB_20120810.CreateTable", {
        "TableName": table, "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}})
    arn = call(conn, "DynamoDB_20120810.DescribeTable", {"TableName": table})["Table"]["LatestStreamArn"]
    tmp = tempfile.mkdtemp()
    log = os.path.join(tmp, "arrivals")
    if a.kind == "url":
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        handler = ["--url", "http://127.0.0.1:%d/2015-03-31/functions/function/invocations" % server.server_address[1]]
    else:
        with open(os.path.join(tmp, "h.py"), "w") as f:
            f.write(COMMAND)
        handler = ["--command", "/usr/bin/python3 %s %s" % (os.path.join(tmp, "h.py"), log)]
    fn = "lat-" + uuid.uuid4().hex[:8]
    subprocess.run([a.cirrus, "functions", "create", fn, "--data-dir", a.data_dir] + handler, check=True,
                   stdout=subprocess.DEVNULL)
    rest(conn, "POST", "/2015-03-31/event-source-mappings/", {
        "FunctionName": fn, "EventSourceArn": arn, "StartingPosition": "LATEST", "BatchSize": 1,
        "MaximumBatchingWindowInSeconds": 0})
    time.sleep(0.5)
    sent = {}
    n = int(a.rate * a.seconds)
    start = time.monotonic()
    for i in range(n):  # open loop: the i-th write is due at start + i/rate
        due = start + i / a.rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        key = "k%06d" % i
        t = time.time()
        call(conn, "DynamoDB_20120810.PutItem", {"TableName": table, "Item": {"pk": {"S": key}}})
        sent[key] = t
    deadline = time.time() + 10
    while time.time() < deadline:
        if a.kind == "command" and os.path.exists(log):
            for line in open(log):
                k, t = line.split()
                arrivals[k] = float(t)
        if len(arrivals) >= n:
            break
        time.sleep(0.1)
    lat = sorted((arrivals[k] - sent[k]) * 1000 for k in sent if k in arrivals)
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    print(json.dumps({"kind": a.kind, "rate": a.rate, "count": len(lat), "lost": n - len(lat),
                      "p50_ms": round(q(0.5), 2), "p90_ms": round(q(0.9), 2), "p99_ms": round(q(0.99), 2),
                      "max_ms": round(lat[-1], 2), "mean_ms": round(statistics.mean(lat), 2)}))


if __name__ == "__main__":
    main()
