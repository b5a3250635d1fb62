"""--tls-cert/--tls-key: HTTPS (TLS 1.2 and 1.3 only) with a certificate of the operator's own CA,
as the README shows how to make one; boto3 and the AWS CLI trust it through their CA bundle
options. Plain HTTP sent to the HTTPS port is refused without harming anyone else."""

import json
import os
import socket
import ssl
import subprocess
import time
import warnings

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from conftest import REGION, Server, cirrusd_path, create_table, unique

AWS = "/usr/bin/aws"
OPENSSL = "openssl"


def openssl(*args, cwd):
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A CA and a certificate it signed for localhost and 127.0.0.1, as in the README."""
    d = tmp_path_factory.mktemp("pki")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-days", "2", "-subj", "/CN=CirrusDB test CA", "-keyout", "ca.key", "-out", "ca.pem", cwd=d)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr", cwd=d)
    (d / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "2", "-extfile", "san.ext", "-out", "server.pem", cwd=d)
    return d


@pytest.fixture(scope="module")
def server(pki):
    with Server("--tls-cert", str(pki / "server.pem"), "--tls-key", str(pki / "server.key"),
                "--header-timeout", "2") as s:
        yield s


def client(url, ca, service="dynamodb"):
    return boto3.client(service, endpoint_url=url, region_name=REGION, verify=str(ca),
                        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
                        config=Config(retries={"max_attempts": 1}))


def port_of(url):
    return int(url.rsplit(":", 1)[1])


def test_server_says_https_and_boto3_works_through_the_ca(server, pki):
    assert server.url.startswith("https://127.0.0.1:")
    ddb = client(server.url, pki / "ca.pem")
    name = unique("tls")
    create_table(ddb, name)
    big = "x" * 300_000  # several TLS records each way
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "big": {"S": big}})
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "a"}})["Item"]["big"]["S"] == big
    # Compressed answers (Accept-Encoding: gzip) go through TLS too.
    got = ddb.batch_get_item(RequestItems={name: {"Keys": [{"pk": {"S": "a"}}]}})
    assert got["Responses"][name][0]["big"]["S"] == big


def test_the_certificate_is_checked_by_the_client(server, tmp_path):
    # Without the CA the SDK refuses the server: the certificate really is the one presented.
    with pytest.raises(botocore.exceptions.SSLError):
        boto3.client("dynamodb", endpoint_url=server.url, region_name=REGION,
                     aws_access_key_id="a", aws_secret_access_key="b",
                     config=Config(retries={"max_attempts": 1})).list_tables()


def test_aws_cli_with_its_ca_bundle(server, pki):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="y", AWS_DEFAULT_REGION=REGION)
    name = unique("tlscli")
    create_table(client(server.url, pki / "ca.pem"), name)
    out = subprocess.run([AWS, "--endpoint-url", server.url, "--ca-bundle", str(pki / "ca.pem"), "--output", "json",
                          "dynamodb", "describe-table", "--table-name", name],
                         env=env, check=True, capture_output=True, text=True).stdout
    assert json.loads(out)["Table"]["TableName"] == name


def handshake(port, ca, version):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(str(ca))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if version in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # let the client offer what the server must refuse
        ctx.minimum_version = version
        ctx.maximum_version = version
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname="localhost") as t:
            return t.version()


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_tls_12_and_13_are_served(server, pki, version):
    assert handshake(port_of(server.url), pki / "ca.pem", version) == {
        ssl.TLSVersion.TLSv1_2: "TLSv1.2", ssl.TLSVersion.TLSv1_3: "TLSv1.3"}[version]


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1])
def test_older_tls_is_refused_by_the_server(server, pki, version):
    with pytest.raises(ssl.SSLError) as e:
        handshake(port_of(server.url), pki / "ca.pem", version)
    # The server's alert, not a client that would not offer the version.
    assert e.value.reason == "TLSV1_ALERT_PROTOCOL_VERSION"


def read_until_closed(s, deadline):
    got = b""
    while time.time() < deadline:
        chunk = s.recv(4096)
        if not chunk:
            return got
        got += chunk
    raise AssertionError("the connection stayed open")


def test_plain_http_to_the_https_port_is_closed_and_others_go_on(server, pki):
    with socket.create_connection(("127.0.0.1", port_of(server.url)), timeout=10) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\n"
                  b"Content-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\n\r\n{}")
        got = read_until_closed(s, time.time() + 5)
    assert not got.startswith(b"HTTP/"), got  # nothing was served in the clear
    assert "TableNames" in client(server.url, pki / "ca.pem").list_tables()


def test_a_silent_client_is_cut_off_at_the_header_timeout(server, pki):
    # A handshake is a request head: --header-timeout (2 s here) bounds it.
    started = time.time()
    with socket.create_connection(("127.0.0.1", port_of(server.url)), timeout=15) as s:
        s.sendall(b"\x16\x03\x01")  # the first bytes of a ClientHello, then nothing
        read_until_closed(s, started + 10)
    assert time.time() - started < 8


def test_tls_with_sigv4(pki, tmp_path):
    creds = tmp_path / "credentials"
    creds.write_text("[a]\naws_access_key_id = AKIDTLS\naws_secret_access_key = tls-secret\n")
    with Server("--tls-cert", str(pki / "server.pem"), "--tls-key", str(pki / "server.key"),
                "--auth=sigv4", "--credentials", str(creds)) as s:
        good = boto3.client("dynamodb", endpoint_url=s.url, region_name=REGION, verify=str(pki / "ca.pem"),
                            aws_access_key_id="AKIDTLS", aws_secret_access_key="tls-secret")
        assert good.list_tables()["TableNames"] == []
        bad = boto3.client("dynamodb", endpoint_url=s.url, region_name=REGION, verify=str(pki / "ca.pem"),
                           aws_access_key_id="AKIDTLS", aws_secret_access_key="wrong",
                           config=Config(retries={"max_attempts": 1}))
        with pytest.raises(botocore.exceptions.ClientError) as e:
            bad.list_tables()
        assert e.value.response["Error"]["Code"] == "InvalidSignatureException"


def start_fails(*args):
    p = subprocess.run([cirrusd_path(), "--in-memory", "--port", "0", *args], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode != 0
    return p.stderr


def test_unusable_certificates_refuse_to_start(pki, tmp_path):
    assert "--tls-key" in start_fails("--tls-cert", str(pki / "server.pem"))
    assert "--tls-cert" in start_fails("--tls-key", str(pki / "server.key"))
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    assert "cannot use the TLS certificate" in start_fails("--tls-cert", str(junk), "--tls-key", str(pki / "server.key"))
    assert "cannot use the TLS private key" in start_fails("--tls-cert", str(pki / "server.pem"), "--tls-key", str(junk))
    # A key that belongs to another certificate.
    assert "key values mismatch" in start_fails("--tls-cert", str(pki / "server.pem"), "--tls-key", str(pki / "ca.key"))
