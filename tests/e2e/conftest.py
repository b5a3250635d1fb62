"""End-to-end fixtures: a real cirrusd on a free loopback port, driven by boto3.

Run:   /usr/bin/python3 -m pytest tests/e2e            (starts build/bin/cirrusd --in-memory)
       /usr/bin/python3 -m pytest tests/e2e --url http://localhost:8001
                                                      (an already running server: DynamoDB
                                                       Local, or real DynamoDB, to check that
                                                       an expectation is DynamoDB's)
Env:   CIRRUSD=/path/to/cirrusd overrides the binary (the sanitizer build uses this).
"""
import http.client
import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.parse
import uuid

import boto3
import pytest
from botocore.config import Config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REGION = "us-east-1"


def pytest_addoption(parser):
    parser.addoption("--url", default=None,
                     help="endpoint of a running DynamoDB-compatible server to test instead")


def cirrusd_path():
    return os.environ.get("CIRRUSD", os.path.join(ROOT, "build", "bin", "cirrusd"))


def cirrus_path():
    """The cirrus tool built beside the cirrusd under test."""
    return os.path.join(os.path.dirname(cirrusd_path()), "cirrus")


class Server:
    """A cirrusd process; `url` once it printed its listening line. `env` adds to (or, with a
    None value, removes from) the environment it runs in."""

    def __init__(self, *args, data_dir=None, env=None):
        self.args = [cirrusd_path(), "--port", "0"]
        self.args += ["--data-dir", data_dir] if data_dir else ["--in-memory"]
        self.args += list(args)
        self.data_dir = data_dir
        self.env = env
        self.proc = None
        self.url = None

    def start(self):
        # stderr goes to a file: a server that logs a lot (failing triggers) must never block
        # on a pipe nobody reads.
        self.log = tempfile.NamedTemporaryFile(mode="w+", prefix="cirrusd-", suffix=".log")
        env = None
        if self.env:
            env = dict(os.environ)
            for k, v in self.env.items():
                if v is None:
                    env.pop(k, None)
                else:
                    env[k] = v
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self.log, text=True, env=env)
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("cirrusd did not start: %r %s" % (line, self.stderr()))
        self.url = line.split()[-1]
        return self

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Stops the server; returns its exit code."""
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self.proc.stdout.close()

    def stderr(self):
        """What the server logged so far."""
        with open(self.log.name) as f:
            return f.read()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.stop()


@pytest.fixture(scope="session")
def endpoint(request):
    url = request.config.getoption("--url")
    if url:
        yield url
        return
    server = Server().start()
    yield server.url
    code = server.stop()
    stderr_tail = server.stderr()[-2000:]
    assert code == 0, "cirrusd exited with %s %s" % (code, stderr_tail)


def register_function(data_dir, name, command=None, url=None, timeout=None, env=()):
    """Registers a function as its owner does: `cirrus functions create` on the data directory
    (the server's HTTP API cannot). Returns the completed process; asserts it succeeded."""
    args = [cirrus_path(), "functions", "create", name, "--data-dir", data_dir]
    args += ["--command", command] if command is not None else ["--url", url]
    if timeout:
        args += ["--timeout", str(timeout)]
    for pair in env:
        args += ["--env", pair]
    p = subprocess.run(args, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p


def caught_up(data_dir, uuid):
    """Whether mapping `uuid` has checkpointed past every record of its stream, as
    `cirrus functions list` reports it (LAG "-"): nothing more will be delivered unless more is
    written. Lets a test say "and nothing else arrived" without sleeping."""
    p = subprocess.run([cirrus_path(), "functions", "list", "--data-dir", data_dir],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    rows = [line.split() for line in p.stdout.splitlines() if line.split()[:1] == [uuid]]
    assert rows, "no mapping %s in:\n%s" % (uuid, p.stdout)
    return rows[0][-1] == "-"


def wait_for(predicate, timeout=20, what="condition"):
    """Polls `predicate` until it returns something true (returned), or fails after `timeout` s."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def make_client(url, service="dynamodb", validate=True):
    return boto3.client(
        service, endpoint_url=url, region_name=REGION,
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}, parameter_validation=validate))


@pytest.fixture(scope="session")
def ddb(endpoint):
    """boto3 DynamoDB client (client-side validation on, as users run it)."""
    return make_client(endpoint)


@pytest.fixture(scope="session")
def raw_ddb(endpoint):
    """boto3 DynamoDB client with client-side validation off, to reach server validation."""
    return make_client(endpoint, validate=False)


@pytest.fixture(scope="session")
def resource(endpoint):
    return boto3.resource(
        "dynamodb", endpoint_url=endpoint, region_name=REGION,
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret")


def unique(prefix="t"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:12])


def create_table(ddb, name, pk=("pk", "S"), sk=None, **kwargs):
    attrs = [{"AttributeName": pk[0], "AttributeType": pk[1]}]
    keys = [{"AttributeName": pk[0], "KeyType": "HASH"}]
    if sk:
        attrs.append({"AttributeName": sk[0], "AttributeType": sk[1]})
        keys.append({"AttributeName": sk[0], "KeyType": "RANGE"})
    kwargs.setdefault("BillingMode", "PAY_PER_REQUEST")
    ddb.create_table(TableName=name, KeySchema=keys, AttributeDefinitions=attrs, **kwargs)
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    return name


@pytest.fixture(scope="session")
def hash_table(ddb):
    """Shared table: partition key pk (S)."""
    return create_table(ddb, unique("hash"))


@pytest.fixture(scope="session")
def range_table(ddb):
    """Shared table: partition key pk (S), sort key sk (N)."""
    return create_table(ddb, unique("range"), sk=("sk", "N"))


@pytest.fixture(scope="session")
def string_range_table(ddb):
    """Shared table: partition key pk (S), sort key sk (S)."""
    return create_table(ddb, unique("srange"), sk=("sk", "S"))


@pytest.fixture(scope="session")
def binary_range_table(ddb):
    """Shared table: partition key pk (B), sort key sk (B)."""
    return create_table(ddb, unique("brange"), pk=("pk", "B"), sk=("sk", "B"))


@pytest.fixture
def key():
    """A partition key value no other test uses."""
    return "k-" + uuid.uuid4().hex


class RawResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    @property
    def error_type(self):
        return self.json()["__type"].split("#")[-1]

    @property
    def message(self):
        body = self.json()
        return body.get("message", body.get("Message"))


AUTH = ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64)


@pytest.fixture(scope="session")
def raw(endpoint):
    """raw(operation, body, headers=..., method=...) -> RawResponse: a hand-made HTTP request,
    for what boto3 cannot send (malformed JSON, wrong types, missing headers)."""
    parsed = urllib.parse.urlparse(endpoint)

    def send(operation=None, body="{}", headers=None, method="POST", path="/"):
        h = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Date": "20240101T000000Z",
             "Authorization": AUTH}
        if operation:
            h["X-Amz-Target"] = operation if "." in operation else "DynamoDB_20120810." + operation
        if headers:
            h.update(headers)
        h = {k: v for k, v in h.items() if v is not None}
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=h)
            resp = conn.getresponse()
            return RawResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()},
                               resp.read())
        finally:
            conn.close()

    return send


# --- Helpers shared by the test modules (import them: `from conftest import ...`). ---------

import decimal

import botocore.exceptions

MB = 1024 * 1024
MAX_ITEM_SIZE = 400 * 1024  # DynamoDB's limit: 409,600 bytes, names + values


def call_error(fn, **kwargs):
    """Calls a boto3 operation that must fail; returns (error code, message)."""
    with pytest.raises(botocore.exceptions.ClientError) as info:
        fn(**kwargs)
    error = info.value.response["Error"]
    return error["Code"], error.get("Message")


def number_size(text):
    """Size of an N value (CapacityUnitCalculations.html in the developer guide; dynalite's formula)."""
    sign, digits, exponent = decimal.Decimal(text).as_tuple()
    digits = list(digits)
    while digits and digits[0] == 0:
        digits.pop(0)
    while digits and digits[-1] == 0:
        digits.pop()
        exponent += 1
    if not digits:
        return 1
    n = len(digits)
    scientific = exponent + n - 1  # exponent of the leading digit
    return 1 + (n + 1) // 2 + (1 if n % 2 == 0 and scientific % 2 == 0 else 0) + (1 if sign else 0)


def value_size(value):
    """Size of one low-level (boto3 client) AttributeValue, as CapacityUnitCalculations.html counts."""
    (kind, v), = value.items()
    if kind == "S":
        return len(v.encode("utf-8"))
    if kind == "B":
        return len(v)
    if kind == "N":
        return number_size(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(e.encode("utf-8")) for e in v)
    if kind == "BS":
        return sum(len(e) for e in v)
    if kind == "NS":
        return sum(number_size(e) for e in v)
    if kind == "L":
        return 3 + sum(1 + value_size(e) for e in v)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + value_size(e) for k, e in v.items())
    raise ValueError(kind)


def item_size(item):
    """DynamoDB's size of an item: UTF-8 attribute names plus value sizes."""
    return sum(len(name.encode("utf-8")) + value_size(v) for name, v in item.items())


def pages(fn, **kwargs):
    """All pages of a Query or Scan, following LastEvaluatedKey by hand."""
    out = []
    while True:
        page = fn(**kwargs)
        out.append(page)
        if "LastEvaluatedKey" not in page:
            return out
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def all_items(fn, **kwargs):
    return [item for page in pages(fn, **kwargs) for item in page.get("Items", [])]


@pytest.fixture
def new_table(ddb):
    """new_table(pk=("pk", "S"), sk=None, name=None, **create_kwargs) -> name: a table of the
    test's own, deleted (if still there and deletable) when the test ends."""
    created = []

    def make(pk=("pk", "S"), sk=None, name=None, **kwargs):
        name = name or unique("own")
        create_table(ddb, name, pk=pk, sk=sk, **kwargs)
        created.append(name)
        return name

    yield make
    for name in created:
        try:
            ddb.delete_table(TableName=name)
        except botocore.exceptions.ClientError:
            pass
