"""Durability: cirrusd processes of our own on a persistent --data-dir.

- A restart keeps tables (definitions included), items and the ItemCount/TableSizeBytes.
- SIGTERM/SIGINT: graceful exit with status 0; the data directory opens again afterwards.
- kill -9 after acknowledged writes (default --sync=full: "every acknowledged write is on
  disk") loses none of them.
- A second server on the same data directory while the first runs must be refused, or be
  safe (both see one consistent database).
"""
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

import botocore.exceptions
import pytest

from conftest import Server, all_items, create_table, item_size, make_client


@pytest.fixture
def data_dir(tmp_path):
    return str(tmp_path / "data")


@pytest.fixture
def servers():
    """Starts servers and makes sure none outlives the test."""
    started = []

    def start(*args, data_dir=None):
        server = Server(*args, data_dir=data_dir).start()
        started.append(server)
        return server

    yield start
    for server in started:
        if server.proc.poll() is None:
            server.stop(signal.SIGKILL)


def stop_ok(server, sig=signal.SIGTERM):
    code = server.stop(sig)
    assert code == 0, "cirrusd exited with %s on %s" % (code, signal.Signals(sig).name)


def describe(client, name):
    return client.describe_table(TableName=name)["Table"]


# --- Restart --------------------------------------------------------------------------------

def test_restart_keeps_tables_items_and_counts(servers, data_dir):
    server = servers(data_dir=data_dir)
    c = make_client(server.url)
    create_table(c, "durable-hash")
    create_table(c, "durable-range", sk=("sk", "N"), BillingMode="PROVISIONED",
                 ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4})
    create_table(c, "durable-gone")
    hash_items = [
        {"pk": {"S": "a"}, "s": {"S": "é😀"}, "n": {"N": "-0.0015"}, "b": {"B": b"\x00\xff"},
         "m": {"M": {"l": {"L": [{"BOOL": True}, {"NULL": True}, {"SS": ["x", "y"]}]}}}},
        {"pk": {"S": "b"}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": [b"\x01"]}},
        {"pk": {"S": "c"}, "big": {"S": "z" * 300_000}},
    ]
    for item in hash_items:
        c.put_item(TableName="durable-hash", Item=item)
    c.put_item(TableName="durable-hash", Item={"pk": {"S": "deleted"}})
    c.delete_item(TableName="durable-hash", Key={"pk": {"S": "deleted"}})
    for i in (5, -2, 30, 0):
        c.put_item(TableName="durable-range", Item={"pk": {"S": "p"}, "sk": {"N": str(i)}})
    c.put_item(TableName="durable-gone", Item={"pk": {"S": "x"}})
    c.delete_table(TableName="durable-gone")
    c.update_table(TableName="durable-range", ProvisionedThroughput={
        "ReadCapacityUnits": 6, "WriteCapacityUnits": 4})
    before = {t: describe(c, t) for t in ("durable-hash", "durable-range")}
    stop_ok(server)

    for restart in range(2):
        server = servers(data_dir=data_dir)
        c = make_client(server.url)
        assert c.list_tables()["TableNames"] == ["durable-hash", "durable-range"]
        for name, old in before.items():
            new = describe(c, name)
            for field in ("KeySchema", "AttributeDefinitions", "TableId", "TableArn",
                          "CreationDateTime", "ItemCount", "TableSizeBytes",
                          "ProvisionedThroughput", "BillingModeSummary"):
                assert new.get(field) == old.get(field), (restart, name, field)
        hash_table = describe(c, "durable-hash")
        assert hash_table["ItemCount"] == 3
        assert hash_table["TableSizeBytes"] == sum(item_size(i) for i in hash_items)
        assert describe(c, "durable-range")["ProvisionedThroughput"]["ReadCapacityUnits"] == 6
        for item in hash_items:
            got = c.get_item(TableName="durable-hash", Key={"pk": item["pk"]})["Item"]
            assert got == item
        assert "Item" not in c.get_item(TableName="durable-hash", Key={"pk": {"S": "deleted"}})
        page = c.query(TableName="durable-range", KeyConditionExpression="pk = :p",
                       ExpressionAttributeValues={":p": {"S": "p"}})
        assert [i["sk"]["N"] for i in page["Items"]] == ["-2", "0", "5", "30"]
        # The server is usable for writes after a restart, too.
        c.put_item(TableName="durable-range", Item={"pk": {"S": "p"}, "sk": {"N": "100"}})
        c.delete_item(TableName="durable-range", Key={"pk": {"S": "p"}, "sk": {"N": "100"}})
        stop_ok(server)


# --- Signals --------------------------------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_exits_zero_and_releases_data_dir(servers, data_dir, sig):
    server = servers(data_dir=data_dir)
    c = make_client(server.url)
    create_table(c, "signals")
    c.put_item(TableName="signals", Item={"pk": {"S": "kept"}})
    c.list_tables()  # leaves an idle keep-alive connection open: shutdown must close it
    stop_ok(server, sig)

    server = servers(data_dir=data_dir)
    c = make_client(server.url)
    assert c.get_item(TableName="signals", Key={"pk": {"S": "kept"}})["Item"] == \
        {"pk": {"S": "kept"}}
    stop_ok(server)


def test_in_memory_server_removes_its_directory(tmp_path, monkeypatch):
    """--in-memory keeps data in a temporary directory (under TMPDIR) removed at exit."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    server = Server().start()
    try:
        c = make_client(server.url)
        create_table(c, "ephemeral")
        c.put_item(TableName="ephemeral", Item={"pk": {"S": "x"}})
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith("cirrusd-")]
    finally:
        stop_ok(server)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("cirrusd-")]


# --- kill -9 --------------------------------------------------------------------------------

def scan_all(client, table):
    return all_items(client.scan, TableName=table)


def test_kill_9_loses_no_acknowledged_write(servers, data_dir):
    """500 PutItem from 8 threads, then BatchWriteItems (puts, overwrites, deletes), all
    acknowledged, then SIGKILL: after a restart every acknowledged write is there."""
    server = servers(data_dir=data_dir)  # default --sync=full
    c = make_client(server.url)
    create_table(c, "burst")
    create_table(c, "burst-range", sk=("sk", "N"))
    expected = {}
    lock = threading.Lock()

    def writer(thread):
        client = make_client(server.url)
        for i in range(thread, 500, 8):
            item = {"pk": {"S": "put-%03d" % i}, "v": {"N": str(i)}, "t": {"S": "thread-%d" % thread}}
            client.put_item(TableName="burst", Item=item)
            with lock:
                expected[item["pk"]["S"]] = item

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(writer, range(8)))
    assert len(expected) == 500

    for batch in range(4):
        requests = [{"PutRequest": {"Item": {"pk": {"S": "batch-%d-%02d" % (batch, i)},
                                             "v": {"N": str(i)}}}} for i in range(20)]
        # Overwrite 3 single-put items and delete 2 others in the same batch.
        for i in range(3):
            pk = "put-%03d" % (batch * 10 + i)
            requests.append({"PutRequest": {"Item": {"pk": {"S": pk}, "v": {"S": "overwritten"}}}})
        for i in range(3, 5):
            requests.append({"DeleteRequest": {"Key": {"pk": {"S": "put-%03d" % (batch * 10 + i)}}}})
        c.batch_write_item(RequestItems={"burst": requests})
        for r in requests:
            if "PutRequest" in r:
                item = r["PutRequest"]["Item"]
                expected[item["pk"]["S"]] = item
            else:
                del expected[r["DeleteRequest"]["Key"]["pk"]["S"]]
    c.batch_write_item(RequestItems={"burst-range": [
        {"PutRequest": {"Item": {"pk": {"S": "r"}, "sk": {"N": str(i)}}}} for i in range(25)]})

    assert server.stop(signal.SIGKILL) == -signal.SIGKILL

    server = servers(data_dir=data_dir)
    c = make_client(server.url)
    got = {i["pk"]["S"]: i for i in scan_all(c, "burst")}
    missing = sorted(set(expected) - set(got))
    assert not missing, "%d acknowledged writes lost, e.g. %s" % (len(missing), missing[:5])
    assert got == expected
    assert describe(c, "burst")["ItemCount"] == len(expected) == 572
    page = c.query(TableName="burst-range", KeyConditionExpression="pk = :p",
                   ExpressionAttributeValues={":p": {"S": "r"}})
    assert [i["sk"]["N"] for i in page["Items"]] == [str(i) for i in range(25)]
    stop_ok(server)


def test_kill_9_during_writes(servers, data_dir):
    """SIGKILL while 8 threads are writing: every write acknowledged before the kill is
    there after a restart; a write in flight is either wholly there or absent."""
    server = servers(data_dir=data_dir)
    c = make_client(server.url)
    create_table(c, "inflight")
    acknowledged = set()
    attempted = set()
    lock = threading.Lock()
    enough = threading.Event()

    def writer(thread):
        client = make_client(server.url)
        for i in range(100_000):
            pk = "w-%d-%05d" % (thread, i)
            with lock:
                attempted.add(pk)
            try:
                client.put_item(TableName="inflight",
                                Item={"pk": {"S": pk}, "payload": {"S": pk * 20}})
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
                return  # the server is gone
            with lock:
                acknowledged.add(pk)
                if len(acknowledged) >= 400:
                    enough.set()

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(writer, t) for t in range(8)]
        enough.wait(timeout=120)
        server.stop(signal.SIGKILL)
        for f in futures:
            f.result()
    assert len(acknowledged) >= 400

    server = servers(data_dir=data_dir)
    c = make_client(server.url)
    got = {i["pk"]["S"]: i for i in scan_all(c, "inflight")}
    assert acknowledged <= set(got), "lost: %s" % sorted(acknowledged - set(got))[:5]
    assert set(got) <= attempted
    for pk, item in got.items():
        assert item == {"pk": {"S": pk}, "payload": {"S": pk * 20}}
    assert describe(c, "inflight")["ItemCount"] == len(got)
    stop_ok(server)


def test_kill_9_during_transactions(servers, data_dir):
    """SIGKILL while 8 threads run transactions that each put an item in two tables and add
    one to the thread's counter in a third: every acknowledged transaction is there after a
    restart, none is there in part (both items or neither; the counter equals the pairs), and
    a retry of an acknowledged one with its ClientRequestToken does not apply again."""
    server = servers(data_dir=data_dir)
    c = make_client(server.url)
    for name in ("tx-a", "tx-b", "tx-count"):
        create_table(c, name)
    acknowledged = {}  # "t-i" -> the token it committed with
    lock = threading.Lock()
    enough = threading.Event()

    def items(pk, token=None):
        args = {"TransactItems": [
            {"Put": {"TableName": "tx-a", "Item": {"pk": {"S": pk}, "payload": {"S": pk * 20}}}},
            {"Put": {"TableName": "tx-b", "Item": {"pk": {"S": pk}}}},
            {"Update": {"TableName": "tx-count", "Key": {"pk": {"S": pk.split("-")[0]}},
                        "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}}]}
        if token:
            args["ClientRequestToken"] = token
        return args

    def writer(thread):
        client = make_client(server.url)
        for i in range(100_000):
            pk, token = "%d-%05d" % (thread, i), "tok-%d-%05d" % (thread, i)
            try:
                client.transact_write_items(**items(pk, token))
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
                return  # the server is gone
            with lock:
                acknowledged[pk] = token
                if len(acknowledged) >= 300:
                    enough.set()

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(writer, t) for t in range(8)]
        enough.wait(timeout=120)
        server.stop(signal.SIGKILL)
        for f in futures:
            f.result()
    assert len(acknowledged) >= 300

    server = servers(data_dir=data_dir)
    c = make_client(server.url)
    a = {i["pk"]["S"] for i in scan_all(c, "tx-a")}
    b = {i["pk"]["S"] for i in scan_all(c, "tx-b")}
    counts = {i["pk"]["S"]: int(i["n"]["N"]) for i in scan_all(c, "tx-count")}
    assert set(acknowledged) <= a, "lost: %s" % sorted(set(acknowledged) - a)[:5]
    assert a == b, "half applied: %s" % sorted(a ^ b)[:5]
    for thread in range(8):
        assert counts.get(str(thread), 0) == sum(1 for pk in a if pk.startswith("%d-" % thread))
    # Retrying acknowledged transactions with their tokens after the crash applies nothing.
    for pk, token in sorted(acknowledged.items())[:20]:
        c.transact_write_items(**items(pk, token))
    assert {i["pk"]["S"]: int(i["n"]["N"]) for i in scan_all(c, "tx-count")} == counts
    stop_ok(server)


# --- Two servers, one data directory --------------------------------------------------------

def test_second_server_on_same_data_dir_refused_or_safe(servers, data_dir):
    """While one cirrusd serves a data directory, a second one on it must either refuse to
    start, or be safe: both then see one database (the same tables, items and counts),
    and a table name cannot be created twice.

    Observed with cirrusd at fb30a40: the second server starts (LMDB is multi-process), item
    reads and writes are shared, but each process keeps its own table catalog and item
    counters, so they diverge (see the assertions below)."""
    first = servers(data_dir=data_dir)
    c1 = make_client(first.url)
    create_table(c1, "shared")
    c1.put_item(TableName="shared", Item={"pk": {"S": "before"}})

    try:
        second = servers(data_dir=data_dir)
    except RuntimeError:
        # Refused: the first server is unaffected.
        assert c1.get_item(TableName="shared", Key={"pk": {"S": "before"}})["Item"]
        c1.put_item(TableName="shared", Item={"pk": {"S": "after"}})
        assert describe(c1, "shared")["ItemCount"] == 2
        stop_ok(first)
        return

    c2 = make_client(second.url)
    # Safe means: one database, whichever server answers.
    assert c2.list_tables()["TableNames"] == ["shared"]
    for i in range(5):
        c1.put_item(TableName="shared", Item={"pk": {"S": "one-%d" % i}})
    for i in range(3):
        c2.put_item(TableName="shared", Item={"pk": {"S": "two-%d" % i}})
    assert len(scan_all(c1, "shared")) == len(scan_all(c2, "shared")) == 9
    counts = (describe(c1, "shared")["ItemCount"], describe(c2, "shared")["ItemCount"])
    assert counts == (9, 9), "ItemCount per server: %s, items: 9" % (counts,)

    create_table(c2, "made-by-second")
    assert "made-by-second" in c1.list_tables()["TableNames"], \
        "a table created through the second server is invisible to the first"
    with pytest.raises(botocore.exceptions.ClientError) as info:
        c1.create_table(TableName="made-by-second",
                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "N"}],
                        BillingMode="PAY_PER_REQUEST")
    assert info.value.response["Error"]["Code"] == "ResourceInUseException"

    stop_ok(second)
    stop_ok(first)
    server = servers(data_dir=data_dir)
    c = make_client(server.url)
    assert describe(c, "shared")["ItemCount"] == len(scan_all(c, "shared")) == 9
    stop_ok(server)
