"""cirrus export / cirrus import: the offline CLI on the data directory a running cirrusd
serves, end to end with real files; items go in and come out through boto3.

Rules: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html and S3DataImport.Format.html
(AWS's export layout and manifests, the DynamoDB JSON, Ion and CSV input formats, item-level
problems skipped and logged); the CLI's own
contract in `cirrus --help` (exit codes: 0 done, 1 error with its message on stderr, 2 import
done with skipped records) and tools/transfer.h (export is one snapshot, import an upsert,
the error log holds one JSON line per skipped record: "file", "line", "error").

The binary: `cirrus` beside the cirrusd the suite runs (the directory of CIRRUSD).
These tests need a data directory of their own, so they skip under --url.
"""
import base64
import decimal
import gzip
import hashlib
import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import threading
import time
import zlib

import botocore.exceptions
import pytest

from conftest import (MAX_ITEM_SIZE, Server, all_items, cirrusd_path, create_table, item_size,
                      make_client, pages, unique)
from test_cli import AWS, aws  # noqa: F401  (aws: a fixture, talks to this module's endpoint)

CIRRUS = os.path.join(os.path.dirname(cirrusd_path()), "cirrus")
ZSTD = shutil.which("zstd")
EXPORT_ID = re.compile(r"^\d{14}-[0-9a-f]{8}$")


# --- Fixtures ---------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def local_only(request):
    if request.config.getoption("--url"):
        pytest.skip("cirrus works on a data directory: it needs a cirrusd of our own")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A cirrusd of this module on a persistent data directory (`server.data_dir`), which the
    tests' `cirrus` commands read and write while it serves it."""
    data_dir = str(tmp_path_factory.mktemp("transfer") / "data")
    server = Server("--sync", "none", data_dir=data_dir).start()
    server.data_dir = data_dir
    yield server
    code = server.stop()
    assert code == 0, "cirrusd exited with %s" % code


@pytest.fixture(scope="module")
def endpoint(server):
    """This module's server (test_cli's `aws` fixture talks to it)."""
    return server.url


@pytest.fixture(scope="module")
def client(server):
    return make_client(server.url)


@pytest.fixture(scope="module")
def cirrus(server):
    """cirrus(subcommand, *args, code=0) -> CompletedProcess: runs `cirrus SUBCOMMAND
    --data-dir <the server's> ARGS` with stdout and stderr captured (not a terminal) and
    checks the exit code (code=None: not checked)."""

    def run(subcommand, *args, code=0):
        cmd = [CIRRUS, subcommand, "--data-dir", server.data_dir] + [str(a) for a in args]
        proc = subprocess.run(cmd, capture_output=True, encoding="utf-8", errors="replace",
                              timeout=120)
        if code is not None:
            assert proc.returncode == code, "%s\nexit %s\nstdout: %s\nstderr: %s" % (
                cmd, proc.returncode, proc.stdout, proc.stderr)
        return proc

    return run


# --- Helpers ----------------------------------------------------------------------------------

def s(text):
    return {"S": text}


def n(text):
    return {"N": text}


def to_json(value):
    """A boto3 low-level AttributeValue as DynamoDB JSON (binaries in base64)."""
    (kind, v), = value.items()
    if kind == "B":
        return {"B": base64.b64encode(v).decode()}
    if kind == "BS":
        return {"BS": [base64.b64encode(b).decode() for b in v]}
    if kind == "L":
        return {"L": [to_json(e) for e in v]}
    if kind == "M":
        return {"M": {k: to_json(e) for k, e in v.items()}}
    return {kind: v}


def from_json(value):
    """DynamoDB JSON as boto3 gives it (binaries as bytes)."""
    (kind, v), = value.items()
    if kind == "B":
        return {"B": base64.b64decode(v)}
    if kind == "BS":
        return {"BS": [base64.b64decode(b) for b in v]}
    if kind == "L":
        return {"L": [from_json(e) for e in v]}
    if kind == "M":
        return {"M": {k: from_json(e) for k, e in v.items()}}
    return {kind: v}


def json_line(item, ascii_only=False):
    return json.dumps({"Item": {k: to_json(v) for k, v in item.items()}}, ensure_ascii=ascii_only)


def write_file(path, lines, compress=None, newline="\n"):
    """Writes text lines (each ended by `newline`), gzip or zstd compressed if asked."""
    data = "".join(line + newline for line in lines).encode()
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    if compress == "gzip":
        data = gzip.compress(data)
    with open(str(path), "wb") as f:
        f.write(data)
    if compress == "zstd":
        subprocess.run([ZSTD, "-q", "--rm", "-o", str(path) + ".tmp", str(path)], check=True)
        os.rename(str(path) + ".tmp", str(path))
    return str(path)


def sorted_sets(value):
    """A value with set elements sorted (sets are unordered); everything else exact."""
    (kind, v), = value.items()
    if kind in ("SS", "NS", "BS"):
        return {kind: sorted(v)}
    if kind == "L":
        return {"L": [sorted_sets(e) for e in v]}
    if kind == "M":
        return {"M": {k: sorted_sets(e) for k, e in v.items()}}
    return {kind: v}


def number(text):
    """An N value by its meaning, in one form whatever its text ("1.50", "15E-1")."""
    return decimal.Decimal(text).normalize(decimal.Context(prec=60))


def canonical(value):
    """A value compared by meaning: numbers as Decimals (the server normalizes their text)."""
    (kind, v), = value.items()
    if kind == "N":
        return ("N", number(v))
    if kind == "NS":
        return ("NS", sorted(number(x) for x in v))
    if kind in ("SS", "BS"):
        return (kind, sorted(v))
    if kind == "L":
        return ("L", [canonical(e) for e in v])
    if kind == "M":
        return ("M", {k: canonical(e) for k, e in v.items()})
    return (kind, v)


def keyed(items, keys, normalize=sorted_sets):
    """{key values: item} with every value normalized; asserts the keys are unique."""
    out = {}
    for item in items:
        k = tuple(json.dumps(canonical(item[name]), default=str) for name in keys)
        assert k not in out, "key %s twice" % (k,)
        out[k] = {name: normalize(v) for name, v in item.items()}
    return out


def scan(client, table):
    return all_items(client.scan, TableName=table)


def scan_count(client, table):
    return sum(p["Count"] for p in pages(client.scan, TableName=table, Select="COUNT"))


def item_count(client, table, expected):
    """DescribeTable's ItemCount once it equals `expected`, else its last value after a bounded
    wait (the server picks up another process's statistics shortly, as DynamoDB updates
    ItemCount periodically)."""
    for _ in range(100):
        count = client.describe_table(TableName=table)["Table"]["ItemCount"]
        if count == expected:
            return count
        time.sleep(0.05)
    return count


def assert_holds(client, table, expected, keys=("pk",)):
    """The table holds exactly `expected` (values compared by meaning), by Scan and by
    DescribeTable's ItemCount."""
    got = scan(client, table)
    assert keyed(got, keys, canonical) == keyed(expected, keys, canonical)
    assert item_count(client, table, len(expected)) == len(expected)


def summary_line(proc, verb):
    """The last stdout line, the summary, which starts with `verb`; no progress display."""
    assert "\r" not in proc.stdout and "\r" not in proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines and lines[-1].startswith(verb + " "), proc.stdout
    return lines[-1]


def error_log_path(proc):
    """The error log named on stderr ("...; see PATH")."""
    match = re.search(r"see (\S+)\s*$", proc.stderr)
    assert match, proc.stderr
    return match.group(1)


def read_error_log(path):
    with open(path, encoding="utf-8") as f:
        entries = [json.loads(line) for line in f if line.strip()]
    for e in entries:
        assert set(e) >= {"file", "line", "error"}, e
        assert isinstance(e["line"], int) and isinstance(e["error"], str) and e["error"]
    return entries


def md5s(path):
    with open(path, "rb") as f:
        digest = hashlib.md5(f.read()).digest()
    return base64.b64encode(digest).decode(), digest.hex()


def export_table(cirrus, table, out, *args):
    """Runs cirrus export; returns the export folder OUT/AWSDynamoDB/<id>."""
    proc = cirrus("export", "--table", table, "--out", out, *args)
    summary_line(proc, "exported")
    ids = os.listdir(os.path.join(str(out), "AWSDynamoDB"))
    assert len(ids) == 1 and EXPORT_ID.match(ids[0]), ids
    folder = os.path.join(str(out), "AWSDynamoDB", ids[0])
    assert folder in proc.stdout
    return folder


def check_export(out, folder, table_arn, items=None, fmt="DYNAMODB_JSON", gzipped=True,
                 files=None):
    """Checks AWS's export layout, and that it holds `items` items (None: as many as its
    manifest says); returns [(data file path, its item count)]."""
    export_id = os.path.basename(folder)
    prefix = "AWSDynamoDB/" + export_id
    assert os.path.getsize(os.path.join(folder, "_started")) == 0

    with open(os.path.join(folder, "manifest-summary.json")) as f:
        summary = json.load(f)
    assert summary["version"] == "2020-06-30"
    assert summary["tableArn"] == table_arn
    assert summary["exportArn"] == table_arn + "/export/" + export_id
    if items is not None:
        assert summary["itemCount"] == items
    assert summary["outputFormat"] == fmt
    assert summary["manifestFilesS3Key"] == prefix + "/manifest-files.json"
    assert os.path.isfile(os.path.join(str(out), summary["manifestFilesS3Key"]))

    extension = (".json" if fmt == "DYNAMODB_JSON" else ".ion") + (".gz" if gzipped else "")
    data = []
    with open(os.path.join(folder, "manifest-files.json")) as f:
        lines = f.read().splitlines()
    for line in lines:
        entry = json.loads(line)  # JSON Lines: one object per data file
        assert set(entry) >= {"itemCount", "md5Checksum", "etag", "dataFileS3Key"}, entry
        key = entry["dataFileS3Key"]
        assert key.startswith(prefix + "/data/") and key.endswith(extension), key
        path = os.path.join(str(out), key)
        md5_base64, md5_hex = md5s(path)
        assert entry["md5Checksum"] == md5_base64
        assert entry["etag"] == md5_hex  # a single-part S3 object's ETag: the hex MD5
        with open(path, "rb") as f:
            raw = f.read()
        if gzipped:
            assert raw[:2] == b"\x1f\x8b"
            raw = gzip.decompress(raw)
        assert raw.count(b"\n") == entry["itemCount"]
        assert raw == b"" or raw.endswith(b"\n")
        data.append((path, entry["itemCount"]))
    assert sorted(os.listdir(os.path.join(folder, "data"))) == sorted(
        os.path.basename(p) for p, _ in data)
    if files is not None:
        assert len(data) == files
    assert sum(count for _, count in data) == summary["itemCount"]
    return data


def read_data_file(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    # Lines end at "\n" only (str.splitlines would also split at U+2028 inside a string).
    return raw.decode("utf-8").split("\n")[:-1] if raw else []


def exported_items(data):
    """The items of DynamoDB JSON data files: each line exactly {"Item": {...}}."""
    items = []
    for path, _ in data:
        for line in read_data_file(path):
            record = json.loads(line)
            assert list(record) == ["Item"], line[:200]
            items.append({k: from_json(v) for k, v in record["Item"].items()})
    return items


def batch_put(client, table, items):
    for i in range(0, len(items), 25):
        requests = [{"PutRequest": {"Item": item}} for item in items[i:i + 25]]
        response = client.batch_write_item(RequestItems={table: requests})
        assert not response.get("UnprocessedItems")


def table_arn(client, table):
    return client.describe_table(TableName=table)["Table"]["TableArn"]


# --- 1. Round trip ----------------------------------------------------------------------------

def varied_items():
    """Items with every attribute type and the awkward values of each, key (pk S, sk N)."""
    blob = bytes(range(256))
    deep = {"S": "bottom"}
    for level in range(30):  # 31 levels of nesting with the top-level attribute
        deep = {"L": [deep]} if level % 2 else {"M": {"d": deep}}
    items = [
        {"pk": {"S": "all-types"}, "sk": {"N": "1"},
         "s": {"S": "plain"}, "n": {"N": "42"}, "b": {"B": blob}, "yes": {"BOOL": True},
         "no": {"BOOL": False}, "nothing": {"NULL": True}, "empty_b": {"B": b""},
         "empty_s": {"S": ""},
         "list": {"L": [{"S": "x"}, {"N": "-1.5"}, {"B": b"\x00"}, {"BOOL": False},
                        {"NULL": True}, {"L": []}, {"M": {}}, {"SS": ["a"]}, {"NS": ["1"]},
                        {"BS": [b"\x01"]}]},
         "map": {"M": {"inner": {"M": {"deeper": {"L": [{"M": {"leaf": {"S": "é"}}}]}}},
                       "n": {"N": "0.5"}, "nul": {"NULL": True}}},
         "ss": {"SS": ["b", "a", "é", "😀", " "]},
         "ns": {"NS": ["1", "-1", "0.001", "1E+100", "-1E-100"]},
         "bs": {"BS": [b"\x00", b"\xff\xfe", blob]}},
        {"pk": {"S": "numbers"}, "sk": {"N": "2"},
         "max": {"N": "9.9999999999999999999999999999999999999E+125"},
         "min": {"N": "-9.9999999999999999999999999999999999999E+125"},
         "tiny": {"N": "1E-130"}, "neg_tiny": {"N": "-1E-130"},
         "digits38": {"N": "12345678901234567890123456789012345678"},
         "frac38": {"N": "-0.12345678901234567890123456789012345678"},
         "trailing": {"N": "1.500"}, "zero": {"N": "0"}, "neg": {"N": "-273.15"},
         "exp": {"N": "6E+2"}, "small": {"N": "0.000000000000000000000000000000000000001"},
         "ns": {"NS": ["9.9999999999999999999999999999999999999E+125", "1E-130", "-42"]}},
        {"pk": {"S": "é名😀"}, "sk": {"N": "-3.25"},
         "text": {"S": 'quote " backslash \\ newline \n tab \t cr \r ctl \x01\x1f del \x7f'},
         "separators": {"S": "\u2028\u2029\ufeff"}, "nul": {"S": "a\x00b"},
         "astral": {"S": "𝄞😀"}, "ss": {"SS": ["é", "e\u0301", "名", "\x00"]}},
        {"pk": {"S": "names"}, "sk": {"N": "0"},
         "a b": {"S": "space"}, 'quo"te': {"S": "q"}, "back\\slash": {"S": "bs"},
         "new\nline": {"S": "nl"}, "$dollar": {"S": "d"}, "123start": {"S": "digit"},
         "null": {"S": "kw"}, "true": {"S": "kw"}, "false": {"N": "1"}, "nan": {"S": "kw"},
         "Item": {"S": "the wrapper's name"}, "é": {"S": "e"}, "dash-name": {"S": "-"},
         "dot.name": {"S": "."}, "'single'": {"S": "'"}, "$ion_1_0": {"S": "marker"},
         "$dynamodb_SS": {"SS": ["an annotation's name"]}, "{}": {"S": "braces"},
         "a:b": {"S": "colon"}, "x" * 300: {"S": "a long name"},
         "名前": {"M": {"a b": {"N": "1"}}}},
        {"pk": {"S": "book"}, "sk": {"N": "103"}, "Title": {"S": "Book 103"},
         "Authors": {"SS": ["A1", "A2"]}, "InPrint": {"BOOL": False}, "Pages": {"N": "600"}},
        {"pk": {"S": "large"}, "sk": {"N": "1E+10"}, "big": {"S": "z" * 350_000}},
        {"pk": {"S": "deep"}, "sk": {"N": "1"}, "deep": deep},
        {"pk": {"S": "key only"}, "sk": {"N": "-9.9999999999999999999999999999999999999E+125"}},
    ]
    for i in range(200):
        items.append({"pk": {"S": "bulk-%02d" % (i % 40)},
                      "sk": {"N": str(decimal.Decimal(i - 100) / 8)},
                      "i": {"N": str(i)}, "tag": {"SS": ["t%d" % (i % 3), "all"]}})
    return items


@pytest.fixture(scope="module")
def source_table(client):
    """(name, items written): a table of varied items written through the server with boto3."""
    name = create_table(client, unique("source"), sk=("sk", "N"))
    items = varied_items()
    for item in items[:8]:
        client.put_item(TableName=name, Item=item)
    batch_put(client, name, items[8:])
    # The server stored what was written (numbers by value, sets in any order).
    assert keyed(scan(client, name), ("pk", "sk"), canonical) == \
        keyed(items, ("pk", "sk"), canonical)
    return name, items


@pytest.mark.parametrize("fmt, compress, files", [
    ("dynamodb-json", "gzip", 1),
    ("dynamodb-json", "none", 3),
    ("ion", "gzip", 3),
    ("ion", "none", 1),
])
def test_round_trip_export_then_import(client, cirrus, source_table, tmp_path, fmt, compress,
                                       files):
    source, items = source_table
    out = tmp_path / "out"
    folder = export_table(cirrus, source, out, "--format", fmt, "--compress", compress,
                          "--files", files)
    manifest_format = "DYNAMODB_JSON" if fmt == "dynamodb-json" else "ION"
    data = check_export(out, folder, table_arn(client, source), len(items), manifest_format,
                        compress == "gzip", files)
    original = scan(client, source)

    if fmt == "dynamodb-json":
        # The data files hold every item, exactly as the server gives it.
        assert keyed(exported_items(data), ("pk", "sk")) == keyed(original, ("pk", "sk"))
    else:
        lines = [line for path, _ in data for line in read_data_file(path)]
        assert len(lines) == len(items)
        for line in lines:
            assert re.match(r"^\$ion_1_0 \{Item:\{.*\}\}$", line, re.S), line[:200]
            assert "\n" not in line
        book, = [line for line in lines if 'pk:"book"' in line]
        for part in ('Title:"Book 103"', 'Authors:$dynamodb_SS::["A1","A2"]', "InPrint:false",
                     "Pages:6d2", "sk:103."):
            assert part in book, book
        names, = [line for line in lines if 'pk:"names"' in line]
        # Names that are not Ion identifiers (or are keywords) are quoted symbols or strings.
        for name, value in (("a b", "space"), ("null", "kw"), ("true", "kw"), ("nan", "kw"),
                            ("$ion_1_0", "marker"), ("123start", "digit"), ("dot.name", ".")):
            assert re.search(r"[{,]['\"]%s['\"]:\"%s\"" % (re.escape(name), re.escape(value)),
                             names), (name, names)

    copy = unique("copy")
    # The export folder itself or the directory holding AWSDynamoDB/<id>/.
    proc = cirrus("import", "--table", copy, "--key", "pk:S,sk:N",
                  "--in", folder if files == 1 else out)
    line = summary_line(proc, "imported")
    assert line.startswith("imported %d items into %s from %d files" % (len(items), copy, files))
    assert line.endswith("; 0 skipped")
    imported = scan(client, copy)
    assert keyed(imported, ("pk", "sk")) == keyed(original, ("pk", "sk"))
    assert item_count(client, copy, len(items)) == len(items)
    described = client.describe_table(TableName=copy)["Table"]
    assert described["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
    # The same items take the same size, written by the server or by the import.
    assert described["TableSizeBytes"] == \
        client.describe_table(TableName=source)["Table"]["TableSizeBytes"]


# --- 2. Export is one snapshot ----------------------------------------------------------------

def test_export_is_one_snapshot_while_a_writer_writes(client, cirrus, tmp_path):
    """A writer moves a token between two keys while it adds a counter item, in one
    BatchWriteItem each (atomic in cirrusd). A snapshot holds exactly one token, and the
    counter items 0..token's counter: no more, no fewer. An export reading partitions at
    different moments shows two tokens, none, or gaps."""
    table = unique("snap")
    padding = 60_000  # imported: enough items for an export to overlap many writes
    write_file(tmp_path / "pad.json",
               (json_line({"pk": s("pad-%06d" % i), "x": s("p" * 40)})
                for i in range(padding)))
    cirrus("import", "--table", table, "--key", "pk:S", "--in", tmp_path / "pad.json")

    def token(i):
        return {"pk": s("token-%d" % (i % 2)), "n": n(str(i))}

    def counter(i):
        return {"pk": s("seq-%06d" % i), "n": n(str(i))}

    writer_client = make_client(client.meta.endpoint_url)
    writer_client.batch_write_item(RequestItems={table: [
        {"PutRequest": {"Item": token(0)}}, {"PutRequest": {"Item": counter(0)}}]})
    acknowledged = [0]
    stop = threading.Event()
    errors = []

    def write():
        try:
            i = 0
            while not stop.is_set():
                i += 1
                response = writer_client.batch_write_item(RequestItems={table: [
                    {"DeleteRequest": {"Key": {"pk": token(i - 1)["pk"]}}},
                    {"PutRequest": {"Item": token(i)}},
                    {"PutRequest": {"Item": counter(i)}}]})
                assert not response.get("UnprocessedItems")
                acknowledged[0] = i
        except Exception as e:  # reported by the test
            errors.append(e)

    thread = threading.Thread(target=write)
    thread.start()
    try:
        overlapping = 0
        for attempt in range(8):
            before = acknowledged[0]
            out = tmp_path / ("out%d" % attempt)
            folder = export_table(cirrus, table, out, "--files", 1 + attempt % 3)
            data = check_export(out, folder, table_arn(client, table))
            after = acknowledged[0]
            items = exported_items(data)
            tokens = [int(i["n"]["N"]) for i in items if i["pk"]["S"].startswith("token-")]
            assert len(tokens) == 1, "tokens in the export: %s" % tokens
            t = tokens[0]
            seen = sorted(int(i["n"]["N"]) for i in items if i["pk"]["S"].startswith("seq-"))
            assert seen == list(range(t + 1)), \
                "token at %d, counter items: %d of them, first gap at %s" % (
                    t, len(seen), next((a for a, b in zip(range(t + 1), seen) if a != b), None))
            assert sum(1 for i in items if i["pk"]["S"].startswith("pad-")) == padding
            # Writes acknowledged before the export began are in it; at most the one in flight
            # when it ended is beyond those acknowledged by then.
            assert before <= t <= after + 1, (before, t, after)
            if after - before >= 2:
                overlapping += 1
            if overlapping >= 3:
                break
        assert overlapping >= 3, "the writer barely overlapped the exports; nothing was proven"
    finally:
        stop.set()
        thread.join()
    assert not errors, errors


def test_export_writes_a_data_file_per_partition_by_default(client, cirrus, tmp_path):
    """AWS writes at least one data file per partition, empty ones for empty partitions."""
    table = unique("parts")
    path = write_file(tmp_path / "p.json", [json_line({"pk": s("p%d" % i)}) for i in range(3)])
    cirrus("import", "--table", table, "--key", "pk:S", "--in", path, "--partitions", 8)
    out = tmp_path / "out"
    data = check_export(out, export_table(cirrus, table, out), table_arn(client, table), 3,
                        files=8)
    assert sorted(count for _, count in data).count(0) >= 5

    empty = create_table(client, unique("empty"))
    out = tmp_path / "empty"
    folder = export_table(cirrus, empty, out, "--files", 2)
    data = check_export(out, folder, table_arn(client, empty), 0, files=2)
    copy = unique("emptycopy")
    proc = cirrus("import", "--table", copy, "--key", "pk:S", "--in", folder)
    assert summary_line(proc, "imported").startswith("imported 0 items into %s from 2 files"
                                                     % copy)
    assert_holds(client, copy, [])


def test_import_beside_writes_through_the_server_keeps_the_counts(client, cirrus, tmp_path):
    """Both processes write the table at once: nothing is lost, ItemCount stays exact."""
    table = create_table(client, unique("beside"))
    imported = 100_000
    path = write_file(tmp_path / "imp.json", ('{"Item":{"pk":{"S":"imp-%06d"},"v":{"N":"%d"}}}'
                                              % (i, i) for i in range(imported)))
    writer_client = make_client(client.meta.endpoint_url)
    acknowledged = [0]
    stop = threading.Event()
    errors = []

    def write():
        try:
            i = 0
            while not stop.is_set():
                # New keys, and keys the import writes too (either write may win).
                writer_client.put_item(TableName=table, Item={"pk": s("srv-%06d" % i)})
                writer_client.put_item(TableName=table, Item={"pk": s("imp-%06d" % (i * 7)),
                                                              "v": n(str(i * 7))})
                i += 1
                acknowledged[0] = i
        except Exception as e:  # reported by the test
            errors.append(e)

    thread = threading.Thread(target=write)
    thread.start()
    try:
        before = acknowledged[0]
        cirrus("import", "--table", table, "--in", path, "--batch", 2000)
        during = acknowledged[0] - before
    finally:
        stop.set()
        thread.join()
    assert not errors, errors
    assert during > 0, "no write went through the server during the import"
    expected = imported + acknowledged[0]
    assert scan_count(client, table) == expected
    assert item_count(client, table, expected) == expected


# --- 3. Input formats -------------------------------------------------------------------------

@pytest.mark.parametrize("compress", [None, "gzip", "zstd"])
def test_import_dynamodb_json_plain_gzip_zstd(client, cirrus, tmp_path, compress):
    if compress == "zstd" and not ZSTD:
        pytest.skip("no zstd command")
    items = varied_items()
    name = "items.json" + {None: "", "gzip": ".gz", "zstd": ".zst"}[compress]
    # Plain: CRLF line ends; gzip: \\uXXXX escapes (surrogate pairs too); zstd: raw UTF-8.
    path = write_file(tmp_path / name, [json_line(i, ascii_only=compress == "gzip") for i in items],
                      compress, newline="\r\n" if compress is None else "\n")
    table = unique("json")
    proc = cirrus("import", "--table", table, "--key", "pk:S,sk:N", "--in", path)
    assert summary_line(proc, "imported").startswith(
        "imported %d items into %s from 1 files (%d records" % (len(items), table, len(items)))
    assert_holds(client, table, items, ("pk", "sk"))


ION_LINES = [
    # AWS's own example line.
    '$ion_1_0 {Item:{Id:103.,Title:"Book 103",Authors:$dynamodb_SS::["A1","A2"],InPrint:false,'
    'Pages:6d2}}',
    "$ion_1_0 {Item:{Id:104.,Title:\"Caf\\u00e9 \\\"quoted\\\"\",Cover:{{aGVsbG8=}},Missing:null,"
    "Tags:[\"x\",1.5,{deep:[true]}],Meta:{'a b':\"s\",'null':null.null,\"str name\":-0.5},"
    "Ratings:$dynamodb_NS::[1.5,-2d-3,7.],Blobs:$dynamodb_BS::[{{AAE=}},{{/w==}}]}}",
    # No version marker, spaces, a comment, an Ion int, long strings, a float.
    "  {Item:{Id:105, Title:'''long ''' '''string''', Count:1_000, Hex:0x1F, F:1.5e3}}"
    "  // a comment",
]

ION_ITEMS = [
    {"Id": {"N": "103"}, "Title": {"S": "Book 103"}, "Authors": {"SS": ["A1", "A2"]},
     "InPrint": {"BOOL": False}, "Pages": {"N": "600"}},
    {"Id": {"N": "104"}, "Title": {"S": 'Café "quoted"'}, "Cover": {"B": b"hello"},
     "Missing": {"NULL": True},
     "Tags": {"L": [{"S": "x"}, {"N": "1.5"}, {"M": {"deep": {"L": [{"BOOL": True}]}}}]},
     "Meta": {"M": {"a b": {"S": "s"}, "null": {"NULL": True}, "str name": {"N": "-0.5"}}},
     "Ratings": {"NS": ["1.5", "-0.002", "7"]}, "Blobs": {"BS": [b"\x00\x01", b"\xff"]}},
    {"Id": {"N": "105"}, "Title": {"S": "long string"}, "Count": {"N": "1000"},
     "Hex": {"N": "31"}, "F": {"N": "1500"}},
]


@pytest.mark.parametrize("compress", [None, "gzip"])
def test_import_ion_as_aws_writes_it(client, cirrus, tmp_path, compress):
    path = write_file(tmp_path / ("books.ion" + (".gz" if compress else "")), ION_LINES, compress)
    table = unique("ion")
    summary_line(cirrus("import", "--table", table, "--key", "Id:N", "--in", path), "imported")
    assert_holds(client, table, ION_ITEMS, ("Id",))


CSV_CASES = {
    # A header row, commas, quoted fields holding commas, quotes and line breaks.
    "header-comma": (
        "people.csv", ["--key", "pk:S,sk:N"],
        'pk,sk,name,note,qty\n'
        'a,1,Alice,"Hello, world",5\n'
        'b,-2.5,"Bob ""the builder""","multi\nline, with comma\nand ""quotes""",\n'
        'c,1e3,,x,007\n',
        [{"pk": s("a"), "sk": n("1"), "name": s("Alice"), "note": s("Hello, world"),
          "qty": s("5")},
         {"pk": s("b"), "sk": n("-2.5"), "name": s('Bob "the builder"'),
          "note": s('multi\nline, with comma\nand "quotes"')},
         {"pk": s("c"), "sk": n("1000"), "note": s("x"), "qty": s("007")}]),
    # --csv-header: every row is data; ';'; CRLF line ends; an N partition key; --format.
    "names-semicolon": (
        "rows.txt", ["--key", "id:N", "--csv-header", "id,title,price", "--csv-delimiter", ";",
                     "--format", "csv"],
        '1;Dune;9.99\r\n2;"Semi;colon";\r\n-3.5;Ünïcödé ☃;0\r\n',
        [{"id": n("1"), "title": s("Dune"), "price": s("9.99")},
         {"id": n("2"), "title": s("Semi;colon")},
         {"id": n("-3.5"), "title": s("Ünïcödé ☃"), "price": s("0")}]),
    "header-pipe": (
        "pipes.csv", ["--key", "pk:S", "--csv-delimiter", "|"],
        'pk|a|b\nx|1|"pipe|inside"\ny||"quote "" and\nnewline"\n',
        [{"pk": s("x"), "a": s("1"), "b": s("pipe|inside")},
         {"pk": s("y"), "b": s('quote " and\nnewline')}]),
    "header-tab": (
        "tabs.csv", ["--key", "pk:S,sk:N", "--csv-delimiter", "tab"],
        'pk\tsk\tv\tw\nt1\t5\thello, world\ttrue\nt2\t6\t"tab\tinside"\t\n',
        [{"pk": s("t1"), "sk": n("5"), "v": s("hello, world"), "w": s("true")},
         {"pk": s("t2"), "sk": n("6"), "v": s("tab\tinside")}]),
}


@pytest.mark.parametrize("case", sorted(CSV_CASES))
def test_import_csv(client, cirrus, tmp_path, case):
    """Key columns take the key's type, every other column is S, empty cells are omitted."""
    name, args, text, expected = CSV_CASES[case]
    path = tmp_path / name
    path.write_bytes(text.encode())
    table = unique("csv")
    summary_line(cirrus("import", "--table", table, "--in", path, *args), "imported")
    keys = [k.split(":")[0] for k in args[args.index("--key") + 1].split(",")]
    assert_holds(client, table, expected, keys)
    got = keyed(scan(client, table), keys)
    assert got == keyed(expected, keys)  # the numbers' text too, as the server normalizes it


def test_import_csv_types_index_keys_of_an_existing_table(client, cirrus, tmp_path):
    """A GSI's key attribute takes its AttributeDefinition's type too; the import maintains
    the index."""
    table = unique("csvgsi")
    client.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "score", "AttributeType": "N"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-score",
                                 "KeySchema": [{"AttributeName": "score", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}])
    client.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1})
    path = tmp_path / "scores.csv"
    path.write_text("pk,score,name\np1,10,ten\np2,20,twenty\np3,10,also ten\np4,,no score\n")
    summary_line(cirrus("import", "--table", table, "--in", path), "imported")
    expected = [{"pk": s("p1"), "score": n("10"), "name": s("ten")},
                {"pk": s("p2"), "score": n("20"), "name": s("twenty")},
                {"pk": s("p3"), "score": n("10"), "name": s("also ten")},
                {"pk": s("p4"), "name": s("no score")}]
    assert_holds(client, table, expected)
    got = client.query(TableName=table, IndexName="by-score",
                       KeyConditionExpression="score = :s",
                       ExpressionAttributeValues={":s": n("10")})["Items"]
    assert sorted(i["pk"]["S"] for i in got) == ["p1", "p3"]

    # DynamoDB JSON gives types itself: an index key of the wrong type is a skipped record.
    path = write_file(tmp_path / "scores.json", [
        json_line({"pk": s("p5"), "score": n("30")}),
        json_line({"pk": s("p6"), "score": s("thirty")})])
    proc = cirrus("import", "--table", table, "--in", path, "--error-log", tmp_path / "e.jsonl",
                  code=2)
    entry, = read_error_log(error_log_path(proc))
    assert entry["line"] == 2 and "by-score" in entry["error"] and "mismatch" in entry["error"]
    assert_holds(client, table, expected + [{"pk": s("p5"), "score": n("30")}])


def test_import_a_directory_of_data_files(client, cirrus, tmp_path):
    """Every data file under the directory (subdirectories too), each file's compression by
    its first bytes, the format by its name."""
    def item(i):
        return {"pk": s("d%02d" % i), "v": n(str(i))}

    folder = tmp_path / "in"
    write_file(folder / "a.json", [json_line(item(i)) for i in range(0, 3)])
    write_file(folder / "b.json.gz", [json_line(item(i)) for i in range(3, 6)], "gzip")
    write_file(folder / "sub" / "c.json", [json_line(item(i)) for i in range(6, 8)])
    write_file(folder / "d.ion", ['$ion_1_0 {Item:{pk:"d%02d",v:%d.}}' % (i, i)
                                  for i in range(8, 10)])
    files, count = 4, 10
    if ZSTD:
        write_file(folder / "e.json.zst", [json_line(item(i)) for i in range(10, 12)], "zstd")
        files, count = 5, 12
    table = unique("dir")
    line = summary_line(cirrus("import", "--table", table, "--key", "pk:S", "--in", folder),
                        "imported")
    assert line.startswith("imported %d items into %s from %d files" % (count, table, files))
    assert_holds(client, table, [item(i) for i in range(count)])


def make_aws_export(root, files):
    """An export folder as AWS writes it to s3://my-bucket/exports/: keys under the prefix,
    gzip data files, a JSON Lines manifest, .md5 files. `files`: a list of item lists (an
    empty one stands for an empty partition's file). Returns the export folder."""
    export_id = "01704067200000-1a2b3c4d"
    prefix = "exports/AWSDynamoDB/" + export_id
    folder = root / prefix
    (folder / "data").mkdir(parents=True)
    (folder / "_started").write_bytes(b"")
    entries = []
    for i, items in enumerate(files):
        key = "%s/data/%s.json.gz" % (prefix, "abcdefghijklmnopqrstuvwxy%d" % i)
        path = write_file(root / key, [json_line(item) for item in items], "gzip")
        md5_base64, md5_hex = md5s(path)
        entries.append(json.dumps({"itemCount": len(items), "md5Checksum": md5_base64,
                                   "etag": md5_hex, "dataFileS3Key": key}))
    (folder / "manifest-files.json").write_text("\n".join(entries) + "\n")
    summary = {
        "version": "2020-06-30",
        "exportArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Books/export/" + export_id,
        "startTime": "2024-01-01T00:00:00.000Z", "endTime": "2024-01-01T00:05:00.000Z",
        "tableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Books",
        "tableId": "6f9619ff-8b86-d011-b42d-00c04fc964ff",
        "exportTime": "2024-01-01T00:00:00.000Z", "s3Bucket": "my-bucket",
        "s3Prefix": "exports", "s3SseAlgorithm": "AES256", "s3SseKmsKeyId": None,
        "manifestFilesS3Key": prefix + "/manifest-files.json", "billedSizeBytes": 0,
        "itemCount": sum(len(items) for items in files), "outputFormat": "DYNAMODB_JSON"}
    (folder / "manifest-summary.json").write_text(json.dumps(summary))
    for name in ("manifest-summary", "manifest-files"):
        (folder / (name + ".md5")).write_text(md5s(str(folder / (name + ".json")))[0])
    return folder


@pytest.mark.parametrize("given", ["export folder", "its parent"])
def test_import_an_aws_export_folder(client, cirrus, tmp_path, given):
    books = [{"Id": n(str(100 + i)), "Title": s("Book %d" % i), "Authors": {"SS": ["A1", "A2"]},
              "InPrint": {"BOOL": i % 2 == 0}} for i in range(30)]
    folder = make_aws_export(tmp_path, [books[:10], [], books[10:]])
    table = unique("aws")
    path = folder if given == "export folder" else tmp_path / "exports"
    line = summary_line(cirrus("import", "--table", table, "--key", "Id:N", "--in", path),
                        "imported")
    assert line.startswith("imported 30 items into %s from 3 files" % table)
    assert_holds(client, table, books, ("Id",))


# --- 4. Bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("log_option", ["--error-log", "default"])
def test_bad_json_records_are_skipped_and_logged(client, cirrus, server, tmp_path, log_option):
    at_limit = {"pk": s("at-limit"), "data": s("")}
    at_limit["data"]["S"] = "x" * (MAX_ITEM_SIZE - item_size(at_limit))
    good = [{"pk": s("g1"), "v": n("1")}, {"pk": s("g2"), "ss": {"SS": ["a", "b"]}},
            {"pk": s("g3")}, at_limit]
    lines = [
        json_line(good[0]),                                              # 1
        '{"Item":{"pk":{"S":"malformed"}',                               # 2 not JSON
        '{"Itme":{"pk":{"S":"wrong-wrapper"}}}',                         # 3
        '{"Item":{"pk":{"S":"extra"}},"Other":{}}',                      # 4
        json_line({"pk": s("too-big"), "data": s("x" * MAX_ITEM_SIZE)}),  # 5
        '{"Item":{"other":{"S":"no key"}}}',                             # 6
        '{"Item":{"pk":{"N":"1"}}}',                                     # 7 wrong key type
        '{"Item":{"pk":{"S":"empty-set"},"s":{"SS":[]}}}',               # 8
        '{"Item":{"pk":{"S":"overflow"},"n":{"N":"1e999"}}}',            # 9
        '{"Item":{"pk":{"S":"not-a-number"},"n":{"N":"abc"}}}',          # 10
        '{"Item":{"pk":{"S":"dup-ss"},"s":{"SS":["a","a"]}}}',           # 11
        '{"Item":{"pk":{"S":"dup-ns"},"s":{"NS":["1","1.0"]}}}',         # 12
        '',                                                              # 13 blank: no record
        json_line(good[1]),                                              # 14
        '[{"Item":{"pk":{"S":"array"}}}]',                               # 15
        '{"Item":{"pk":{"S":""}}}',                                      # 16 empty key
        json_line(good[2]),                                              # 17
        '{"Item":{"pk":{"S":"dup-bs"},"b":{"BS":["AQ==","AQ=="]}}}',     # 18
        json_line(at_limit),                                             # 19
    ]
    path = write_file(tmp_path / "bad.json", lines)
    table = unique("bad")
    args = ["--table", table, "--key", "pk:S", "--in", path]
    if log_option == "--error-log":
        args += ["--error-log", tmp_path / "errors.jsonl"]
    proc = cirrus("import", *args, code=2)
    line = summary_line(proc, "imported")
    assert line.startswith("imported 4 items into %s from 1 files (18 records" % table)
    assert line.endswith("; 14 skipped")
    log = error_log_path(proc)
    assert "14 records skipped" in proc.stderr
    if log_option == "--error-log":
        assert log == str(tmp_path / "errors.jsonl")
    else:
        assert os.path.dirname(log) == server.data_dir
        assert os.path.basename(log).startswith("import-errors-%s-" % table)
        assert log.endswith(".jsonl")
    entries = read_error_log(log)
    assert [e["line"] for e in entries] == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 16, 18]
    assert all(e["file"].endswith("bad.json") for e in entries)
    errors = {e["line"]: e["error"].lower() for e in entries}
    for line_number, words in {5: ["size"], 6: ["missing", "pk"], 7: ["type"], 8: ["empty"],
                               9: ["overflow"], 10: ["numeric"], 11: ["duplicates"],
                               12: ["duplicates"], 16: ["empty"], 18: ["duplicates"]}.items():
        for word in words:
            assert word in errors[line_number], (line_number, errors[line_number])
    assert_holds(client, table, good)


BAD_RECORDS = {
    "csv": ("bad.csv", "Id:N",
            'Id,name\n'            # 1 header
            '1,"two\nlines"\n'      # 2-3
            'abc,bad key\n'         # 4: not a number
            '3,ok\n'                # 5
            '4,x,extra\n'           # 6: a field more than the header
            ',no key\n'             # 7: the key's cell is empty
            '5,"a "quote" inside"\n'  # 8: a bare quote inside a quoted field
            '6,last\n'              # 9
            '7,"unclosed\n',        # 10
            [{"Id": n("1"), "name": s("two\nlines")}, {"Id": n("3"), "name": s("ok")},
             {"Id": n("6"), "name": s("last")}],
            [4, 6, 7, 8, 10]),
    "ion": ("bad.ion", "Id:N",
            '$ion_1_0 {Item:{Id:1.}}\n'                                  # 1
            '$ion_1_0 {Item:{Id:"x"}}\n'                                 # 2: key type
            '$ion_1_0 {Item:{Id:2.,S:$dynamodb_SS::[]}}\n'               # 3: empty set
            'not ion at all {\n'                                         # 4
            '$ion_1_0 {Itm:{Id:3.}}\n'                                   # 5: no Item
            '$ion_1_0 {Item:{Id:4.,N:1d999}}\n'                          # 6: overflow
            '$ion_1_0 {Item:{Id:5.,S:$dynamodb_SS::["a","a"]}}\n'        # 7: duplicates
            '$ion_1_0 {Item:{Id:6.,T:2024-01-01T}}\n'                    # 8: a timestamp
            '$ion_1_0 {Item:{Id:7.}} trailing\n'                         # 9
            '$ion_1_0 {Item:{Id:8.,Id:9.}}\n'                            # 10: a name twice
            '$ion_1_0 {Item:{Id:10.}}\n',                                # 11
            [{"Id": n("1")}, {"Id": n("10")}],
            [2, 3, 4, 5, 6, 7, 8, 9, 10]),
}


def test_a_stray_quote_in_a_csv_field_spoils_only_its_row(client, cirrus, tmp_path):
    """A quote inside an unquoted field opens no quoted field: the row ends at its line
    break like any other, is skipped, and the rows after it are imported."""
    path = tmp_path / "quote.csv"
    path.write_text('id,name\n1,6" tall\n2,ok\n3,fine\n4,"x"\n5,five\n')
    table = unique("strayquote")
    proc = cirrus("import", "--table", table, "--key", "id:N", "--in", path,
                  "--error-log", tmp_path / "errors.jsonl", code=2)
    assert summary_line(proc, "imported").startswith(
        "imported 4 items into %s from 1 files (5 records" % table)
    assert [e["line"] for e in read_error_log(error_log_path(proc))] == [2]
    assert_holds(client, table, [{"id": n("2"), "name": s("ok")}, {"id": n("3"), "name": s("fine")},
                                 {"id": n("4"), "name": s("x")}, {"id": n("5"), "name": s("five")}],
                 ("id",))


@pytest.mark.parametrize("case", sorted(BAD_RECORDS))
def test_bad_csv_and_ion_records_are_skipped_with_their_line(client, cirrus, tmp_path, case):
    name, key, text, expected, bad_lines = BAD_RECORDS[case]
    path = tmp_path / name
    path.write_bytes(text.encode())
    table = unique("bad" + case)
    proc = cirrus("import", "--table", table, "--key", key, "--in", path,
                  "--error-log", tmp_path / "errors.jsonl", code=2)
    assert summary_line(proc, "imported").endswith("; %d skipped" % len(bad_lines))
    entries = read_error_log(error_log_path(proc))
    assert [e["line"] for e in entries] == bad_lines, entries
    assert_holds(client, table, expected, ("Id",))


def test_truncated_gzip_stops_the_import_and_keeps_what_came_before(client, cirrus, tmp_path):
    items = [{"pk": s("t%05d" % i), "v": n(str(i)), "w": s(hashlib.md5(b"%d" % i).hexdigest())}
             for i in range(20000)]
    whole = gzip.compress("".join(json_line(i) + "\n" for i in items).encode())
    cut = whole[:len(whole) * 6 // 10]
    path = tmp_path / "cut.json.gz"
    path.write_bytes(cut)
    # What a gzip reader gets out of the cut file: its complete lines are the items before it.
    readable = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(cut)
    before = readable.count(b"\n")
    assert 0 < before < len(items)

    table = unique("cut")
    proc = cirrus("import", "--table", table, "--key", "pk:S", "--in", path, "--batch", 1000,
                  code=1)
    assert "truncated" in proc.stderr
    assert "%d items were imported before it" % before in proc.stderr
    assert_holds(client, table, items[:before])


def test_a_fatal_error_after_skipped_records_still_names_the_error_log(client, cirrus,
                                                                       tmp_path):
    """The records skipped before a truncated file stopped the import are in the error log,
    and stderr says where it is, as when the import completes."""
    lines = ['{"Item":{"pk":{"S":"broken"}'] + [
        json_line({"pk": s("f%05d" % i), "w": s(hashlib.md5(b"%d" % i).hexdigest())})
        for i in range(20000)]
    whole = gzip.compress("".join(line + "\n" for line in lines).encode())
    path = tmp_path / "cut.json.gz"
    path.write_bytes(whole[:len(whole) // 2])
    log = tmp_path / "errors.jsonl"
    proc = cirrus("import", "--table", unique("cutlog"), "--key", "pk:S", "--in", path,
                  "--error-log", log, code=1)
    assert "truncated" in proc.stderr
    entry, = read_error_log(str(log))
    assert entry["line"] == 1
    assert str(log) in proc.stderr, proc.stderr


@pytest.fixture(scope="module")
def small_table(client):
    """(name, items): a table of 20 items, pk S."""
    name = create_table(client, unique("small"))
    items = [{"pk": s("i%02d" % i), "v": n(str(i)), "Title": s("Book %d" % i)}
             for i in range(20)]
    batch_put(client, name, items)
    return name, items


def assert_absent_or_empty(client, table):
    try:
        assert scan_count(client, table) == 0
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == "ResourceNotFoundException"


def test_manifest_listing_a_missing_data_file_fails(client, cirrus, small_table, tmp_path):
    source, _ = small_table
    folder = export_table(cirrus, source, tmp_path / "out", "--files", 3)
    data = check_export(tmp_path / "out", folder, table_arn(client, source), 20, files=3)
    gone = next(path for path, count in data if count > 0)
    os.remove(gone)
    table = unique("nofile")
    proc = cirrus("import", "--table", table, "--key", "pk:S", "--in", folder, code=1)
    assert os.path.basename(gone) in proc.stderr
    assert "missing" in proc.stderr
    assert_absent_or_empty(client, table)


def test_checksum_mismatch_fails(client, cirrus, small_table, tmp_path):
    source, _ = small_table
    folder = export_table(cirrus, source, tmp_path / "out", "--files", 2, "--compress", "none")
    data = check_export(tmp_path / "out", folder, table_arn(client, source), 20, gzipped=False,
                        files=2)
    path = next(path for path, count in data if count > 0)
    with open(path) as f:
        text = f.read()
    assert "Book " in text
    with open(path, "w") as f:
        f.write(text.replace("Book ", "Boox ", 1))  # one byte changed, still valid records
    table = unique("tampered")
    proc = cirrus("import", "--table", table, "--key", "pk:S", "--in", folder, code=1)
    assert "checksum" in proc.stderr.lower()
    assert os.path.basename(path) in proc.stderr
    assert_absent_or_empty(client, table)


def test_a_directory_of_several_exports_is_ambiguous(client, cirrus, small_table, tmp_path):
    source, _ = small_table
    export_table(cirrus, source, tmp_path / "first")
    shutil.copytree(str(tmp_path / "first"), str(tmp_path / "both"))
    export_table(cirrus, source, tmp_path / "second")
    second, = os.listdir(str(tmp_path / "second" / "AWSDynamoDB"))
    shutil.copytree(str(tmp_path / "second" / "AWSDynamoDB" / second),
                    str(tmp_path / "both" / "AWSDynamoDB" / second))
    table = unique("ambiguous")
    proc = cirrus("import", "--table", table, "--key", "pk:S", "--in", tmp_path / "both", code=1)
    assert second in proc.stderr and "several exports" in proc.stderr
    assert_absent_or_empty(client, table)


def test_missing_table_needs_key_and_key_must_match(client, cirrus, small_table, tmp_path):
    source, items = small_table
    path = write_file(tmp_path / "one.json", [json_line({"pk": s("i00"), "v": n("-1")})])
    missing = unique("missing")
    proc = cirrus("import", "--table", missing, "--in", path, code=1)
    assert missing in proc.stderr and "--key" in proc.stderr
    assert_absent_or_empty(client, missing)
    for key in ("pk:N", "pk:S,sk:N", "id:S"):
        proc = cirrus("import", "--table", source, "--key", key, "--in", path, code=1)
        assert "pk:S" in proc.stderr, proc.stderr
    assert_holds(client, source, items)  # untouched
    for bad in ("pk", "pk:X", "pk:S,pk:N", "a:S,b:N,c:S"):
        proc = cirrus("import", "--table", unique("badkey"), "--key", bad, "--in", path, code=1)
        assert "--key" in proc.stderr, proc.stderr
    for name in ("ab", "a b", "x" * 256, "é-table"):  # DynamoDB: [a-zA-Z0-9_.-]{3,255}
        proc = cirrus("import", "--table", name, "--key", "pk:S", "--in", path, code=1)
        assert "table name" in proc.stderr, proc.stderr


def test_import_into_an_existing_table_is_an_upsert(client, cirrus, tmp_path):
    table = create_table(client, unique("upsert"))
    batch_put(client, table, [{"pk": s("a"), "v": n("1"), "old": s("gone after")},
                              {"pk": s("b"), "v": n("1")}])
    path = write_file(tmp_path / "upsert.json", [
        json_line({"pk": s("a"), "v": n("2"), "new": s("x")}),
        json_line({"pk": s("c"), "v": n("3")}),
        json_line({"pk": s("c"), "v": n("4")}),  # the same key again: the later record wins
    ])
    proc = cirrus("import", "--table", table, "--in", path)
    assert summary_line(proc, "imported").startswith("imported 3 items into %s" % table)
    assert_holds(client, table, [{"pk": s("a"), "v": n("2"), "new": s("x")},
                                 {"pk": s("b"), "v": n("1")},
                                 {"pk": s("c"), "v": n("4")}])
    # Given --key, it must match, and then the same.
    cirrus("import", "--table", table, "--key", "pk:S", "--in", path)
    assert scan_count(client, table) == 3


# --- 5. Interrupted import --------------------------------------------------------------------

def test_killed_import_leaves_whole_batches_and_a_rerun_completes_it(client, server, cirrus,
                                                                     tmp_path):
    count = 300_000
    path = write_file(tmp_path / "many.json", ('{"Item":{"pk":{"S":"k%06d"},"v":{"N":"%d"}}}'
                                               % (i, i) for i in range(count)))
    table = unique("killed")
    other = create_table(client, unique("other"))
    proc = subprocess.Popen([CIRRUS, "import", "--data-dir", server.data_dir, "--table", table,
                             "--key", "pk:S", "--in", path, "--batch", "1000", "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while proc.poll() is None:  # until the server shows some of its items
            try:
                if client.scan(TableName=table, Limit=1)["Items"]:
                    break
            except botocore.exceptions.ClientError as e:
                assert e.response["Error"]["Code"] == "ResourceNotFoundException"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the import ended before it could be killed"

    seen = scan_count(client, table)
    assert 0 < seen and seen % 1000 == 0, "%d items: a batch was torn" % seen
    # A commit the import finished as it was killed (LMDB wrote its meta page, not yet the
    # lock file's last transaction id) shows only once the next writer takes over LMDB's
    # write lock: the server's next write, here to another table, settles what is visible.
    client.put_item(TableName=other, Item={"pk": s("settles")})
    written = scan_count(client, table)
    assert seen <= written < count
    assert written % 1000 == 0, "%d items: a batch was torn" % written
    assert item_count(client, table, written) == written

    proc = cirrus("import", "--table", table, "--key", "pk:S", "--in", path, "--batch", 1000)
    assert summary_line(proc, "imported").startswith("imported %d items" % count)
    assert scan_count(client, table) == count
    assert item_count(client, table, count) == count
    assert client.get_item(TableName=table, Key={"pk": s("k%06d" % (count - 1))})["Item"] == \
        {"pk": s("k%06d" % (count - 1)), "v": n(str(count - 1))}


# --- Offline: no server running -------------------------------------------------------------

def test_offline_import_and_export_then_a_server_serves_them(tmp_path):
    """The CLI's first use: load a data directory with no server running, serve it later; a
    restart keeps what an import wrote beside a running server."""
    data_dir = str(tmp_path / "data")
    items = [{"pk": s("o%03d" % i), "v": n(str(i))} for i in range(250)]
    path = write_file(tmp_path / "o.json.gz", [json_line(i) for i in items], "gzip")

    def cli(*args):
        proc = subprocess.run([CIRRUS] + [str(a) for a in args] + ["--data-dir", data_dir],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc

    cli("import", "--table", "offline", "--key", "pk:S", "--in", path)  # creates the directory
    folder = export_table(cli, "offline", tmp_path / "out")
    cli("import", "--table", "offline-copy", "--key", "pk:S", "--in", folder)
    server = Server("--sync", "none", data_dir=data_dir).start()
    try:
        c = make_client(server.url)
        assert sorted(c.list_tables()["TableNames"]) == ["offline", "offline-copy"]
        assert_holds(c, "offline", items)
        assert_holds(c, "offline-copy", items)
        more = [{"pk": s("m%03d" % i)} for i in range(40)]
        write_file(tmp_path / "more.json", [json_line(i) for i in more])
        cli("import", "--table", "offline", "--in", tmp_path / "more.json")  # server running
        assert_holds(c, "offline", items + more)
    finally:
        assert server.stop() == 0
    with Server("--sync", "none", data_dir=data_dir) as server:
        assert_holds(make_client(server.url), "offline", items + more)


# --- 6. tables, --help, progress display --------------------------------------------------------

def test_tables_lists_imported_tables_with_counts(client, cirrus, tmp_path):
    table = unique("listed")
    path = write_file(tmp_path / "l.json", [json_line({"pk": s("p%d" % i), "sk": n(str(i))})
                                            for i in range(7)])
    cirrus("import", "--table", table, "--key", "pk:S,sk:N", "--in", path)
    proc = cirrus("tables")
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["TABLE", "KEY", "ITEMS", "BYTES"]
    row, = [line.split() for line in lines[1:] if line.split()[0] == table]
    assert row[1:3] == ["pk:S,sk:N", "7"]
    assert int(row[3]) > 0


@pytest.mark.parametrize("subcommand, flags", [
    ("export", ["--data-dir", "--table", "--out", "--format", "--compress", "--files",
                "--quiet"]),
    ("import", ["--data-dir", "--table", "--in", "--format", "--compress", "--key",
                "--csv-header", "--csv-delimiter", "--error-log", "--batch", "--quiet"]),
    ("tables", ["--data-dir"]),
])
def test_help_of_each_subcommand(subcommand, flags):
    proc = subprocess.run([CIRRUS, subcommand, "--help"], capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 0
    for flag in flags:
        assert flag in proc.stdout, flag


def test_usage_errors_exit_1():
    """`cirrus --help`: "Exit codes: 0 done; 1 error (message on stderr)"."""
    for args in ([], ["import", "--table", "t"], ["export", "--out", "/tmp/x"],
                 ["import", "--table", "t", "--in", "x", "--batch", "0"], ["nonsense"]):
        proc = subprocess.run([CIRRUS] + args, capture_output=True, text=True, timeout=30)
        assert proc.returncode == 1, (args, proc.returncode, proc.stderr)
        assert proc.stderr.strip()


def run_on_terminal(args):
    """Runs a command with stderr on a pseudo-terminal; returns (exit code, stdout, stderr).
    The terminal stays open here until the command ended, so that nothing it wrote is lost."""
    master, slave = pty.openpty()
    out, err = [], []
    try:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=slave)
        stdout_open = True
        while True:
            ready = select.select([master] + ([proc.stdout] if stdout_open else []), [], [],
                                  0.2)[0]
            if master in ready:
                err.append(os.read(master, 65536))
            if proc.stdout in ready:
                out.append(os.read(proc.stdout.fileno(), 65536))
                stdout_open = out[-1] != b""
            if not ready and not stdout_open and proc.poll() is not None:
                break
        proc.stdout.close()
    finally:
        os.close(slave)
        os.close(master)
    return proc.wait(), b"".join(out).decode(), b"".join(err).decode()


def test_progress_only_on_a_terminal_and_not_when_quiet(server, cirrus, tmp_path):
    count = 10_000  # the display is redrawn every few thousand records
    path = write_file(tmp_path / "p.json", [json_line({"pk": s("p%d" % i)}) for i in range(count)])
    base = [CIRRUS, "import", "--data-dir", server.data_dir, "--key", "pk:S", "--in", str(path)]
    summary = "imported %d items" % count
    code, stdout, stderr = run_on_terminal(base + ["--table", unique("tty")])
    assert code == 0
    assert "\r" in stderr and "importing" in stderr  # the progress display
    assert stdout.startswith(summary) and "\r" not in stdout

    code, stdout, stderr = run_on_terminal(base + ["--table", unique("quiet"), "--quiet"])
    assert code == 0 and stderr == "" and stdout.startswith(summary)

    # Not a terminal (captured), with and without --quiet: the summary line alone.
    for quiet in ([], ["--quiet"]):
        proc = cirrus("import", "--table", unique("pipe"), "--key", "pk:S", "--in", path, *quiet)
        assert summary_line(proc, "imported").startswith(summary)
        assert proc.stderr == ""


def test_export_progress_only_on_a_terminal_and_not_when_quiet(server, cirrus, tmp_path):
    count = 30_000  # a few MB: the display is redrawn every MB written
    table = unique("exprogress")
    path = write_file(tmp_path / "e.json", [json_line({"pk": s("e%05d" % i), "x": s("y" * 40)})
                                            for i in range(count)])
    cirrus("import", "--table", table, "--key", "pk:S", "--in", path)
    base = [CIRRUS, "export", "--data-dir", server.data_dir, "--table", table]
    summary = "exported %d items of %s" % (count, table)
    code, stdout, stderr = run_on_terminal(base + ["--out", str(tmp_path / "tty")])
    assert code == 0
    assert "\r" in stderr and "exporting" in stderr
    assert stdout.startswith(summary) and "\r" not in stdout

    code, stdout, stderr = run_on_terminal(base + ["--out", str(tmp_path / "quiet"), "--quiet"])
    assert code == 0 and stderr == "" and stdout.startswith(summary)

    for i, quiet in enumerate(([], ["--quiet"])):
        proc = cirrus("export", "--table", table, "--out", tmp_path / ("pipe%d" % i), *quiet)
        assert summary_line(proc, "exported").startswith(summary)
        assert proc.stderr == ""


# --- 7. The AWS CLI -----------------------------------------------------------------------------

@pytest.mark.skipif(not os.access(AWS, os.X_OK), reason="no AWS CLI at " + AWS)
def test_aws_cli_sees_an_imported_table(aws, cirrus, tmp_path):
    table = unique("awscli")
    path = write_file(tmp_path / "a.json.gz", [json_line({"pk": s("a%04d" % i), "v": n(str(i))})
                                               for i in range(2500)], "gzip")
    cirrus("import", "--table", table, "--key", "pk:S", "--in", path)
    counted = aws("scan", "--table-name", table, "--select", "COUNT")
    assert counted["Count"] == 2500 and counted["ScannedCount"] == 2500
    assert table in aws("list-tables")["TableNames"]
    got = aws("get-item", "--table-name", table, "--key", '{"pk":{"S":"a0042"}}')
    assert got["Item"] == {"pk": {"S": "a0042"}, "v": {"N": "42"}}
