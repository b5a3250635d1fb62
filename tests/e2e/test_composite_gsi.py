"""Multi-attribute (composite) GSI keys, DynamoDB's November 2025 feature: a GSI KeySchema of
1-4 HASH then 0-4 RANGE attributes. Rules: the conformance facts, section 2 (from the developer
guide page "Multi-attribute keys pattern", GSI.DesignPattern.MultiAttributeKeys).

Debian's botocore 1.29 (and the AWS CLI's own copy) still cap `KeySchema` at 2 elements
client-side; the tests use a patched copy of that model in its place (see `patch_model`).
"""
import decimal
import itertools
import json
import os
import random
import shutil
import subprocess

import boto3
import botocore
import botocore.exceptions
import botocore.session
import pytest
from botocore.config import Config

from conftest import REGION, Server, all_items, call_error, pages, unique, wait_for
from test_cli import AWS
from test_indexes import batch_put, canon, index_description, sort_value, wait_index

MODEL = os.path.join("dynamodb", "2012-08-10")
BOTO_MODEL = os.path.join(os.path.dirname(botocore.__file__), "data", MODEL)
CLI_MODEL = os.path.join("/usr/lib/python3/dist-packages/awscli/botocore/data", MODEL)
INVALID = "One or more parameter values were invalid: "


def patch_model(source, root):
    """Copies the DynamoDB model files of `source` (service-2, paginators, waiters,
    endpoint-rule-set...) to <root>/dynamodb/2012-08-10/ and drops "max": 2 from the KeySchema
    shape, as in the model DynamoDB publishes since November 2025. Returns root, a data path."""
    target = os.path.join(root, MODEL)
    shutil.copytree(source, target)
    path = os.path.join(target, "service-2.json")
    with open(path) as f:
        model = json.load(f)
    model["shapes"]["KeySchema"].pop("max", None)
    with open(path, "w") as f:
        json.dump(model, f)
    return root


@pytest.fixture(scope="module")
def model_root(tmp_path_factory):
    return patch_model(BOTO_MODEL, str(tmp_path_factory.mktemp("model")))


def composite_client(url, model_root):
    """boto3 client (made like conftest.make_client) on the patched model, which stands in for
    the newer service model: the copy is inserted first in the `search_paths` of this client's
    own botocore session's data_loader (AWS_DATA_PATH is not set, so other clients keep the
    stock model)."""
    session = botocore.session.get_session()
    session.get_component("data_loader").search_paths.insert(0, model_root)
    client = boto3.Session(botocore_session=session).client(
        "dynamodb", endpoint_url=url, region_name=REGION,
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}, parameter_validation=True))
    assert "max" not in client.meta.service_model.shape_for("KeySchema").metadata
    return client


@pytest.fixture(scope="module")
def cddb(endpoint, model_root):
    return composite_client(endpoint, model_root)


# --- Helpers --------------------------------------------------------------------------------

def av(x):
    """A low-level AttributeValue: str -> S, bytes -> B, a number -> N."""
    if isinstance(x, str):
        return {"S": x}
    if isinstance(x, (bytes, bytearray)):
        return {"B": bytes(x)}
    return {"N": str(x)}


def plain(value):
    """The Python value of a scalar AttributeValue (N as Decimal)."""
    (kind, v), = value.items()
    return decimal.Decimal(v) if kind == "N" else v


def item(**attrs):
    return {k: av(v) for k, v in attrs.items()}


def H(*names):
    return [{"AttributeName": n, "KeyType": "HASH"} for n in names]


def R(*names):
    return [{"AttributeName": n, "KeyType": "RANGE"} for n in names]


def gsi(name, key_schema, kind="ALL", non_key=None):
    projection = {"ProjectionType": kind}
    if non_key:
        projection["NonKeyAttributes"] = list(non_key)
    return {"IndexName": name, "KeySchema": key_schema, "Projection": projection}


def definitions(types):
    return [{"AttributeName": n, "AttributeType": t} for n, t in types.items()]


def typed(names):
    """Types for single-letter attribute names, cycling S, N, B."""
    return dict(zip(names, itertools.cycle("SNB")))


def table_args(name, types, gsis=(), lsis=(), keys=H("pk")):
    args = dict(TableName=name, KeySchema=keys, AttributeDefinitions=definitions(types),
                BillingMode="PAY_PER_REQUEST")
    if gsis:
        args["GlobalSecondaryIndexes"] = list(gsis)
    if lsis:
        args["LocalSecondaryIndexes"] = list(lsis)
    return args


def create(client, types, gsis=(), keys=H("pk"), name=None):
    name = name or unique("cgsi")
    client.create_table(**table_args(name, types, gsis, keys=keys))
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    return name


@pytest.fixture
def tables(cddb):
    """tables(types, gsis, keys=H("pk")) -> name: a table of the test's own, deleted at the end."""
    created = []

    def make(types, gsis=(), keys=H("pk"), name=None):
        created.append(create(cddb, types, gsis, keys, name))
        return created[-1]

    yield make
    for name in created:
        try:
            cddb.delete_table(TableName=name)
        except botocore.exceptions.ClientError:
            pass


def key_condition(conds, alias=False):
    """conds: [(attr, op, value...)], op one of = < <= > >= between begins_with ->
    (KeyConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues)."""
    parts, names, values = [], {}, {}
    for i, (attr, op, *args) in enumerate(conds):
        ref = attr
        if alias:
            ref = "#k%d" % i
            names[ref] = attr
        refs = []
        for j, a in enumerate(args):
            refs.append(":v%d_%d" % (i, j))
            values[refs[-1]] = av(a)
        if op == "between":
            parts.append("%s BETWEEN %s AND %s" % (ref, refs[0], refs[1]))
        elif op == "begins_with":
            parts.append("begins_with(%s, %s)" % (ref, refs[0]))
        else:
            parts.append("%s %s %s" % (ref, op, refs[0]))
    return " AND ".join(parts), names, values


def query_args(table, conds, index="idx", alias=False, **kwargs):
    expression, names, values = key_condition(conds, alias)
    args = dict(TableName=table, IndexName=index, KeyConditionExpression=expression,
                ExpressionAttributeValues=dict(values, **kwargs.pop("ExpressionAttributeValues", {})))
    names.update(kwargs.pop("ExpressionAttributeNames", {}))
    if names:
        args["ExpressionAttributeNames"] = names
    return dict(args, **kwargs)


def satisfies(it, conds):
    """Whether an item meets the key conditions, evaluated in Python."""
    for attr, op, *args in conds:
        if attr not in it:
            return False
        x, a = sort_value(it[attr]), [sort_value(av(v)) for v in args]
        ok = {"=": lambda: x == a[0], "<": lambda: x < a[0], "<=": lambda: x <= a[0],
              ">": lambda: x > a[0], ">=": lambda: x >= a[0],
              "between": lambda: a[0] <= x <= a[1],
              "begins_with": lambda: x.startswith(a[0])}[op]()
        if not ok:
            return False
    return True


def range_tuple(it, ranges):
    return tuple(sort_value(it[a]) for a in ranges)


def expected(items, conds, components, ranges, forward=True):
    """The fully keyed items meeting `conds`, in RANGE tuple order (ties by pk)."""
    out = [i for i in items if all(c in i for c in components) and satisfies(i, conds)]
    out.sort(key=lambda i: (range_tuple(i, ranges), i["pk"]["S"]))
    return out if forward else out[::-1]


def assert_range_order(got, want, ranges, context=None):
    """`got` is `want` in RANGE tuple order; items with equal tuples in any order."""
    assert [range_tuple(i, ranges) for i in got] == [range_tuple(i, ranges) for i in want], context
    assert sorted(map(canon, got)) == sorted(map(canon, want)), context


def assert_last_keys(result_pages, key_names, limit=None):
    """Every LastEvaluatedKey is exactly `key_names` of its page's last item."""
    for n, page in enumerate(result_pages):
        lek = page.get("LastEvaluatedKey")
        if lek is None:
            assert n == len(result_pages) - 1
            continue
        assert lek == {k: page["Items"][-1][k] for k in key_names}
        if limit:
            assert page["Count"] == limit


def pks(items):
    return [i["pk"]["S"] for i in items]


def mentions(*words):
    return lambda message: all(w.lower() in message.lower() for w in words)


# --- The shared table: GSI idx on HASH (h1 N, h2 S), RANGE (r1 N, r2 S, r3 B) ---------------

HASHES, RANGES = ("h1", "h2"), ("r1", "r2", "r3")
COMPONENTS = HASHES + RANGES
TYPES = {"pk": "S", "h1": "N", "h2": "S", "r1": "N", "r2": "S", "r3": "B"}
R1 = (10, -1, 2)                          # numeric, not textual, order: -1, 2, 10
R2 = ("\U0001F600", "a", "\uff5a", "é")   # UTF-8 byte order: a, é, U+FF5A, U+1F600 (UTF-16: ...U+1F600 first)
R3 = (b"\x80", b"\x01", b"\x7f")          # unsigned: 01, 7f, 80


@pytest.fixture(scope="module")
def shared(cddb):
    name = create(cddb, TYPES, [gsi("idx", H(*HASHES) + R(*RANGES))])
    yield name
    cddb.delete_table(TableName=name)


@pytest.fixture(scope="module")
def grid(cddb, shared):
    """Partition (h1 7, h2 <unique>) of idx holding every (r1, r2, r3) of R1 x R2 x R3, plus
    neighbours sharing one HASH value. Returns (h2, items)."""
    h2 = unique("grid")
    items = [item(pk="%s-%02d" % (h2, n), h1=7, h2=h2, r1=a, r2=b, r3=c, v=n)
             for n, (a, b, c) in enumerate(itertools.product(R1, R2, R3))]
    neighbours = [item(pk=h2 + "-h1", h1=8, h2=h2, r1=2, r2="a", r3=b"\x01"),
                  item(pk=h2 + "-h2", h1=7, h2=h2 + "x", r1=2, r2="a", r3=b"\x01")]
    batch_put(cddb, shared, items + neighbours)
    return h2, items


def grid_query(cddb, shared, grid, extra=(), **kwargs):
    h2, items = grid
    conds = [("h1", "=", 7), ("h2", "=", h2)] + list(extra)
    got = all_items(cddb.query, **query_args(shared, conds, **kwargs))
    forward = kwargs.get("ScanIndexForward", True)
    return got, expected(items, conds, COMPONENTS, RANGES, forward)


# --- CreateTable, DescribeTable, KeySchema validation ----------------------------------------

def test_composite_describe_table_echoes_every_index(cddb, tables):
    types = {"pk": "S", "sk": "N", "a": "S", "b": "N", "c": "B", "d": "S", "e": "N", "f": "B", "g": "S"}
    gsis = [gsi("eight", H("a", "b", "c", "d") + R("e", "f", "g", "sk"), "KEYS_ONLY"),  # table RANGE key as a component
            gsi("three", H("b", "a", "pk"), "INCLUDE", ["x"]),  # table HASH key as a component
            gsi("single", H("a") + R("b")),  # b: HASH in eight and three, RANGE here
            gsi("g1x2", H("e") + R("c", "a"))]
    name = tables(types, gsis, keys=H("pk") + R("sk"))
    desc = cddb.describe_table(TableName=name)["Table"]
    described = {x["IndexName"]: x for x in desc["GlobalSecondaryIndexes"]}
    assert sorted(described) == sorted(g["IndexName"] for g in gsis)
    for g in gsis:
        x = described[g["IndexName"]]
        assert (x["KeySchema"], x["Projection"], x["IndexStatus"]) == (g["KeySchema"], g["Projection"], "ACTIVE")
    assert sorted((d["AttributeName"], d["AttributeType"]) for d in desc["AttributeDefinitions"]) == \
        sorted(types.items())

    # All four index the same item.
    it = item(pk="p", sk=1, a="A", b=2, c=b"C", d="D", e=5, f=b"F", g="G", x="X", y="Y")
    cddb.put_item(TableName=name, Item=it)
    for g, attrs in (("eight", set(types)), ("three", {"pk", "sk", "a", "b", "x"}), ("single", set(it)),
                     ("g1x2", set(it))):
        hashes = [k["AttributeName"] for k in described[g]["KeySchema"] if k["KeyType"] == "HASH"]
        got = all_items(cddb.query, **query_args(name, [(h, "=", plain(it[h])) for h in hashes], g))
        assert got == [{k: it[k] for k in attrs}], g


@pytest.mark.parametrize("n_hash,n_range", [(1, 0), (1, 1), (1, 4), (2, 1), (3, 3), (4, 0), (4, 4)])
def test_composite_key_schema_shapes(cddb, tables, n_hash, n_range):
    hashes = ["h%d" % i for i in range(n_hash)]
    ranges = ["r%d" % i for i in range(n_range)]
    types = dict(zip(hashes + ranges, itertools.cycle("SNB")))
    name = tables(dict(pk="S", **types), [gsi("idx", H(*hashes) + R(*ranges))])
    assert index_description(cddb, name, "idx")["KeySchema"] == H(*hashes) + R(*ranges)
    it = item(pk="one", **{a: {"S": "s", "N": 7, "B": b"\x00b"}[t] for a, t in types.items()})
    cddb.put_item(TableName=name, Item=it)
    got = all_items(cddb.query, **query_args(name, [(a, "=", plain(it[a])) for a in types]))
    assert got == [it]


NOT_DEFINED = INVALID + "Some index key attributes are not defined in AttributeDefinitions. Keys: ["
OLD_CAP = "keySchema' failed to satisfy constraint: Member must have length less than or equal to 2"

# case -> (GSI KeySchema, defined attributes besides pk, check of the message)
SCHEMA_CASES = {
    "hash_after_range": (H("a") + R("b") + H("c"), "abc", mentions("HASH", "precede", "RANGE")),
    "five_hash": (H("a", "b", "c", "d", "e"), "abcde", mentions("HASH")),
    "five_range": (H("a") + R("b", "c", "d", "e", "f"), "abcdef", mentions("RANGE")),
    # Reported before the unused definition b.
    "same_hash_twice": (H("a", "a"), "ab", lambda m: "same name" in m and "not used" not in m),
    "hash_and_range_same": (H("a", "b") + R("c", "a"), "abc", mentions("same name")),
    "undefined_component": (H("a", "b") + R("c"), "ab", lambda m: m.startswith(NOT_DEFINED)),
    "unused_definition": (H("a", "b") + R("c"), "abcz", mentions(INVALID + "Some AttributeDefinitions are not used")),
}


@pytest.mark.parametrize("case", sorted(SCHEMA_CASES))
def test_composite_create_table_rejects_bad_key_schema(cddb, case):
    keys, defined, check = SCHEMA_CASES[case]
    name = unique("bad")
    code, message = call_error(cddb.create_table, **table_args(name, dict(pk="S", **typed(defined)),
                                                              [gsi("idx", keys)]))
    assert code == "ValidationException" and check(message) and OLD_CAP not in message, message
    assert call_error(cddb.describe_table, TableName=name)[0] == "ResourceNotFoundException"


@pytest.fixture(scope="module")
def plain_table(cddb):
    name = create(cddb, {"pk": "S"})
    yield name
    cddb.delete_table(TableName=name)


@pytest.mark.parametrize("case", sorted(set(SCHEMA_CASES) - {"unused_definition"}))
def test_composite_update_table_rejects_bad_key_schema(cddb, plain_table, case):
    keys, defined, check = SCHEMA_CASES[case]
    code, message = call_error(cddb.update_table, TableName=plain_table,
                               AttributeDefinitions=definitions(dict(pk="S", **typed(defined))),
                               GlobalSecondaryIndexUpdates=[{"Create": gsi("idx", keys)}])
    assert code == "ValidationException" and check(message) and OLD_CAP not in message, message
    assert "GlobalSecondaryIndexes" not in cddb.describe_table(TableName=plain_table)["Table"]


@pytest.mark.parametrize("keys,lsi_keys", [
    (H("pk") + R("sk", "l"), None),  # a table keeps at most 2 key attributes
    (H("pk", "l"), None),
    (H("pk") + R("sk"), H("pk") + R("l", "m")),  # an LSI keeps the classic shape
    (H("pk") + R("sk"), H("pk", "m") + R("l")),
])
def test_composite_keys_only_for_gsis(cddb, keys, lsi_keys):
    name = unique("bad")
    types = {"pk": "S", "sk": "N", "l": "S", "m": "N"}
    lsis = [{"IndexName": "lsi", "KeySchema": lsi_keys, "Projection": {"ProjectionType": "ALL"}}] if lsi_keys else []
    if not lsi_keys:
        types = {k: types[k] for k in ("pk", "sk", "l") if k in {e["AttributeName"] for e in keys}}
    code, message = call_error(cddb.create_table, **table_args(name, types, lsis=lsis, keys=keys))
    assert code == "ValidationException", message
    if len(keys) == 3:
        assert "at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2" \
            in message
    assert call_error(cddb.describe_table, TableName=name)[0] == "ResourceNotFoundException"


# --- Writes: the sparse rule, types, maintenance -------------------------------------------

def indexed(cddb, table, tag):
    """pks of the items tagged `tag` that a Scan of idx returns."""
    return sorted(pks(all_items(cddb.scan, TableName=table, IndexName="idx", FilterExpression="tag = :t",
                                ExpressionAttributeValues={":t": av(tag)})))


def full_item(pk, tag, **changes):
    return item(**dict(dict(pk=pk, h1=1, h2=tag, r1=1, r2="x", r3=b"\x01", tag=tag), **changes))


def hash_query(cddb, table, h1, h2, **kwargs):
    return pks(all_items(cddb.query, **query_args(table, [("h1", "=", h1), ("h2", "=", h2)], **kwargs)))


def test_composite_item_missing_any_component_is_not_indexed(cddb, shared):
    tag = unique("sparse")
    cddb.put_item(TableName=shared, Item=full_item("full-" + tag, tag))
    for c in COMPONENTS:
        it = full_item("no-%s-%s" % (c, tag), tag)
        del it[c]
        cddb.put_item(TableName=shared, Item=it)
        assert cddb.get_item(TableName=shared, Key={"pk": it["pk"]})["Item"] == it
    assert hash_query(cddb, shared, 1, tag) == ["full-" + tag]
    assert indexed(cddb, shared, tag) == ["full-" + tag]


@pytest.mark.parametrize("attr,value,actual", [("h2", 5, "N"), ("r3", "x", "S"), ("h1", b"1", "B")])
def test_composite_wrong_component_type_is_rejected(cddb, shared, attr, value, actual):
    message = INVALID + "Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: idx" % (
        attr, TYPES[attr], actual)
    tag = unique("type")
    bad = full_item(tag, tag, **{attr: value})
    assert call_error(cddb.put_item, TableName=shared, Item=bad) == ("ValidationException", message)
    del bad["r1"]  # also when another component is missing
    assert call_error(cddb.put_item, TableName=shared, Item=bad) == ("ValidationException", message)
    assert "Item" not in cddb.get_item(TableName=shared, Key={"pk": av(tag)})
    good = full_item(tag, tag)
    cddb.put_item(TableName=shared, Item=good)
    assert call_error(cddb.update_item, TableName=shared, Key={"pk": av(tag)}, UpdateExpression="SET #a = :v",
                      ExpressionAttributeNames={"#a": attr},
                      ExpressionAttributeValues={":v": av(value)}) == ("ValidationException", message)
    assert cddb.get_item(TableName=shared, Key={"pk": av(tag)})["Item"] == good


def test_composite_batch_with_one_wrong_component_writes_nothing(cddb, shared):
    tag = unique("batch")
    puts = [full_item("%s-%d" % (tag, n), tag, r1=n) for n in range(5)] + [full_item(tag + "-bad", tag, r1="1")]
    code, message = call_error(cddb.batch_write_item,
                               RequestItems={shared: [{"PutRequest": {"Item": i}} for i in puts]})
    assert (code, message) == ("ValidationException",
                               INVALID + "Type mismatch for Index Key r1 Expected: N Actual: S IndexName: idx")
    got = cddb.batch_get_item(RequestItems={shared: {"Keys": [{"pk": i["pk"]} for i in puts]}})
    assert got["Responses"][shared] == []
    assert indexed(cddb, shared, tag) == []


@pytest.mark.parametrize("attr,value,kind", [("h2", "", "string"), ("r2", "", "string"), ("r3", b"", "binary")])
def test_composite_empty_component_is_rejected(cddb, shared, attr, value, kind):
    tag = unique("empty")
    code, message = call_error(cddb.put_item, TableName=shared, Item=full_item(tag, tag, **{attr: value}))
    assert code == "ValidationException"
    assert message == ("One or more parameter values are not valid. A value specified for a secondary index key "
                       "is not supported. The AttributeValue for a key attribute cannot contain an empty %s value. "
                       "IndexName: idx, IndexKey: %s" % (kind, attr))
    assert "Item" not in cddb.get_item(TableName=shared, Key={"pk": av(tag)})


@pytest.mark.parametrize("removed", [("h1",), ("h2",), ("r1",), ("r3",), ("h2", "r1", "r3")], ids="+".join)
def test_composite_remove_component_drops_entry_and_set_restores_it(cddb, shared, removed):
    tag = unique("rm")
    it = full_item(tag, tag)
    cddb.put_item(TableName=shared, Item=it)
    assert indexed(cddb, shared, tag) == [tag]
    cddb.update_item(TableName=shared, Key={"pk": av(tag)}, UpdateExpression="REMOVE " + ", ".join(removed))
    assert indexed(cddb, shared, tag) == [] and hash_query(cddb, shared, 1, tag) == []
    cddb.update_item(TableName=shared, Key={"pk": av(tag)},
                     UpdateExpression="SET " + ", ".join("%s = :%s" % (a, a) for a in removed),
                     ExpressionAttributeValues={":" + a: it[a] for a in removed})
    assert indexed(cddb, shared, tag) == [tag] and hash_query(cddb, shared, 1, tag) == [tag]


def test_composite_changing_components_moves_entry(cddb, shared):
    tag = unique("mv")
    for n in (1, 2, 3):
        cddb.put_item(TableName=shared, Item=full_item("%s-%d" % (tag, n), tag, r1=n))
    cddb.update_item(TableName=shared, Key={"pk": av(tag + "-2")}, UpdateExpression="SET r1 = :z",
                     ExpressionAttributeValues={":z": av(0)})
    assert hash_query(cddb, shared, 1, tag) == [tag + "-2", tag + "-1", tag + "-3"]
    cddb.update_item(TableName=shared, Key={"pk": av(tag + "-2")}, UpdateExpression="SET h2 = :o",
                     ExpressionAttributeValues={":o": av(tag + "-other")})
    assert hash_query(cddb, shared, 1, tag) == [tag + "-1", tag + "-3"]
    assert hash_query(cddb, shared, 1, tag + "-other") == [tag + "-2"]
    cddb.update_item(TableName=shared, Key={"pk": av(tag + "-1")}, UpdateExpression="SET r2 = :s, r3 = :b",
                     ExpressionAttributeValues={":s": av("y"), ":b": av(b"\x02")})
    prefix = [("h1", "=", 1), ("h2", "=", tag), ("r1", "=", 1)]
    assert all_items(cddb.query, **query_args(shared, prefix + [("r2", "=", "x")])) == []
    got = all_items(cddb.query, **query_args(shared, prefix + [("r2", "=", "y"), ("r3", "=", b"\x02")]))
    assert pks(got) == [tag + "-1"] and got[0]["r3"] == {"B": b"\x02"}


def test_composite_deletes_drop_entries(cddb, shared):
    tag = unique("del")
    puts = [full_item("%s-%d" % (tag, n), tag, r1=n) for n in range(3)]
    cddb.batch_write_item(RequestItems={shared: [{"PutRequest": {"Item": i}} for i in puts]})
    assert hash_query(cddb, shared, 1, tag) == pks(puts)
    cddb.delete_item(TableName=shared, Key={"pk": puts[0]["pk"]})
    cddb.batch_write_item(RequestItems={shared: [{"DeleteRequest": {"Key": {"pk": puts[2]["pk"]}}}]})
    assert hash_query(cddb, shared, 1, tag) == [puts[1]["pk"]["S"]]
    assert indexed(cddb, shared, tag) == [puts[1]["pk"]["S"]]


# --- Query ---------------------------------------------------------------------------------

@pytest.mark.parametrize("forward", [True, False])
def test_composite_query_hash_only_returns_partition_in_range_order(cddb, shared, grid, forward):
    got, want = grid_query(cddb, shared, grid, ScanIndexForward=forward)
    assert len(got) == len(R1) * len(R2) * len(R3)
    assert_range_order(got, want, RANGES)
    assert [i["r1"]["N"] for i in got[::len(R2) * len(R3)]] == (["-1", "2", "10"] if forward else ["10", "2", "-1"])


@pytest.mark.parametrize("extra", [
    [("r1", "<", 2)], [("r1", "<=", 2)], [("r1", ">", -1)], [("r1", ">=", 2)], [("r1", "=", 10)],
    [("r1", "between", -1, 2)],
    [("r1", "=", 2), ("r2", "<", "é")], [("r1", "=", 2), ("r2", ">", "é")], [("r1", "=", 2), ("r2", "<=", "\uff5a")],
    [("r1", "=", 2), ("r2", "between", "a", "\uff5a")], [("r1", "=", 2), ("r2", "begins_with", "\U0001F600")],
    [("r1", "=", 2), ("r2", "=", "a"), ("r3", ">=", b"\x7f")], [("r1", "=", 2), ("r2", "=", "a"), ("r3", "<", b"\x80")],
    [("r1", "=", 2), ("r2", "=", "a"), ("r3", "between", b"\x01", b"\x7f")],
    [("r1", "=", 2), ("r2", "=", "a"), ("r3", "begins_with", b"\x80")],
    [("r1", "=", 2), ("r2", "=", "a"), ("r3", "=", b"\x01")],
], ids=lambda extra: " ".join("%s%s" % (c[0], c[1]) for c in extra))
def test_composite_query_range_conditions(cddb, shared, grid, extra):
    for forward in (True, False):
        got, want = grid_query(cddb, shared, grid, extra, ScanIndexForward=forward)
        assert want and len(want) < len(grid[1])
        assert_range_order(got, want, RANGES)


@pytest.mark.parametrize("alias", [False, True])
def test_composite_query_clause_order_and_aliases(cddb, shared, grid, alias):
    h2, items = grid
    for conds in ([("r2", "=", "a"), ("h2", "=", h2), ("r1", "=", 2), ("h1", "=", 7)],
                  [("h1", "=", 7), ("r1", ">", -1), ("h2", "=", h2)],
                  [("r3", "begins_with", b"\x7f"), ("r2", "=", "é"), ("h2", "=", h2), ("r1", "=", 10), ("h1", "=", 7)]):
        got = all_items(cddb.query, **query_args(shared, conds, alias=alias))
        assert_range_order(got, expected(items, conds, COMPONENTS, RANGES), RANGES)


@pytest.mark.parametrize("conds", [
    [("h1", "=", 7)], [("h2", "=", "x")], [("h1", "=", 7), ("h2", "<", "x")], [("h1", "=", 7), ("h2", "between", "a", "b")],
    [("h1", "=", 7), ("h2", "begins_with", "x")], [("h1", ">", 7), ("h2", "=", "x")],
    [("r1", "=", 1), ("r2", "=", "x")], [("h1", "=", 7), ("r1", "=", 1), ("r2", "=", "x"), ("r3", "=", b"x")],
], ids=lambda conds: " ".join("%s%s" % (c[0], c[1]) for c in conds))
def test_composite_query_needs_equality_on_every_hash_attribute(cddb, shared, conds):
    code, message = call_error(cddb.query, **query_args(shared, conds))
    assert code == "ValidationException" and mentions("HASH", "equality")(message), message


# (RANGE conditions besides h1 = and h2 =, the attribute lacking its equality condition)
@pytest.mark.parametrize("conds,missing", [
    ([("r2", "=", "a")], "r1"), ([("r2", ">", "a")], "r1"), ([("r3", "=", b"x")], "r1"),
    ([("r1", "=", 1), ("r3", "=", b"x")], "r2"), ([("r1", ">", 1), ("r2", "=", "a")], "r1"),
    ([("r1", "=", 1), ("r2", "begins_with", "a"), ("r3", "=", b"x")], "r2"),
    ([("r1", "=", 1), ("r2", ">", "a"), ("r3", "<", b"x")], "r2"), ([("r1", "between", 1, 2), ("r2", "=", "a")], "r1"),
], ids=lambda x: " ".join("%s%s" % (c[0], c[1]) for c in x) if isinstance(x, list) else x)
def test_composite_query_range_conditions_must_be_an_equality_prefix(cddb, shared, conds, missing):
    for alias in (False, True):
        code, message = call_error(cddb.query, **query_args(shared, [("h1", "=", 7), ("h2", "=", "x")] + conds,
                                                            alias=alias))
        assert code == "ValidationException" and mentions("RANGE", "equality", missing)(message), message


def test_composite_query_value_type_and_function_checks(cddb, shared):
    mismatch = INVALID + "Condition parameter type does not match schema type"
    for conds in ([("h1", "=", "7"), ("h2", "=", "x")], [("h1", "=", 7), ("h2", "=", 7)],
                  [("h1", "=", 7), ("h2", "=", "x"), ("r1", "=", 1), ("r2", ">", b"a")],
                  [("h1", "=", 7), ("h2", "=", "x"), ("r1", "between", "1", "2")]):
        assert call_error(cddb.query, **query_args(shared, conds)) == ("ValidationException", mismatch)
    code, message = call_error(cddb.query, **query_args(
        shared, [("h1", "=", 7), ("h2", "=", "x"), ("r1", "begins_with", 1)]))
    assert code == "ValidationException" and "operand type" in message
    assert call_error(cddb.query, **query_args(shared, [("h1", "=", 7), ("h2", "=", "x")], ConsistentRead=True)) == \
        ("ValidationException", "Consistent reads are not supported on global secondary indexes")


@pytest.mark.parametrize("attr", COMPONENTS)
def test_composite_filter_on_any_component_is_rejected(cddb, shared, grid, attr):
    value = {"N": 1, "S": "a", "B": b"a"}[TYPES[attr]]
    hash_only = [("h1", "=", 7), ("h2", "=", grid[0])]
    for ref, names in ((attr, {}), ("#f", {"#f": attr})):
        code, message = call_error(cddb.query, **query_args(
            shared, hash_only, FilterExpression="%s = :f" % ref, ExpressionAttributeNames=names,
            ExpressionAttributeValues={":f": av(value)}))
        assert (code, message) == ("ValidationException", "Filter Expression can only contain non-primary "
                                                          "key attributes: Primary key attribute: " + attr)


def test_composite_filter_on_other_attributes(cddb, shared, grid):
    got, want = grid_query(cddb, shared, grid, FilterExpression="v >= :n AND pk <> :p",
                           ExpressionAttributeValues={":n": av(30), ":p": av(grid[0] + "-31")})
    assert_range_order(got, [i for i in want if int(i["v"]["N"]) >= 30 and not i["pk"]["S"].endswith("-31")], RANGES)


def legacy(conds):
    ops = {"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE", "between": "BETWEEN", "begins_with": "BEGINS_WITH"}
    return {a: {"ComparisonOperator": ops[op], "AttributeValueList": [av(v) for v in args]} for a, op, *args in conds}


def test_composite_legacy_key_conditions(cddb, shared, grid):
    h2, items = grid
    hash_only = [("h2", "=", h2), ("h1", "=", 7)]
    for extra in ([], [("r1", "=", 2), ("r2", "begins_with", "a")], [("r1", "=", 2), ("r2", ">", "a")],
                  [("r1", "between", -1, 2)], [("r1", "=", 10), ("r2", "=", "é"), ("r3", "<=", b"\x7f")]):
        for forward in (True, False):
            got = all_items(cddb.query, TableName=shared, IndexName="idx", KeyConditions=legacy(hash_only + extra),
                            ScanIndexForward=forward)
            assert_range_order(got, expected(items, hash_only + extra, COMPONENTS, RANGES, forward), RANGES)
    code, message = call_error(cddb.query, TableName=shared, IndexName="idx",
                               KeyConditions=legacy(hash_only + [("r2", "=", "a")]))
    assert code == "ValidationException" and "r1" in message, message
    code, message = call_error(cddb.query, TableName=shared, IndexName="idx", KeyConditions=legacy([("h1", "=", 7)]))
    assert code == "ValidationException", message


# --- Paging and Scan -----------------------------------------------------------------------

@pytest.mark.parametrize("limit", [1, 5, 35, 36, 50])
def test_composite_query_pages_return_every_item_once(cddb, shared, grid, limit):
    h2, items = grid
    conds = [("h1", "=", 7), ("h2", "=", h2)]
    for forward in (True, False):
        result = pages(cddb.query, **query_args(shared, conds, Limit=limit, ScanIndexForward=forward))
        assert_last_keys(result, TYPES, limit)
        got = [i for p in result for i in p["Items"]]
        assert len(set(pks(got))) == len(got)
        assert_range_order(got, expected(items, conds, COMPONENTS, RANGES, forward), RANGES)


def test_composite_exclusive_start_key_must_be_exact(cddb, shared, grid):
    args = query_args(shared, [("h1", "=", 7), ("h2", "=", grid[0])], Limit=2)
    lek = cddb.query(**args)["LastEvaluatedKey"]
    assert set(lek) == set(TYPES)
    bad = [{k: v for k, v in lek.items() if k != drop} for drop in ("h1", "r2", "r3", "pk")]
    bad.append(dict(lek, v=av(1)))
    for start in bad:
        for op, kwargs in ((cddb.query, args), (cddb.scan, dict(TableName=shared, IndexName="idx", Limit=2))):
            code, message = call_error(op, ExclusiveStartKey=start, **kwargs)
            assert code == "ValidationException" and "starting key" in message, (start, message)


def test_composite_scan_of_index(cddb, tables):
    types = {"pk": "S", "sk": "N", "a": "S", "b": "N", "c": "B"}
    name = tables(types, [gsi("keys", H("a", "b") + R("sk", "c"), "KEYS_ONLY")], keys=H("pk") + R("sk"))
    rng = random.Random(7)
    items = [item(pk="p%d" % (n % 4), sk=n, a=rng.choice("xy"), b=rng.randint(1, 2), c=bytes([rng.randint(0, 255)]),
                  other=n) for n in range(30)]
    for it, dropped in zip(items, (["a"], ["b"], ["c"], ["a", "c"])):
        for k in dropped:
            del it[k]
    batch_put(cddb, name, items)
    full = [{k: i[k] for k in types} for i in items if all(k in i for k in types)]
    for limit in (1, 4, len(full) - 1, len(full), len(full) + 1):
        result = pages(cddb.scan, TableName=name, IndexName="keys", Limit=limit)
        assert_last_keys(result, types, limit)
        got = [i for p in result for i in p["Items"]]
        assert sorted(map(canon, got)) == sorted(map(canon, full))
    assert "LastEvaluatedKey" not in cddb.scan(TableName=name, IndexName="keys", Limit=len(full) + 1)
    assert "LastEvaluatedKey" in cddb.scan(TableName=name, IndexName="keys", Limit=len(full) - 1)


# --- UpdateTable and DeleteTable -----------------------------------------------------------

LATE_TYPES = {"g1": "S", "g2": "N", "s1": "B", "s2": "S"}
LATE = gsi("late", H("g1", "g2") + R("s1", "s2"))


def test_composite_update_table_create_backfills_and_delete_drops(cddb, tables):
    name = tables({"pk": "S"})
    rng = random.Random(11)
    items = [item(pk="i%02d" % n, g1=rng.choice("ab"), g2=rng.randint(1, 2), s1=bytes([rng.randint(0, 3)]),
                  s2=rng.choice("xy")) for n in range(40)]
    for it, dropped in zip(items, LATE_TYPES):
        del it[dropped]
    batch_put(cddb, name, items)
    cddb.update_table(TableName=name, AttributeDefinitions=definitions(dict(pk="S", **LATE_TYPES)),
                      GlobalSecondaryIndexUpdates=[{"Create": LATE}])
    wait_index(cddb, name, "late", "ACTIVE")
    assert index_description(cddb, name, "late")["KeySchema"] == LATE["KeySchema"]
    for g1, g2 in itertools.product("ab", (1, 2)):
        conds = [("g1", "=", g1), ("g2", "=", g2)]
        got = all_items(cddb.query, **query_args(name, conds, "late"))
        assert_range_order(got, expected(items, conds, LATE_TYPES, ("s1", "s2")), ("s1", "s2"))
    bad = item(pk="bad", g1=1, g2=1, s1=b"x", s2="x")
    assert call_error(cddb.put_item, TableName=name, Item=bad) == \
        ("ValidationException", INVALID + "Type mismatch for Index Key g1 Expected: S Actual: N IndexName: late")

    cddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "late"}}])
    wait_index(cddb, name, "late", None)
    assert call_error(cddb.query, **query_args(name, [("g1", "=", "a"), ("g2", "=", 1)], "late")) == \
        ("ValidationException", "The table does not have the specified index: late")
    cddb.put_item(TableName=name, Item=bad)  # g1 is no index key any more
    assert len(all_items(cddb.scan, TableName=name)) == len(items) + 1


def test_composite_recreated_table_has_an_empty_index(cddb, tables):
    name = unique("again")
    tables(TYPES, [gsi("idx", H(*HASHES) + R(*RANGES))], name=name)
    cddb.put_item(TableName=name, Item=full_item("one", "t"))
    assert hash_query(cddb, name, 1, "t") == ["one"]
    cddb.delete_table(TableName=name)
    cddb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    tables(TYPES, [gsi("idx", H(*HASHES) + R(*RANGES))], name=name)
    assert hash_query(cddb, name, 1, "t") == []
    assert cddb.scan(TableName=name, IndexName="idx")["Items"] == []


# --- A randomized model --------------------------------------------------------------------

DOMAINS = {"S": ["a", "ab", "b", "é", "Z"], "N": [-2, 0, 1.5, 2, 10],
           "B": [b"\x00", b"\x01", b"\x01\x00", b"\x7f", b"\x80"]}


def random_last_condition(rng, attr, kind):
    domain = DOMAINS[kind]
    op = rng.choice(["=", "<", "<=", ">", ">=", "between"] + (["begins_with"] if kind != "N" else []))
    if op == "between":
        return (attr, op) + tuple(sorted(rng.sample(domain, 2), key=lambda v: sort_value(av(v))))
    value = rng.choice(domain)
    if op == "begins_with":
        value = value[:rng.randint(1, len(value))]
    return (attr, op, value)


def test_composite_query_matches_a_python_model(cddb, tables):
    """Random schemas (1-4 HASH, 0-4 RANGE of random types) and items (small domains, some
    components missing): every Query - all pages, both directions - returns what a Scan of the
    table filtered and ordered in Python gives."""
    rng = random.Random(20251118)
    for _ in range(6):
        hashes = ["h%d" % i for i in range(rng.randint(1, 4))]
        ranges = ["r%d" % i for i in range(rng.randint(0, 4))]
        types = {a: rng.choice("SNB") for a in hashes + ranges}
        name = tables(dict(pk="S", **types), [gsi("rnd", H(*hashes) + R(*ranges))])
        items = []
        for n in range(60):
            it = {"pk": av("i%02d" % n), "v": av(n)}
            for a, kind in types.items():
                if rng.random() > 0.08:
                    it[a] = av(rng.choice(DOMAINS[kind][:2] if a in hashes else DOMAINS[kind]))
            items.append(it)
        batch_put(cddb, name, items)
        table_items = all_items(cddb.scan, TableName=name)
        full = [i for i in table_items if all(a in i for a in types)]
        for _ in range(12):
            anchor = rng.choice(full)
            prefix = rng.randint(0, len(ranges))
            conds = [(a, "=", plain(anchor[a])) for a in hashes + ranges[:prefix]]
            if prefix < len(ranges) and rng.random() < 0.7:
                conds.append(random_last_condition(rng, ranges[prefix], types[ranges[prefix]]))
            rng.shuffle(conds)
            alias = rng.random() < 0.5
            for forward in (True, False):
                limit = rng.choice([{}, {"Limit": 1}, {"Limit": 3}, {"Limit": 7}])
                got = all_items(cddb.query, **query_args(name, conds, "rnd", alias, ScanIndexForward=forward,
                                                         **limit))
                want = expected(table_items, conds, types, ranges, forward)
                assert_range_order(got, want, ranges, (types, conds, forward, limit))


# --- The AWS CLI ---------------------------------------------------------------------------

@pytest.mark.skipif(not (os.access(AWS, os.X_OK) and os.path.isdir(CLI_MODEL)), reason="no AWS CLI v2 at " + AWS)
def test_composite_cli_create_table_and_query(endpoint, tmp_path):
    """/usr/bin/aws with AWS_DATA_PATH at a patched copy of its own DynamoDB model (the CLI
    bundles its own botocore), standing in for a CLI release with the newer model. Isolated
    from the machine's AWS configuration as in test_cli."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"), "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
           "AWS_SECRET_ACCESS_KEY": "secret", "AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "1", "LANG": "C.UTF-8",
           "AWS_DATA_PATH": patch_model(CLI_MODEL, str(tmp_path / "model"))}

    def aws(*args):
        cmd = [AWS, "--endpoint-url", endpoint, "--region", REGION, "--output", "json", "dynamodb"] + list(args)
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, "%s\nstdout: %s\nstderr: %s" % (cmd, proc.stdout, proc.stderr)
        return json.loads(proc.stdout) if proc.stdout.strip() else None

    name = unique("cli")
    keys = H("h1", "h2") + R("r1", "r2")
    aws("create-table", "--table-name", name, "--billing-mode", "PAY_PER_REQUEST",
        "--attribute-definitions", json.dumps(definitions({"pk": "S", "h1": "S", "h2": "N", "r1": "S", "r2": "N"})),
        "--key-schema", json.dumps(H("pk")), "--global-secondary-indexes", json.dumps([gsi("cgsi", keys)]))
    try:
        aws("wait", "table-exists", "--table-name", name)
        for pk, r1, r2 in (("a", "x", 10), ("b", "x", 2), ("c", "w", 5), ("d", "x", 1)):
            aws("put-item", "--table-name", name, "--item", json.dumps(item(pk=pk, h1="H", h2=1, r1=r1, r2=r2)))
        # --page-size 1: the CLI follows the composite LastEvaluatedKeys itself.
        got = aws("query", "--table-name", name, "--index-name", "cgsi", "--page-size", "1",
                  "--key-condition-expression", "h2 = :b AND r1 = :c AND h1 = :a AND r2 >= :d",
                  "--expression-attribute-values",
                  json.dumps({":a": av("H"), ":b": av(1), ":c": av("x"), ":d": av(2)}))
        assert [i["pk"]["S"] for i in got["Items"]] == ["b", "a"]
        assert aws("describe-table", "--table-name", name)["Table"]["GlobalSecondaryIndexes"][0]["KeySchema"] == keys
    finally:
        aws("delete-table", "--table-name", name)


# --- Restarts and backups ----------------------------------------------------------------------

def test_composite_index_survives_a_restart(model_root, tmp_path):
    """The catalog keeps every component in order; the entries are found again after a restart."""
    data_dir = str(tmp_path / "data")
    schema = H("h1", "h2") + R("r1", "r2")
    types = {"pk": "S", "h1": "S", "h2": "N", "r1": "N", "r2": "S"}
    rows = [item(pk="p%d" % n, h1="a", h2=1, r1=n % 3, r2="x%d" % n) for n in range(9)]
    order = sorted(rows, key=lambda it: (int(it["r1"]["N"]), it["r2"]["S"]))
    conds = [("h1", "=", "a"), ("h2", "=", 1)]
    with Server(data_dir=data_dir) as server:
        client = composite_client(server.url, model_root)
        name = create(client, types, [gsi("idx", schema)])
        batch_put(client, name, rows)
    with Server(data_dir=data_dir) as server:
        client = composite_client(server.url, model_root)
        described = index_description(client, name, "idx")
        assert described["KeySchema"] == schema
        assert all_items(client.query, **query_args(name, conds)) == order


def test_composite_index_is_restored_from_a_backup(cddb, tables):
    schema = H("h1", "h2") + R("r1")
    name = tables({"pk": "S", "h1": "S", "h2": "B", "r1": "N"}, [gsi("idx", schema, "KEYS_ONLY")])
    rows = [item(pk="p%d" % n, h1="a", h2=b"\x00\x01", r1=-n) for n in range(5)]
    batch_put(cddb, name, rows + [item(pk="sparse", h1="a", r1=1)])
    arn = cddb.create_backup(TableName=name, BackupName="composite")["BackupDetails"]["BackupArn"]
    wait_for(lambda: cddb.describe_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"]
             ["BackupStatus"] == "AVAILABLE", what="backup available")
    restored = unique("crestore")
    cddb.restore_table_from_backup(TargetTableName=restored, BackupArn=arn)
    try:
        wait_for(lambda: cddb.describe_table(TableName=restored)["Table"]["TableStatus"] == "ACTIVE",
                 what="restored table active")
        assert index_description(cddb, restored, "idx")["KeySchema"] == schema
        got = all_items(cddb.query, **query_args(restored, [("h1", "=", "a"), ("h2", "=", b"\x00\x01")]))
        assert [it["pk"]["S"] for it in got] == ["p%d" % n for n in range(4, -1, -1)]
    finally:
        cddb.delete_table(TableName=restored)
