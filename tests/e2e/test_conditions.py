"""ConditionExpression on PutItem, DeleteItem and UpdateItem: create-only writes, optimistic
locking (also raced from several threads), every comparator and function, precedence,
nested paths, missing attributes, ReturnValuesOnConditionCheckFailure, boto3's condition
builders, and condition validation errors.

Rules: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html and
Expressions.ConditionExpressions.html (grammar, evaluation), https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html
(conditional writes, ConditionalCheckFailedException, ReturnValuesOnConditionCheckFailure).
"""
import threading

import botocore.exceptions
import pytest
from boto3.dynamodb.conditions import Attr, Key

from conftest import call_error, make_client

FAILED = "ConditionalCheckFailedException"


def S(v):
    return {"S": v}


def N(v):
    return {"N": str(v)}


def get(ddb, table, key):
    return ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")


def holds(ddb, table, item, condition, values=None, names=None):
    """Whether `condition` is true for the stored `item`: re-puts the same item under the
    condition (the item is unchanged either way)."""
    kwargs = {"ConditionExpression": condition}
    if values:
        kwargs["ExpressionAttributeValues"] = values
    if names:
        kwargs["ExpressionAttributeNames"] = names
    try:
        ddb.put_item(TableName=table, Item=item, **kwargs)
        return True
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == FAILED, e.response["Error"]
        assert e.response["Error"]["Message"] == "The conditional request failed"
        return False


# --- Create-only and optimistic locking ---------------------------------------------------

def test_put_attribute_not_exists_is_create_only(ddb, hash_table, key):
    """attribute_not_exists(pk) lets the first put through and fails every later one; the
    failed put leaves the item unchanged."""
    first = {"pk": S(key), "v": S("first")}
    ddb.put_item(TableName=hash_table, Item=first, ConditionExpression="attribute_not_exists(pk)")
    code, message = call_error(ddb.put_item, TableName=hash_table,
                               Item={"pk": S(key), "v": S("second")},
                               ConditionExpression="attribute_not_exists(pk)")
    assert (code, message) == (FAILED, "The conditional request failed")
    assert get(ddb, hash_table, {"pk": S(key)}) == first


def test_create_only_on_range_table(ddb, range_table, key):
    """On a composite key the condition only sees the one item with both key values."""
    ddb.put_item(TableName=range_table, Item={"pk": S(key), "sk": N(1)})
    ddb.put_item(TableName=range_table, Item={"pk": S(key), "sk": N(2)},
                 ConditionExpression="attribute_not_exists(pk) AND attribute_not_exists(sk)")
    code, _ = call_error(ddb.put_item, TableName=range_table, Item={"pk": S(key), "sk": N(1)},
                         ConditionExpression="attribute_not_exists(sk)")
    assert code == FAILED


def test_put_optimistic_locking_with_version(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "version": N(1), "data": S("a")})
    # The matching version wins and bumps the version.
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "version": N(2), "data": S("b")},
                 ConditionExpression="version = :v", ExpressionAttributeValues={":v": N(1)})
    # A writer that read version 1 now loses.
    code, _ = call_error(ddb.put_item, TableName=hash_table,
                         Item={"pk": S(key), "version": N(2), "data": S("c")},
                         ConditionExpression="version = :v", ExpressionAttributeValues={":v": N(1)})
    assert code == FAILED
    assert get(ddb, hash_table, {"pk": S(key)})["data"] == S("b")


def test_version_condition_on_missing_item_fails(ddb, hash_table, key):
    """Conditions evaluate against an empty item when none exists: version = :v is false."""
    code, _ = call_error(ddb.put_item, TableName=hash_table, Item={"pk": S(key), "version": N(1)},
                         ConditionExpression="version = :v", ExpressionAttributeValues={":v": N(0)})
    assert code == FAILED
    assert get(ddb, hash_table, {"pk": S(key)}) is None


def test_update_optimistic_locking(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "version": N(7), "n": N(0)})
    update = dict(TableName=hash_table, Key={"pk": S(key)},
                  UpdateExpression="SET version = version + :one, n = n + :one",
                  ConditionExpression="version = :expected")
    ddb.update_item(**update, ExpressionAttributeValues={":one": N(1), ":expected": N(7)})
    code, _ = call_error(ddb.update_item, **update,
                         ExpressionAttributeValues={":one": N(1), ":expected": N(7)})
    assert code == FAILED
    assert get(ddb, hash_table, {"pk": S(key)}) == {"pk": S(key), "version": N(8), "n": N(1)}


def test_update_with_attribute_exists_does_not_create(ddb, hash_table, key):
    """UpdateItem upserts, but attribute_exists(pk) makes it update-only."""
    code, _ = call_error(ddb.update_item, TableName=hash_table, Key={"pk": S(key)},
                         UpdateExpression="SET a = :a", ConditionExpression="attribute_exists(pk)",
                         ExpressionAttributeValues={":a": S("x")})
    assert code == FAILED
    assert get(ddb, hash_table, {"pk": S(key)}) is None
    ddb.put_item(TableName=hash_table, Item={"pk": S(key)})
    ddb.update_item(TableName=hash_table, Key={"pk": S(key)}, UpdateExpression="SET a = :a",
                    ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeValues={":a": S("x")})
    assert get(ddb, hash_table, {"pk": S(key)}) == {"pk": S(key), "a": S("x")}


def test_delete_with_condition(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "state": S("open")})
    code, _ = call_error(ddb.delete_item, TableName=hash_table, Key={"pk": S(key)},
                         ConditionExpression="#s = :closed",
                         ExpressionAttributeNames={"#s": "state"},
                         ExpressionAttributeValues={":closed": S("closed")})
    assert code == FAILED
    assert get(ddb, hash_table, {"pk": S(key)}) is not None
    ddb.delete_item(TableName=hash_table, Key={"pk": S(key)}, ConditionExpression="#s = :open",
                    ExpressionAttributeNames={"#s": "state"},
                    ExpressionAttributeValues={":open": S("open")})
    assert get(ddb, hash_table, {"pk": S(key)}) is None


def test_delete_missing_item_with_condition(ddb, hash_table, key):
    """A delete of a missing item checks the condition against {}: attribute_exists fails,
    attribute_not_exists succeeds."""
    code, _ = call_error(ddb.delete_item, TableName=hash_table, Key={"pk": S(key)},
                         ConditionExpression="attribute_exists(pk)")
    assert code == FAILED
    ddb.delete_item(TableName=hash_table, Key={"pk": S(key)},
                    ConditionExpression="attribute_not_exists(pk)")


# --- Comparators ----------------------------------------------------------------------------

@pytest.fixture
def sample(ddb, hash_table, key):
    """An item with one attribute of every type, stored; returns it."""
    item = {
        "pk": S(key),
        "n": N(5), "n2": N("5.0"), "neg": N(-3),
        "s": S("m"), "str": S("hello world"), "cap": S("M"),
        "b": {"B": b"m"}, "bin": {"B": b"\x00\x01\x02\x03"},
        "t": {"BOOL": True}, "f": {"BOOL": False}, "nul": {"NULL": True},
        "l": {"L": [N(1), S("x"), {"L": [N(2)]}]},
        "m": {"M": {"a": N(1), "nest": {"M": {"deep": S("yes")}}}},
        "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": [b"\x01", b"\x02"]},
        "uni": S("é𝄞"),
        "emptys": S(""),
    }
    ddb.put_item(TableName=hash_table, Item=item)
    return item


@pytest.mark.parametrize("condition,value,expected", [
    ("n = :v", N(5), True),
    ("n = :v", N("5.00"), True),        # numeric equality, not textual
    ("n = :v", N("5e0"), True),
    ("n = :v", N(6), False),
    ("n = :v", S("5"), False),          # different types are never equal
    ("n <> :v", S("5"), True),
    ("n <> :v", N(5), False),
    ("n <> :v", N(4), True),
    ("n < :v", N(6), True),
    ("n < :v", N(5), False),
    ("n <= :v", N(5), True),
    ("n <= :v", N("4.99"), False),
    ("n > :v", N("4.999"), True),
    ("n > :v", N(5), False),
    ("n >= :v", N(5), True),
    ("n >= :v", N(10), False),
    ("neg < :v", N(0), True),
    ("neg > :v", N(-10), True),
    ("s < :v", S("n"), True),
    ("s > :v", S("M"), True),            # byte order: 'M' (4D) < 'm' (6D)
    ("cap < :v", S("m"), True),
    ("s >= :v", S("m"), True),
    ("s < :v", S("m"), False),
    ("s < :v", S("mm"), True),           # a proper prefix sorts first
    ("b < :v", {"B": b"n"}, True),
    ("b > :v", {"B": b"\xff"}, False),   # bytes unsigned
    ("bin < :v", {"B": b"\x00\x01\x02\x03\x00"}, True),
    ("n < :v", S("6"), False),          # ordering across types is false, not an error
    ("s > :v", N(1), False),
    ("t = :v", {"BOOL": True}, True),
    ("f = :v", {"BOOL": True}, False),
    ("nul = :v", {"NULL": True}, True),
    ("l = :v", {"L": [N(1), S("x"), {"L": [N("2.0")]}]}, True),
    ("l = :v", {"L": [S("x"), N(1), {"L": [N(2)]}]}, False),   # list order matters
    ("m = :v", {"M": {"nest": {"M": {"deep": S("yes")}}, "a": N(1)}}, True),
    ("m <> :v", {"M": {"a": N(1)}}, True),
    ("ss = :v", {"SS": ["b", "a"]}, True),    # sets compare unordered
    ("ss = :v", {"SS": ["a"]}, False),
    ("ns = :v", {"NS": ["2.50", "1"]}, True),
    ("bs = :v", {"BS": [b"\x02", b"\x01"]}, True),
    ("ss < :v", S("z"), False),               # a set in the item has no order: false
    ("t < :v", S("z"), False),                # nor a BOOL (a literal one is an error, below)
    ("absent = :v", N(5), False),
    ("absent <> :v", N(5), True),
    ("absent < :v", N(5), False),
    ("absent >= :v", N(5), False),
    ("m.absent = :v", N(1), False),
    ("m.absent <> :v", N(1), True),
    ("NOT absent = :v", N(5), True),
])
def test_comparators(ddb, hash_table, sample, condition, value, expected):
    """Comparisons need both operands present and of the same type; `<>`
    is true when they differ or one side is missing; ordering only on S, N, B."""
    assert holds(ddb, hash_table, sample, condition, {":v": value}) is expected


@pytest.mark.parametrize("condition,values,expected", [
    ("n = n2", {}, True),                                  # path against path
    ("n < n2", {}, False),
    ("n >= neg", {}, True),
    ("n BETWEEN :a AND :b", {":a": N(1), ":b": N(5)}, True),    # inclusive
    ("n BETWEEN :a AND :b", {":a": N(5), ":b": N(5)}, True),
    ("n BETWEEN :a AND :b", {":a": N(6), ":b": N(9)}, False),
    ("n BETWEEN :a AND :b", {":a": N(-9), ":b": N("4.9")}, False),
    ("s BETWEEN :a AND :b", {":a": S("a"), ":b": S("z")}, True),
    ("n BETWEEN :a AND :b", {":a": S("a"), ":b": S("z")}, False),   # type mismatch: false
    ("absent BETWEEN :a AND :b", {":a": N(1), ":b": N(9)}, False),
    ("n BETWEEN neg AND n2", {}, True),
    ("n IN (:a, :b, :c)", {":a": N(1), ":b": N("5.0"), ":c": N(7)}, True),
    ("n IN (:a, :b)", {":a": N(1), ":b": N(2)}, False),
    ("n IN (:a)", {":a": S("5")}, False),
    ("s IN (:a, :b)", {":a": S("x"), ":b": S("m")}, True),
    ("ss IN (:a)", {":a": {"SS": ["b", "a"]}}, True),
    ("absent IN (:a)", {":a": N(5)}, False),
    ("n IN (neg, n2)", {}, True),
])
def test_between_in_and_path_operands(ddb, hash_table, sample, condition, values, expected):
    assert holds(ddb, hash_table, sample, condition, values) is expected


# --- Functions ------------------------------------------------------------------------------

@pytest.mark.parametrize("condition,values,expected", [
    ("attribute_exists(n)", {}, True),
    ("attribute_exists(absent)", {}, False),
    ("attribute_exists(nul)", {}, True),       # a NULL-typed value exists
    ("attribute_exists(f)", {}, True),
    ("attribute_exists(emptys)", {}, True),
    ("attribute_not_exists(absent)", {}, True),
    ("attribute_not_exists(n)", {}, False),
    ("attribute_exists(m.a)", {}, True),
    ("attribute_exists(m.nest.deep)", {}, True),
    ("attribute_exists(m.z)", {}, False),
    ("attribute_exists(l[2][0])", {}, True),
    ("attribute_exists(l[3])", {}, False),
    ("attribute_exists(n.x)", {}, False),      # n is no map
    ("attribute_exists(m[0])", {}, False),     # m is no list
    ("attribute_not_exists(l[9])", {}, True),
    ("attribute_type(s, :t)", {":t": S("S")}, True),
    ("attribute_type(n, :t)", {":t": S("N")}, True),
    ("attribute_type(b, :t)", {":t": S("B")}, True),
    ("attribute_type(t, :t)", {":t": S("BOOL")}, True),
    ("attribute_type(nul, :t)", {":t": S("NULL")}, True),
    ("attribute_type(l, :t)", {":t": S("L")}, True),
    ("attribute_type(m, :t)", {":t": S("M")}, True),
    ("attribute_type(ss, :t)", {":t": S("SS")}, True),
    ("attribute_type(ns, :t)", {":t": S("NS")}, True),
    ("attribute_type(bs, :t)", {":t": S("BS")}, True),
    ("attribute_type(m.nest, :t)", {":t": S("M")}, True),
    ("attribute_type(l[0], :t)", {":t": S("N")}, True),
    ("attribute_type(ss, :t)", {":t": S("S")}, False),
    ("attribute_type(n, :t)", {":t": S("S")}, False),
    ("attribute_type(absent, :t)", {":t": S("S")}, False),
    ("begins_with(str, :p)", {":p": S("hello")}, True),
    ("begins_with(str, :p)", {":p": S("")}, True),
    ("begins_with(str, :p)", {":p": S("world")}, False),
    ("begins_with(str, :p)", {":p": S("Hello")}, False),     # case-sensitive
    ("begins_with(bin, :p)", {":p": {"B": b"\x00\x01"}}, True),
    ("begins_with(bin, :p)", {":p": {"B": b"\x01"}}, False),
    ("begins_with(bin, :p)", {":p": S("a")}, False),         # B against S: false at runtime
    ("begins_with(n, :p)", {":p": S("5")}, False),           # N attribute: false at runtime
    ("begins_with(absent, :p)", {":p": S("a")}, False),
    ("begins_with(m.nest.deep, :p)", {":p": S("ye")}, True),
    ("contains(str, :v)", {":v": S("lo wo")}, True),
    ("contains(str, :v)", {":v": S("xyz")}, False),
    ("contains(ss, :v)", {":v": S("a")}, True),
    ("contains(ss, :v)", {":v": S("z")}, False),
    ("contains(ss, :v)", {":v": N(1)}, False),
    ("contains(ns, :v)", {":v": N("2.50")}, True),
    ("contains(ns, :v)", {":v": N(3)}, False),
    ("contains(bs, :v)", {":v": {"B": b"\x02"}}, True),
    ("contains(bin, :v)", {":v": {"B": b"\x02\x03"}}, True),
    ("contains(l, :v)", {":v": S("x")}, True),
    ("contains(l, :v)", {":v": N(1)}, True),
    ("contains(l, :v)", {":v": S("1")}, False),               # list element equality is typed
    ("contains(l, :v)", {":v": {"L": [N(2)]}}, True),        # whole nested element
    ("contains(l, :v)", {":v": N(2)}, False),                 # not recursive
    ("contains(absent, :v)", {":v": S("a")}, False),
    ("contains(n, :v)", {":v": N(5)}, False),
    ("contains(str, s)", {}, False),                          # second operand a path: "m"
    ("contains(l, n)", {}, False),
    ("size(:v) = :three", {":v": S("abc"), ":three": N(3)}, True),   # of a literal (fact E3)
    ("size(:v) = :two", {":v": {"SS": ["a", "b"]}, ":two": N(2)}, True),
    ("attribute_type(:n, :t)", {":n": N(1), ":t": S("N")}, True),   # of a literal (fact E1)
    ("attribute_type(:n, :t)", {":n": {"L": []}, ":t": S("N")}, False),
    ("size(str) = :v", {":v": N(11)}, True),
    ("size(emptys) = :v", {":v": N(0)}, True),
    ("size(uni) = :v", {":v": N(3)}, True),                   # UTF-16 code units
    ("size(bin) = :v", {":v": N(4)}, True),                   # bytes
    ("size(ss) = :v", {":v": N(2)}, True),
    ("size(ns) = :v", {":v": N(2)}, True),
    ("size(bs) = :v", {":v": N(2)}, True),
    ("size(l) = :v", {":v": N(3)}, True),
    ("size(m) = :v", {":v": N(2)}, True),
    ("size(m.nest) = :v", {":v": N(1)}, True),
    ("size(l[2]) = :v", {":v": N(1)}, True),
    ("size(str) > :v", {":v": N(10)}, True),
    ("size(str) BETWEEN :a AND :b", {":a": N(1), ":b": N(11)}, True),
    ("size(str) IN (:a, :b)", {":a": N(1), ":b": N(11)}, True),
    ("size(str) < size(ss)", {}, False),
    ("size(absent) > :v", {":v": N(-1)}, False),             # missing: comparison false
    ("size(absent) < :v", {":v": N(1)}, False),
    ("size(n) >= :v", {":v": N(0)}, False),                   # N has no size
    ("size(t) >= :v", {":v": N(0)}, False),
    ("size(s) = :v", {":v": S("1")}, False),
])
def test_functions(ddb, hash_table, sample, condition, values, expected):
    """Attribute_exists/not_exists, attribute_type, begins_with, contains,
    size."""
    assert holds(ddb, hash_table, sample, condition, values) is expected


def test_function_names_and_keywords_case(ddb, hash_table, sample):
    """Keywords are case-insensitive; function names are lower-case only."""
    assert holds(ddb, hash_table, sample, "n = :a and not s = :b or n between :a and :a",
                 {":a": N(5), ":b": S("x")})
    code, message = call_error(ddb.put_item, TableName=hash_table, Item=sample,
                               ConditionExpression="ATTRIBUTE_EXISTS(n)")
    assert code == "ValidationException"
    assert message == ("Invalid ConditionExpression: Invalid function name; function: "
                       "ATTRIBUTE_EXISTS")


# --- Precedence -----------------------------------------------------------------------------

@pytest.mark.parametrize("condition,expected", [
    # AND binds tighter than OR: a OR (b AND c).
    ("a = :yes OR b = :yes AND c = :yes", True),
    ("(a = :yes OR b = :yes) AND c = :yes", False),
    ("c = :yes AND b = :yes OR a = :yes", True),
    ("c = :yes AND (b = :yes OR a = :yes)", False),
    # NOT binds tighter than AND: (NOT b) AND c, not NOT (b AND c).
    ("NOT b = :yes AND c = :yes", False),
    ("NOT (b = :yes AND c = :yes)", True),
    ("NOT a = :yes OR c = :yes", False),
    ("NOT NOT a = :yes", True),
    ("NOT (NOT (a = :yes))", True),
    ("a = :yes AND NOT b = :yes AND NOT c = :yes", True),
    ("(a = :yes) AND (attribute_exists(a) OR attribute_exists(zz)) AND NOT (b = :yes)", True),
    ("b = :yes OR c = :yes OR NOT a = :yes", False),
])
def test_and_or_not_precedence(ddb, hash_table, key, condition, expected):
    """Precedence NOT > AND > OR, parentheses override."""
    item = {"pk": S(key), "a": S("yes"), "b": S("no"), "c": S("no")}
    ddb.put_item(TableName=hash_table, Item=item)
    assert holds(ddb, hash_table, item, condition, {":yes": S("yes")}) is expected


# --- Paths ----------------------------------------------------------------------------------

@pytest.fixture
def document(ddb, hash_table, key):
    item = {
        "pk": S(key),
        "profile": {"M": {
            "address": {"M": {"city": S("Paris"), "zip": N(75001)}},
            "tags": {"L": [S("x"), S("y")]},
            "a b": S("spaced"),
        }},
        "matrix": {"L": [{"L": [N(1), N(2)]}, {"L": [N(3), N(4)]}]},
        "a.b": S("top-level name with a dot"),
        "a": {"M": {"b": S("nested")}},
        "status": S("active"),
    }
    ddb.put_item(TableName=hash_table, Item=item)
    return item


@pytest.mark.parametrize("condition,values,names,expected", [
    ("profile.address.city = :v", {":v": S("Paris")}, None, True),
    ("profile.address.zip > :v", {":v": N(75000)}, None, True),
    ("profile.tags[1] = :v", {":v": S("y")}, None, True),
    ("profile.tags[0] = :v", {":v": S("y")}, None, False),
    ("profile.tags[2] = :v", {":v": S("y")}, None, False),
    ("profile.tags[2] <> :v", {":v": S("y")}, None, True),
    ("matrix[1][0] = :v", {":v": N(3)}, None, True),
    ("matrix[0][1] = :v", {":v": N(2)}, None, True),
    ("matrix[0][1][0] = :v", {":v": N(2)}, None, False),
    ("profile.address.city.x = :v", {":v": S("Paris")}, None, False),
    ("profile[0] = :v", {":v": S("Paris")}, None, False),
    ("#p.#a.city = :v", {":v": S("Paris")}, {"#p": "profile", "#a": "address"}, True),
    ("profile.#ab = :v", {":v": S("spaced")}, {"#ab": "a b"}, True),
    # "#ab" naming "a.b" is one top-level attribute; the path a.b dereferences map a.
    ("#ab = :v", {":v": S("top-level name with a dot")}, {"#ab": "a.b"}, True),
    ("a.b = :v", {":v": S("nested")}, None, True),
    ("#a.b = :v", {":v": S("nested")}, {"#a": "a"}, True),
    ("#s = :v", {":v": S("active")}, {"#s": "status"}, True),
    ("size(profile.tags) = :v", {":v": N(2)}, None, True),
    ("contains(profile.tags, :v)", {":v": S("x")}, None, True),
    ("attribute_exists(matrix[1][1])", None, None, True),
    ("attribute_exists(matrix[1][2])", None, None, False),
])
def test_nested_paths_and_list_indexes(ddb, hash_table, document, condition, values, names,
                                       expected):
    """`.` needs an M, `[n]` an L with n < length, else the path is missing."""
    assert holds(ddb, hash_table, document, condition, values, names) is expected


# --- ReturnValuesOnConditionCheckFailure ----------------------------------------------------

def _condition_failure(raw, operation, body):
    response = raw(operation, body)
    assert response.status == 400
    assert response.error_type == FAILED
    assert response.message == "The conditional request failed"
    return response.json()


@pytest.mark.parametrize("operation", ["PutItem", "UpdateItem", "DeleteItem"])
def test_all_old_on_condition_failure_returns_item(ddb, raw, hash_table, key, operation):
    """With ReturnValuesOnConditionCheckFailure=ALL_OLD the error carries the
    current item as 'Item'. botocore 1.29's model does not know the member, so the request
    goes out by hand."""
    stored = {"pk": S(key), "v": N(1), "m": {"M": {"x": {"L": [S("y")]}}}}
    ddb.put_item(TableName=hash_table, Item=stored)
    body = {"TableName": hash_table, "ConditionExpression": "v = :two",
            "ExpressionAttributeValues": {":two": N(2)},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
    if operation == "PutItem":
        body["Item"] = {"pk": S(key), "v": N(3)}
    else:
        body["Key"] = {"pk": S(key)}
    if operation == "UpdateItem":
        body["UpdateExpression"] = "SET v = :two"
    error = _condition_failure(raw, operation, body)
    assert error["Item"] == stored
    assert get(ddb, hash_table, {"pk": S(key)}) == stored


@pytest.mark.parametrize("operation", ["PutItem", "UpdateItem", "DeleteItem"])
def test_no_item_on_failure_without_all_old(ddb, raw, hash_table, key, operation):
    """NONE (the default) returns no Item; ALL_OLD on a missing item has nothing to return."""
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "v": N(1)})
    body = {"TableName": hash_table, "ConditionExpression": "attribute_not_exists(pk)",
            "ReturnValuesOnConditionCheckFailure": "NONE"}
    if operation == "PutItem":
        body["Item"] = {"pk": S(key)}
    else:
        body["Key"] = {"pk": S(key)}
    if operation == "UpdateItem":
        body["UpdateExpression"] = "REMOVE v"
    assert "Item" not in _condition_failure(raw, operation, body)
    # The item is missing: the condition attribute_exists fails with nothing to return.
    body["ConditionExpression"] = "attribute_exists(pk)"
    body["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    absent = key + "-absent"
    if operation == "PutItem":
        body["Item"] = {"pk": S(absent)}
    else:
        body["Key"] = {"pk": S(absent)}
    assert "Item" not in _condition_failure(raw, operation, body)


def test_return_values_all_old_on_success_with_condition(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "v": N(1)})
    response = ddb.put_item(TableName=hash_table, Item={"pk": S(key), "v": N(2)},
                            ConditionExpression="v = :one",
                            ExpressionAttributeValues={":one": N(1)},
                            ReturnValues="ALL_OLD")
    assert response["Attributes"] == {"pk": S(key), "v": N(1)}
    response = ddb.delete_item(TableName=hash_table, Key={"pk": S(key)},
                               ConditionExpression="v = :two",
                               ExpressionAttributeValues={":two": N(2)}, ReturnValues="ALL_OLD")
    assert response["Attributes"] == {"pk": S(key), "v": N(2)}


# --- boto3 resource API with condition builders ---------------------------------------------

def test_resource_api_with_attr_builders(resource, hash_table, key):
    """boto3's Attr builder generates #n/:v placeholders (and splits dotted names into nested
    paths); the server must accept them."""
    table = resource.Table(hash_table)
    table.put_item(Item={"pk": key, "version": 1, "tags": ["x", "y"], "name": "hello",
                         "profile": {"city": "Paris"}, "roles": {"admin", "dev"}},
                   ConditionExpression=Attr("pk").not_exists())
    with pytest.raises(botocore.exceptions.ClientError) as info:
        table.put_item(Item={"pk": key}, ConditionExpression=Attr("pk").not_exists())
    assert info.value.response["Error"]["Code"] == FAILED

    def check(condition):
        try:
            table.update_item(Key={"pk": key}, UpdateExpression="SET touched = :t",
                              ExpressionAttributeValues={":t": True}, ConditionExpression=condition)
            return True
        except botocore.exceptions.ClientError as e:
            assert e.response["Error"]["Code"] == FAILED
            return False

    assert check(Attr("version").eq(1) & Attr("name").begins_with("he"))
    assert not check(Attr("version").eq(2) | Attr("name").begins_with("x"))
    assert check(Attr("version").eq(2) | Attr("name").begins_with("hel"))
    assert check(Attr("tags").contains("y") & Attr("roles").contains("admin"))
    assert check(Attr("version").between(0, 1) & Attr("version").is_in([3, 1, 2]))
    assert check(Attr("version").lt(2) & Attr("version").lte(1) & Attr("version").gt(0)
                 & Attr("version").gte(1) & Attr("version").ne(7))
    assert check(Attr("name").size().eq(5) & Attr("tags").size().lt(3))
    assert check(Attr("profile.city").eq("Paris"))      # boto3 -> #n0.#n1
    assert check(Attr("name").attribute_type("S") & Attr("roles").attribute_type("SS"))
    assert check(~Attr("nothing").exists() & Attr("nothing").not_exists())
    assert not check(~Attr("version").exists())
    # Mixed with an explicit UpdateExpression and values, as applications write it.
    table.update_item(Key={"pk": key}, UpdateExpression="SET version = version + :one",
                      ExpressionAttributeValues={":one": 1},
                      ConditionExpression=Attr("version").eq(1))
    item = table.get_item(Key={"pk": key}, ConsistentRead=True)["Item"]
    assert item["version"] == 2 and item["touched"] is True


def test_resource_api_key_builders_with_filter(resource, range_table, key):
    table = resource.Table(range_table)
    with table.batch_writer() as batch:
        for i in range(1, 11):
            batch.put_item(Item={"pk": key, "sk": i, "parity": "even" if i % 2 == 0 else "odd"})
    response = table.query(KeyConditionExpression=Key("pk").eq(key) & Key("sk").between(3, 8),
                           FilterExpression=Attr("parity").eq("even"))
    assert [int(i["sk"]) for i in response["Items"]] == [4, 6, 8]
    assert response["ScannedCount"] == 6
    response = table.query(KeyConditionExpression=Key("pk").eq(key) & Key("sk").gt(8))
    assert [int(i["sk"]) for i in response["Items"]] == [9, 10]
    table.delete_item(Key={"pk": key, "sk": 1}, ConditionExpression=Attr("parity").eq("odd"))
    with pytest.raises(botocore.exceptions.ClientError) as info:
        table.delete_item(Key={"pk": key, "sk": 2}, ConditionExpression=Attr("parity").eq("odd"))
    assert info.value.response["Error"]["Code"] == FAILED
    assert table.query(KeyConditionExpression=Key("pk").eq(key), Select="COUNT")["Count"] == 9


# --- Races ----------------------------------------------------------------------------------

THREADS = 8


def _run_threads(endpoint, target, count=THREADS):
    """Runs target(i, client) in `count` threads; clients are made up front (creating boto3
    clients is not thread-safe)."""
    errors = []
    clients = [make_client(endpoint) for _ in range(count)]

    def wrapped(i):
        try:
            target(i, clients[i])
        except BaseException as e:  # report in the main thread
            errors.append(e)

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def test_optimistic_locking_race_loses_no_update(endpoint, ddb, hash_table, key):
    """8 threads each do read-version / put-if-version-unchanged until success, 15 times: the
    condition check and the write are atomic, so the final counter equals the successes."""
    per_thread = 15
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "version": N(0), "count": N(0)})
    successes = [0] * THREADS
    conflicts = [0] * THREADS

    def worker(i, client):
        for _ in range(per_thread):
            while True:
                item = client.get_item(TableName=hash_table, Key={"pk": S(key)},
                                       ConsistentRead=True)["Item"]
                version, count = int(item["version"]["N"]), int(item["count"]["N"])
                try:
                    client.put_item(
                        TableName=hash_table,
                        Item={"pk": S(key), "version": N(version + 1), "count": N(count + 1),
                              "writer": N(i)},
                        ConditionExpression="version = :v",
                        ExpressionAttributeValues={":v": N(version)})
                    successes[i] += 1
                    break
                except botocore.exceptions.ClientError as e:
                    if e.response["Error"]["Code"] != FAILED:
                        raise
                    conflicts[i] += 1

    _run_threads(endpoint, worker)
    item = get(ddb, hash_table, {"pk": S(key)})
    assert sum(successes) == THREADS * per_thread
    assert int(item["count"]["N"]) == sum(successes)
    assert int(item["version"]["N"]) == sum(successes)


def test_update_counter_race(endpoint, ddb, hash_table, key):
    """Concurrent UpdateItem SET n = n + :one (and ADD) are read-modify-write atomically."""
    per_thread = 25
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "n": N(0)})

    def worker(i, client):
        for j in range(per_thread):
            if j % 2:
                client.update_item(TableName=hash_table, Key={"pk": S(key)},
                                   UpdateExpression="SET n = n + :one",
                                   ExpressionAttributeValues={":one": N(1)})
            else:
                client.update_item(TableName=hash_table, Key={"pk": S(key)},
                                   UpdateExpression="ADD n :one, c :one",
                                   ExpressionAttributeValues={":one": N(1)})

    _run_threads(endpoint, worker)
    item = get(ddb, hash_table, {"pk": S(key)})
    assert int(item["n"]["N"]) == THREADS * per_thread
    assert int(item["c"]["N"]) == THREADS * ((per_thread + 1) // 2)


def test_create_only_race_has_one_winner(endpoint, ddb, hash_table, key):
    """attribute_not_exists(pk) from 8 threads at once: exactly one put succeeds."""
    winners = []

    def worker(i, client):
        try:
            client.put_item(TableName=hash_table, Item={"pk": S(key), "winner": N(i)},
                            ConditionExpression="attribute_not_exists(pk)")
            winners.append(i)
        except botocore.exceptions.ClientError as e:
            if e.response["Error"]["Code"] != FAILED:
                raise

    _run_threads(endpoint, worker)
    assert len(winners) == 1
    assert get(ddb, hash_table, {"pk": S(key)})["winner"] == N(winners[0])


# --- Validation -----------------------------------------------------------------------------

def _error(ddb, hash_table, key, condition, values=None, names=None):
    kwargs = {"ConditionExpression": condition}
    if values is not None:
        kwargs["ExpressionAttributeValues"] = values
    if names is not None:
        kwargs["ExpressionAttributeNames"] = names
    return call_error(ddb.put_item, TableName=hash_table, Item={"pk": S(key)}, **kwargs)


@pytest.mark.parametrize("condition,values,names,message", [
    ("", None, None, "Invalid ConditionExpression: The expression can not be empty;"),
    ("a = :nope", {":v": N(1)}, None,
     "Invalid ConditionExpression: An expression attribute value used in expression is not "
     "defined; attribute value: :nope"),
    ("#nope = :v", {":v": N(1)}, {"#a": "a"},
     "Invalid ConditionExpression: An expression attribute name used in the document path is "
     "not defined; attribute name: #nope"),
    ("status = :v", {":v": N(1)}, None,
     "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status"),
    ("Name = :v", {":v": N(1)}, None,
     "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: Name"),
    ("foo(a)", None, None, "Invalid ConditionExpression: Invalid function name; function: foo"),
    ("begins_with(a)", None, None,
     "Invalid ConditionExpression: Incorrect number of operands for operator or function; "
     "operator or function: begins_with, number of operands: 1"),
    ("attribute_exists(:v)", {":v": S("a")}, None,
     "Invalid ConditionExpression: Operator or function requires a document path; operator or "
     "function: attribute_exists"),
    ("begins_with(a, :v)", {":v": N(1)}, None,
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
     "function: begins_with, operand type: N"),
    ("attribute_type(a, :t)", {":t": S("STRING")}, None,
     "Invalid ConditionExpression: Invalid attribute type name found; type: STRING, valid types: "
     "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}"),
    ("contains(a, a)", None, None,
     "Invalid ConditionExpression: The first operand must be distinct from the remaining "
     "operands for this operator or function; operator: contains, first operand: [a]"),
    ("attribute_exists(a) = :v", {":v": {"BOOL": True}}, None,
     "Invalid ConditionExpression: The function is not allowed to be used this way in an "
     "expression; function: attribute_exists"),
    ("size(a)", None, None,
     "Invalid ConditionExpression: The function is not allowed to be used this way in an "
     "expression; function: size"),
    ("a BETWEEN :hi AND :lo", {":hi": N(5), ":lo": N(1)}, None,
     "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than "
     "or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: "
     "AttributeValue: {N:1}"),
    ("a = :v", {":v": N(1), ":unused": N(2)}, None,
     "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}"),
    ("a = :v", {":v": N(1)}, {"#a": "a", "#b": "b"},
     "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}"),
    ("a = :v", {}, None, "ExpressionAttributeValues must not be empty"),
    ("a = :v", {"v": N(1)}, None,
     "ExpressionAttributeValues contains invalid key: Syntax error; key: \"v\""),
    ("#a = :v", {":v": N(1)}, {"a": "a"},
     "ExpressionAttributeNames contains invalid key: Syntax error; key: \"a\""),
    ("a = :v", {":v": N(1)}, {}, "ExpressionAttributeNames must not be empty"),
    ("size(:v) > :v", {":v": N(1)}, None,
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
     "function: size, operand type: N"),
    ("size(:v) > :n", {":v": {"BOOL": True}, ":n": N(1)}, None,
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
     "function: size, operand type: BOOL"),
    ("size(size(a)) > :n", {":n": N(1)}, None,
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
     "function: size, operand type: N"),
    ("a BETWEEN :lo AND :hi", {":lo": N(1), ":hi": S("x")}, None,
     "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and "
     "upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: "
     "AttributeValue: {S:x}"),
    # A path compared with itself (conformance fact E10, probable text: DynamoDB Local's).
    ("n = n", None, None,
     "Invalid ConditionExpression: The first operand must be distinct from the remaining operands "
     "for this operator or function; operator: =, first operand: [n]"),
    # Update-only functions are "not allowed" in a condition (conformance fact E4).
    ("if_not_exists(a, :v)", {":v": N(1)}, None,
     "Invalid ConditionExpression: The function is not allowed in a condition expression; "
     "function: if_not_exists"),
    ("a = list_append(a, :v)", {":v": {"L": []}}, None,
     "Invalid ConditionExpression: The function is not allowed in a condition expression; "
     "function: list_append"),
    # A literal without an order in an ordering comparison (conformance fact E2).
    ("a < :v", {":v": {"SS": ["z"]}}, None,
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
     "function: <, operand type: SS"),
    (":v >= a", {":v": {"BOOL": True}}, None,
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
     "function: >=, operand type: BOOL"),
    ("a BETWEEN :lo AND :hi", {":lo": {"L": []}, ":hi": {"L": []}}, None,
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
     "function: BETWEEN, operand type: L"),
    ("a = :v", {":v": N("abc")}, None,
     "ExpressionAttributeValues contains invalid value: The parameter cannot be converted to a "
     "numeric value: abc for key :v"),
    ("attribute_exists(%s)" % ".".join(["m"] * 33), None, None,
     "Invalid ConditionExpression: The document path has too many nesting levels; nesting "
     "levels: 33"),
])
def test_condition_validation_messages(ddb, hash_table, key, condition, values, names, message):
    """Parse-time errors with DynamoDB's texts."""
    code, got = _error(ddb, hash_table, key, condition, values, names)
    assert (code, got) == ("ValidationException", message)
    assert get(ddb, hash_table, {"pk": S(key)}) is None


@pytest.mark.parametrize("condition", [
    "a =", "a = :v AND", "(a = :v", "a = :v)", "a == :v", "a = :v b = :v",
    "a IN ()", "a BETWEEN :v", "1a = :v", "a[-1] = :v", "a[:v] = :v",
])
def test_condition_syntax_errors(ddb, hash_table, key, condition):
    code, message = _error(ddb, hash_table, key, condition, {":v": N(1)})
    assert code == "ValidationException"
    assert message.startswith("Invalid ConditionExpression: Syntax error; token: "), message


def test_leading_underscore_is_a_syntax_error(ddb, hash_table, key):
    """A bare name starts with a letter; a leading `_` is a syntax error
    whose token is the `_`."""
    code, message = _error(ddb, hash_table, key, "attribute_exists(_a)")
    assert (code, message) == ("ValidationException",
                               'Invalid ConditionExpression: Syntax error; token: "_", near: "(_a"')


def test_parenthesized_operand(ddb, hash_table, sample):
    """Operand ::= ... | '(' operand ')'."""
    assert holds(ddb, hash_table, sample, "(n) = :v", {":v": N(5)})
    assert holds(ddb, hash_table, sample, "(size(str)) > :v", {":v": N(1)})
    assert holds(ddb, hash_table, sample, "n = (:v)", {":v": N(5)})


def test_condition_expression_size_limit(ddb, hash_table, key):
    """Any expression at most 4096 bytes."""
    clause = "attribute_not_exists(abcdefghijklmnopqrstuvwxyz0123456789) AND "
    base = "attribute_not_exists(pk)"
    padded = clause * ((4096 - len(base)) // len(clause)) + base
    padded = " " * (4096 - len(padded)) + padded
    assert len(padded) == 4096
    ddb.put_item(TableName=hash_table, Item={"pk": S(key)}, ConditionExpression=padded)
    code, message = call_error(ddb.put_item, TableName=hash_table, Item={"pk": S(key + "x")},
                               ConditionExpression=" " + padded)
    assert code == "ValidationException"
    assert message == ("Invalid ConditionExpression: Expression size has exceeded the maximum "
                       "allowed size; expression size: 4097")


def test_condition_operator_limit(ddb, hash_table, key):
    """At most 300 operators (here comparisons and ORs: 2k - 1 for k terms)."""
    ok = " OR ".join(["a = :v"] * 150)                                   # 299 operators
    code, _ = _error(ddb, hash_table, key, ok, {":v": N(1)})
    assert code == FAILED
    code, message = _error(ddb, hash_table, key, " OR ".join(["a = :v"] * 151), {":v": N(1)})
    assert (code, message) == ("ValidationException",
                               "Invalid ConditionExpression: The expression contains too many "
                               "operators; operator count: 301")


def test_149_nested_ors_are_accepted(ddb, hash_table, key):
    """DynamoDB limits 4 KB and 300 operators, not nesting as such (conformance fact E6)."""
    condition = "a = :v"
    for _ in range(149):
        condition = "a = :v OR (" + condition + ")"
    code, _ = _error(ddb, hash_table, key, condition, {":v": N(1)})
    assert code == FAILED  # evaluated: no item has a


@pytest.mark.parametrize("condition", [
    "(" * 2000 + "a = :v" + ")" * 2000,
    "NOT " * 1000 + "a = :v",
    "(" * 4000,
    "size(" * 600 + "a" + ")" * 600 + " = :v",
])
def test_deeply_nested_condition_is_rejected_not_fatal(ddb, hash_table, key, condition):
    """Pathological nesting within the 4 KB limit is a ValidationException; the server keeps
    serving (the session fixture checks its exit status at the end)."""
    code, message = _error(ddb, hash_table, key, condition, {":v": N(1)})
    assert code == "ValidationException"
    assert message.startswith("Invalid ConditionExpression: "), message
    ddb.put_item(TableName=hash_table, Item={"pk": S(key)},
                 ConditionExpression="attribute_not_exists(pk)")


def test_placeholders_without_expression_rejected(ddb, hash_table, key):
    """Names/values given with no expression to use them."""
    code, message = call_error(ddb.put_item, TableName=hash_table, Item={"pk": S(key)},
                               ExpressionAttributeValues={":v": N(1)})
    assert code == "ValidationException"
    assert message.startswith("ExpressionAttributeValues can only be specified when using "
                              "expressions")
    code, message = call_error(ddb.delete_item, TableName=hash_table, Key={"pk": S(key)},
                               ExpressionAttributeNames={"#a": "a"})
    assert (code, message) == ("ValidationException",
                               "ExpressionAttributeNames can only be specified when using "
                               "expressions")


def test_names_shared_between_condition_and_update(ddb, hash_table, key):
    """A placeholder counts as used when any expression of the request uses it."""
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "count": N(1)})
    ddb.update_item(TableName=hash_table, Key={"pk": S(key)},
                    UpdateExpression="SET #c = #c + :one", ConditionExpression="#c < :max",
                    ExpressionAttributeNames={"#c": "count"},
                    ExpressionAttributeValues={":one": N(1), ":max": N(10)})
    assert get(ddb, hash_table, {"pk": S(key)})["count"] == N(2)


def test_characters_outside_the_grammar_are_syntax_errors(ddb, hash_table, key):
    """Conformance fact E5, the service's exact text for a ProjectionExpression."""
    code, message = call_error(ddb.get_item, TableName=hash_table, Key={"pk": S(key)},
                               ProjectionExpression="!!! INVALID !!!")
    assert (code, message) == ("ValidationException",
                               'Invalid ProjectionExpression: Syntax error; token: "!", near: "!!"')
    code, message = _error(ddb, hash_table, key, "i != :v", {":v": N(1)})
    assert (code, message) == ("ValidationException",
                               'Invalid ConditionExpression: Syntax error; token: "!", near: "i !="')
