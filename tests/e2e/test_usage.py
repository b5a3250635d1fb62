"""Metering: every request's units are counted by table and hour, asked for or not, kept in the
data directory, and `cirrus usage` reports them with their cost. For a workload, the units it
reports equal the sum of the ConsumedCapacity the responses reported."""

import json
import subprocess

import boto3
import pytest

from conftest import Server, cirrus_path, create_table, make_client, unique

TOTAL = {"ReturnConsumedCapacity": "TOTAL"}


def units_of(response, into, read):
    """Adds a response's ConsumedCapacity (one object or a list) to `into` by table."""
    cc = response.get("ConsumedCapacity")
    for c in (cc if isinstance(cc, list) else [cc] if cc else []):
        key = (c["TableName"], "read" if read else "write")
        into[key] = into.get(key, 0) + c["CapacityUnits"]


def usage(data_dir, *args):
    p = subprocess.run([cirrus_path(), "usage", "--data-dir", data_dir, *args], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_reported_units_equal_the_consumed_capacity_of_the_responses(tmp_path):
    data = str(tmp_path / "data")
    expected = {}
    stream_reads = 0
    with Server("--usage-flush-interval", "0.2", data_dir=data) as s:
        ddb = make_client(s.url)
        streams = make_client(s.url, "dynamodbstreams")
        a, b = unique("ua"), unique("ub")
        ddb.create_table(TableName=a, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                               {"AttributeName": "sk", "AttributeType": "N"},
                                               {"AttributeName": "g", "AttributeType": "S"}],
                         GlobalSecondaryIndexes=[{"IndexName": "by-g",
                                                  "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                                  "Projection": {"ProjectionType": "ALL"}}],
                         StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        ddb.get_waiter("table_exists").wait(TableName=a, WaiterConfig={"Delay": 1})
        create_table(ddb, b)
        for i in range(30):  # sizes from tiny to a few KB: the 1 KB and 4 KB rounding shows
            r = ddb.put_item(TableName=a, Item={"pk": {"S": "p%d" % (i % 3)}, "sk": {"N": str(i)}, "g": {"S": "g%d" % (i % 2)},
                                                "v": {"S": "x" * (i * 200)}}, **TOTAL)
            units_of(r, expected, False)
        units_of(ddb.update_item(TableName=a, Key={"pk": {"S": "p0"}, "sk": {"N": "0"}},
                                 UpdateExpression="SET n = :n", ExpressionAttributeValues={":n": {"N": "1"}}, **TOTAL),
                 expected, False)
        units_of(ddb.delete_item(TableName=a, Key={"pk": {"S": "p1"}, "sk": {"N": "1"}}, **TOTAL), expected, False)
        for consistent in (True, False):
            units_of(ddb.get_item(TableName=a, Key={"pk": {"S": "p2"}, "sk": {"N": "29"}}, ConsistentRead=consistent,
                                  **TOTAL), expected, True)
            units_of(ddb.query(TableName=a, KeyConditionExpression="pk = :p", ConsistentRead=consistent,
                               ExpressionAttributeValues={":p": {"S": "p0"}}, **TOTAL), expected, True)
            units_of(ddb.scan(TableName=a, ConsistentRead=consistent, **TOTAL), expected, True)
        units_of(ddb.query(TableName=a, IndexName="by-g", KeyConditionExpression="g = :g",
                           ExpressionAttributeValues={":g": {"S": "g1"}}, **TOTAL), expected, True)
        units_of(ddb.get_item(TableName=a, Key={"pk": {"S": "none"}, "sk": {"N": "0"}}, **TOTAL), expected, True)
        units_of(ddb.batch_write_item(RequestItems={b: [{"PutRequest": {"Item": {"pk": {"S": str(i)}}}} for i in range(5)]},
                                      **TOTAL), expected, False)
        units_of(ddb.batch_get_item(RequestItems={b: {"Keys": [{"pk": {"S": str(i)}} for i in range(3)]},
                                                  a: {"Keys": [{"pk": {"S": "p0"}, "sk": {"N": "3"}}]}}, **TOTAL),
                 expected, True)
        units_of(ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": b, "Item": {"pk": {"S": "t1"}, "v": {"S": "y" * 1500}}}},
            {"Update": {"TableName": a, "Key": {"pk": {"S": "p0"}, "sk": {"N": "3"}}, "UpdateExpression": "SET m = :m",
                        "ExpressionAttributeValues": {":m": {"N": "2"}}}}], **TOTAL), expected, False)
        units_of(ddb.transact_get_items(TransactItems=[{"Get": {"TableName": b, "Key": {"pk": {"S": "t1"}}}}], **TOTAL),
                 expected, True)
        units_of(ddb.execute_statement(Statement='SELECT * FROM "%s" WHERE pk = ?' % b, Parameters=[{"S": "2"}], **TOTAL),
                 expected, True)
        # Stream reads: one unit per GetRecords call.
        arn = ddb.describe_table(TableName=a)["Table"]["LatestStreamArn"]
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                            ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            streams.get_records(ShardIterator=it)
            stream_reads += 1
        assert s.stop() == 0  # the last units are written at exit

    rows = json.loads(usage(data, "--json"))
    got = {}
    for row in rows:
        assert set(row) >= {"TableName", "Hour", "ReadRequestUnits", "WriteRequestUnits", "StreamReadRequestUnits",
                            "StorageBytes", "EstimatedCostUSD"}
        for kind, field in (("read", "ReadRequestUnits"), ("write", "WriteRequestUnits")):
            got[(row["TableName"], kind)] = got.get((row["TableName"], kind), 0) + row[field]
    assert {k: v for k, v in got.items() if v} == expected
    assert sum(r["StreamReadRequestUnits"] for r in rows if r["TableName"] == a) == stream_reads
    assert all(r["StorageBytes"] > 0 for r in rows)
    assert all(r["EstimatedCostUSD"] > 0 for r in rows)


def test_a_failed_condition_is_billed_and_the_report_formats(tmp_path):
    data = str(tmp_path / "data")
    with Server("--usage-flush-interval", "0.2", data_dir=data) as s:
        ddb = make_client(s.url)
        name = unique("cond")
        create_table(ddb, name)
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"S": "x" * 2500}})  # 3 units
        with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
            ddb.put_item(TableName=name, Item={"pk": {"S": "a"}}, ConditionExpression="attribute_not_exists(pk)")
        assert s.stop() == 0
    rows = json.loads(usage(data, "--json", "--table", name))
    assert sum(r["WriteRequestUnits"] for r in rows) == 3 + 3  # the failed put: the 2.5 KB item it saw
    csv = usage(data, "--csv", "--daily")
    assert csv.splitlines()[0].startswith("Day,TableName,ReadRequestUnits,WriteRequestUnits,")
    text = usage(data)
    assert name in text and "total" in text
    chart = tmp_path / "units.svg"
    usage(data, "--chart", str(chart))
    assert chart.read_text().startswith("<svg") and "<polyline" in chart.read_text()
    prices = tmp_path / "prices.json"
    prices.write_text('{"WriteRequestUnit": 1}')  # a dollar a unit
    rows = json.loads(usage(data, "--json", "--table", name, "--prices", str(prices)))
    assert sum(r["EstimatedOnDemandCostUSD"] for r in rows) >= 6


def test_metering_can_be_turned_off(tmp_path):
    data = str(tmp_path / "data")
    with Server("--usage-flush-interval", "0", data_dir=data) as s:
        ddb = make_client(s.url)
        name = unique("off")
        create_table(ddb, name)
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
        assert s.stop() == 0
    assert json.loads(usage(data, "--json")) == []
