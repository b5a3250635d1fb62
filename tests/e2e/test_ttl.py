"""Time to live: UpdateTimeToLive / DescribeTimeToLive, the background expirer
(--ttl-interval), and `cirrus expire` (one pass now, or as if at another time).

Rules: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html and
API_UpdateTimeToLive.html (the attribute is a Number of epoch seconds; other types and
dates more than five years past never expire; expired items are readable until deleted;
a deletion is a stream REMOVE whose userIdentity is the service)."""
import subprocess
import time

import botocore.exceptions
import pytest

from conftest import Server, call_error, cirrus_path, create_table, make_client, unique, wait_for

AWS = "/usr/bin/aws"
SERVICE = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}  # GetRecords' spelling


def s(v):
    return {"S": v}


def n(v):
    return {"N": str(v)}


def enable(c, table, attribute="exp"):
    return c.update_time_to_live(TableName=table, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": attribute})


def stream_records(server_url, arn):
    streams = make_client(server_url, service="dynamodbstreams")
    out = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        page = streams.get_records(ShardIterator=it)
        out += page["Records"]
    return out


def test_expired_items_go_from_the_table_its_index_and_stream_within_two_intervals(tmp_path):
    with Server("--ttl-interval", "0.5", data_dir=str(tmp_path / "data")) as server:
        c = make_client(server.url)
        table = unique("ttl")
        c.create_table(
            TableName=table, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "g", "AttributeType": "S"}],
            GlobalSecondaryIndexes=[{"IndexName": "byg", "Projection": {"ProjectionType": "ALL"},
                                     "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        c.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1})
        assert c.describe_time_to_live(TableName=table)["TimeToLiveDescription"] == {
            "TimeToLiveStatus": "DISABLED"}
        assert enable(c, table)["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": "exp"}
        assert c.describe_time_to_live(TableName=table)["TimeToLiveDescription"] == {
            "TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
        now = int(time.time())
        items = {
            "gone": n(now - 60),
            "fraction": {"N": "%d.25" % (now - 60)},
            "later": n(now + 3600),
            "text": s(str(now - 60)),
            "ancient": n(now - 6 * 365 * 24 * 3600),  # more than five years past: kept
        }
        for pk, exp in items.items():
            c.put_item(TableName=table, Item={"pk": s(pk), "g": s("all"), "exp": exp})
        c.put_item(TableName=table, Item={"pk": s("none"), "g": s("all")})
        start = time.monotonic()
        wait_for(lambda: c.scan(TableName=table)["Count"] == 4, timeout=10, what="two expired items gone")
        assert time.monotonic() - start < 2.5  # within two intervals (and some slack)
        assert sorted(i["pk"]["S"] for i in c.scan(TableName=table)["Items"]) == [
            "ancient", "later", "none", "text"]
        got = c.query(TableName=table, IndexName="byg", KeyConditionExpression="g = :a",
                      ExpressionAttributeValues={":a": s("all")})
        assert got["Count"] == 4
        assert c.describe_table(TableName=table)["Table"]["ItemCount"] == 4
        arn = c.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        removes = [r for r in stream_records(server.url, arn) if r["eventName"] == "REMOVE"]
        assert sorted(r["dynamodb"]["Keys"]["pk"]["S"] for r in removes) == ["fraction", "gone"]
        for r in removes:
            assert r["userIdentity"] == SERVICE
            assert r["dynamodb"]["OldImage"]["g"] == s("all")
        # A user's own delete names no service.
        c.delete_item(TableName=table, Key={"pk": s("none")})
        user = [r for r in stream_records(server.url, arn) if r["dynamodb"]["Keys"]["pk"]["S"] == "none"
                and r["eventName"] == "REMOVE"]
        assert len(user) == 1 and "userIdentity" not in user[0]


def test_update_time_to_live_rules(ddb):
    table = create_table(ddb, unique("ttlrules"))
    code, message = call_error(ddb.update_time_to_live, TableName=table, TimeToLiveSpecification={
        "Enabled": False, "AttributeName": "exp"})
    assert (code, message) == ("ValidationException", "TimeToLive is already disabled")
    enable(ddb, table)
    code, message = call_error(lambda: enable(ddb, table))
    assert (code, message) == ("ValidationException", "TimeToLive is already enabled")
    code, message = call_error(lambda: enable(ddb, table, "other"))
    assert (code, message) == ("ValidationException",
                               "TimeToLive is active on a different AttributeName: current AttributeName is exp")
    # DynamoDB allows about one change an hour (--ttl-cooldown, 3600 s by default).
    code, message = call_error(ddb.update_time_to_live, TableName=table, TimeToLiveSpecification={
        "Enabled": False, "AttributeName": "exp"})
    assert (code, message) == ("ValidationException",
                               "Time to live has been modified multiple times within a fixed interval")
    code, _ = call_error(ddb.describe_time_to_live, TableName=unique("missing"))
    assert code == "ResourceNotFoundException"
    raw = make_client(ddb.meta.endpoint_url, validate=False)
    code, message = call_error(raw.update_time_to_live, TableName=table,
                               TimeToLiveSpecification={"Enabled": True})
    assert code == "ValidationException" and "attributeName" in message


def test_disable_then_enable_again_with_no_cooldown():
    with Server("--ttl-cooldown", "0") as server:
        c = make_client(server.url)
        table = create_table(c, unique("ttl"))
        enable(c, table)
        c.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": False, "AttributeName": "exp"})
        assert c.describe_time_to_live(TableName=table)["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"
        enable(c, table, "other")
        assert c.describe_time_to_live(TableName=table)["TimeToLiveDescription"]["AttributeName"] == "other"


def test_cirrus_expire_runs_a_pass_now_as_if_at_another_time(tmp_path):
    data_dir = str(tmp_path / "data")
    with Server("--ttl-interval", "3600", data_dir=data_dir) as server:  # the server never gets to it
        c = make_client(server.url)
        table = create_table(c, unique("hook"))
        enable(c, table)
        now = int(time.time())
        c.put_item(TableName=table, Item={"pk": s("soon"), "exp": n(now + 1000)})
        c.put_item(TableName=table, Item={"pk": s("late"), "exp": n(now + 5000)})
        p = subprocess.run([cirrus_path(), "expire", "--data-dir", data_dir, "--now", str(now + 2000)],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        assert p.stdout.strip() == "expired 1 of 2 items read"
        assert [i["pk"]["S"] for i in c.scan(TableName=table)["Items"]] == ["late"]
        wait_for(lambda: c.describe_table(TableName=table)["Table"]["ItemCount"] == 1,
                 what="the server sees the tool's deletion")


def test_aws_cli_time_to_live(endpoint):
    c = make_client(endpoint)
    table = create_table(c, unique("ttlcli"))
    env = {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_DEFAULT_REGION": "us-east-1",
           "PATH": "/usr/bin:/bin"}
    p = subprocess.run([AWS, "dynamodb", "update-time-to-live", "--endpoint-url", endpoint, "--table-name", table,
                        "--time-to-live-specification", "Enabled=true,AttributeName=exp"],
                       capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    p = subprocess.run([AWS, "dynamodb", "describe-time-to-live", "--endpoint-url", endpoint, "--table-name", table,
                        "--output", "text"], capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["TIMETOLIVEDESCRIPTION", "exp", "ENABLED"]
