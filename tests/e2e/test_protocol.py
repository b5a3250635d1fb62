"""The wire protocol, with hand-made HTTP requests: framing, headers, CRC, authentication
header checks, malformed bodies, the 16 MB body limit, CORS.

Rules: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html, Programming.Errors.html and
ServiceQuotas.html.
"""
import http.client
import json
import socket
import threading
import urllib.parse
import zlib

import pytest

from conftest import AUTH, unique


def assert_alive(raw):
    """The server still answers a well-formed request."""
    r = raw("ListTables", {"Limit": 1})
    assert r.status == 200, r.body
    assert "TableNames" in r.json()


def assert_crc(r):
    assert r.headers["x-amz-crc32"] == str(zlib.crc32(r.body))


# --- Health, headers, CRC -------------------------------------------------------------------

def test_health_check(raw, endpoint):
    """GET / answers 200 'healthy: HOST ' with the address the client used, as DynamoDB's
    'healthy: dynamodb.<region>.amazonaws.com '; other paths are not found."""
    r = raw(method="GET", body=b"", headers={"Content-Type": None, "Authorization": None})
    assert r.status == 200
    assert r.body == ("healthy: %s " % urllib.parse.urlparse(endpoint).netloc).encode()
    assert r.headers["server"] == "Server"
    r = raw(method="GET", body=b"", path="/elsewhere", headers={"Content-Type": None, "Authorization": None})
    assert 400 <= r.status < 500


def test_writer_stats_count_group_commits(raw, hash_table, key):
    """GET /cirrus/stats (ours, not DynamoDB's): batches and the commits that carried them."""
    def stats():
        r = raw(method="GET", body=b"", path="/cirrus/stats",
                headers={"Content-Type": None, "Authorization": None})
        assert r.status == 200
        assert r.headers["content-type"] == "application/json"
        return json.loads(r.body)
    before = stats()
    for i in range(3):
        assert raw("PutItem", {"TableName": hash_table, "Item": {"pk": {"S": key + str(i)}}}).status == 200
    after = stats()
    batches = after["WriterBatches"] - before["WriterBatches"]
    assert batches >= 3  # background work (trim, trigger checkpoints) may add its own
    assert 1 <= after["WriterCommits"] - before["WriterCommits"] <= batches


def test_success_headers_and_crc(raw):
    r = raw("ListTables", {})
    assert r.status == 200
    assert r.headers["x-amzn-requestid"]
    assert r.headers["server"] == "Server"
    assert_crc(r)
    assert r.headers["content-type"] == "application/x-amz-json-1.0"
    assert int(r.headers["content-length"]) == len(r.body)


def test_crc_of_empty_object(raw, hash_table, key):
    """Test vector: '{}' -> 2745614147 (a PutItem answer)."""
    r = raw("PutItem", {"TableName": hash_table, "Item": {"pk": {"S": key}}})
    assert r.status == 200
    assert r.body == b"{}"
    assert r.headers["x-amz-crc32"] == "2745614147"


def test_crc_of_large_body_with_unicode(raw, hash_table, key):
    value = "é😀\u2028" * 20000
    r = raw("PutItem", {"TableName": hash_table, "Item": {"pk": {"S": key}, "v": {"S": value}}})
    assert r.status == 200
    r = raw("GetItem", {"TableName": hash_table, "Key": {"pk": {"S": key}}})
    assert r.status == 200
    assert_crc(r)
    assert r.json()["Item"]["v"]["S"] == value


def test_error_headers_and_crc(raw):
    r = raw("DescribeTable", {"TableName": unique("missing")})
    assert r.status == 400
    assert r.headers["x-amzn-requestid"]
    assert_crc(r)
    assert r.error_type == "ResourceNotFoundException"
    body = r.json()
    assert body["__type"] == "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
    assert "message" in body  # lower-case key, as DynamoDB


def test_validation_error_shape(raw):
    r = raw("ListTables", {"Limit": 1000})
    assert r.status == 400
    assert_crc(r)
    body = r.json()
    assert body["__type"] == "com.amazon.coral.validate#ValidationException"
    assert body["message"] == ("1 validation error detected: Value '1000' at 'limit' failed to "
                               "satisfy constraint: Member must have value less than or equal "
                               "to 100")


def test_request_ids_are_unique(raw):
    ids = {raw("ListTables", {}).headers["x-amzn-requestid"] for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize("content_type", ["application/x-amz-json-1.0", "application/json"])
def test_content_type_echoed(raw, content_type):
    r = raw("ListTables", {}, headers={"Content-Type": content_type})
    assert r.status == 200
    assert r.headers["content-type"] == content_type
    r = raw("DescribeTable", {"TableName": unique("missing")},
            headers={"Content-Type": content_type})
    assert r.status == 400
    assert r.headers["content-type"] == content_type
    assert_crc(r)


def test_content_type_parameters_ignored(raw):
    r = raw("ListTables", {}, headers={"Content-Type": "application/x-amz-json-1.0; charset=utf-8"})
    assert r.status == 200
    assert r.headers["content-type"].startswith("application/x-amz-json-1.0")


def test_keep_alive_connection_serves_many_requests(endpoint):
    parsed = urllib.parse.urlparse(endpoint)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    try:
        for _ in range(5):
            conn.request("POST", "/", body="{}", headers={
                "Content-Type": "application/x-amz-json-1.0", "X-Amz-Date": "20240101T000000Z",
                "Authorization": AUTH, "X-Amz-Target": "DynamoDB_20120810.ListTables"})
            resp = conn.getresponse()
            body = resp.read()
            assert resp.status == 200 and "TableNames" in json.loads(body)
    finally:
        conn.close()


# --- Targets and framing --------------------------------------------------------------------

@pytest.mark.parametrize("target", [
    "DynamoDB_20120810.NoSuchOperation",
    "DynamoDB_20120810.listtables",          # operation names are case-sensitive
    "DynamoDB_20111205.ListTables",          # wrong API version prefix
    "ListTables",                            # no prefix at all (sent as is)
], ids=["unknown", "case", "version", "no-prefix"])
def test_unknown_operation(raw, target):
    r = raw(body="{}", headers={"X-Amz-Target": target})
    assert r.status == 400
    assert r.error_type == "UnknownOperationException"
    assert r.json() == {"__type": "com.amazon.coral.service#UnknownOperationException",
                        "message": "An unknown operation was requested."}
    assert_crc(r)
    assert_alive(raw)


def test_missing_target(raw):
    r = raw(body="{}")
    assert r.status == 400
    assert r.error_type == "UnknownOperationException"


def test_not_a_json_post(raw):
    """Non-POST or non-JSON requests: 404 <UnknownOperationException/>."""
    r = raw("ListTables", "{}", headers={"Content-Type": "text/plain"})
    assert r.status == 404
    assert b"UnknownOperationException" in r.body
    r = raw("ListTables", b"", method="GET", path="/other")
    assert r.status == 404
    assert_alive(raw)


def test_cors_origin(raw):
    r = raw("ListTables", {}, headers={"Origin": "http://example.com"})
    assert r.status == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert "x-amzn-RequestId" in r.headers["access-control-expose-headers"]
    r = raw("DescribeTable", {"TableName": unique("missing")}, headers={"Origin": "http://x"})
    assert r.status == 400
    assert r.headers["access-control-allow-origin"] == "*"
    r = raw("ListTables", {})
    assert "access-control-allow-origin" not in r.headers


def test_cors_preflight(raw):
    r = raw(method="OPTIONS", body=b"", headers={
        "Origin": "http://example.com", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-amz-target", "Authorization": None,
        "Content-Type": None})
    assert r.status == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["access-control-allow-methods"] == "POST"
    assert r.headers["access-control-allow-headers"] == "content-type,x-amz-target"


# --- Authentication header ------------------------------------------------------------------

def test_missing_authorization(raw):
    r = raw("ListTables", {}, headers={"Authorization": None})
    assert r.status == 400
    assert r.error_type == "MissingAuthenticationTokenException"
    assert r.message == "Request is missing Authentication Token"
    assert_crc(r)


@pytest.mark.parametrize("authorization,missing", [
    ("AWS4-HMAC-SHA256 garbage", ["Credential", "Signature", "SignedHeaders"]),
    ("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, "
     "SignedHeaders=host", ["Signature"]),
    ("Bearer abc", ["Credential", "Signature", "SignedHeaders"]),
], ids=["garbage", "no-signature", "not-sigv4"])
def test_malformed_signature_header(raw, authorization, missing):
    r = raw("ListTables", {}, headers={"Authorization": authorization})
    assert r.status == 400
    assert r.error_type == "IncompleteSignatureException"
    for part in missing:
        assert "Authorization header requires '%s' parameter." % part in r.message
    assert_alive(raw)


def test_missing_date_header(raw):
    r = raw("ListTables", {}, headers={"X-Amz-Date": None})
    assert r.status == 400
    assert r.error_type == "IncompleteSignatureException"
    assert ("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
            "header.") in r.message


def test_bad_credential_scope(raw):
    r = raw("ListTables", {}, headers={"Authorization": AUTH.replace("aws4_request", "aws5")})
    assert r.status == 400
    assert r.error_type in ("IncompleteSignatureException", "InvalidSignatureException")


# --- Malformed bodies -----------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    "",
    '{"TableName": "abc"',
    '{"TableName": }',
    "[]",
    '["ListTables"]',
    '"just a string"',
    "42",
    "null",
    "{} {}",
    "\xff\xfe",
    "[" * 10000 + "]" * 10000,
    '{"a":' * 10000 + "1" + "}" * 10000,
], ids=["empty", "truncated", "bad-value", "array", "array2", "string", "number", "null",
        "two-docs", "not-utf8", "deep-array", "deep-object"])
def test_malformed_json_is_serialization_exception(raw, body):
    r = raw("ListTables", body.encode("latin-1"))
    assert r.status == 400
    assert r.error_type == "SerializationException"
    assert_crc(r)
    assert_alive(raw)


@pytest.mark.parametrize("body", ["", '{"Limit": ', "{bad}", "{} {}"])
def test_invalid_json_has_no_message(raw, body):
    """Conformance fact P1: as DynamoDB, the SerializationException carries no message."""
    r = raw("ListTables", body)
    assert (r.status, r.error_type) == (400, "SerializationException")
    assert r.message is None


@pytest.mark.parametrize("operation,body,message", [
    ("DescribeTable", {"TableName": 5}, "NUMBER_VALUE cannot be converted to String"),
    ("DescribeTable", {"TableName": True}, "TRUE_VALUE cannot be converted to String"),
    ("DescribeTable", {"TableName": ["x"]}, "Start of list found where not expected"),
    ("ListTables", {"Limit": "5"}, "STRING_VALUE cannot be converted to Long"),
    ("GetItem", {"TableName": "abc", "Key": []}, "Start of list found where not expected"),
    ("GetItem", {"TableName": "abc", "Key": {"pk": {"S": 1}}},
     "NUMBER_VALUE cannot be converted to String"),
    # A non-string in a string list is a JSON type error too (conformance fact T4).
    ("GetItem", {"TableName": "abc", "Key": {"pk": {"S": "a"}}, "AttributesToGet": ["a", 123]},
     "NUMBER_VALUE cannot be converted to String"),
])
def test_wrong_json_types(raw, operation, body, message):
    """Wrong JSON type for a member: SerializationException, whose text is under the key
    'Message'."""
    r = raw(operation, body)
    assert r.status == 400
    assert r.error_type == "SerializationException"
    assert r.json()["__type"] == "com.amazon.coral.service#SerializationException"
    assert r.json()["Message"] == message
    assert_alive(raw)


def test_json_null_member_is_absent(raw):
    r = raw("ListTables", {"Limit": None, "ExclusiveStartTableName": None})
    assert r.status == 200


def test_missing_table_name(raw):
    r = raw("DescribeTable", {})
    assert r.status == 400
    assert r.error_type == "ValidationException"
    assert r.message == ("1 validation error detected: Value null at 'tableName' failed to "
                         "satisfy constraint: Member must not be null")


def test_empty_table_name_is_one_error(raw):
    """Conformance fact M8: only the length-1 error, not the 3..255 length and pattern too."""
    r = raw("PutItem", {"TableName": "", "Item": {"pk": {"S": "a"}}})
    assert (r.status, r.error_type) == (400, "ValidationException")
    assert r.message == ("1 validation error detected: Value '' at 'tableName' failed to satisfy "
                         "constraint: Member must have length greater than or equal to 1")


# --- Body size limit ------------------------------------------------------------------------

def post_big_body(endpoint, body):
    """POSTs `body` on a raw socket, reading the answer while still sending: the server may
    answer before the body is complete and close the connection. Returns the status line
    and headers (bytes), or what arrived."""
    parsed = urllib.parse.urlparse(endpoint)
    head = ("POST / HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/x-amz-json-1.0\r\n"
            "X-Amz-Target: DynamoDB_20120810.PutItem\r\nX-Amz-Date: 20240101T000000Z\r\n"
            "Authorization: %s\r\nContent-Length: %d\r\n\r\n"
            % (parsed.hostname, parsed.port, AUTH, len(body))).encode()
    sock = socket.create_connection((parsed.hostname, parsed.port), timeout=60)

    def send():
        try:
            sock.sendall(head + body)
        except OSError:
            pass  # the server stopped reading: expected once it has answered

    sender = threading.Thread(target=send)
    sender.start()
    received = b""
    try:
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    finally:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sender.join()
        sock.close()
    return received


def test_body_over_16_mb_is_413(endpoint, raw, hash_table):
    """Bodies over 16 MB: HTTP 413."""
    body = json.dumps({"TableName": hash_table, "Item": {"pk": {"S": "big"}, "x": {
        "S": "y" * (17 * 1024 * 1024)}}}).encode()
    answer = post_big_body(endpoint, body)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert_alive(raw)
    r = raw("GetItem", {"TableName": hash_table, "Key": {"pk": {"S": "big"}}})
    assert "Item" not in r.json()


def test_body_just_under_16_mb_is_read(raw, hash_table):
    """A body under the limit is parsed and validated (here: the item is too large)."""
    body = json.dumps({"TableName": hash_table, "Item": {"pk": {"S": "almost"}, "x": {
        "S": "y" * (16 * 1024 * 1024 - 200)}}})
    assert len(body) < 16 * 1024 * 1024
    r = raw("PutItem", body)
    assert r.status == 400
    assert r.error_type == "ValidationException"
    assert r.message == "Item size has exceeded the maximum allowed size"


# --- Content codings ---------------------------------------------------------------------------


def gzip_bytes(data, wbits=31):
    c = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return c.compress(data) + c.flush()


@pytest.mark.parametrize("coding,wbits", [("gzip", 31), ("deflate", 15), ("deflate", -15)])
def test_compressed_request_bodies(raw, hash_table, coding, wbits):
    pk = unique("gz")
    body = json.dumps({"TableName": hash_table, "Item": {"pk": {"S": pk}, "v": {"S": "x" * 5000}}}).encode()
    r = raw("PutItem", gzip_bytes(body, wbits), headers={"Content-Encoding": coding})
    assert r.status == 200, r.body
    r = raw("GetItem", {"TableName": hash_table, "Key": {"pk": {"S": pk}}})
    assert r.json()["Item"]["v"]["S"] == "x" * 5000


def test_bad_compressed_bodies_are_clear_errors(raw, hash_table):
    r = raw("ListTables", b"this is not gzip", headers={"Content-Encoding": "gzip"})
    assert r.status == 400 and b"Content-Encoding" in r.body
    r = raw("ListTables", gzip_bytes(b"{}")[:-4], headers={"Content-Encoding": "gzip"})
    assert r.status == 400
    r = raw("ListTables", b"{}", headers={"Content-Encoding": "br"})
    assert r.status == 415 and b"gzip" in r.body
    assert_alive(raw)


def test_compression_bomb_is_refused_without_inflating_it(raw):
    # 64 MB of JSON whitespace in about 64 KB: past the 16 MB limit once inflated.
    bomb = gzip_bytes(b"{" + b" " * (64 * 1024 * 1024) + b"}")
    assert len(bomb) < 200 * 1024
    r = raw("ListTables", bomb, headers={"Content-Encoding": "gzip"})
    assert r.status == 413
    assert_alive(raw)


def test_responses_gzipped_when_accepted_and_large(raw, hash_table):
    pk = unique("big")
    raw("PutItem", {"TableName": hash_table, "Item": {"pk": {"S": pk}, "v": {"S": "abc" * 3000}}})
    get = {"TableName": hash_table, "Key": {"pk": {"S": pk}}}
    r = raw("GetItem", get, headers={"Accept-Encoding": "gzip"})
    assert r.status == 200 and r.headers.get("content-encoding") == "gzip"
    assert int(r.headers["content-length"]) == len(r.body) < 9000
    assert_crc(r)  # of the bytes sent, as DynamoDB's
    assert json.loads(zlib.decompress(r.body, 31))["Item"]["v"]["S"] == "abc" * 3000
    r = raw("GetItem", get)  # no Accept-Encoding: as is
    assert "content-encoding" not in r.headers and r.json()["Item"]["v"]["S"] == "abc" * 3000
    r = raw("GetItem", get, headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in r.headers
    r = raw("ListTables", {"Limit": 1}, headers={"Accept-Encoding": "gzip"})  # small: as is
    assert "content-encoding" not in r.headers


def test_server_still_serving(raw, ddb):
    """After everything above: still up, still correct."""
    assert_alive(raw)
    assert isinstance(ddb.list_tables()["TableNames"], list)


def test_post_to_another_path_is_404(raw):
    """Conformance fact P4: the path is signed and DynamoDB serves only "/"."""
    r = raw("ListTables", {}, path="/garbage")
    assert r.status == 404
    assert raw("ListTables", {}).status == 200
