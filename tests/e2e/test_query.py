"""Query: sort orders per key type, key conditions, direction, pagination, the 1 MB page,
Select COUNT, and KeyConditionExpression validation.

Rules: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html (sort order under ScanIndexForward),
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.KeyConditionExpressions.html and Expressions.*.html.
"""
import decimal
import random

import pytest

from conftest import MB, all_items, call_error, create_table, item_size, pages, unique

NUMBERS = ["-1e125", "-1e10", "-100", "-10", "-9.99", "-1.05", "-1", "-0.999", "-0.5",
           "-0.001", "-1e-130", "0", "1e-130", "0.000001", "0.099", "0.1", "0.11", "0.5", "1",
           "1.05", "1.5", "2", "9.99", "10", "10.5", "99", "100", "101", "1e3", "12345.678",
           "1e10", "12345678901234567890123456789012345678", "9.9999999999999999999999999999999999999e125"]

# UTF-8 byte order = code point order: 'A' (41) < 'a' (61) < 'z' (7A) < '¿' (C2 BF).
STRINGS = ["0", "A", "Z", "a", "a\x00", "a\x01", "aa", "ab", "b", "z", "~", "\x7f", "¿", "é",
           "\uffee", "😀"]

# Unsigned byte order, a proper prefix first.
BINARIES = [b"\x00", b"\x00\x00", b"\x00\x01", b"\x01", b"\x01\x00", b"\x01\xff", b"\x7f",
            b"\x80", b"\x80\x00", b"\xfe", b"\xff", b"\xff\x00", b"\xff\xff"]


def q(ddb, table, condition, values, **kwargs):
    return ddb.query(TableName=table, KeyConditionExpression=condition,
                     ExpressionAttributeValues=values, **kwargs)


def shuffled(values):
    values = list(values)
    random.Random(7).shuffle(values)
    return values


def normal(n):
    """Normalised text of a number, as DynamoDB returns it."""
    d = decimal.Decimal(n)
    if d == 0:
        return "0"
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


@pytest.fixture(scope="module")
def numbers(ddb, range_table):
    key = unique("numbers")
    for n in shuffled(NUMBERS):
        ddb.put_item(TableName=range_table, Item={"pk": {"S": key}, "sk": {"N": n}})
    return key


def sks(items, kind="N"):
    return [i["sk"][kind] for i in items]


# --- Order ----------------------------------------------------------------------------------

def test_numeric_sort_key_order(ddb, range_table, numbers):
    """N sort keys order by numeric value across signs, decimals and exponents."""
    expected = [normal(n) for n in NUMBERS]
    page = q(ddb, range_table, "pk = :p", {":p": {"S": numbers}})
    assert sks(page["Items"]) == expected
    assert page["Count"] == page["ScannedCount"] == len(NUMBERS)
    assert "LastEvaluatedKey" not in page
    page = q(ddb, range_table, "pk = :p", {":p": {"S": numbers}}, ScanIndexForward=False)
    assert sks(page["Items"]) == expected[::-1]


def test_string_sort_key_byte_order(ddb, string_range_table, key):
    for s in shuffled(STRINGS):
        ddb.put_item(TableName=string_range_table, Item={"pk": {"S": key}, "sk": {"S": s}})
    assert STRINGS == sorted(STRINGS, key=lambda s: s.encode("utf-8"))
    page = q(ddb, string_range_table, "pk = :p", {":p": {"S": key}})
    assert sks(page["Items"], "S") == STRINGS
    page = q(ddb, string_range_table, "pk = :p", {":p": {"S": key}}, ScanIndexForward=False)
    assert sks(page["Items"], "S") == STRINGS[::-1]


def test_binary_sort_key_unsigned_order(ddb, binary_range_table):
    pk = unique("bin").encode()
    for b in shuffled(BINARIES):
        ddb.put_item(TableName=binary_range_table, Item={"pk": {"B": pk}, "sk": {"B": b}})
    page = q(ddb, binary_range_table, "pk = :p", {":p": {"B": pk}})
    assert sks(page["Items"], "B") == BINARIES
    page = q(ddb, binary_range_table, "pk = :p", {":p": {"B": pk}}, ScanIndexForward=False)
    assert sks(page["Items"], "B") == BINARIES[::-1]


def test_partition_isolation(ddb, range_table, key):
    """A query returns only its own partition key's items."""
    for pk in (key, key + "0", key[:-1]):
        ddb.put_item(TableName=range_table, Item={"pk": {"S": pk}, "sk": {"N": "1"}})
    page = q(ddb, range_table, "pk = :p", {":p": {"S": key}})
    assert page["Items"] == [{"pk": {"S": key}, "sk": {"N": "1"}}]


def test_query_hash_only_table(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item={"pk": {"S": key}, "v": {"S": "x"}})
    page = q(ddb, hash_table, "pk = :p", {":p": {"S": key}})
    assert page["Items"] == [{"pk": {"S": key}, "v": {"S": "x"}}]
    assert page["Count"] == 1


def test_query_empty_partition(ddb, range_table, key):
    page = q(ddb, range_table, "pk = :p", {":p": {"S": key}})
    assert page["Items"] == [] and page["Count"] == 0 and page["ScannedCount"] == 0
    assert "LastEvaluatedKey" not in page


# --- Sort key conditions --------------------------------------------------------------------

D = decimal.Decimal

NUMERIC_CONDITIONS = [
    ("sk = :a", {":a": "1.5"}, lambda v: v == D("1.5")),
    ("sk = :a", {":a": "15e-1"}, lambda v: v == D("1.5")),
    ("sk = :a", {":a": "3"}, lambda v: False),
    ("sk < :a", {":a": "-0.5"}, lambda v: v < D("-0.5")),
    ("sk <= :a", {":a": "-0.5"}, lambda v: v <= D("-0.5")),
    ("sk > :a", {":a": "0"}, lambda v: v > 0),
    ("sk >= :a", {":a": "0"}, lambda v: v >= 0),
    ("sk > :a", {":a": "0.1"}, lambda v: v > D("0.1")),
    ("sk < :a", {":a": "-1e125"}, lambda v: False),
    ("sk <= :a", {":a": "-1e125"}, lambda v: v == D("-1e125")),
    ("sk > :a", {":a": "9.9999999999999999999999999999999999999e125"}, lambda v: False),
    ("sk BETWEEN :a AND :b", {":a": "-1", ":b": "1"}, lambda v: -1 <= v <= 1),
    ("sk BETWEEN :a AND :b", {":a": "1.05", ":b": "1.05"}, lambda v: v == D("1.05")),
    ("sk BETWEEN :a AND :b", {":a": "0.0995", ":b": "0.1001"}, lambda v: v == D("0.1")),
    (":a > sk", {":a": "1"}, lambda v: v < 1),     # value first: same as sk < :a
    (":a <= sk", {":a": "100"}, lambda v: v >= 100),
    ("(sk >= :a)", {":a": "99"}, lambda v: v >= 99),
]


@pytest.mark.parametrize("condition,values,want", NUMERIC_CONDITIONS,
                         ids=[c[0] + " " + ",".join(c[1].values()) for c in NUMERIC_CONDITIONS])
@pytest.mark.parametrize("forward", [True, False], ids=["asc", "desc"])
def test_numeric_sort_key_conditions(ddb, range_table, numbers, condition, values, want, forward):
    expected = [normal(n) for n in NUMBERS if want(decimal.Decimal(n))]
    if not forward:
        expected.reverse()
    attr_values = {k: {"N": v} for k, v in values.items()}
    attr_values[":p"] = {"S": numbers}
    page = q(ddb, range_table, "pk = :p AND " + condition, attr_values, ScanIndexForward=forward)
    assert sks(page["Items"]) == expected
    assert page["Count"] == len(expected)


def test_key_conditions_in_either_order(ddb, range_table, numbers):
    a = q(ddb, range_table, "sk > :v AND pk = :p", {":p": {"S": numbers}, ":v": {"N": "100"}})
    b = q(ddb, range_table, ":p = pk AND sk > :v", {":p": {"S": numbers}, ":v": {"N": "100"}})
    assert sks(a["Items"]) == sks(b["Items"]) == [normal(n) for n in NUMBERS[NUMBERS.index("101"):]]


def test_string_conditions_and_begins_with(ddb, string_range_table, key):
    values = ["a", "ab", "abc", "abd", "ac", "b", "b\x00", "ba", "é", "éa", "😀x"]
    for s in shuffled(values):
        ddb.put_item(TableName=string_range_table, Item={"pk": {"S": key}, "sk": {"S": s}})

    def run(condition, **v):
        vals = {":" + k: {"S": x} for k, x in v.items()}
        vals[":p"] = {"S": key}
        return sks(q(ddb, string_range_table, "pk = :p AND " + condition, vals)["Items"], "S")

    assert run("begins_with(sk, :x)", x="ab") == ["ab", "abc", "abd"]
    assert run("begins_with(sk, :x)", x="a") == ["a", "ab", "abc", "abd", "ac"]
    assert run("begins_with(sk, :x)", x="b") == ["b", "b\x00", "ba"]
    assert run("begins_with(sk, :x)", x="é") == ["é", "éa"]
    assert run("begins_with(sk, :x)", x="abcd") == []
    assert run("begins_with(sk, :x)", x="\U0001F600") == ["😀x"]
    assert run("sk BETWEEN :x AND :y", x="ab", y="b") == ["ab", "abc", "abd", "ac", "b"]
    assert run("sk < :x", x="ab") == ["a"]
    assert run("sk <= :x", x="ab") == ["a", "ab"]
    assert run("sk > :x", x="ba") == ["é", "éa", "😀x"]
    assert run("sk >= :x", x="b\x00") == ["b\x00", "ba", "é", "éa", "😀x"]
    assert run("sk = :x", x="b\x00") == ["b\x00"]
    page = q(ddb, string_range_table, "pk = :p AND begins_with(sk, :x)",
             {":p": {"S": key}, ":x": {"S": "a"}}, ScanIndexForward=False)
    assert sks(page["Items"], "S") == ["ac", "abd", "abc", "ab", "a"]


def test_binary_conditions_and_begins_with(ddb, binary_range_table):
    pk = unique("bcond").encode()
    for b in shuffled(BINARIES):
        ddb.put_item(TableName=binary_range_table, Item={"pk": {"B": pk}, "sk": {"B": b}})

    def run(condition, **v):
        vals = {":" + k: {"B": x} for k, x in v.items()}
        vals[":p"] = {"B": pk}
        return sks(q(ddb, binary_range_table, "pk = :p AND " + condition, vals)["Items"], "B")

    assert run("begins_with(sk, :x)", x=b"\x00") == [b"\x00", b"\x00\x00", b"\x00\x01"]
    assert run("begins_with(sk, :x)", x=b"\xff") == [b"\xff", b"\xff\x00", b"\xff\xff"]
    assert run("begins_with(sk, :x)", x=b"\x80") == [b"\x80", b"\x80\x00"]
    assert run("sk > :x", x=b"\x7f") == [b"\x80", b"\x80\x00", b"\xfe", b"\xff", b"\xff\x00",
                                        b"\xff\xff"]
    assert run("sk < :x", x=b"\x01") == [b"\x00", b"\x00\x00", b"\x00\x01"]
    assert run("sk BETWEEN :x AND :y", x=b"\x01", y=b"\x80") == \
        [b"\x01", b"\x01\x00", b"\x01\xff", b"\x7f", b"\x80"]
    assert run("sk = :x", x=b"\x00\x00") == [b"\x00\x00"]


# --- Pagination -----------------------------------------------------------------------------

@pytest.mark.parametrize("forward", [True, False], ids=["asc", "desc"])
@pytest.mark.parametrize("limit", [1, 4, 7, len(NUMBERS), 100])
def test_limit_pagination(ddb, range_table, numbers, forward, limit):
    """Limit + LastEvaluatedKey/ExclusiveStartKey visit every item once, in order; each
    LastEvaluatedKey is the key of the page's last item."""
    all_pages = pages(ddb.query, TableName=range_table, KeyConditionExpression="pk = :p",
                      ExpressionAttributeValues={":p": {"S": numbers}}, Limit=limit,
                      ScanIndexForward=forward)
    expected = [normal(n) for n in NUMBERS]
    if not forward:
        expected.reverse()
    got = [sk for page in all_pages for sk in sks(page["Items"])]
    assert got == expected
    for page in all_pages:
        assert page["Count"] == page["ScannedCount"] == len(page["Items"]) <= limit
        if "LastEvaluatedKey" in page:
            assert len(page["Items"]) == limit
            assert page["LastEvaluatedKey"] == page["Items"][-1]
    assert len(all_pages) in (-(-len(NUMBERS) // limit), -(-len(NUMBERS) // limit) + 1)


def test_pagination_with_sort_key_condition(ddb, range_table, numbers):
    for forward in (True, False):
        got = all_items(ddb.query, TableName=range_table,
                        KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
                        ExpressionAttributeValues={":p": {"S": numbers}, ":a": {"N": "-1"},
                                                   ":b": {"N": "10"}},
                        Limit=3, ScanIndexForward=forward)
        expected = [normal(n) for n in NUMBERS if -1 <= decimal.Decimal(n) <= 10]
        assert sks(got) == (expected if forward else expected[::-1])


def test_exclusive_start_key_not_stored(ddb, range_table, numbers):
    """ExclusiveStartKey need not be an existing item: the query continues strictly after it."""
    page = q(ddb, range_table, "pk = :p", {":p": {"S": numbers}},
             ExclusiveStartKey={"pk": {"S": numbers}, "sk": {"N": "1.2"}}, Limit=2)
    assert sks(page["Items"]) == ["1.5", "2"]
    page = q(ddb, range_table, "pk = :p", {":p": {"S": numbers}}, ScanIndexForward=False,
             ExclusiveStartKey={"pk": {"S": numbers}, "sk": {"N": "1.2"}}, Limit=2)
    assert sks(page["Items"]) == ["1.05", "1"]


@pytest.mark.parametrize("forward", [True, False], ids=["asc", "desc"])
def test_query_resumes_after_deleted_last_key(ddb, range_table, key, forward):
    for i in range(20):
        ddb.put_item(TableName=range_table, Item={"pk": {"S": key}, "sk": {"N": str(i)}})
    seen = []
    kwargs = dict(TableName=range_table, KeyConditionExpression="pk = :p",
                  ExpressionAttributeValues={":p": {"S": key}}, Limit=3, ScanIndexForward=forward)
    while True:
        page = ddb.query(**kwargs)
        seen += [int(i["sk"]["N"]) for i in page["Items"]]
        if "LastEvaluatedKey" not in page:
            break
        ddb.delete_item(TableName=range_table, Key=page["LastEvaluatedKey"])
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    assert seen == (list(range(20)) if forward else list(range(19, -1, -1)))


def test_query_paginator(ddb, range_table, numbers):
    paginator = ddb.get_paginator("query")
    seen = []
    for page in paginator.paginate(TableName=range_table, KeyConditionExpression="pk = :p",
                                   ExpressionAttributeValues={":p": {"S": numbers}},
                                   PaginationConfig={"PageSize": 5}):
        assert len(page["Items"]) <= 5
        seen += sks(page["Items"])
    assert seen == [normal(n) for n in NUMBERS]


def test_resource_query_with_conditions(resource, range_table, numbers):
    from boto3.dynamodb.conditions import Key
    from decimal import Decimal
    table = resource.Table(range_table)
    items = table.query(KeyConditionExpression=Key("pk").eq(numbers) & Key("sk").between(
        Decimal("0.1"), Decimal("2")))["Items"]
    assert [i["sk"] for i in items] == [Decimal(x) for x in ("0.1", "0.11", "0.5", "1", "1.05",
                                                            "1.5", "2")]


def test_one_megabyte_page(ddb, string_range_table, key):
    """A page ends once the items read reach 1 MB (the item crossing it included) and then
    carries a LastEvaluatedKey."""
    count = 15
    items = [{"pk": {"S": key}, "sk": {"S": "%02d" % i}, "data": {"S": "d" * 100_000}}
             for i in range(count)]
    for item in items:
        ddb.put_item(TableName=string_range_table, Item=item)
    first = q(ddb, string_range_table, "pk = :p", {":p": {"S": key}})
    sizes = [item_size(i) for i in first["Items"]]
    assert "LastEvaluatedKey" in first
    assert len(first["Items"]) < count
    assert sum(sizes) >= MB > sum(sizes[:-1])
    assert first["LastEvaluatedKey"] == {"pk": {"S": key}, "sk": first["Items"][-1]["sk"]}

    for forward in (True, False):
        all_pages = pages(ddb.query, TableName=string_range_table,
                          KeyConditionExpression="pk = :p",
                          ExpressionAttributeValues={":p": {"S": key}}, ScanIndexForward=forward)
        assert len(all_pages) >= 2
        got = [i["sk"]["S"] for p in all_pages for i in p["Items"]]
        expected = ["%02d" % i for i in range(count)]
        assert got == (expected if forward else expected[::-1])
    # Select COUNT pages by the same rule: the 1 MB counts items read, not items returned.
    counts = pages(ddb.query, TableName=string_range_table, KeyConditionExpression="pk = :p",
                   ExpressionAttributeValues={":p": {"S": key}}, Select="COUNT")
    assert counts[0]["Count"] == len(first["Items"])
    assert sum(p["Count"] for p in counts) == count


def test_select_count(ddb, range_table, numbers):
    page = q(ddb, range_table, "pk = :p", {":p": {"S": numbers}}, Select="COUNT")
    assert "Items" not in page
    assert page["Count"] == page["ScannedCount"] == len(NUMBERS)
    page = q(ddb, range_table, "pk = :p AND sk > :v", {":p": {"S": numbers}, ":v": {"N": "0"}},
             Select="COUNT", Limit=3)
    assert "Items" not in page
    assert page["Count"] == page["ScannedCount"] == 3
    assert page["LastEvaluatedKey"]["sk"] == {"N": normal("0.099")}  # 1e-130, 0.000001, 0.099


def test_select_all_attributes(ddb, range_table, key):
    item = {"pk": {"S": key}, "sk": {"N": "1"}, "a": {"S": "x"}, "b": {"L": [{"N": "2"}]}}
    ddb.put_item(TableName=range_table, Item=item)
    page = q(ddb, range_table, "pk = :p", {":p": {"S": key}}, Select="ALL_ATTRIBUTES")
    assert page["Items"] == [item]


def test_query_capacity(ddb, range_table, key):
    """Query: ceil(sum of sizes read / 4 KB), halved when eventually consistent; min 0.5."""
    for i in range(3):
        ddb.put_item(TableName=range_table, Item={"pk": {"S": key}, "sk": {"N": str(i)},
                                                  "d": {"S": "x" * 3000}})
    page = q(ddb, range_table, "pk = :p", {":p": {"S": key}}, ReturnConsumedCapacity="TOTAL")
    assert page["ConsumedCapacity"]["TableName"] == range_table
    assert page["ConsumedCapacity"]["CapacityUnits"] == 1.5  # ~9 KB: 3 units, eventual
    page = q(ddb, range_table, "pk = :p", {":p": {"S": key}}, ReturnConsumedCapacity="TOTAL",
             ConsistentRead=True)
    assert page["ConsumedCapacity"]["CapacityUnits"] == 3.0
    page = q(ddb, range_table, "pk = :p", {":p": {"S": key + "-none"}},
             ReturnConsumedCapacity="TOTAL")
    assert page["ConsumedCapacity"]["CapacityUnits"] == 0.5


# --- Attribute names ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def reserved_table(ddb):
    """Key attributes named with reserved words: name (S) and date (N)."""
    return create_table(ddb, unique("reserved"), pk=("name", "S"), sk=("date", "N"))


def test_expression_attribute_names_for_reserved_key_names(ddb, reserved_table, key):
    for d in ("3", "1", "2"):
        ddb.put_item(TableName=reserved_table, Item={"name": {"S": key}, "date": {"N": d}})
    page = ddb.query(TableName=reserved_table, KeyConditionExpression="#n = :n AND #d >= :d",
                     ExpressionAttributeNames={"#n": "name", "#d": "date"},
                     ExpressionAttributeValues={":n": {"S": key}, ":d": {"N": "2"}})
    assert [i["date"]["N"] for i in page["Items"]] == ["2", "3"]


def test_reserved_word_used_bare(ddb, reserved_table, key):
    code, message = call_error(ddb.query, TableName=reserved_table,
                               KeyConditionExpression="name = :n",
                               ExpressionAttributeValues={":n": {"S": key}})
    assert code == "ValidationException"
    assert message == ("Invalid KeyConditionExpression: Attribute name is a reserved keyword; "
                       "reserved keyword: name")
    # Case-insensitive match.
    code, message = call_error(ddb.query, TableName=reserved_table,
                               KeyConditionExpression="#n = :n AND DATE > :d",
                               ExpressionAttributeNames={"#n": "name"},
                               ExpressionAttributeValues={":n": {"S": key}, ":d": {"N": "1"}})
    assert code == "ValidationException"
    assert message == ("Invalid KeyConditionExpression: Attribute name is a reserved keyword; "
                       "reserved keyword: DATE")


# --- Errors ---------------------------------------------------------------------------------

def query_error(ddb, table, condition, values=None, **kwargs):
    if values is not None:
        kwargs["ExpressionAttributeValues"] = values
    return call_error(ddb.query, TableName=table, KeyConditionExpression=condition, **kwargs)


def test_or_in_key_condition(ddb, range_table, key):
    assert query_error(ddb, range_table, "pk = :p OR sk > :s",
                       {":p": {"S": key}, ":s": {"N": "1"}}) == (
        "ValidationException",
        "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: OR")


@pytest.mark.parametrize("condition,operator", [
    ("pk = :p AND NOT sk > :s", "NOT"),
    ("pk = :p AND sk <> :s", "<>"),
    ("pk = :p AND sk IN (:s)", "IN"),
    ("pk = :p AND attribute_exists(sk)", "attribute_exists"),
])
def test_invalid_operators_in_key_condition(ddb, range_table, key, condition, operator):
    values = {":p": {"S": key}}
    if ":s" in condition:
        values[":s"] = {"N": "1"}
    assert query_error(ddb, range_table, condition, values) == (
        "ValidationException",
        "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: "
        + operator)


def test_condition_on_non_key_attribute(ddb, range_table, key):
    assert query_error(ddb, range_table, "pk = :p AND colour = :o",
                       {":p": {"S": key}, ":o": {"S": "x"}}) == \
        ("ValidationException", "Query key condition not supported")


def test_missing_partition_key_condition(ddb, range_table):
    assert query_error(ddb, range_table, "sk > :s", {":s": {"N": "1"}}) == \
        ("ValidationException", "Query condition missed key schema element: pk")
    # Also when the only condition is on another attribute (conformance fact M9).
    assert query_error(ddb, range_table, "attr1 = :v", {":v": {"S": "x"}}) == \
        ("ValidationException", "Query condition missed key schema element: pk")


@pytest.mark.parametrize("condition", ["pk > :p", "pk <= :p", "begins_with(pk, :p)",
                                       "pk BETWEEN :p AND :p"])
def test_range_operator_on_partition_key(ddb, range_table, key, condition):
    assert query_error(ddb, range_table, condition, {":p": {"S": key}}) == \
        ("ValidationException", "Query key condition not supported")


def test_two_conditions_on_one_key(ddb, range_table, key):
    code, message = query_error(ddb, range_table, "pk = :p AND sk > :a AND sk < :b",
                                {":p": {"S": key}, ":a": {"N": "1"}, ":b": {"N": "5"}})
    assert code == "ValidationException"
    assert message == ("Invalid KeyConditionExpression: KeyConditionExpressions must only "
                       "contain one condition per key")


@pytest.mark.parametrize("condition,values", [
    ("pk = :p", {":p": {"N": "1"}}),
    ("pk = :p AND sk > :s", {":p": {"S": "k"}, ":s": {"S": "1"}}),
    ("pk = :p AND sk BETWEEN :a AND :b", {":p": {"S": "k"}, ":a": {"S": "1"}, ":b": {"S": "2"}}),
], ids=["pk", "sk", "between"])
def test_wrong_value_type(ddb, range_table, condition, values):
    assert query_error(ddb, range_table, condition, values) == (
        "ValidationException",
        "One or more parameter values were invalid: Condition parameter type does not match "
        "schema type")


def test_begins_with_on_number_sort_key(ddb, range_table, key):
    assert query_error(ddb, range_table, "pk = :p AND begins_with(sk, :s)",
                       {":p": {"S": key}, ":s": {"N": "1"}}) == (
        "ValidationException",
        "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
        "operator or function: begins_with, operand type: N")


def test_between_bounds_of_different_types(ddb, range_table, key):
    code, message = query_error(ddb, range_table, "pk = :p AND sk BETWEEN :a AND :b",
                                {":p": {"S": key}, ":a": {"N": "1"}, ":b": {"S": "2"}})
    assert code == "ValidationException"
    assert message.startswith("Invalid KeyConditionExpression: The BETWEEN operator requires "
                              "same data type for lower and upper bounds")


def test_between_bounds_reversed(ddb, range_table, key):
    code, message = query_error(ddb, range_table, "pk = :p AND sk BETWEEN :a AND :b",
                                {":p": {"S": key}, ":a": {"N": "5"}, ":b": {"N": "1"}})
    assert code == "ValidationException"
    assert message.startswith("Invalid KeyConditionExpression: The BETWEEN operator requires "
                              "upper bound to be greater than or equal to lower bound")


def test_undefined_value_placeholder(ddb, range_table, key):
    assert query_error(ddb, range_table, "pk = :p AND sk > :zz", {":p": {"S": key}}) == (
        "ValidationException",
        "Invalid KeyConditionExpression: An expression attribute value used in expression is "
        "not defined; attribute value: :zz")


def test_undefined_name_placeholder(ddb, range_table, key):
    assert query_error(ddb, range_table, "#k = :p", {":p": {"S": key}}) == (
        "ValidationException",
        "Invalid KeyConditionExpression: An expression attribute name used in the document path "
        "is not defined; attribute name: #k")


def test_unused_expression_attribute_values(ddb, range_table, key):
    assert query_error(ddb, range_table, "pk = :p",
                       {":p": {"S": key}, ":unused": {"S": "x"}}) == (
        "ValidationException",
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}")


def test_unused_expression_attribute_names(ddb, range_table, key):
    assert query_error(ddb, range_table, "pk = :p", {":p": {"S": key}},
                       ExpressionAttributeNames={"#x": "x"}) == (
        "ValidationException",
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}")


@pytest.mark.parametrize("names,values,message", [
    (None, {}, "ExpressionAttributeValues must not be empty"),
    ({}, {":p": {"S": "k"}}, "ExpressionAttributeNames must not be empty"),
    (None, {":p": {"S": "k"}, "bad": {"S": "x"}},
     'ExpressionAttributeValues contains invalid key: Syntax error; key: "bad"'),
    ({"bad": "x"}, {":p": {"S": "k"}},
     'ExpressionAttributeNames contains invalid key: Syntax error; key: "bad"'),
    (None, {":p": {"S": "k", "N": "1"}},
     "ExpressionAttributeValues contains invalid value: Supplied AttributeValue has more than "
     "one datatypes set, must contain exactly one of the supported datatypes for key :p"),
    (None, {":p": {"SS": []}},
     "ExpressionAttributeValues contains invalid value: One or more parameter values were "
     "invalid: An string set  may not be empty for key :p"),
], ids=["empty-values", "empty-names", "bad-value-key", "bad-name-key", "two-types", "empty-set"])
def test_invalid_expression_attribute_maps(raw_ddb, range_table, names, values, message):
    """Placeholder map checks."""
    kwargs = {"ExpressionAttributeValues": values}
    if names is not None:
        kwargs["ExpressionAttributeNames"] = names
    assert query_error(raw_ddb, range_table, "pk = :p", **kwargs) == \
        ("ValidationException", message)


def test_empty_key_condition(ddb, range_table, key):
    assert query_error(ddb, range_table, "", {":p": {"S": key}}) == (
        "ValidationException", "Invalid KeyConditionExpression: The expression can not be empty;")


def test_syntax_error(ddb, range_table, key):
    code, message = query_error(ddb, range_table, "pk = = :p", {":p": {"S": key}})
    assert code == "ValidationException"
    assert message.startswith("Invalid KeyConditionExpression: Syntax error; token: ")


def test_no_key_condition(ddb, range_table):
    code, message = call_error(ddb.query, TableName=range_table)
    assert code == "ValidationException"
    assert message == ("Either the KeyConditions or KeyConditionExpression parameter must be "
                       "specified in the request.")


@pytest.mark.parametrize("start_key", [
    {"pk": {"S": "k"}},                                   # sort key missing
    {"pk": {"S": "k"}, "sk": {"S": "1"}},                 # wrong type
    {"pk": {"S": "k"}, "sk": {"N": "1"}, "x": {"S": "y"}},  # extra attribute
], ids=["missing-sk", "wrong-type", "extra"])
def test_bad_exclusive_start_key(ddb, range_table, start_key):
    code, message = query_error(ddb, range_table, "pk = :p", {":p": {"S": "k"}},
                                ExclusiveStartKey=start_key)
    assert code == "ValidationException"
    assert message.startswith("The provided starting key is invalid")


def test_exclusive_start_key_outside_partition(ddb, range_table, key):
    code, message = query_error(ddb, range_table, "pk = :p", {":p": {"S": key}},
                                ExclusiveStartKey={"pk": {"S": key + "-other"}, "sk": {"N": "1"}})
    assert code == "ValidationException"
    assert message == ("The provided starting key is outside query boundaries based on provided "
                       "conditions")
    # Also outside a sort key fixed by equality (conformance fact T5).
    code, message = query_error(ddb, range_table, "pk = :p AND sk = :s", {":p": {"S": key}, ":s": {"N": "1"}},
                                ExclusiveStartKey={"pk": {"S": key}, "sk": {"N": "2"}})
    assert (code, message) == ("ValidationException", "The provided starting key is outside query "
                                                      "boundaries based on provided conditions")


def test_query_on_a_partition_only_table_cannot_restart(ddb, hash_table):
    """Conformance fact T6: a partition holds one item, so no ExclusiveStartKey is valid."""
    code, message = query_error(ddb, hash_table, "pk = :p", {":p": {"S": "KPQ4X3JE19"}},
                                ExclusiveStartKey={"pk": {"S": "KPQ4X3JE19"}})
    assert (code, message) == ("ValidationException", "The provided exclusive start key is invalid: "
                                                      "ExclusiveStartKey: {pk=AttributeValue: {S:KPQ4X3JE19}}")
    ddb.put_item(TableName=hash_table, Item={"pk": {"S": "KPQ4X3JE19"}})
    page = ddb.query(TableName=hash_table, KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": {"S": "KPQ4X3JE19"}}, Limit=1)
    assert len(page["Items"]) == 1 and "LastEvaluatedKey" not in page  # nothing to page through


def test_limit_zero(raw_ddb, range_table, key):
    code, message = query_error(raw_ddb, range_table, "pk = :p", {":p": {"S": key}}, Limit=0)
    assert code == "ValidationException"
    # Query's own form: no value, the member's name as is (conformance fact M10).
    assert message == ("1 validation error detected: Value at 'Limit' failed to satisfy "
                       "constraint: Member must have value greater than or equal to 1")


def test_missing_table(ddb):
    assert query_error(ddb, unique("missing"), "pk = :p", {":p": {"S": "a"}}) == \
        ("ResourceNotFoundException", "Requested resource not found")


def test_query_filter_with_size_of_a_literal(ddb, range_table, key):
    ddb.put_item(TableName=range_table, Item={"pk": {"S": key}, "sk": {"N": "1"}})
    items = ddb.query(TableName=range_table, KeyConditionExpression="pk = :p", FilterExpression="size(:v) = :n",
                      ExpressionAttributeValues={":p": {"S": key}, ":v": {"SS": ["a", "b"]}, ":n": {"N": "2"}})["Items"]
    assert items == [{"pk": {"S": key}, "sk": {"N": "1"}}]

