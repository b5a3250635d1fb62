"""--auth=sigv4: every DynamoDB, DynamoDB Streams and Lambda request must be signed (AWS
Signature Version 4) by a key of the --credentials file, and is refused as DynamoDB refuses it
otherwise. Requests the SDK would not send are made with botocore's own signers
(SigV4Auth, SigV4QueryAuth) and tampered with after signing."""

import datetime
import gzip
import hashlib
import http.client
import json
import os
import signal
import subprocess
import urllib.parse
from unittest import mock

import boto3
import botocore
import botocore.exceptions
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from conftest import REGION, RawResponse, Server, call_error, cirrusd_path, create_table, unique, wait_for

AWS = "/usr/bin/aws"
ALICE = ("AKIDALICE", "alice-secret")
BOB = ("AKIDBOB", "bob/secret+with=odd chars")
TEMP = ("ASIATEMP", "temp-secret", "temp-session-token")
CREDENTIALS = """# two long-term keys and a temporary one
[alice]
aws_access_key_id = %s
aws_secret_access_key = %s

[profile bob]
aws_access_key_id = %s
aws_secret_access_key = %s
account_id = 123456789012

[temp]
aws_access_key_id = %s
aws_secret_access_key = %s
aws_session_token = %s
""" % (ALICE + BOB + TEMP)

MISMATCH = ("The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.")
UNRECOGNIZED = "The security token included in the request is invalid."


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = tmp_path_factory.mktemp("sigv4") / "credentials"
    path.write_text(CREDENTIALS)
    with Server("--auth=sigv4", "--credentials", str(path)) as s:
        yield s


def client(url, key=ALICE, service="dynamodb", token=None, **config):
    return boto3.client(service, endpoint_url=url, region_name=REGION, aws_access_key_id=key[0],
                        aws_secret_access_key=key[1], aws_session_token=token,
                        config=Config(retries={"max_attempts": 1}, **config))


@pytest.fixture(scope="module")
def table(server):
    return create_table(client(server.url), unique("sig"))


def utcnow():
    return datetime.datetime.utcnow()


def sign(url, target="ListTables", body=b"{}", key=ALICE, token=None, when=None, headers=None,
         signer=SigV4Auth, **signer_args):
    """A DynamoDB request signed as botocore signs it, at `when` (default now): the AWSRequest
    (its url, headers and body are what to send)."""
    h = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810." + target}
    h.update(headers or {})
    req = AWSRequest(method="POST", url=url + "/", data=body, headers=h)
    with mock.patch("botocore.auth.datetime") as clock:
        clock.datetime.utcnow.return_value = when or utcnow()
        signer(Credentials(key[0], key[1], token), "dynamodb", REGION, **signer_args).add_auth(req)
    return req


def send(url, headers, body=b"{}", method="POST"):
    """Sends one request as given (no header added but Host, Content-Length,
    Accept-Encoding); a RawResponse."""
    parsed = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    try:
        path = parsed.path or "/"
        conn.request(method, path + ("?" + parsed.query if parsed.query else ""), body=body,
                     headers=dict(headers))
        r = conn.getresponse()
        return RawResponse(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        conn.close()


def send_signed(req, body=None, headers=None):
    h = dict(req.headers.items())
    h.update(headers or {})
    return send(req.url, {k: v for k, v in h.items() if v is not None},
                req.body if body is None else body)


def refused(resp, error_type, message=None):
    assert resp.status == 400, resp.body
    assert resp.error_type == error_type, resp.body
    if message is not None:
        assert resp.message == message


# ---------------------------------------------------------------------------------------
# The right key works

def test_the_sdk_with_a_known_key_reads_and_writes(server, table):
    ddb = client(server.url)
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "a"}})["Item"]["v"] == {"N": "1"}
    got = ddb.query(TableName=table, KeyConditionExpression="pk = :p",
                    ExpressionAttributeValues={":p": {"S": "a"}})
    assert got["Count"] == 1
    assert table in ddb.list_tables()["TableNames"]
    assert "Streams" in client(server.url, service="dynamodbstreams").list_streams()
    assert "EventSourceMappings" in client(server.url, service="lambda").list_event_source_mappings()


def test_each_profile_signs_with_its_own_secret(server, table):
    # bob's secret has '/', '+', '=' and a space, all of which are in the HMAC key as they are.
    client(server.url, BOB).put_item(TableName=table, Item={"pk": {"S": "from-bob"}})
    assert "Item" in client(server.url, ALICE).get_item(TableName=table, Key={"pk": {"S": "from-bob"}})
    code, message = call_error(client(server.url, (ALICE[0], BOB[1])).list_tables)
    assert (code, message) == ("InvalidSignatureException", MISMATCH)


def test_lambda_paths_with_encoded_characters_verify(server):
    # An ARN in the path (%3A, encoded once more in the canonical URI) and in the query.
    lam = client(server.url, service="lambda")
    arn = "arn:aws:lambda:us-east-1:123456789012:function:no-such"
    code, _ = call_error(lam.get_function, FunctionName=arn)
    assert code == "ResourceNotFoundException"
    assert lam.list_event_source_mappings(FunctionName=arn)["EventSourceMappings"] == []


@pytest.mark.skipif(not os.access(AWS, os.X_OK), reason="no AWS CLI at " + AWS)
def test_the_aws_cli_signs_its_requests(server, table, tmp_path):
    def aws(key, secret):
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "c"),
               "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "k"), "AWS_ACCESS_KEY_ID": key,
               "AWS_SECRET_ACCESS_KEY": secret, "AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "1",
               "LANG": "C.UTF-8"}
        return subprocess.run([AWS, "--endpoint-url", server.url, "--region", REGION, "--output",
                               "json", "dynamodb", "list-tables"],
                              env=env, capture_output=True, text=True, timeout=120)

    ok = aws(*BOB)
    assert ok.returncode == 0, ok.stderr
    assert table in json.loads(ok.stdout)["TableNames"]
    bad = aws(BOB[0], "not-bobs")
    assert bad.returncode == 254 and "InvalidSignatureException" in bad.stderr


# ---------------------------------------------------------------------------------------
# What is refused, in DynamoDB's words

def test_an_unsigned_request_is_missing_its_token(server):
    unsigned = boto3.client(
        "dynamodb", endpoint_url=server.url, region_name=REGION,
        config=Config(signature_version=botocore.UNSIGNED, retries={"max_attempts": 1}))
    code, message = call_error(unsigned.list_tables)
    assert (code, message) == ("MissingAuthenticationTokenException", "Request is missing Authentication Token")
    resp = send(server.url, {"Content-Type": "application/x-amz-json-1.0",
                             "X-Amz-Target": "DynamoDBStreams_20120810.ListStreams"})
    refused(resp, "MissingAuthenticationTokenException", "Request is missing Authentication Token")


@pytest.mark.parametrize("drop", ["Credential", "SignedHeaders", "Signature"])
def test_an_authorization_without_a_part_is_incomplete(server, drop):
    req = sign(server.url)
    parts = req.headers["Authorization"].split(" ", 1)[1].split(", ")
    kept = [p for p in parts if not p.startswith(drop + "=")]
    assert len(kept) == 2
    resp = send_signed(req, headers={"Authorization": "AWS4-HMAC-SHA256 " + ", ".join(kept)})
    refused(resp, "IncompleteSignatureException")


def test_an_unknown_access_key_is_unrecognized(server):
    code, message = call_error(client(server.url, ("AKIDNOBODY", ALICE[1])).list_tables)
    assert (code, message) == ("UnrecognizedClientException", UNRECOGNIZED)
    code, _ = call_error(client(server.url, ("AKIDNOBODY", "x"), "dynamodbstreams").list_streams)
    assert code == "UnrecognizedClientException"


def test_a_wrong_secret_is_an_invalid_signature(server):
    code, message = call_error(client(server.url, (ALICE[0], "wrong")).list_tables)
    assert (code, message) == ("InvalidSignatureException", MISMATCH)
    code, _ = call_error(client(server.url, (ALICE[0], "wrong"), "dynamodbstreams").list_streams)
    assert code == "InvalidSignatureException"


def test_a_session_token_must_be_the_profiles(server):
    temp = TEMP[:2]
    assert "TableNames" in client(server.url, temp, token=TEMP[2]).list_tables()
    for key, token in ((temp, None), (temp, "another-token"), (ALICE, "a-token")):
        code, message = call_error(client(server.url, key, token=token).list_tables)
        assert (code, message) == ("UnrecognizedClientException", UNRECOGNIZED), (key, token)


def earlier(amz_date):
    """Another X-Amz-Date of the same minute (only the seconds change, so the scope holds)."""
    return amz_date[:-3] + "%02dZ" % ((int(amz_date[-3:-1]) + 59) % 60)


TAMPERING = {
    "body": lambda req: dict(body=b'{"Limit": 1}'),
    "target": lambda req: dict(headers={"X-Amz-Target": "DynamoDB_20120810.DescribeLimits"}),
    "content-type": lambda req: dict(headers={"Content-Type": "application/json"}),
    "date": lambda req: dict(headers={"X-Amz-Date": earlier(req.headers["X-Amz-Date"])}),
}


@pytest.mark.parametrize("change", TAMPERING, ids=list(TAMPERING))
def test_a_request_changed_after_signing_is_refused(server, change):
    req = sign(server.url)
    assert send_signed(req).status == 200
    refused(send_signed(req, **TAMPERING[change](req)), "InvalidSignatureException", MISMATCH)


def test_x_amz_content_sha256_must_be_the_bodys(server):
    body = b"{}"
    right = sign(server.url, body=body, headers={"X-Amz-Content-Sha256": hashlib.sha256(body).hexdigest()})
    assert send_signed(right).status == 200
    # Signed consistently with the stated hash, which is not the body's.
    stated = hashlib.sha256(b'{"Limit": 1}').hexdigest()
    wrong = sign(server.url, body=body, headers={"X-Amz-Content-Sha256": stated})
    refused(send_signed(wrong), "InvalidSignatureException", MISMATCH)


def test_a_refused_write_changes_nothing(server, table):
    ddb = client(server.url)
    code, _ = call_error(client(server.url, (ALICE[0], "wrong")).put_item,
                         TableName=table, Item={"pk": {"S": "forged-1"}})
    assert code == "InvalidSignatureException"
    # A genuine signature over one item, sent with another.
    item = lambda k: json.dumps({"TableName": table, "Item": {"pk": {"S": k}}}).encode()
    req = sign(server.url, "PutItem", body=item("forged-2"))
    refused(send_signed(req, body=item("forged-3")), "InvalidSignatureException")
    for k in ("forged-1", "forged-2", "forged-3"):
        assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": k}}, ConsistentRead=True), k
    assert send_signed(req).status == 200  # the genuine one, unchanged, is accepted
    assert "Item" in ddb.get_item(TableName=table, Key={"pk": {"S": "forged-2"}}, ConsistentRead=True)


# ---------------------------------------------------------------------------------------
# The clock: 15 minutes either way

@pytest.mark.parametrize("minutes", [-14, 14])
def test_a_date_within_15_minutes_is_accepted(server, minutes):
    req = sign(server.url, when=utcnow() + datetime.timedelta(minutes=minutes))
    assert send_signed(req).status == 200, send_signed(req).body


def test_a_date_over_15_minutes_old_has_expired(server):
    req = sign(server.url, when=utcnow() - datetime.timedelta(minutes=16))
    resp = send_signed(req)
    refused(resp, "InvalidSignatureException")
    date = req.headers["X-Amz-Date"]
    assert resp.message.startswith("Signature expired: %s is now earlier than " % date), resp.message
    assert resp.message.endswith(" - 15 min.)"), resp.message


def test_a_date_over_15_minutes_ahead_is_not_yet_current(server):
    req = sign(server.url, when=utcnow() + datetime.timedelta(minutes=16))
    resp = send_signed(req)
    refused(resp, "InvalidSignatureException")
    date = req.headers["X-Amz-Date"]
    assert resp.message.startswith("Signature not yet current: %s is still later than " % date), resp.message
    assert resp.message.endswith(" + 15 min.)"), resp.message


# ---------------------------------------------------------------------------------------
# Presigned query strings, compressed bodies, the Lambda API's form of the errors

class PresignDynamoDB(SigV4QueryAuth):
    """botocore's query signer, leaving the body alone (it would move a body into the query
    string) and signing its hash, as botocore presigns for services other than S3 (the body of
    a DynamoDB request is what it does, so it stays signed); expires=None: no X-Amz-Expires."""

    def _modify_request_before_signing(self, request):
        data, request.data = request.data, b""
        super()._modify_request_before_signing(request)
        request.data = data
        if self._expires is None:
            request.url = request.url.replace("&X-Amz-Expires=None", "")

    def payload(self, request):
        return hashlib.sha256(request.body or b"").hexdigest()


def test_a_presigned_query_string_is_accepted(server):
    req = sign(server.url, signer=PresignDynamoDB, expires=300)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(req.url).query)
    assert "Authorization" not in req.headers and "X-Amz-Signature" in query
    resp = send_signed(req)
    assert resp.status == 200, resp.body
    assert "TableNames" in resp.json()
    # The payload is signed, and so is the query string.
    refused(send_signed(req, body=b'{"Limit": 1}'), "InvalidSignatureException", MISMATCH)
    tampered = req.url.replace("X-Amz-Expires=300", "X-Amz-Expires=301")
    refused(send(tampered, req.headers.items()), "InvalidSignatureException", MISMATCH)


def test_a_presigned_query_string_needs_no_expiry_and_carries_the_token(server):
    req = sign(server.url, signer=PresignDynamoDB, expires=None)
    assert "X-Amz-Expires" not in req.url
    assert send_signed(req).status == 200
    req = sign(server.url, key=TEMP[:2], token=TEMP[2], signer=PresignDynamoDB)
    assert "X-Amz-Security-Token=" in req.url
    assert send_signed(req).status == 200
    req = sign(server.url, key=TEMP[:2], token="another-token", signer=PresignDynamoDB)
    refused(send_signed(req), "UnrecognizedClientException", UNRECOGNIZED)


# A presigned request is valid for its X-Amz-Expires, which may exceed the 15-minute clock skew
# window (AWS allows up to 7 days).
def test_a_presigned_query_string_lives_for_its_expires_beyond_15_minutes(server):
    req = sign(server.url, when=utcnow() - datetime.timedelta(minutes=20), signer=PresignDynamoDB, expires=3600)
    resp = send_signed(req)
    assert resp.status == 200, resp.body


def test_a_presigned_query_string_past_its_expiry_is_denied(server):
    req = sign(server.url, when=utcnow() - datetime.timedelta(minutes=2), signer=PresignDynamoDB, expires=60)
    refused(send_signed(req), "AccessDeniedException", "Request has expired")


def test_a_gzip_body_is_verified_as_sent(server, table):
    item = json.dumps({"TableName": table, "Item": {"pk": {"S": "zipped"}}}).encode()
    req = sign(server.url, "PutItem", body=gzip.compress(item), headers={"Content-Encoding": "gzip"})
    assert send_signed(req).status == 200
    assert "Item" in client(server.url).get_item(TableName=table, Key={"pk": {"S": "zipped"}})
    # Signed over the JSON, sent compressed: not what was signed.
    item = json.dumps({"TableName": table, "Item": {"pk": {"S": "zipped-2"}}}).encode()
    req = sign(server.url, "PutItem", body=item, headers={"Content-Encoding": "gzip"})
    refused(send_signed(req, body=gzip.compress(item)), "InvalidSignatureException", MISMATCH)
    assert "Item" not in client(server.url).get_item(TableName=table, Key={"pk": {"S": "zipped-2"}})


def test_the_lambda_api_refuses_with_403_and_its_error_type(server):
    resp = send(server.url + "/2015-03-31/event-source-mappings/", {}, b"", method="GET")
    assert resp.status == 403
    assert resp.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    for key, expected in (((ALICE[0], "wrong"), "InvalidSignatureException"),
                          (("AKIDNOBODY", "x"), "UnrecognizedClientException")):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            client(server.url, key, "lambda").list_event_source_mappings()
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert e.value.response["Error"]["Code"] == expected


# ---------------------------------------------------------------------------------------
# The credentials file: reread on SIGHUP; refused at start when unusable

def test_sighup_rereads_the_credentials_file(tmp_path):
    path = tmp_path / "credentials"
    path.write_text("[a]\naws_access_key_id = AKIDOLD\naws_secret_access_key = old\n")
    with Server("--auth=sigv4", "--credentials", str(path)) as s:
        old, new = client(s.url, ("AKIDOLD", "old")), client(s.url, ("AKIDNEW", "new"))
        assert "TableNames" in old.list_tables()
        assert call_error(new.list_tables)[0] == "UnrecognizedClientException"

        path.write_text("[b]\naws_access_key_id = AKIDNEW\naws_secret_access_key = new\n")
        os.kill(s.proc.pid, signal.SIGHUP)

        def swapped():
            try:
                new.list_tables()
            except botocore.exceptions.ClientError:
                return False
            return True
        wait_for(swapped, what="the new key to be accepted")
        assert call_error(old.list_tables)[0] == "UnrecognizedClientException"

        # A file it cannot use keeps the credentials it has (and says so).
        logged = len(s.stderr())
        path.write_text("[b]\naws_access_key_id = AKIDBROKEN\n")
        os.kill(s.proc.pid, signal.SIGHUP)
        wait_for(lambda: len(s.stderr()) > logged, what="the refused reload to be logged")
        assert "TableNames" in new.list_tables()
        assert call_error(client(s.url, ("AKIDBROKEN", "x")).list_tables)[0] == "UnrecognizedClientException"
        assert s.stop() == 0


@pytest.mark.parametrize("contents, words", [
    (None, "--credentials"),
    ("[x]\naws_access_key_id = AKIDX\naws_secret_access_key = s\naccount_id = 99999\n", "12 digits"),
    ("[x]\naws_access_key_id = AKIDX\naws_secret_access_key = s\npolicy_file = /nonexistent/p.json\n",
     "/nonexistent/p.json"),
    ("[x]\naws_access_key_id = AKIDX\naws_secret_access_key = s\npolicy_file = bad.json\n", "bad.json"),
    ("", None),
    ("[x]\naws_access_key_id = AKIDX\n", None),
], ids=["no-credentials", "bad-account", "no-policy-file", "bad-policy", "empty", "no-secret"])
def test_an_unusable_configuration_is_refused_at_start(tmp_path, contents, words):
    args = [cirrusd_path(), "--port", "0", "--in-memory", "--auth=sigv4"]
    if contents is not None:
        (tmp_path / "credentials").write_text(contents)
        (tmp_path / "bad.json").write_text('{"Statement": [{"Effect": "Perhaps"}]}')
        args += ["--credentials", str(tmp_path / "credentials")]
    p = subprocess.run(args, capture_output=True, text=True, timeout=30)
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert "listening" not in p.stdout and p.stderr.strip()
    if words:
        assert words in p.stderr


def test_an_account_id_equal_to_the_servers_is_accepted(tmp_path):
    path = tmp_path / "credentials"
    path.write_text("[x]\naws_access_key_id = AKIDX\naws_secret_access_key = s\naccount_id = 999999999999\n")
    with Server("--auth=sigv4", "--credentials", str(path), "--account-id", "999999999999") as s:
        assert "TableNames" in client(s.url, ("AKIDX", "s")).list_tables()


# ---------------------------------------------------------------------------------------
# --auth=none (the default) is as before

def test_without_sigv4_any_well_formed_signature_is_accepted(raw, endpoint):
    resp = raw("ListTables")  # conftest's AUTH: the right shape, a signature of zeros
    assert resp.status == 200, resp.body
    assert "TableNames" in client(endpoint, ("AKIDANYONE", "anything")).list_tables()
    resp = send(endpoint + "/2015-03-31/event-source-mappings/", {}, b"", method="GET")
    assert resp.status == 200, resp.body


@pytest.mark.parametrize("region,service,message", [
    ("eu-west-1", "dynamodb", "Credential should be scoped to a valid region, not 'eu-west-1'. "),
    (REGION, "s3", "Credential should be scoped to correct service: 'dynamodb'. "),
])
def test_the_scope_must_name_this_region_and_service(server, region, service, message):
    h = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables"}
    req = AWSRequest(method="POST", url=server.url + "/", data=b"{}", headers=h)
    SigV4Auth(Credentials(*ALICE), service, region).add_auth(req)
    refused(send_signed(req), "InvalidSignatureException", message)


def test_headers_that_decide_the_operation_must_be_signed(server):
    """An X-Amz-Target left out of SignedHeaders could turn a captured GetItem into a
    DeleteItem: refused, as are unsigned Content-Type and Content-Encoding."""
    unsigned = AWSRequest(method="POST", url=server.url + "/", data=b"{}", headers={})
    with mock.patch("botocore.auth.datetime") as clock:
        clock.datetime.utcnow.return_value = utcnow()
        SigV4Auth(Credentials(*ALICE), "dynamodb", REGION).add_auth(unsigned)
    headers = dict(unsigned.headers.items())
    headers["X-Amz-Target"] = "DynamoDB_20120810.ListTables"
    headers["Content-Type"] = "application/x-amz-json-1.0"
    refused(send(unsigned.url, headers.items(), b"{}"), "InvalidSignatureException",
            "There were headers present in the request which were not signed: x-amz-target")


# ---------------------------------------------------------------------------------------
# IAM-shaped policies: a credential's policy_file says what it may do

READER = ("AKIDREADER", "reader-secret")
READER_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PartiQLSelect"],
     "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/open*"},
    {"Effect": "Allow", "Action": ["dynamodb:DescribeStream", "dynamodb:ListStreams"], "Resource": "*"},
    {"Effect": "Deny", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:*:*:table/open-secret*"},
    {"Effect": "Deny", "NotAction": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PartiQLSelect",
                                     "dynamodb:DescribeStream", "dynamodb:ListStreams"], "Resource": "*"}]}


@pytest.fixture(scope="module")
def policed(tmp_path_factory):
    d = tmp_path_factory.mktemp("policy")
    (d / "reader.json").write_text(json.dumps(READER_POLICY))
    (d / "credentials").write_text(CREDENTIALS + "\n[reader]\naws_access_key_id = %s\n"
                                   "aws_secret_access_key = %s\npolicy_file = reader.json\n" % READER)
    with Server("--auth=sigv4", "--credentials", str(d / "credentials")) as s:
        admin = client(s.url)
        for name in ("open-data", "open-secret", "closed"):
            admin.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                               AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                               BillingMode="PAY_PER_REQUEST")
            admin.put_item(TableName=name, Item={"pk": {"S": "x"}})
        yield s


KEY = {"pk": {"S": "x"}}


def denied(fn, action, resource, **kwargs):
    code, message = call_error(fn, **kwargs)
    assert code == "AccessDeniedException", message
    assert message.startswith("User: arn:aws:iam::123456789012:user/reader is not authorized to perform: "
                              "%s on resource: %s" % (action, resource)), message


def test_a_policy_allows_exactly_what_it_names(policed):
    r = client(policed.url, READER)
    table = "arn:aws:dynamodb:us-east-1:123456789012:table/"
    assert r.get_item(TableName="open-data", Key=KEY)["Item"] == KEY
    assert r.query(TableName="open-data", KeyConditionExpression="pk = :p",
                   ExpressionAttributeValues={":p": {"S": "x"}})["Count"] == 1
    assert r.execute_statement(Statement='SELECT * FROM "open-data"')["Items"] == [KEY]
    denied(r.put_item, "dynamodb:PutItem", table + "open-data", TableName="open-data", Item=KEY)
    denied(r.get_item, "dynamodb:GetItem", table + "closed", TableName="closed", Key=KEY)
    code, message = call_error(r.get_item, TableName="open-secret", Key=KEY)
    assert code == "AccessDeniedException" and message.endswith("with an explicit deny in an identity-based policy")
    denied(r.list_tables, "dynamodb:ListTables", "*")
    denied(r.execute_statement, "dynamodb:PartiQLUpdate", table + "open-data",
           Statement="UPDATE \"open-data\" SET a = 1 WHERE pk = 'x'")
    # The admin, without a policy, may do anything.
    client(policed.url).put_item(TableName="closed", Item={"pk": {"S": "y"}})


def test_batches_and_transactions_are_checked_per_table_and_action(policed):
    r = client(policed.url, READER)
    table = "arn:aws:dynamodb:us-east-1:123456789012:table/"
    denied(r.batch_get_item, "dynamodb:BatchGetItem", table + "open-data",
           RequestItems={"open-data": {"Keys": [KEY]}})
    assert r.transact_get_items(TransactItems=[{"Get": {"TableName": "open-data", "Key": KEY}}])["Responses"]
    denied(r.transact_get_items, "dynamodb:GetItem", table + "closed",
           TransactItems=[{"Get": {"TableName": "open-data", "Key": KEY}}, {"Get": {"TableName": "closed", "Key": KEY}}])
    denied(r.transact_write_items, "dynamodb:ConditionCheckItem", table + "open-data",
           TransactItems=[{"ConditionCheck": {"TableName": "open-data", "Key": KEY,
                                              "ConditionExpression": "attribute_exists(pk)"}}])
    denied(r.batch_execute_statement, "dynamodb:PartiQLInsert", table + "open-data",
           Statements=[{"Statement": "INSERT INTO \"open-data\" VALUE {'pk': 'z'}"}])


def test_streams_and_the_lambda_api_are_checked_too(policed):
    assert "Streams" in client(policed.url, READER, "dynamodbstreams").list_streams()
    lam = client(policed.url, READER, "lambda")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.list_event_source_mappings()
    assert e.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "lambda:ListEventSourceMappings" in e.value.response["Error"]["Message"]
    assert "EventSourceMappings" in client(policed.url, service="lambda").list_event_source_mappings()


def test_server_stats_need_a_signature_too(server):
    r = send(server.url + "/cirrus/stats", {}, body=b"", method="GET")
    assert r.status == 400 and json.loads(r.body)["__type"].endswith("MissingAuthenticationTokenException")
    req = AWSRequest(method="GET", url=server.url + "/cirrus/stats", data=b"")
    SigV4Auth(Credentials(*ALICE), "dynamodb", REGION).add_auth(req)
    r = send(req.url, dict(req.headers.items()), body=b"", method="GET")
    assert r.status == 200 and "WriterCommits" in json.loads(r.body)
