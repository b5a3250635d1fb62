"""BatchWriteItem and BatchGetItem.

Rules: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html and API_BatchGetItem.html (limits,
duplicates, missing tables, UnprocessedKeys/UnprocessedItems, capacity lists).
"""
from conftest import call_error, unique


def hkey(k):
    return {"pk": {"S": k}}


def rkey(k, n):
    return {"pk": {"S": k}, "sk": {"N": str(n)}}


def put(item):
    return {"PutRequest": {"Item": item}}


def delete(key):
    return {"DeleteRequest": {"Key": key}}


def by_pk(items):
    return sorted(items, key=lambda i: (i["pk"]["S"], i.get("sk", {}).get("N", "")))


def test_write_and_get_across_two_tables(ddb, hash_table, range_table, key):
    h = [dict(hkey("%s-%d" % (key, i)), v={"S": "h%d" % i}) for i in range(4)]
    r = [dict(rkey(key, i), v={"L": [{"N": str(i)}]}) for i in range(4)]
    response = ddb.batch_write_item(RequestItems={hash_table: [put(i) for i in h],
                                                  range_table: [put(i) for i in r]})
    assert response["UnprocessedItems"] == {}

    # Mixed puts and deletes in one call, on both tables.
    h_new = dict(hkey(key + "-new"), v={"BOOL": True})
    response = ddb.batch_write_item(RequestItems={
        hash_table: [delete(hkey(key + "-0")), delete(hkey(key + "-1")), put(h_new)],
        range_table: [delete(rkey(key, 3)), put(dict(rkey(key, 2), v={"S": "replaced"}))],
    })
    assert response["UnprocessedItems"] == {}

    response = ddb.batch_get_item(RequestItems={
        hash_table: {"Keys": [hkey("%s-%d" % (key, i)) for i in range(4)] + [hkey(key + "-new")]},
        range_table: {"Keys": [rkey(key, i) for i in range(4)], "ConsistentRead": True},
    })
    assert response["UnprocessedKeys"] == {}
    assert set(response["Responses"]) == {hash_table, range_table}
    assert by_pk(response["Responses"][hash_table]) == by_pk([h[2], h[3], h_new])
    assert by_pk(response["Responses"][range_table]) == by_pk(
        [r[0], r[1], dict(rkey(key, 2), v={"S": "replaced"})])


def test_batch_get_missing_keys_silently_absent(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item=hkey(key))
    response = ddb.batch_get_item(RequestItems={
        hash_table: {"Keys": [hkey(key), hkey(key + "-absent-1"), hkey(key + "-absent-2")]}})
    assert response["Responses"] == {hash_table: [hkey(key)]}
    assert response["UnprocessedKeys"] == {}

    response = ddb.batch_get_item(RequestItems={hash_table: {"Keys": [hkey(key + "-absent")]}})
    assert response["Responses"] == {hash_table: []}


def test_batch_write_25_ok_26_rejected(ddb, hash_table, key):
    keys = ["%s-%02d" % (key, i) for i in range(26)]
    response = ddb.batch_write_item(RequestItems={hash_table: [put(hkey(k)) for k in keys[:25]]})
    assert response["UnprocessedItems"] == {}
    got = ddb.batch_get_item(RequestItems={hash_table: {"Keys": [hkey(k) for k in keys]}})
    assert len(got["Responses"][hash_table]) == 25

    code, _ = call_error(ddb.batch_write_item,
                         RequestItems={hash_table: [delete(hkey(k)) for k in keys]})
    assert code == "ValidationException"
    # Nothing of the rejected batch happened.
    got = ddb.batch_get_item(RequestItems={hash_table: {"Keys": [hkey(k) for k in keys]}})
    assert len(got["Responses"][hash_table]) == 25


def test_batch_write_limit_counts_all_tables(ddb, hash_table, range_table, key):
    """At most 25 requests in total, over all tables."""
    ok = {hash_table: [put(hkey("%s-%d" % (key, i))) for i in range(12)],
          range_table: [put(rkey(key, i)) for i in range(13)]}
    assert ddb.batch_write_item(RequestItems=ok)["UnprocessedItems"] == {}
    too_many = {hash_table: [put(hkey("%s-x%d" % (key, i))) for i in range(13)],
                range_table: [put(rkey(key + "-x", i)) for i in range(13)]}
    assert call_error(ddb.batch_write_item, RequestItems=too_many) == (
        "ValidationException", "Too many items requested for the BatchWriteItem call")
    assert "Item" not in ddb.get_item(TableName=hash_table, Key=hkey(key + "-x0"))


def test_batch_get_100_ok_101_rejected(ddb, hash_table, range_table, key):
    """At most 100 keys in total."""
    ddb.put_item(TableName=hash_table, Item=hkey(key + "-0"))
    keys = [hkey("%s-%d" % (key, i)) for i in range(100)]
    response = ddb.batch_get_item(RequestItems={hash_table: {"Keys": keys}})
    assert response["Responses"][hash_table] == [hkey(key + "-0")]
    assert response["UnprocessedKeys"] == {}

    response = ddb.batch_get_item(RequestItems={
        hash_table: {"Keys": keys[:50]}, range_table: {"Keys": [rkey(key, i) for i in range(50)]}})
    assert response["UnprocessedKeys"] == {}

    assert call_error(ddb.batch_get_item, RequestItems={
        hash_table: {"Keys": keys[:50]},
        range_table: {"Keys": [rkey(key, i) for i in range(51)]}}) == (
        "ValidationException", "Too many items requested for the BatchGetItem call")


def test_batch_get_101_keys_in_one_table(raw_ddb, hash_table, key):
    code, message = call_error(raw_ddb.batch_get_item, RequestItems={
        hash_table: {"Keys": [hkey("%s-%d" % (key, i)) for i in range(101)]}})
    assert (code, message) == (  # conformance fact M2 (exact text of the service)
        "ValidationException",
        "1 validation error detected: Value at 'RequestItems.%s.member.Keys' failed to satisfy "
        "constraint: Member must have length less than or equal to 100" % hash_table)


def test_batch_write_26_requests_in_one_table_message(raw_ddb, hash_table, key):
    code, message = call_error(raw_ddb.batch_write_item, RequestItems={
        hash_table: [put(hkey("%s-%d" % (key, i))) for i in range(26)]})
    assert code == "ValidationException"  # conformance fact M3: the envelope is the service's
    assert message.startswith("1 validation error detected: Value '{%s=[" % hash_table), message
    assert message.endswith("]}' at 'requestItems' failed to satisfy constraint: Map value must satisfy "
                            "constraint: [Member must have length less than or equal to 25, Member must "
                            "have length greater than or equal to 1]"), message


def test_batch_get_duplicate_keys(ddb, hash_table, range_table, key):
    duplicate = "Provided list of item keys contains duplicates"
    assert call_error(ddb.batch_get_item, RequestItems={
        hash_table: {"Keys": [hkey(key), hkey(key)]}}) == ("ValidationException", duplicate)
    # Duplicates by numeric value: sk 1 and 1.0 are the same key.
    assert call_error(ddb.batch_get_item, RequestItems={
        range_table: {"Keys": [rkey(key, 1), {"pk": {"S": key}, "sk": {"N": "1.0"}}]}}) == \
        ("ValidationException", duplicate)


def test_batch_get_same_key_in_two_tables_is_not_a_duplicate(ddb, hash_table, new_table, key):
    other = new_table()
    ddb.put_item(TableName=hash_table, Item=dict(hkey(key), t={"S": "one"}))
    ddb.put_item(TableName=other, Item=dict(hkey(key), t={"S": "two"}))
    response = ddb.batch_get_item(RequestItems={hash_table: {"Keys": [hkey(key)]},
                                                other: {"Keys": [hkey(key)]}})
    assert response["Responses"] == {hash_table: [dict(hkey(key), t={"S": "one"})],
                                     other: [dict(hkey(key), t={"S": "two"})]}


def test_batch_write_duplicate_keys(ddb, hash_table, range_table, key):
    duplicate = ("ValidationException", "Provided list of item keys contains duplicates")
    assert call_error(ddb.batch_write_item, RequestItems={
        hash_table: [put(hkey(key)), put(dict(hkey(key), v={"S": "2"}))]}) == duplicate
    # A put and a delete of the same key are duplicates too.
    assert call_error(ddb.batch_write_item, RequestItems={
        range_table: [put(rkey(key, 5)), delete({"pk": {"S": key}, "sk": {"N": "5e0"}})]}) == \
        duplicate
    assert "Item" not in ddb.get_item(TableName=hash_table, Key=hkey(key))
    assert "Item" not in ddb.get_item(TableName=range_table, Key=rkey(key, 5))


def test_batch_get_missing_table_fails_whole_call(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item=hkey(key))
    assert call_error(ddb.batch_get_item, RequestItems={
        hash_table: {"Keys": [hkey(key)]}, unique("missing"): {"Keys": [hkey(key)]}}) == \
        ("ResourceNotFoundException", "Requested resource not found")


def test_batch_write_missing_table_fails_whole_call(ddb, hash_table, key):
    assert call_error(ddb.batch_write_item, RequestItems={
        hash_table: [put(hkey(key))], unique("missing"): [put(hkey(key))]}) == \
        ("ResourceNotFoundException", "Requested resource not found")
    assert "Item" not in ddb.get_item(TableName=hash_table, Key=hkey(key))


def test_batch_write_validates_every_item(ddb, range_table, key):
    """One bad request rejects the whole batch: wrong key, item too large."""
    code, message = call_error(ddb.batch_write_item, RequestItems={
        range_table: [put(rkey(key, 1)), put({"pk": {"S": key}})]})
    assert code == "ValidationException"
    assert message == "One or more parameter values were invalid: Missing the key sk in the item"
    code, message = call_error(ddb.batch_write_item, RequestItems={
        range_table: [put(rkey(key, 1)), delete({"pk": {"S": key}})]})
    assert (code, message) == ("ValidationException",
                               "The provided key element does not match the schema")
    code, message = call_error(ddb.batch_write_item, RequestItems={
        range_table: [put(rkey(key, 1)), put(dict(rkey(key, 2), big={"S": "x" * 410_000}))]})
    assert (code, message) == ("ValidationException",
                               "Item size has exceeded the maximum allowed size")
    assert "Item" not in ddb.get_item(TableName=range_table, Key=rkey(key, 1))


def test_write_request_with_both_put_and_delete(raw_ddb, hash_table, key):
    code, message = call_error(raw_ddb.batch_write_item, RequestItems={hash_table: [
        {"PutRequest": {"Item": hkey(key)}, "DeleteRequest": {"Key": hkey(key)}}]})
    assert code == "ValidationException"
    assert message == ("Supplied WriteRequest must contain exactly one of PutRequest or "
                       "DeleteRequest")


def test_empty_request_items(raw_ddb):
    assert call_error(raw_ddb.batch_write_item, RequestItems={})[0] == "ValidationException"
    assert call_error(raw_ddb.batch_get_item, RequestItems={})[0] == "ValidationException"


def test_consumed_capacity_lists(ddb, hash_table, range_table, key):
    """Batch operations return ConsumedCapacity as a list, one entry per table; units are
    per item, rounded up separately."""
    response = ddb.batch_write_item(RequestItems={
        hash_table: [put(hkey(key + "-a")), put(dict(hkey(key + "-b"), d={"S": "x" * 1500}))],
        range_table: [put(rkey(key, 1))]}, ReturnConsumedCapacity="TOTAL")
    assert isinstance(response["ConsumedCapacity"], list)
    units = {c["TableName"]: c["CapacityUnits"] for c in response["ConsumedCapacity"]}
    assert units == {hash_table: 3.0, range_table: 1.0}

    response = ddb.batch_get_item(RequestItems={
        hash_table: {"Keys": [hkey(key + "-a"), hkey(key + "-b"), hkey(key + "-missing")]},
        range_table: {"Keys": [rkey(key, 1)], "ConsistentRead": True}},
        ReturnConsumedCapacity="TOTAL")
    assert isinstance(response["ConsumedCapacity"], list)
    units = {c["TableName"]: c["CapacityUnits"] for c in response["ConsumedCapacity"]}
    # Eventually consistent: 0.5 per key (missing ones too); consistent: 1.
    assert units == {hash_table: 1.5, range_table: 1.0}


def test_batch_get_response_capped_at_16_mb(ddb, raw, hash_table, key):
    """BatchGetItem answers at most 16 MB; the keys left out come back in UnprocessedKeys."""
    keys = [hkey("%s-%02d" % (key, i)) for i in range(45)]
    for k in keys:  # 45 items of ~400 KB: about 18 MB
        ddb.put_item(TableName=hash_table, Item=dict(k, data={"S": "d" * 409_000}))
    r = raw("BatchGetItem", {"RequestItems": {hash_table: {"Keys": keys}}})
    assert r.status == 200
    body = r.json()
    returned = [{"pk": i["pk"]} for i in body["Responses"][hash_table]]
    unprocessed = body["UnprocessedKeys"][hash_table]["Keys"]
    assert unprocessed, "18 MB of items cannot fit one answer"
    assert len(r.body) <= 16 * 1024 * 1024, "response of %d bytes" % len(r.body)
    assert sorted(map(str, returned + unprocessed)) == sorted(map(str, keys))

    # Retrying the UnprocessedKeys yields the rest.
    rest = ddb.batch_get_item(RequestItems=body["UnprocessedKeys"])
    assert len(rest["Responses"][hash_table]) == len(unprocessed)


def test_resource_batch_writer(resource, ddb, range_table, key):
    from decimal import Decimal
    table = resource.Table(range_table)
    with table.batch_writer() as writer:
        for i in range(60):  # more than one BatchWriteItem's worth
            writer.put_item(Item={"pk": key, "sk": i, "payload": "p%d" % i, "tags": {"a", "b"}})
    with table.batch_writer() as writer:
        for i in range(0, 60, 3):
            writer.delete_item(Key={"pk": key, "sk": i})
    items = table.query(KeyConditionExpression="pk = :p",
                        ExpressionAttributeValues={":p": key})["Items"]
    assert [i["sk"] for i in items] == [Decimal(i) for i in range(60) if i % 3]
    assert items[0] == {"pk": key, "sk": Decimal(1), "payload": "p1", "tags": {"a", "b"}}


def test_resource_batch_writer_overwrite_by_pkeys(resource, range_table, key):
    from decimal import Decimal
    table = resource.Table(range_table)
    with table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as writer:
        writer.put_item(Item={"pk": key, "sk": 1, "v": "first"})
        writer.put_item(Item={"pk": key, "sk": 1, "v": "second"})
    assert table.get_item(Key={"pk": key, "sk": Decimal(1)})["Item"]["v"] == "second"


def test_empty_request_items_have_their_own_text(raw_ddb):
    """Conformance fact M1 (exact texts of the service)."""
    code, message = call_error(raw_ddb.batch_get_item, RequestItems={})
    assert (code, message) == ("ValidationException", "The requestItems parameter is required for BatchGetItem")
    code, message = call_error(raw_ddb.batch_write_item, RequestItems={})
    assert (code, message) == ("ValidationException", "The requestItems parameter is required for BatchWriteItem")
