"""Per-credential accounts (--auth=sigv4): a credentials file's `account_id` puts a key in an
account of its own. Two accounts never see each other's tables, items, streams, functions,
mappings or backups, even under the same names; their ARNs carry their account; keys of one
account share it. The server's own account (--account-id) lives in DATA_DIR, another in
DATA_DIR/accounts/ID."""

import json
import os
import signal
import subprocess

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from conftest import REGION, Server, call_error, cirrus_path, create_table, register_function, unique, wait_for

HOME = "123456789012"   # the server's --account-id (the default)
OTHER = "111122223333"
ALICE = ("AKIDALICE", "alice-secret")  # HOME, no account_id line
BOB = ("AKIDBOB", "bob-secret")        # OTHER
CAROL = ("AKIDCAROL", "carol-secret")  # OTHER too
DAVE = ("AKIDDAVE", "dave-secret")     # OTHER, may only read orders
CREDENTIALS = """[alice]
aws_access_key_id = %s
aws_secret_access_key = %s

[bob]
aws_access_key_id = %s
aws_secret_access_key = %s
account_id = %s

[carol]
aws_access_key_id = %s
aws_secret_access_key = %s
account_id = %s

[dave]
aws_access_key_id = %s
aws_secret_access_key = %s
account_id = %s
policy_file = dave.json
""" % (ALICE + BOB + (OTHER,) + CAROL + (OTHER,) + DAVE + (OTHER,))
DAVE_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["dynamodb:GetItem", "lambda:InvokeFunction"],
     "Resource": ["arn:aws:dynamodb:%s:%s:table/orders" % (REGION, OTHER),
                  "arn:aws:lambda:%s:%s:function:echo" % (REGION, OTHER)]}]}


def client(url, key, service="dynamodb"):
    return boto3.client(service, endpoint_url=url, region_name=REGION, aws_access_key_id=key[0],
                        aws_secret_access_key=key[1], config=Config(retries={"max_attempts": 1}))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d = tmp_path_factory.mktemp("accounts")
    (d / "credentials").write_text(CREDENTIALS)
    (d / "dave.json").write_text(json.dumps(DAVE_POLICY))
    data = d / "data"
    with Server("--auth=sigv4", "--credentials", str(d / "credentials"), data_dir=str(data)) as s:
        s.credentials = d / "credentials"
        yield s


def test_same_table_name_in_two_accounts_holds_different_data(server):
    home, other, carol = client(server.url, ALICE), client(server.url, BOB), client(server.url, CAROL)
    create_table(home, "orders")
    create_table(other, "orders", pk=("id", "N"))  # another key schema: another table
    home.put_item(TableName="orders", Item={"pk": {"S": "a"}, "who": {"S": "home"}})
    other.put_item(TableName="orders", Item={"id": {"N": "1"}, "who": {"S": "other"}})
    assert home.get_item(TableName="orders", Key={"pk": {"S": "a"}})["Item"]["who"]["S"] == "home"
    # Keys of one account share its tables.
    assert carol.get_item(TableName="orders", Key={"id": {"N": "1"}})["Item"]["who"]["S"] == "other"
    assert call_error(other.get_item, TableName="orders", Key={"pk": {"S": "a"}})[0] == "ValidationException"
    assert home.describe_table(TableName="orders")["Table"]["TableArn"] == \
        "arn:aws:dynamodb:%s:%s:table/orders" % (REGION, HOME)
    assert other.describe_table(TableName="orders")["Table"]["TableArn"] == \
        "arn:aws:dynamodb:%s:%s:table/orders" % (REGION, OTHER)
    assert home.scan(TableName="orders")["Count"] == 1 and other.scan(TableName="orders")["Count"] == 1


def test_another_accounts_table_does_not_exist(server):
    home, other = client(server.url, ALICE), client(server.url, BOB)
    name = unique("private")
    create_table(home, name)
    home.put_item(TableName=name, Item={"pk": {"S": "secret"}})
    assert name in home.list_tables()["TableNames"]
    assert name not in other.list_tables()["TableNames"]
    key = {"pk": {"S": "secret"}}
    assert call_error(other.describe_table, TableName=name)[0] == "ResourceNotFoundException"
    assert call_error(other.get_item, TableName=name, Key=key)[0] == "ResourceNotFoundException"
    assert call_error(other.put_item, TableName=name, Item=key)[0] == "ResourceNotFoundException"
    assert call_error(other.batch_get_item, RequestItems={name: {"Keys": [key]}})[0] == "ResourceNotFoundException"
    assert call_error(other.transact_get_items,
                      TransactItems=[{"Get": {"TableName": name, "Key": key}}])[0] == "ResourceNotFoundException"
    assert call_error(other.transact_write_items, TransactItems=[
        {"Put": {"TableName": name, "Item": {"pk": {"S": "x"}}}}])[0] == "ResourceNotFoundException"
    code, _ = call_error(other.execute_statement, Statement='SELECT * FROM "%s"' % name)
    assert code == "ResourceNotFoundException"
    assert call_error(other.delete_table, TableName=name)[0] == "ResourceNotFoundException"
    # Its ARN, named by the other account, is not this account's either.
    arn = home.describe_table(TableName=name)["Table"]["TableArn"]
    code, _ = call_error(other.list_tags_of_resource, ResourceArn=arn)
    assert code in ("ValidationException", "AccessDeniedException", "ResourceNotFoundException")
    assert home.get_item(TableName=name, Key=key)["Item"] == key  # untouched


def test_a_table_arn_of_another_account_or_region_is_not_found(server):
    home, other = client(server.url, ALICE), client(server.url, BOB)
    name = unique("byarn")
    create_table(home, name)
    home.put_item(TableName=name, Item={"pk": {"S": "home"}})
    create_table(other, name)
    home_arn = home.describe_table(TableName=name)["Table"]["TableArn"]
    other_arn = other.describe_table(TableName=name)["Table"]["TableArn"]
    # Its own ARN works; the other account's ARN does not open the same-named table.
    assert other.get_item(TableName=other_arn, Key={"pk": {"S": "home"}}).get("Item") is None
    for arn in (home_arn, home_arn.replace(":us-east-1:", ":eu-west-1:")):
        assert call_error(other.get_item, TableName=arn, Key={"pk": {"S": "home"}})[0] == "ResourceNotFoundException"
        assert call_error(other.batch_get_item, RequestItems={arn: {"Keys": [{"pk": {"S": "home"}}]}})[0] == \
            "ResourceNotFoundException"
        assert call_error(other.transact_get_items, TransactItems=[
            {"Get": {"TableName": arn, "Key": {"pk": {"S": "home"}}}}])[0] == "ResourceNotFoundException"
    assert home.get_item(TableName=home_arn, Key={"pk": {"S": "home"}})["Item"] == {"pk": {"S": "home"}}


def test_streams_are_per_account(server):
    home, other = client(server.url, ALICE), client(server.url, BOB)
    home_streams, other_streams = client(server.url, ALICE, "dynamodbstreams"), client(server.url, BOB, "dynamodbstreams")
    name = unique("streamed")
    spec = {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    create_table(home, name, StreamSpecification=spec)
    create_table(other, name, StreamSpecification=spec)
    home.put_item(TableName=name, Item={"pk": {"S": "home-item"}})
    home_arn = home.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    other_arn = other.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    assert ":%s:table/%s/stream/" % (HOME, name) in home_arn
    assert ":%s:table/%s/stream/" % (OTHER, name) in other_arn
    assert {s["StreamArn"] for s in other_streams.list_streams()["Streams"]} >= {other_arn}
    assert home_arn not in {s["StreamArn"] for s in other_streams.list_streams(Limit=100)["Streams"]}
    assert call_error(other_streams.describe_stream, StreamArn=home_arn)[0] == "ResourceNotFoundException"
    shard = home_streams.describe_stream(StreamArn=home_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    assert call_error(other_streams.get_shard_iterator, StreamArn=home_arn, ShardId=shard,
                      ShardIteratorType="TRIM_HORIZON")[0] == "ResourceNotFoundException"
    # An iterator of the home stream is refused to the other account, which has a stream of
    # the same number in its own data.
    records = []
    for s in home_streams.describe_stream(StreamArn=home_arn)["StreamDescription"]["Shards"]:
        it = home_streams.get_shard_iterator(StreamArn=home_arn, ShardId=s["ShardId"],
                                             ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records += home_streams.get_records(ShardIterator=it)["Records"]
        assert call_error(other_streams.get_records, ShardIterator=it)[0] == "ResourceNotFoundException"
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["home-item"]


def test_functions_and_mappings_are_per_account(server, tmp_path):
    data = server.data_dir
    other_dir = os.path.join(data, "accounts", OTHER)
    assert os.path.isdir(other_dir)
    handler = tmp_path / "h.py"
    handler.write_text("import sys, json\nprint(json.dumps({'ok': True}))\n")
    register_function(data, "echo", command="/usr/bin/python3 %s" % handler)
    register_function(other_dir, "only-other", command="/usr/bin/python3 %s" % handler)
    home_lambda, other_lambda = client(server.url, ALICE, "lambda"), client(server.url, BOB, "lambda")
    assert [f["FunctionName"] for f in home_lambda.list_functions()["Functions"]] == ["echo"]
    assert [f["FunctionName"] for f in other_lambda.list_functions()["Functions"]] == ["only-other"]
    assert other_lambda.get_function(FunctionName="only-other")["Configuration"]["FunctionArn"] == \
        "arn:aws:lambda:%s:%s:function:only-other" % (REGION, OTHER)
    assert call_error(other_lambda.invoke, FunctionName="echo")[0] == "ResourceNotFoundException"
    home_fn_arn = home_lambda.get_function(FunctionName="echo")["Configuration"]["FunctionArn"]
    assert call_error(other_lambda.invoke, FunctionName=home_fn_arn)[0] == "ResourceNotFoundException"
    assert json.loads(home_lambda.invoke(FunctionName="echo")["Payload"].read()) == {"ok": True}

    # A mapping: only its account lists it; the other account cannot map its stream.
    home, other = client(server.url, ALICE), client(server.url, BOB)
    name = unique("mapped")
    create_table(home, name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    stream_arn = home.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    m = home_lambda.create_event_source_mapping(FunctionName="echo", EventSourceArn=stream_arn,
                                                StartingPosition="LATEST", Enabled=False)
    assert m["UUID"] in [x["UUID"] for x in home_lambda.list_event_source_mappings()["EventSourceMappings"]]
    assert m["UUID"] not in [x["UUID"] for x in other_lambda.list_event_source_mappings()["EventSourceMappings"]]
    assert call_error(other_lambda.get_event_source_mapping, UUID=m["UUID"])[0] == "ResourceNotFoundException"
    assert call_error(other_lambda.delete_event_source_mapping, UUID=m["UUID"])[0] == "ResourceNotFoundException"
    code, _ = call_error(other_lambda.create_event_source_mapping, FunctionName="only-other",
                         EventSourceArn=stream_arn, StartingPosition="LATEST")
    assert code in ("InvalidParameterValueException", "ResourceNotFoundException")
    home_lambda.delete_event_source_mapping(UUID=m["UUID"])


def test_backups_are_per_account(server):
    home, other = client(server.url, ALICE), client(server.url, BOB)
    name = unique("backed")
    create_table(home, name)
    arn = home.create_backup(TableName=name, BackupName="first")["BackupDetails"]["BackupArn"]
    assert ":%s:table/%s/backup/" % (HOME, name) in arn
    assert arn in [b["BackupArn"] for b in home.list_backups()["BackupSummaries"]]
    assert arn not in [b["BackupArn"] for b in other.list_backups()["BackupSummaries"]]
    assert call_error(other.describe_backup, BackupArn=arn)[0] == "BackupNotFoundException"
    assert call_error(other.delete_backup, BackupArn=arn)[0] == "BackupNotFoundException"


def test_policies_name_the_accounts_resources(server):
    other, dave = client(server.url, BOB), client(server.url, DAVE)
    # "orders" of OTHER exists (the first test made it, or make it here).
    if "orders" not in other.list_tables()["TableNames"]:
        create_table(other, "orders", pk=("id", "N"))
    other.put_item(TableName="orders", Item={"id": {"N": "7"}})
    assert dave.get_item(TableName="orders", Key={"id": {"N": "7"}})["Item"] == {"id": {"N": "7"}}
    code, message = call_error(dave.put_item, TableName="orders", Item={"id": {"N": "8"}})
    assert code == "AccessDeniedException"
    assert message.startswith("User: arn:aws:iam::%s:user/dave is not authorized to perform: dynamodb:PutItem "
                              "on resource: arn:aws:dynamodb:%s:%s:table/orders" % (OTHER, REGION, OTHER))
    # A TableName given as the ARN is checked as that ARN (not wrapped in another).
    arn = "arn:aws:dynamodb:%s:%s:table/orders" % (REGION, OTHER)
    assert dave.get_item(TableName=arn, Key={"id": {"N": "7"}})["Item"] == {"id": {"N": "7"}}
    code, message = call_error(dave.put_item, TableName=arn, Item={"id": {"N": "8"}})
    assert code == "AccessDeniedException" and "on resource: %s because" % arn in message
    # Lambda calls are checked on the function's ARN.
    dave_lambda = client(server.url, DAVE, "lambda")
    code, message = call_error(dave_lambda.get_function, FunctionName="only-other")
    assert code == "AccessDeniedException"
    assert "lambda:GetFunction on resource: arn:aws:lambda:%s:%s:function:only-other" % (REGION, OTHER) in message
    code, message = call_error(dave_lambda.invoke, FunctionName="only-other")
    assert code == "AccessDeniedException" and "function:only-other" in message


def test_a_reload_opens_a_new_account_and_a_restart_keeps_them(tmp_path):
    creds = tmp_path / "credentials"
    creds.write_text("[a]\naws_access_key_id = AKIDA\naws_secret_access_key = a\n")
    data = tmp_path / "data"
    with Server("--auth=sigv4", "--credentials", str(creds), data_dir=str(data)) as s:
        creds.write_text("[a]\naws_access_key_id = AKIDA\naws_secret_access_key = a\n"
                         "[e]\naws_access_key_id = AKIDE\naws_secret_access_key = e\naccount_id = 444455556666\n")
        os.kill(s.proc.pid, signal.SIGHUP)

        def accepted():
            try:
                return client(s.url, ("AKIDE", "e")).list_tables() is not None
            except botocore.exceptions.ClientError:
                return False
        wait_for(accepted, what="the new account's key to be accepted")
        create_table(client(s.url, ("AKIDE", "e")), "kept")
        assert (data / "accounts" / "444455556666").is_dir()
        assert s.stop() == 0
    with Server("--auth=sigv4", "--credentials", str(creds), data_dir=str(data)) as s:
        assert client(s.url, ("AKIDE", "e")).list_tables()["TableNames"] == ["kept"]
        assert client(s.url, ("AKIDA", "a")).list_tables()["TableNames"] == []
    # An offline tool reads the account's data directory directly.
    out = subprocess.run([cirrus_path(), "tables", "--data-dir", str(data / "accounts" / "444455556666")],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "kept" in out.stdout, out.stderr


def test_more_accounts_than_allowed_refuse_to_start(tmp_path):
    creds = tmp_path / "credentials"
    creds.write_text("".join("[p%d]\naws_access_key_id = AKID%d\naws_secret_access_key = s\naccount_id = %012d\n"
                             % (i, i, 100 + i) for i in range(3)))
    p = subprocess.run([Server().args[0], "--port", "0", "--in-memory", "--auth=sigv4", "--credentials", str(creds),
                        "--max-accounts", "3"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "--max-accounts is 3" in p.stderr, p.stderr


def test_metrics_are_the_operators_only(server):
    import urllib.request
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    def get(key):
        req = AWSRequest(method="GET", url=server.url + "/metrics", data=b"")
        SigV4Auth(Credentials(*key), "dynamodb", REGION).add_auth(req)
        try:
            with urllib.request.urlopen(urllib.request.Request(req.url, headers=dict(req.headers.items()))) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
    status, body = get(BOB)  # another account: the metrics name every account's tables
    assert status == 400 and "AccessDeniedException" in body and "cirrus:GetMetrics" in body
    status, body = get(ALICE)  # the server's own account
    assert status == 200 and "cirrus_requests_total" in body
