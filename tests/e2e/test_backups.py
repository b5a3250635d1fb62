"""On-demand backups and restores (CreateBackup, DescribeBackup, ListBackups, DeleteBackup,
RestoreTableFromBackup) and RestoreTableToPointInTime's refusal, through boto3 and the CLI.

API: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateBackup.html and
its siblings; what a restore carries over: developerguide/Restore.Tutorial.html (not tags,
streams, TTL or point-in-time recovery)."""
import json
import os
import subprocess
import tempfile
import time

from conftest import Server, call_error, make_client, unique, wait_for

AWS = "/usr/bin/aws"
ENV = {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_DEFAULT_REGION": "us-east-1",
       "PATH": "/usr/bin:/bin"}


def make_source(ddb, name):
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": t}
                              for a, t in (("pk", "S"), ("sk", "N"), ("color", "S"), ("at", "S"))],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "byColor", "KeySchema": [{"AttributeName": "color", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        LocalSecondaryIndexes=[{"IndexName": "byAt", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                                   {"AttributeName": "at", "KeyType": "RANGE"}],
                                "Projection": {"ProjectionType": "ALL"}}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        Tags=[{"Key": "team", "Value": "core"}])
    return name


def item(i):
    return {"pk": {"S": "p%d" % (i % 5)}, "sk": {"N": str(i)}, "color": {"S": "red" if i % 2 else "blue"},
            "at": {"S": "2026-01-%02d" % (i % 28 + 1)}, "n": {"N": "12345678901234567890.123456789"},
            "b": {"B": bytes([i % 256, 0, 255])}, "tags": {"SS": ["x", "y%d" % i]}}


def scan_all(ddb, table, **kwargs):
    items, start = [], None
    while True:
        page = ddb.scan(TableName=table, ConsistentRead=True, **kwargs, **({"ExclusiveStartKey": start} if start else {}))
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return sorted(items, key=lambda x: (x["pk"]["S"], int(x["sk"]["N"])))


def wait_available(ddb, arn):
    wait_for(lambda: ddb.describe_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"]["BackupStatus"]
             == "AVAILABLE", what="backup available")


def wait_active(ddb, table):
    wait_for(lambda: ddb.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE", what="table active")


def test_restore_equals_the_table_at_backup_time_indexes_included(ddb):
    source = make_source(ddb, unique("bsrc"))
    for i in range(300):
        ddb.put_item(TableName=source, Item=item(i))
    before = scan_all(ddb, source)
    details = ddb.create_backup(TableName=source, BackupName="nightly-1")["BackupDetails"]
    assert details["BackupName"] == "nightly-1" and details["BackupType"] == "USER"
    assert details["BackupStatus"] in ("CREATING", "AVAILABLE")
    arn = details["BackupArn"]
    assert arn.startswith(ddb.describe_table(TableName=source)["Table"]["TableArn"] + "/backup/")
    # Changes after the backup are not in it.
    ddb.put_item(TableName=source, Item=item(1000))
    ddb.delete_item(TableName=source, Key={"pk": {"S": "p0"}, "sk": {"N": "0"}})
    wait_available(ddb, arn)

    described = ddb.describe_backup(BackupArn=arn)["BackupDescription"]
    assert described["BackupDetails"]["BackupSizeBytes"] > 0
    src = described["SourceTableDetails"]
    assert src["TableName"] == source and src["ItemCount"] == 300 and src["BillingMode"] == "PAY_PER_REQUEST"
    features = described["SourceTableFeatureDetails"]
    assert [x["IndexName"] for x in features["GlobalSecondaryIndexes"]] == ["byColor"]
    assert [x["IndexName"] for x in features["LocalSecondaryIndexes"]] == ["byAt"]
    assert features["StreamDescription"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}

    target = unique("brestored")
    restored = ddb.restore_table_from_backup(TargetTableName=target, BackupArn=arn)["TableDescription"]
    assert restored["TableName"] == target
    summary = restored["RestoreSummary"]
    assert summary["SourceBackupArn"] == arn and summary["SourceTableArn"].endswith(":table/" + source)
    ddb.get_waiter("table_exists").wait(TableName=target, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    wait_active(ddb, target)
    table = ddb.describe_table(TableName=target)["Table"]
    assert table["RestoreSummary"]["RestoreInProgress"] is False
    assert table["ItemCount"] == 300 and table["TableId"] != ddb.describe_table(TableName=source)["Table"]["TableId"]
    assert "StreamSpecification" not in table  # DynamoDB does not restore streams, tags or TTL
    assert ddb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"] == []
    assert scan_all(ddb, target) == before
    # The indexes are filled: a GSI query and an LSI query see the backed-up items.
    reds = ddb.query(TableName=target, IndexName="byColor", KeyConditionExpression="color = :c",
                     ExpressionAttributeValues={":c": {"S": "red"}})["Items"]
    assert len(reds) == 150
    by_at = ddb.query(TableName=target, IndexName="byAt", KeyConditionExpression="pk = :p",
                      ExpressionAttributeValues={":p": {"S": "p0"}})["Items"]
    assert len(by_at) == 60 and {"S": "2026-01-01"} in [x["at"] for x in by_at]
    assert table["GlobalSecondaryIndexes"][0]["ItemCount"] == 300


def test_index_overrides_billing_and_errors(ddb):
    source = make_source(ddb, unique("bovr"))
    for i in range(20):
        ddb.put_item(TableName=source, Item=item(i))
    arn = ddb.create_backup(TableName=source, BackupName="bk1")["BackupDetails"]["BackupArn"]
    wait_available(ddb, arn)
    target = unique("bprov")
    ddb.restore_table_from_backup(
        TargetTableName=target, BackupArn=arn, GlobalSecondaryIndexOverride=[], BillingModeOverride="PROVISIONED",
        ProvisionedThroughputOverride={"ReadCapacityUnits": 3, "WriteCapacityUnits": 4})
    wait_active(ddb, target)
    table = ddb.describe_table(TableName=target)["Table"]
    assert "GlobalSecondaryIndexes" not in table and len(table["LocalSecondaryIndexes"]) == 1
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 3
    assert table["ItemCount"] == 20

    code, message = call_error(ddb.restore_table_from_backup, TargetTableName=target, BackupArn=arn)
    assert (code, message) == ("TableAlreadyExistsException", "Table already exists: " + target)
    missing = arn[:-8] + "00000000"
    code, message = call_error(ddb.describe_backup, BackupArn=missing)
    assert (code, message) == ("BackupNotFoundException", "Backup not found: " + missing)
    code, _ = call_error(ddb.restore_table_from_backup, TargetTableName=unique("x"), BackupArn=missing)
    assert code == "BackupNotFoundException"
    code, message = call_error(ddb.create_backup, TableName=unique("absent"), BackupName="bkp")
    assert code == "TableNotFoundException" and message.startswith("Table not found: ")
    code, message = call_error(ddb.create_backup, TableName=source, BackupName="no spaces")
    assert code == "ValidationException" and "backupName" in message
    code, message = call_error(ddb.restore_table_from_backup, TargetTableName=unique("x"), BackupArn=arn,
                               GlobalSecondaryIndexOverride=[{
                                   "IndexName": "nope", "KeySchema": [{"AttributeName": "color", "KeyType": "HASH"}],
                                   "Projection": {"ProjectionType": "ALL"}}])
    assert code == "ValidationException" and "nope" in message

    deleted = ddb.delete_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"]
    assert deleted["BackupStatus"] == "DELETED"
    code, _ = call_error(ddb.describe_backup, BackupArn=arn)
    assert code == "BackupNotFoundException"
    code, _ = call_error(ddb.delete_backup, BackupArn=arn)
    assert code == "BackupNotFoundException"


def test_list_backups_filters_and_pages_through_the_cli(ddb, endpoint):
    source = make_source(ddb, unique("blist"))
    other = make_source(ddb, unique("bother"))
    arns = []
    for i in range(3):
        arns.append(ddb.create_backup(TableName=source, BackupName="bk%d" % i)["BackupDetails"]["BackupArn"])
        if i == 0:
            time.sleep(1.5)  # boto3 sends timestamps in whole seconds
    ddb.create_backup(TableName=other, BackupName="other")
    for arn in arns:
        wait_available(ddb, arn)
    listed = []
    page = ddb.list_backups(TableName=source, Limit=2)
    listed += page["BackupSummaries"]
    assert len(page["BackupSummaries"]) == 2 and "LastEvaluatedBackupArn" in page
    page = ddb.list_backups(TableName=source, Limit=2, ExclusiveStartBackupArn=page["LastEvaluatedBackupArn"])
    listed += page["BackupSummaries"]
    assert "LastEvaluatedBackupArn" not in page
    assert [b["BackupArn"] for b in listed] == arns
    assert {b["TableName"] for b in listed} == {source}
    assert ddb.list_backups(TableName=source, BackupType="SYSTEM")["BackupSummaries"] == []
    created = listed[1]["BackupCreationDateTime"].replace(microsecond=0)
    later = ddb.list_backups(TableName=source, TimeRangeLowerBound=created)["BackupSummaries"]
    assert [b["BackupArn"] for b in later] == arns[1:]
    out = subprocess.run([AWS, "dynamodb", "list-backups", "--table-name", source, "--endpoint-url", endpoint,
                          "--output", "json"], env=ENV, capture_output=True, text=True, check=True)
    assert [b["BackupName"] for b in json.loads(out.stdout)["BackupSummaries"]] == ["bk0", "bk1", "bk2"]
    out = subprocess.run([AWS, "dynamodb", "describe-backup", "--backup-arn", arns[0], "--endpoint-url", endpoint,
                          "--output", "json"], env=ENV, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["BackupDescription"]["BackupDetails"]["BackupStatus"] == "AVAILABLE"


def test_limit_validation(raw_ddb):
    code, message = call_error(raw_ddb.list_backups, Limit=0)
    assert code == "ValidationException" and "limit" in message


def test_point_in_time_restore_to_the_latest_time(ddb):
    source = make_source(ddb, unique("pitr"))
    for i in range(40):
        ddb.put_item(TableName=source, Item=item(i))
    code, message = call_error(ddb.restore_table_to_point_in_time, SourceTableName=source,
                               TargetTableName=unique("t"), UseLatestRestorableTime=True)
    assert (code, message) == ("PointInTimeRecoveryUnavailableException",
                               "Point in time recovery is not enabled for table '%s'" % source)
    ddb.update_continuous_backups(TableName=source,
                                  PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    target = unique("pitr-copy")
    restored = ddb.restore_table_to_point_in_time(SourceTableName=source, TargetTableName=target,
                                                  UseLatestRestorableTime=True)["TableDescription"]
    assert restored["TableName"] == target and "SourceBackupArn" not in restored["RestoreSummary"]
    ddb.put_item(TableName=source, Item=item(999))  # after the restore began: not copied
    wait_active(ddb, target)
    assert scan_all(ddb, target) == [x for x in scan_all(ddb, source) if x["sk"]["N"] != "999"]
    assert len(ddb.query(TableName=target, IndexName="byColor", KeyConditionExpression="color = :c",
                         ExpressionAttributeValues={":c": {"S": "blue"}})["Items"]) == 20
    described = ddb.describe_table(TableName=target)["Table"]
    assert described["RestoreSummary"]["SourceTableArn"].endswith(":table/" + source)
    # No history is kept: an earlier time is refused, saying what to do instead.
    earliest = ddb.describe_continuous_backups(TableName=source)["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"]["EarliestRestorableDateTime"]
    code, message = call_error(ddb.restore_table_to_point_in_time, SourceTableName=source,
                               TargetTableName=unique("t"), RestoreDateTime=earliest)
    assert code == "ValidationException" and "CreateBackup" in message
    code, _ = call_error(ddb.restore_table_to_point_in_time, SourceTableName=source,
                         TargetTableName=target, UseLatestRestorableTime=True)
    assert code == "TableAlreadyExistsException"


def test_backups_and_an_interrupted_restore_survive_a_restart():
    with tempfile.TemporaryDirectory() as data_dir:
        with Server(data_dir=data_dir) as server:
            ddb = make_client(server.url)
            source = make_source(ddb, unique("bdur"))
            for i in range(50):
                ddb.put_item(TableName=source, Item=item(i))
            arn = ddb.create_backup(TableName=source, BackupName="keep")["BackupDetails"]["BackupArn"]
            wait_available(ddb, arn)
            ddb.restore_table_from_backup(TargetTableName="restored-" + source, BackupArn=arn)
            ddb.update_continuous_backups(TableName=source,
                                          PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
            ddb.restore_table_to_point_in_time(SourceTableName=source, TargetTableName="copy-" + source,
                                               UseLatestRestorableTime=True)
            # Stopped at once: the restores may be cut short; the next start finishes them (a
            # point-in-time copy cut before its snapshot was written is dropped, as a failed restore).
        with Server(data_dir=data_dir) as server:
            ddb = make_client(server.url)
            assert ddb.describe_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"]["BackupStatus"] == "AVAILABLE"
            wait_active(ddb, "restored-" + source)
            assert scan_all(ddb, "restored-" + source) == scan_all(ddb, source)
            wait_for(lambda: "copy-" + source not in ddb.list_tables()["TableNames"]
                     or ddb.describe_table(TableName="copy-" + source)["Table"]["TableStatus"] == "ACTIVE",
                     what="the point-in-time copy finished or dropped")
            if "copy-" + source in ddb.list_tables()["TableNames"]:
                assert scan_all(ddb, "copy-" + source) == scan_all(ddb, source)
            # Only the backup's own file is left.
            assert os.listdir(os.path.join(data_dir, "backups")) == [arn.split("/")[-1] + ".cbk"]
