"""PutItem, GetItem, DeleteItem: value types, number normalisation, ReturnValues, capacity,
item and key limits, validation.

Rules: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html (values, numbers, keys,
nesting), CapacityUnitCalculations.html (item size), https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html (ReturnValues).
"""
import pytest

from conftest import MAX_ITEM_SIZE, call_error, create_table, item_size, unique


def get(ddb, table, key, **kwargs):
    return ddb.get_item(TableName=table, Key=key, **kwargs).get("Item")


@pytest.fixture(scope="module")
def number_table(ddb):
    """Partition key id (N)."""
    return create_table(ddb, unique("num"), pk=("id", "N"))


# --- Round trips ----------------------------------------------------------------------------

def test_round_trip_every_type(ddb, hash_table, key):
    item = {
        "pk": {"S": key},
        "s": {"S": "hello"},
        "n": {"N": "42"},
        "b": {"B": b"\x00\x01\xfe\xff"},
        "t": {"BOOL": True},
        "f": {"BOOL": False},
        "nul": {"NULL": True},
        "m": {"M": {"a": {"S": "x"}, "n": {"N": "-1"}, "empty": {"M": {}}}},
        "l": {"L": [{"N": "1"}, {"S": "two"}, {"BOOL": False}, {"L": []}, {"NULL": True}]},
        "ss": {"SS": ["a", "b", "c"]},
        "ns": {"NS": ["1", "2.5", "-3"]},
        "bs": {"BS": [b"\x00", b"\x01\x02", b"\xff"]},
        "empty_map": {"M": {}},
        "empty_list": {"L": []},
    }
    ddb.put_item(TableName=hash_table, Item=item)
    got = get(ddb, hash_table, {"pk": {"S": key}})
    # Sets are unordered: compare them as sets.
    for name in ("ss", "ns", "bs"):
        (kind, values), = got.pop(name).items()
        (want_kind, want), = item[name].items()
        assert kind == want_kind and sorted(values) == sorted(want)
    assert got == {k: v for k, v in item.items() if k not in ("ss", "ns", "bs")}


def test_round_trip_deeply_nested_document(ddb, hash_table, key):
    doc = {"M": {"level1": {"L": [{"M": {"level3": {"M": {"list": {"L": [
        {"SS": ["only"]}, {"NS": ["7"]}, {"BS": [b"z"]}, {"M": {"deep": {"B": b"\x80"}}}]}}}}}]}}}
    item = {"pk": {"S": key}, "doc": doc}
    ddb.put_item(TableName=hash_table, Item=item)
    assert get(ddb, hash_table, {"pk": {"S": key}}) == item


def test_empty_strings_and_binaries_in_non_key_attributes(ddb, hash_table, key):
    """Empty S/B are allowed outside keys, also as set elements and inside documents."""
    item = {"pk": {"S": key}, "s": {"S": ""}, "b": {"B": b""}, "ss": {"SS": ["", "x"]},
            "m": {"M": {"e": {"S": ""}}}, "l": {"L": [{"S": ""}, {"B": b""}]}}
    ddb.put_item(TableName=hash_table, Item=item)
    got = get(ddb, hash_table, {"pk": {"S": key}})
    assert sorted(got.pop("ss")["SS"]) == ["", "x"]
    item.pop("ss")
    assert got == item


def test_unicode_values_and_names(ddb, hash_table, key):
    pk = key + "-ключ-🔑"
    item = {"pk": {"S": pk}, "名前": {"S": "Ünïcödé ✓ 𝄞 \u0000 nul"}, "emoji🙂": {"SS": ["é", "e\u0301"]},
            "m": {"M": {"ß": {"S": "€"}}}}
    ddb.put_item(TableName=hash_table, Item=item)
    got = get(ddb, hash_table, {"pk": {"S": pk}})
    # Strings compare byte-wise, no Unicode normalisation: "é" and "e\u0301" stay distinct.
    assert sorted(got.pop("emoji🙂")["SS"]) == sorted(["é", "e\u0301"])
    item.pop("emoji🙂")
    assert got == item


def test_put_replaces_whole_item(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item={"pk": {"S": key}, "a": {"S": "1"}, "b": {"S": "2"}})
    ddb.put_item(TableName=hash_table, Item={"pk": {"S": key}, "c": {"S": "3"}})
    assert get(ddb, hash_table, {"pk": {"S": key}}) == {"pk": {"S": key}, "c": {"S": "3"}}


def test_get_missing_item_has_no_item_key(ddb, hash_table, key):
    response = ddb.get_item(TableName=hash_table, Key={"pk": {"S": key}})
    assert "Item" not in response


def test_delete_item(ddb, range_table, key):
    ddb.put_item(TableName=range_table, Item={"pk": {"S": key}, "sk": {"N": "1"}})
    ddb.put_item(TableName=range_table, Item={"pk": {"S": key}, "sk": {"N": "2"}})
    ddb.delete_item(TableName=range_table, Key={"pk": {"S": key}, "sk": {"N": "1"}})
    assert get(ddb, range_table, {"pk": {"S": key}, "sk": {"N": "1"}}) is None
    assert get(ddb, range_table, {"pk": {"S": key}, "sk": {"N": "2"}}) is not None


def test_delete_missing_item_succeeds(ddb, hash_table, key):
    response = ddb.delete_item(TableName=hash_table, Key={"pk": {"S": key}})
    assert "Attributes" not in response


def test_consistent_read(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item={"pk": {"S": key}, "v": {"N": "1"}})
    assert get(ddb, hash_table, {"pk": {"S": key}}, ConsistentRead=True)["v"] == {"N": "1"}


# --- Numbers ----------------------------------------------------------------------------

@pytest.mark.parametrize("sent,returned", [
    ("1.50", "1.5"),
    ("1.0", "1"),
    ("1E3", "1000"),
    ("1e3", "1000"),
    ("1.5E2", "150"),
    ("+1e2", "100"),
    ("1e+2", "100"),
    ("00042", "42"),
    ("-0", "0"),
    ("0.000", "0"),
    ("-0.0e5", "0"),
    ("1E-3", "0.001"),
    ("-12.5e-1", "-1.25"),
    (".5", "0.5"),
    ("5.", "5"),
    ("1.00000000000000007629769841092E+50", "100000000000000007629769841092000000000000000000000"),
    # 38 significant digits, the most a Number holds.
    ("12345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
    ("-0.12345678901234567890123456789012345678", "-0.12345678901234567890123456789012345678"),
    # Leading/trailing zeros are not significant: 40 characters, 16 significant digits.
    ("1234567895171680000000000000000000000000", "1234567895171680000000000000000000000000"),
    # Magnitude limits: 9.99...9E+125 (38 nines) and 1E-130.
    ("9.9999999999999999999999999999999999999E+125", "9" * 38 + "0" * 88),
    ("-9.9999999999999999999999999999999999999E+125", "-" + "9" * 38 + "0" * 88),
    ("1E-130", "0." + "0" * 129 + "1"),
    ("-1E-130", "-0." + "0" * 129 + "1"),
])
def test_number_normalised_on_output(ddb, hash_table, key, sent, returned):
    """GetItem returns plain decimal: no exponent, no leading/trailing zeros, no '+', -0 -> 0."""
    ddb.put_item(TableName=hash_table, Item={"pk": {"S": key}, "n": {"N": sent},
                                             "ns": {"NS": [sent]}, "l": {"L": [{"N": sent}]}})
    got = get(ddb, hash_table, {"pk": {"S": key}})
    assert got["n"] == {"N": returned}
    assert got["ns"] == {"NS": [returned]}
    assert got["l"] == {"L": [{"N": returned}]}


def test_numbers_equal_by_value_address_the_same_item(ddb, number_table):
    """Keys are stored normalised: '1e3', '1000' and '1000.00' are one key."""
    base = 10 ** 6 + (hash(unique()) % 10 ** 6)
    sent = "%de3" % base
    canonical = str(base * 1000)
    ddb.put_item(TableName=number_table, Item={"id": {"N": sent}, "v": {"S": "first"}})
    assert get(ddb, number_table, {"id": {"N": canonical}}) == \
        {"id": {"N": canonical}, "v": {"S": "first"}}
    assert get(ddb, number_table, {"id": {"N": canonical + ".00"}})["v"] == {"S": "first"}
    old = ddb.put_item(TableName=number_table, Item={"id": {"N": canonical + ".0"}, "v": {"S": "second"}},
                       ReturnValues="ALL_OLD")
    assert old["Attributes"] == {"id": {"N": canonical}, "v": {"S": "first"}}
    assert get(ddb, number_table, {"id": {"N": sent}})["v"] == {"S": "second"}
    ddb.delete_item(TableName=number_table, Key={"id": {"N": "%d0e2" % base}})
    assert get(ddb, number_table, {"id": {"N": canonical}}) is None


def test_number_sort_key_equal_by_value(ddb, range_table, key):
    ddb.put_item(TableName=range_table, Item={"pk": {"S": key}, "sk": {"N": "1.50"}})
    assert get(ddb, range_table, {"pk": {"S": key}, "sk": {"N": "15e-1"}}) == \
        {"pk": {"S": key}, "sk": {"N": "1.5"}}
    ddb.put_item(TableName=range_table, Item={"pk": {"S": key}, "sk": {"N": "-0"}})
    assert get(ddb, range_table, {"pk": {"S": key}, "sk": {"N": "0"}})["sk"] == {"N": "0"}
    page = ddb.query(TableName=range_table, KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": {"S": key}})
    assert [i["sk"]["N"] for i in page["Items"]] == ["0", "1.5"]


# --- ReturnValues ---------------------------------------------------------------------------

def test_put_return_values_all_old(ddb, hash_table, key):
    first = {"pk": {"S": key}, "v": {"N": "1"}, "m": {"M": {"x": {"S": "y"}}}}
    response = ddb.put_item(TableName=hash_table, Item=first, ReturnValues="ALL_OLD")
    assert "Attributes" not in response  # nothing to return for a new item
    response = ddb.put_item(TableName=hash_table, Item={"pk": {"S": key}, "v": {"N": "2"}},
                            ReturnValues="ALL_OLD")
    assert response["Attributes"] == first
    response = ddb.put_item(TableName=hash_table, Item={"pk": {"S": key}}, ReturnValues="NONE")
    assert "Attributes" not in response


def test_delete_return_values_all_old(ddb, hash_table, key):
    item = {"pk": {"S": key}, "v": {"SS": ["only"]}}
    ddb.put_item(TableName=hash_table, Item=item)
    response = ddb.delete_item(TableName=hash_table, Key={"pk": {"S": key}}, ReturnValues="ALL_OLD")
    assert response["Attributes"] == item
    response = ddb.delete_item(TableName=hash_table, Key={"pk": {"S": key}}, ReturnValues="ALL_OLD")
    assert "Attributes" not in response


@pytest.mark.parametrize("value", ["ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"])
def test_return_values_only_all_old_or_none(ddb, hash_table, key, value):
    code, message = call_error(ddb.put_item, TableName=hash_table, Item={"pk": {"S": key}},
                               ReturnValues=value)
    assert (code, message) == ("ValidationException", "ReturnValues can only be ALL_OLD or NONE")
    code, message = call_error(ddb.delete_item, TableName=hash_table, Key={"pk": {"S": key}},
                               ReturnValues=value)
    assert (code, message) == ("ValidationException", "ReturnValues can only be ALL_OLD or NONE")
    assert get(ddb, hash_table, {"pk": {"S": key}}) is None  # the rejected put wrote nothing


# --- Consumed capacity --------------------------------------------

def capacity(response):
    c = response["ConsumedCapacity"]
    return c["TableName"], c["CapacityUnits"]


def test_get_item_capacity(ddb, hash_table, key):
    """Reads: ceil(size / 4 KB) RCU, halved when eventually consistent; a missing item still
    costs the minimum."""
    ddb.put_item(TableName=hash_table, Item={"pk": {"S": key}, "v": {"S": "small"}})
    k = {"pk": {"S": key}}
    assert capacity(ddb.get_item(TableName=hash_table, Key=k, ReturnConsumedCapacity="TOTAL")) == \
        (hash_table, 0.5)
    assert capacity(ddb.get_item(TableName=hash_table, Key=k, ConsistentRead=True,
                                 ReturnConsumedCapacity="TOTAL")) == (hash_table, 1.0)
    missing = {"pk": {"S": key + "-missing"}}
    assert capacity(ddb.get_item(TableName=hash_table, Key=missing,
                                 ReturnConsumedCapacity="TOTAL")) == (hash_table, 0.5)
    # A 5 KB item: 2 read units (1 eventually consistent).
    ddb.put_item(TableName=hash_table, Item={"pk": {"S": key}, "v": {"S": "x" * 5000}})
    assert capacity(ddb.get_item(TableName=hash_table, Key=k, ReturnConsumedCapacity="TOTAL")) == \
        (hash_table, 1.0)
    assert capacity(ddb.get_item(TableName=hash_table, Key=k, ConsistentRead=True,
                                 ReturnConsumedCapacity="TOTAL")) == (hash_table, 2.0)


def test_capacity_indexes_shape(ddb, hash_table, key):
    """INDEXES adds a per-table breakdown under "Table"."""
    ddb.put_item(TableName=hash_table, Item={"pk": {"S": key}})
    c = ddb.get_item(TableName=hash_table, Key={"pk": {"S": key}},
                     ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert c["TableName"] == hash_table
    assert c["CapacityUnits"] == 0.5
    assert c["Table"]["CapacityUnits"] == 0.5


def test_no_capacity_unless_asked(ddb, hash_table, key):
    assert "ConsumedCapacity" not in ddb.put_item(TableName=hash_table, Item={"pk": {"S": key}})
    assert "ConsumedCapacity" not in ddb.get_item(TableName=hash_table, Key={"pk": {"S": key}},
                                                  ReturnConsumedCapacity="NONE")


def test_put_item_capacity(ddb, hash_table, key):
    """Writes: ceil(max(old, new) / 1 KB) WCU, at least 1."""
    small = {"pk": {"S": key}, "v": {"S": "x"}}
    assert capacity(ddb.put_item(TableName=hash_table, Item=small,
                                 ReturnConsumedCapacity="TOTAL")) == (hash_table, 1.0)
    # Exactly 1 KB is still one unit.
    one_kb = {"pk": {"S": key}, "v": {"S": "x" * (1024 - 3 - len(key))}}
    assert item_size(one_kb) == 1024
    assert capacity(ddb.put_item(TableName=hash_table, Item=one_kb,
                                 ReturnConsumedCapacity="TOTAL")) == (hash_table, 1.0)
    k2 = key + "-2"
    big = {"pk": {"S": k2}, "v": {"S": "x" * 1500}}
    assert capacity(ddb.put_item(TableName=hash_table, Item=big,
                                 ReturnConsumedCapacity="TOTAL")) == (hash_table, 2.0)
    # Replacing the 1.5 KB item by a small one still costs the larger (old) size.
    assert capacity(ddb.put_item(TableName=hash_table, Item={"pk": {"S": k2}},
                                 ReturnConsumedCapacity="TOTAL")) == (hash_table, 2.0)


def test_delete_item_capacity(ddb, hash_table, key):
    ddb.put_item(TableName=hash_table, Item={"pk": {"S": key}, "v": {"S": "x" * 2500}})
    assert capacity(ddb.delete_item(TableName=hash_table, Key={"pk": {"S": key}},
                                    ReturnConsumedCapacity="TOTAL")) == (hash_table, 3.0)
    assert capacity(ddb.delete_item(TableName=hash_table, Key={"pk": {"S": key}},
                                    ReturnConsumedCapacity="TOTAL")) == (hash_table, 1.0)


# --- Item size limit -----------------------

def sized_item(key, total):
    """An item of exactly `total` bytes, mixing names and types whose sizes the spec fixes."""
    item = {"pk": {"S": key}, "bin": {"B": b"\x01" * 100}, "ünï": {"S": "ß€"},
            "m": {"M": {"k": {"S": "v"}, "l": {"L": [{"BOOL": True}, {"NULL": True}]}}}}
    item["pad"] = {"S": ""}
    item["pad"]["S"] = "p" * (total - item_size(item))
    assert item_size(item) == total
    return item


def test_item_exactly_at_size_limit_accepted(ddb, hash_table, key):
    item = sized_item(key, MAX_ITEM_SIZE)
    response = ddb.put_item(TableName=hash_table, Item=item, ReturnConsumedCapacity="TOTAL")
    assert response["ConsumedCapacity"]["CapacityUnits"] == 400.0
    assert get(ddb, hash_table, {"pk": {"S": key}}) == item


def test_item_over_size_limit_rejected(ddb, hash_table, key):
    item = sized_item(key, MAX_ITEM_SIZE + 1)
    code, message = call_error(ddb.put_item, TableName=hash_table, Item=item)
    assert (code, message) == ("ValidationException",
                               "Item size has exceeded the maximum allowed size")
    assert get(ddb, hash_table, {"pk": {"S": key}}) is None


def test_attribute_names_count_towards_item_size(ddb, hash_table, key):
    """A long attribute name pushes an otherwise fitting item over the limit."""
    item = sized_item(key, MAX_ITEM_SIZE)
    item["n" * 10] = item.pop("pad")  # "pad" (3 bytes) renamed to 10 bytes: 7 bytes over
    code, message = call_error(ddb.put_item, TableName=hash_table, Item=item)
    assert code == "ValidationException"
    assert message == "Item size has exceeded the maximum allowed size"


def test_item_far_over_size_limit(ddb, hash_table, key):
    code, _ = call_error(ddb.put_item, TableName=hash_table,
                         Item={"pk": {"S": key}, "x": {"B": b"\x00" * (500 * 1024)}})
    assert code == "ValidationException"


# --- Key size limits --------------

def test_partition_key_2048_bytes_accepted(ddb, hash_table):
    pk = unique("p").ljust(2048, "x")
    ddb.put_item(TableName=hash_table, Item={"pk": {"S": pk}, "v": {"N": "1"}})
    assert get(ddb, hash_table, {"pk": {"S": pk}}) == {"pk": {"S": pk}, "v": {"N": "1"}}
    ddb.delete_item(TableName=hash_table, Key={"pk": {"S": pk}})
    assert get(ddb, hash_table, {"pk": {"S": pk}}) is None


def test_partition_key_2048_utf8_bytes_accepted(ddb, hash_table):
    """The limit is in UTF-8 bytes: 1024 two-byte characters fit."""
    pk = "é" * 1024
    ddb.put_item(TableName=hash_table, Item={"pk": {"S": pk}})
    assert get(ddb, hash_table, {"pk": {"S": pk}}) == {"pk": {"S": pk}}
    ddb.delete_item(TableName=hash_table, Key={"pk": {"S": pk}})


def test_binary_partition_key_2048_bytes_accepted(ddb, binary_range_table):
    pk = b"\x00\xff" * 1024
    item = {"pk": {"B": pk}, "sk": {"B": b"\x01"}}
    ddb.put_item(TableName=binary_range_table, Item=item)
    assert get(ddb, binary_range_table, {"pk": {"B": pk}, "sk": {"B": b"\x01"}}) == item


def test_partition_key_2049_bytes_rejected(ddb, hash_table):
    pk = "x" * 2049
    code, message = call_error(ddb.put_item, TableName=hash_table, Item={"pk": {"S": pk}})
    assert code == "ValidationException"
    assert message == ("One or more parameter values were invalid: Size of hashkey has exceeded "
                       "the maximum size limit of2048 bytes")
    code, _ = call_error(ddb.put_item, TableName=hash_table, Item={"pk": {"S": "é" * 1025}})
    assert code == "ValidationException"


def test_sort_key_1024_bytes_accepted(ddb, string_range_table, key):
    sk = "s" * 1024
    item = {"pk": {"S": key}, "sk": {"S": sk}}
    ddb.put_item(TableName=string_range_table, Item=item)
    assert get(ddb, string_range_table, {"pk": {"S": key}, "sk": {"S": sk}}) == item


def test_max_partition_and_sort_key_together(ddb, string_range_table):
    pk, sk = unique("p").ljust(2048, "x"), "s" * 1024
    item = {"pk": {"S": pk}, "sk": {"S": sk}}
    ddb.put_item(TableName=string_range_table, Item=item)
    assert get(ddb, string_range_table, {"pk": {"S": pk}, "sk": {"S": sk}}) == item


def test_sort_key_1025_bytes_rejected(ddb, string_range_table, key):
    code, message = call_error(ddb.put_item, TableName=string_range_table,
                               Item={"pk": {"S": key}, "sk": {"S": "s" * 1025}})
    assert code == "ValidationException"
    assert message == ("One or more parameter values were invalid: Aggregated size of all range "
                       "keys has exceeded the size limit of 1024 bytes")


# --- Key validation -------------------------------------------------------------------------

def test_empty_string_partition_key_rejected(ddb, hash_table):
    expected = ("One or more parameter values are not valid. The AttributeValue for a key "
                "attribute cannot contain an empty string value. Key: pk")
    assert call_error(ddb.put_item, TableName=hash_table, Item={"pk": {"S": ""}}) == \
        ("ValidationException", expected)
    assert call_error(ddb.get_item, TableName=hash_table, Key={"pk": {"S": ""}}) == \
        ("ValidationException", expected)
    assert call_error(ddb.delete_item, TableName=hash_table, Key={"pk": {"S": ""}}) == \
        ("ValidationException", expected)


def test_empty_sort_key_rejected(ddb, string_range_table, binary_range_table, key):
    assert call_error(ddb.put_item, TableName=string_range_table,
                      Item={"pk": {"S": key}, "sk": {"S": ""}}) == (
        "ValidationException",
        "One or more parameter values are not valid. The AttributeValue for a key attribute "
        "cannot contain an empty string value. Key: sk")
    assert call_error(ddb.put_item, TableName=binary_range_table,
                      Item={"pk": {"B": b""}, "sk": {"B": b"x"}}) == (
        "ValidationException",
        "One or more parameter values are not valid. The AttributeValue for a key attribute "
        "cannot contain an empty binary value. Key: pk")


def test_missing_key_attribute_in_item(ddb, range_table, key):
    assert call_error(ddb.put_item, TableName=range_table, Item={"pk": {"S": key}}) == (
        "ValidationException",
        "One or more parameter values were invalid: Missing the key sk in the item")
    assert call_error(ddb.put_item, TableName=range_table, Item={"sk": {"N": "1"}}) == (
        "ValidationException",
        "One or more parameter values were invalid: Missing the key pk in the item")


def test_key_type_mismatch_in_item(ddb, range_table, key):
    assert call_error(ddb.put_item, TableName=range_table,
                      Item={"pk": {"N": "1"}, "sk": {"N": "1"}}) == (
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for key pk expected: S "
        "actual: N")
    assert call_error(ddb.put_item, TableName=range_table,
                      Item={"pk": {"S": key}, "sk": {"S": "1"}}) == (
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for key sk expected: N "
        "actual: S")


@pytest.mark.parametrize("bad_key", [
    {"pk": {"S": "a"}, "extra": {"S": "b"}},  # extra attribute
    {"pk": {"N": "1"}},                       # wrong type
    {"other": {"S": "a"}},                    # wrong name
    {},                                       # nothing
], ids=["extra", "type", "name", "empty"])
def test_key_does_not_match_schema(ddb, hash_table, bad_key):
    """`Key` with missing, extra or wrong-typed attributes."""
    expected = ("ValidationException", "The provided key element does not match the schema")
    assert call_error(ddb.get_item, TableName=hash_table, Key=bad_key) == expected
    assert call_error(ddb.delete_item, TableName=hash_table, Key=bad_key) == expected


def test_key_missing_sort_key(ddb, range_table, key):
    assert call_error(ddb.get_item, TableName=range_table, Key={"pk": {"S": key}}) == \
        ("ValidationException", "The provided key element does not match the schema")


# --- Value validation -----------------------------------------------------------------------

def put_error(ddb, table, key, value):
    return call_error(ddb.put_item, TableName=table, Item={"pk": {"S": key}, "x": value})


@pytest.mark.parametrize("number,message", [
    ("1" * 39, "Attempting to store more than 38 significant digits in a Number"),
    ("1.23456789012345678901234567890123456789", "Attempting to store more than 38 significant "
                                                  "digits in a Number"),
    ("1e126", "Number overflow. Attempting to store a number with magnitude larger than "
              "supported range"),
    ("-1e126", "Number overflow. Attempting to store a number with magnitude larger than "
               "supported range"),
    ("1e-131", "Number underflow. Attempting to store a number with magnitude smaller than "
               "supported range"),
    ("abc", "The parameter cannot be converted to a numeric value: abc"),
    ("1e", "The parameter cannot be converted to a numeric value: 1e"),
    ("NaN", "The parameter cannot be converted to a numeric value: NaN"),
    ("Infinity", "The parameter cannot be converted to a numeric value: Infinity"),
    ("0x10", "The parameter cannot be converted to a numeric value: 0x10"),
    ("1..2", "The parameter cannot be converted to a numeric value: 1..2"),
    ("--1", "The parameter cannot be converted to a numeric value: --1"),
    ("", "The parameter cannot be converted to a numeric value: "),
])
def test_invalid_numbers(ddb, hash_table, key, number, message):
    assert put_error(ddb, hash_table, key, {"N": number}) == ("ValidationException", message)
    assert put_error(ddb, hash_table, key, {"NS": ["1", number]}) == ("ValidationException", message)
    assert put_error(ddb, hash_table, key, {"M": {"a": {"N": number}}}) == \
        ("ValidationException", message)


@pytest.mark.parametrize("value,message", [
    ({"SS": []}, "One or more parameter values were invalid: An string set  may not be empty"),
    ({"NS": []}, "One or more parameter values were invalid: An number set  may not be empty"),
    ({"BS": []}, "One or more parameter values were invalid: Binary sets should not be empty"),
    ({"SS": ["a", "a"]}, "One or more parameter values were invalid: Input collection [a, a] "
                         "contains duplicates."),
    ({"NS": ["1", "1"]}, "One or more parameter values were invalid: Input collection contains "
                         "duplicates"),
    ({"BS": [b"a", b"a"]}, "One or more parameter values were invalid: Input collection contains "
                           "duplicates"),
    ({"NULL": False}, "One or more parameter values were invalid: Null attribute value types must "
                      "have the value of true"),
    ({"S": "a", "N": "1"}, "Supplied AttributeValue has more than one datatypes set, must contain "
                           "exactly one of the supported datatypes"),
    ({}, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"),
], ids=["empty-SS", "empty-NS", "empty-BS", "dup-SS", "dup-NS", "dup-BS", "NULL-false",
        "two-types", "no-type"])
def test_invalid_attribute_values(raw_ddb, hash_table, key, value, message):
    assert put_error(raw_ddb, hash_table, key, value) == ("ValidationException", message)
    # The same rules apply inside documents.
    assert put_error(raw_ddb, hash_table, key, {"L": [value]}) == ("ValidationException", message)


def test_number_set_duplicates_by_value(raw_ddb, hash_table, key):
    """NS members are unique by numeric value: '1' and '1.0' are the same number."""
    assert put_error(raw_ddb, hash_table, key, {"NS": ["1", "1.0"]}) == (
        "ValidationException",
        "One or more parameter values were invalid: Input collection contains duplicates")


def nest(levels, leaf):
    value = leaf
    for i in range(levels):
        value = {"L": [value]} if i % 2 else {"M": {"m": value}}
    return value


def test_nesting_32_levels(ddb, hash_table, key):
    """A value may sit inside at most 31 M/L containers (the attribute is level 1); a 32nd
    container is rejected even when empty."""
    item = {"pk": {"S": key}, "deep": nest(31, {"S": "leaf"})}
    ddb.put_item(TableName=hash_table, Item=item)
    assert get(ddb, hash_table, {"pk": {"S": key}}) == item

    item = {"pk": {"S": key}, "deep": nest(30, {"L": []})}  # 31 containers, innermost empty
    ddb.put_item(TableName=hash_table, Item=item)
    assert get(ddb, hash_table, {"pk": {"S": key}}) == item

    expected = ("ValidationException",
                "Nesting Levels have exceeded supported limits: Attributes in the item have "
                "nested levels beyond supported limit")
    for too_deep in (nest(32, {"S": "leaf"}), nest(31, {"M": {}}), nest(40, {"N": "1"})):
        assert call_error(ddb.put_item, TableName=hash_table,
                          Item={"pk": {"S": key}, "deep": too_deep}) == expected


def test_attribute_name_lengths(raw_ddb, hash_table, key):
    """Attribute names are 1..65535 bytes."""
    ok = {"pk": {"S": key}, "n" * 65535: {"S": "x"}}
    raw_ddb.put_item(TableName=hash_table, Item=ok)
    assert get(raw_ddb, hash_table, {"pk": {"S": key}}) == ok


def test_empty_attribute_name_rejected(raw_ddb, hash_table, key):
    code, _ = call_error(raw_ddb.put_item, TableName=hash_table,
                         Item={"pk": {"S": key}, "": {"S": "x"}})
    assert code == "ValidationException"
    assert get(raw_ddb, hash_table, {"pk": {"S": key}}) is None


TOO_LARGE = "1 validation error detected: Attribute name is too large, must be less than 65536 bytes"


def test_attribute_name_over_64_kb_rejected(raw_ddb, hash_table, key):
    code, message = call_error(raw_ddb.put_item, TableName=hash_table,
                               Item={"pk": {"S": key}, "n" * 65536: {"S": "x"}})
    assert (code, message) == ("ValidationException", TOO_LARGE)
    assert get(raw_ddb, hash_table, {"pk": {"S": key}}) is None


def test_attribute_names_are_checked_wherever_they_enter(raw_ddb, hash_table, key):
    """Conformance facts I2 and I3: ExpressionAttributeNames, AttributesToGet and
    AttributeUpdates take the item's name rules."""
    long = "n" * 65536
    code, message = call_error(raw_ddb.update_item, TableName=hash_table, Key={"pk": {"S": key}},
                               UpdateExpression="SET #n = :v", ExpressionAttributeNames={"#n": long},
                               ExpressionAttributeValues={":v": {"S": "x"}})
    assert (code, message) == ("ValidationException", TOO_LARGE)
    code, message = call_error(raw_ddb.get_item, TableName=hash_table, Key={"pk": {"S": key}},
                               AttributesToGet=[long])
    assert (code, message) == ("ValidationException", TOO_LARGE)
    code, message = call_error(raw_ddb.update_item, TableName=hash_table, Key={"pk": {"S": key}},
                               AttributeUpdates={long: {"Value": {"S": "x"}, "Action": "PUT"}})
    assert (code, message) == ("ValidationException", TOO_LARGE)
    for call in (lambda: raw_ddb.get_item(TableName=hash_table, Key={"pk": {"S": key}}, AttributesToGet=[""]),
                 lambda: raw_ddb.update_item(TableName=hash_table, Key={"pk": {"S": key}},
                                             AttributeUpdates={"": {"Value": {"S": "x"}, "Action": "PUT"}}),
                 lambda: raw_ddb.put_item(TableName=hash_table, Item={"pk": {"S": key}, "": {"S": "x"}})):
        code, message = call_error(lambda **_: call())
        assert code == "ValidationException" and "Empty attribute name" in message, message
    assert get(raw_ddb, hash_table, {"pk": {"S": key}}) is None


def test_expression_maps_without_expression(ddb, range_table, key):
    """Names/values given while no expression uses them."""
    item = {"pk": {"S": key}, "sk": {"N": "1"}}
    assert call_error(ddb.put_item, TableName=range_table, Item=item,
                      ExpressionAttributeValues={":a": {"S": "b"}}) == (
        "ValidationException",
        "ExpressionAttributeValues can only be specified when using expressions: "
        "ConditionExpression is null")
    assert call_error(ddb.put_item, TableName=range_table, Item=item,
                      ExpressionAttributeNames={"#a": "b"}) == (
        "ValidationException",
        "ExpressionAttributeNames can only be specified when using expressions")
    assert call_error(ddb.get_item, TableName=range_table, Key=item,
                      ExpressionAttributeNames={"#a": "b"}) == (
        "ValidationException",
        "ExpressionAttributeNames can only be specified when using expressions")
    assert get(ddb, range_table, item) is None


def test_missing_table(ddb):
    name = unique("missing")
    for fn, kwargs in ((ddb.put_item, {"Item": {"pk": {"S": "a"}}}),
                       (ddb.get_item, {"Key": {"pk": {"S": "a"}}}),
                       (ddb.delete_item, {"Key": {"pk": {"S": "a"}}})):
        assert call_error(fn, TableName=name, **kwargs) == \
            ("ResourceNotFoundException", "Requested resource not found")


def test_wrong_json_type_in_value(raw, hash_table, key):
    """A value of the wrong JSON type ({"S": 1}) is a SerializationException."""
    r = raw("PutItem", {"TableName": hash_table, "Item": {"pk": {"S": key}, "x": {"S": 1}}})
    assert r.status == 400
    assert r.error_type == "SerializationException"
    r = raw("PutItem", {"TableName": hash_table, "Item": {"pk": {"S": key}, "x": {"N": 1}}})
    assert r.error_type == "SerializationException"


def test_bad_base64_binary(raw, hash_table, key):
    r = raw("PutItem", {"TableName": hash_table, "Item": {"pk": {"S": key}, "x": {"B": "!!!"}}})
    assert r.status == 400
    assert r.error_type == "SerializationException"
