"""PartiQL: ExecuteStatement, BatchExecuteStatement and ExecuteTransaction.

Rules: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.html
(ql-reference.select/insert/update/delete, ql-functions, ql-operators, ql-reference.multiplestatements),
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ExecuteStatement.html,
API_BatchExecuteStatement.html and API_ExecuteTransaction.html.
A SELECT with a partition-key equality (or IN) is a Query, otherwise a Scan; Limit and
NextToken page as Query/Scan do; writes name exactly one item by its full key.
"""
import decimal
import json
import os
import random
import subprocess

import botocore.exceptions
import pytest

from conftest import REGION, all_items, call_error, create_table, unique

AWS = "/usr/bin/aws"
MALFORMED = "Statement wasn't well formed, can't be processed:"


def s(v):
    return {"S": v}


def n(v):
    return {"N": str(v)}


def execute(ddb, statement, *params, **kwargs):
    """One ExecuteStatement call; `params` become its Parameters."""
    if params:
        kwargs["Parameters"] = list(params)
    return ddb.execute_statement(Statement=statement, **kwargs)


def select(ddb, statement, *params, **kwargs):
    """Every item of a SELECT, following NextToken until it is absent."""
    out = []
    for _ in range(10000):
        page = execute(ddb, statement, *params, **kwargs)
        out += page["Items"]
        if "NextToken" not in page:
            return out
        kwargs["NextToken"] = page["NextToken"]
    raise AssertionError("NextToken never ends")


def pks(items):
    return sorted(i["pk"]["S"] for i in items)


def by_key(items):
    return sorted(items, key=lambda i: (i["pk"]["S"], decimal.Decimal(i["sk"]["N"])))


def get(ddb, table, k, sk=1):
    return ddb.get_item(TableName=table, Key={"pk": s(k), "sk": n(sk)}, ConsistentRead=True).get("Item")


def cancellation(fn, **kwargs):
    """Calls a transaction that must be cancelled; returns (message, reasons)."""
    with pytest.raises(botocore.exceptions.ClientError) as info:
        fn(**kwargs)
    error = info.value.response["Error"]
    assert error["Code"] == "TransactionCanceledException"
    return error["Message"], info.value.response["CancellationReasons"]


# --- Tables ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def keys_table(ddb):
    """pk S, sk S: partition 'p' holds a1 a2 a3 b1 b2 c1, partition 'q' holds x1 x2."""
    name = create_table(ddb, unique("pq-keys"), sk=("sk", "S"))
    for pk, sks in (("p", ["a1", "a2", "a3", "b1", "b2", "c1"]), ("q", ["x1", "x2"])):
        for i, sk in enumerate(sks):
            ddb.put_item(TableName=name, Item={"pk": s(pk), "sk": s(sk), "i": n(i)})
    return name


FILTER_ITEMS = {
    "a": {"n": n(1), "s": s("apple"), "tags": {"SS": ["red", "green"]}, "l": {"L": [n(1), n(2), n(3), n(4)]}},
    "b": {"n": n(5), "s": s("banana"), "tags": {"SS": ["red"]}, "nick": s("bee")},
    "c": {"n": n(10), "s": s("apricot"), "l": {"L": [n(1)]}},
    "d": {"n": s("ten"), "s": s("date")},
    "e": {"s": s("elderberry")},
}


@pytest.fixture(scope="module")
def filter_table(ddb):
    """pk S only, holding FILTER_ITEMS and nothing else (full-table SELECTs see just them)."""
    name = create_table(ddb, unique("pq-filter"))
    for k, attrs in FILTER_ITEMS.items():
        ddb.put_item(TableName=name, Item=dict(attrs, pk=s(k)))
    return name


@pytest.fixture(scope="module")
def writes(ddb):
    """pk S, sk N: the table the write tests use, each with keys of its own."""
    return create_table(ddb, unique("pq-writes"), sk=("sk", "N"))


# --- SELECT: keys, order, paging ------------------------------------------------------------

def sks(items):
    return [i["sk"]["S"] for i in items]


def test_select_by_partition_key(ddb, keys_table):
    got = execute(ddb, 'SELECT * FROM "%s" WHERE pk = ?' % keys_table, s("q"))["Items"]
    assert got == [{"pk": s("q"), "sk": s("x1"), "i": n(0)}, {"pk": s("q"), "sk": s("x2"), "i": n(1)}]
    assert execute(ddb, 'SELECT * FROM "%s" WHERE pk = ?' % keys_table, s("none"))["Items"] == []


@pytest.mark.parametrize("condition,params,want", [
    ("sk > ?", ["a3"], ["b1", "b2", "c1"]),
    ("sk >= ?", ["a3"], ["a3", "b1", "b2", "c1"]),
    ("sk < ?", ["a3"], ["a1", "a2"]),
    ("sk <= ?", ["a3"], ["a1", "a2", "a3"]),
    ("sk = ?", ["b2"], ["b2"]),
    ("sk BETWEEN ? AND ?", ["a2", "b1"], ["a2", "a3", "b1"]),
    ("begins_with(sk, ?)", ["b"], ["b1", "b2"]),
    ("sk > 'a1' AND sk < 'b2'", [], ["a2", "a3", "b1"]),
])
def test_select_with_sort_key_conditions(ddb, keys_table, condition, params, want):
    statement = 'SELECT * FROM "%s" WHERE pk = ? AND %s' % (keys_table, condition)
    assert sks(select(ddb, statement, s("p"), *[s(p) for p in params])) == want


def test_order_by_sort_key(ddb, keys_table):
    base = 'SELECT * FROM "%s" WHERE pk = ? ORDER BY sk' % keys_table
    assert sks(select(ddb, base + " DESC", s("p"))) == ["c1", "b2", "b1", "a3", "a2", "a1"]
    assert sks(select(ddb, base + " ASC", s("p"))) == ["a1", "a2", "a3", "b1", "b2", "c1"]
    got = select(ddb, 'SELECT * FROM "%s" WHERE pk = ? AND sk < ? ORDER BY sk DESC' % keys_table,
                 s("p"), s("b"), Limit=1)
    assert sks(got) == ["a3", "a2", "a1"]


def test_partition_key_in_reads_several_partitions(ddb, keys_table):
    everything = ["a1", "a2", "a3", "b1", "b2", "c1", "x1", "x2"]
    got = select(ddb, 'SELECT * FROM "%s" WHERE pk IN [?, ?]' % keys_table, s("p"), s("q"))
    assert sorted(sks(got)) == everything
    got = select(ddb, "SELECT * FROM \"%s\" WHERE pk IN ('q', 'none')" % keys_table)
    assert sorted(sks(got)) == ["x1", "x2"]
    got = select(ddb, "SELECT * FROM \"%s\" WHERE pk IN ['p', 'q'] AND i = 1" % keys_table)
    assert sorted(sks(got)) == ["a2", "x2"]
    # A value given twice is read once; at most 50 values on a partition key.
    got = select(ddb, "SELECT * FROM \"%s\" WHERE pk IN ['q', 'q', ?]" % keys_table, s("q"))
    assert sorted(sks(got)) == ["x1", "x2"]
    many = ", ".join("'v%d'" % i for i in range(51))
    code, _ = call_error(ddb.execute_statement, Statement='SELECT * FROM "%s" WHERE pk IN [%s]' % (keys_table, many))
    assert code == "ValidationException"


def test_limit_and_next_token_return_every_item_once(ddb, keys_table):
    statement = 'SELECT * FROM "%s" WHERE pk = ?' % keys_table
    first = execute(ddb, statement, s("p"), Limit=2)
    assert sks(first["Items"]) == ["a1", "a2"] and "NextToken" in first
    assert sks(select(ddb, statement, s("p"), Limit=2)) == ["a1", "a2", "a3", "b1", "b2", "c1"]
    assert sks(select(ddb, statement, s("p"), Limit=5)) == ["a1", "a2", "a3", "b1", "b2", "c1"]
    # A full-table SELECT pages as a Scan: every item exactly once, in some order.
    scanned = select(ddb, 'SELECT * FROM "%s"' % keys_table, Limit=3)
    assert sorted(sks(scanned)) == ["a1", "a2", "a3", "b1", "b2", "c1", "x1", "x2"]


def test_select_on_a_global_secondary_index(ddb):
    name = unique("pq-gsi")
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "S"},
                              {"AttributeName": "gs", "AttributeType": "N"}],
        GlobalSecondaryIndexes=[{"IndexName": "byg", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                               {"AttributeName": "gs", "KeyType": "RANGE"}]}])
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    for k, g, gs in (("k1", "red", 3), ("k2", "red", 1), ("k3", "blue", 2), ("k4", "red", 2)):
        ddb.put_item(TableName=name, Item={"pk": s(k), "g": s(g), "gs": n(gs)})
    got = select(ddb, 'SELECT * FROM "%s"."byg" WHERE g = ?' % name, s("red"))
    assert [i["pk"]["S"] for i in got] == ["k2", "k4", "k1"]
    got = select(ddb, 'SELECT pk FROM "%s"."byg" WHERE g = ? AND gs >= 2 ORDER BY gs DESC' % name, s("red"))
    assert got == [{"pk": s("k1")}, {"pk": s("k4")}]
    code, _ = call_error(ddb.execute_statement, Statement='SELECT * FROM "%s"."nope" WHERE g = 1' % name)
    assert code == "ValidationException"


def test_projection_of_attributes_nested_paths_and_list_elements(ddb, writes):
    k = unique("proj")
    ddb.put_item(TableName=writes, Item={
        "pk": s(k), "sk": n(1), "a": s("A"), "other": s("no"),
        "b": {"M": {"c": n(7), "d": s("no")}}, "l": {"L": [s("l0"), s("l1"), s("l2")]}})
    got = execute(ddb, 'SELECT a, b.c, l[1] FROM "%s" WHERE pk = ? AND sk = 1' % writes, s(k))["Items"]
    assert got == [{"a": s("A"), "b": {"M": {"c": n(7)}}, "l": {"L": [s("l1")]}}]
    got = execute(ddb, 'SELECT "a", "absent" FROM "%s" WHERE pk = ? AND sk = 1' % writes, s(k))["Items"]
    assert got == [{"a": s("A")}]


# --- SELECT: filters and functions ------------------------------------------------------------

@pytest.mark.parametrize("condition,want", [
    ("n = 5", "b"),
    ("n IS NOT MISSING AND n <> 5", "acd"),
    ("n < 5", "a"),
    ("n <= 5", "ab"),
    ("n > 1", "bc"),
    ("n >= 5", "bc"),
    ("n BETWEEN 2 AND 10", "bc"),
    ("n IN [1, 10, 99]", "ac"),
    ("s = 'apple' OR s = 'date'", "ad"),
    ("n > 1 AND begins_with(s, 'b')", "b"),
    ("NOT begins_with(s, 'ap')", "bde"),
    ("(n = 1 OR n = 10) AND NOT contains(s, 'ric')", "a"),
    ("begins_with(s, 'ap')", "ac"),
    ("contains(s, 'an')", "b"),
    ("contains(tags, 'red')", "ab"),
    ("attribute_type(n, 'S')", "d"),
    ("attribute_type(n, 'N')", "abc"),
    ("size(s) > 5", "bce"),
    ("size(l) > 3", "a"),
    ("nick IS MISSING", "acde"),
    ("nick IS NOT MISSING", "b"),
    ("l[0] = 1", "ac"),
    ("pk = 'b' AND n = 5", "b"),
    ("pk = 'b' AND n = 6", ""),
    ("pk IN ['a', 'c'] AND n > 1", "c"),
])
def test_filters_on_non_key_attributes(ddb, filter_table, condition, want):
    got = select(ddb, 'SELECT * FROM "%s" WHERE %s' % (filter_table, condition))
    assert pks(got) == sorted(want)


def test_filter_with_parameters_and_whole_items_returned(ddb, filter_table):
    got = select(ddb, 'SELECT * FROM "%s" WHERE n >= ? AND s <> ?' % filter_table, n(5), s("banana"))
    assert got == [dict(FILTER_ITEMS["c"], pk=s("c"))]
    got = select(ddb, 'SELECT * FROM "%s" WHERE n BETWEEN ? AND ?' % filter_table, n(1), n(5))
    assert pks(got) == ["a", "b"]


def test_full_table_select_is_a_scan_with_paging(ddb, filter_table):
    got = select(ddb, 'SELECT * FROM "%s"' % filter_table)
    assert sorted(got, key=lambda i: i["pk"]["S"]) == [dict(v, pk=s(k)) for k, v in sorted(FILTER_ITEMS.items())]
    for limit in (1, 2, 4):
        assert pks(select(ddb, 'SELECT * FROM "%s"' % filter_table, Limit=limit)) == list("abcde")
        assert pks(select(ddb, 'SELECT pk FROM "%s" WHERE n > 1' % filter_table, Limit=limit)) == ["b", "c"]


# --- Literals, identifiers, parameters ----------------------------------------------------------

def test_literals_and_identifiers(ddb, writes):
    k = unique("lit")
    execute(ddb, "INSERT INTO \"%s\" VALUE {'pk': '%s''s', 'sk': -3, 'd': 1.50, 't': TRUE, 'f': FALSE, "
                 "'z': NULL, 'e': '', 'l': [1, 'x', [TRUE]], 'm': {'a': {'b': 2}}, "
                 "'ss': <<'a', 'b'>>, 'ns': <<1, 2>>, 'my-attr': 'q'}" % (writes, k))
    item = ddb.get_item(TableName=writes, Key={"pk": s(k + "'s"), "sk": n(-3)})["Item"]
    assert sorted(item.pop("ss")["SS"]) == ["a", "b"]
    assert sorted(item.pop("ns")["NS"]) == ["1", "2"]
    assert item == {"pk": s(k + "'s"), "sk": n(-3), "d": n("1.5"), "t": {"BOOL": True}, "f": {"BOOL": False},
                    "z": {"NULL": True}, "e": s(""), "l": {"L": [n(1), s("x"), {"L": [{"BOOL": True}]}]},
                    "m": {"M": {"a": {"M": {"b": n(2)}}}}, "my-attr": s("q")}
    # Double-quoted identifiers for attributes; a quote doubled inside a string literal.
    got = execute(ddb, "SELECT \"my-attr\", \"d\" FROM \"%s\" WHERE \"pk\" = '%s''s' AND sk = -3" % (writes, k))
    assert got["Items"] == [{"my-attr": s("q"), "d": n("1.5")}]
    got = execute(ddb, "SELECT * FROM \"%s\" WHERE pk = ? AND sk = ? AND t = TRUE AND f = FALSE" % writes,
                  s(k + "'s"), n(-3))["Items"]
    assert len(got) == 1


def test_unquoted_table_name(ddb):
    name = create_table(ddb, "pq_" + unique("u").replace("-", "_"))
    execute(ddb, "INSERT INTO %s VALUE {'pk': 'a', 'v': 1}" % name)
    assert execute(ddb, "SELECT * FROM %s WHERE pk = 'a'" % name)["Items"] == [{"pk": s("a"), "v": n(1)}]


def test_parameters_of_every_type(ddb, writes, binary_range_table):
    k = unique("types")
    values = {"s": s("x"), "n": n("1.5"), "b": {"B": b"\x00\x01\xff"}, "bool": {"BOOL": False},
              "nul": {"NULL": True}, "l": {"L": [n(1), s("a"), {"M": {"z": {"BOOL": True}}}]},
              "m": {"M": {"k": {"L": [s("v")]}, "n": n(2)}}, "ss": {"SS": ["p", "q"]},
              "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": [b"\x01", b"\x02"]}}
    fields = ", ".join("'%s': ?" % name for name in values)
    execute(ddb, "INSERT INTO \"%s\" VALUE {'pk': ?, 'sk': ?, %s}" % (writes, fields),
            s(k), n(1), *values.values())
    item = get(ddb, writes, k)
    for kind in ("ss", "ns", "bs"):
        (t, members), = item.pop(kind).items()
        assert sorted(members) == sorted(values[kind][t])
    assert item == dict({name: v for name, v in values.items() if name not in ("ss", "ns", "bs")},
                        pk=s(k), sk=n(1))
    # The same values compare equal in a WHERE clause (sets whatever their order).
    statement = ('SELECT pk FROM "%s" WHERE pk = ? AND sk = ? AND "s" = ? AND "n" = ? AND "b" = ? '
                 'AND "bool" = ? AND "l" = ? AND "m" = ? AND "ss" = ? AND "ns" = ?' % writes)
    got = execute(ddb, statement, s(k), n(1), values["s"], n("1.50"), values["b"], values["bool"],
                  values["l"], values["m"], {"SS": ["q", "p"]}, {"NS": ["2.5", "1"]})["Items"]
    assert got == [{"pk": s(k)}]
    # Binary keys.
    bk = unique("bin").encode()
    ddb.put_item(TableName=binary_range_table, Item={"pk": {"B": bk}, "sk": {"B": b"\x00"}, "v": n(1)})
    got = execute(ddb, 'SELECT v FROM "%s" WHERE pk = ? AND sk = ?' % binary_range_table,
                  {"B": bk}, {"B": b"\x00"})["Items"]
    assert got == [{"v": n(1)}]


# --- INSERT, UPDATE, DELETE ---------------------------------------------------------------------

def test_insert_and_duplicate_insert(ddb, writes):
    k = unique("ins")
    statement = "INSERT INTO \"%s\" VALUE {'pk': ?, 'sk': 1, 'n': 1, 'l': [1, 'x'], 'm': {'a': TRUE}}" % writes
    execute(ddb, statement, s(k))
    assert get(ddb, writes, k) == {"pk": s(k), "sk": n(1), "n": n(1), "l": {"L": [n(1), s("x")]},
                                   "m": {"M": {"a": {"BOOL": True}}}}
    code, message = call_error(ddb.execute_statement, Statement=statement, Parameters=[s(k)])
    assert (code, message) == ("DuplicateItemException", "Duplicate primary key exists in table")
    # An INSERT without the full key is refused.
    code, _ = call_error(ddb.execute_statement, Statement="INSERT INTO \"%s\" VALUE {'pk': 'x'}" % writes)
    assert code == "ValidationException"


def test_update_set_arithmetic_and_remove(ddb, writes):
    k = unique("upd")
    ddb.put_item(TableName=writes, Item={"pk": s(k), "sk": n(1), "a": s("old"), "b": n(5), "c": s("gone"),
                                         "keep": s("x")})
    out = execute(ddb, 'UPDATE "%s" SET a = ? SET b = b + 1 REMOVE c WHERE pk = ? AND sk = ?' % writes,
                  s("new"), s(k), n(1))
    assert out.get("Items", []) == []
    assert get(ddb, writes, k) == {"pk": s(k), "sk": n(1), "a": s("new"), "b": n(6), "keep": s("x")}


def test_update_functions_and_nested_paths(ddb, writes):
    k = unique("fn")
    ddb.put_item(TableName=writes, Item={"pk": s(k), "sk": n(1), "l": {"L": [n(1), n(2)]},
                                         "st": {"SS": ["y", "z"]}, "m": {"M": {"k": s("v")}}})
    execute(ddb, "UPDATE \"%s\" SET l = list_append(l, [3]) SET st = set_add(st, <<'x'>>) "
                 "WHERE pk = ? AND sk = 1" % writes, s(k))
    execute(ddb, "UPDATE \"%s\" SET st = set_delete(st, <<'y'>>) SET m.x = 1 WHERE pk = ? AND sk = 1" % writes, s(k))
    item = get(ddb, writes, k)
    assert item["l"] == {"L": [n(1), n(2), n(3)]}
    assert sorted(item["st"]["SS"]) == ["x", "z"]
    assert item["m"] == {"M": {"k": s("v"), "x": n(1)}}


def test_update_returning(ddb, writes):
    k = unique("ret")
    ddb.put_item(TableName=writes, Item={"pk": s(k), "sk": n(1), "a": n(1), "b": n(2), "c": n(3)})
    where = ' WHERE pk = ? AND sk = 1 RETURNING '
    got = execute(ddb, 'UPDATE "%s" SET a = 10 REMOVE c' % writes + where + "ALL OLD *", s(k))["Items"]
    assert got == [{"pk": s(k), "sk": n(1), "a": n(1), "b": n(2), "c": n(3)}]
    got = execute(ddb, 'UPDATE "%s" SET a = 11' % writes + where + "ALL NEW *", s(k))["Items"]
    assert got == [{"pk": s(k), "sk": n(1), "a": n(11), "b": n(2)}]
    got = execute(ddb, 'UPDATE "%s" SET b = 20' % writes + where + "MODIFIED OLD *", s(k))["Items"]
    assert got == [{"b": n(2)}]
    got = execute(ddb, 'UPDATE "%s" SET b = 21 SET d = 4' % writes + where + "MODIFIED NEW *", s(k))["Items"]
    assert got == [{"b": n(21), "d": n(4)}]


def test_update_conditions_and_missing_items(ddb, writes):
    k = unique("cond")
    ddb.put_item(TableName=writes, Item={"pk": s(k), "sk": n(1), "n": n(3)})
    code, message = call_error(ddb.execute_statement, Parameters=[s(k)],
                               Statement='UPDATE "%s" SET a = 1 WHERE pk = ? AND sk = 1 AND n > 5' % writes)
    assert (code, message) == ("ConditionalCheckFailedException", "The conditional request failed")
    assert get(ddb, writes, k) == {"pk": s(k), "sk": n(1), "n": n(3)}
    execute(ddb, 'UPDATE "%s" SET a = 1 WHERE pk = ? AND sk = 1 AND n > 1' % writes, s(k))
    assert get(ddb, writes, k)["a"] == n(1)
    # An UPDATE never creates the item.
    code, _ = call_error(ddb.execute_statement, Parameters=[s(k)],
                         Statement='UPDATE "%s" SET a = 1 WHERE pk = ? AND sk = 2' % writes)
    assert code == "ConditionalCheckFailedException"
    assert get(ddb, writes, k, sk=2) is None


@pytest.mark.parametrize("statement", [
    'UPDATE "{t}" SET a = 1 WHERE pk = ?',
    'UPDATE "{t}" SET a = 1 WHERE pk = ? AND sk > 1',
    'DELETE FROM "{t}" WHERE pk = ?',
])
def test_writes_need_equality_on_the_full_key(ddb, writes, statement):
    code, message = call_error(ddb.execute_statement, Statement=statement.format(t=writes), Parameters=[s("x")])
    assert code == "ValidationException"
    assert "Where clause does not contain a mandatory equality on all key attributes" in message


def test_update_of_a_key_attribute_is_refused(ddb, writes):
    k = unique("key")
    ddb.put_item(TableName=writes, Item={"pk": s(k), "sk": n(1)})
    code, _ = call_error(ddb.execute_statement, Parameters=[s(k)],
                         Statement='UPDATE "%s" SET sk = 2 WHERE pk = ? AND sk = 1' % writes)
    assert code == "ValidationException"
    assert get(ddb, writes, k) == {"pk": s(k), "sk": n(1)}


def test_delete(ddb, writes):
    k = unique("del")
    ddb.put_item(TableName=writes, Item={"pk": s(k), "sk": n(1), "n": n(3)})
    statement = 'DELETE FROM "%s" WHERE pk = ? AND sk = ?' % writes
    code, message = call_error(ddb.execute_statement, Statement=statement + " AND n > 5", Parameters=[s(k), n(1)])
    assert (code, message) == ("ConditionalCheckFailedException", "The conditional request failed")
    assert get(ddb, writes, k) is not None
    got = execute(ddb, statement + " RETURNING ALL OLD *", s(k), n(1))["Items"]
    assert got == [{"pk": s(k), "sk": n(1), "n": n(3)}]
    assert get(ddb, writes, k) is None
    execute(ddb, statement, s(k), n(1))  # a missing item is fine


# --- Errors and capacity ------------------------------------------------------------------------

@pytest.mark.parametrize("statement", [
    'SELEC * FROM "{t}"',
    'SELECT * FROM "{t}" WHERE',
    'SELECT * FROM "{t}" WHERE pk = \'unterminated',
    "INSERT INTO \"{t}\" VALUE {{'pk': }}",
    'UPDATE "{t}" WHERE pk = \'a\' AND sk = 1',
    'SELECT * FROM "{t}" WHERE pk = = 1',
])
def test_syntax_errors(ddb, writes, statement):
    code, message = call_error(ddb.execute_statement, Statement=statement.format(t=writes))
    assert code == "ValidationException"
    assert message.startswith(MALFORMED), message


def test_request_errors(ddb, raw_ddb, writes):
    code, _ = call_error(ddb.execute_statement, Statement='SELECT * FROM "%s" WHERE pk = 1' % unique("missing"))
    assert code == "ResourceNotFoundException"
    code, _ = call_error(ddb.execute_statement, Statement="INSERT INTO \"%s\" VALUE {'pk': 'a'}" % unique("missing"))
    assert code == "ResourceNotFoundException"
    where = 'SELECT * FROM "%s" WHERE pk = ? AND sk = ?' % writes
    for params in ([], [s("a")], [s("a"), n(1), n(2)]):
        code, _ = call_error(raw_ddb.execute_statement, Statement=where, Parameters=params)
        assert code == "ValidationException", params
    code, _ = call_error(ddb.execute_statement, Statement=where)
    assert code == "ValidationException"
    code, _ = call_error(ddb.execute_statement, Statement='SELECT * FROM "%s"' % writes, Parameters=[s("a")])
    assert code == "ValidationException"
    # 8192 characters are allowed; 8193 are not.
    head = "SELECT * FROM \"%s\" WHERE pk = 'a' AND v = '" % writes
    statement = head + "x" * (8192 - len(head) - 1) + "'"
    assert len(statement) == 8192
    assert execute(ddb, statement)["Items"] == []
    code, _ = call_error(raw_ddb.execute_statement, Statement=head + "x" * (8193 - len(head) - 1) + "'")
    assert code == "ValidationException"


def test_consumed_capacity(ddb, writes):
    k = unique("cap")
    got = execute(ddb, "INSERT INTO \"%s\" VALUE {'pk': ?, 'sk': 1}" % writes, s(k), ReturnConsumedCapacity="TOTAL")
    assert got["ConsumedCapacity"]["TableName"] == writes
    assert got["ConsumedCapacity"]["CapacityUnits"] == 1.0
    read = 'SELECT * FROM "%s" WHERE pk = ? AND sk = 1' % writes
    got = execute(ddb, read, s(k), ReturnConsumedCapacity="TOTAL", ConsistentRead=True)
    assert got["ConsumedCapacity"]["TableName"] == writes
    assert got["ConsumedCapacity"]["CapacityUnits"] == 1.0
    got = execute(ddb, read, s(k), ReturnConsumedCapacity="TOTAL")
    assert got["ConsumedCapacity"]["CapacityUnits"] == 0.5
    assert "ConsumedCapacity" not in execute(ddb, read, s(k))


# --- BatchExecuteStatement ----------------------------------------------------------------------

def stmt(statement, *params):
    out = {"Statement": statement}
    if params:
        out["Parameters"] = list(params)
    return out


def test_batch_reads_answer_in_order(ddb, writes, keys_table):
    k = unique("br")
    ddb.put_item(TableName=writes, Item={"pk": s(k), "sk": n(1), "v": s("one")})
    got = ddb.batch_execute_statement(Statements=[
        stmt('SELECT * FROM "%s" WHERE pk = ? AND sk = ?' % writes, s(k), n(1)),
        stmt('SELECT * FROM "%s" WHERE pk = ? AND sk = ?' % writes, s(k), n(2)),
        stmt("SELECT * FROM \"%s\" WHERE pk = 'q' AND sk = 'x2'" % keys_table),
    ])["Responses"]
    assert len(got) == 3
    assert got[0]["TableName"] == writes and got[0]["Item"] == {"pk": s(k), "sk": n(1), "v": s("one")}
    assert got[1]["TableName"] == writes and "Item" not in got[1] and "Error" not in got[1]
    assert got[2]["TableName"] == keys_table and got[2]["Item"] == {"pk": s("q"), "sk": s("x2"), "i": n(1)}


def test_batch_writes_report_each_failure_in_place(ddb, writes):
    k = unique("bw")
    for sk in (2, 3, 4, 5):
        ddb.put_item(TableName=writes, Item={"pk": s(k), "sk": n(sk), "n": n(sk)})
    got = ddb.batch_execute_statement(Statements=[
        stmt("INSERT INTO \"%s\" VALUE {'pk': ?, 'sk': 1}" % writes, s(k)),
        stmt("INSERT INTO \"%s\" VALUE {'pk': ?, 'sk': 2}" % writes, s(k)),
        stmt('UPDATE "%s" SET x = 1 WHERE pk = ? AND sk = 3 AND n > 100' % writes, s(k)),
        stmt('DELETE FROM "%s" WHERE pk = ? AND sk = 4' % writes, s(k)),
        stmt('UPDATE "%s" SET x = 1 WHERE pk = ? AND sk = 5' % writes, s(k)),
    ])["Responses"]
    assert len(got) == 5
    assert [r.get("Error", {}).get("Code") for r in got] == [None, "DuplicateItem", "ConditionalCheckFailed",
                                                             None, None]
    assert got[1]["Error"]["Message"] and got[2]["Error"]["Message"]
    assert get(ddb, writes, k, 1) == {"pk": s(k), "sk": n(1)}
    assert get(ddb, writes, k, 2) == {"pk": s(k), "sk": n(2), "n": n(2)}
    assert "x" not in get(ddb, writes, k, 3)
    assert get(ddb, writes, k, 4) is None
    assert get(ddb, writes, k, 5)["x"] == n(1)


def test_batch_request_validation(ddb, raw_ddb, writes):
    k = unique("bv")
    code, _ = call_error(ddb.batch_execute_statement, Statements=[
        stmt('SELECT * FROM "%s" WHERE pk = ? AND sk = 1' % writes, s(k)),
        stmt("INSERT INTO \"%s\" VALUE {'pk': ?, 'sk': 1}" % writes, s(k))])
    assert code == "ValidationException"
    assert get(ddb, writes, k) is None
    inserts = [stmt("INSERT INTO \"%s\" VALUE {'pk': ?, 'sk': %d}" % (writes, i), s(k)) for i in range(26)]
    code, _ = call_error(raw_ddb.batch_execute_statement, Statements=inserts)
    assert code == "ValidationException"
    assert get(ddb, writes, k) is None
    code, _ = call_error(raw_ddb.batch_execute_statement, Statements=[])
    assert code == "ValidationException"
    assert len(ddb.batch_execute_statement(Statements=inserts[:25])["Responses"]) == 25
    assert get(ddb, writes, k, 24) == {"pk": s(k), "sk": n(24)}


# --- ExecuteTransaction -------------------------------------------------------------------------

def test_transaction_applies_all_writes(ddb, writes):
    k = unique("tx")
    ddb.put_item(TableName=writes, Item={"pk": s(k), "sk": n(2), "n": n(1)})
    ddb.put_item(TableName=writes, Item={"pk": s(k), "sk": n(3)})
    got = ddb.execute_transaction(ReturnConsumedCapacity="TOTAL", TransactStatements=[
        stmt("INSERT INTO \"%s\" VALUE {'pk': ?, 'sk': 1, 'v': 'new'}" % writes, s(k)),
        stmt('UPDATE "%s" SET n = n + 1 WHERE pk = ? AND sk = 2 AND n = 1' % writes, s(k)),
        stmt('DELETE FROM "%s" WHERE pk = ? AND sk = 3' % writes, s(k)),
    ])
    assert [c["TableName"] for c in got["ConsumedCapacity"]] == [writes]
    assert get(ddb, writes, k, 1) == {"pk": s(k), "sk": n(1), "v": s("new")}
    assert get(ddb, writes, k, 2)["n"] == n(2)
    assert get(ddb, writes, k, 3) is None


def test_a_failing_statement_cancels_the_transaction(ddb, writes):
    k = unique("txc")
    ddb.put_item(TableName=writes, Item={"pk": s(k), "sk": n(2), "n": n(1)})
    ddb.put_item(TableName=writes, Item={"pk": s(k), "sk": n(4)})
    message, reasons = cancellation(ddb.execute_transaction, TransactStatements=[
        stmt("INSERT INTO \"%s\" VALUE {'pk': ?, 'sk': 1}" % writes, s(k)),
        stmt('UPDATE "%s" SET n = 5 WHERE pk = ? AND sk = 2 AND n > 3' % writes, s(k)),
        stmt('DELETE FROM "%s" WHERE pk = ? AND sk = 3' % writes, s(k)),
    ])
    assert message.endswith("[None, ConditionalCheckFailed, None]")
    assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed", "None"]
    assert get(ddb, writes, k, 1) is None
    assert get(ddb, writes, k, 2)["n"] == n(1)
    # A duplicate INSERT cancels it too.
    _, reasons = cancellation(ddb.execute_transaction, TransactStatements=[
        stmt('DELETE FROM "%s" WHERE pk = ? AND sk = 2' % writes, s(k)),
        stmt("INSERT INTO \"%s\" VALUE {'pk': ?, 'sk': 4}" % writes, s(k)),
    ])
    assert [r["Code"] for r in reasons] == ["None", "DuplicateItem"]
    assert get(ddb, writes, k, 2) is not None


def test_exists_is_a_condition_check_in_a_write_transaction(ddb, writes):
    k = unique("txe")
    ddb.put_item(TableName=writes, Item={"pk": s(k), "sk": n(1), "open": {"BOOL": True}})
    check = 'EXISTS(SELECT * FROM "%s" WHERE pk = ? AND sk = 1 AND "open" = ?)' % writes
    insert = stmt("INSERT INTO \"%s\" VALUE {'pk': ?, 'sk': 2}" % writes, s(k))
    _, reasons = cancellation(ddb.execute_transaction,
                              TransactStatements=[stmt(check, s(k), {"BOOL": False}), insert])
    assert [r["Code"] for r in reasons] == ["ConditionalCheckFailed", "None"]
    assert get(ddb, writes, k, 2) is None
    ddb.execute_transaction(TransactStatements=[stmt(check, s(k), {"BOOL": True}), insert])
    assert get(ddb, writes, k, 2) == {"pk": s(k), "sk": n(2)}


def test_read_transaction_answers_in_order(ddb, writes, keys_table):
    k = unique("txr")
    ddb.put_item(TableName=writes, Item={"pk": s(k), "sk": n(1), "v": n(1)})
    ddb.put_item(TableName=writes, Item={"pk": s(k), "sk": n(2), "v": n(2)})
    got = ddb.execute_transaction(TransactStatements=[
        stmt('SELECT * FROM "%s" WHERE pk = ? AND sk = 2' % writes, s(k)),
        stmt("SELECT * FROM \"%s\" WHERE pk = 'p' AND sk = 'a1'" % keys_table),
        stmt('SELECT * FROM "%s" WHERE pk = ? AND sk = 1' % writes, s(k)),
    ])["Responses"]
    assert [r["Item"] for r in got] == [{"pk": s(k), "sk": n(2), "v": n(2)},
                                        {"pk": s("p"), "sk": s("a1"), "i": n(0)},
                                        {"pk": s(k), "sk": n(1), "v": n(1)}]


def test_transaction_request_validation(ddb, raw_ddb, writes):
    k = unique("txv")
    insert = stmt("INSERT INTO \"%s\" VALUE {'pk': ?, 'sk': 1}" % writes, s(k))
    code, _ = call_error(ddb.execute_transaction, TransactStatements=[
        insert, stmt('SELECT * FROM "%s" WHERE pk = ? AND sk = 2' % writes, s(k))])
    assert code == "ValidationException"
    code, _ = call_error(ddb.execute_transaction, TransactStatements=[
        insert, stmt('UPDATE "%s" SET a = 1 WHERE pk = ? AND sk = 1' % writes, s(k))])
    assert code == "ValidationException"  # two statements on one item
    code, _ = call_error(raw_ddb.execute_transaction, TransactStatements=[])
    assert code == "ValidationException"
    many = [stmt("INSERT INTO \"%s\" VALUE {'pk': ?, 'sk': %d}" % (writes, i), s(k)) for i in range(101)]
    code, _ = call_error(raw_ddb.execute_transaction, TransactStatements=many)
    assert code == "ValidationException"
    assert get(ddb, writes, k) is None
    ddb.execute_transaction(TransactStatements=many[:100])
    assert get(ddb, writes, k, 99) == {"pk": s(k), "sk": n(99)}


def test_client_request_token_makes_a_retry_idempotent(ddb, writes):
    k, token = unique("txi"), unique("tok")
    ddb.put_item(TableName=writes, Item={"pk": s(k), "sk": n(1), "n": n(0)})
    add = [stmt('UPDATE "%s" SET n = n + 1 WHERE pk = ? AND sk = 1' % writes, s(k))]
    ddb.execute_transaction(TransactStatements=add, ClientRequestToken=token)
    ddb.execute_transaction(TransactStatements=add, ClientRequestToken=token)
    assert get(ddb, writes, k)["n"] == n(1)
    code, _ = call_error(ddb.execute_transaction, ClientRequestToken=token, TransactStatements=[
        stmt('UPDATE "%s" SET n = n + 2 WHERE pk = ? AND sk = 1' % writes, s(k))])
    assert code == "IdempotentParameterMismatchException"
    ddb.execute_transaction(TransactStatements=add)  # a fresh token applies again
    assert get(ddb, writes, k)["n"] == n(2)


# --- AWS CLI ------------------------------------------------------------------------------------

@pytest.mark.skipif(not os.access(AWS, os.X_OK), reason="no AWS CLI at " + AWS)
def test_aws_cli_execute_statement(endpoint, tmp_path, writes):
    k = unique("cli")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"), "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
           "AWS_SECRET_ACCESS_KEY": "secret", "AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "1", "LANG": "C.UTF-8"}

    def aws(*args):
        cmd = [AWS, "--endpoint-url", endpoint, "--region", REGION, "--output", "json",
               "dynamodb", "execute-statement"] + list(args)
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, "%s\nstdout: %s\nstderr: %s" % (cmd, p.stdout, p.stderr)
        return json.loads(p.stdout) if p.stdout.strip() else {}

    aws("--statement", "INSERT INTO \"%s\" VALUE {'pk': '%s', 'sk': 1, 'colour': 'red'}" % (writes, k))
    got = aws("--statement", 'SELECT * FROM "%s" WHERE pk = ? AND sk = ?' % writes,
              "--parameters", json.dumps([s(k), n(1)]))
    assert got["Items"] == [{"pk": s(k), "sk": n(1), "colour": s("red")}]


# --- Differential: SELECT against Query and Scan ------------------------------------------------

def test_select_matches_query_and_scan_on_random_data(ddb, new_table):
    rng = random.Random(20240607)
    table = new_table(sk=("sk", "N"))
    partitions = ["p%d" % i for i in range(5)]
    items = []
    for pk in partitions:
        for sk in rng.sample(range(-200, 200), rng.randint(0, 60)):
            value = "%d.%d" % (sk, rng.randint(0, 9)) if rng.random() < 0.3 else str(sk)
            items.append({"pk": s(pk), "sk": n(value), "pad": s("x" * rng.randint(0, 300))})
    for i in range(0, len(items), 25):
        ddb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": it}} for it in items[i:i + 25]]})

    for _ in range(40):
        pk = rng.choice(partitions + ["absent"])
        lo = str(decimal.Decimal(rng.randint(-2200, 2200)) / 10)
        hi = str(decimal.Decimal(lo) + rng.randint(0, 300))
        limit = rng.choice([None, 1, 3, 7, 50])
        extra = {"Limit": limit} if limit else {}
        want = all_items(ddb.query, TableName=table, KeyConditionExpression="pk = :p AND sk > :b",
                         ExpressionAttributeValues={":p": s(pk), ":b": n(lo)})
        got = select(ddb, 'SELECT * FROM "%s" WHERE pk = ? AND sk > ?' % table, s(pk), n(lo), **extra)
        assert got == want, (pk, lo, limit)
        want = all_items(ddb.query, TableName=table, KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
                         ExpressionAttributeValues={":p": s(pk), ":a": n(lo), ":b": n(hi)}, ScanIndexForward=False)
        got = select(ddb, 'SELECT * FROM "%s" WHERE pk = ? AND sk BETWEEN ? AND ? ORDER BY sk DESC' % table,
                     s(pk), n(lo), n(hi), **extra)
        assert got == want, (pk, lo, hi, limit)

    scanned = all_items(ddb.scan, TableName=table)
    assert len(scanned) == len(items)
    for limit in (None, 17):
        got = select(ddb, 'SELECT * FROM "%s"' % table, **({"Limit": limit} if limit else {}))
        assert by_key(got) == by_key(scanned)
