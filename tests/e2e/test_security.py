"""What a network client must not be able to do, tried as an attacker would, and the bounds
on what it may hold: functions are the data directory owner's; the Lambda API refuses
browsers; OnFailure destinations stay where the owner allows; connections, request heads,
slow and idle clients, and invocations are bounded; SIGTERM ends everything within the grace
period; an acknowledged write was synced. Each test here failed on the code before these
defences."""

import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.parse

import botocore.exceptions
import pytest

from conftest import (AUTH, REGION, Server, cirrus_path, create_table, make_client, register_function, unique,
                      wait_for)

ALLOWED_TYPES = ["application/json", "application/octet-stream", None]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("security")
    with Server("--failure-dir", str(root / "failures"), data_dir=str(root / "data"),
                env={"CIRRUS_SERVER_SECRET": "do-not-leak"}) as s:
        s.root = root
        yield s


@pytest.fixture(scope="module")
def lam(server):
    return make_client(server.url, "lambda")


def request(url, method, path, body=b"", headers=None, timeout=30):
    """One raw HTTP exchange: (status, headers (lower-case), body bytes)."""
    parsed = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def pgroup_alive(pgid):
    """True while any process is in process group `pgid` (zombies aside)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if fields[0] not in ("Z", "X") and int(fields[2]) == pgid:
            return True
    return False


# ---------------------------------------------------------------------------------------
# Functions are the owner's

@pytest.mark.parametrize("content_type", ["application/json", "text/plain", None])
@pytest.mark.parametrize("origin", [None, "https://evil.example"])
def test_creating_a_function_over_http_is_refused(server, tmp_path, content_type, origin):
    marker = tmp_path / "pwned"
    name = unique("evil")
    body = json.dumps({"FunctionName": name, "CirrusHandler": {"Command": "touch %s" % marker}})
    headers = {}
    if content_type:
        headers["Content-Type"] = content_type
    if origin:
        headers["Origin"] = origin
    status, h, reply = request(server.url, "POST", "/2015-03-31/functions", body, headers)
    assert status in (403, 415), reply
    assert "access-control-allow-origin" not in h
    # Nor can it be invoked, or mapped: it does not exist.
    status, h, _ = request(server.url, "POST", "/2015-03-31/functions/%s/invocations" % name, b"{}", {})
    assert status == 404 and "access-control-allow-origin" not in h
    assert not marker.exists()


def test_the_sdks_function_calls_are_refused_with_access_denied(server, lam, tmp_path):
    marker = tmp_path / "pwned"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.create_function(FunctionName=unique("evil"), Runtime="provided.al2023", Role="arn:aws:iam::1:role/r",
                            Handler="x", Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18})
    assert e.value.response["Error"]["Code"] == "AccessDeniedException"
    name = unique("owned")
    register_function(server.data_dir, name, command="cat")
    for call in (lambda: lam.delete_function(FunctionName=name),
                 lambda: lam.update_function_configuration(FunctionName=name, Timeout=5),
                 lambda: lam.update_function_code(FunctionName=name, ZipFile=b"PK\x05\x06" + b"\0" * 18)):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call()
        assert e.value.response["Error"]["Code"] == "AccessDeniedException"
    assert lam.get_function(FunctionName=name)["Configuration"]["Timeout"] == 3
    assert not marker.exists()


def test_browsers_cannot_drive_the_lambda_api(server, lam):
    name = unique("fn")
    register_function(server.data_dir, name, command="cat")
    path = "/2015-03-31/functions/%s/invocations" % name
    # A page's fetch() carries Origin; a form or a "simple" request carries a simple type.
    for headers in ({"Origin": "https://evil.example", "Content-Type": "application/json"},
                    {"Origin": "null"},
                    {"Content-Type": "text/plain"},
                    {"Content-Type": "application/x-www-form-urlencoded"},
                    {"Content-Type": "multipart/form-data; boundary=x"}):
        status, h, body = request(server.url, "POST", path, b'{"a":1}', headers)
        assert status in (403, 415), (headers, body)
        assert not any(k.startswith("access-control-") for k in h), headers
    status, h, _ = request(server.url, "OPTIONS", path, b"", {
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert status == 403 and not any(k.startswith("access-control-") for k in h)
    # What the SDKs send works: no type (boto3, the AWS CLI), JSON, and the JavaScript SDK's
    # application/octet-stream.
    for content_type in ALLOWED_TYPES:
        headers = {"Content-Type": content_type} if content_type else {}
        status, _, body = request(server.url, "POST", path, b'{"a":1}', headers)
        assert status == 200 and body == b'{"a":1}', (content_type, body)
    assert json.loads(lam.invoke(FunctionName=name, Payload=b'{"b":2}')["Payload"].read()) == {"b": 2}
    # The DynamoDB API still answers browsers as DynamoDB does.
    status, h, _ = request(server.url, "POST", "/", b"{}", {
        "Origin": "https://app.example", "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.ListTables", "Authorization": AUTH,
        "X-Amz-Date": "20240101T000000Z"})
    assert status == 200 and h["access-control-allow-origin"] == "*"


def test_the_owner_can_narrow_which_pages_may_call_the_dynamodb_api():
    with Server("--cors-origin", "https://app.example") as s:
        headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables",
                   "Authorization": AUTH, "X-Amz-Date": "20240101T000000Z"}
        status, h, _ = request(s.url, "POST", "/", b"{}", dict(headers, Origin="https://app.example"))
        assert status == 200 and h["access-control-allow-origin"] == "https://app.example"
        status, h, _ = request(s.url, "POST", "/", b"{}", dict(headers, Origin="https://evil.example"))
        assert "access-control-allow-origin" not in h  # the browser withholds the answer
        preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-amz-target"}
        status, h, _ = request(s.url, "OPTIONS", "/", b"", dict(preflight, Origin="https://evil.example"))
        assert status == 403 and "access-control-allow-origin" not in h
        status, h, _ = request(s.url, "OPTIONS", "/", b"", dict(preflight, Origin="https://app.example"))
        assert status == 200 and h["access-control-allow-origin"] == "https://app.example"
    with Server("--cors-origin", "none") as s:
        status, h, _ = request(s.url, "OPTIONS", "/", b"", {"Origin": "https://app.example",
                                                              "Access-Control-Request-Method": "POST"})
        assert status == 403


def test_a_handler_sees_lambdas_environment_not_the_servers(server, lam):
    name = unique("env")
    register_function(server.data_dir, name, command="env", env=["STAGE=local", "TZ=Europe/Paris"])
    env = dict(line.split("=", 1) for line in
               lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read().decode().splitlines() if "=" in line)
    assert "CIRRUS_SERVER_SECRET" not in env
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert env["AWS_REGION"] == REGION and env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["STAGE"] == "local" and env["TZ"] == "Europe/Paris"
    assert "PATH" in env


def test_the_api_does_not_reveal_what_a_function_runs(server, lam):
    name = unique("quiet")
    register_function(server.data_dir, name, command="echo s3cr3t-token", env=["KEY=hunter2"])
    listed = json.dumps(lam.list_functions()["Functions"]) + json.dumps(lam.get_function(FunctionName=name))
    assert name in listed and "s3cr3t" not in listed and "hunter2" not in listed


# ---------------------------------------------------------------------------------------
# Destinations the owner allows

def stream_arn(ddb):
    name = unique("s")
    create_table(ddb, name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    return name, ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]


def test_on_failure_file_destinations_stay_in_the_failure_dir(server, lam, tmp_path):
    ddb = make_client(server.url)
    _, arn = stream_arn(ddb)
    fn = unique("fn")
    register_function(server.data_dir, fn, command="false")
    outside = tmp_path / "elsewhere" / "deep"
    escape = "file://%s/../escaped" % (server.root / "failures")
    for dest in ("file://%s" % outside, escape, "file:///etc", "file://relative/dir",
                 "http://127.0.0.1:9/collect"):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=arn, StartingPosition="LATEST",
                                            DestinationConfig={"OnFailure": {"Destination": dest}})
        assert e.value.response["Error"]["Code"] == "InvalidParameterValueException", dest
    assert not (tmp_path / "elsewhere").exists()
    assert not (server.root / "escaped").exists()
    inside = server.root / "failures" / "team-a" / "orders"
    m = lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=arn, StartingPosition="LATEST",
                                        DestinationConfig={"OnFailure": {"Destination": "file://%s" % inside}})
    assert inside.is_dir()  # created when allowed
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.update_event_source_mapping(UUID=m["UUID"], DestinationConfig={
            "OnFailure": {"Destination": "file://%s" % outside}})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert not (tmp_path / "elsewhere").exists()


def test_http_destinations_only_to_hosts_the_owner_lists(tmp_path):
    with Server("--failure-http-host", "127.0.0.1:9", data_dir=str(tmp_path / "data")) as s:
        ddb, lam = make_client(s.url), make_client(s.url, "lambda")
        _, arn = stream_arn(ddb)
        register_function(s.data_dir, "f", command="false")
        lam.create_event_source_mapping(FunctionName="f", EventSourceArn=arn, StartingPosition="LATEST",
                                        DestinationConfig={"OnFailure": {"Destination": "http://127.0.0.1:9/x"}})
        for dest in ("http://127.0.0.1:10/x", "http://localhost:9/x", "http://169.254.169.254/latest"):
            with pytest.raises(botocore.exceptions.ClientError) as e:
                _, arn2 = stream_arn(ddb)
                lam.create_event_source_mapping(FunctionName="f", EventSourceArn=arn2, StartingPosition="LATEST",
                                                DestinationConfig={"OnFailure": {"Destination": dest}})
            assert e.value.response["Error"]["Code"] == "InvalidParameterValueException", dest


def test_an_unwritable_failure_record_stops_the_shard_until_it_is_written(server, lam):
    """The record of a discarded batch is never lost: while the destination cannot take it, the
    shard stops and the mapping says why; once it can, the record is written and the shard
    goes on."""
    ddb = make_client(server.url)
    table, arn = stream_arn(ddb)
    log = server.root / unique("log")
    fn = unique("fn")
    # Fails on the record "bad", records the others.
    register_function(server.data_dir, fn, command=(
        "/usr/bin/python3 -c \"import json,sys; r=json.load(sys.stdin)['Records']; "
        "ks=[x['dynamodb']['Keys']['pk']['S'] for x in r]; "
        "sys.exit(1) if 'bad' in ks else open('%s','a').write(' '.join(ks)+chr(10))\"" % log))
    dest = server.root / "failures" / unique("blocked")
    m = lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=arn, StartingPosition="TRIM_HORIZON",
                                        BatchSize=1, MaximumRetryAttempts=0,
                                        DestinationConfig={"OnFailure": {"Destination": "file://%s" % dest}})
    dest.rmdir()
    dest.write_text("a file where the directory should be")  # every write into it fails, even as root
    ddb.put_item(TableName=table, Item={"pk": {"S": "bad"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "bad"}, "v": {"N": "1"}})  # same shard, after it
    wait_for(lambda: "OnFailure destination failed" in lam.get_event_source_mapping(UUID=m["UUID"])[
        "LastProcessingResult"], what="the mapping to report the destination")
    assert "cannot write" in server.stderr() or "OnFailure" in server.stderr()
    assert not log.exists()  # the shard did not move past the batch
    dest.unlink()  # the owner fixes it
    records = wait_for(lambda: dest.is_dir() and list(dest.iterdir()), timeout=40, what="the failure records")
    assert json.loads(records[0].read_text())["requestContext"]["condition"] == "RetryAttemptsExhausted"
    wait_for(lambda: len(list(dest.iterdir())) == 2, timeout=40, what="the second failure record")


# ---------------------------------------------------------------------------------------
# Bounds

def test_slow_and_idle_clients_are_closed_at_the_timeouts():
    with Server("--idle-timeout", "1", "--header-timeout", "1", "--io-timeout", "1") as s:
        port = int(s.url.rsplit(":", 1)[1])

        def closed_within(sock, seconds, trickle=None):
            """True if the server closes `sock` within `seconds` while `trickle` sends bytes."""
            sock.settimeout(0.2)
            deadline = time.time() + seconds
            while time.time() < deadline:
                if trickle:
                    try:
                        trickle()
                    except OSError:
                        return True
                try:
                    if sock.recv(4096) == b"":
                        return True
                except socket.timeout:
                    pass
                except OSError:
                    return True
            return False

        idle = socket.create_connection(("127.0.0.1", port))
        assert closed_within(idle, 5)
        slow = socket.create_connection(("127.0.0.1", port))
        slow.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")
        assert closed_within(slow, 5, trickle=lambda: slow.sendall(b"X-Slow: 1\r\n"))
        body = socket.create_connection(("127.0.0.1", port))
        body.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
        assert closed_within(body, 5, trickle=lambda: body.sendall(b"x"))
        # A keep-alive client that comes back in time is served.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        for _ in range(3):
            conn.request("GET", "/")
            assert conn.getresponse().read().startswith(b"healthy")
            time.sleep(0.3)
        conn.close()


def test_large_headers_are_answered(endpoint):
    parsed = urllib.parse.urlparse(endpoint)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    conn.request("GET", "/", headers={"X-Big": "a" * (9 * 1024)})
    r = conn.getresponse()
    assert r.status == 200 and r.read().startswith(b"healthy")
    conn.close()
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    conn.request("GET", "/", headers={"X-Big": "a" * (40 * 1024)})
    r = conn.getresponse()
    assert r.status == 400  # as DynamoDB (conformance fact P3)
    conn.close()
    # A 17 KB request line too: 400, not read into memory (fact P4).
    with socket.create_connection((parsed.hostname, parsed.port), timeout=10) as sock:
        try:
            sock.sendall(b"GET /" + b"a" * (17 * 1024) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        except OSError:
            pass  # the server may answer and close before it read everything
        assert sock.recv(4096).startswith(b"HTTP/1.1 400")


def test_a_smaller_header_limit_answers_400():
    with Server("--max-header-bytes", "8192") as s:
        status, _, _ = request(s.url, "GET", "/", b"", {"X-Big": "a" * (9 * 1024)})
        assert status == 400
        status, _, body = request(s.url, "GET", "/", b"", {})
        assert status == 200


def test_garbage_gets_400_not_a_silent_close(endpoint):
    parsed = urllib.parse.urlparse(endpoint)
    sock = socket.create_connection((parsed.hostname, parsed.port), timeout=10)
    sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
    assert sock.recv(4096).startswith(b"HTTP/1.1 400")
    sock.close()


def test_the_connection_limit_is_honoured():
    with Server("--max-connections", "4") as s:
        port = int(s.url.rsplit(":", 1)[1])
        held = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(4)]
        for c in held:
            c.request("GET", "/")
            assert c.getresponse().read().startswith(b"healthy")
        extra = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        extra.request("GET", "/")
        r = extra.getresponse()
        assert r.status == 503 and r.getheader("Connection") == "close"
        extra.close()
        held.pop().close()

        def served():
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                c.request("GET", "/")
                return c.getresponse().status == 200
            finally:
                c.close()
        wait_for(served, what="a freed connection to be served")
        for c in held:
            c.close()


def test_concurrent_invocations_stay_within_the_pool(tmp_path):
    log = tmp_path / "runs"
    with Server("--max-invocations", "4", "--invocation-queue", "4", data_dir=str(tmp_path / "data")) as s:
        register_function(s.data_dir, "slow", timeout=30, command=(
            "echo start $$ >> %s; sleep 1; echo end $$ >> %s; echo '{}'" % (log, log)))
        results = []
        lock = threading.Lock()

        def call():
            status, h, body = request(s.url, "POST", "/2015-03-31/functions/slow/invocations", b"{}", {}, timeout=60)
            with lock:
                results.append((status, h.get("x-amzn-errortype", ""), body))
        threads = [threading.Thread(target=call) for _ in range(100)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ok = [r for r in results if r[0] == 200]
        refused = [r for r in results if r[0] == 429]
        assert len(ok) + len(refused) == 100, [r for r in results if r[0] not in (200, 429)][:3]
        assert 4 <= len(ok) <= 8  # the running ones and the queue
        assert all(r[1].startswith("TooManyRequestsException") for r in refused)
        running, most = 0, 0
        for line in log.read_text().split("\n"):
            if line.startswith("start"):
                running += 1
                most = max(most, running)
            elif line.startswith("end"):
                running -= 1
        assert most <= 4


def test_sigterm_during_an_invocation_exits_in_the_grace_period_and_leaves_no_process(tmp_path):
    pidfile = tmp_path / "pid"
    s = Server("--shutdown-grace", "2", data_dir=str(tmp_path / "data")).start()
    register_function(s.data_dir, "stuck", timeout=120,
                      command="echo $$ > %s; sleep 100 & sleep 100; wait" % pidfile)
    answer = {}

    def invoke():
        answer["r"] = request(s.url, "POST", "/2015-03-31/functions/stuck/invocations", b"{}", {}, timeout=60)
    t = threading.Thread(target=invoke)
    t.start()
    pgid = int(wait_for(lambda: pidfile.exists() and pidfile.read_text().strip(), what="the handler to start"))
    assert pgroup_alive(pgid)
    started = time.time()
    assert s.stop(signal.SIGTERM, timeout=10) == 0
    assert time.time() - started < 4
    t.join(10)
    status, h, body = answer["r"]
    assert status == 503, body  # answered, not dropped
    assert not pgroup_alive(pgid)


def test_sigterm_during_a_trigger_exits_promptly_and_leaves_no_process(tmp_path):
    pidfile = tmp_path / "pid"
    data = str(tmp_path / "data")
    s = Server("--shutdown-grace", "5", data_dir=data).start()
    ddb, lam = make_client(s.url), make_client(s.url, "lambda")
    table, arn = stream_arn(ddb)
    register_function(data, "slowtrigger", timeout=300, command="echo $$ > %s; sleep 200" % pidfile)
    lam.create_event_source_mapping(FunctionName="slowtrigger", EventSourceArn=arn, StartingPosition="TRIM_HORIZON")
    ddb.put_item(TableName=table, Item={"pk": {"S": "x"}})
    pgid = int(wait_for(lambda: pidfile.exists() and pidfile.read_text().strip(), what="the trigger to start"))
    started = time.time()
    assert s.stop(signal.SIGTERM, timeout=15) == 0
    assert time.time() - started < 5
    assert not pgroup_alive(pgid)
    # Not checkpointed: the batch is delivered again after a restart.
    pidfile.unlink()
    with Server("--shutdown-grace", "1", data_dir=data):
        wait_for(pidfile.exists, what="the batch to be delivered again")


# ---------------------------------------------------------------------------------------
# Durability: an acknowledged write was synced (a kill -9 cannot tell)

def probe_env(tmp_path):
    probe = os.environ.get("SYNC_PROBE")
    if not probe or not os.path.exists(probe):
        pytest.skip("the sync probe is built by CMake (SYNC_PROBE); run through ctest")
    asan = os.environ.get("ASAN_OPTIONS", "")
    return {"LD_PRELOAD": probe, "SYNC_PROBE_LOG": str(tmp_path / "syncs"),
            "SYNC_PROBE_GATE": str(tmp_path / "gate"),
            # The probe is preloaded ahead of the sanitizer runtime of a sanitizer build.
            "ASAN_OPTIONS": (asan + ":" if asan else "") + "verify_asan_link_order=0"}


@pytest.mark.parametrize("sync", ["full", "none"])
def test_an_acknowledged_write_was_synced(tmp_path, sync):
    env = probe_env(tmp_path)
    gate, log = tmp_path / "gate", tmp_path / "syncs"
    with Server("--sync", sync, data_dir=str(tmp_path / "data"), env=env) as s:
        ddb = make_client(s.url)
        table = unique("dur")
        create_table(ddb, table)
        ddb.put_item(TableName=table, Item={"pk": {"S": "warm"}})
        gate.write_text("")  # from now on a sync blocks until the gate opens
        done = threading.Event()
        errors = []

        def put():
            try:
                ddb.put_item(TableName=table, Item={"pk": {"S": "acked"}})
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
            done.set()
        t = threading.Thread(target=put)
        t.start()
        if sync == "full":
            wait_for(lambda: log.exists() and "waiting" in log.read_text(), what="the write's sync")
            # The sync has not returned: the write must not have been acknowledged.
            assert not done.wait(0.5)
            gate.unlink()
            assert done.wait(20) and not errors
            assert "sync" in log.read_text().split("waiting", 1)[1]
        else:
            assert done.wait(20) and not errors  # nothing waited on a sync
            assert "waiting" not in (log.read_text() if log.exists() else "")
            gate.unlink()
        t.join()


# ---------------------------------------------------------------------------------------
# Parameters that would be silently ignored

def test_kms_encryption_is_refused_not_ignored(ddb):
    keys = dict(KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST")
    for extra, word in (({"SSESpecification": {"Enabled": True}}, "SSESpecification"),
                        ({"SSESpecification": {"Enabled": True, "SSEType": "KMS",
                                               "KMSMasterKeyId": "alias/mine"}}, "SSESpecification")):
        name = unique("ref")
        with pytest.raises(botocore.exceptions.ClientError) as e:
            ddb.create_table(TableName=name, **keys, **extra)
        assert e.value.response["Error"]["Code"] == "ValidationException"
        assert word in e.value.response["Error"]["Message"]
        assert name not in ddb.list_tables()["TableNames"]
    # The default (AWS-owned key) changes nothing and is accepted.
    name = unique("sse")
    ddb.create_table(TableName=name, SSESpecification={"Enabled": False}, **keys)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.update_table(TableName=name, SSESpecification={"Enabled": True, "SSEType": "KMS"})
    assert e.value.response["Error"]["Code"] == "ValidationException"


def test_a_presigned_looking_query_does_not_skip_the_signature_check(raw):
    r = raw("ListTables", {}, headers={"Authorization": "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request"},
            path="/?X-Amz-Algorithm=AWS4-HMAC-SHA256")
    assert r.status == 400 and r.error_type == "IncompleteSignatureException"
    r = raw("ListTables", {}, headers={"Authorization": None}, path="/?X-Amz-Algorithm=AWS4-HMAC-SHA256")
    assert r.status == 400 and r.error_type == "IncompleteSignatureException"


def test_a_warning_when_listening_beyond_loopback(tmp_path):
    with Server("--host", "0.0.0.0") as s:
        assert "WARNING" in s.stderr() and "0.0.0.0" in s.stderr()
