"""Change streams and triggers end to end: boto3's dynamodbstreams client and the AWS CLI
against the Streams API, and Lambda-style event source mappings driving real handlers (a
Python command and a small HTTP server), including a kill -9 of the server under load."""

import http.client
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time

import botocore.exceptions
import pytest

from conftest import (REGION, Server, caught_up, cirrus_path, create_table, make_client, register_function,
                      unique, wait_for)

AWS = "/usr/bin/aws"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# A handler for every test: reads the event on stdin, appends its records to LOG (one JSON
# line per record, with the batch number), then behaves as MODE says.
HANDLER = r'''
import json, os, sys, time
event = json.load(sys.stdin)
mode, log = sys.argv[1], sys.argv[2]
records = event["Records"]
def image(r):
    return r["dynamodb"].get("NewImage") or r["dynamodb"].get("OldImage") or {}
if mode == "fail":
    sys.stderr.write("handler failing on purpose\n")
    sys.exit(1)
if mode == "poison" and any("poison" in image(r) for r in records):
    sys.stderr.write("poison record in batch\n")
    sys.exit(3)
if mode == "sleep":
    time.sleep(30)
failures = []
if mode == "partial":
    marker = log + ".failed-once"
    for r in records:
        if r["dynamodb"]["Keys"]["pk"]["S"] == "p3" and not os.path.exists(marker):
            open(marker, "w").close()
            failures.append({"itemIdentifier": r["dynamodb"]["SequenceNumber"]})
invocation = os.urandom(8).hex()
with open(log, "a") as f:
    for r in records:
        f.write(json.dumps({"batch": len(records), "invocation": invocation, "record": r}) + "\n")
print(json.dumps({"batchItemFailures": failures}))
'''


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the module, on a data directory (functions are registered there) whose
    OnFailure file destinations may be anywhere below `failures`."""
    root = tmp_path_factory.mktemp("streams")
    with Server("--failure-dir", str(root / "failures"), data_dir=str(root / "data")) as s:
        s.failure_root = root / "failures"
        yield s


@pytest.fixture
def failure_dest(server):
    """A new OnFailure directory the server may write to (the server creates it)."""
    return server.failure_root / unique("dest")


@pytest.fixture(scope="module")
def clients(server):
    return (make_client(server.url), make_client(server.url, "dynamodbstreams"),
            make_client(server.url, "lambda"))


@pytest.fixture
def handler(tmp_path):
    script = tmp_path / "handler.py"
    script.write_text(HANDLER)
    return tmp_path


def stream_table(ddb, view="NEW_AND_OLD_IMAGES", **kwargs):
    name = unique("s")
    create_table(ddb, name, StreamSpecification={"StreamEnabled": True, "StreamViewType": view}, **kwargs)
    return name, ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]


def read_all(streams, arn):
    """Every record of the stream, TRIM_HORIZON to now, over all shards, by sequence number."""
    out = []
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    for shard in shards:
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while it:
            page = streams.get_records(ShardIterator=it)
            out += page["Records"]
            if not page["Records"]:
                break
            it = page.get("NextShardIterator")
    return sorted(out, key=lambda r: int(r["dynamodb"]["SequenceNumber"]))


def logged(path):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def command_function(data_dir, name, handler_dir, mode, timeout=None):
    """Registers HANDLER as function `name` in `data_dir`, as the data directory's owner does."""
    register_function(data_dir, name, command="/usr/bin/python3 %s %s %s" % (
        handler_dir / "handler.py", mode, handler_dir / "log.jsonl"), timeout=timeout)


# ---------------------------------------------------------------------------------------
# The Streams API

@pytest.mark.parametrize("view", ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"])
def test_records_for_each_view_type(clients, view):
    ddb, streams, _ = clients
    name, arn = stream_table(ddb, view)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    ddb.update_item(TableName=name, Key={"pk": {"S": "a"}}, UpdateExpression="SET n = n + :one",
                    ExpressionAttributeValues={":one": {"N": "1"}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "a"}})
    records = read_all(streams, arn)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    for r in records:
        d = r["dynamodb"]
        assert r["eventSource"] == "aws:dynamodb" and r["awsRegion"] == REGION
        assert len(r["eventID"]) == 32
        assert d["Keys"] == {"pk": {"S": "a"}}
        assert d["StreamViewType"] == view
        assert d["SizeBytes"] >= 1
        assert 21 <= len(d["SequenceNumber"]) <= 40
    new = view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES")
    old = view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES")
    ins, mod, rem = (r["dynamodb"] for r in records)
    assert ("NewImage" in ins) == new and "OldImage" not in ins
    assert ("NewImage" in mod) == new and ("OldImage" in mod) == old
    assert "NewImage" not in rem and ("OldImage" in rem) == old
    if new:
        assert mod["NewImage"] == {"pk": {"S": "a"}, "n": {"N": "2"}}
    if old:
        assert mod["OldImage"] == {"pk": {"S": "a"}, "n": {"N": "1"}}
        assert rem["OldImage"] == {"pk": {"S": "a"}, "n": {"N": "2"}}


def test_writes_that_change_nothing_record_nothing(clients):
    ddb, streams, _ = clients
    name, arn = stream_table(ddb)
    item = {"pk": {"S": "a"}, "n": {"N": "1.50"}, "ss": {"SS": ["x", "y"]},
            "m": {"M": {"p": {"N": "1"}, "q": {"BOOL": True}}}}
    ddb.put_item(TableName=name, Item=item)
    # The same value spelled differently: number, set order, map order.
    ddb.put_item(TableName=name, Item={"m": {"M": {"q": {"BOOL": True}, "p": {"N": "1.0"}}},
                                       "ss": {"SS": ["y", "x"]}, "n": {"N": "1.5"}, "pk": {"S": "a"}})
    ddb.update_item(TableName=name, Key={"pk": {"S": "a"}}, UpdateExpression="SET n = :n",
                    ExpressionAttributeValues={":n": {"N": "001.5"}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "absent"}})
    with pytest.raises(botocore.exceptions.ClientError):
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}}, ConditionExpression="attribute_not_exists(pk)")
    ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {"pk": {"S": "b"}}}},
                                              {"PutRequest": {"Item": {"pk": {"S": "c"}}}}]})
    records = read_all(streams, arn)
    assert [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records] == [
        ("INSERT", "a"), ("INSERT", "b"), ("INSERT", "c")]


def test_updates_that_only_remove_create_no_item(clients):
    """An update of a missing item that only removes attributes creates nothing: no item, no
    Attributes for ALL_NEW, no stream record (conformance fact I1). One without actions
    still creates the key-only item."""
    ddb, streams, _ = clients
    name, arn = stream_table(ddb)
    r = ddb.update_item(TableName=name, Key={"pk": {"S": "gone"}}, UpdateExpression="REMOVE a, b.c",
                        ReturnValues="ALL_NEW")
    assert "Attributes" not in r
    r = ddb.update_item(TableName=name, Key={"pk": {"S": "legacy"}},
                        AttributeUpdates={"a": {"Action": "DELETE"}}, ReturnValues="ALL_NEW")
    assert "Attributes" not in r
    assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "gone"}})
    assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "legacy"}})
    r = ddb.update_item(TableName=name, Key={"pk": {"S": "bare"}}, AttributeUpdates={}, ReturnValues="ALL_NEW")
    assert r["Attributes"] == {"pk": {"S": "bare"}}
    # An existing item: REMOVE of what is not there changes nothing and records nothing.
    ddb.put_item(TableName=name, Item={"pk": {"S": "here"}, "x": {"N": "1"}})
    r = ddb.update_item(TableName=name, Key={"pk": {"S": "here"}}, UpdateExpression="REMOVE y",
                        ReturnValues="ALL_NEW")
    assert r["Attributes"] == {"pk": {"S": "here"}, "x": {"N": "1"}}
    assert ddb.describe_table(TableName=name)["Table"]["ItemCount"] == 2
    records = read_all(streams, arn)
    assert [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records] == [
        ("INSERT", "bare"), ("INSERT", "here")]


def test_shard_filter_is_validated(server, clients):
    """Conformance fact S2: DescribeStream's ShardFilter is checked as the model says."""
    ddb, streams, _ = clients
    _, arn = stream_table(ddb)
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]

    def describe(shard_filter):  # raw: Debian's boto3 predates ShardFilter
        host, port = server.url.split("//")[1].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        conn.request("POST", "/", json.dumps({"StreamArn": arn, "ShardFilter": shard_filter}), {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDBStreams_20120810.DescribeStream", "X-Amz-Date": "20240101T000000Z",
            "Authorization": "AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/dynamodb/aws4_request, "
                             "SignedHeaders=host, Signature=00"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())

    for shard_filter, words in [({"Type": "PARENT", "ShardId": shard}, "shardFilter.type"),
                                ({"ShardId": shard}, "shardFilter.type"),
                                ({"Type": "CHILD_SHARDS"}, "shardFilter.shardId"),
                                ({"Type": "CHILD_SHARDS", "ShardId": "qwerty"}, "shardFilter.shardId")]:
        status, body = describe(shard_filter)
        assert status == 400 and body["__type"].endswith("ValidationException"), body
        assert words in body["message"], body
    # A valid one: no shard here has children.
    status, body = describe({"Type": "CHILD_SHARDS", "ShardId": shard})
    assert status == 200 and body["StreamDescription"]["Shards"] == []


def test_malformed_stream_arns_are_validation_errors(clients):
    """Conformance fact S1: not a stream ARN at all is a ValidationException; a well-formed one
    naming no stream stays ResourceNotFoundException (test_iterator_types_and_limits)."""
    _, streams, _ = clients
    junk = "x" * 50
    for call in (lambda: streams.describe_stream(StreamArn=junk),
                 lambda: streams.get_shard_iterator(StreamArn=junk, ShardId="shardId-" + "0" * 20 + "-00000000",
                                                    ShardIteratorType="LATEST"),
                 lambda: streams.list_streams(ExclusiveStartStreamArn=junk)):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call()
        assert e.value.response["Error"]["Code"] == "ValidationException"


def test_describe_table_list_and_describe_stream(clients):
    ddb, streams, _ = clients
    name, arn = stream_table(ddb, "KEYS_ONLY", sk=("sk", "N"))
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    assert table["LatestStreamArn"] == arn
    assert arn == "arn:aws:dynamodb:%s:123456789012:table/%s/stream/%s" % (REGION, name, table["LatestStreamLabel"])
    listed = streams.list_streams(TableName=name)["Streams"]
    assert listed == [{"StreamArn": arn, "TableName": name, "StreamLabel": table["LatestStreamLabel"]}]
    assert any(s["StreamArn"] == arn for s in streams.list_streams()["Streams"])
    desc = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert desc["StreamStatus"] == "ENABLED" and desc["StreamViewType"] == "KEYS_ONLY"
    assert desc["TableName"] == name
    assert desc["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
    shards = desc["Shards"]
    assert len(shards) == 4 and all("EndingSequenceNumber" not in s["SequenceNumberRange"] for s in shards)
    assert all(28 <= len(s["ShardId"]) <= 65 for s in shards)
    # Paging through the shards.
    page = streams.describe_stream(StreamArn=arn, Limit=3)["StreamDescription"]
    assert [s["ShardId"] for s in page["Shards"]] == [s["ShardId"] for s in shards[:3]]
    rest = streams.describe_stream(StreamArn=arn, ExclusiveStartShardId=page["LastEvaluatedShardId"])
    assert [s["ShardId"] for s in rest["StreamDescription"]["Shards"]] == [shards[3]["ShardId"]]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        streams.describe_stream(StreamArn=arn.replace(name, name + "x"))
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_iterator_types_and_limits(clients):
    ddb, streams, _ = clients
    name, arn = stream_table(ddb)
    for i in range(30):
        ddb.put_item(TableName=name, Item={"pk": {"S": "same"}, "v": {"N": str(i)}})
    shard = next(s for s in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
                 if streams.get_records(ShardIterator=streams.get_shard_iterator(
                     StreamArn=arn, ShardId=s["ShardId"], ShardIteratorType="TRIM_HORIZON")["ShardIterator"])["Records"])
    sid = shard["ShardId"]

    def iterator(kind, seq=None):
        kw = {"SequenceNumber": seq} if seq else {}
        return streams.get_shard_iterator(StreamArn=arn, ShardId=sid, ShardIteratorType=kind, **kw)["ShardIterator"]

    first = streams.get_records(ShardIterator=iterator("TRIM_HORIZON"), Limit=10)
    assert [r["dynamodb"]["NewImage"]["v"]["N"] for r in first["Records"]] == [str(i) for i in range(10)]
    second = streams.get_records(ShardIterator=first["NextShardIterator"], Limit=1000)
    assert len(second["Records"]) == 20
    seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in first["Records"] + second["Records"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == 30
    seq5 = first["Records"][5]["dynamodb"]["SequenceNumber"]
    at = streams.get_records(ShardIterator=iterator("AT_SEQUENCE_NUMBER", seq5), Limit=1)["Records"]
    assert at[0]["dynamodb"]["SequenceNumber"] == seq5
    after = streams.get_records(ShardIterator=iterator("AFTER_SEQUENCE_NUMBER", seq5), Limit=1)["Records"]
    assert after[0]["dynamodb"]["NewImage"]["v"]["N"] == "6"
    latest = iterator("LATEST")
    assert streams.get_records(ShardIterator=latest)["Records"] == []
    ddb.put_item(TableName=name, Item={"pk": {"S": "same"}, "v": {"N": "99"}})
    page = streams.get_records(ShardIterator=latest)
    assert [r["dynamodb"]["NewImage"]["v"]["N"] for r in page["Records"]] == ["99"]
    # An empty page still hands out an iterator to poll with.
    assert streams.get_records(ShardIterator=page["NextShardIterator"])["NextShardIterator"]

    raw = make_client(streams.meta.endpoint_url, "dynamodbstreams", validate=False)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        raw.get_records(ShardIterator=latest, Limit=1001)
    assert e.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        streams.get_records(ShardIterator=latest[:-8] + "AAAAAAA=")
    assert e.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        streams.get_shard_iterator(StreamArn=arn, ShardId=sid, ShardIteratorType="AT_SEQUENCE_NUMBER")
    assert e.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        streams.get_shard_iterator(StreamArn=arn, ShardId="shardId-00000000000000000000-00000000",
                                   ShardIteratorType="LATEST")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_enable_disable_and_delete_close_the_stream(clients):
    ddb, streams, _ = clients
    name = unique("s")
    create_table(ddb, name)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    assert "Table has no stream to disable" in e.value.response["Error"]["Message"]
    first = ddb.update_table(TableName=name, StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})["TableDescription"]["LatestStreamArn"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    assert e.value.response["Error"]["Message"] == "Table already has an enabled stream: TableName: " + name
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    off = ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})["TableDescription"]
    assert "StreamSpecification" not in off and off["LatestStreamArn"] == first
    ddb.put_item(TableName=name, Item={"pk": {"S": "b"}})  # not recorded
    desc = streams.describe_stream(StreamArn=first)["StreamDescription"]
    assert desc["StreamStatus"] == "DISABLED"
    assert all("EndingSequenceNumber" in s["SequenceNumberRange"] for s in desc["Shards"])
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_all(streams, first)] == ["a"]
    # A closed shard read to its end has no next iterator.
    for s in desc["Shards"]:
        it = streams.get_shard_iterator(StreamArn=first, ShardId=s["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        for _ in range(3):
            it = streams.get_records(ShardIterator=it).get("NextShardIterator")
            if not it:
                break
        assert it is None
    second = ddb.update_table(TableName=name, StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})["TableDescription"]["LatestStreamArn"]
    assert second != first
    ddb.put_item(TableName=name, Item={"pk": {"S": "c"}})
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_all(streams, second)] == ["c"]
    ddb.delete_table(TableName=name)
    desc = streams.describe_stream(StreamArn=second)["StreamDescription"]
    assert desc["StreamStatus"] == "DISABLED"
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_all(streams, second)] == ["c"]
    assert {s["StreamArn"] for s in streams.list_streams(TableName=name)["Streams"]} == {first, second}


def test_create_table_stream_validation(clients):
    ddb, _, _ = clients
    raw = make_client(ddb.meta.endpoint_url, validate=False)
    for spec, message in [({"StreamEnabled": True}, "must have StreamViewType"),
                          ({"StreamEnabled": False, "StreamViewType": "KEYS_ONLY"}, "must not have StreamViewType"),
                          ({"StreamEnabled": True, "StreamViewType": "ALL"}, "streamViewType")]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            create_table(raw, unique("s"), StreamSpecification=spec)
        assert e.value.response["Error"]["Code"] == "ValidationException"
        assert message in e.value.response["Error"]["Message"]


def test_retention_trims_and_reading_below_it_is_refused(tmp_path):
    with Server("--stream-retention", "1") as s:
        ddb, streams = make_client(s.url), make_client(s.url, "dynamodbstreams")
        name, arn = stream_table(ddb)
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
        old = read_all(streams, arn)[0]["dynamodb"]["SequenceNumber"]
        shard = [sh["ShardId"] for sh in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]]
        horizon = {sid: streams.get_shard_iterator(StreamArn=arn, ShardId=sid, ShardIteratorType="TRIM_HORIZON")[
            "ShardIterator"] for sid in shard}

        def trimmed():
            # The trimmer may run between GetShardIterator and GetRecords: that read is refused
            # (as it should be) and only means the trim is under way, so look again.
            try:
                return not read_all(streams, arn)
            except streams.exceptions.TrimmedDataAccessException:
                return False
        wait_for(trimmed, timeout=15, what="the record to be trimmed")
        with pytest.raises(botocore.exceptions.ClientError) as e:
            for sid in shard:
                streams.get_shard_iterator(StreamArn=arn, ShardId=sid, ShardIteratorType="AT_SEQUENCE_NUMBER",
                                           SequenceNumber=old)
        assert e.value.response["Error"]["Code"] == "TrimmedDataAccessException"
        with pytest.raises(botocore.exceptions.ClientError) as e:
            for it in horizon.values():
                streams.get_records(ShardIterator=it)
        assert e.value.response["Error"]["Code"] == "TrimmedDataAccessException"
        ddb.put_item(TableName=name, Item={"pk": {"S": "b"}})  # the stream goes on
        assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in read_all(streams, arn)] == ["b"]
        # A shard that never had a record is not "trimmed" for a poller that kept polling it.
        record_shard = {sid for sid in shard if streams.get_records(ShardIterator=streams.get_shard_iterator(
            StreamArn=arn, ShardId=sid, ShardIteratorType="TRIM_HORIZON")["ShardIterator"])["Records"]}
        idle = [sid for sid in shard if sid not in record_shard]
        iterators = {sid: streams.get_shard_iterator(StreamArn=arn, ShardId=sid, ShardIteratorType="LATEST")[
            "ShardIterator"] for sid in idle}
        for _ in range(3):
            for sid in idle:
                iterators[sid] = streams.get_records(ShardIterator=iterators[sid])["NextShardIterator"]
            ddb.put_item(TableName=name, Item={"pk": {"S": "b"}, "n": {"N": str(time.time())}})
            time.sleep(1.2)
        for sid in idle:
            assert streams.get_records(ShardIterator=iterators[sid])["Records"] == []


def test_aws_cli_reads_the_stream(server, clients):
    ddb, _, _ = clients
    name, arn = stream_table(ddb)
    ddb.put_item(TableName=name, Item={"pk": {"S": "cli"}})
    env = dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="y", AWS_DEFAULT_REGION=REGION)
    run = lambda *args: json.loads(subprocess.run(
        [AWS, "--endpoint-url", server.url, "--output", "json", *args], env=env, check=True,
        capture_output=True, text=True).stdout)
    shards = run("dynamodbstreams", "describe-stream", "--stream-arn", arn)["StreamDescription"]["Shards"]
    found = []
    for s in shards:
        it = run("dynamodbstreams", "get-shard-iterator", "--stream-arn", arn, "--shard-id", s["ShardId"],
                 "--shard-iterator-type", "TRIM_HORIZON")["ShardIterator"]
        found += run("dynamodbstreams", "get-records", "--shard-iterator", it)["Records"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in found] == ["cli"]


# ---------------------------------------------------------------------------------------
# Triggers

def test_command_handler_gets_lambda_batches_in_order(server, clients, handler):
    ddb, _, lam = clients
    name, arn = stream_table(ddb)
    fn = unique("fn")
    command_function(server.data_dir, fn, handler, "record")
    m = lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=arn, StartingPosition="TRIM_HORIZON",
                                        BatchSize=5)
    assert m["State"] == "Creating" and m["FunctionArn"].endswith(":function:" + fn)
    for i in range(12):
        ddb.put_item(TableName=name, Item={"pk": {"S": "k%d" % (i % 3)}, "v": {"N": str(i)}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "k0"}})
    got = wait_for(lambda: len(logged(handler / "log.jsonl")) >= 13 and logged(handler / "log.jsonl"),
                   what="13 records at the handler")
    assert len(got) == 13
    for entry in got:
        r = entry["record"]
        assert entry["batch"] <= 5
        assert r["eventSourceARN"] == arn and r["eventSource"] == "aws:dynamodb"
        assert "userIdentity" not in r
    for k in ("k0", "k1", "k2"):
        vs = [e["record"]["dynamodb"].get("NewImage", {}).get("v", {}).get("N") for e in got
              if e["record"]["dynamodb"]["Keys"]["pk"]["S"] == k]
        values = [int(v) for v in vs if v is not None]
        assert values == sorted(values)
    assert got[-1]["record"]["eventName"] == "REMOVE" or any(
        e["record"]["eventName"] == "REMOVE" for e in got)
    state = wait_for(lambda: lam.get_event_source_mapping(UUID=m["UUID"])["LastProcessingResult"] == "OK",
                     what="LastProcessingResult OK")
    assert state


def test_a_trigger_sees_time_to_live_deletions_as_the_service(server, clients, handler):
    ddb, _, lam = clients
    name, arn = stream_table(ddb)
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    fn = unique("fn")
    command_function(server.data_dir, fn, handler, "record")
    lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=arn, StartingPosition="TRIM_HORIZON")
    now = int(time.time())
    ddb.put_item(TableName=name, Item={"pk": {"S": "session"}, "exp": {"N": str(now + 60)}})
    # One expiry pass as if two minutes had passed (`cirrus expire`, the README's test hook).
    p = subprocess.run([cirrus_path(), "expire", "--data-dir", server.data_dir, "--table", name,
                        "--now", str(now + 120)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    got = wait_for(lambda: len(logged(handler / "log.jsonl")) >= 2 and logged(handler / "log.jsonl"),
                   what="the insert and the expiry at the handler")
    insert, remove = [e["record"] for e in got]
    assert insert["eventName"] == "INSERT" and "userIdentity" not in insert
    assert remove["eventName"] == "REMOVE"
    assert remove["userIdentity"] == {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    assert remove["dynamodb"]["OldImage"]["exp"] == {"N": str(now + 60)}


class Receiver(http.server.BaseHTTPRequestHandler):
    events = []
    fail = False

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.events.append((self.path, json.loads(body)))
        if Receiver.fail:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"errorType":"Boom","errorMessage":"it failed"}')
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"null")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.events = []
    Receiver.fail = False
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield "http://127.0.0.1:%d" % srv.server_address[1]
    srv.shutdown()


def test_http_handler_in_the_rie_shape(server, clients, receiver):
    ddb, _, lam = clients
    name, arn = stream_table(ddb, "NEW_IMAGE")
    fn = unique("fn")
    register_function(server.data_dir, fn, url=receiver + "/2015-03-31/functions/function/invocations")
    lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=arn, StartingPosition="LATEST", BatchSize=1)
    ddb.put_item(TableName=name, Item={"pk": {"S": "h"}, "x": {"S": "1"}})
    wait_for(lambda: Receiver.events, what="a POST")
    path, event = Receiver.events[0]
    assert path == "/2015-03-31/functions/function/invocations"
    assert list(event) == ["Records"] and len(event["Records"]) == 1
    r = event["Records"][0]
    assert r["eventName"] == "INSERT" and r["dynamodb"]["NewImage"] == {"pk": {"S": "h"}, "x": {"S": "1"}}
    assert r["eventSourceARN"] == arn


def test_mapping_api_through_the_aws_cli(server, clients, handler):
    ddb, _, lam = clients
    name, arn = stream_table(ddb)
    fn = unique("fn")
    command_function(server.data_dir, fn, handler, "record")
    env = dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="y", AWS_DEFAULT_REGION=REGION)

    def run(*args, check=True):
        p = subprocess.run([AWS, "--endpoint-url", server.url, "--output", "json", "lambda", *args], env=env,
                           capture_output=True, text=True)
        if check:
            assert p.returncode == 0, p.stderr
            return json.loads(p.stdout) if p.stdout.strip() else None
        return p

    m = run("create-event-source-mapping", "--function-name", fn, "--event-source-arn", arn,
            "--starting-position", "TRIM_HORIZON", "--batch-size", "7", "--maximum-retry-attempts", "2",
            "--bisect-batch-on-function-error", "--function-response-types", "ReportBatchItemFailures",
            "--filter-criteria", json.dumps({"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT"]})}]}))
    uuid = m["UUID"]
    assert m["BatchSize"] == 7 and m["MaximumRetryAttempts"] == 2 and m["BisectBatchOnFunctionError"]
    assert m["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert json.loads(m["FilterCriteria"]["Filters"][0]["Pattern"]) == {"eventName": ["INSERT"]}
    got = run("get-event-source-mapping", "--uuid", uuid)
    assert got["UUID"] == uuid and got["State"] == "Enabled" and got["EventSourceArn"] == arn
    listed = run("list-event-source-mappings", "--function-name", fn)["EventSourceMappings"]
    assert [x["UUID"] for x in listed] == [uuid]
    assert run("list-event-source-mappings", "--event-source-arn", arn)["EventSourceMappings"][0]["UUID"] == uuid
    up = run("update-event-source-mapping", "--uuid", uuid, "--batch-size", "3", "--no-enabled")
    assert up["BatchSize"] == 3
    assert run("get-event-source-mapping", "--uuid", uuid)["State"] == "Disabled"
    dup = run("create-event-source-mapping", "--function-name", fn, "--event-source-arn", arn,
              "--starting-position", "LATEST", check=False)
    assert dup.returncode != 0 and "ResourceConflictException" in dup.stderr
    missing = run("create-event-source-mapping", "--function-name", "nope-" + fn, "--event-source-arn", arn,
                  "--starting-position", "LATEST", check=False)
    assert "ResourceNotFoundException" in missing.stderr
    bad = run("create-event-source-mapping", "--function-name", fn, "--event-source-arn", arn + "x",
              "--starting-position", "LATEST", check=False)
    assert "InvalidParameterValueException" in bad.stderr
    assert run("delete-event-source-mapping", "--uuid", uuid)["State"] == "Deleting"
    gone = run("get-event-source-mapping", "--uuid", uuid, check=False)
    assert "ResourceNotFoundException" in gone.stderr


def test_mapping_validation(server, clients, handler):
    ddb, _, lam = clients
    name, arn = stream_table(ddb)
    fn = unique("fn")
    command_function(server.data_dir, fn, handler, "record")
    raw = make_client(lam.meta.endpoint_url, "lambda", validate=False)
    for kwargs in [{"BatchSize": 0}, {"BatchSize": 10001}, {"MaximumRetryAttempts": -2},
                   {"MaximumBatchingWindowInSeconds": 301}, {"ParallelizationFactor": 11},
                   {"FilterCriteria": {"Filters": [{"Pattern": "{not json"}]}},
                   {"FilterCriteria": {"Filters": [{"Pattern": '{"a":[{"nope":1}]}'}]}},
                   {"DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:1:q"}}}]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            raw.create_event_source_mapping(FunctionName=fn, EventSourceArn=arn, StartingPosition="LATEST", **kwargs)
        assert e.value.response["Error"]["Code"] == "InvalidParameterValueException", kwargs
    with pytest.raises(botocore.exceptions.ClientError) as e:
        raw.create_event_source_mapping(FunctionName=fn, EventSourceArn=arn, StartingPosition="AT_TIMESTAMP")
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_retries_exhausted_write_on_failure_and_the_shard_moves_on(server, clients, handler, failure_dest):
    ddb, _, lam = clients
    name, arn = stream_table(ddb)
    failing, ok = unique("fail"), unique("ok")
    command_function(server.data_dir, failing, handler, "fail")
    dest = failure_dest
    m = lam.create_event_source_mapping(FunctionName=failing, EventSourceArn=arn, StartingPosition="TRIM_HORIZON",
                                        BatchSize=10, MaximumRetryAttempts=2,
                                        DestinationConfig={"OnFailure": {"Destination": "file://%s" % dest}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "x"}})
    files = wait_for(lambda: list(dest.iterdir()), what="an OnFailure record")
    record = json.loads(files[0].read_text())
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["functionArn"].endswith(":function:" + failing)
    assert record["responseContext"]["functionError"] == "Unhandled"
    info = record["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1 and info["streamArn"] == arn
    assert info["startSequenceNumber"] == info["endSequenceNumber"]
    assert wait_for(lambda: "PROBLEM" in lam.get_event_source_mapping(UUID=m["UUID"])["LastProcessingResult"])
    # The shard moved on: switching the mapping to a working function delivers only what came after.
    command_function(server.data_dir, ok, handler, "record")
    lam.update_event_source_mapping(UUID=m["UUID"], FunctionName=ok)
    ddb.put_item(TableName=name, Item={"pk": {"S": "x"}, "v": {"N": "2"}})
    got = wait_for(lambda: logged(handler / "log.jsonl"), what="the next record")
    assert [e["record"]["eventName"] for e in got] == ["MODIFY"]


def test_bisect_isolates_a_poison_record(server, clients, handler, failure_dest):
    ddb, _, lam = clients
    name, arn = stream_table(ddb)
    fn = unique("fn")
    command_function(server.data_dir, fn, handler, "poison")
    dest = failure_dest
    lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=arn, StartingPosition="TRIM_HORIZON",
                                    BatchSize=8, MaximumRetryAttempts=0, BisectBatchOnFunctionError=True,
                                    DestinationConfig={"OnFailure": {"Destination": "file://%s" % dest}},
                                    Enabled=False)
    # All in one partition key, so one shard and one batch of 8.
    items = [{"pk": {"S": "same"}, "i": {"N": str(i)}} for i in range(8)]
    items[5]["poison"] = {"BOOL": True}
    for item in items:
        ddb.put_item(TableName=name, Item=item)
    uuid = lam.list_event_source_mappings(FunctionName=fn)["EventSourceMappings"][0]["UUID"]
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    files = wait_for(lambda: list(dest.iterdir()), what="the poison record's OnFailure record")
    info = json.loads(files[0].read_text())["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1
    got = wait_for(lambda: len(logged(handler / "log.jsonl")) >= 7 and logged(handler / "log.jsonl"),
                   what="the 7 good records")
    delivered = [int(e["record"]["dynamodb"]["NewImage"]["i"]["N"]) for e in got]
    assert delivered == [0, 1, 2, 3, 4, 6, 7]
    assert len(list(dest.iterdir())) == 1


def test_report_batch_item_failures_retries_from_the_failed_record(server, clients, handler):
    ddb, _, lam = clients
    name, arn = stream_table(ddb)
    fn = unique("fn")
    command_function(server.data_dir, fn, handler, "partial")
    m = lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=arn, StartingPosition="TRIM_HORIZON",
                                        BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"],
                                        Enabled=False)
    for i in range(12):
        ddb.put_item(TableName=name, Item={"pk": {"S": "p%d" % i}})
    lam.update_event_source_mapping(UUID=m["UUID"], Enabled=True)
    log = handler / "log.jsonl"
    pk = lambda e: e["record"]["dynamodb"]["Keys"]["pk"]["S"]
    seq = lambda e: int(e["record"]["dynamodb"]["SequenceNumber"])
    wait_for(lambda: sum(pk(e) == "p3" for e in logged(log)) == 2, what="p3 twice")
    wait_for(lambda: caught_up(server.data_dir, m["UUID"]), what="the mapping to reach the end")
    got = logged(log)
    # p3 failed once: the records of its batch before it came once, it and those after twice.
    first = next(e for e in got if pk(e) == "p3")
    batch = [e for e in got if e["invocation"] == first["invocation"]]
    count = lambda key: sum(pk(e) == key for e in got)
    for e in batch:
        assert count(pk(e)) == (2 if seq(e) >= seq(first) else 1), pk(e)
    assert {pk(e) for e in got} == {"p%d" % i for i in range(12)}


def test_filters_drop_records_that_do_not_match(server, clients, handler):
    ddb, _, lam = clients
    name, arn = stream_table(ddb)
    fn = unique("fn")
    command_function(server.data_dir, fn, handler, "record")
    pattern = {"eventName": ["MODIFY"], "dynamodb": {"NewImage": {
        "status": {"S": ["ACTIVE"]}, "qty": {"N": [{"numeric": [">", 10]}]}}}}
    other = {"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "vip-"}]}}}}
    uuid = lam.create_event_source_mapping(
        FunctionName=fn, EventSourceArn=arn, StartingPosition="TRIM_HORIZON",
        FilterCriteria={"Filters": [{"Pattern": json.dumps(pattern)},
                                                      {"Pattern": json.dumps(other)}]})["UUID"]
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "status": {"S": "ACTIVE"}, "qty": {"N": "5"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "status": {"S": "ACTIVE"}, "qty": {"N": "50"}})  # match
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "status": {"S": "DONE"}, "qty": {"N": "60"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "vip-1"}})  # match (second filter)
    ddb.put_item(TableName=name, Item={"pk": {"S": "b"}, "status": {"S": "ACTIVE"}, "qty": {"N": "50"}})  # INSERT
    ddb.put_item(TableName=name, Item={"pk": {"S": "last"}, "status": {"S": "x"}})
    wait_for(lambda: len(logged(handler / "log.jsonl")) >= 2, what="the two matching records")
    wait_for(lambda: caught_up(server.data_dir, uuid), what="the mapping to read past the rest")
    got = [(e["record"]["eventName"], e["record"]["dynamodb"]["Keys"]["pk"]["S"]) for e in logged(handler / "log.jsonl")]
    assert sorted(got) == [("INSERT", "vip-1"), ("MODIFY", "a")]


def test_a_hanging_handler_is_killed_after_its_timeout(server, clients, handler, failure_dest):
    ddb, _, lam = clients
    name, arn = stream_table(ddb)
    fn = unique("fn")
    command_function(server.data_dir, fn, handler, "sleep", timeout=1)
    dest = failure_dest
    start = time.time()
    lam.create_event_source_mapping(FunctionName=fn, EventSourceArn=arn, StartingPosition="TRIM_HORIZON",
                                    MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": "file://%s" % dest}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "z"}})
    wait_for(lambda: list(dest.iterdir()), timeout=15, what="the timed-out batch to be discarded")
    assert time.time() - start < 10


def test_functions_and_mappings_survive_a_restart(tmp_path, handler):
    data = str(tmp_path / "data")
    with Server(data_dir=data) as s:
        ddb, lam = make_client(s.url), make_client(s.url, "lambda")
        name, arn = stream_table(ddb)
        command_function(data, "keeper", handler, "record")
        uuid = lam.create_event_source_mapping(FunctionName="keeper", EventSourceArn=arn,
                                               StartingPosition="TRIM_HORIZON")["UUID"]
        ddb.put_item(TableName=name, Item={"pk": {"S": "before"}})
        wait_for(lambda: len(logged(handler / "log.jsonl")) == 1, what="the first record")
        # Delivery is at least once: stopped before its checkpoint, the record comes again.
        wait_for(lambda: caught_up(data, uuid), what="the checkpoint after the first record")
    with Server(data_dir=data) as s:
        ddb, lam = make_client(s.url), make_client(s.url, "lambda")
        assert [f["FunctionName"] for f in lam.list_functions()["Functions"]] == ["keeper"]
        assert lam.get_event_source_mapping(UUID=uuid)["EventSourceArn"] == arn
        ddb.put_item(TableName=name, Item={"pk": {"S": "after"}})
        got = wait_for(lambda: len(logged(handler / "log.jsonl")) >= 2 and logged(handler / "log.jsonl"),
                       what="the second record")
        assert [e["record"]["dynamodb"]["Keys"]["pk"]["S"] for e in got] == ["before", "after"]


def test_kill_9_under_load_loses_no_trigger(tmp_path, handler):
    """Every acknowledged write reaches the handler at least once, in order per item, across a
    kill -9 of the server in the middle of a write load with the trigger attached."""
    data = str(tmp_path / "data")
    s = Server(data_dir=data).start()
    ddb, lam = make_client(s.url), make_client(s.url, "lambda")
    name, arn = stream_table(ddb)
    command_function(data, "counter", handler, "record")
    lam.create_event_source_mapping(FunctionName="counter", EventSourceArn=arn, StartingPosition="TRIM_HORIZON",
                                    BatchSize=20)
    acked = {}  # pk -> last acknowledged value
    stop = threading.Event()

    def writer(w):
        client = make_client(s.url)
        v = 0
        while not stop.is_set():
            v += 1
            pk = "w%d-%d" % (w, v % 5)
            try:
                client.put_item(TableName=name, Item={"pk": {"S": pk}, "v": {"N": str(v)}})
            except Exception:
                return
            acked[(pk, v)] = True

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    s.proc.send_signal(signal.SIGKILL)
    s.proc.wait()
    stop.set()
    for t in threads:
        t.join()
    assert len(acked) > 50
    with Server(data_dir=data):
        def delivered():
            seen = {(e["record"]["dynamodb"]["Keys"]["pk"]["S"], int(e["record"]["dynamodb"]["NewImage"]["v"]["N"]))
                    for e in logged(handler / "log.jsonl")}
            return all(k in seen for k in acked)
        wait_for(delivered, timeout=60, what="every acknowledged write at the handler")
        # In order per item: the first delivery of each value comes in increasing order.
        first = {}
        for e in logged(handler / "log.jsonl"):
            pk = e["record"]["dynamodb"]["Keys"]["pk"]["S"]
            v = int(e["record"]["dynamodb"]["NewImage"]["v"]["N"])
            first.setdefault(pk, [])
            if v not in first[pk]:
                first[pk].append(v)
        for pk, values in first.items():
            assert values == sorted(values), pk


def test_invoke_through_the_lambda_api(server, clients, handler):
    _, _, lam = clients
    ok, failing = unique("inv"), unique("inv")
    command_function(server.data_dir, ok, handler, "record")
    command_function(server.data_dir, failing, handler, "fail")
    event = {"Records": [{"eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": "i"}}}}]}
    r = lam.invoke(FunctionName=ok, Payload=json.dumps(event))
    assert r["StatusCode"] == 200 and "FunctionError" not in r
    assert json.loads(r["Payload"].read()) == {"batchItemFailures": []}
    r = lam.invoke(FunctionName=failing, Payload=json.dumps(event))
    assert r["FunctionError"] == "Unhandled"
    assert "exit status 1" in json.loads(r["Payload"].read())["errorMessage"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.invoke(FunctionName="nope-" + ok, Payload=b"{}")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_cirrus_functions_cli(server, clients, handler):
    """`cirrus functions` works on the data directory, beside the running server, which picks
    up what it registers at once and records its mappings' state there for `list`."""
    ddb, _, lam = clients
    run = lambda *args: subprocess.run([cirrus_path(), "functions", *args, "--data-dir", server.data_dir],
                                       capture_output=True, text=True)
    name = unique("cli").replace("-", "_")
    p = run("create", name, "--command", "/usr/bin/python3 %s record %s" % (handler / "handler.py", handler / "log.jsonl"),
            "--timeout", "7", "--env", "STAGE=test")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "created %s\n" % name
    f = lam.get_function(FunctionName=name)["Configuration"]
    assert f["Timeout"] == 7 and f["FunctionArn"] == "arn:aws:lambda:%s:123456789012:function:%s" % (REGION, name)
    assert "python3" not in json.dumps(f)  # what it runs is not the API's to tell
    url_fn = name + "_url"
    assert run("create", url_fn, "--url", "http://127.0.0.1:9/2015-03-31/functions/function/invocations").returncode == 0
    dup = run("create", name, "--url", "http://127.0.0.1:9/")
    assert dup.returncode == 1 and "already exist" in dup.stderr
    both = run("create", name + "x", "--command", "true", "--url", "http://127.0.0.1:9/")
    assert both.returncode == 2
    neither = run("create", name + "x")
    assert neither.returncode == 2
    bad_url = run("create", name + "y", "--url", "ftp://example/")
    assert bad_url.returncode == 1 and "ftp" in bad_url.stderr
    bad_env = run("create", name + "z", "--command", "true", "--env", "NOVALUE")
    assert bad_env.returncode == 1 and "NAME=VALUE" in bad_env.stderr
    tname, arn = stream_table(ddb)
    lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn, StartingPosition="TRIM_HORIZON")
    ddb.put_item(TableName=tname, Item={"pk": {"S": "x"}})
    wait_for(lambda: logged(handler / "log.jsonl"), what="the record")
    wait_for(lambda: "OK" in run("list").stdout, what="the mapping's OK in cirrus functions list")
    listing = run("list").stdout
    assert name in listing and url_fn in listing and arn in listing and "Enabled" in listing
    assert "STAGE" in listing and "test" not in listing.split(name)[1].split("\n")[0].split("STAGE")[1]
    assert run("delete", url_fn).returncode == 0
    missing = run("delete", url_fn)
    assert missing.returncode == 1 and "not found" in missing.stderr.lower()
    assert url_fn not in run("list").stdout
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.get_function(FunctionName=url_fn)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    nowhere = subprocess.run([cirrus_path(), "functions", "list", "--data-dir", str(handler / "no-such-dir")],
                             capture_output=True, text=True)
    assert nowhere.returncode == 1 and "no CirrusDB data directory" in nowhere.stderr


def test_readme_trigger_walkthrough(tmp_path):
    """The README's "From table to handler with the AWS CLI", step by step: the AWS CLI makes
    the table and the mapping, `cirrus functions` registers the handler on the data
    directory, and a put reaches it; the OnFailure directory under DATA/failures is allowed."""
    data = tmp_path / "data"
    with Server(data_dir=str(data)) as s:
        env = dict(os.environ, AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local",
                   AWS_DEFAULT_REGION=REGION)
        aws = lambda *args: subprocess.run([AWS, "--endpoint-url", s.url, *args], env=env, capture_output=True,
                                           text=True, check=True).stdout
        aws("dynamodb", "create-table", "--table-name", "Orders", "--billing-mode", "PAY_PER_REQUEST",
            "--attribute-definitions", "AttributeName=id,AttributeType=S", "--key-schema",
            "AttributeName=id,KeyType=HASH", "--stream-specification",
            "StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES")
        arn = aws("dynamodb", "describe-table", "--table-name", "Orders", "--query", "Table.LatestStreamArn",
                  "--output", "text").strip()
        seen = tmp_path / "seen"
        (tmp_path / "handler.py").write_text(
            "import json, sys\n"
            "for r in json.load(sys.stdin)['Records']:\n"
            "    open(%r, 'a').write(r['eventName'] + ' ' + json.dumps(r['dynamodb']['Keys']) + '\\n')\n" % str(seen))
        created = subprocess.run([cirrus_path(), "functions", "create", "audit", "--data-dir", str(data),
                                  "--command", "python3 %s" % (tmp_path / "handler.py"), "--timeout", "10"],
                                 capture_output=True, text=True)
        assert created.returncode == 0, created.stderr
        aws("lambda", "create-event-source-mapping", "--function-name", "audit", "--event-source-arn", arn,
            "--starting-position", "TRIM_HORIZON", "--batch-size", "100", "--maximum-retry-attempts", "5",
            "--bisect-batch-on-function-error", "--destination-config",
            json.dumps({"OnFailure": {"Destination": "file://%s/failures/orders" % data}}))
        aws("dynamodb", "put-item", "--table-name", "Orders", "--item", '{"id":{"S":"o1"},"total":{"N":"20"}}')
        wait_for(lambda: seen.exists() and seen.read_text() == 'INSERT {"id": {"S": "o1"}}\n', what="the handler")
        listing = wait_for(lambda: "OK" in (out := subprocess.run(
            [cirrus_path(), "functions", "list", "--data-dir", str(data)], capture_output=True, text=True).stdout)
            and out, what="the listing")
        assert "audit" in listing and arn in listing
