"""GET /metrics: Prometheus' text exposition format, checked by Debian's promtool and scraped
by a real Prometheus, whose query answers must match what the test did."""

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from conftest import Server, create_table, make_client, unique, wait_for

# scripts/install-deps --test unpacks Debian's package here; one on PATH does too.
UNPACKED = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        ".cache", "prometheus", "usr", "bin")
PROMETHEUS = shutil.which("prometheus", path=UNPACKED) or shutil.which("prometheus")
PROMTOOL = shutil.which("promtool", path=UNPACKED) or shutil.which("promtool")
pytestmark = pytest.mark.skipif(not (PROMETHEUS and PROMTOOL), reason="no prometheus package (scripts/install-deps --test)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(url):
    with urllib.request.urlopen(url + "/metrics", timeout=10) as r:
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return r.read().decode()


def workload(url):
    ddb = make_client(url)
    name = unique("m")
    create_table(ddb, name)
    for i in range(3):
        ddb.put_item(TableName=name, Item={"pk": {"S": str(i)}, "v": {"S": "x" * 1500}})
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.put_item(TableName=name, Item={"pk": {"S": "0"}}, ConditionExpression="attribute_not_exists(pk)")
    ddb.get_item(TableName=name, Key={"pk": {"S": "1"}})
    ddb.get_item(TableName=name, Key={"pk": {"S": "none"}}, ConsistentRead=True)
    return name


def test_promtool_accepts_the_exposition(tmp_path):
    with Server() as s:
        workload(s.url)
        text = scrape(s.url)
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    for family in ("cirrus_requests_total", "cirrus_request_duration_seconds_bucket", "cirrus_table_items",
                   "cirrus_table_size_bytes", "cirrus_consumed_read_units_total", "cirrus_consumed_write_units_total",
                   "cirrus_writer_commits_total", "cirrus_writer_batches_total", "cirrus_writer_commit_seconds_total",
                   "cirrus_storage_map_bytes", "cirrus_storage_used_bytes"):
        assert family in text, family


def query(prom, expr):
    url = prom + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as r:
        answer = json.load(r)
    assert answer["status"] == "success", answer
    return {json.dumps(v["metric"], sort_keys=True): float(v["value"][1]) for v in answer["data"]["result"]}


def test_a_real_prometheus_scrapes_the_values(tmp_path):
    with Server() as s:
        name = workload(s.url)
        target = s.url.split("//", 1)[1]
        port = free_port()
        (tmp_path / "prometheus.yml").write_text(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: cirrus\n"
            "    static_configs:\n      - targets: ['%s']\n" % target)
        prom = subprocess.Popen([PROMETHEUS, "--config.file", str(tmp_path / "prometheus.yml"),
                                 "--storage.tsdb.path", str(tmp_path / "tsdb"),
                                 "--web.listen-address", "127.0.0.1:%d" % port],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = "http://127.0.0.1:%d" % port

            def scraped():
                try:
                    return query(base, 'cirrus_requests_total{operation="PutItem",table="%s"}' % name)
                except OSError:
                    return None
            puts = wait_for(scraped, timeout=60, what="Prometheus to scrape cirrusd")
            by_error = {json.loads(k).get("error", ""): v for k, v in puts.items()}  # "" is dropped
            assert by_error == {"": 3.0, "ConditionalCheckFailedException": 1.0}
            gets = query(base, 'cirrus_request_duration_seconds_count{operation="GetItem"}')
            assert list(gets.values()) == [2.0]
            assert list(query(base, 'cirrus_table_items{table="%s"}' % name).values()) == [3.0]
            # 3 puts of 2 KB items (2 units each) and the failed one (the 2 KB item it saw).
            assert list(query(base, 'cirrus_consumed_write_units_total{table="%s"}' % name).values()) == [8.0]
            # An eventually consistent read of a 1.5 KB item, and a strongly consistent miss.
            assert list(query(base, 'cirrus_consumed_read_units_total{table="%s"}' % name).values()) == [1.5]
            assert query(base, "up")  # the target is healthy
        finally:
            prom.terminate()
            prom.wait(timeout=30)
