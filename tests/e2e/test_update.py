"""UpdateItem: upserts, SET arithmetic (exact decimals), if_not_exists, list_append, nested
paths and list indexes, REMOVE, ADD, DELETE, every ReturnValues mode, consumed capacity, and
the validation errors of UpdateExpression.

Rules: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html (grammar, semantics),
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html (ReturnValues, capacity),
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html (numbers, sizes, no empty sets).
"""
import decimal

import pytest

from conftest import MAX_ITEM_SIZE, call_error, item_size


def S(v):
    return {"S": v}


def N(v):
    return {"N": str(v)}


def L(*values):
    return {"L": list(values)}


def get(ddb, table, key):
    return ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")


def update(ddb, table, key, expression=None, values=None, names=None, **kwargs):
    if expression is not None:
        kwargs["UpdateExpression"] = expression
    if values is not None:
        kwargs["ExpressionAttributeValues"] = values
    if names is not None:
        kwargs["ExpressionAttributeNames"] = names
    return ddb.update_item(TableName=table, Key=key, **kwargs)


def update_error(ddb, table, key, expression, values=None, names=None, **kwargs):
    if values is not None:
        kwargs["ExpressionAttributeValues"] = values
    if names is not None:
        kwargs["ExpressionAttributeNames"] = names
    return call_error(ddb.update_item, TableName=table, Key=key, UpdateExpression=expression,
                      **kwargs)


def sets_sorted(item):
    """The item with set values sorted, sets being unordered."""
    out = {}
    for name, value in item.items():
        (kind, v), = value.items()
        if kind in ("SS", "NS", "BS"):
            v = sorted(v, key=lambda e: decimal.Decimal(e) if kind == "NS" else e)
        elif kind == "M":
            v = sets_sorted(v)
        out[name] = {kind: v}
    return out


# --- Upsert ---------------------------------------------------------------------------------

def test_update_creates_missing_item(ddb, hash_table, key):
    response = update(ddb, hash_table, {"pk": S(key)}, "SET a = :a, b = :b",
                      {":a": S("x"), ":b": N("1.50")}, ReturnValues="ALL_NEW")
    expected = {"pk": S(key), "a": S("x"), "b": N("1.5")}
    assert response["Attributes"] == expected
    assert get(ddb, hash_table, {"pk": S(key)}) == expected


def test_update_creates_item_on_range_table(ddb, range_table, key):
    update(ddb, range_table, {"pk": S(key), "sk": N("1e2")}, "SET a = :a", {":a": S("x")})
    assert get(ddb, range_table, {"pk": S(key), "sk": N(100)}) == {
        "pk": S(key), "sk": N(100), "a": S("x")}


def test_update_without_expression_creates_key_only_item(ddb, hash_table, key):
    """An UpdateItem without UpdateExpression creates/keeps just the key."""
    response = update(ddb, hash_table, {"pk": S(key)}, ReturnValues="ALL_NEW")
    assert response["Attributes"] == {"pk": S(key)}
    assert get(ddb, hash_table, {"pk": S(key)}) == {"pk": S(key)}
    # On an existing item it changes nothing.
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "a": S("x")})
    update(ddb, hash_table, {"pk": S(key)})
    assert get(ddb, hash_table, {"pk": S(key)}) == {"pk": S(key), "a": S("x")}


def test_update_that_only_removes_creates_no_item(ddb, hash_table, key):
    """DynamoDB creates nothing for it (conformance fact I1; test_streams checks the stream)."""
    update(ddb, hash_table, {"pk": S(key)}, "REMOVE a")
    assert "Item" not in ddb.get_item(TableName=hash_table, Key={"pk": S(key)})


def test_update_keeps_other_attributes(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "keep": S("k"), "a": N(1)})
    update(ddb, hash_table, {"pk": S(key)}, "SET a = :a", {":a": N(2)})
    assert get(ddb, hash_table, {"pk": S(key)}) == {"pk": S(key), "keep": S("k"), "a": N(2)}


# --- SET arithmetic -------------------------------------------------------------------------

@pytest.mark.parametrize("start,expression,operand,result", [
    ("0.1", "n + :v", "0.2", "0.3"),                  # exact decimal, not binary floating point
    ("1", "n - :v", "0.9", "0.1"),
    ("0.3", "n - :v", "0.1", "0.2"),
    ("5", "n - :v", "7.25", "-2.25"),
    ("-2.5", "n + :v", "2.5", "0"),
    ("1e2", "n + :v", "1e-2", "100.01"),
    ("10", ":v - n", "3", "-7"),
    ("10", ":v + :v", "3", "6"),
    ("12345678901234567890123456789012345677", "n + :v", "1",
     "12345678901234567890123456789012345678"),
    ("99999999999999999999999999999999999999", "n + :v", "1",
     "100000000000000000000000000000000000000"),
    ("0.1234567890123456789012345678901234567", "n + :v", "0.0000000000000000000000000000000000001",
     "0.1234567890123456789012345678901234568"),
    ("9.9999999999999999999999999999999999999e125", "n - :v",
     "9.9999999999999999999999999999999999999e125", "0"),
    ("1e-130", "n + :v", "1e-130", "0." + "0" * 129 + "2"),
])
def test_set_arithmetic_is_exact(ddb, hash_table, key, start, expression, operand, result):
    """Arithmetic is exact decimal with 38 significant digits; the result is
    returned normalised."""
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "n": N(start)})
    response = update(ddb, hash_table, {"pk": S(key)}, "SET n = " + expression, {":v": N(operand)},
                      ReturnValues="UPDATED_NEW")
    assert response["Attributes"] == {"n": N(result)}
    assert get(ddb, hash_table, {"pk": S(key)})["n"] == N(result)


@pytest.mark.parametrize("start,operand,message", [
    ("9e125", "9e125", "Number overflow. Attempting to store a number with magnitude larger than "
                       "supported range"),
    ("-9e125", "-9e125", "Number overflow. Attempting to store a number with magnitude larger "
                         "than supported range"),
    # An exact result past 38 digits is an overflow too (conformance fact E8).
    ("12345678901234567890123456789012345678", "0.5",
     "Number overflow. Attempting to store a number with magnitude larger than supported range"),
    ("1e50", "1",
     "Number overflow. Attempting to store a number with magnitude larger than supported range"),
    ("2e-130", "-1.5e-130", "Number underflow. Attempting to store a number with magnitude "
                            "smaller than supported range"),
])
def test_set_arithmetic_out_of_range(ddb, hash_table, key, start, operand, message):
    """A result outside the range or precision raises the same ValidationException as storing
    such a number; the item is unchanged."""
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "n": N(start)})
    code, got = update_error(ddb, hash_table, {"pk": S(key)}, "SET n = n + :v", {":v": N(operand)})
    assert (code, got) == ("ValidationException", message)
    code, got = update_error(ddb, hash_table, {"pk": S(key)}, "ADD n :v", {":v": N(operand)})
    assert (code, got) == ("ValidationException", message)
    assert decimal.Decimal(get(ddb, hash_table, {"pk": S(key)})["n"]["N"]) == decimal.Decimal(start)


def test_set_from_other_attributes_and_swap(ddb, hash_table, key):
    """Every right-hand side reads the original item, so a swap works."""
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "a": S("A"), "b": S("B"), "n": N(1)})
    update(ddb, hash_table, {"pk": S(key)}, "SET a = b, b = a, c = n + n, d = n")
    assert get(ddb, hash_table, {"pk": S(key)}) == {
        "pk": S(key), "a": S("B"), "b": S("A"), "n": N(1), "c": N(2), "d": N(1)}


def test_set_reads_original_even_when_another_action_changes_it(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "n": N(10), "m": N(0)})
    update(ddb, hash_table, {"pk": S(key)}, "SET m = n REMOVE n")
    assert get(ddb, hash_table, {"pk": S(key)}) == {"pk": S(key), "m": N(10)}


# --- if_not_exists and list_append ----------------------------------------------------------

def test_if_not_exists(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "a": S("old")})
    update(ddb, hash_table, {"pk": S(key)},
           "SET a = if_not_exists(a, :d), b = if_not_exists(b, :d), "
           "c = if_not_exists(m.x, :d), d = if_not_exists(a, b)", {":d": S("default")})
    assert get(ddb, hash_table, {"pk": S(key)}) == {
        "pk": S(key), "a": S("old"), "b": S("default"), "c": S("default"), "d": S("old")}


def test_if_not_exists_counter(ddb, hash_table, key):
    for _ in range(3):
        update(ddb, hash_table, {"pk": S(key)}, "SET c = if_not_exists(c, :zero) + :one",
               {":zero": N(0), ":one": N(1)})
    assert get(ddb, hash_table, {"pk": S(key)})["c"] == N(3)


def test_list_append_append_and_prepend(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "l": L(N(2), N(3))})
    update(ddb, hash_table, {"pk": S(key)}, "SET l = list_append(l, :tail)",
           {":tail": L(N(4), N(5))})
    update(ddb, hash_table, {"pk": S(key)}, "SET l = list_append(:head, l)", {":head": L(N(1))})
    assert get(ddb, hash_table, {"pk": S(key)})["l"] == L(N(1), N(2), N(3), N(4), N(5))
    update(ddb, hash_table, {"pk": S(key)}, "SET l = list_append(l, :empty)", {":empty": L()})
    assert get(ddb, hash_table, {"pk": S(key)})["l"] == L(N(1), N(2), N(3), N(4), N(5))


def test_list_append_to_missing_list_with_if_not_exists(ddb, hash_table, key):
    for v in ("a", "b"):
        update(ddb, hash_table, {"pk": S(key)},
               "SET l = list_append(if_not_exists(l, :empty), :v)", {":empty": L(), ":v": L(S(v))})
    assert get(ddb, hash_table, {"pk": S(key)})["l"] == L(S("a"), S("b"))


def test_list_append_two_attributes_and_nested(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "a": L(N(1)), "b": L(N(2)),
                                             "m": {"M": {"l": L(S("x"))}}})
    update(ddb, hash_table, {"pk": S(key)},
           "SET c = list_append(a, b), m.l = list_append(m.l, :y)", {":y": L(S("y"))})
    item = get(ddb, hash_table, {"pk": S(key)})
    assert item["c"] == L(N(1), N(2))
    assert item["m"] == {"M": {"l": L(S("x"), S("y"))}}


def test_list_append_on_non_list_is_a_runtime_type_error(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "s": S("x")})
    code, message = update_error(ddb, hash_table, {"pk": S(key)}, "SET s = list_append(s, :l)",
                                 {":l": L(N(1))})
    assert (code, message) == ("ValidationException",
                               "An operand in the update expression has an incorrect data type")
    code, message = update_error(ddb, hash_table, {"pk": S(key)}, "SET s = list_append(nolist, :l)",
                                 {":l": L(N(1))})
    assert (code, message) == ("ValidationException", "The provided expression refers to an "
                                                      "attribute that does not exist in the item")


# --- Nested paths and list indexes ----------------------------------------------------------

@pytest.fixture
def doc(ddb, hash_table, key):
    item = {"pk": S(key),
            "profile": {"M": {"address": {"M": {"city": S("Paris")}}, "name": S("Ann")}},
            "l": L(S("a"), S("b"), S("c"), S("d"), S("e")),
            "grid": L(L(N(1), N(2)), L(N(3))),
            "s": S("scalar")}
    ddb.put_item(TableName=hash_table, Item=item)
    return item


def test_set_nested_map_paths(ddb, hash_table, doc):
    key = {"pk": doc["pk"]}
    update(ddb, hash_table, key,
           "SET profile.address.city = :c, profile.address.zip = :z, #p.#n = :n",
           {":c": S("Lyon"), ":z": N(69001), ":n": S("Bea")}, {"#p": "profile", "#n": "name"})
    assert get(ddb, hash_table, key)["profile"] == {"M": {
        "address": {"M": {"city": S("Lyon"), "zip": N(69001)}}, "name": S("Bea")}}


def test_set_map_value_then_nested(ddb, hash_table, key):
    update(ddb, hash_table, {"pk": S(key)}, "SET m = :empty", {":empty": {"M": {}}})
    update(ddb, hash_table, {"pk": S(key)}, "SET m.a = :a", {":a": {"M": {}}})
    update(ddb, hash_table, {"pk": S(key)}, "SET m.a.b = :b", {":b": S("deep")})
    assert get(ddb, hash_table, {"pk": S(key)})["m"] == {"M": {"a": {"M": {"b": S("deep")}}}}


@pytest.mark.parametrize("expression", [
    "SET profile.nothere.city = :v",    # parent map entry missing
    "SET nothere.city = :v",            # top-level attribute missing
    "SET s.x = :v",                     # parent is no map
    "SET l.x = :v",                     # a list, not a map
    "SET profile[0] = :v",              # a map, not a list
    "SET s[0] = :v",
    "SET nothere[0] = :v",
    "SET grid[5][0] = :v",              # intermediate index out of range
])
def test_set_invalid_document_path(ddb, hash_table, doc, expression):
    """The parent of a SET path must exist and be the right container."""
    code, message = update_error(ddb, hash_table, {"pk": doc["pk"]}, expression, {":v": S("v")})
    assert (code, message) == ("ValidationException",
                               "The document path provided in the update expression is invalid "
                               "for update")
    assert get(ddb, hash_table, {"pk": doc["pk"]}) == doc


def test_set_list_index_replaces(ddb, hash_table, doc):
    update(ddb, hash_table, {"pk": doc["pk"]}, "SET l[1] = :x, grid[0][1] = :y",
           {":x": S("B"), ":y": N(20)})
    item = get(ddb, hash_table, {"pk": doc["pk"]})
    assert item["l"] == L(S("a"), S("B"), S("c"), S("d"), S("e"))
    assert item["grid"] == L(L(N(1), N(20)), L(N(3)))


def test_set_list_index_past_the_end_appends(ddb, hash_table, doc):
    """An index beyond the end appends; several new indexes apply in index
    order."""
    update(ddb, hash_table, {"pk": doc["pk"]}, "SET l[100] = :z", {":z": S("z")})
    assert get(ddb, hash_table, {"pk": doc["pk"]})["l"] == L(*[S(c) for c in "abcdez"])
    update(ddb, hash_table, {"pk": doc["pk"]}, "SET l[40] = :late, l[30] = :early",
           {":late": S("late"), ":early": S("early")})
    assert get(ddb, hash_table, {"pk": doc["pk"]})["l"] == L(
        *[S(c) for c in "abcdez"], S("early"), S("late"))


@pytest.mark.parametrize("path", ["s.c", "l.c", "nothere.c", "s[0]"])
def test_remove_under_a_missing_or_wrong_parent_is_invalid(ddb, hash_table, doc, path):
    """Conformance fact E7: as for SET, the parent must exist and be the right container
    (a missing leaf under a right parent stays a no-op, below)."""
    code, message = update_error(ddb, hash_table, {"pk": doc["pk"]}, "REMOVE " + path)
    assert (code, message) == ("ValidationException",
                               "The document path provided in the update expression is invalid for update")


def test_remove_attributes_and_map_entries(ddb, hash_table, doc):
    update(ddb, hash_table, {"pk": doc["pk"]}, "REMOVE s, profile.address.city, nothere, "
                                               "profile.nothere")
    item = get(ddb, hash_table, {"pk": doc["pk"]})
    assert "s" not in item
    assert item["profile"] == {"M": {"address": {"M": {}}, "name": S("Ann")}}


def test_remove_list_elements_shifts(ddb, hash_table, doc):
    """Removal shifts later elements down; the indexes of one REMOVE all
    refer to the list before the update; a missing index is a no-op."""
    update(ddb, hash_table, {"pk": doc["pk"]}, "REMOVE l[1], l[3], l[99], grid[0][0]")
    item = get(ddb, hash_table, {"pk": doc["pk"]})
    assert item["l"] == L(S("a"), S("c"), S("e"))
    assert item["grid"] == L(L(N(2)), L(N(3)))
    update(ddb, hash_table, {"pk": doc["pk"]}, "REMOVE l[0]")
    assert get(ddb, hash_table, {"pk": doc["pk"]})["l"] == L(S("c"), S("e"))


def test_remove_paths_all_refer_to_the_original_list(ddb, hash_table, key):
    """All paths of one REMOVE name positions in the list as it was before the update (as
    `REMOVE l[1], l[3]` above), also when an index is not the last step of a path."""
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "l": L(
        *[{"M": {"x": N(i)}} for i in range(4)])})
    update(ddb, hash_table, {"pk": S(key)}, "REMOVE l[0], l[2].x")
    assert get(ddb, hash_table, {"pk": S(key)})["l"] == L(
        {"M": {"x": N(1)}}, {"M": {}}, {"M": {"x": N(3)}})


def test_remove_last_list_element_leaves_empty_list(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "l": L(N(1))})
    update(ddb, hash_table, {"pk": S(key)}, "REMOVE l[0]")
    assert get(ddb, hash_table, {"pk": S(key)})["l"] == L()


def test_set_and_remove_together(ddb, hash_table, doc):
    update(ddb, hash_table, {"pk": doc["pk"]}, "SET l[0] = :x REMOVE l[4]", {":x": S("A")})
    assert get(ddb, hash_table, {"pk": doc["pk"]})["l"] == L(*[S(c) for c in "Abcd"])


# --- ADD and DELETE -------------------------------------------------------------------------

def test_add_number(ddb, hash_table, key):
    """ADD to a missing number treats it as 0."""
    update(ddb, hash_table, {"pk": S(key)}, "ADD n :v", {":v": N(5)})
    assert get(ddb, hash_table, {"pk": S(key)})["n"] == N(5)
    update(ddb, hash_table, {"pk": S(key)}, "ADD n :v", {":v": N("-7.5")})
    assert get(ddb, hash_table, {"pk": S(key)})["n"] == N("-2.5")
    update(ddb, hash_table, {"pk": S(key)}, "ADD n :v, m :v", {":v": N("2.5")})
    item = get(ddb, hash_table, {"pk": S(key)})
    assert item["n"] == N(0) and item["m"] == N("2.5")


def test_add_nested_number(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "m": {"M": {"c": N(1)}}})
    update(ddb, hash_table, {"pk": S(key)}, "ADD m.c :v, m.d :v", {":v": N(2)})
    assert get(ddb, hash_table, {"pk": S(key)})["m"] == {"M": {"c": N(3), "d": N(2)}}


@pytest.mark.parametrize("first,second,union", [
    ({"SS": ["a", "b"]}, {"SS": ["b", "c"]}, {"SS": ["a", "b", "c"]}),
    ({"NS": ["1", "2"]}, {"NS": ["2.0", "3"]}, {"NS": ["1", "2", "3"]}),   # numeric identity
    ({"BS": [b"\x01"]}, {"BS": [b"\x01", b"\x02"]}, {"BS": [b"\x01", b"\x02"]}),
])
def test_add_to_sets_is_union(ddb, hash_table, key, first, second, union):
    update(ddb, hash_table, {"pk": S(key)}, "ADD s :v", {":v": first})   # missing: the set
    assert sets_sorted(get(ddb, hash_table, {"pk": S(key)}))["s"] == sets_sorted({"s": first})["s"]
    update(ddb, hash_table, {"pk": S(key)}, "ADD s :v", {":v": second})
    assert sets_sorted(get(ddb, hash_table, {"pk": S(key)}))["s"] == sets_sorted({"s": union})["s"]


@pytest.mark.parametrize("start,remove,left", [
    ({"SS": ["a", "b", "c"]}, {"SS": ["b", "z"]}, {"SS": ["a", "c"]}),
    ({"NS": ["1", "2.5"]}, {"NS": ["2.50"]}, {"NS": ["1"]}),
    ({"BS": [b"\x01", b"\x02"]}, {"BS": [b"\x01"]}, {"BS": [b"\x02"]}),
])
def test_delete_from_sets(ddb, hash_table, key, start, remove, left):
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "s": start})
    update(ddb, hash_table, {"pk": S(key)}, "DELETE s :v", {":v": remove})
    assert sets_sorted(get(ddb, hash_table, {"pk": S(key)}))["s"] == left


def test_delete_last_elements_removes_attribute(ddb, hash_table, key):
    """No empty sets; emptying a set removes the attribute."""
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "s": {"SS": ["a", "b"]},
                                             "m": {"M": {"ns": {"NS": ["1"]}}}})
    update(ddb, hash_table, {"pk": S(key)}, "DELETE s :v, m.ns :n",
           {":v": {"SS": ["a", "b", "c"]}, ":n": {"NS": ["1"]}})
    assert get(ddb, hash_table, {"pk": S(key)}) == {"pk": S(key), "m": {"M": {}}}


def test_delete_from_missing_attribute_is_a_no_op(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item={"pk": S(key)})
    update(ddb, hash_table, {"pk": S(key)}, "DELETE s :v", {":v": {"SS": ["a"]}})
    assert get(ddb, hash_table, {"pk": S(key)}) == {"pk": S(key)}


@pytest.mark.parametrize("stored,expression,value", [
    (S("x"), "ADD a :v", N(1)),
    ({"SS": ["x"]}, "ADD a :v", N(1)),
    (N(1), "ADD a :v", {"SS": ["x"]}),
    ({"SS": ["x"]}, "ADD a :v", {"NS": ["1"]}),
    ({"L": []}, "ADD a :v", {"SS": ["x"]}),
    (N(1), "DELETE a :v", {"NS": ["1"]}),
    ({"SS": ["x"]}, "DELETE a :v", {"NS": ["1"]}),
    (S("x"), "SET a = a + :v", N(1)),
    ({"NS": ["1"]}, "SET a = a - :v", N(1)),
    (S("x"), "SET a = :v - a", N(1)),
])
def test_wrong_runtime_operand_type(ddb, hash_table, key, stored, expression, value):
    """An existing attribute of another type ->
    'An operand in the update expression has an incorrect data type'."""
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "a": stored})
    code, message = update_error(ddb, hash_table, {"pk": S(key)}, expression, {":v": value})
    assert (code, message) == ("ValidationException",
                               "An operand in the update expression has an incorrect data type")
    assert get(ddb, hash_table, {"pk": S(key)})["a"] == stored


def test_all_four_sections_in_any_order(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "gone": S("x"), "n": N(1),
                                             "tags": {"SS": ["a", "b"]}})
    update(ddb, hash_table, {"pk": S(key)},
           "delete tags :a add n :one remove gone set s = :s",
           {":a": {"SS": ["a"]}, ":one": N(1), ":s": S("new")})
    assert get(ddb, hash_table, {"pk": S(key)}) == {
        "pk": S(key), "n": N(2), "tags": {"SS": ["b"]}, "s": S("new")}


# --- ReturnValues ---------------------------------------------------------------------------

@pytest.fixture
def rv_item(ddb, hash_table, key):
    item = {"pk": S(key), "a": N(1), "m": {"M": {"x": N(1), "y": N(2)}},
            "l": L(N(1), N(2), N(3)), "gone": S("bye"), "untouched": S("z")}
    ddb.put_item(TableName=hash_table, Item=item)
    return item


RV_UPDATE = "SET m.x = :ten, l[1] = :twenty, fresh = :f ADD a :one REMOVE gone"
RV_VALUES = {":ten": N(10), ":twenty": N(20), ":f": S("new"), ":one": N(1)}


@pytest.mark.parametrize("mode,expected", [
    ("NONE", None),
    ("ALL_OLD", "old"),
    ("ALL_NEW", "new"),
    # Only touched paths, nested ones nested; a path missing on that side is left out.
    ("UPDATED_OLD", {"a": N(1), "m": {"M": {"x": N(1)}}, "l": L(N(2)), "gone": S("bye")}),
    ("UPDATED_NEW", {"a": N(2), "m": {"M": {"x": N(10)}}, "l": L(N(20)), "fresh": S("new")}),
])
def test_return_values_modes(ddb, hash_table, rv_item, mode, expected):
    """UPDATED_OLD / UPDATED_NEW return only the touched paths."""
    new = {"pk": rv_item["pk"], "a": N(2), "m": {"M": {"x": N(10), "y": N(2)}},
           "l": L(N(1), N(20), N(3)), "untouched": S("z"), "fresh": S("new")}
    response = update(ddb, hash_table, {"pk": rv_item["pk"]}, RV_UPDATE, RV_VALUES,
                      ReturnValues=mode)
    if expected == "old":
        expected = rv_item
    elif expected == "new":
        expected = new
    if expected is None:
        assert "Attributes" not in response
    else:
        assert response["Attributes"] == expected
    assert get(ddb, hash_table, {"pk": rv_item["pk"]}) == new


def test_return_values_default_is_none(ddb, hash_table, rv_item):
    response = update(ddb, hash_table, {"pk": rv_item["pk"]}, RV_UPDATE, RV_VALUES)
    assert "Attributes" not in response


@pytest.mark.parametrize("mode", ["ALL_OLD", "UPDATED_OLD"])
def test_old_return_values_on_new_item_return_nothing(ddb, hash_table, key, mode):
    response = update(ddb, hash_table, {"pk": S(key)}, "SET a = :a", {":a": N(1)},
                      ReturnValues=mode)
    assert "Attributes" not in response


def test_updated_new_on_new_item(ddb, hash_table, key):
    response = update(ddb, hash_table, {"pk": S(key)}, "SET a = :a ADD n :n",
                      {":a": N(1), ":n": N(3)}, ReturnValues="UPDATED_NEW")
    assert response["Attributes"] == {"a": N(1), "n": N(3)}


def test_updated_new_with_only_removals_returns_nothing(ddb, hash_table, rv_item):
    response = update(ddb, hash_table, {"pk": rv_item["pk"]}, "REMOVE gone, m.y",
                      ReturnValues="UPDATED_NEW")
    assert "Attributes" not in response


def test_updated_new_for_sets(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "s": {"SS": ["a", "b"]}})
    response = update(ddb, hash_table, {"pk": S(key)}, "ADD s :c", {":c": {"SS": ["c"]}},
                      ReturnValues="UPDATED_NEW")
    assert sets_sorted(response["Attributes"]) == {"s": {"SS": ["a", "b", "c"]}}
    response = update(ddb, hash_table, {"pk": S(key)}, "DELETE s :v",
                      {":v": {"SS": ["a", "b", "c"]}}, ReturnValues="UPDATED_OLD")
    assert sets_sorted(response["Attributes"]) == {"s": {"SS": ["a", "b", "c"]}}


def test_return_values_with_condition(ddb, hash_table, rv_item):
    response = update(ddb, hash_table, {"pk": rv_item["pk"]}, "SET a = a + :one",
                      {":one": N(1)}, ConditionExpression="a = :one", ReturnValues="UPDATED_OLD")
    assert response["Attributes"] == {"a": N(1)}


def test_invalid_return_values(raw_ddb, hash_table, key):
    code, message = call_error(raw_ddb.update_item, TableName=hash_table, Key={"pk": S(key)},
                               UpdateExpression="SET a = :a",
                               ExpressionAttributeValues={":a": N(1)}, ReturnValues="ALL")
    assert code == "ValidationException"
    assert "returnvalues" in message.lower()


# --- Consumed capacity ----------------------------------------------------------------------

def test_return_consumed_capacity(ddb, hash_table, key):
    """UpdateItem costs ceil(max(before, after) / 1 KB) WCU."""
    response = update(ddb, hash_table, {"pk": S(key)}, "SET a = :a", {":a": S("x")},
                      ReturnConsumedCapacity="TOTAL")
    assert response["ConsumedCapacity"]["TableName"] == hash_table
    assert response["ConsumedCapacity"]["CapacityUnits"] == 1.0
    big = "x" * 2500
    before = {"pk": S(key), "a": S(big)}
    ddb.put_item(TableName=hash_table, Item=before)
    response = update(ddb, hash_table, {"pk": S(key)}, "SET b = :b", {":b": S(big)},
                      ReturnConsumedCapacity="TOTAL")
    after = dict(before, b=S(big))
    assert item_size(after) > 4096
    assert response["ConsumedCapacity"]["CapacityUnits"] == float(-(-item_size(after) // 1024))
    # Shrinking: the larger side (before) counts.
    response = update(ddb, hash_table, {"pk": S(key)}, "REMOVE a, b",
                      ReturnConsumedCapacity="TOTAL")
    assert response["ConsumedCapacity"]["CapacityUnits"] == float(-(-item_size(after) // 1024))
    response = update(ddb, hash_table, {"pk": S(key)}, "SET a = :a", {":a": S("x")},
                      ReturnConsumedCapacity="INDEXES")
    assert response["ConsumedCapacity"]["CapacityUnits"] == 1.0
    assert response["ConsumedCapacity"]["Table"]["CapacityUnits"] == 1.0
    response = update(ddb, hash_table, {"pk": S(key)}, "SET a = :a", {":a": S("x")},
                      ReturnConsumedCapacity="NONE")
    assert "ConsumedCapacity" not in response


# --- Validation -----------------------------------------------------------------------------

@pytest.mark.parametrize("expression,values,names,message", [
    ("SET a = :a SET b = :a", {":a": N(1)}, None,
     'Invalid UpdateExpression: The "SET" section can only be used once in an update expression;'),
    ("REMOVE a REMOVE b", None, None,
     'Invalid UpdateExpression: The "REMOVE" section can only be used once in an update '
     'expression;'),
    ("ADD a :a SET b = :a add c :a", {":a": N(1)}, None,
     'Invalid UpdateExpression: The "ADD" section can only be used once in an update expression;'),
    ("DELETE a :s DELETE b :s", {":s": {"SS": ["x"]}}, None,
     'Invalid UpdateExpression: The "DELETE" section can only be used once in an update '
     'expression;'),
    ("SET a = :a REMOVE a", {":a": N(1)}, None,
     "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
     "rewrite one of these paths; path one: [a], path two: [a]"),
    ("SET a = :a, a = :a", {":a": N(1)}, None,
     "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
     "rewrite one of these paths; path one: [a], path two: [a]"),
    ("SET m = :a, m.b = :a", {":a": N(1)}, None,
     "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
     "rewrite one of these paths; path one: [m], path two: [m, b]"),
    ("SET l[1] = :a REMOVE l[1].x", {":a": N(1)}, None,
     "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
     "rewrite one of these paths; path one: [l, [1]], path two: [l, [1], x]"),
    ("SET m.b = :a, m[0] = :a", {":a": N(1)}, None,
     "Invalid UpdateExpression: Two document paths conflict with each other; must remove or "
     "rewrite one of these paths; path one: [m, b], path two: [m, [0]]"),
    ("SET pk = :a", {":a": S("x")}, None,
     "One or more parameter values were invalid: Cannot update attribute pk. This attribute is "
     "part of the key"),
    ("REMOVE #k", None, {"#k": "pk"},
     "One or more parameter values were invalid: Cannot update attribute pk. This attribute is "
     "part of the key"),
    ("ADD a :s", {":s": S("x")}, None,
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, "
     "operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND"),
    ("ADD a :l", {":l": L(N(1))}, None,
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, "
     "operand type: LIST, typeSet: ALLOWED_FOR_ADD_OPERAND"),
    ("DELETE a :n", {":n": N(1)}, None,
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: "
     "DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND"),
    ("DELETE a :s", {":s": S("x")}, None,
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: "
     "DELETE, operand type: STRING, typeSet: ALLOWED_FOR_DELETE_OPERAND"),
    ("SET status = :a", {":a": N(1)}, None,
     "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status"),
    ("SET a = :nope", {":a": N(1)}, None,
     "Invalid UpdateExpression: An expression attribute value used in expression is not defined; "
     "attribute value: :nope"),
    ("SET #nope = :a", {":a": N(1)}, None,
     "Invalid UpdateExpression: An expression attribute name used in the document path is not "
     "defined; attribute name: #nope"),
    ("SET a = :a", {":a": N(1), ":b": N(2)}, None,
     "Value provided in ExpressionAttributeValues unused in expressions: keys: {:b}"),
    ("SET a = :a", {":a": N(1)}, {"#a": "a"},
     "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a}"),
    ("", None, None, "Invalid UpdateExpression: The expression can not be empty;"),
    ("SET a = foo(b)", None, None,
     "Invalid UpdateExpression: Invalid function name; function: foo"),
    ("SET a = if_not_exists(:a, b)", {":a": N(1)}, None,
     "Invalid UpdateExpression: Operator or function requires a document path; operator or "
     "function: if_not_exists"),
    ("SET a = list_append(:a)", {":a": L()}, None,
     "Invalid UpdateExpression: Incorrect number of operands for operator or function; operator "
     "or function: list_append, number of operands: 1"),
])
def test_update_validation_messages(ddb, hash_table, key, expression, values, names, message):
    """Rejected before the item is read; nothing is written."""
    code, got = update_error(ddb, hash_table, {"pk": S(key)}, expression, values, names)
    assert (code, got) == ("ValidationException", message)
    assert get(ddb, hash_table, {"pk": S(key)}) is None


def test_cannot_update_sort_key(ddb, range_table, key):
    code, message = update_error(ddb, range_table, {"pk": S(key), "sk": N(1)}, "SET sk = :v",
                                 {":v": N(2)})
    assert (code, message) == ("ValidationException",
                               "One or more parameter values were invalid: Cannot update "
                               "attribute sk. This attribute is part of the key")


@pytest.mark.parametrize("expression,values", [
    ("SET a = b + :s", {":s": S("x")}),
    ("SET a = :s - b", {":s": S("x")}),
    ("SET a = :s + :s", {":s": {"SS": ["x"]}}),
    ("SET a = list_append(b, :s)", {":s": S("x")}),
])
def test_literal_operand_type_errors(ddb, hash_table, key, expression, values):
    """A literal of the wrong type for +, - or list_append is rejected at parse time."""
    code, message = update_error(ddb, hash_table, {"pk": S(key)}, expression, values)
    assert code == "ValidationException"
    assert message.startswith("Invalid UpdateExpression: Incorrect operand type for operator or "
                              "function; operator or function: "), message


@pytest.mark.parametrize("expression", [
    "SET a = absent + :one",
    "SET a = :one - absent",
    "SET a = absent",
    "SET a = m.absent",
    "SET a = l[7]",
    "SET a = list_append(absent, :l)",
])
def test_operand_attribute_missing(ddb, hash_table, key, expression):
    ddb.put_item(TableName=hash_table, Item={"pk": S(key), "m": {"M": {}}, "l": L()})
    values = {":one": N(1)} if ":one" in expression else {":l": L()} if ":l" in expression else None
    code, message = update_error(ddb, hash_table, {"pk": S(key)}, expression, values)
    assert (code, message) == ("ValidationException", "The provided expression refers to an "
                                                      "attribute that does not exist in the item")


@pytest.mark.parametrize("expression", [
    "SET", "SET a", "SET a =", "SET a = :a,", "REMOVE", "ADD a", "DELETE a", "SET a = :a b = :a",
    "UPDATE a = :a", "SET a + :a", "SET a = :a +", "ADD a b", "SET a = (:a",
])
def test_update_syntax_errors(ddb, hash_table, key, expression):
    values = {":a": N(1)} if ":a" in expression else None
    code, message = update_error(ddb, hash_table, {"pk": S(key)}, expression, values)
    assert code == "ValidationException"
    assert message.startswith("Invalid UpdateExpression: Syntax error; token: "), message


def test_condition_functions_not_allowed_in_update(ddb, hash_table, key):
    code, message = update_error(ddb, hash_table, {"pk": S(key)}, "SET a = size(b)")
    assert code == "ValidationException"
    assert message.startswith("Invalid UpdateExpression: ") and "size" in message


def test_update_expression_size_limit(ddb, hash_table, key):
    """4096 bytes allowed, 4097 rejected."""
    name = "a" * 60
    actions = ["%s%03d = :v" % (name, i) for i in range(60)]
    text = "SET " + ", ".join(actions)
    while len(text) > 4096:
        actions.pop()
        text = "SET " + ", ".join(actions)
    text = text + " " * (4096 - len(text))
    assert len(text) == 4096
    update(ddb, hash_table, {"pk": S(key)}, text, {":v": N(1)})
    assert len(get(ddb, hash_table, {"pk": S(key)})) == len(actions) + 1
    code, message = update_error(ddb, hash_table, {"pk": S(key)}, text + " ", {":v": N(1)})
    assert (code, message) == ("ValidationException",
                               "Invalid UpdateExpression: Expression size has exceeded the maximum "
                               "allowed size; expression size: 4097")


@pytest.mark.parametrize("expression", [
    "SET a = " + "(" * 2000 + ":v" + ")" * 2000,
    "SET a = " + "(" * 350 + ":v" + ")" * 350,       # within 4 KB, past 300 levels
])
def test_deeply_nested_update_is_rejected_not_fatal(ddb, hash_table, key, expression):
    code, message = update_error(ddb, hash_table, {"pk": S(key)}, expression, {":v": L()})
    assert code == "ValidationException"
    assert message.startswith("Invalid UpdateExpression: "), message
    update(ddb, hash_table, {"pk": S(key)}, "SET a = :v", {":v": L()})
    assert get(ddb, hash_table, {"pk": S(key)}) == {"pk": S(key), "a": L()}


@pytest.mark.parametrize("expression", [
    "SET a = " + "list_append(" * 200 + ":v" + ", :v)" * 200,
    "SET a = " + "if_not_exists(b, " * 200 + ":v" + ")" * 200,
])
def test_nesting_that_fits_in_4_kb_is_served(ddb, hash_table, key, expression):
    """DynamoDB limits size and operators, not nesting as such (conformance fact E6): what fits
    in 4 KB nests at most about 300 levels, which the parser takes without running out of
    stack."""
    update(ddb, hash_table, {"pk": S(key)}, expression, {":v": L()})
    assert get(ddb, hash_table, {"pk": S(key)}) == {"pk": S(key), "a": L()}


def test_document_path_depth_limit(ddb, hash_table, key):
    """An attribute plus at most 31 dereferences."""
    deep = ".".join(["m"] * 33)
    code, message = update_error(ddb, hash_table, {"pk": S(key)}, "SET %s = :v" % deep,
                                 {":v": N(1)})
    assert (code, message) == ("ValidationException",
                               "Invalid UpdateExpression: The document path has too many nesting "
                               "levels; nesting levels: 33")


def test_update_growing_past_400kb(ddb, hash_table, key):
    """'Item size to update has exceeded the maximum allowed size'; the item
    stays as it was."""
    big = {"pk": S(key), "a": S("x" * 300_000)}
    ddb.put_item(TableName=hash_table, Item=big)
    code, message = update_error(ddb, hash_table, {"pk": S(key)}, "SET b = :b",
                                 {":b": S("y" * 150_000)})
    assert (code, message) == ("ValidationException",
                               "Item size to update has exceeded the maximum allowed size")
    code, message = update_error(ddb, hash_table, {"pk": S(key)}, "SET b = a")
    assert (code, message) == ("ValidationException",
                               "Item size to update has exceeded the maximum allowed size")
    assert get(ddb, hash_table, {"pk": S(key)}) == big


def test_update_to_exactly_400kb(ddb, hash_table, key):
    base = {"pk": S(key), "a": S("")}
    fill = MAX_ITEM_SIZE - item_size(base)
    update(ddb, hash_table, {"pk": S(key)}, "SET a = :a", {":a": S("x" * fill)})
    assert item_size(get(ddb, hash_table, {"pk": S(key)})) == MAX_ITEM_SIZE
    code, message = update_error(ddb, hash_table, {"pk": S(key)}, "SET b = :b", {":b": N(1)})
    assert (code, message) == ("ValidationException",
                               "Item size to update has exceeded the maximum allowed size")


def test_key_must_match_schema(ddb, hash_table, key):
    code, message = update_error(ddb, hash_table, {"pk": S(key), "extra": S("x")}, "SET a = :a",
                                 {":a": N(1)})
    assert (code, message) == ("ValidationException",
                               "The provided key element does not match the schema")
