"""--access-log: a JSON line per API request with its request id (the answer's
x-amzn-RequestId), account, operation, table, HTTP status, error type and latency; rotated to
FILE.1 past --access-log-max-mb."""

import json
import os
import time

import pytest

from conftest import Server, create_table, make_client, unique, wait_for


def lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def test_each_request_gets_a_line(tmp_path):
    log = str(tmp_path / "access.log")
    with Server("--access-log", log) as s:
        ddb = make_client(s.url)
        name = unique("log")
        create_table(ddb, name)
        put = ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
        with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
            ddb.put_item(TableName=name, Item={"pk": {"S": "a"}}, ConditionExpression="attribute_not_exists(pk)")
        # Written within 100 ms, without waiting for the server to stop.
        entries = wait_for(lambda: [e for e in lines(log) if e["operation"] == "PutItem"] or None,
                           what="the PutItem lines")
        wait_for(lambda: len([e for e in lines(log) if e["operation"] == "PutItem"]) == 2, what="both puts")
        entries = [e for e in lines(log) if e["operation"] == "PutItem"]
        ok, failed = entries
        assert ok["requestId"] == put["ResponseMetadata"]["RequestId"]
        assert (ok["table"], ok["status"], ok["error"], ok["account"]) == (name, 200, "", "123456789012")
        assert (failed["status"], failed["error"]) == (400, "ConditionalCheckFailedException")
        assert ok["latencyMs"] >= 0 and ok["time"].endswith("Z")
        assert {e["operation"] for e in lines(log)} >= {"CreateTable", "DescribeTable", "PutItem"}


def test_the_log_rotates_by_size(tmp_path):
    log = str(tmp_path / "access.log")
    with Server("--access-log", log, "--access-log-max-mb", "1") as s:
        ddb = make_client(s.url)
        long_name = "x" * 255  # about 500 bytes a line
        for _ in range(2600):  # over 1 MB of lines
            with pytest.raises(ddb.exceptions.ResourceNotFoundException):
                ddb.get_item(TableName=long_name, Key={"pk": {"S": "a"}})
        assert s.stop() == 0
    assert os.path.exists(log + ".1")
    assert os.path.getsize(log + ".1") >= 1 << 20
    assert os.path.getsize(log) < 1 << 20
    assert len(lines(log + ".1")) + len(lines(log)) == 2600


def test_an_unwritable_log_refuses_to_start(tmp_path):
    import subprocess
    from conftest import cirrusd_path
    p = subprocess.run([cirrusd_path(), "--in-memory", "--port", "0", "--access-log", str(tmp_path / "no" / "such")],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "cannot open the access log" in p.stderr
