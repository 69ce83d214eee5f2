"""Deploy checks for the private origin and traffic-shifting deploys (deploycheck/delivery.py),
on the real prod program's records: clean as registered, and one finding per deliberate mistake
that AWS would refuse (internet-facing VPC origin, a VPC without an internet gateway, a
listener that mixes fixed-response with forward, missing alternate group, bake time out of
range...).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from perfcheck_deploy import run_deploy_checks
from perfcheck_deploy.delivery import RANGES_ID, SHIFTING_ID, VPC_ORIGIN_ID

from foundation.records import StackRun
from tools.offline.runner import cached_run

COVERED_CHECK_IDS = frozenset({VPC_ORIGIN_ID, SHIFTING_ID, RANGES_ID})
"""Check ids whose deliberately wrong cases live here (test_deploycheck_cases.py counts them)."""

SERVICE = "aws:ecs/service:Service"
Edit = Callable[[StackRun], StackRun]


def edited(type_token: str, change: Callable[[dict[str, Any]], None]) -> Edit:
    """A copy of the run where the first resource of the type has its inputs changed."""

    def apply(run: StackRun) -> StackRun:
        record = run.by_type(type_token)[0]
        inputs = dict(record.inputs)
        change(inputs)
        new = dataclasses.replace(record, wire_inputs=inputs)
        return dataclasses.replace(
            run, resources=tuple(new if r is record else r for r in run.resources)
        )

    return apply


def deployment(**changes: Any) -> Edit:
    return edited(
        SERVICE,
        lambda i: i.update(deploymentConfiguration={**i["deploymentConfiguration"], **changes}),
    )


def advanced(**changes: Any) -> Edit:
    def change(inputs: dict[str, Any]) -> None:
        (binding,) = inputs["loadBalancers"]
        inputs["loadBalancers"] = [
            {**binding, "advancedConfiguration": {**binding["advancedConfiguration"], **changes}}
        ]

    return edited(SERVICE, change)


def _public_tier_removed(inputs: dict[str, Any]) -> None:
    inputs["subnetSpecs"] = [s for s in inputs["subnetSpecs"] if s["type"] != "Public"]


def _lb_group(run: StackRun) -> str:
    return run.by_type(SERVICE)[0].inputs["loadBalancers"][0]["targetGroupArn"]


CASES: dict[str, tuple[str, str, Edit]] = {
    "vpc-origin-on-internet-facing-alb": (
        VPC_ORIGIN_ID,
        "internet-facing",
        edited("aws:lb/loadBalancer:LoadBalancer", lambda i: i.update(internal=False)),
    ),
    "vpc-without-internet-gateway": (
        VPC_ORIGIN_ID,
        "no internet gateway",
        edited("awsx:ec2:Vpc", _public_tier_removed),
    ),
    "fixed-response-default-on-the-production-listener": (
        SHIFTING_ID,
        "mixes forward with fixed-response",
        edited(
            "aws:lb/listener:Listener",
            lambda i: i.update(
                defaultActions=[{"type": "fixed-response", "fixedResponse": {"statusCode": "403"}}]
            ),
        ),
    ),
    "production-rule-redirects": (
        SHIFTING_ID,
        "ECS shifts only forward actions",
        edited(
            "aws:lb/listenerRule:ListenerRule",
            lambda i: i.update(actions=[{"type": "redirect", "redirect": {"protocol": "HTTPS"}}]),
        ),
    ),
    "canary-without-a-second-target-group": (
        SHIFTING_ID,
        "needs alternateTargetGroupArn",
        advanced(alternateTargetGroupArn=None),
    ),
    "canary-without-the-role": (SHIFTING_ID, "needs roleArn", advanced(roleArn="")),
    "canary-without-advanced-configuration": (
        SHIFTING_ID,
        "needs advancedConfiguration",
        edited(
            SERVICE,
            lambda i: i.update(
                loadBalancers=[
                    {k: v for k, v in i["loadBalancers"][0].items() if k != "advancedConfiguration"}
                ]
            ),
        ),
    ),
    "bake-time-above-1440": (
        RANGES_ID,
        "bakeTimeInMinutes '1441'",
        deployment(bakeTimeInMinutes="1441"),
    ),
    "bake-time-not-whole": (
        RANGES_ID,
        "bakeTimeInMinutes '2.5'",
        deployment(bakeTimeInMinutes="2.5"),
    ),
    "canary-percent-too-small": (
        RANGES_ID,
        "canaryPercent 0.05",
        deployment(canaryConfiguration={"canaryPercent": 0.05, "canaryBakeTimeInMinutes": "5"}),
    ),
    "canary-without-configuration": (
        RANGES_ID,
        "requires canaryConfiguration",
        deployment(canaryConfiguration=None),
    ),
    "linear-step-too-small": (
        RANGES_ID,
        "stepPercent 2",
        deployment(
            strategy="LINEAR",
            canaryConfiguration=None,
            linearConfiguration={"stepPercent": 2, "stepBakeTimeInMinutes": "5"},
        ),
    ),
    "unknown-strategy": (RANGES_ID, "not one of", deployment(strategy="ALL_AT_ONCE")),
}


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_the_stacks_are_clean(stack: str) -> None:
    findings = [f for f in run_deploy_checks(cached_run(stack)) if f.check_id in COVERED_CHECK_IDS]
    assert findings == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_mistake_is_found(case: str) -> None:
    check_id, says, edit = CASES[case]
    findings = run_deploy_checks(edit(cached_run("prod")))
    matching = [f for f in findings if f.check_id == check_id and says in f.aws_says]
    assert matching, [str(f) for f in findings]


def test_a_rule_that_does_not_reach_the_primary_group_is_found() -> None:
    run = cached_run("prod")
    primary = _lb_group(run)

    def other_groups(inputs: dict[str, Any]) -> None:
        (action,) = inputs["actions"]
        groups = [g for g in action["forward"]["targetGroups"] if g["arn"] != primary]
        inputs["actions"] = [{"type": "forward", "forward": {"targetGroups": groups}}]

    broken = edited("aws:lb/listenerRule:ListenerRule", other_groups)(run)
    assert any(
        "does not forward to the service's target group" in f.aws_says
        for f in run_deploy_checks(broken)
    )


def test_rolling_services_are_not_asked_for_traffic_shifting_resources() -> None:
    run = deployment(strategy="ROLLING", canaryConfiguration=None, bakeTimeInMinutes=None)(
        cached_run("prod")
    )
    run = advanced(alternateTargetGroupArn=None, roleArn=None)(run)
    assert [f for f in run_deploy_checks(run) if f.check_id in COVERED_CHECK_IDS] == []
