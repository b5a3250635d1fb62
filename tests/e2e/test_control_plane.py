"""Tags, DescribeLimits and DescribeEndpoints: what deploy tools (Terraform's provider, the
CLI) call on every plan.

Rules: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Tagging.html
(50 tags; keys 1..128, values 0..256; `aws:` reserved), API_TagResource.html (no output),
API_DescribeLimits.html and ServiceQuotas.html (the default quotas)."""
import json
import subprocess
from urllib.parse import urlparse

from conftest import call_error, create_table, make_client, unique

AWS = "/usr/bin/aws"
ENV = {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_DEFAULT_REGION": "us-east-1",
       "PATH": "/usr/bin:/bin"}


def arn_of(ddb, table):
    return ddb.describe_table(TableName=table)["Table"]["TableArn"]


def all_tags(ddb, arn):
    tags, token = [], None
    while True:
        page = ddb.list_tags_of_resource(ResourceArn=arn, **({"NextToken": token} if token else {}))
        tags += page["Tags"]
        token = page.get("NextToken")
        if not token:
            return tags


def test_tags_from_create_table_tag_and_untag(ddb):
    table = create_table(ddb, unique("tags"), Tags=[{"Key": "team", "Value": "core"},
                                                   {"Key": "empty", "Value": ""}])
    arn = arn_of(ddb, table)
    before = ddb.describe_table(TableName=table)["Table"]
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "team", "Value": "core"}, {"Key": "empty", "Value": ""}]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "edge"}, {"Key": "env", "Value": "dev"}])
    assert sorted((t["Key"], t["Value"]) for t in all_tags(ddb, arn)) == [
        ("empty", ""), ("env", "dev"), ("team", "edge")]
    ddb.untag_resource(ResourceArn=arn, TagKeys=["empty", "absent"])
    assert sorted(t["Key"] for t in all_tags(ddb, arn)) == ["env", "team"]
    after = ddb.describe_table(TableName=table)["Table"]
    assert after["TableArn"] == before["TableArn"] and after["TableId"] == before["TableId"]


def test_tags_page_and_are_bounded(ddb):
    table = create_table(ddb, unique("many"))
    arn = arn_of(ddb, table)
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "k%02d" % i, "Value": "v"} for i in range(25)])
    first = ddb.list_tags_of_resource(ResourceArn=arn)
    assert len(first["Tags"]) < 25 and "NextToken" in first
    assert sorted(t["Key"] for t in all_tags(ddb, arn)) == ["k%02d" % i for i in range(25)]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "k%02d" % i, "Value": "v"} for i in range(25, 50)])
    code, message = call_error(ddb.tag_resource, ResourceArn=arn, Tags=[{"Key": "one-more", "Value": "v"}])
    assert (code, message) == ("ValidationException",
                               "One or more parameter values were invalid: The number of tags exceeds the limit of 50")
    assert len(all_tags(ddb, arn)) == 50


def test_tag_validation(ddb, raw_ddb):
    table = create_table(ddb, unique("tagv"))
    arn = arn_of(ddb, table)
    code, message = call_error(ddb.tag_resource, ResourceArn=arn, Tags=[{"Key": "aws:owner", "Value": "x"}])
    assert code == "ValidationException" and "aws:" in message
    code, message = call_error(raw_ddb.tag_resource, ResourceArn=arn, Tags=[{"Key": "", "Value": "x"}])
    assert code == "ValidationException" and "Member must have length greater than or equal to 1" in message
    code, message = call_error(raw_ddb.tag_resource, ResourceArn=arn, Tags=[{"Key": "k", "Value": "x" * 257}])
    assert code == "ValidationException" and "Member must have length less than or equal to 256" in message
    code, message = call_error(ddb.list_tags_of_resource, ResourceArn="not-an-arn")
    assert code == "ValidationException" and "Invalid TableArn" in message
    other_account = arn.replace(":123456789012:", ":000000000000:")
    code, _ = call_error(ddb.list_tags_of_resource, ResourceArn=other_account)
    assert code == "ValidationException"
    code, _ = call_error(ddb.tag_resource, ResourceArn=arn[:-len(table)] + unique("missing"),
                         Tags=[{"Key": "k", "Value": "v"}])
    assert code == "ResourceNotFoundException"
    code, message = call_error(ddb.create_table, TableName=unique("t"), BillingMode="PAY_PER_REQUEST",
                               KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                               AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                               Tags=[{"Key": "aws:x", "Value": "v"}])
    assert code == "ValidationException" and "aws:" in message


def test_describe_limits_and_endpoints(ddb, endpoint):
    limits = ddb.describe_limits()
    assert {k: v for k, v in limits.items() if k != "ResponseMetadata"} == {
        "AccountMaxReadCapacityUnits": 80000, "AccountMaxWriteCapacityUnits": 80000,
        "TableMaxReadCapacityUnits": 40000, "TableMaxWriteCapacityUnits": 40000}
    endpoints = ddb.describe_endpoints()["Endpoints"]
    assert endpoints == [{"Address": urlparse(endpoint).netloc, "CachePeriodInMinutes": 1440}]


def test_aws_cli_tags_limits_endpoints(ddb, endpoint):
    table = create_table(ddb, unique("cli"))
    arn = arn_of(ddb, table)

    def aws(*args):
        p = subprocess.run([AWS, "dynamodb", *args, "--endpoint-url", endpoint, "--output", "json"],
                           capture_output=True, text=True, env=ENV)
        assert p.returncode == 0, p.stderr
        return json.loads(p.stdout) if p.stdout.strip() else None

    assert aws("tag-resource", "--resource-arn", arn, "--tags", "Key=a,Value=1") is None
    assert aws("list-tags-of-resource", "--resource-arn", arn)["Tags"] == [{"Key": "a", "Value": "1"}]
    assert aws("untag-resource", "--resource-arn", arn, "--tag-keys", "a") is None
    assert aws("describe-limits")["TableMaxReadCapacityUnits"] == 40000
    assert aws("describe-endpoints")["Endpoints"][0]["CachePeriodInMinutes"] == 1440


def test_continuous_backups_record_point_in_time_recovery(ddb, raw):
    table = create_table(ddb, unique("pitr"))
    d = ddb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    assert d == {"ContinuousBackupsStatus": "ENABLED",
                 "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}}
    d = ddb.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})["ContinuousBackupsDescription"]
    p = d["PointInTimeRecoveryDescription"]
    assert p["PointInTimeRecoveryStatus"] == "ENABLED"
    assert p["EarliestRestorableDateTime"] <= p["LatestRestorableDateTime"]
    described = ddb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    assert described["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    # RecoveryPeriodInDays (newer than Debian's botocore): over raw HTTP.
    r = raw("UpdateContinuousBackups", {"TableName": table, "PointInTimeRecoverySpecification": {
        "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 7}})
    assert r.status == 200
    assert r.json()["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["RecoveryPeriodInDays"] == 7
    r = raw("UpdateContinuousBackups", {"TableName": table, "PointInTimeRecoverySpecification": {
        "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 36}})
    assert r.status == 400 and r.error_type == "ValidationException" and "recoveryPeriodInDays" in r.message
    ddb.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": False})
    assert ddb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"] == {"PointInTimeRecoveryStatus": "DISABLED"}
    code, message = call_error(ddb.describe_continuous_backups, TableName=unique("missing"))
    assert code == "TableNotFoundException" and "Table not found" in message


def test_on_demand_and_warm_throughput_are_kept_and_described(raw):
    """Raw requests: Debian's boto3 predates both members (2024)."""
    def describe(table):
        return raw("DescribeTable", {"TableName": table}).json()["Table"]
    table = unique("warm")
    r = raw("CreateTable", {
        "TableName": table, "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "OnDemandThroughput": {"MaxReadRequestUnits": 500, "MaxWriteRequestUnits": -1},
        "WarmThroughput": {"ReadUnitsPerSecond": 15000, "WriteUnitsPerSecond": 4000}})
    assert r.status == 200, r.body
    described = describe(table)
    assert described["OnDemandThroughput"] == {"MaxReadRequestUnits": 500, "MaxWriteRequestUnits": -1}
    assert described["WarmThroughput"] == {"ReadUnitsPerSecond": 15000, "WriteUnitsPerSecond": 4000,
                                           "Status": "ACTIVE"}
    r = raw("UpdateTable", {"TableName": table, "OnDemandThroughput": {"MaxWriteRequestUnits": 100}})
    assert r.status == 200, r.body
    assert describe(table)["OnDemandThroughput"] == {"MaxReadRequestUnits": 500, "MaxWriteRequestUnits": 100}
    plain = unique("plain")
    raw("CreateTable", {"TableName": plain, "BillingMode": "PAY_PER_REQUEST",
                        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]})
    described = describe(plain)
    assert "OnDemandThroughput" not in described
    assert described["WarmThroughput"]["ReadUnitsPerSecond"] == 12000  # DynamoDB's default
    r = raw("UpdateTable", {"TableName": plain, "OnDemandThroughput": {"MaxReadRequestUnits": 0}})
    assert r.status == 400 and r.error_type == "ValidationException"
    assert "onDemandThroughput.maxReadRequestUnits" in r.message
