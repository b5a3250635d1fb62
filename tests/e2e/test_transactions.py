"""TransactWriteItems and TransactGetItems.

Rules: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html,
API_TransactGetItems.html, and
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
(all or nothing, one reason per action, twice the capacity of plain reads and writes).
"""
import json
import subprocess
import threading

import botocore.exceptions
import pytest

from conftest import Server, call_error, cirrusd_path, create_table, make_client, unique

AWS = "/usr/bin/aws"


def s(v):
    return {"S": v}


def n(v):
    return {"N": str(v)}


def cancellation(fn, **kwargs):
    """Calls a transaction that must be cancelled; returns (message, reasons)."""
    with pytest.raises(botocore.exceptions.ClientError) as info:
        fn(**kwargs)
    error = info.value.response["Error"]
    assert error["Code"] == "TransactionCanceledException"
    return error["Message"], info.value.response["CancellationReasons"]


@pytest.fixture(scope="module")
def accounts(ddb):
    return create_table(ddb, unique("acct"))


@pytest.fixture(scope="module")
def ledger(ddb):
    return create_table(ddb, unique("ledger"), pk=("id", "S"), sk=("seq", "N"))


def test_all_actions_apply_together_across_tables(ddb, accounts, ledger):
    k = unique("k")
    ddb.put_item(TableName=accounts, Item={"pk": s(k + "-a"), "balance": n(100)})
    ddb.put_item(TableName=accounts, Item={"pk": s(k + "-gone")})
    ddb.put_item(TableName=accounts, Item={"pk": s(k + "-check"), "open": {"BOOL": True}})
    ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": accounts, "Key": {"pk": s(k + "-a")},
                    "UpdateExpression": "SET balance = balance - :x",
                    "ConditionExpression": "balance >= :x",
                    "ExpressionAttributeValues": {":x": n(30)}}},
        {"Put": {"TableName": ledger, "Item": {"id": s(k), "seq": n(1), "amount": n(30)},
                 "ConditionExpression": "attribute_not_exists(id)"}},
        {"Delete": {"TableName": accounts, "Key": {"pk": s(k + "-gone")}}},
        {"ConditionCheck": {"TableName": accounts, "Key": {"pk": s(k + "-check")},
                            "ConditionExpression": "#o = :t",
                            "ExpressionAttributeNames": {"#o": "open"},
                            "ExpressionAttributeValues": {":t": {"BOOL": True}}}},
    ])
    assert ddb.get_item(TableName=accounts, Key={"pk": s(k + "-a")})["Item"]["balance"] == n(70)
    assert ddb.get_item(TableName=ledger, Key={"id": s(k), "seq": n(1)})["Item"]["amount"] == n(30)
    assert "Item" not in ddb.get_item(TableName=accounts, Key={"pk": s(k + "-gone")})


def test_a_failed_condition_cancels_everything_with_a_reason_per_action(ddb, accounts, ledger):
    k = unique("k")
    ddb.put_item(TableName=accounts, Item={"pk": s(k), "balance": n(10)})
    message, reasons = cancellation(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": ledger, "Item": {"id": s(k), "seq": n(1)}}},
        {"Update": {"TableName": accounts, "Key": {"pk": s(k)},
                    "UpdateExpression": "SET balance = balance - :x",
                    "ConditionExpression": "balance >= :x",
                    "ExpressionAttributeValues": {":x": n(30)},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
        {"ConditionCheck": {"TableName": accounts, "Key": {"pk": s(k + "-missing")},
                            "ConditionExpression": "attribute_exists(pk)"}},
    ])
    assert message == ("Transaction cancelled, please refer cancellation reasons for specific "
                       "reasons [None, ConditionalCheckFailed, ConditionalCheckFailed]")
    assert reasons[0] == {"Code": "None"}
    assert reasons[1] == {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed",
                          "Item": {"pk": s(k), "balance": n(10)}}
    assert reasons[2] == {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
    # Nothing of it was applied.
    assert "Item" not in ddb.get_item(TableName=ledger, Key={"id": s(k), "seq": n(1)})
    assert ddb.get_item(TableName=accounts, Key={"pk": s(k)})["Item"]["balance"] == n(10)


def test_an_update_too_large_is_a_validation_error_reason(ddb, accounts):
    k = unique("k")
    ddb.put_item(TableName=accounts, Item={"pk": s(k), "blob": s("x" * 300000)})
    message, reasons = cancellation(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": accounts, "Item": {"pk": s(k + "-other")}}},
        {"Update": {"TableName": accounts, "Key": {"pk": s(k)},
                    "UpdateExpression": "SET more = :b", "ExpressionAttributeValues": {":b": s("y" * 200000)}}},
    ])
    assert message.endswith("[None, ValidationError]")
    assert reasons[1]["Code"] == "ValidationError"
    assert "maximum allowed size" in reasons[1]["Message"]
    assert "Item" not in ddb.get_item(TableName=accounts, Key={"pk": s(k + "-other")})


def test_request_validation(ddb, raw_ddb, accounts):
    k = unique("k")
    code, message = call_error(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": accounts, "Item": {"pk": s(k)}}},
        {"Delete": {"TableName": accounts, "Key": {"pk": s(k)}}}])
    assert (code, message) == ("ValidationException",
                               "Transaction request cannot include multiple operations on one item")
    code, message = call_error(raw_ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": accounts, "Item": {"pk": s(k + str(i))}}} for i in range(101)])
    assert code == "ValidationException"
    assert "Member must have length less than or equal to 100" in message
    code, message = call_error(raw_ddb.transact_write_items, TransactItems=[])
    assert code == "ValidationException"
    code, message = call_error(raw_ddb.transact_write_items, TransactItems=[
        {"ConditionCheck": {"TableName": accounts, "Key": {"pk": s(k)}}}])
    assert code == "ValidationException"
    assert "conditionExpression" in message and "must not be null" in message
    code, message = call_error(raw_ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": accounts, "Item": {"pk": s(k)}},
         "Delete": {"TableName": accounts, "Key": {"pk": s(k + "x")}}}])
    assert (code, message) == ("ValidationException",
                               "TransactItems can only contain one of Check, Put, Update or Delete")
    code, _ = call_error(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": unique("missing"), "Item": {"pk": s(k)}}}])
    assert code == "ResourceNotFoundException"
    code, _ = call_error(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": accounts, "Item": {"nokey": s(k)}}}])
    assert code == "ValidationException"
    code, _ = call_error(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": accounts, "Item": {"pk": s(k)},
                 "ConditionExpression": "attribute_exists(#missing)"}}])
    assert code == "ValidationException"  # an undefined #name


def test_consumed_capacity_is_twice_the_plain_cost_per_table(ddb, accounts, ledger):
    k = unique("k")
    got = ddb.transact_write_items(ReturnConsumedCapacity="TOTAL", TransactItems=[
        {"Put": {"TableName": accounts, "Item": {"pk": s(k + "-1")}}},
        {"Put": {"TableName": accounts, "Item": {"pk": s(k + "-2"), "big": s("x" * 1500)}}},
        {"Put": {"TableName": ledger, "Item": {"id": s(k), "seq": n(1)}}},
    ])
    by_table = {c["TableName"]: c["CapacityUnits"] for c in got["ConsumedCapacity"]}
    assert by_table == {accounts: 2.0 + 4.0, ledger: 2.0}
    got = ddb.transact_get_items(ReturnConsumedCapacity="TOTAL", TransactItems=[
        {"Get": {"TableName": accounts, "Key": {"pk": s(k + "-1")}}},
        {"Get": {"TableName": ledger, "Key": {"id": s(k), "seq": n(1)}}}])
    assert {c["TableName"]: c["CapacityUnits"] for c in got["ConsumedCapacity"]} == {accounts: 2.0, ledger: 2.0}


def test_transact_get_items_answers_in_order_from_one_snapshot(ddb, accounts, ledger):
    k = unique("k")
    ddb.put_item(TableName=accounts, Item={"pk": s(k), "balance": n(5), "name": s("ann")})
    ddb.put_item(TableName=ledger, Item={"id": s(k), "seq": n(2), "amount": n(1)})
    got = ddb.transact_get_items(TransactItems=[
        {"Get": {"TableName": ledger, "Key": {"id": s(k), "seq": n(2)}}},
        {"Get": {"TableName": accounts, "Key": {"pk": s(k + "-none")}}},
        {"Get": {"TableName": accounts, "Key": {"pk": s(k)}, "ProjectionExpression": "#n",
                 "ExpressionAttributeNames": {"#n": "name"}}},
    ])["Responses"]
    assert got == [{"Item": {"id": s(k), "seq": n(2), "amount": n(1)}}, {}, {"Item": {"name": s("ann")}}]
    code, message = call_error(ddb.transact_get_items, TransactItems=[
        {"Get": {"TableName": accounts, "Key": {"pk": s(k)}}},
        {"Get": {"TableName": accounts, "Key": {"pk": s(k)}}}])
    assert code == "ValidationException"
    code, _ = call_error(ddb.transact_get_items, TransactItems=[
        {"Get": {"TableName": unique("missing"), "Key": {"pk": s(k)}}}])
    assert code == "ResourceNotFoundException"


def test_concurrent_transfers_keep_the_total(endpoint, ddb):
    """16 clients move money between accounts in two tables; a transfer that would overdraw
    is cancelled. Whatever interleaving, the total stays what it was."""
    a, b = create_table(ddb, unique("ta")), create_table(ddb, unique("tb"))
    accounts = [(a, "a%d" % i) for i in range(5)] + [(b, "b%d" % i) for i in range(5)]
    for table, key in accounts:
        ddb.put_item(TableName=table, Item={"pk": s(key), "balance": n(1000)})
    outcomes = {"ok": 0, "cancelled": 0}
    lock = threading.Lock()

    def client(worker):
        c = make_client(endpoint)
        for i in range(625):  # 16 x 625 = 10,000 transfers
            src = accounts[(worker + i) % 10]
            dst = accounts[(worker * 3 + i * 7 + 1) % 10]
            if src == dst:
                dst = accounts[(accounts.index(src) + 1) % 10]
            amount = (worker + i) % 300 + 1
            try:
                c.transact_write_items(TransactItems=[
                    {"Update": {"TableName": src[0], "Key": {"pk": s(src[1])},
                                "UpdateExpression": "SET balance = balance - :x",
                                "ConditionExpression": "balance >= :x",
                                "ExpressionAttributeValues": {":x": n(amount)}}},
                    {"Update": {"TableName": dst[0], "Key": {"pk": s(dst[1])},
                                "UpdateExpression": "SET balance = balance + :x",
                                "ExpressionAttributeValues": {":x": n(amount)}}}])
                result = "ok"
            except botocore.exceptions.ClientError as e:
                assert e.response["Error"]["Code"] == "TransactionCanceledException"
                result = "cancelled"
            with lock:
                outcomes[result] += 1

    threads = [threading.Thread(target=client, args=(w,)) for w in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes["ok"] + outcomes["cancelled"] == 10000
    assert outcomes["ok"] > 0
    balances = [int(ddb.get_item(TableName=t, Key={"pk": s(k)}, ConsistentRead=True)["Item"]["balance"]["N"])
                for t, k in accounts]
    assert sum(balances) == 10 * 1000
    assert min(balances) >= 0


def test_streams_record_exactly_the_committed_changes(ddb, endpoint):
    streams = make_client(endpoint, "dynamodbstreams")
    name = unique("st")
    create_table(ddb, name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": name, "Item": {"pk": s("x"), "v": n(1)}}},
        {"Put": {"TableName": name, "Item": {"pk": s("y"), "v": n(1)}}}])
    cancellation(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": name, "Item": {"pk": s("z")}}},
        {"Update": {"TableName": name, "Key": {"pk": s("x")}, "UpdateExpression": "SET v = :two",
                    "ConditionExpression": "v = :two", "ExpressionAttributeValues": {":two": n(2)}}}])
    ddb.transact_write_items(TransactItems=[
        {"Delete": {"TableName": name, "Key": {"pk": s("y")}}},
        {"ConditionCheck": {"TableName": name, "Key": {"pk": s("x")}, "ConditionExpression": "v = :one",
                            "ExpressionAttributeValues": {":one": n(1)}}}])
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records += streams.get_records(ShardIterator=it)["Records"]
    records.sort(key=lambda r: int(r["dynamodb"]["SequenceNumber"]))
    got = [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records]
    assert sorted(got[:2]) == [("INSERT", "x"), ("INSERT", "y")]
    assert got[2:] == [("REMOVE", "y")]  # the cancelled one and the ConditionCheck left none


def test_aws_cli_transact_write_and_get(endpoint, accounts):
    k = unique("k")
    env = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_DEFAULT_REGION": "us-east-1",
           "PATH": "/usr/bin:/bin"}
    items = [{"Put": {"TableName": accounts, "Item": {"pk": s(k), "v": n(7)}}}]
    p = subprocess.run([AWS, "dynamodb", "transact-write-items", "--endpoint-url", endpoint,
                        "--transact-items", json.dumps(items)], capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    p = subprocess.run([AWS, "dynamodb", "transact-get-items", "--endpoint-url", endpoint, "--transact-items",
                        json.dumps([{"Get": {"TableName": accounts, "Key": {"pk": s(k)}}}])],
                       capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["Responses"] == [{"Item": {"pk": s(k), "v": n(7)}}]
    items[0]["Put"]["ConditionExpression"] = "attribute_not_exists(pk)"
    p = subprocess.run([AWS, "dynamodb", "transact-write-items", "--endpoint-url", endpoint,
                        "--transact-items", json.dumps(items)], capture_output=True, text=True, env=env)
    assert p.returncode != 0
    assert "TransactionCanceledException" in p.stderr and "[ConditionalCheckFailed]" in p.stderr


def test_the_conflict_switch_cancels_transactions_to_test_retries():
    with Server("--transaction-conflict-rate", "1") as server:
        c = make_client(server.url)
        name = unique("cf")
        create_table(c, name)
        message, reasons = cancellation(c.transact_write_items, TransactItems=[
            {"Put": {"TableName": name, "Item": {"pk": s("a")}}},
            {"Put": {"TableName": name, "Item": {"pk": s("b")}}}])
        assert message.endswith("[TransactionConflict, None]")
        assert reasons == [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"},
                           {"Code": "None"}]
        assert c.scan(TableName=name)["Count"] == 0  # nothing applied
        c.put_item(TableName=name, Item={"pk": s("plain")})  # plain writes are not affected
    p = subprocess.run([cirrusd_path(), "--in-memory", "--port", "0", "--transaction-conflict-rate", "2"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0
    assert "transaction-conflict-rate" in p.stderr


def test_the_conflict_switch_refuses_plain_writes_to_items_in_flight(tmp_path):
    """At --transaction-conflict-rate 0.5, while durable transactions keep an item in flight,
    some plain writes to it get TransactionConflictException and some TransactGetItems
    TransactionConflict; every transaction that was not cancelled applied."""
    with Server("--transaction-conflict-rate", "0.5", data_dir=str(tmp_path / "data")) as server:
        c = make_client(server.url)
        table = create_table(c, unique("race"))
        c.put_item(TableName=table, Item={"pk": s("hot"), "c": n(0)})
        stop = threading.Event()
        applied = []

        def transactions():
            mine = make_client(server.url)
            while not stop.is_set():
                try:
                    mine.transact_write_items(**add_one(table, "hot"))
                    applied.append(1)
                except botocore.exceptions.ClientError as e:
                    assert e.response["Error"]["Code"] == "TransactionCanceledException"

        threads = [threading.Thread(target=transactions) for _ in range(4)]
        for t in threads:
            t.start()
        seen = set()
        try:
            for _ in range(3000):
                try:
                    c.update_item(TableName=table, Key={"pk": s("hot")},
                                  UpdateExpression="SET touched = :t", ExpressionAttributeValues={":t": n(1)})
                except botocore.exceptions.ClientError as e:
                    assert e.response["Error"]["Code"] == "TransactionConflictException"
                    assert e.response["Error"]["Message"] == "Transaction is ongoing for the item"
                    seen.add("write")
                try:
                    c.transact_get_items(TransactItems=[{"Get": {"TableName": table, "Key": {"pk": s("hot")}}}])
                except botocore.exceptions.ClientError as e:
                    assert e.response["CancellationReasons"] == [
                        {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}]
                    seen.add("get")
                if seen == {"write", "get"}:
                    break
        finally:
            stop.set()
            for t in threads:
                t.join()
        assert seen == {"write", "get"}
        assert counter(c, table, "hot") == len(applied)


def add_one(table, k, token=None):
    """A transaction that adds 1 to the item's counter (not idempotent by itself)."""
    args = {"TransactItems": [{"Update": {"TableName": table, "Key": {"pk": s(k)},
                                          "UpdateExpression": "ADD c :one",
                                          "ExpressionAttributeValues": {":one": n(1)}}}]}
    if token:
        args["ClientRequestToken"] = token
    return args


def counter(c, table, k):
    return int(c.get_item(TableName=table, Key={"pk": s(k)}, ConsistentRead=True)["Item"]["c"]["N"])


def test_client_request_token_makes_retries_idempotent_across_a_restart(tmp_path):
    data_dir = str(tmp_path / "data")
    token = unique("tok")
    with Server(data_dir=data_dir) as server:
        c = make_client(server.url)
        table = create_table(c, unique("idem"))
        c.transact_write_items(**add_one(table, "k", token))
        # The same call again: success, applied once.
        again = c.transact_write_items(**add_one(table, "k", token), ReturnConsumedCapacity="TOTAL")
        assert counter(c, table, "k") == 1
        # A retry reports the reads of the items it names (twice a consistent read), not writes.
        assert again["ConsumedCapacity"] == [{"TableName": table, "CapacityUnits": 2.0,
                                              "ReadCapacityUnits": 2.0}]
        # The same token for another transaction: refused, nothing applied.
        with pytest.raises(botocore.exceptions.ClientError) as info:
            c.transact_write_items(**add_one(table, "other", token))
        assert info.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
        assert "Item" not in c.get_item(TableName=table, Key={"pk": s("other")})
        # Without a token of their own, boto3 gives each call a fresh one: both apply.
        c.transact_write_items(**add_one(table, "k"))
        c.transact_write_items(**add_one(table, "k"))
        assert counter(c, table, "k") == 3
    with Server(data_dir=data_dir) as server:  # a restart within the 10 minutes
        c = make_client(server.url)
        c.transact_write_items(**add_one(table, "k", token))
        assert counter(c, table, "k") == 3
        with pytest.raises(botocore.exceptions.ClientError) as info:
            c.transact_write_items(**add_one(table, "other", token))
        assert info.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
        c.transact_write_items(**add_one(table, "k", unique("tok")))
        assert counter(c, table, "k") == 4


def test_a_cancelled_transaction_does_not_use_up_its_token(ddb, accounts):
    k, token = unique("k"), unique("tok")
    guarded = add_one(accounts, k, token)
    guarded["TransactItems"][0]["Update"]["ConditionExpression"] = "attribute_exists(pk)"
    cancellation(ddb.transact_write_items, **guarded)
    ddb.put_item(TableName=accounts, Item={"pk": s(k), "c": n(0)})
    ddb.transact_write_items(**guarded)  # the retry runs: the first one changed nothing
    assert counter(ddb, accounts, k) == 1


def test_the_same_token_in_flight_is_refused_and_applies_once(tmp_path):
    # Eight clients send one token at once: whichever answers they get (the first's success,
    # its replays, TransactionInProgressException while it is still running; which one is up to
    # timing, and the unit tests pin down the refusal), the transaction applies once.
    with Server(data_dir=str(tmp_path / "data")) as server:
        c = make_client(server.url)
        table = create_table(c, unique("inflight"))
        c.put_item(TableName=table, Item={"pk": s("k"), "c": n(0)})
        for round in range(5):
            token = unique("tok")
            outcomes = []
            start = threading.Barrier(8)

            def send():
                mine = make_client(server.url)
                start.wait()
                try:
                    mine.transact_write_items(**add_one(table, "k", token))
                    outcomes.append("ok")
                except botocore.exceptions.ClientError as e:
                    outcomes.append(e.response["Error"]["Code"])

            threads = [threading.Thread(target=send) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert set(outcomes) <= {"ok", "TransactionInProgressException"}, outcomes
            assert outcomes.count("ok") >= 1
            assert counter(c, table, "k") == round + 1  # applied once whatever the answers


def test_item_collection_metrics_for_tables_with_local_indexes(ddb):
    table = unique("lsi")
    ddb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "x")],
        LocalSecondaryIndexes=[{"IndexName": "byx", "Projection": {"ProjectionType": "ALL"},
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "x", "KeyType": "RANGE"}]}])
    ddb.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1})
    out = ddb.transact_write_items(ReturnItemCollectionMetrics="SIZE", TransactItems=[
        {"Put": {"TableName": table, "Item": {"pk": s("a"), "sk": s("1"), "x": s("v")}}},
        {"Put": {"TableName": table, "Item": {"pk": s("b"), "sk": s("1")}}}])
    metrics = out["ItemCollectionMetrics"][table]
    assert sorted(m["ItemCollectionKey"]["pk"]["S"] for m in metrics) == ["a", "b"]
    assert all(len(m["SizeEstimateRangeGB"]) == 2 for m in metrics)
    plain = ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": {"pk": s("c"), "sk": s("1")}}}])
    assert "ItemCollectionMetrics" not in plain


def test_the_4_mb_aggregate_limit(ddb, accounts):
    k = unique("k")
    blob = "x" * 390000  # 11 of them are over 4 MB, 10 are not
    code, message = call_error(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": accounts, "Item": {"pk": s("%s-%d" % (k, i)), "b": s(blob)}}}
        for i in range(11)])
    assert (code, message) == ("ValidationException",
                               "Transaction size has exceeded the maximum allowed size of 4 MB")
    assert "Item" not in ddb.get_item(TableName=accounts, Key={"pk": s(k + "-0")})
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": accounts, "Item": {"pk": s("%s-%d" % (k, i)), "b": s(blob)}}}
        for i in range(10)])
    ddb.put_item(TableName=accounts, Item={"pk": s(k + "-10"), "b": s(blob)})
    gets = [{"Get": {"TableName": accounts, "Key": {"pk": s("%s-%d" % (k, i))}}} for i in range(11)]
    assert len(ddb.transact_get_items(TransactItems=gets[:10])["Responses"]) == 10
    message, reasons = cancellation(ddb.transact_get_items, TransactItems=gets)
    assert [r["Code"] for r in reasons] == ["None"] * 10 + ["ValidationError"]
    assert message.endswith("ValidationError]")


def test_electrodb_style_transfer(ddb, accounts):
    """The request ElectroDB's transaction.write sends for subtract/add with a condition
    (checked by hand with electrodb 3 and @aws-sdk/client-dynamodb): a parenthesized sum in
    SET, a token of the caller's choosing."""
    k = unique("k")
    ddb.put_item(TableName=accounts, Item={"pk": s(k + "-a"), "balance": n(100)})
    ddb.put_item(TableName=accounts, Item={"pk": s(k + "-b"), "balance": n(0)})

    def move(amount):
        return {"ClientRequestToken": k, "TransactItems": [
            {"Update": {"TableName": accounts, "Key": {"pk": s(k + "-a")},
                        "UpdateExpression": "SET #balance = (if_not_exists(#balance, :d) - :v)",
                        "ConditionExpression": "#balance >= :v",
                        "ExpressionAttributeNames": {"#balance": "balance"},
                        "ExpressionAttributeValues": {":v": n(amount), ":d": n(0)}}},
            {"Update": {"TableName": accounts, "Key": {"pk": s(k + "-b")},
                        "UpdateExpression": "SET #balance = (if_not_exists(#balance, :d) + :v)",
                        "ExpressionAttributeNames": {"#balance": "balance"},
                        "ExpressionAttributeValues": {":v": n(amount), ":d": n(0)}}}]}

    ddb.transact_write_items(**move(30))
    ddb.transact_write_items(**move(30))  # a retry
    got = ddb.transact_get_items(TransactItems=[
        {"Get": {"TableName": accounts, "Key": {"pk": s(k + x)}}} for x in ("-a", "-b")])
    assert [r["Item"]["balance"] for r in got["Responses"]] == [n(70), n(30)]
