"""The estimate matches each ECS service with its own task definition, scaling target, scaling
policy and cluster, through indexes built once per estimate (pricers' `Context.grouped`).

Property: in a stack of several independent copies, every copy is priced exactly as it is alone
(no copy reads another's definition, scaling or cluster), so the total is the copies' sum; the
matching rules (family, last segment of a resource id, cluster name) are unchanged by the index.
"""

from __future__ import annotations

from typing import Any

import pytest

from estimate import PricedResource, estimate_resources
from estimate.model import Estimate
from foundation.usage import UsageAssumptions

CLUSTER = "aws:ecs/cluster:Cluster"
SERVICE = "aws:ecs/service:Service"
DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
TARGET = "aws:appautoscaling/target:Target"
POLICY = "aws:appautoscaling/policy:Policy"


def _copy(i: int, *, tasks: int = 2, cpu: str = "256", name: str | None = None) -> list[Any]:
    """One cluster (enhanced Container Insights) with one service, its definition and scaling;
    sizes differ per copy, so a copy priced with another's resources changes the total."""
    service_name = name or f"svc{i}"
    request_metric = {"metricStat": {"metric": {"metricName": "RequestCount"}}}
    return [
        PricedResource(
            f"urn:cluster{i}", CLUSTER, f"cluster{i}",
            {"name": f"c{i}", "settings": [{"name": "containerInsights", "value": "enhanced"}]},
        ),
        PricedResource(
            f"urn:td{i}", DEFINITION, f"td{i}", {"family": f"f{i}", "cpu": cpu, "memory": "2048"}
        ),
        PricedResource(
            f"urn:svc{i}", SERVICE, f"svc{i}",
            {
                "name": service_name,
                "cluster": f"arn:aws:ecs:eu-west-1:1:cluster/c{i}",
                "taskDefinition": f"arn:aws:ecs:eu-west-1:1:task-definition/f{i}:3",
                "desiredCount": 1,
            },
        ),
        PricedResource(
            f"urn:target{i}", TARGET, f"target{i}",
            {
                "resourceId": f"service/c{i}/{service_name}",
                "scalableDimension": "ecs:service:DesiredCount",
                "minCapacity": tasks,
                "maxCapacity": tasks * 3,
            },
        ),
        PricedResource(
            f"urn:policy{i}", POLICY, f"policy{i}",
            {
                "resourceId": f"service/c{i}/{service_name}",
                "policyType": "TargetTrackingScaling",
                "targetTrackingScalingPolicyConfiguration": {
                    "targetValue": 50 * (i + 1),
                    "customizedMetricSpecification": {"metrics": [request_metric]},
                },
            },
        ),
    ]  # fmt: skip


def _estimate(resources: list[Any]) -> Estimate:
    return estimate_resources(resources, UsageAssumptions())


def _by_resource(estimate: Estimate) -> dict[str, float]:
    totals: dict[str, float] = {}
    for line in estimate.lines:
        totals[line.resource] = totals.get(line.resource, 0.0) + line.monthly_usd
    return totals


@pytest.mark.parametrize("order", ["copies in turn", "types interleaved"])
def test_each_copy_is_priced_as_it_is_alone(order: str) -> None:
    copies = [
        _copy(0, tasks=1, cpu="256"),
        _copy(1, tasks=2, cpu="1024"),
        _copy(2, tasks=4, cpu="512", name="team/api"),  # a name with a slash: matched as well
    ]
    alone = [_by_resource(_estimate(copy)) for copy in copies]
    assert all(alone[0].values()) and alone[0] != alone[1]
    if order == "copies in turn":
        stack = [resource for copy in copies for resource in copy]
    else:
        stack = [copy[kind] for kind in range(5) for copy in reversed(copies)]
    together = _by_resource(_estimate(stack))
    expected = {urn: usd for prices in alone for urn, usd in prices.items()}
    assert together == pytest.approx(expected)
    assert _estimate(stack).unpriced == ()


def test_a_service_never_takes_another_copys_definition_or_scaling() -> None:
    """Without its own definition the service is unpriced (never priced with another copy's);
    without its own scaling target it runs its desired count, not another service's range."""
    own, other = _copy(0), _copy(1, tasks=5)
    lonely_service = own[2]
    unpriced = _estimate([lonely_service, *other]).unpriced
    assert [u.urn for u in unpriced] == ["urn:svc0"]

    without_scaling = [own[0], own[1], own[2], *other]
    with_own_scaling = _estimate([*own, *other])
    assert _by_resource(_estimate(without_scaling))["svc0"] < _by_resource(with_own_scaling)["svc0"]


def test_an_enhanced_cluster_counts_only_its_own_services() -> None:
    copies = [_copy(0, tasks=1), _copy(1, tasks=6)]
    together = _estimate([r for copy in copies for r in copy])
    insights = {
        line.resource: line.quantity
        for line in together.lines
        if line.resource.startswith("cluster") and "Container Insights" in line.item
    }
    assert insights["cluster0"] < insights["cluster1"]
    assert insights["cluster0"] == pytest.approx(
        next(
            line.quantity
            for line in _estimate(copies[0]).lines
            if line.resource == "cluster0" and "Container Insights" in line.item
        )
    )


def test_a_service_named_with_a_slash_still_finds_its_scaling() -> None:
    """A resource id ends in "/<name>" even when the name has a slash of its own (the index by
    last segment falls back to every target for such a name)."""
    copy = _copy(0, tasks=3, name="team/api")
    without_target = [r for r in copy if r.type != TARGET]
    priced = _by_resource(_estimate(copy))["svc0"]
    assert priced > _by_resource(_estimate(without_target))["svc0"]


def test_a_definition_found_by_dependency_counts_once() -> None:
    """When the definition's ARN is unknown, the service's dependency names it; listed twice
    (dependencies and property dependencies), it is still the one definition, so priced."""
    cluster, definition, service, *_ = _copy(0)
    props = {**service.props, "taskDefinition": None}
    by_dependency = PricedResource(
        service.urn, SERVICE, service.name, props, dependencies=(definition.urn, definition.urn)
    )
    estimate = _estimate([cluster, definition, by_dependency])
    assert estimate.unpriced == () and _by_resource(estimate)["svc0"] > 0
