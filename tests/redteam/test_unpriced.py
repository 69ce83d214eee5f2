"""Fail closed on cost: a sized resource the estimate cannot price is a finding in prod.

Property: a resource that states a size (an instance or node type or class, a node count) bills
by the hour whether used or not; when the estimate cannot price it, the total passes any budget.
So it is a mandatory finding of `monthly-estimate-within-budget` in prod, unless the stack's cost
config reviews its type with a reason (then a note; a reviewed type the stack no longer has is a
stale finding). An unpriced resource billed only by use stays a note. This overrides issue 26's
"unpriced is a note, never a finding".
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.policies.builders import compliant_resources, stack_run
from tests.redteam.harness import config_dir_for, judge
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


def _judged_with_reviewed(reviewed: list[dict[str, str]]) -> list[Any]:
    """The rule's mandatory findings with `reviewedUnpricedTypes` set (notes are advisory)."""
    type_token, inputs = SIZED[0]
    program = Program("reviewed", "cost", True, one(type_token, "sized", inputs))
    directory = config_dir_for(program)
    path = directory / f"{STACK}.cost.json"
    config = json.loads(path.read_text())
    entry = (
        config[POLICY] if isinstance(config[POLICY], dict) else {"enforcementLevel": "mandatory"}
    )
    config[POLICY] = {**entry, "reviewedUnpricedTypes": reviewed}
    path.write_text(json.dumps(config))
    resources = compliant_resources(STACK)
    resources.update(program.build(resources))
    report = evaluate_packs(stack_run(resources, STACK), STACK, directory, packs=("cost",))
    return [
        v for v in report.violations if v.policy == POLICY and v.enforcement_level == "mandatory"
    ]


def test_a_reviewed_type_is_a_note_and_a_stale_review_is_a_finding() -> None:
    reviewed = {"type": SIZED[0][0], "reason": "search cluster billed to the search team"}
    assert not _judged_with_reviewed([reviewed])
    stale = {"type": "aws:emr/cluster:Cluster", "reason": "no longer used"}
    found = _judged_with_reviewed([reviewed, stale])
    assert [v for v in found if "stale" in v.message and "emr" in v.message]
