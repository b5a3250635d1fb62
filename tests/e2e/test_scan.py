"""Scan: Limit pagination, parallel scan segments, Select COUNT, Segment validation.

Rules: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Scan.html and
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html.
"""
import pytest

from conftest import MB, all_items, call_error, create_table, item_size, pages, unique

ITEMS = 300


def pk_of(item):
    return item["pk"]["S"]


@pytest.fixture(scope="module")
def scan_table(ddb):
    """A table of its own holding exactly ITEMS items, pk item-000 .. item-299."""
    name = create_table(ddb, unique("scan"))
    items = [{"pk": {"S": "item-%03d" % i}, "n": {"N": str(i)}} for i in range(ITEMS)]
    for start in range(0, ITEMS, 25):
        response = ddb.batch_write_item(RequestItems={
            name: [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]})
        assert response["UnprocessedItems"] == {}
    yield name
    ddb.delete_table(TableName=name)


EXPECTED = sorted("item-%03d" % i for i in range(ITEMS))


def test_scan_everything_in_one_page(ddb, scan_table):
    page = ddb.scan(TableName=scan_table)
    assert sorted(map(pk_of, page["Items"])) == EXPECTED
    assert page["Count"] == page["ScannedCount"] == ITEMS
    assert "LastEvaluatedKey" not in page
    for item in page["Items"]:
        assert item["n"]["N"] == str(int(item["pk"]["S"][5:]))


@pytest.mark.parametrize("limit", [1, 7, 50, 299, 300, 1000])
def test_scan_limit_pagination(ddb, scan_table, limit):
    """Limit + LastEvaluatedKey visit every item exactly once; each LastEvaluatedKey is the
    key of the page's last item."""
    all_pages = pages(ddb.scan, TableName=scan_table, Limit=limit)
    got = [pk_of(i) for p in all_pages for i in p["Items"]]
    assert len(got) == len(set(got))
    assert sorted(got) == EXPECTED
    for page in all_pages:
        assert page["Count"] == page["ScannedCount"] == len(page["Items"]) <= limit
        if "LastEvaluatedKey" in page:
            assert len(page["Items"]) == limit
            assert page["LastEvaluatedKey"] == {"pk": page["Items"][-1]["pk"]}


def test_scan_order_is_stable_across_pages(ddb, scan_table):
    """Paging must not reorder: a one-page scan and a paged scan see the same sequence."""
    whole = [pk_of(i) for i in ddb.scan(TableName=scan_table)["Items"]]
    paged = [pk_of(i) for i in all_items(ddb.scan, TableName=scan_table, Limit=13)]
    assert paged == whole


def test_scan_paginator(ddb, scan_table):
    seen = []
    for page in ddb.get_paginator("scan").paginate(TableName=scan_table,
                                                   PaginationConfig={"PageSize": 40}):
        assert len(page["Items"]) <= 40
        seen += map(pk_of, page["Items"])
    assert sorted(seen) == EXPECTED


@pytest.mark.parametrize("total", [1, 3, 4, 7])
def test_parallel_scan_segments_partition_the_table(ddb, scan_table, total):
    """The segments of a parallel scan are disjoint and together hold every item; each segment paginates on its own."""
    union = []
    for segment in range(total):
        got = [pk_of(i) for i in all_items(ddb.scan, TableName=scan_table, Segment=segment,
                                           TotalSegments=total, Limit=17)]
        assert len(got) == len(set(got))
        unpaged = [pk_of(i) for i in ddb.scan(TableName=scan_table, Segment=segment,
                                              TotalSegments=total)["Items"]]
        assert got == unpaged
        union += got
    assert len(union) == ITEMS
    assert sorted(union) == EXPECTED


def test_parallel_scan_many_segments(ddb, scan_table):
    """More segments than items: most are empty, the union is still the table."""
    total = 400
    union = []
    for segment in range(0, total):
        page = ddb.scan(TableName=scan_table, Segment=segment, TotalSegments=total)
        union += map(pk_of, page["Items"])
    assert sorted(union) == EXPECTED


def test_parallel_scan_largest_total_segments(ddb, scan_table):
    """TotalSegments may be 1,000,000; the last segment is 999,999."""
    for segment in (0, 999_999):
        page = ddb.scan(TableName=scan_table, Segment=segment, TotalSegments=1_000_000)
        assert page["Count"] == len(page["Items"]) <= ITEMS


def test_scan_select_count(ddb, scan_table):
    page = ddb.scan(TableName=scan_table, Select="COUNT")
    assert "Items" not in page
    assert page["Count"] == page["ScannedCount"] == ITEMS
    counted = pages(ddb.scan, TableName=scan_table, Select="COUNT", Limit=120)
    assert [p["Count"] for p in counted][:2] == [120, 120]
    assert sum(p["Count"] for p in counted) == ITEMS
    assert all("Items" not in p for p in counted)


def test_scan_capacity(ddb, scan_table):
    page = ddb.scan(TableName=scan_table, ReturnConsumedCapacity="TOTAL", Limit=10)
    size = sum(item_size(i) for i in page["Items"])
    assert size < 4096
    # Under 4 KB read, eventually consistent: the 0.5 minimum.
    assert page["ConsumedCapacity"]["TableName"] == scan_table
    assert page["ConsumedCapacity"]["CapacityUnits"] == 0.5


def test_scan_capacity_is_charged_per_partition(ddb, new_table):
    """Conformance fact C2: DynamoDB reports 4.0 (2.0 eventually consistent) for a Scan of a
    table holding one small item; each of a new table's 4 partitions costs at least a unit."""
    name = new_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "only"}})
    for consistent, units in ((True, 4.0), (False, 2.0)):
        page = ddb.scan(TableName=name, ReturnConsumedCapacity="TOTAL", ConsistentRead=consistent)
        assert page["Count"] == 1
        assert page["ConsumedCapacity"]["CapacityUnits"] == units
    # A Query reads one partition: the 4 KB minimum only.
    page = ddb.query(TableName=name, KeyConditionExpression="pk = :p", ReturnConsumedCapacity="TOTAL",
                     ExpressionAttributeValues={":p": {"S": "only"}})
    assert page["ConsumedCapacity"]["CapacityUnits"] == 0.5


def test_scan_one_megabyte_page(ddb, new_table):
    """Scan pages stop once 1 MB has been read, like Query."""
    name = new_table()
    for i in range(12):
        ddb.put_item(TableName=name, Item={"pk": {"S": "big-%02d" % i}, "d": {"S": "x" * 100_000}})
    first = ddb.scan(TableName=name)
    sizes = [item_size(i) for i in first["Items"]]
    assert "LastEvaluatedKey" in first
    assert sum(sizes) >= MB > sum(sizes[:-1])
    got = [pk_of(i) for i in all_items(ddb.scan, TableName=name)]
    assert sorted(got) == ["big-%02d" % i for i in range(12)]


def test_scan_resumes_after_deleted_last_key(ddb, new_table):
    """ExclusiveStartKey need not exist any more: deleting each page's last item before
    asking for the next page still visits every item once."""
    name = new_table()
    keys = ["d-%02d" % i for i in range(50)]
    for k in keys:
        ddb.put_item(TableName=name, Item={"pk": {"S": k}})
    seen = []
    kwargs = {"TableName": name, "Limit": 7}
    while True:
        page = ddb.scan(**kwargs)
        seen += map(pk_of, page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        ddb.delete_item(TableName=name, Key=page["LastEvaluatedKey"])
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    assert sorted(seen) == keys


def test_scan_empty_table(ddb, new_table):
    name = new_table()
    page = ddb.scan(TableName=name)
    assert page["Items"] == [] and page["Count"] == 0 and "LastEvaluatedKey" not in page


# --- Errors ---------------------------------------------------------------------------------

def test_segment_without_total_segments(raw_ddb, scan_table):
    assert call_error(raw_ddb.scan, TableName=scan_table, Segment=1) == (
        "ValidationException",
        "The TotalSegments parameter is required but was not present in the request when "
        "Segment parameter is present")  # sic, the service's word order (fact M11)


def test_total_segments_without_segment(raw_ddb, scan_table):
    assert call_error(raw_ddb.scan, TableName=scan_table, TotalSegments=2) == (
        "ValidationException",
        "The Segment parameter is required but was not present in the request when parameter "
        "TotalSegments is present")


@pytest.mark.parametrize("segment,total", [(5, 5), (7, 3)])
def test_segment_not_less_than_total(raw_ddb, scan_table, segment, total):
    """DynamoDB's exact text."""
    assert call_error(raw_ddb.scan, TableName=scan_table, Segment=segment,
                      TotalSegments=total) == (
        "ValidationException",
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
        "Segment: %d is not less than TotalSegments: %d" % (segment, total))


@pytest.mark.parametrize("total,bound", [(0, "greater than or equal to 1"),
                                         (1000001, "less than or equal to 1000000")])
def test_total_segments_out_of_range(raw_ddb, scan_table, total, bound):
    assert call_error(raw_ddb.scan, TableName=scan_table, Segment=0, TotalSegments=total) == (
        "ValidationException",
        "1 validation error detected: Value '%d' at 'totalSegments' failed to satisfy "
        "constraint: Member must have value %s" % (total, bound))


def test_negative_segment(raw_ddb, scan_table):
    code, message = call_error(raw_ddb.scan, TableName=scan_table, Segment=-1, TotalSegments=2)
    assert code == "ValidationException"
    assert message == ("1 validation error detected: Value '-1' at 'segment' failed to satisfy "
                       "constraint: Member must have value greater than or equal to 0")


def test_scan_limit_zero(raw_ddb, scan_table):
    assert call_error(raw_ddb.scan, TableName=scan_table, Limit=0)[0] == "ValidationException"


def test_scan_bad_exclusive_start_key(ddb, scan_table):
    code, message = call_error(ddb.scan, TableName=scan_table,
                               ExclusiveStartKey={"nope": {"S": "x"}})
    assert code == "ValidationException"
    assert message.startswith("The provided starting key is invalid")


def test_scan_missing_table(ddb):
    assert call_error(ddb.scan, TableName=unique("missing")) == \
        ("ResourceNotFoundException", "Requested resource not found")


def test_filter_with_size_of_a_literal(ddb, scan_table):
    """size(:v) names no attribute: a filter with it runs (conformance fact E3; it used to
    take the server down on the filter's attribute names)."""
    items = ddb.scan(TableName=scan_table, FilterExpression="size(:v) = :three",
                     ExpressionAttributeValues={":v": {"S": "abc"}, ":three": {"N": "3"}})["Items"]
    assert items == ddb.scan(TableName=scan_table)["Items"]
    assert ddb.scan(TableName=scan_table, FilterExpression="size(:v) > :three",
                    ExpressionAttributeValues={":v": {"S": "abc"}, ":three": {"N": "3"}})["Items"] == []

