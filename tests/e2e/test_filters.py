"""FilterExpression on Query and Scan (applied after Limit), ProjectionExpression on GetItem,
BatchGetItem, Query and Scan, Select, and the limits and errors of both expressions.

Rules: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html and API_Scan.html (pages, Count vs ScannedCount,
Select, capacity), https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.FilterExpression.html and
Expressions.ProjectionExpressions.html.
"""
import pytest

from conftest import all_items, call_error, pages, unique

RED = [3, 6, 9, 12, 15, 18]  # sk % 3 == 0 among 1..20


def S(v):
    return {"S": v}


def N(v):
    return {"N": str(v)}


def sks(items):
    return [int(i["sk"]["N"]) for i in items]


@pytest.fixture(scope="module")
def dataset(ddb, range_table):
    """20 items sk = 1..20 under one partition key; color red when sk % 3 == 0."""
    pk = unique("filters")
    for sk in range(1, 21):
        item = {"pk": S(pk), "sk": N(sk), "color": S("red" if sk % 3 == 0 else "blue"),
                "n": N(sk), "doc": {"M": {"even": {"BOOL": sk % 2 == 0},
                                          "tags": {"L": [S("t%d" % sk)]}}}}
        if sk % 5 == 0:
            item["rare"] = S("yes")
        ddb.put_item(TableName=range_table, Item=item)
    return pk


def query(ddb, table, pk, **kwargs):
    values = dict(kwargs.pop("ExpressionAttributeValues", {}))
    values[":pk"] = S(pk)
    condition = kwargs.pop("KeyConditionExpression", "pk = :pk")
    return ddb.query(TableName=table, KeyConditionExpression=condition,
                     ExpressionAttributeValues=values, **kwargs)


RED_FILTER = dict(FilterExpression="color = :red", ExpressionAttributeValues={":red": S("red")})


# --- Filter after Limit ---------------------------------------------------------------------

def test_query_filter_counts(ddb, range_table, dataset):
    page = query(ddb, range_table, dataset, **RED_FILTER)
    assert sks(page["Items"]) == RED
    assert page["Count"] == len(RED)
    assert page["ScannedCount"] == 20
    assert "LastEvaluatedKey" not in page


def test_query_filter_applies_after_limit(ddb, range_table, dataset):
    """Limit counts items read; the filter runs on those."""
    page = query(ddb, range_table, dataset, Limit=5, **RED_FILTER)
    assert sks(page["Items"]) == [3]
    assert (page["Count"], page["ScannedCount"]) == (1, 5)
    assert page["LastEvaluatedKey"] == {"pk": S(dataset), "sk": N(5)}


def test_page_with_count_zero_still_has_last_evaluated_key(ddb, range_table, dataset):
    page = query(ddb, range_table, dataset, Limit=2, **RED_FILTER)
    assert page["Items"] == []
    assert (page["Count"], page["ScannedCount"]) == (0, 2)
    assert page["LastEvaluatedKey"] == {"pk": S(dataset), "sk": N(2)}
    page = query(ddb, range_table, dataset, Limit=2, ExclusiveStartKey=page["LastEvaluatedKey"],
                 **RED_FILTER)
    assert sks(page["Items"]) == [3]


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 7, 20, 21])
@pytest.mark.parametrize("forward", [True, False])
def test_query_filter_pagination_returns_each_match_once(ddb, range_table, dataset, limit,
                                                         forward):
    result = pages(ddb.query, TableName=range_table, KeyConditionExpression="pk = :pk",
                   FilterExpression="color = :red", Limit=limit, ScanIndexForward=forward,
                   ExpressionAttributeValues={":pk": S(dataset), ":red": S("red")})
    items = [i for p in result for i in p["Items"]]
    assert sks(items) == (RED if forward else RED[::-1])
    assert sum(p["ScannedCount"] for p in result) == 20
    assert sum(p["Count"] for p in result) == len(RED)
    assert all(p["ScannedCount"] <= limit for p in result)


def test_query_filter_with_sort_key_condition(ddb, range_table, dataset):
    page = query(ddb, range_table, dataset,
                 KeyConditionExpression="pk = :pk AND sk BETWEEN :a AND :b",
                 FilterExpression="color = :red OR attribute_exists(rare)",
                 ExpressionAttributeValues={":a": N(5), ":b": N(12), ":red": S("red")})
    assert sks(page["Items"]) == [5, 6, 9, 10, 12]
    assert page["ScannedCount"] == 8


@pytest.mark.parametrize("expression,values,expected", [
    ("attribute_exists(rare)", {}, [5, 10, 15, 20]),
    ("attribute_not_exists(rare) AND n > :n", {":n": N(17)}, [18, 19]),
    ("doc.even = :t AND color = :red", {":t": {"BOOL": True}, ":red": S("red")}, [6, 12, 18]),
    ("contains(doc.tags, :t)", {":t": S("t7")}, [7]),
    ("doc.tags[0] = :t", {":t": S("t9")}, [9]),
    ("size(doc.tags) = :one AND n IN (:a, :b)", {":one": N(1), ":a": N(2), ":b": N(4)}, [2, 4]),
    ("begins_with(color, :r) AND NOT n BETWEEN :lo AND :hi",
     {":r": S("r"), ":lo": N(4), ":hi": N(17)},
     [3, 18]),
    ("absent = :x", {":x": S("x")}, []),
    ("absent <> :x AND n < :three", {":x": S("x"), ":three": N(3)}, [1, 2]),
])
def test_query_filter_expressions(ddb, range_table, dataset, expression, values, expected):
    page = query(ddb, range_table, dataset, FilterExpression=expression,
                 ExpressionAttributeValues=values)
    assert sks(page["Items"]) == expected
    assert page["ScannedCount"] == 20


def test_filter_does_not_reduce_consumed_capacity(ddb, range_table, dataset):
    """Query capacity counts the items read; filters do not reduce it."""
    plain = query(ddb, range_table, dataset, ReturnConsumedCapacity="TOTAL")
    filtered = query(ddb, range_table, dataset, FilterExpression="color = :x",
                     ExpressionAttributeValues={":x": S("none")}, ReturnConsumedCapacity="TOTAL")
    assert filtered["Count"] == 0
    assert (filtered["ConsumedCapacity"]["CapacityUnits"]
            == plain["ConsumedCapacity"]["CapacityUnits"])


# --- Scan -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def scan_table(ddb):
    """A table of its own: 30 items, kind a/b/c by i % 3, so Scan counts are exact."""
    from conftest import create_table
    name = create_table(ddb, unique("filterscan"))
    for i in range(30):
        ddb.put_item(TableName=name, Item={"pk": S("item-%02d" % i), "i": N(i),
                                           "kind": S("abc"[i % 3])})
    yield name
    ddb.delete_table(TableName=name)


def test_scan_filter_counts(ddb, scan_table):
    page = ddb.scan(TableName=scan_table, FilterExpression="kind = :a",
                    ExpressionAttributeValues={":a": S("a")})
    assert sorted(int(i["i"]["N"]) for i in page["Items"]) == list(range(0, 30, 3))
    assert (page["Count"], page["ScannedCount"]) == (10, 30)


@pytest.mark.parametrize("limit", [1, 4, 7, 30])
def test_scan_filter_pagination_returns_each_match_once(ddb, scan_table, limit):
    result = pages(ddb.scan, TableName=scan_table, FilterExpression="kind = :b OR i = :zero",
                   ExpressionAttributeValues={":b": S("b"), ":zero": N(0)}, Limit=limit)
    found = [int(i["i"]["N"]) for p in result for i in p["Items"]]
    assert sorted(found) == [0] + list(range(1, 30, 3))
    assert len(found) == len(set(found))
    assert sum(p["ScannedCount"] for p in result) == 30
    assert all(p["ScannedCount"] <= limit for p in result)
    if limit == 1:
        assert any(p["Count"] == 0 and "LastEvaluatedKey" in p for p in result)


def test_scan_filter_on_key_attribute_allowed(ddb, scan_table):
    """The key-attribute restriction is Query's only."""
    page = ddb.scan(TableName=scan_table, FilterExpression="pk = :k OR begins_with(pk, :p)",
                    ExpressionAttributeValues={":k": S("item-07"), ":p": S("item-2")})
    assert sorted(i["pk"]["S"] for i in page["Items"]) == (
        ["item-07"] + ["item-2%d" % d for d in range(10)])


def test_scan_select_count_with_filter(ddb, scan_table):
    page = ddb.scan(TableName=scan_table, Select="COUNT", FilterExpression="kind = :c",
                    ExpressionAttributeValues={":c": S("c")})
    assert "Items" not in page
    assert (page["Count"], page["ScannedCount"]) == (10, 30)


def test_scan_projection(ddb, scan_table):
    items = all_items(ddb.scan, TableName=scan_table, ProjectionExpression="i",
                      FilterExpression="kind = :a", ExpressionAttributeValues={":a": S("a")})
    assert sorted(int(i["i"]["N"]) for i in items) == list(range(0, 30, 3))
    assert all(set(i) == {"i"} for i in items)


# --- Filters on key attributes in Query -----------------------------------------------------

@pytest.mark.parametrize("expression,values,attribute", [
    ("pk = :v", {":v": S("x")}, "pk"),
    ("sk > :v", {":v": N(1)}, "sk"),
    ("color = :v OR attribute_exists(sk)", {":v": S("x")}, "sk"),
    ("size(pk) > :v", {":v": N(1)}, "pk"),
    ("begins_with(#k, :v)", {":v": S("x")}, "pk"),
])
def test_query_filter_on_key_attribute_rejected(ddb, range_table, dataset, expression, values,
                                                attribute):
    """'Filter Expression can only contain non-primary key attributes'."""
    kwargs = {"ExpressionAttributeNames": {"#k": "pk"}} if "#k" in expression else {}
    code, message = call_error(query, ddb=ddb, table=range_table, pk=dataset,
                               FilterExpression=expression, ExpressionAttributeValues=values,
                               **kwargs)
    assert (code, message) == ("ValidationException",
                               "Filter Expression can only contain non-primary key attributes: "
                               "Primary key attribute: " + attribute)


# --- ProjectionExpression -------------------------------------------------------------------

@pytest.fixture
def doc(ddb, hash_table, key):
    item = {"pk": S(key), "a": S("A"), "b": N(2), "status": S("ok"), "name": S("nm"),
            "m": {"M": {"x": N(1), "y": {"M": {"z": S("deep"), "w": N(2)}}}},
            "l": {"L": [N(10), N(20), N(30), {"M": {"k": S("v"), "j": S("u")}}]},
            "ll": {"L": [{"L": [N(1), N(2)]}, {"L": [N(3), N(4)]}]},
            "a.b": S("dotted")}
    ddb.put_item(TableName=hash_table, Item=item)
    return item


@pytest.mark.parametrize("projection,names,expected", [
    ("a", None, {"a": S("A")}),
    ("a, b", None, {"a": S("A"), "b": N(2)}),
    ("pk, a", None, {"pk": "KEY", "a": S("A")}),
    ("m.x", None, {"m": {"M": {"x": N(1)}}}),
    ("m.y.z, l[3].k", None, {"m": {"M": {"y": {"M": {"z": S("deep")}}}},
                            "l": {"L": [{"M": {"k": S("v")}}]}}),
    ("m.x, m.y.w", None, {"m": {"M": {"x": N(1), "y": {"M": {"w": N(2)}}}}}),
    ("l[1]", None, {"l": {"L": [N(20)]}}),
    ("l[2], l[0]", None, {"l": {"L": [N(10), N(30)]}}),     # index order, gaps squeezed
    ("l[3].j, l[0]", None, {"l": {"L": [N(10), {"M": {"j": S("u")}}]}}),
    ("ll[1][0], ll[0][1]", None, {"ll": {"L": [{"L": [N(2)]}, {"L": [N(3)]}]}}),
    ("a, absent, m.absent, l[9], b.c", None, {"a": S("A")}),   # missing paths skipped
    ("#s, #n", {"#s": "status", "#n": "name"}, {"status": S("ok"), "name": S("nm")}),
    ("#ab", {"#ab": "a.b"}, {"a.b": S("dotted")}),
    ("#m.#y.z", {"#m": "m", "#y": "y"}, {"m": {"M": {"y": {"M": {"z": S("deep")}}}}}),
])
def test_get_item_projection(ddb, hash_table, doc, projection, names, expected):
    """Projection keeps only the paths, rebuilding nesting; key attributes
    are not added automatically."""
    if "pk" in expected:
        expected = dict(expected, pk=doc["pk"])
    kwargs = {"ExpressionAttributeNames": names} if names else {}
    item = ddb.get_item(TableName=hash_table, Key={"pk": doc["pk"]},
                        ProjectionExpression=projection, **kwargs)["Item"]
    assert item == expected


@pytest.mark.parametrize("projection,message", [
    ("a, a.b", "Two document paths overlap with each other; must remove or rewrite one of these "
               "paths; path one: [a], path two: [a, b]"),
    ("m.y.z, m.y", "Two document paths overlap with each other; must remove or rewrite one of "
                   "these paths; path one: [m, y, z], path two: [m, y]"),
    ("a, a", "Two document paths overlap with each other; must remove or rewrite one of these "
             "paths; path one: [a], path two: [a]"),
    ("l[0], l[0].x", "Two document paths overlap with each other; must remove or rewrite one of "
                     "these paths; path one: [l, [0]], path two: [l, [0], x]"),
    ("a.b, a[0]", "Two document paths conflict with each other; must remove or rewrite one of "
                  "these paths; path one: [a, b], path two: [a, [0]]"),
    ("name", "Attribute name is a reserved keyword; reserved keyword: name"),
    ("a,", 'Syntax error; token: "<EOF>", near: ","'),
    ("", "The expression can not be empty;"),
    ("foo(a)", 'Syntax error; token: "(", near: "foo(a"'),
])
def test_projection_errors(ddb, hash_table, key, projection, message):
    code, got = call_error(ddb.get_item, TableName=hash_table, Key={"pk": S(key)},
                           ProjectionExpression=projection)
    assert (code, got) == ("ValidationException", "Invalid ProjectionExpression: " + message)


def test_projection_placeholder_errors(ddb, hash_table, key):
    code, message = call_error(ddb.get_item, TableName=hash_table, Key={"pk": S(key)},
                               ProjectionExpression="#a", ExpressionAttributeNames={"#b": "b"})
    assert (code, message) == ("ValidationException",
                               "Invalid ProjectionExpression: An expression attribute name used "
                               "in the document path is not defined; attribute name: #a")
    code, message = call_error(ddb.get_item, TableName=hash_table, Key={"pk": S(key)},
                               ProjectionExpression="#a",
                               ExpressionAttributeNames={"#a": "a", "#b": "b"})
    assert (code, message) == ("ValidationException",
                               "Value provided in ExpressionAttributeNames unused in expressions: "
                               "keys: {#b}")


def test_batch_get_projection(ddb, hash_table, doc, key):
    other = {"pk": S(key + "-2"), "status": S("other"), "m": {"M": {"x": N(5)}}}
    ddb.put_item(TableName=hash_table, Item=other)
    response = ddb.batch_get_item(RequestItems={hash_table: {
        "Keys": [{"pk": doc["pk"]}, {"pk": other["pk"]}, {"pk": S(key + "-none")}],
        "ProjectionExpression": "pk, #s, m.x, l[3].k",
        "ExpressionAttributeNames": {"#s": "status"}}})
    got = sorted(response["Responses"][hash_table], key=lambda i: i["pk"]["S"])
    assert got == [
        {"pk": doc["pk"], "status": S("ok"), "m": {"M": {"x": N(1)}},
         "l": {"L": [{"M": {"k": S("v")}}]}},
        {"pk": other["pk"], "status": S("other"), "m": {"M": {"x": N(5)}}},
    ]


def test_batch_get_projection_errors(ddb, hash_table, key):
    code, message = call_error(ddb.batch_get_item, RequestItems={hash_table: {
        "Keys": [{"pk": S(key)}], "ProjectionExpression": "a, a.b"}})
    assert code == "ValidationException"
    assert message.startswith("Invalid ProjectionExpression: Two document paths overlap")
    code, message = call_error(ddb.batch_get_item, RequestItems={hash_table: {
        "Keys": [{"pk": S(key)}], "ProjectionExpression": "a",
        "ExpressionAttributeNames": {"#u": "u"}}})
    assert (code, message) == ("ValidationException", "Value provided in ExpressionAttributeNames "
                                                      "unused in expressions: keys: {#u}")


def test_query_projection_with_filter_on_unprojected_attribute(ddb, range_table, dataset):
    page = query(ddb, range_table, dataset, ProjectionExpression="sk, doc.tags[0]",
                 FilterExpression="color = :red", ExpressionAttributeValues={":red": S("red")},
                 Limit=7)
    assert page["Items"] == [{"sk": N(sk), "doc": {"M": {"tags": {"L": [S("t%d" % sk)]}}}}
                             for sk in (3, 6)]
    # LastEvaluatedKey carries the full key even when the projection omits it.
    assert page["LastEvaluatedKey"] == {"pk": S(dataset), "sk": N(7)}


def test_names_shared_by_key_condition_filter_and_projection(ddb, range_table, dataset):
    """A placeholder is used if any expression of the request uses it."""
    page = ddb.query(TableName=range_table, KeyConditionExpression="#p = :pk AND #s <= :s",
                     FilterExpression="#c = :red", ProjectionExpression="#s, #c",
                     ExpressionAttributeNames={"#p": "pk", "#s": "sk", "#c": "color"},
                     ExpressionAttributeValues={":pk": S(dataset), ":s": N(6), ":red": S("red")})
    assert page["Items"] == [{"sk": N(3), "color": S("red")}, {"sk": N(6), "color": S("red")}]


def test_unused_value_in_query(ddb, range_table, dataset):
    code, message = call_error(query, ddb=ddb, table=range_table, pk=dataset,
                               FilterExpression="color = :red",
                               ExpressionAttributeValues={":red": S("red"), ":x": S("x")})
    assert (code, message) == ("ValidationException", "Value provided in ExpressionAttributeValues "
                                                      "unused in expressions: keys: {:x}")


# --- Select ---------------------------------------------------------------------------------

def test_query_select_count_with_filter(ddb, range_table, dataset):
    page = query(ddb, range_table, dataset, Select="COUNT", **RED_FILTER)
    assert "Items" not in page
    assert (page["Count"], page["ScannedCount"]) == (len(RED), 20)
    page = query(ddb, range_table, dataset, Select="COUNT", Limit=10, **RED_FILTER)
    assert "Items" not in page
    assert (page["Count"], page["ScannedCount"]) == (3, 10)
    assert page["LastEvaluatedKey"] == {"pk": S(dataset), "sk": N(10)}


def test_select_specific_attributes_with_projection(ddb, range_table, dataset):
    page = query(ddb, range_table, dataset, Select="SPECIFIC_ATTRIBUTES",
                 ProjectionExpression="color", Limit=2)
    assert page["Items"] == [{"color": S("blue")}, {"color": S("blue")}]


def test_select_all_attributes(ddb, range_table, dataset):
    page = query(ddb, range_table, dataset, Select="ALL_ATTRIBUTES", Limit=1)
    assert set(page["Items"][0]) == {"pk", "sk", "color", "n", "doc"}


@pytest.mark.parametrize("operation", ["query", "scan"])
def test_select_specific_attributes_without_projection_rejected(ddb, range_table, dataset,
                                                                operation):
    if operation == "query":
        code, message = call_error(query, ddb=ddb, table=range_table, pk=dataset,
                                   Select="SPECIFIC_ATTRIBUTES")
    else:
        code, message = call_error(ddb.scan, TableName=range_table, Select="SPECIFIC_ATTRIBUTES")
    assert (code, message) == ("ValidationException",
                               "One or more parameter values were invalid: Must specify the "
                               "AttributesToGet or ProjectionExpression when choosing to get "
                               "SPECIFIC_ATTRIBUTES")


@pytest.mark.parametrize("select", ["ALL_ATTRIBUTES", "COUNT"])
@pytest.mark.parametrize("operation", ["query", "scan"])
def test_other_select_with_projection_rejected(ddb, range_table, dataset, operation, select):
    """Any Select other than SPECIFIC_ATTRIBUTES with a ProjectionExpression
    is an error."""
    if operation == "query":
        code, message = call_error(query, ddb=ddb, table=range_table, pk=dataset, Select=select,
                                   ProjectionExpression="color")
    else:
        code, message = call_error(ddb.scan, TableName=range_table, Select=select,
                                   ProjectionExpression="color")
    assert code == "ValidationException"
    assert message.startswith("One or more parameter values were invalid: ")
    assert "ProjectionExpression" in message and select in message


# --- IN and expression limits ---------------------------------------------------------------

def _in_filter(count):
    """n IN (0, 2, 4, ...) with `count` candidates."""
    values = {":v%d" % i: N(2 * i) for i in range(count)}
    return "n IN (%s)" % ", ".join(values), values


def test_in_with_100_operands(ddb, range_table, dataset):
    """At most 100 IN candidates."""
    expression, values = _in_filter(100)
    page = query(ddb, range_table, dataset, FilterExpression=expression,
                 ExpressionAttributeValues=values)
    assert sks(page["Items"]) == list(range(2, 21, 2))


def test_in_with_101_operands_rejected(ddb, range_table, dataset):
    expression, values = _in_filter(101)
    code, message = call_error(query, ddb=ddb, table=range_table, pk=dataset,
                               FilterExpression=expression, ExpressionAttributeValues=values)
    assert (code, message) == ("ValidationException",
                               "Invalid FilterExpression: The IN operator is provided with too "
                               "many operands; number of operands: 101")


def test_filter_expression_size_limit(ddb, scan_table):
    clause = "attribute_exists(abcdefghijklmnopqrstuvwxyz) OR "
    base = "attribute_exists(kind)"
    text = clause * ((4096 - len(base)) // len(clause)) + base
    text = " " * (4096 - len(text)) + text
    assert len(text) == 4096
    assert ddb.scan(TableName=scan_table, FilterExpression=text)["Count"] == 30
    code, message = call_error(ddb.scan, TableName=scan_table, FilterExpression=text + " ")
    assert (code, message) == ("ValidationException",
                               "Invalid FilterExpression: Expression size has exceeded the maximum "
                               "allowed size; expression size: 4097")


@pytest.mark.parametrize("expression,values,message", [
    ("", None, "Invalid FilterExpression: The expression can not be empty;"),
    ("color = :nope", {":red": S("red")},
     "Invalid FilterExpression: An expression attribute value used in expression is not defined; "
     "attribute value: :nope"),
    ("size = :red", {":red": S("red")},
     "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: size"),
])
def test_filter_validation_messages(ddb, scan_table, expression, values, message):
    kwargs = {"ExpressionAttributeValues": values} if values else {}
    code, got = call_error(ddb.scan, TableName=scan_table, FilterExpression=expression, **kwargs)
    assert (code, got) == ("ValidationException", message)
