"""The AWS CLI v2 (Debian's /usr/bin/aws) against cirrusd: the commands users type first.

Isolated from the machine's AWS configuration: HOME, AWS_CONFIG_FILE and
AWS_SHARED_CREDENTIALS_FILE point into a temporary directory; credentials come from the
environment.
"""
import json
import os
import subprocess

import pytest

from conftest import REGION, unique

AWS = "/usr/bin/aws"

pytestmark = pytest.mark.skipif(not os.access(AWS, os.X_OK), reason="no AWS CLI at " + AWS)


@pytest.fixture(scope="module")
def aws(endpoint, tmp_path_factory):
    """aws(*args, check=True) -> parsed JSON output (None when the command prints nothing);
    with check=False -> CompletedProcess."""
    home = tmp_path_factory.mktemp("aws-home")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_PAGER": "",
        "AWS_MAX_ATTEMPTS": "1",
        "LANG": "C.UTF-8",
    }

    def run(*args, check=True):
        cmd = [AWS, "--endpoint-url", endpoint, "--region", REGION, "--output", "json",
               "dynamodb"] + list(args)
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        if not check:
            return proc
        assert proc.returncode == 0, "%s\nstdout: %s\nstderr: %s" % (cmd, proc.stdout, proc.stderr)
        return json.loads(proc.stdout) if proc.stdout.strip() else None

    return run


def test_cli_table_and_item_lifecycle(aws):
    name = unique("cli")
    created = aws("create-table", "--table-name", name,
                  "--attribute-definitions", "AttributeName=pk,AttributeType=S",
                  "AttributeName=sk,AttributeType=N",
                  "--key-schema", "AttributeName=pk,KeyType=HASH", "AttributeName=sk,KeyType=RANGE",
                  "--billing-mode", "PAY_PER_REQUEST")
    assert created["TableDescription"]["TableName"] == name
    try:
        assert aws("wait", "table-exists", "--table-name", name) is None

        for sk, colour in (("2", "blue"), ("1", "red"), ("10", "green")):
            item = {"pk": {"S": "cli-key"}, "sk": {"N": sk}, "colour": {"S": colour},
                    "tags": {"SS": ["a", "b"]}}
            assert aws("put-item", "--table-name", name, "--item", json.dumps(item)) is None

        got = aws("get-item", "--table-name", name,
                  "--key", json.dumps({"pk": {"S": "cli-key"}, "sk": {"N": "1"}}))
        assert got["Item"]["colour"] == {"S": "red"}
        assert sorted(got["Item"]["tags"]["SS"]) == ["a", "b"]

        queried = aws("query", "--table-name", name,
                      "--key-condition-expression", "pk = :p AND sk >= :s",
                      "--expression-attribute-values",
                      json.dumps({":p": {"S": "cli-key"}, ":s": {"N": "2"}}))
        assert [i["sk"]["N"] for i in queried["Items"]] == ["2", "10"]
        assert queried["Count"] == 2

        # The CLI paginates on its own: --page-size 1 still yields every item.
        scanned = aws("scan", "--table-name", name, "--page-size", "1")
        assert sorted(i["sk"]["N"] for i in scanned["Items"]) == ["1", "10", "2"]
        assert scanned["Count"] == 3

        described = aws("describe-table", "--table-name", name)["Table"]
        assert described["TableStatus"] == "ACTIVE"
        assert described["ItemCount"] == 3
        assert described["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"},
                                          {"AttributeName": "sk", "KeyType": "RANGE"}]
        assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"

        assert name in aws("list-tables")["TableNames"]
    finally:
        deleted = aws("delete-table", "--table-name", name)
    assert deleted["TableDescription"]["TableName"] == name
    assert name not in aws("list-tables")["TableNames"]


def test_cli_error_reporting(aws):
    name = unique("missing")
    proc = aws("describe-table", "--table-name", name, check=False)
    assert proc.returncode == 254
    assert "ResourceNotFoundException" in proc.stderr
    assert "Requested resource not found: Table: %s not found" % name in proc.stderr
