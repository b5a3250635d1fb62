"""Control plane: CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable.

Rules: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html and the other table operations,
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html, Programming.Errors.html.
"""
import datetime
import re

import pytest

from conftest import call_error, create_table, item_size, unique

ACCOUNT = "123456789012"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def key_schema(pk, sk=None):
    keys = [{"AttributeName": pk, "KeyType": "HASH"}]
    if sk:
        keys.append({"AttributeName": sk, "KeyType": "RANGE"})
    return keys


def definitions(*pairs):
    return [{"AttributeName": n, "AttributeType": t} for n, t in pairs]


# --- CreateTable and the TableDescription shape -------------------------------------------

def test_create_hash_only_on_demand_description(ddb):
    name = unique("ct")
    desc = ddb.create_table(TableName=name, KeySchema=key_schema("pk"),
                            AttributeDefinitions=definitions(("pk", "S")),
                            BillingMode="PAY_PER_REQUEST")["TableDescription"]
    try:
        assert desc["TableName"] == name
        assert desc["TableStatus"] in ("CREATING", "ACTIVE")
        assert desc["KeySchema"] == key_schema("pk")
        assert desc["AttributeDefinitions"] == definitions(("pk", "S"))
        assert desc["TableArn"] == "arn:aws:dynamodb:us-east-1:%s:table/%s" % (ACCOUNT, name)
        assert UUID.match(desc["TableId"])
        assert isinstance(desc["CreationDateTime"], datetime.datetime)
        assert desc["CreationDateTime"].year >= 2024
        # On-demand tables report 0/0 throughput and a BillingModeSummary.
        assert desc["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
        assert desc["ProvisionedThroughput"]["WriteCapacityUnits"] == 0
        assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        assert isinstance(desc["BillingModeSummary"]["LastUpdateToPayPerRequestDateTime"],
                          datetime.datetime)
        assert desc["ItemCount"] == 0 and desc["TableSizeBytes"] == 0

        ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
        table = ddb.describe_table(TableName=name)["Table"]
        assert table["TableStatus"] == "ACTIVE"
        assert table["TableId"] == desc["TableId"]
        assert table["TableArn"] == desc["TableArn"]
        assert table["CreationDateTime"] == desc["CreationDateTime"]
    finally:
        ddb.delete_table(TableName=name)


def test_create_hash_range_provisioned(ddb):
    name = unique("ct")
    desc = ddb.create_table(TableName=name, KeySchema=key_schema("pk", "sk"),
                            AttributeDefinitions=definitions(("pk", "S"), ("sk", "N")),
                            ProvisionedThroughput={"ReadCapacityUnits": 5,
                                                   "WriteCapacityUnits": 7})["TableDescription"]
    try:
        assert desc["KeySchema"] == key_schema("pk", "sk")
        assert sorted(desc["AttributeDefinitions"], key=lambda d: d["AttributeName"]) == \
            definitions(("pk", "S"), ("sk", "N"))
        assert desc["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
        assert desc["ProvisionedThroughput"]["WriteCapacityUnits"] == 7
        assert desc["ProvisionedThroughput"]["NumberOfDecreasesToday"] == 0
        # A provisioned table that never switched billing mode has no BillingModeSummary
        #.
        assert "BillingModeSummary" not in desc
        ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
        table = ddb.describe_table(TableName=name)["Table"]
        assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
        assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 7
    finally:
        ddb.delete_table(TableName=name)


def test_create_binary_and_number_keys(ddb, new_table):
    name = new_table(pk=("id", "N"), sk=("blob", "B"))
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["KeySchema"] == key_schema("id", "blob")
    assert {d["AttributeName"]: d["AttributeType"] for d in table["AttributeDefinitions"]} == \
        {"id": "N", "blob": "B"}


def test_item_count_and_size_exact_after_writes(ddb, new_table):
    """ItemCount/TableSizeBytes: AWS refreshes them every ~6 h; a local server may keep them
    exact. Size = names + values."""
    name = new_table()
    items = [
        {"pk": {"S": "a"}, "shirt-color": {"S": "R"}},
        {"pk": {"S": "b"}, "n": {"N": "123.4"}, "m": {"M": {"k": {"S": "v"}}},
         "l": {"L": [{"BOOL": True}, {"NULL": True}]}},
        {"pk": {"S": "c"}, "bin": {"B": b"\x00\x01\x02"}, "ss": {"SS": ["x", "yy"]}},
    ]
    for item in items:
        ddb.put_item(TableName=name, Item=item)
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["ItemCount"] == 3
    assert table["TableSizeBytes"] == sum(item_size(i) for i in items)

    # Overwrite shrinks, delete removes.
    ddb.put_item(TableName=name, Item={"pk": {"S": "b"}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "c"}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "never-existed"}})
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["ItemCount"] == 2
    assert table["TableSizeBytes"] == item_size(items[0]) + item_size({"pk": {"S": "b"}})


def test_waiters(ddb):
    name = unique("wait")
    ddb.create_table(TableName=name, KeySchema=key_schema("pk"),
                     AttributeDefinitions=definitions(("pk", "S")), BillingMode="PAY_PER_REQUEST")
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    assert ddb.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"
    ddb.delete_table(TableName=name)
    ddb.get_waiter("table_not_exists").wait(TableName=name,
                                            WaiterConfig={"Delay": 1, "MaxAttempts": 5})


def test_resource_table(resource, new_table):
    from decimal import Decimal
    name = new_table(sk=("sk", "N"))
    table = resource.Table(name)
    assert table.table_status == "ACTIVE"
    assert table.key_schema == key_schema("pk", "sk")
    assert table.item_count == 0
    table.put_item(Item={"pk": "a", "sk": Decimal("1.5"), "tags": {"x", "y"}, "doc": {"n": [1, "two"]}})
    item = table.get_item(Key={"pk": "a", "sk": Decimal("1.5")})["Item"]
    assert item == {"pk": "a", "sk": Decimal("1.5"), "tags": {"x", "y"},
                    "doc": {"n": [Decimal(1), "two"]}}
    table.delete_item(Key={"pk": "a", "sk": Decimal("1.5")})
    assert "Item" not in table.get_item(Key={"pk": "a", "sk": Decimal("1.5")})


def test_create_accepts_table_name_edge_characters(ddb, new_table):
    """Names: 3..255 chars of [a-zA-Z0-9_.-]."""
    name = new_table(name="A_." + unique("x-").replace("-", "_") + "-z")
    assert ddb.describe_table(TableName=name)["Table"]["TableName"] == name
    long_name = new_table(name=("L" + unique("")).ljust(255, "9"))
    assert len(long_name) == 255
    assert ddb.describe_table(TableName=long_name)["Table"]["TableName"] == long_name


def test_describe_by_arn(ddb, hash_table):
    """TableName may be a table ARN."""
    arn = "arn:aws:dynamodb:us-east-1:%s:table/%s" % (ACCOUNT, hash_table)
    assert ddb.describe_table(TableName=arn)["Table"]["TableName"] == hash_table


# --- DescribeTable / DeleteTable ------------------------------------------------------------

def test_describe_missing_table(ddb):
    name = unique("missing")
    code, message = call_error(ddb.describe_table, TableName=name)
    assert code == "ResourceNotFoundException"
    assert message == "Requested resource not found: Table: %s not found" % name


def test_delete_table_then_use_then_recreate(ddb):
    name = create_table(ddb, unique("del"), sk=("sk", "N"))
    for i in range(3):
        ddb.put_item(TableName=name, Item={"pk": {"S": "k"}, "sk": {"N": str(i)}})
    desc = ddb.delete_table(TableName=name)["TableDescription"]
    assert desc["TableName"] == name
    assert desc["TableStatus"] == "DELETING"
    # A reduced description (conformance fact T7).
    assert desc["ItemCount"] == 3 and desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert desc["ProvisionedThroughput"] == {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0,
                                             "WriteCapacityUnits": 0}
    for absent in ("CreationDateTime", "KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes"):
        assert absent not in desc
    ddb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1})

    assert call_error(ddb.get_item, TableName=name,
                      Key={"pk": {"S": "k"}, "sk": {"N": "0"}})[0] == "ResourceNotFoundException"
    assert call_error(ddb.put_item, TableName=name,
                      Item={"pk": {"S": "k"}, "sk": {"N": "9"}})[0] == "ResourceNotFoundException"
    code, message = call_error(ddb.delete_table, TableName=name)
    assert code == "ResourceNotFoundException"
    assert message == "Requested resource not found: Table: %s not found" % name
    assert name not in ddb.list_tables()["TableNames"]

    # Same name again: a brand-new, empty table.
    create_table(ddb, name, sk=("sk", "N"))
    try:
        table = ddb.describe_table(TableName=name)["Table"]
        assert table["ItemCount"] == 0 and table["TableSizeBytes"] == 0
        assert table["TableId"] != desc["TableId"]
        page = ddb.query(TableName=name, KeyConditionExpression="pk = :p",
                         ExpressionAttributeValues={":p": {"S": "k"}})
        assert page["Items"] == [] and page["Count"] == 0
        assert ddb.scan(TableName=name)["Items"] == []
    finally:
        ddb.delete_table(TableName=name)


def test_deletion_protection(ddb, raw):
    """DeletionProtectionEnabled blocks DeleteTable. boto3 1.26
    does not know the parameter, so the requests are hand-made."""
    name = unique("prot")
    r = raw("CreateTable", {"TableName": name, "KeySchema": key_schema("pk"),
                            "AttributeDefinitions": definitions(("pk", "S")),
                            "BillingMode": "PAY_PER_REQUEST", "DeletionProtectionEnabled": True})
    assert r.status == 200, r.body
    assert r.json()["TableDescription"]["DeletionProtectionEnabled"] is True
    try:
        code, message = call_error(ddb.delete_table, TableName=name)
        assert code == "ValidationException"
        assert message == ("Resource cannot be deleted as it is currently protected against "
                           "deletion. Disable deletion protection first.")
        assert raw("DescribeTable", {"TableName": name}).json()["Table"]["DeletionProtectionEnabled"]
    finally:
        r = raw("UpdateTable", {"TableName": name, "DeletionProtectionEnabled": False})
        assert r.status == 200, r.body
        assert r.json()["TableDescription"]["DeletionProtectionEnabled"] is False
    ddb.delete_table(TableName=name)
    assert call_error(ddb.describe_table, TableName=name)[0] == "ResourceNotFoundException"


# --- ListTables -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def listed_tables(ddb):
    prefix = unique("lst")
    names = [create_table(ddb, "%s-%d" % (prefix, i)) for i in (3, 0, 4, 1, 2)]
    yield sorted(names)
    for name in names:
        ddb.delete_table(TableName=name)


def test_list_tables_ascending_with_limit_pagination(ddb, listed_tables):
    seen = []
    kwargs = {"Limit": 2}
    while True:
        page = ddb.list_tables(**kwargs)
        assert len(page["TableNames"]) <= 2
        seen += page["TableNames"]
        if "LastEvaluatedTableName" not in page:
            break
        assert page["LastEvaluatedTableName"] == page["TableNames"][-1]
        kwargs["ExclusiveStartTableName"] = page["LastEvaluatedTableName"]
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen))
    assert [n for n in seen if n in listed_tables] == listed_tables


def test_list_tables_exclusive_start(ddb, listed_tables):
    page = ddb.list_tables(ExclusiveStartTableName=listed_tables[1], Limit=2)
    assert page["TableNames"] == listed_tables[2:4]
    assert page["LastEvaluatedTableName"] == listed_tables[3]


def test_list_tables_paginator(ddb, listed_tables):
    paginator = ddb.get_paginator("list_tables")
    names = []
    for page in paginator.paginate(PaginationConfig={"PageSize": 3}):
        assert len(page["TableNames"]) <= 3
        names += page["TableNames"]
    assert len(names) == len(set(names))
    assert names == sorted(names)
    for name in listed_tables:
        assert names.count(name) == 1
    # The paginator sees exactly what Limit-paging by hand sees.
    by_hand, kwargs = [], {"Limit": 7}
    while True:
        page = ddb.list_tables(**kwargs)
        by_hand += page["TableNames"]
        if "LastEvaluatedTableName" not in page:
            break
        kwargs["ExclusiveStartTableName"] = page["LastEvaluatedTableName"]
    assert names == by_hand


@pytest.mark.parametrize("limit", [0, 101])
def test_list_tables_limit_out_of_range(raw_ddb, limit):
    code, message = call_error(raw_ddb.list_tables, Limit=limit)
    assert code == "ValidationException"
    bound = "greater than or equal to 1" if limit == 0 else "less than or equal to 100"
    assert message == ("1 validation error detected: Value '%d' at 'limit' failed to satisfy "
                       "constraint: Member must have value %s" % (limit, bound))


# --- UpdateTable ----------------------------------------------------------------------------

def test_update_throughput_and_billing_mode(ddb, new_table):
    name = new_table(BillingMode="PROVISIONED",
                     ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    desc = ddb.update_table(TableName=name, ProvisionedThroughput={
        "ReadCapacityUnits": 10, "WriteCapacityUnits": 6})["TableDescription"]
    assert desc["ProvisionedThroughput"]["ReadCapacityUnits"] == 10
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 10
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 6
    assert "LastIncreaseDateTime" in table["ProvisionedThroughput"]

    # Decrease: counted in NumberOfDecreasesToday.
    ddb.update_table(TableName=name, ProvisionedThroughput={
        "ReadCapacityUnits": 2, "WriteCapacityUnits": 6})
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 2
    assert table["ProvisionedThroughput"]["NumberOfDecreasesToday"] == 1
    assert "LastDecreaseDateTime" in table["ProvisionedThroughput"]

    # PROVISIONED -> PAY_PER_REQUEST: throughput reads 0/0, summary says PAY_PER_REQUEST.
    ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert "LastUpdateToPayPerRequestDateTime" in table["BillingModeSummary"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 0

    # And back, with the throughput PROVISIONED requires.
    ddb.update_table(TableName=name, BillingMode="PROVISIONED",
                     ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4})
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 3
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 4


def test_update_table_keeps_items(ddb, new_table):
    name = new_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "keep"}})
    ddb.update_table(TableName=name, BillingMode="PROVISIONED",
                     ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "keep"}})["Item"] == {"pk": {"S": "keep"}}
    assert ddb.describe_table(TableName=name)["Table"]["ItemCount"] == 1


def test_update_same_throughput_will_not_change(ddb, new_table):
    name = new_table(BillingMode="PROVISIONED",
                     ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 7})
    code, message = call_error(ddb.update_table, TableName=name, ProvisionedThroughput={
        "ReadCapacityUnits": 5, "WriteCapacityUnits": 7})
    assert code == "ValidationException"
    assert message == (
        "The provisioned throughput for the table will not change. The requested value equals "
        "the current value. Current ReadCapacityUnits provisioned for the table: 5. Requested "
        "ReadCapacityUnits: 5. Current WriteCapacityUnits provisioned for the table: 7. "
        "Requested WriteCapacityUnits: 7. Refer to the Amazon DynamoDB Developer Guide for "
        "current limits and how to request higher limits.")
    # The same BillingMode is no change either (conformance fact T8).
    code, again = call_error(ddb.update_table, TableName=name, BillingMode="PROVISIONED",
                             ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 7})
    assert (code, again) == ("ValidationException", message)


def test_update_nothing(ddb, hash_table):
    code, message = call_error(ddb.update_table, TableName=hash_table)
    assert code == "ValidationException"
    assert message.startswith("At least one of ProvisionedThroughput, BillingMode, "
                              "UpdateStreamEnabled, GlobalSecondaryIndexUpdates or "
                              "SSESpecification")
    assert message.endswith("is required")


def test_update_to_provisioned_needs_throughput(ddb, new_table):
    name = new_table()
    code, _ = call_error(ddb.update_table, TableName=name, BillingMode="PROVISIONED")
    assert code == "ValidationException"


def test_update_missing_table(ddb):
    code, _ = call_error(ddb.update_table, TableName=unique("missing"),
                         BillingMode="PAY_PER_REQUEST")
    assert code == "ResourceNotFoundException"


# --- CreateTable validation -----------------------------------------------------------------

def create_error(raw_ddb, **overrides):
    request = dict(TableName=unique("bad"), KeySchema=key_schema("pk"),
                   AttributeDefinitions=definitions(("pk", "S")), BillingMode="PAY_PER_REQUEST")
    request.update(overrides)
    request = {k: v for k, v in request.items() if v is not None}
    code, message = call_error(raw_ddb.create_table, **request)
    assert request["TableName"] not in raw_ddb.list_tables(Limit=100)["TableNames"]
    return code, message


def test_table_name_too_short(raw_ddb):
    code, message = create_error(raw_ddb, TableName="ab")
    assert code == "ValidationException"
    assert message == ("1 validation error detected: Value 'ab' at 'tableName' failed to satisfy "
                       "constraint: Member must have length greater than or equal to 3")


def test_table_name_bad_characters(raw_ddb):
    code, message = create_error(raw_ddb, TableName="bad name!")
    assert code == "ValidationException"
    assert message == ("1 validation error detected: Value 'bad name!' at 'tableName' failed to "
                       "satisfy constraint: Member must satisfy regular expression pattern: "
                       "[a-zA-Z0-9_.-]+")


def test_table_name_too_long(raw_ddb):
    name = "x" * 256
    code, message = create_error(raw_ddb, TableName=name)
    assert code == "ValidationException"
    assert message == ("1 validation error detected: Value '%s' at 'tableName' failed to satisfy "
                       "constraint: Member must have length less than or equal to 255" % name)


def test_two_model_violations_listed_together(raw_ddb):
    """Model constraints are all reported, joined by '; '."""
    code, message = create_error(raw_ddb, TableName="ab", BillingMode="PROVISIONED",
                                 ProvisionedThroughput={"ReadCapacityUnits": 0,
                                                        "WriteCapacityUnits": 1})
    assert code == "ValidationException"
    assert message.startswith("2 validation errors detected: ")
    assert "Value 'ab' at 'tableName'" in message
    assert ("Value '0' at 'provisionedThroughput.readCapacityUnits' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1") in message


def test_first_key_not_hash(raw_ddb):
    code, message = create_error(raw_ddb, KeySchema=[{"AttributeName": "pk", "KeyType": "RANGE"}])
    assert code == "ValidationException"
    assert message == "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"


def test_same_hash_and_range_name(raw_ddb):
    # With one definition the service says this first, sic (conformance fact M5).
    code, message = create_error(raw_ddb, KeySchema=key_schema("pk", "pk"))
    assert (code, message) == ("ValidationException",
                               "Invalid KeySchema: Some index key attribute have no definition")
    code, message = create_error(raw_ddb, KeySchema=key_schema("pk", "pk"),
                                 AttributeDefinitions=definitions(("pk", "S"), ("x", "S")))
    assert code == "ValidationException"
    assert message == ("Both the Hash Key and the Range Key element in the KeySchema have the "
                       "same name")


def test_key_attribute_not_defined(raw_ddb):
    code, message = create_error(raw_ddb, KeySchema=key_schema("pk", "sk"))
    assert code == "ValidationException"
    assert message == ("One or more parameter values were invalid: Some index key attributes are "
                       "not defined in AttributeDefinitions. Keys: [pk, sk], "
                       "AttributeDefinitions: [pk]")


def test_unused_attribute_definition(raw_ddb):
    code, message = create_error(raw_ddb,
                                 AttributeDefinitions=definitions(("pk", "S"), ("extra", "N")))
    assert code == "ValidationException"
    assert message == ("One or more parameter values were invalid: Some AttributeDefinitions are "
                       "not used. AttributeDefinitions: [pk, extra], keys used: [pk]")


def test_key_attribute_type_must_be_scalar(raw_ddb):
    code, message = create_error(raw_ddb, AttributeDefinitions=definitions(("pk", "BOOL")))
    assert code == "ValidationException"
    assert message == ("1 validation error detected: Value 'BOOL' at "
                       "'attributeDefinitions.1.member.attributeType' failed to satisfy "
                       "constraint: Member must satisfy enum value set: [B, N, S]")


def test_provisioned_without_throughput(raw_ddb):
    code, message = create_error(raw_ddb, BillingMode="PROVISIONED")
    assert code == "ValidationException"
    assert message == ("One or more parameter values were invalid: ReadCapacityUnits and "
                       "WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")


def test_default_billing_mode_is_provisioned(raw_ddb):
    """BillingMode defaults to PROVISIONED, so throughput is then required."""
    code, message = create_error(raw_ddb, BillingMode=None)
    assert code == "ValidationException"
    assert "must both be specified when BillingMode is PROVISIONED" in message


def test_pay_per_request_with_throughput(raw_ddb):
    code, message = create_error(raw_ddb, ProvisionedThroughput={"ReadCapacityUnits": 1,
                                                                 "WriteCapacityUnits": 1})
    assert code == "ValidationException"
    assert message == ("One or more parameter values were invalid: Neither ReadCapacityUnits nor "
                       "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")


def test_read_capacity_zero(raw_ddb):
    code, message = create_error(raw_ddb, BillingMode="PROVISIONED", ProvisionedThroughput={
        "ReadCapacityUnits": 0, "WriteCapacityUnits": 1})
    assert code == "ValidationException"
    assert message == ("1 validation error detected: Value '0' at "
                       "'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: "
                       "Member must have value greater than or equal to 1")


def test_duplicate_table(ddb, hash_table):
    code, message = call_error(ddb.create_table, TableName=hash_table,
                               KeySchema=key_schema("pk"),
                               AttributeDefinitions=definitions(("pk", "S")),
                               BillingMode="PAY_PER_REQUEST")
    assert code == "ResourceInUseException"
    assert message == "Table already exists: %s" % hash_table
    # The original table is untouched.
    assert ddb.describe_table(TableName=hash_table)["Table"]["KeySchema"] == key_schema("pk")


def test_missing_required_members(raw):
    """Model constraint 'Member must not be null', lowerCamel paths."""
    r = raw("CreateTable", {"TableName": unique("bad")})
    assert r.status == 400
    assert r.error_type == "ValidationException"
    assert r.message.startswith("2 validation errors detected: ")
    assert ("Value null at 'attributeDefinitions' failed to satisfy constraint: Member must not "
            "be null") in r.message
    assert "Value null at 'keySchema' failed to satisfy constraint: Member must not be null" \
        in r.message
    # A missing TableName has CreateTable's own text (conformance fact M4).
    r = raw("CreateTable", {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]})
    assert (r.status, r.error_type) == (400, "ValidationException")
    assert r.message == "The parameter 'TableName' is required but was not present in the request"


def test_duplicated_attribute_definition_and_projection_without_type(raw_ddb):
    """Conformance facts T1 and T3 (exact texts of the service)."""
    code, message = call_error(
        raw_ddb.create_table, TableName=unique("dup"), BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "xyz", "AttributeType": "S"},
                              {"AttributeName": "xyz", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    assert (code, message) == ("ValidationException", "Attribute Name is duplicated: xyz")
    code, message = call_error(
        raw_ddb.create_table, TableName=unique("proj"), BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[{"IndexName": "byG", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {}}])
    assert (code, message) == ("ValidationException",
                               "One or more parameter values were invalid: Unknown ProjectionType: null")


def test_gsi_cannot_redefine_an_attribute_type(ddb):
    """Conformance fact T2 (exact text of the service)."""
    name = unique("redef")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "xyz", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     GlobalSecondaryIndexes=[{"IndexName": "byXyz",
                                              "KeySchema": [{"AttributeName": "xyz", "KeyType": "HASH"}],
                                              "Projection": {"ProjectionType": "ALL"}}])
    code, message = call_error(
        ddb.update_table, TableName=name,
        AttributeDefinitions=[{"AttributeName": "xyz", "AttributeType": "N"}],
        GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": "byXyzN", "KeySchema": [{"AttributeName": "xyz", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}}}])
    assert (code, message) == (
        "ValidationException",
        "One or more parameter values were invalid: Attributes cannot be redefined. Please check "
        "that your attribute has the same type as previously defined. Existing schema: "
        "Schema:[SchemaElement: key{xyz:S:HASH}] New schema: Schema:[SchemaElement: key{xyz:N:HASH}]")


def test_three_element_key_schema_is_printed_as_the_service_does(raw_ddb):
    """Conformance fact M6: the list rendered as Java's toString."""
    code, message = create_error(raw_ddb, KeySchema=[
        {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"},
        {"AttributeName": "extra", "KeyType": "RANGE"}])
    assert (code, message) == (
        "ValidationException",
        "1 validation error detected: Value '[KeySchemaElement(attributeName=pk, keyType=HASH), "
        "KeySchemaElement(attributeName=sk, keyType=RANGE), KeySchemaElement(attributeName=extra, "
        "keyType=RANGE)]' at 'keySchema' failed to satisfy constraint: Member must have length less "
        "than or equal to 2")
