"""State AWS owns after creation is never re-sent: after ECS swapped the target-group pair and
the production rule's weights, and autoscaling moved the desired count, the next `up` plans no
change to them.

The simulation: the provider's read of the service (the state the engine holds after `pulumi
refresh`, or after the update's own read once the deploy finished) has the groups swapped; the
program sends what it always sends; the engine keeps the old value on every ignored path before
it diffs (perfcheck_deploy.in_use.changed_paths applies the same rule).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from perfcheck_deploy.in_use import changed_paths

from foundation.records import ResourceRecord, StackRun
from tests.delivery.gate_invariants import logical_lines, runs_pulumi, tokens

SERVICE = "aws:ecs/service:Service"
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"


def read_back(record: ResourceRecord) -> dict[str, Any]:
    """What the provider reads: the record's state, restricted to the inputs the program sends."""
    return {key: copy.deepcopy(record.outputs[key]) for key in record.inputs}


def after_ecs_swapped(state: Mapping[str, Any]) -> dict[str, Any]:
    """The service as ECS leaves it after a traffic shift: primary and alternate exchanged,
    and autoscaling at a count the program never asked for."""
    swapped = copy.deepcopy(dict(state))
    balancer = swapped["loadBalancers"][0]
    advanced = balancer["advancedConfiguration"]
    balancer["targetGroupArn"], advanced["alternateTargetGroupArn"] = (
        advanced["alternateTargetGroupArn"],
        balancer["targetGroupArn"],
    )
    swapped["desiredCount"] = swapped["desiredCount"] + 4
    return swapped


def after_weights_shifted(state: Mapping[str, Any]) -> dict[str, Any]:
    shifted = copy.deepcopy(dict(state))
    groups = shifted["actions"][0]["forward"]["targetGroups"]
    groups[0]["weight"], groups[1]["weight"] = groups[1]["weight"], groups[0]["weight"]
    return shifted


def shifting(run: StackRun) -> bool:
    service = run.one(SERVICE)
    return "advancedConfiguration" in service.inputs["loadBalancers"][0]


@pytest.fixture
def shifting_stack(each_stack: StackRun) -> StackRun:
    if not shifting(each_stack):
        pytest.skip(f"{each_stack.stack} deploys rolling: ECS swaps nothing")
    return each_stack


def test_the_next_up_does_not_swap_the_target_groups_back(shifting_stack: StackRun) -> None:
    service = shifting_stack.one(SERVICE)
    state = after_ecs_swapped(read_back(service))
    sent = dict(service.inputs)
    # The simulation is real: without the option the engine would diff (and re-send) them.
    assert {
        "desiredCount",
        "loadBalancers[0].targetGroupArn",
        "loadBalancers[0].advancedConfiguration.alternateTargetGroupArn",
    } <= set(changed_paths(state, sent))
    assert changed_paths(state, sent, service.ignore_changes) == []


def test_the_next_up_does_not_reset_the_rule_weights(shifting_stack: StackRun) -> None:
    rule = shifting_stack.one(LISTENER_RULE)
    state = after_weights_shifted(read_back(rule))
    sent = dict(rule.inputs)
    assert changed_paths(state, sent)  # the weights did move
    assert changed_paths(state, sent, rule.ignore_changes) == []


def test_only_aws_owned_paths_are_ignored(each_stack: StackRun) -> None:
    """Everything else the program sends still reaches AWS: a new task definition, container
    port or network configuration is diffed as usual."""
    service = each_stack.one(SERVICE)
    expected = {"desiredCount"}
    if shifting(each_stack):
        expected |= {
            "loadBalancers[*].targetGroupArn",
            "loadBalancers[*].advancedConfiguration.alternateTargetGroupArn",
        }
    assert set(service.ignore_changes) == expected
    state = read_back(service)
    state["taskDefinition"] = "arn:aws:ecs:eu-west-1:123456789012:task-definition/old:1"
    state["loadBalancers"][0]["containerPort"] = 1
    assert changed_paths(state, dict(service.inputs), service.ignore_changes) == [
        "loadBalancers[0].containerPort",
        "taskDefinition",
    ]


def test_every_workflow_up_refreshes_before_it_diffs() -> None:
    """The engine fills an ignored path from the inputs the state holds, and an update's own
    read of the service lands in its outputs only: without a refresh the next `up` re-sends the
    pair ECS swapped (review pass 6, R40). So every `pulumi up` a workflow runs refreshes first,
    and the simulation above ("the state after `pulumi refresh`") is the state it diffs."""
    ups = []
    for path in sorted(
        (Path(__file__).resolve().parents[1] / ".github" / "workflows").glob("*.y*ml")
    ):
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            for step in job.get("steps") or []:
                for line in logical_lines(step.get("run", "")):
                    words = tokens(line)
                    if runs_pulumi(words, "up"):
                        ups.append((path.name, words))
    assert ups, "no workflow runs pulumi up"
    for name, words in ups:
        up = words.index("up")
        command = words[up : next((i for i, w in enumerate(words) if i > up and w in OPS), None)]
        assert {"--refresh", "-r", "--refresh=true"} & set(command), (name, " ".join(words))


OPS = {"||", "&&", "|", ";", "&"}
