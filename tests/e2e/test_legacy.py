"""The legacy (pre-expression) parameters: Expected and ConditionalOperator on PutItem,
DeleteItem and UpdateItem, AttributeUpdates, KeyConditions, QueryFilter, ScanFilter,
AttributesToGet, and the rule that a request may not mix them with expression parameters.

Rules: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/LegacyConditionalParameters.html (legacy parameters, mixing them
with expressions) and the operations' API reference pages.
botocore 1.29 still models every legacy member, so most requests go through the normal client;
raw_ddb is used where client-side validation would stop a deliberately bad request.
"""
import base64

import botocore.exceptions
import pytest

from conftest import call_error, unique

FAILED = "ConditionalCheckFailedException"
MIXED = "Can not use both expression and non-expression parameters in the same request: "


def S(v):
    return {"S": v}


def N(v):
    return {"N": str(v)}


def get(ddb, table, key, **kwargs):
    return ddb.get_item(TableName=table, Key=key, ConsistentRead=True, **kwargs).get("Item")


def passes(fn, **kwargs):
    """True if the conditional write went through, False on ConditionalCheckFailed."""
    try:
        fn(**kwargs)
        return True
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == FAILED, e.response["Error"]
        return False


def sorted_set(value):
    (kind, v), = value.items()
    return {kind: sorted(v)}


# --- Expected -------------------------------------------------------------------------------

def test_expected_value_form(ddb, hash_table, key):
    """{Value: v} (Exists defaults to true) means the attribute equals v."""
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "v": N(1)})
    assert not passes(ddb.put_item, TableName=hash_table, Item={"pk": S(key), "v": N(9)},
                      Expected={"v": {"Value": N(2)}})
    assert passes(ddb.put_item, TableName=hash_table, Item={"pk": S(key), "v": N(2)},
                  Expected={"v": {"Value": N("1.0")}})
    assert passes(ddb.put_item, TableName=hash_table, Item={"pk": S(key), "v": N(3)},
                  Expected={"v": {"Value": N(2), "Exists": True}})
    assert get(ddb, hash_table, {"pk": S(key)})["v"] == N(3)


def test_expected_exists_false_is_create_only(ddb, hash_table, key):
    item = {"pk": S(key), "v": S("first")}
    assert passes(ddb.put_item, TableName=hash_table, Item=item, Expected={"pk": {"Exists": False}})
    assert not passes(ddb.put_item, TableName=hash_table, Item={"pk": S(key)},
                      Expected={"pk": {"Exists": False}})
    assert get(ddb, hash_table, {"pk": S(key)}) == item


@pytest.fixture
def stored(ddb, hash_table, key):
    item = {"pk": S(key), "n": N(5), "s": S("hello"), "ss": {"SS": ["a", "b"]},
            "l": {"L": [S("x"), N(1)]}, "b": {"B": b"\x01\x02"}}
    ddb.put_item(TableName=hash_table, Item=item)
    return item


@pytest.mark.parametrize("attribute,operator,values,expected", [
    ("n", "EQ", [N(5)], True),
    ("n", "EQ", [S("5")], False),
    ("n", "NE", [N(5)], False),
    ("n", "NE", [N(6)], True),
    ("n", "LT", [N(6)], True),
    ("n", "LT", [N(5)], False),
    ("n", "LE", [N(5)], True),
    ("n", "GT", [N(4)], True),
    ("n", "GT", [N(5)], False),
    ("n", "GE", [N(5)], True),
    ("s", "GT", [S("a")], True),
    ("n", "GT", [S("1")], False),              # type mismatch: false
    ("n", "BETWEEN", [N(1), N(5)], True),
    ("n", "BETWEEN", [N(6), N(9)], False),
    ("s", "BETWEEN", [S("a"), S("z")], True),
    ("n", "IN", [N(1), N(5)], True),
    ("n", "IN", [N(1), N(2)], False),
    ("s", "IN", [S("hello")], True),
    ("s", "BEGINS_WITH", [S("he")], True),
    ("s", "BEGINS_WITH", [S("lo")], False),
    ("b", "BEGINS_WITH", [{"B": b"\x01"}], True),
    ("s", "CONTAINS", [S("ell")], True),
    ("ss", "CONTAINS", [S("a")], True),
    ("ss", "CONTAINS", [S("c")], False),
    ("l", "CONTAINS", [S("x")], True),
    ("s", "NOT_CONTAINS", [S("xyz")], True),
    ("ss", "NOT_CONTAINS", [S("a")], False),
    ("absent", "NOT_CONTAINS", [S("a")], False),   # false on a missing attribute (fact L4)
    ("n", "NOT_NULL", [], True),
    ("absent", "NOT_NULL", [], False),
    ("absent", "NULL", [], True),
    ("n", "NULL", [], False),
    ("absent", "EQ", [N(5)], False),
    ("absent", "LT", [N(5)], False),
    ("ss", "EQ", [{"SS": ["b", "a"]}], True),
])
@pytest.mark.parametrize("operation", ["put", "update", "delete"])
def test_expected_comparison_operators(ddb, hash_table, stored, attribute, operator, values,
                                       expected, operation):
    """Expected with ComparisonOperator + AttributeValueList on all three write operations."""
    expected_param = {attribute: {"ComparisonOperator": operator, "AttributeValueList": values}}
    if not values:
        del expected_param[attribute]["AttributeValueList"]
    key = {"pk": stored["pk"]}
    if operation == "put":
        ok = passes(ddb.put_item, TableName=hash_table, Item=dict(stored, done=S("y")),
                    Expected=expected_param)
    elif operation == "update":
        ok = passes(ddb.update_item, TableName=hash_table, Key=key,
                    AttributeUpdates={"done": {"Value": S("y"), "Action": "PUT"}},
                    Expected=expected_param)
    else:
        ok = passes(ddb.delete_item, TableName=hash_table, Key=key, Expected=expected_param)
    assert ok is expected
    item = get(ddb, hash_table, key)
    if operation == "delete":
        assert (item is None) is expected
    else:
        assert ("done" in item) is expected


@pytest.mark.parametrize("conditional_operator,expected",
                         [("AND", False), ("OR", True), (None, False)])
def test_expected_conditional_operator(ddb, hash_table, stored, conditional_operator, expected):
    kwargs = {"ConditionalOperator": conditional_operator} if conditional_operator else {}
    ok = passes(ddb.put_item, TableName=hash_table, Item=dict(stored, done=S("y")),
                Expected={"n": {"ComparisonOperator": "EQ", "AttributeValueList": [N(5)]},
                          "s": {"ComparisonOperator": "EQ", "AttributeValueList": [S("nope")]}},
                **kwargs)
    assert ok is expected


def test_expected_on_missing_item(ddb, hash_table, key):
    assert not passes(ddb.delete_item, TableName=hash_table, Key={"pk": S(key)},
                      Expected={"pk": {"ComparisonOperator": "NOT_NULL"}})
    assert not passes(ddb.update_item, TableName=hash_table, Key={"pk": S(key)},
                      Expected={"v": {"Value": N(1)}},
                      AttributeUpdates={"v": {"Value": N(2), "Action": "PUT"}})
    assert get(ddb, hash_table, {"pk": S(key)}) is None
    assert passes(ddb.update_item, TableName=hash_table, Key={"pk": S(key)},
                  Expected={"v": {"Exists": False}},
                  AttributeUpdates={"v": {"Value": N(2), "Action": "PUT"}})
    assert get(ddb, hash_table, {"pk": S(key)}) == {"pk": S(key), "v": N(2)}


def test_expected_failure_returns_all_old_item(raw, ddb, hash_table, stored):
    response = raw("PutItem", {"TableName": hash_table, "Item": {"pk": stored["pk"]},
                               "Expected": {"n": {"Value": N(6)}},
                               "ReturnValuesOnConditionCheckFailure": "ALL_OLD"})
    assert response.status == 400 and response.error_type == FAILED
    body = response.json()
    body["Item"]["ss"] = sorted_set(body["Item"]["ss"])
    # Raw JSON: binary values stay base64 text.
    assert body["Item"] == dict(stored, ss=sorted_set(stored["ss"]),
                                b={"B": base64.b64encode(stored["b"]["B"]).decode()})


@pytest.mark.parametrize("expected,message", [
    ({"a": {"Exists": True}},
     "One or more parameter values were invalid: Value must be provided when Exists is true for "
     "Attribute: a"),
    ({"a": {"Exists": False, "Value": S("x")}},
     "One or more parameter values were invalid: Value cannot be used when Exists is false for "
     "Attribute: a"),
    ({"a": {"ComparisonOperator": "EQ"}},
     "One or more parameter values were invalid: Invalid number of argument(s) for the EQ "
     "ComparisonOperator"),
    ({"a": {"ComparisonOperator": "NULL", "AttributeValueList": [S("x")]}},
     "One or more parameter values were invalid: Invalid number of argument(s) for the NULL "
     "ComparisonOperator"),
    ({"a": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [N(1)]}},
     "One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN "
     "ComparisonOperator"),
    ({"a": {"ComparisonOperator": "GT", "AttributeValueList": [{"SS": ["a"]}]}},
     "One or more parameter values were invalid: ComparisonOperator GT is not valid for SS "
     "AttributeValue type"),
    ({"a": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [N(1)]}},
     "One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid for N "
     "AttributeValue type"),
    # Conformance fact L3 (probable text).
    ({"a": {"ComparisonOperator": "IN", "AttributeValueList": [N(3), S("dog")]}},
     "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be "
     "of same type"),
])
def test_expected_validation(raw_ddb, hash_table, key, expected, message):
    code, got = call_error(raw_ddb.put_item, TableName=hash_table, Item={"pk": S(key)},
                           Expected=expected)
    assert (code, got) == ("ValidationException", message)
    assert get(raw_ddb, hash_table, {"pk": S(key)}) is None


# --- AttributeUpdates -----------------------------------------------------------------------

def test_attribute_updates_put_and_delete(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "old": S("x"), "keep": S("k")})
    response = ddb.update_item(
        TableName=hash_table, Key={"pk": S(key)},
        AttributeUpdates={"a": {"Value": S("A"), "Action": "PUT"},
                          "m": {"Value": {"M": {"x": N(1)}}},          # Action defaults to PUT
                          "old": {"Action": "DELETE"},
                          "never": {"Action": "DELETE"}},
        ReturnValues="ALL_NEW")
    expected = {"pk": S(key), "a": S("A"), "m": {"M": {"x": N(1)}}, "keep": S("k")}
    assert response["Attributes"] == expected
    assert get(ddb, hash_table, {"pk": S(key)}) == expected


def test_attribute_updates_add_numbers(ddb, hash_table, key):
    """ADD to a missing number starts from 0."""
    for delta in ("5", "-1.5", "0.25"):
        ddb.update_item(TableName=hash_table, Key={"pk": S(key)},
                        AttributeUpdates={"n": {"Value": N(delta), "Action": "ADD"}})
    assert get(ddb, hash_table, {"pk": S(key)}) == {"pk": S(key), "n": N("3.75")}


def test_attribute_updates_sets(ddb, hash_table, key):
    ddb.update_item(TableName=hash_table, Key={"pk": S(key)},
                    AttributeUpdates={"ss": {"Value": {"SS": ["a", "b"]}, "Action": "ADD"},
                                      "ns": {"Value": {"NS": ["1"]}, "Action": "ADD"}})
    response = ddb.update_item(TableName=hash_table, Key={"pk": S(key)},
                               AttributeUpdates={
                                   "ss": {"Value": {"SS": ["b", "c"]}, "Action": "ADD"},
                                   "ns": {"Value": {"NS": ["2"]}, "Action": "ADD"}},
                               ReturnValues="UPDATED_NEW")
    assert sorted_set(response["Attributes"]["ss"]) == {"SS": ["a", "b", "c"]}
    assert sorted_set(response["Attributes"]["ns"]) == {"NS": ["1", "2"]}
    ddb.update_item(TableName=hash_table, Key={"pk": S(key)},
                    AttributeUpdates={"ss": {"Value": {"SS": ["a", "z"]}, "Action": "DELETE"},
                                      "ns": {"Value": {"NS": ["1", "2"]}, "Action": "DELETE"}})
    item = get(ddb, hash_table, {"pk": S(key)})
    assert sorted_set(item["ss"]) == {"SS": ["b", "c"]}
    assert "ns" not in item          # emptied set removed


def test_attribute_updates_add_appends_to_list(ddb, hash_table, key):
    ddb.update_item(TableName=hash_table, Key={"pk": S(key)},
                    AttributeUpdates={"l": {"Value": {"L": [S("a")]}, "Action": "ADD"}})
    ddb.update_item(TableName=hash_table, Key={"pk": S(key)},
                    AttributeUpdates={"l": {"Value": {"L": [S("b"), N(1)]}, "Action": "ADD"}})
    assert get(ddb, hash_table, {"pk": S(key)})["l"] == {"L": [S("a"), S("b"), N(1)]}


def test_attribute_updates_return_values(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "a": N(1), "b": S("x"), "c": S("c")})
    response = ddb.update_item(TableName=hash_table, Key={"pk": S(key)},
                               AttributeUpdates={"a": {"Value": N(1), "Action": "ADD"},
                                                 "b": {"Action": "DELETE"}},
                               ReturnValues="UPDATED_OLD")
    assert response["Attributes"] == {"a": N(1), "b": S("x")}
    response = ddb.update_item(TableName=hash_table, Key={"pk": S(key)},
                               AttributeUpdates={"a": {"Value": N(1), "Action": "ADD"}},
                               ReturnValues="UPDATED_NEW")
    assert response["Attributes"] == {"a": N(3)}


def test_attribute_updates_with_expected(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "version": N(1)})
    update = dict(TableName=hash_table, Key={"pk": S(key)},
                  AttributeUpdates={"version": {"Value": N(1), "Action": "ADD"}},
                  Expected={"version": {"Value": N(1)}})
    assert passes(ddb.update_item, **update)
    assert not passes(ddb.update_item, **update)
    assert get(ddb, hash_table, {"pk": S(key)})["version"] == N(2)


@pytest.mark.parametrize("updates", [
    {"n": {"Value": S("x"), "Action": "ADD"}},
    {"n": {"Value": {"BOOL": True}, "Action": "ADD"}},
    {"n": {"Value": N(1), "Action": "DELETE"}},
    {"n": {"Value": S("x"), "Action": "DELETE"}},
    {"n": {"Action": "PUT"}},
    {"n": {"Action": "ADD"}},
    {"pk": {"Value": S("other"), "Action": "PUT"}},
])
def test_attribute_updates_validation(raw_ddb, hash_table, key, updates):
    code, message = call_error(raw_ddb.update_item, TableName=hash_table, Key={"pk": S(key)},
                               AttributeUpdates=updates)
    assert code == "ValidationException"
    assert message.startswith("One or more parameter values were invalid: "), message
    if "pk" in updates:
        assert message.endswith("Cannot update attribute pk. This attribute is part of the key")
    assert get(raw_ddb, hash_table, {"pk": S(key)}) is None


@pytest.mark.parametrize("stored,action,value", [
    (S("x"), "ADD", N(1)),
    ({"SS": ["a"]}, "ADD", N(1)),             # number onto a set
    ({"SS": ["a"]}, "ADD", {"L": [S("b")]}),  # list onto a set
    ({"L": [S("a")]}, "ADD", {"SS": ["b"]}),  # set onto a list
    ({"L": [S("a")]}, "ADD", N(1)),           # number onto a list
    (N(1), "ADD", {"L": [N(1)]}),             # list onto a number
    ({"L": [S("a")]}, "DELETE", {"SS": ["a"]}),  # a set from what is no set
    ({"NS": ["1"]}, "DELETE", {"SS": ["a"]}),    # a set of another type
])
def test_attribute_updates_runtime_type_error(ddb, hash_table, key, stored, action, value):
    """AttributeUpdates words it differently from UpdateExpression (conformance fact L6)."""
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "s": stored})
    code, message = call_error(ddb.update_item, TableName=hash_table, Key={"pk": S(key)},
                               AttributeUpdates={"s": {"Value": value, "Action": action}})
    assert (code, message) == ("ValidationException", "Type mismatch for attribute to update")
    assert get(ddb, hash_table, {"pk": S(key)})["s"] == stored


# --- KeyConditions, QueryFilter, ScanFilter -------------------------------------------------

@pytest.fixture(scope="module")
def collection(ddb, string_range_table):
    pk = unique("legacy")
    for i, sk in enumerate(["a1", "a2", "a3", "b1", "b2", "c1"]):
        item = {"pk": S(pk), "sk": S(sk), "n": N(i), "kind": S("even" if i % 2 == 0 else "odd")}
        if sk.startswith("b"):
            item["flag"] = {"BOOL": True}
        ddb.put_item(TableName=string_range_table, Item=item)
    return pk


def _key_conditions(pk, sk_operator=None, *sk_values):
    conditions = {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S(pk)]}}
    if sk_operator:
        conditions["sk"] = {"ComparisonOperator": sk_operator,
                            "AttributeValueList": [S(v) for v in sk_values]}
    return conditions


@pytest.mark.parametrize("operator,values,expected", [
    (None, (), ["a1", "a2", "a3", "b1", "b2", "c1"]),
    ("EQ", ("b1",), ["b1"]),
    ("BEGINS_WITH", ("a",), ["a1", "a2", "a3"]),
    ("BETWEEN", ("a2", "b1"), ["a2", "a3", "b1"]),
    ("LT", ("a3",), ["a1", "a2"]),
    ("LE", ("a3",), ["a1", "a2", "a3"]),
    ("GT", ("b1",), ["b2", "c1"]),
    ("GE", ("b1",), ["b1", "b2", "c1"]),
])
def test_key_conditions(ddb, string_range_table, collection, operator, values, expected):
    page = ddb.query(TableName=string_range_table,
                     KeyConditions=_key_conditions(collection, operator, *values))
    assert [i["sk"]["S"] for i in page["Items"]] == expected


def test_key_conditions_descending_with_limit(ddb, string_range_table, collection):
    items = []
    kwargs = dict(TableName=string_range_table, KeyConditions=_key_conditions(collection),
                  ScanIndexForward=False, Limit=4)
    while True:
        page = ddb.query(**kwargs)
        items += [i["sk"]["S"] for i in page["Items"]]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    assert items == ["c1", "b2", "b1", "a3", "a2", "a1"]


@pytest.mark.parametrize("conditions,message", [
    ({"sk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("a")]}},
     "Query condition missed key schema element"),
    ({"pk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [S("a")]}},
     "Query key condition not supported"),
    ({"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("a")]},
      "sk": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [S("a")]}},
     ""),
    ({"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("a")]},
      "kind": {"ComparisonOperator": "EQ", "AttributeValueList": [S("a")]}},
     "Query key condition not supported"),
    ({"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [N(1)]}},
     "One or more parameter values were invalid: Condition parameter type does not match "
     "schema type"),
    # The model's enum comes first, case sensitive (conformance fact L5).
    ({"pk": {"ComparisonOperator": "DOG", "AttributeValueList": [S("a")]}},
     "1 validation error detected: Value 'DOG' at 'keyConditions.pk.member.comparisonOperator' "
     "failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, "
     "NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"),
    ({"pk": {"ComparisonOperator": "eq", "AttributeValueList": [S("a")]}},
     "1 validation error detected: Value 'eq' at 'keyConditions.pk.member.comparisonOperator'"),
])
def test_key_conditions_errors(raw_ddb, string_range_table, conditions, message):
    """The texts of legacy key-condition errors are not in the spec (dynalite's differ in
    places from the expression forms); the prefix is checked."""
    code, got = call_error(raw_ddb.query, TableName=string_range_table, KeyConditions=conditions)
    assert code == "ValidationException"
    assert got.startswith(message), got


AND_FILTER = {"kind": {"ComparisonOperator": "EQ", "AttributeValueList": [S("even")]},
              "n": {"ComparisonOperator": "LT", "AttributeValueList": [N(3)]}}
OR_FILTER = {"flag": {"ComparisonOperator": "NOT_NULL"},
             "n": {"ComparisonOperator": "IN", "AttributeValueList": [N(0), N(2), N(5)]}}


@pytest.mark.parametrize("query_filter,conditional_operator,expected", [
    (AND_FILTER, None, ["a1", "a3"]),
    (AND_FILTER, "AND", ["a1", "a3"]),
    (AND_FILTER, "OR", ["a1", "a2", "a3", "b2"]),
    (OR_FILTER, "OR", ["a1", "a3", "b1", "b2", "c1"]),
    (OR_FILTER, "AND", []),
])
def test_query_filter(ddb, string_range_table, collection, query_filter, conditional_operator,
                      expected):
    """QueryFilter entries are joined by ConditionalOperator (AND by default)."""
    kwargs = {"ConditionalOperator": conditional_operator} if conditional_operator else {}
    page = ddb.query(TableName=string_range_table, KeyConditions=_key_conditions(collection),
                     QueryFilter=query_filter, **kwargs)
    assert [i["sk"]["S"] for i in page["Items"]] == expected
    assert page["ScannedCount"] == 6


@pytest.mark.parametrize("attribute", ["pk", "sk"])
def test_query_filter_on_key_attribute_rejected(ddb, string_range_table, collection, attribute):
    """Query forbids filters on key attributes; for the legacy QueryFilter DynamoDB
    names the parameter: 'QueryFilter can only contain non-primary key attributes: ...'
    (dynalite test/query.js, probed against AWS)."""
    code, message = call_error(ddb.query, TableName=string_range_table,
                               KeyConditions=_key_conditions(collection),
                               QueryFilter={attribute: {"ComparisonOperator": "NOT_NULL"}})
    assert (code, message) == ("ValidationException",
                               "QueryFilter can only contain non-primary key attributes: Primary "
                               "key attribute: " + attribute)


def test_query_filter_after_limit(ddb, string_range_table, collection):
    page = ddb.query(TableName=string_range_table, KeyConditions=_key_conditions(collection),
                     QueryFilter={"flag": {"ComparisonOperator": "NOT_NULL"}}, Limit=3)
    assert (page["Count"], page["ScannedCount"]) == (0, 3)
    assert page["LastEvaluatedKey"] == {"pk": S(collection), "sk": S("a3")}


@pytest.fixture(scope="module")
def scan_table(ddb):
    from conftest import create_table
    name = create_table(ddb, unique("legacyscan"))
    for i in range(12):
        ddb.put_item(TableName=name, Item={"pk": S("p%02d" % i), "i": N(i),
                                           "tag": S("t%d" % (i % 4))})
    yield name
    ddb.delete_table(TableName=name)


SCAN_FILTER = {"tag": {"ComparisonOperator": "EQ", "AttributeValueList": [S("t1")]},
               "i": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [N(2), N(3)]}}


@pytest.mark.parametrize("conditional_operator,expected", [
    (None, []),
    ("AND", []),
    ("OR", [1, 2, 3, 5, 9]),
])
def test_scan_filter(ddb, scan_table, conditional_operator, expected):
    """ScanFilter with ConditionalOperator, paginated with Limit: every match exactly once."""
    kwargs = {"ConditionalOperator": conditional_operator} if conditional_operator else {}
    scan = dict(TableName=scan_table, Limit=5, ScanFilter=SCAN_FILTER, **kwargs)
    items, scanned = [], 0
    while True:
        page = ddb.scan(**scan)
        items += [int(i["i"]["N"]) for i in page["Items"]]
        scanned += page["ScannedCount"]
        if "LastEvaluatedKey" not in page:
            break
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    assert sorted(items) == expected
    assert scanned == 12


def test_scan_filter_operators(ddb, scan_table):
    page = ddb.scan(TableName=scan_table, ScanFilter={
        "i": {"ComparisonOperator": "GE", "AttributeValueList": [N(6)]},
        "tag": {"ComparisonOperator": "NE", "AttributeValueList": [S("t0")]},
        "pk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [S("p0")]}})
    assert sorted(int(i["i"]["N"]) for i in page["Items"]) == [6, 7, 9]


# --- AttributesToGet ------------------------------------------------------------------------

def test_attributes_to_get_get_item(ddb, hash_table, stored):
    item = get(ddb, hash_table, {"pk": stored["pk"]}, AttributesToGet=["n", "s", "absent"])
    assert item == {"n": N(5), "s": S("hello")}


def test_attributes_to_get_query_and_scan(ddb, string_range_table, collection, scan_table):
    page = ddb.query(TableName=string_range_table,
                     KeyConditions=_key_conditions(collection, "EQ", "b1"),
                     AttributesToGet=["sk", "flag"])
    assert page["Items"] == [{"sk": S("b1"), "flag": {"BOOL": True}}]
    page = ddb.query(TableName=string_range_table, KeyConditions=_key_conditions(collection),
                     AttributesToGet=["n"], Select="SPECIFIC_ATTRIBUTES",
                     QueryFilter={"kind": {"ComparisonOperator": "EQ",
                                           "AttributeValueList": [S("odd")]}})
    assert page["Items"] == [{"n": N(1)}, {"n": N(3)}, {"n": N(5)}]
    items = ddb.scan(TableName=scan_table, AttributesToGet=["i"],
                     ScanFilter={"tag": {"ComparisonOperator": "EQ",
                                         "AttributeValueList": [S("t0")]}})["Items"]
    assert sorted(int(i["i"]["N"]) for i in items) == [0, 4, 8]
    assert all(set(i) == {"i"} for i in items)


def test_attributes_to_get_batch_get(ddb, hash_table, stored):
    response = ddb.batch_get_item(RequestItems={hash_table: {
        "Keys": [{"pk": stored["pk"]}], "AttributesToGet": ["pk", "ss"]}})
    (item,) = response["Responses"][hash_table]
    assert item["pk"] == stored["pk"] and sorted_set(item["ss"]) == {"SS": ["a", "b"]}
    assert set(item) == {"pk", "ss"}


def test_attributes_to_get_with_select(ddb, string_range_table, collection):
    code, message = call_error(ddb.query, TableName=string_range_table,
                               KeyConditions=_key_conditions(collection), AttributesToGet=["n"],
                               Select="ALL_ATTRIBUTES")
    assert code == "ValidationException"
    assert "AttributesToGet" in message and "ALL_ATTRIBUTES" in message


# --- Mixing legacy and expression parameters ------------------------------------------------

def _mixed(legacy, expression):
    return MIXED + "Non-expression parameters: {%s} Expression parameters: {%s}" % (
        legacy, expression)


def test_mixing_on_put_item(raw_ddb, hash_table, key):
    code, message = call_error(raw_ddb.put_item, TableName=hash_table, Item={"pk": S(key)},
                               Expected={"pk": {"Exists": False}},
                               ConditionExpression="attribute_not_exists(pk)")
    assert (code, message) == ("ValidationException", _mixed("Expected", "ConditionExpression"))
    assert get(raw_ddb, hash_table, {"pk": S(key)}) is None


def test_mixing_on_delete_item(raw_ddb, hash_table, key):
    code, message = call_error(raw_ddb.delete_item, TableName=hash_table, Key={"pk": S(key)},
                               Expected={"a": {"Exists": False}},
                               ConditionExpression="attribute_not_exists(a)")
    assert (code, message) == ("ValidationException", _mixed("Expected", "ConditionExpression"))


def test_mixing_conditional_operator_with_condition_expression(raw_ddb, hash_table, key):
    code, message = call_error(raw_ddb.put_item, TableName=hash_table, Item={"pk": S(key)},
                               ConditionalOperator="OR",
                               ConditionExpression="attribute_not_exists(pk)")
    assert (code, message) == ("ValidationException",
                               _mixed("ConditionalOperator", "ConditionExpression"))


@pytest.mark.parametrize("legacy,expression,kwargs", [
    ("AttributeUpdates", "UpdateExpression",
     dict(AttributeUpdates={"a": {"Value": N(1), "Action": "PUT"}}, UpdateExpression="SET b = :v",
          ExpressionAttributeValues={":v": N(1)})),
    ("Expected", "UpdateExpression",
     dict(Expected={"a": {"Exists": False}}, UpdateExpression="SET b = :v",
          ExpressionAttributeValues={":v": N(1)})),
    ("AttributeUpdates", "ConditionExpression",
     dict(AttributeUpdates={"a": {"Value": N(1), "Action": "PUT"}},
          ConditionExpression="attribute_not_exists(a)")),
])
def test_mixing_on_update_item(raw_ddb, hash_table, key, legacy, expression, kwargs):
    code, message = call_error(raw_ddb.update_item, TableName=hash_table, Key={"pk": S(key)},
                               **kwargs)
    assert (code, message) == ("ValidationException", _mixed(legacy, expression))
    assert get(raw_ddb, hash_table, {"pk": S(key)}) is None


@pytest.mark.parametrize("legacy,expression,kwargs", [
    ("KeyConditions", "KeyConditionExpression",
     dict(KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("x")]}},
          KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S("x")})),
    ("QueryFilter", "KeyConditionExpression",
     dict(QueryFilter={"n": {"ComparisonOperator": "NOT_NULL"}},
          KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": S("x")})),
    ("AttributesToGet", "KeyConditionExpression",
     dict(AttributesToGet=["n"], KeyConditionExpression="pk = :p",
          ExpressionAttributeValues={":p": S("x")})),
])
def test_mixing_on_query(raw_ddb, string_range_table, legacy, expression, kwargs):
    code, message = call_error(raw_ddb.query, TableName=string_range_table, **kwargs)
    assert (code, message) == ("ValidationException", _mixed(legacy, expression))


def test_key_conditions_with_filter_and_projection_expressions(raw_ddb, string_range_table):
    """KeyConditions is legacy only beside KeyConditionExpression (conformance fact L1)."""
    pk = "kc-" + str(id(raw_ddb))
    for i, n in enumerate(["1", "5", "9"]):
        raw_ddb.put_item(TableName=string_range_table, Item={"pk": S(pk), "sk": S("s%d" % i), "n": N(n), "x": S("y")})
    kc = {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S(pk)]}}
    r = raw_ddb.query(TableName=string_range_table, KeyConditions=kc, FilterExpression="n > :min",
                      ProjectionExpression="sk, #n", ExpressionAttributeNames={"#n": "n"},
                      ExpressionAttributeValues={":min": N(3)})
    assert r["Items"] == [{"sk": S("s1"), "n": N(5)}, {"sk": S("s2"), "n": N(9)}]
    assert r["ScannedCount"] == 3
    r = raw_ddb.query(TableName=string_range_table, KeyConditions=kc, ProjectionExpression="x")
    assert r["Items"] == [{"x": S("y")}] * 3
    # ConditionalOperator is still legacy beside an expression.
    code, message = call_error(raw_ddb.query, TableName=string_range_table, KeyConditions=kc,
                               ConditionalOperator="OR", FilterExpression="n > :min",
                               ExpressionAttributeValues={":min": N(3)})
    assert (code, message) == ("ValidationException", _mixed("ConditionalOperator", "FilterExpression"))


@pytest.mark.parametrize("legacy,expression,kwargs", [
    ("ScanFilter", "FilterExpression",
     dict(ScanFilter={"n": {"ComparisonOperator": "NOT_NULL"}},
          FilterExpression="attribute_exists(n)")),
    ("AttributesToGet", "ProjectionExpression",
     dict(AttributesToGet=["n"], ProjectionExpression="n")),
    ("ScanFilter", "ProjectionExpression",
     dict(ScanFilter={"n": {"ComparisonOperator": "NOT_NULL"}}, ProjectionExpression="n")),
])
def test_mixing_on_scan(raw_ddb, scan_table, legacy, expression, kwargs):
    code, message = call_error(raw_ddb.scan, TableName=scan_table, **kwargs)
    assert (code, message) == ("ValidationException", _mixed(legacy, expression))


def test_mixing_several_names_lists_them_all(raw_ddb, string_range_table):
    code, message = call_error(
        raw_ddb.query, TableName=string_range_table, AttributesToGet=["n"],
        QueryFilter={"n": {"ComparisonOperator": "NOT_NULL"}}, KeyConditionExpression="pk = :p",
        FilterExpression="attribute_exists(n)", ExpressionAttributeValues={":p": S("x")})
    assert code == "ValidationException"
    assert message.startswith(MIXED + "Non-expression parameters: {")
    legacy, expression = message[len(MIXED):].split("} Expression parameters: {")
    assert sorted(legacy[len("Non-expression parameters: {"):].split(", ")) == [
        "AttributesToGet", "QueryFilter"]
    assert sorted(expression.rstrip("}").split(", ")) == ["FilterExpression",
                                                          "KeyConditionExpression"]


def test_mixing_on_get_item_and_batch_get(raw_ddb, hash_table, key):
    code, message = call_error(raw_ddb.get_item, TableName=hash_table, Key={"pk": S(key)},
                               AttributesToGet=["a"], ProjectionExpression="a")
    assert (code, message) == ("ValidationException",
                               _mixed("AttributesToGet", "ProjectionExpression"))
    code, message = call_error(raw_ddb.batch_get_item, RequestItems={hash_table: {
        "Keys": [{"pk": S(key)}], "AttributesToGet": ["a"], "ProjectionExpression": "a"}})
    assert (code, message) == ("ValidationException",
                               _mixed("AttributesToGet", "ProjectionExpression"))


@pytest.mark.parametrize("operation,kwargs,message", [
    ("put_item", dict(Expected={"a": {"Exists": False}}),
     "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression "
     "is null"),
    ("update_item", dict(AttributeUpdates={"a": {"Value": N(1), "Action": "PUT"}}),
     "ExpressionAttributeValues can only be specified when using expressions: UpdateExpression "
     "and ConditionExpression are null"),
])
def test_values_with_legacy_parameters_only(raw_ddb, hash_table, key, operation, kwargs, message):
    """ExpressionAttributeValues given but no expression uses them."""
    if operation == "put_item":
        kwargs = dict(kwargs, Item={"pk": S(key)})
    else:
        kwargs = dict(kwargs, Key={"pk": S(key)})
    code, got = call_error(getattr(raw_ddb, operation), TableName=hash_table,
                           ExpressionAttributeValues={":v": N(1)}, **kwargs)
    assert (code, got) == ("ValidationException", message)


def test_conditional_operator_needs_expected(raw_ddb, hash_table, key):
    """Conformance fact L2: ConditionalOperator without Expected (or with an empty one) is
    refused; an empty Expected alone is no condition."""
    for extra in ({}, {"Expected": {}}):
        code, message = call_error(raw_ddb.update_item, TableName=hash_table, Key={"pk": S(key)},
                                   AttributeUpdates={"a": {"Value": N(1), "Action": "PUT"}},
                                   ConditionalOperator="OR", **extra)
        assert code == "ValidationException" and "ConditionalOperator" in message, message
        code, _ = call_error(raw_ddb.put_item, TableName=hash_table, Item={"pk": S(key)},
                             ConditionalOperator="AND", **extra)
        assert code == "ValidationException"
    assert get(raw_ddb, hash_table, {"pk": S(key)}) is None
    raw_ddb.put_item(TableName=hash_table, Item={"pk": S(key)}, Expected={})
    assert get(raw_ddb, hash_table, {"pk": S(key)}) == {"pk": S(key)}


def test_attribute_updates_delete_of_a_set_on_a_missing_item_creates_nothing(raw_ddb, hash_table, key):
    """Conformance fact I1's legacy form: only removals, so no item."""
    r = raw_ddb.update_item(TableName=hash_table, Key={"pk": S(key)}, ReturnValues="ALL_NEW",
                            AttributeUpdates={"ss": {"Value": {"SS": ["a"]}, "Action": "DELETE"},
                                              "b": {"Action": "DELETE"}})
    assert "Attributes" not in r
    assert get(raw_ddb, hash_table, {"pk": S(key)}) is None

