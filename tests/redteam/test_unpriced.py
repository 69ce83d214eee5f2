"""Fail closed on cost: a sized resource the estimate cannot price is a finding in prod.

Property: a resource that states a size (an instance or node type or class, a node count) bills
by the hour whether used or not; when the estimate cannot price it, the total passes any budget.
So it is a mandatory finding of `monthly-estimate-within-budget` in prod, unless the stack's cost
config reviews its type with a reason (then a note; a reviewed type the stack no longer has is a
stale finding). An unpriced resource billed only by use stays a note. This overrides issue 26's
"unpriced is a note, never a finding".
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest

from estimate.bounds import instance_hourly, monthly_floor
from foundation.prices import load_price_table
from tests.policies.builders import compliant_resources, stack_run
from tests.redteam.harness import config_dir_for, judge, judge_together
from tests.redteam.programs import STACK, UNKNOWN, Program, one
from tools.offline.policy_driver import evaluate_packs

POLICY = "monthly-estimate-within-budget"

SIZED = [
    (
        "aws:opensearch/domain:Domain",
        {
            "clusterConfig": {"instanceType": "r6g.2xlarge.search", "instanceCount": 3},
            "encryptAtRest": {"enabled": True},
        },
    ),
    (
        "aws:msk/cluster:Cluster",
        {
            "kafkaVersion": "3.6.0",
            "numberOfBrokerNodes": 6,
            "brokerNodeGroupInfo": {"instanceType": "kafka.m5.4xlarge", "clientSubnets": []},
        },
    ),
    ("aws:docdb/clusterInstance:ClusterInstance", {"instanceClass": "db.r6g.8xlarge"}),
    ("aws:ec2/instance:Instance", {"instanceType": "c7g.16xlarge", "ami": UNKNOWN}),
    # a size computed at deploy time is still a size (fail closed)
    ("aws:neptune/clusterInstance:ClusterInstance", {"instanceClass": UNKNOWN}),
]


def _mandatory(program: Program) -> set[str]:
    return {v.policy for v in judge(program).findings if v.enforcement_level == "mandatory"}


@pytest.mark.parametrize(("type_token", "inputs"), SIZED, ids=[t for t, _ in SIZED])
def test_a_sized_unpriced_resource_is_a_mandatory_finding_in_prod(
    type_token: str, inputs: dict[str, Any]
) -> None:
    program = Program("sized", "cost", True, one(type_token, "sized", inputs))
    assert POLICY in _mandatory(program)


@pytest.mark.parametrize(
    ("type_token", "inputs"),
    [
        ("aws:sfn/stateMachine:StateMachine", {"roleArn": UNKNOWN, "definition": "{}"}),
        ("aws:sqs/queue:Queue", {"sqsManagedSseEnabled": True}),
    ],
)
def test_an_unpriced_resource_billed_by_use_stays_a_note(
    type_token: str, inputs: dict[str, Any]
) -> None:
    program = Program("by-use", "cost", False, one(type_token, "by-use", inputs))
    assert POLICY not in {v.policy for v in judge(program).findings}


def _judged_with(type_token: str, inputs: dict[str, Any], **settings: Any) -> list[Any]:
    """The rule's mandatory findings with `settings` in its cost config (notes are advisory)."""
    program = Program("configured", "cost", True, one(type_token, "sized", inputs))
    directory = config_dir_for(program)
    path = directory / f"{STACK}.cost.json"
    config = json.loads(path.read_text())
    entry = (
        config[POLICY] if isinstance(config[POLICY], dict) else {"enforcementLevel": "mandatory"}
    )
    config[POLICY] = {**entry, **settings}
    path.write_text(json.dumps(config))
    resources = compliant_resources(STACK)
    resources.update(program.build(resources))
    report = evaluate_packs(stack_run(resources, STACK), STACK, directory, packs=("cost",))
    return [
        v for v in report.violations if v.policy == POLICY and v.enforcement_level == "mandatory"
    ]


def _judged_with_reviewed(reviewed: list[dict[str, str]]) -> list[Any]:
    return _judged_with(*SIZED[0], reviewedUnpricedTypes=reviewed)


def test_a_reviewed_type_is_a_note_and_a_stale_review_is_a_finding() -> None:
    reviewed = {"type": SIZED[0][0], "reason": "search cluster billed to the search team"}
    assert not _judged_with_reviewed([reviewed])
    stale = {"type": "aws:emr/cluster:Cluster", "reason": "no longer used"}
    found = _judged_with_reviewed([reviewed, stale])
    assert [v for v in found if "stale" in v.message and "emr" in v.message]


# --- the costliness limit: size settings priced at their lowest, against a stated amount -------
# Property: an unpriced resource is a finding when its size settings (any of them: instance or
# node type and count, IOPS, throughput, shards, capacity units, storage GB, minimum capacity)
# cost at least `unpricedMonthlyLimitUsd` a month at the lowest prices AWS lists, or cannot be
# read; a small one of the same type is a note. Members are our own, not wave 4's.

COSTLY = {
    "gp3-16k-iops-16tb": (
        "aws:ebs/volume:Volume",
        {"type": "gp3", "size": 16000, "iops": 16000, "throughput": 1000, "encrypted": True},
    ),
    "io1-20k-iops": ("aws:ebs/volume:Volume", {"type": "io1", "size": 100, "iops": 20000}),
    "kinesis-20-shards": ("aws:kinesis/stream:Stream", {"shardCount": 20}),
    "dynamodb-provisioned": (
        "aws:dynamodb/table:Table",
        {"billingMode": "PROVISIONED", "readCapacity": 2000, "writeCapacity": 1000},
    ),
    "dynamodb-gsi-capacity": (
        "aws:dynamodb/table:Table",
        {
            "billingMode": "PROVISIONED",
            "readCapacity": 5,
            "writeCapacity": 5,
            "globalSecondaryIndexes": [{"name": "by-day", "readCapacity": 5, "writeCapacity": 800}],
        },
    ),
    "msk-broker-storage": (
        "aws:msk/cluster:Cluster",
        {
            "numberOfBrokerNodes": 3,
            "brokerNodeGroupInfo": {
                "instanceType": "kafka.t3.small",
                # per broker: 4,000 GB is under the limit once, over it for three brokers
                "storageInfo": {"ebsStorageInfo": {"volumeSize": 4000}},
            },
        },
    ),
    "opensearch-ten-large-nodes": (
        "aws:opensearch/domain:Domain",
        {"clusterConfig": {"instanceType": "r6g.large.search", "instanceCount": 10}},
    ),
    "opensearch-dedicated-masters": (
        "aws:opensearch/domain:Domain",
        {
            "clusterConfig": {
                "instanceType": "t3.small.search",
                "instanceCount": 1,
                "dedicatedMasterType": "r6g.4xlarge.search",
                "dedicatedMasterCount": 3,
            }
        },
    ),
    "redshift-eight-ra3": (
        "aws:redshift/cluster:Cluster",
        {"nodeType": "ra3.4xlarge", "numberOfNodes": 8},
    ),
    "fsx-windows-throughput": (
        "aws:fsx/windowsFileSystem:WindowsFileSystem",
        {"storageCapacity": 32, "throughputCapacity": 2048},
    ),
    "efs-provisioned-throughput": (
        "aws:efs/fileSystem:FileSystem",
        {"throughputMode": "provisioned", "provisionedThroughputInMibps": 100},
    ),
    "lambda-provisioned-concurrency": (
        "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig",
        {"functionName": "api", "qualifier": "live", "provisionedConcurrentExecutions": 500},
    ),
    "aurora-io-optimized-instance": (
        "aws:rds/clusterInstance:ClusterInstance",
        {"instanceClass": "db.r6g.16xlarge", "clusterIdentifier": "orders"},
    ),
    "aurora-serverless-minimum": (
        "aws:rds/cluster:Cluster",
        {
            "engine": "aurora-postgresql",
            "storageType": "aurora-iopt1",
            "serverlessv2ScalingConfiguration": {"minCapacity": 8, "maxCapacity": 64},
        },
    ),
    "eks-node-group": (
        "aws:eks/nodeGroup:NodeGroup",
        {"instanceTypes": ["m5.2xlarge"], "scalingConfig": {"desiredSize": 6, "maxSize": 9}},
    ),
    # a size the bound cannot read is a finding, never a guess (fail closed)
    "metal-instance": ("aws:ec2/instance:Instance", {"instanceType": "m7g.metal"}),
    "shards-unknown": ("aws:kinesis/stream:Stream", {"shardCount": UNKNOWN}),
}

SMALL = {
    "kinesis-1-shard": ("aws:kinesis/stream:Stream", {"shardCount": 1}),
    "dynamodb-5-units": (
        "aws:dynamodb/table:Table",
        {"billingMode": "PROVISIONED", "readCapacity": 5, "writeCapacity": 5},
    ),
    "gp3-100gb": ("aws:ebs/volume:Volume", {"type": "gp3", "size": 100, "iops": 3000}),
    "t4g-micro-instance": ("aws:ec2/instance:Instance", {"instanceType": "t4g.micro"}),
    "one-small-search-node": (
        "aws:opensearch/domain:Domain",
        {"clusterConfig": {"instanceType": "t3.small.search", "instanceCount": 1}},
    ),
    "efs-bursting": ("aws:efs/fileSystem:FileSystem", {"throughputMode": "bursting"}),
}


@functools.cache
def _cost_findings() -> dict[str, list[Any]]:
    programs = [
        Program(name, "cost", name in COSTLY, one(type_token, name, inputs))
        for name, (type_token, inputs) in {**COSTLY, **SMALL}.items()
    ]
    return {
        name: [v for v in verdict.findings if v.policy == POLICY]
        for name, verdict in judge_together(programs).items()
    }


@pytest.mark.parametrize("name", sorted(COSTLY))
def test_an_unpriced_resource_sized_over_the_limit_is_a_mandatory_finding(name: str) -> None:
    found = _cost_findings()[name]
    assert [v for v in found if v.enforcement_level == "mandatory"], found


@pytest.mark.parametrize("name", sorted(SMALL))
def test_a_small_unpriced_resource_of_the_same_types_is_no_finding(name: str) -> None:
    assert _cost_findings()[name] == []


def test_the_limit_is_the_stated_amount_not_a_fixed_one() -> None:
    """The same Kinesis stream (20 shards, at least $219 a month) is a finding under a $100
    limit and a note under a $300 one: the config's amount is what is judged."""
    for limit, expected in ((100, True), (300, False)):
        found = _judged_with(*COSTLY["kinesis-20-shards"], unpricedMonthlyLimitUsd=limit)
        assert bool(found) is expected, limit


def test_the_size_floor_is_below_every_instance_price_of_the_table() -> None:
    """The bound is a lower bound: no instance or node price the estimate knows is under the
    floor for its size name (a floor above a real price would flag a resource under the limit)."""
    table = load_price_table()
    checked = 0
    for key, price in table.prices.items():
        name = key.split(".", 2)[-1] if key.startswith("rds.instance.") else None
        if key.startswith("elasticache.node."):
            name = key.split(".", 3)[-1]
        if name is None:
            continue
        floor = instance_hourly(name)
        assert floor is not None and floor <= price.usd, (key, floor, price.usd)
        checked += 1
    assert checked >= 20


def test_gp3_baseline_iops_and_throughput_are_not_counted() -> None:
    """gp3 includes 3,000 IOPS and 125 MiB/s in its GB price: a volume at the baseline is
    bounded by its storage alone, and only what is provisioned above it adds."""
    storage = monthly_floor({"type": "gp3", "size": 100})[0]
    baseline = {"type": "gp3", "size": 100, "iops": 3000, "throughput": 125}
    assert monthly_floor(baseline)[0] == storage
    above = monthly_floor({"type": "gp3", "size": 100, "iops": 3001, "throughput": 126})[0]
    assert above is not None and storage is not None and above > storage
