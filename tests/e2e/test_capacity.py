"""--enforce-capacity: PROVISIONED tables are throttled at their capacity units, with burst
capacity (--burst-seconds), answering ProvisionedThroughputExceededException, which the SDKs
retry; UpdateTable applies at once; on-demand tables and servers without the flag never
throttle."""

import time

import boto3
import pytest
from botocore.config import Config

from conftest import REGION, Server, call_error, create_table, make_client, unique


def provisioned(ddb, rcu, wcu):
    name = unique("cap")
    create_table(ddb, name, BillingMode="PROVISIONED",
                 ProvisionedThroughput={"ReadCapacityUnits": rcu, "WriteCapacityUnits": wcu})
    return name


MESSAGES = []  # the refusals' messages


def writes_for(ddb, name, seconds):
    """Puts as fast as one client can for `seconds`: (succeeded, throttled)."""
    ok = throttled = 0
    end = time.time() + seconds
    i = 0
    while time.time() < end:
        i += 1
        try:
            ddb.put_item(TableName=name, Item={"pk": {"S": str(i)}})
            ok += 1
        except ddb.exceptions.ProvisionedThroughputExceededException as e:
            throttled += 1
            MESSAGES.append(e.response["Error"]["Message"])
    return ok, throttled


def test_a_5_wcu_table_sustains_about_5_writes_a_second():
    with Server("--enforce-capacity", "--burst-seconds", "1") as s:
        ddb = make_client(s.url)  # no retries: each refusal is counted
        name = provisioned(ddb, 10, 5)
        writes_for(ddb, name, 1.5)  # spend the burst
        ok, throttled = writes_for(ddb, name, 4)
        assert 12 <= ok <= 30, ok  # 5 a second, plus what a refill between two writes allows
        assert throttled > ok
        assert MESSAGES[-1].startswith("The level of configured provisioned throughput for the table was exceeded.")
        # boto3's own retries (exponential backoff) get a write through.
        retrying = boto3.client("dynamodb", endpoint_url=s.url, region_name=REGION, aws_access_key_id="a",
                                aws_secret_access_key="b", config=Config(retries={"max_attempts": 10, "mode": "standard"}))
        retrying.put_item(TableName=name, Item={"pk": {"S": "retried"}})
        assert ddb.get_item(TableName=name, Key={"pk": {"S": "retried"}}, ConsistentRead=True)  # reads have capacity
        # UpdateTable applies at once.
        ddb.update_table(TableName=name, ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 1000})
        time.sleep(1.2)  # the debt is repaid at the new rate
        ok, throttled = writes_for(ddb, name, 1)
        assert throttled == 0 and ok > 30


def test_reads_are_throttled_at_their_units():
    with Server("--enforce-capacity", "--burst-seconds", "1") as s:
        ddb = make_client(s.url)
        name = provisioned(ddb, 2, 100)
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
        throttled = 0
        for _ in range(40):
            try:
                ddb.get_item(TableName=name, Key={"pk": {"S": "a"}}, ConsistentRead=True)
            except ddb.exceptions.ProvisionedThroughputExceededException:
                throttled += 1
        assert throttled > 20


@pytest.mark.parametrize("flag", [True, False])
def test_on_demand_tables_and_a_server_without_the_flag_never_throttle(flag):
    with Server(*(["--enforce-capacity", "--burst-seconds", "1"] if flag else [])) as s:
        ddb = make_client(s.url)
        names = [unique("od")]
        create_table(ddb, names[0])
        if not flag:
            names.append(provisioned(ddb, 1, 1))
        for name in names:
            ok, throttled = writes_for(ddb, name, 1)
            assert throttled == 0 and ok > 20
