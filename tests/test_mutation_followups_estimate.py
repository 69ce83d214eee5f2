"""Tests written for the survivors of the issue-23 mutation sample (tools/mutation.py): estimate.

Each names the property it guards; the mutant it was written for is in its docstring."""

from __future__ import annotations

from typing import Any

import pytest

from estimate import PricedResource, estimate_resources
from estimate.budget import (
    is_own_monthly_cost_budget,
    own_monthly_budget,
    sees_untagged_spend,
    tag_filters,
)
from estimate.model import CostLine, Estimate
from foundation.usage import UsageAssumptions

TAGS = {"Project": "perfcheck", "Environment": "prod"}


def _budget(**changes: Any) -> dict[str, Any]:
    props = {
        "budgetType": "COST",
        "timeUnit": "MONTHLY",
        "limitAmount": "1000",
        "costFilters": [{"name": "TagKeyValue", "values": ["user:Environment$prod"]}],
        "tags": TAGS,
    }
    props.update(changes)
    return props


def test_the_stack_budget_is_a_monthly_cost_budget_filtered_on_its_own_tag() -> None:
    """The estimate is held to the COST budget over a MONTHLY period whose tag filter selects a
    tag the budget carries. Mutants: the filter pair not recorded, or recorded without its key."""
    assert tag_filters(_budget()) == {("Environment", "prod")}
    assert is_own_monthly_cost_budget(_budget())
    assert own_monthly_budget([_budget()]) == 1000.0


@pytest.mark.parametrize(
    "changes",
    [
        {"budgetType": "USAGE"},
        {"timeUnit": "ANNUALLY"},
        {"budgetType": "USAGE", "timeUnit": "QUARTERLY"},
        {"costFilters": [{"name": "TagKeyValue", "values": ["user:Environment$staging"]}]},
        {"costFilters": []},
    ],
)
def test_a_budget_of_another_kind_period_or_scope_is_not_the_stacks(changes: dict) -> None:
    """A usage budget, another period, or another stack's (or the account's) budget is never
    compared with this stack's month. Mutants: `COST or MONTHLY` -> `and`, `!=` -> `==`."""
    assert not is_own_monthly_cost_budget(_budget(**changes))
    assert own_monthly_budget([_budget(**changes)]) is None


def test_cost_filters_that_are_not_maps_are_skipped() -> None:
    """A malformed cost filter entry (not a map) is skipped, never a crash of the estimate.
    Mutant: the `isinstance(entry, Mapping)` clause dropped."""
    props = _budget(costFilters=["TagKeyValue", *_budget()["costFilters"]])
    assert tag_filters(props) == {("Environment", "prod")}


def _line(component: str, kind: str, usd: float, category: str = "EC2") -> CostLine:
    return CostLine(component, "r", "t", "item", kind, category, 1.0, "month", usd, ("k",))


def _estimate(*lines: CostLine) -> Estimate:
    return Estimate(lines, (), {}, "eu-west-1", "2026-12-01")


def test_fixed_and_usage_add_up_to_the_month_per_component_and_in_total() -> None:
    """Each line is fixed or usage; per component and in total, fixed + usage is the month.
    Mutants: `kind == kind` -> `!=`, the fixed/usage slots swapped, `fixed + usage` -> `-`."""
    estimate = _estimate(
        _line("database", "fixed", 100.0),
        _line("database", "usage", 20.0),
        _line("cdn", "usage", 5.0),
    )
    assert estimate.total_of("fixed") == 100.0 and estimate.total_of("usage") == 25.0
    assert estimate.by_component() == [("database", 100.0, 20.0), ("cdn", 0.0, 5.0)]
    document = estimate.as_dict()
    assert (document["fixedUsd"], document["usageUsd"], document["monthlyUsd"]) == (100, 25, 125)
    assert [(c["component"], c["monthlyUsd"]) for c in document["components"]] == [
        ("database", 120.0),
        ("cdn", 5.0),
    ]


def test_every_dollar_figure_of_the_estimate_is_rounded_to_cents() -> None:
    """Dollar figures in the estimate document are cents (two decimals), the categories too.
    Mutant: a category figure rounded to three decimals."""
    document = _estimate(
        _line("database", "fixed", 10.0 / 3, "RDS"), _line("cdn", "usage", 2.0 / 3, "CloudFront")
    ).as_dict()
    figures = [document["monthlyUsd"], document["fixedUsd"], document["usageUsd"]]
    figures += [
        c[k] for c in document["components"] for k in ("fixedUsd", "usageUsd", "monthlyUsd")
    ]
    figures += list(document["categories"].values())
    assert figures and all(round(value, 2) == value for value in figures), figures
    assert document["categories"] == {"CloudFront": 0.67, "RDS": 3.33}


def _priced(*resources: PricedResource, **usage: Any) -> Estimate:
    return estimate_resources(list(resources), UsageAssumptions(**usage))


def _rum(rate: float | None) -> PricedResource:
    config = {} if rate is None else {"sessionSampleRate": rate}
    return PricedResource(
        "urn:rum", "aws:rum/appMonitor:AppMonitor", "rum", {"appMonitorConfiguration": config}
    )


def test_rum_events_follow_the_monitor_s_stated_session_sample_rate() -> None:
    """RUM bills the events of the sampled sessions: the monitor's own sessionSampleRate scales
    them (0.1 when unset, RUM's default). Mutant: the configuration read as empty (`or {}` ->
    `and {}`), so every monitor is priced at the default rate."""

    def events(rate: float | None) -> float:
        (line,) = [x for x in _priced(_rum(rate), page_views_per_month=1_000_000).lines]
        return line.quantity

    assert events(0.5) == pytest.approx(5 * events(0.1))
    assert events(None) == pytest.approx(events(0.1))


def _endpoint(name: str, kind: str | None) -> PricedResource:
    props: dict[str, Any] = {"serviceName": f"com.amazonaws.eu-west-1.{name}", "subnetIds": ["a"]}
    if kind is not None:
        props["vpcEndpointType"] = kind
    return PricedResource(f"urn:{name}", "aws:ec2/vpcEndpoint:VpcEndpoint", name, props)


def test_endpoint_data_is_shared_by_the_interface_endpoints_only() -> None:
    """The month's endpoint traffic is split over the interface endpoints; a gateway endpoint
    (vpcEndpointType unset means Gateway) carries none and costs nothing. Mutant: the interface
    count matched by substring (`'Interface' in type`, which fails on an unset type)."""
    estimate = _priced(
        _endpoint("ecr.api", "Interface"),
        _endpoint("logs", "Interface"),
        _endpoint("s3", None),
        endpoint_gb_per_month=100,
    )
    data = {x.resource: x.quantity for x in estimate.lines if x.unit == "GB"}
    assert data == {"ecr.api": 50, "logs": 50}
    assert not [x for x in estimate.lines if x.resource == "s3"] and not estimate.unpriced


def _service(**props: Any) -> list[PricedResource]:
    definition = PricedResource(
        "urn:td", "aws:ecs/taskDefinition:TaskDefinition", "td",
        {"family": "f", "cpu": "256", "memory": "512"},
    )  # fmt: skip
    service = PricedResource(
        "urn:svc", "aws:ecs/service:Service", "svc",
        {"cluster": "arn:aws:ecs:r:1:cluster/c", "taskDefinition": "x", **props},
        dependencies=("urn:td",),
    )  # fmt: skip
    return [definition, service]


def test_a_service_without_a_desired_count_or_scaling_is_priced_at_one_task() -> None:
    """Without desiredCount and without a scaling target the estimate prices one task (never
    zero, never more than the one a deploy starts). Mutant: that default 1 -> 2."""

    def total(**props: Any) -> float:
        return _priced(*_service(**props)).total

    assert total() == pytest.approx(total(desiredCount=1))
    per_task = total(desiredCount=2) - total(desiredCount=1)
    assert per_task > 0
    assert total(desiredCount=3) - total(desiredCount=2) == pytest.approx(per_task)


def _target_tracking(metrics: int, scale_in: bool) -> PricedResource:
    metric = {"metricStat": {"metric": {"metricName": "RequestCount"}, "stat": "Sum"}}
    config: dict[str, Any] = {"targetValue": 100, "disableScaleIn": not scale_in}
    if metrics:
        config["customizedMetricSpecification"] = {"metrics": [metric] * metrics}
    return PricedResource(
        "urn:policy", "aws:appautoscaling/policy:Policy", "policy",
        {"policyType": "TargetTrackingScaling", "targetTrackingScalingPolicyConfiguration": config},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("metrics", "scale_in", "billed"), [(0, True, 2), (3, True, 6), (3, False, 3), (2, False, 2)]
)
def test_target_tracking_alarms_are_billed_per_alarm_and_metric(
    metrics: int, scale_in: bool, billed: int
) -> None:
    """A target-tracking policy creates a high alarm (and a low one unless scale-in is off), each
    billed for every metric it reads (one when the metric is predefined). Mutant: alarms *
    metrics -> alarms / metrics."""
    (line,) = _priced(_target_tracking(metrics, scale_in)).lines
    assert line.quantity == billed


def _rolling_service(**props: Any) -> list[PricedResource]:
    definition = {"family": "f", "cpu": "1024", "memory": "2048"}
    arn = "arn:aws:ecs:r:1:task-definition/f:1"
    service = {"name": "web", "desiredCount": 2, "taskDefinition": arn, **props}
    return [
        PricedResource("urn:td", "aws:ecs/taskDefinition:TaskDefinition", "td", definition),
        PricedResource("urn:svc", "aws:ecs/service:Service", "svc", service),
    ]


@pytest.mark.parametrize(
    ("maximum_percent", "extra_tasks"), [(100, 0), (150, 1), (200, 2), (None, 2)]
)
def test_a_rolling_deploy_costs_the_extra_tasks_it_starts_and_none_when_it_starts_none(
    maximum_percent: int | None, extra_tasks: int
) -> None:
    """A rolling deploy runs deploymentMaximumPercent - 100 % extra tasks (default 200 %) for
    about ten minutes a deploy; at 100 % it starts none, and the estimate shows no overlap line
    at all (not a line of zero). Mutant: `minutes > 0 and deploys > 0` loses its first clause."""
    props = {} if maximum_percent is None else {"deploymentMaximumPercent": maximum_percent}
    usage = UsageAssumptions(requests_per_month=0, deploys_per_month=6)
    overlap = [
        line.quantity
        for line in estimate_resources(_rolling_service(**props), usage).lines
        if "deploy overlap" in line.item
    ]
    assert overlap == ([6 * extra_tasks * 10 / 60] if extra_tasks else []), overlap


def test_only_a_user_tag_value_is_read_as_a_tag_filter_pair() -> None:
    """A TagKeyValue filter value names a user tag as `user:Key$Value`; an AWS-generated tag
    (`aws:createdBy$...`) is no tag of the stack's, even when its value holds `user:`. Mutant:
    `startswith("user:")` widened to a substring test."""
    values = ["aws:createdBy$AssumedRole:user:alice", "user:Environment$prod"]
    filters = [{"name": "TagKeyValue", "values": values}]
    assert tag_filters({"costFilters": filters}) == {("Environment", "prod")}


@pytest.mark.parametrize(
    ("type_", "item"),
    [
        ("aws:ecr/repository:Repository", "image storage"),
        ("aws:s3/bucketV2:BucketV2", "stored objects (access logs)"),
    ],
)
@pytest.mark.parametrize("count", [1, 2, 3])
def test_the_stacks_stored_gigabytes_are_shared_by_its_repositories_not_multiplied(
    type_: str, item: str, count: int
) -> None:
    """The usage assumptions give the stack's image storage and log storage once; however many
    repositories or buckets hold it, together they are billed for that much. Mutant (second
    sample): `max(len(...), 1)` -> `min` (each of several billed for the whole)."""
    usage = UsageAssumptions(image_storage_gb=12, log_bucket_gb=30)
    resources = [PricedResource(f"urn:{n}", type_, f"r{n}", {}) for n in range(count)]
    stored = sum(
        line.quantity for line in estimate_resources(resources, usage).lines if line.item == item
    )
    whole = usage.image_storage_gb if "ecr" in type_ else usage.log_bucket_gb
    assert stored == pytest.approx(whole), stored


def _function(**props: Any) -> PricedResource:
    return PricedResource("urn:fn", "aws:lambda/function:Function", "fn", props)


def _gb_seconds(function: PricedResource) -> float:
    (line,) = [
        x for x in _priced(function, lambda_invocations_per_month=1000).lines if "GB" in x.unit
    ]
    return line.quantity


@pytest.mark.parametrize(
    ("memory_mb", "gb"), [(128, 0.125), (512, 0.5), (1024, 1.0), (3008, 2.9375)]
)
def test_a_function_s_duration_is_priced_at_its_memory_in_gb(memory_mb: int, gb: float) -> None:
    """Lambda bills GB-seconds of the configured memory (MB / 1024); a function that leaves
    memorySize unset gets Lambda's default, 128 MB (blind:44, the default read as 512)."""
    assert _gb_seconds(_function(memorySize=memory_mb)) == pytest.approx(1000 * gb)
    assert _gb_seconds(_function()) == pytest.approx(_gb_seconds(_function(memorySize=128)))


@pytest.mark.parametrize(
    ("filters", "sees_all"),
    [
        ([], True),
        (["LinkedAccount"], True),  # the account's whole bill, tagged or not
        (["Region"], False),  # drops CloudFront and WAF, billed as global
        (["Service"], False),
        (["TagKeyValue"], False),
        (["UsageType"], False),
        (["LinkedAccount", "Region"], False),
        (["LinkedAccount", "TagKeyValue"], False),
    ],
)
def test_a_budget_sees_untagged_spend_only_when_no_filter_drops_a_charge(
    filters: list[str], sees_all: bool
) -> None:
    """A budget over the whole bill catches what no tag covers; any filter but the account's
    own drops some charge (blind:45, a Region filter taken as keeping every charge)."""
    props = _budget(costFilters=[{"name": name, "values": ["x"]} for name in filters])
    assert sees_untagged_spend(props) is sees_all
