"""The months beside the expected one: the worst the settings allow, and a month in year 3.

The expected month runs the tasks the traffic needs (or the stated margin); the worst runs the
service at its scaling maximum all month with the deploy overlap at that size; year 3 has every
rotating KMS key rotated twice. The budget rule judges the expected month and warns on the
worst; only the stack's own monthly cost budget is compared, never a sum of budgets.
"""

from __future__ import annotations

import math

import pytest

from estimate import EXPECTED, WORST, YEAR_3, PricedResource, estimate_resources, estimate_run
from estimate.budget import is_own_monthly_cost_budget, own_monthly_budget
from estimate.free_tier import free_tier_uses
from foundation.prices import load_price_table
from foundation.records import StackRun
from foundation.usage import UsageAssumptions
from tools.offline.cost import cost_report, render_cost_text, usage_of
from tools.offline.policy_driver import evaluate_packs

TABLE = load_price_table()
HOURS = TABLE.hours_per_month


def _key(**props: object) -> PricedResource:
    return PricedResource("urn:key", "aws:kms/key:Key", "key", props)


@pytest.mark.parametrize(
    ("props", "expected", "year3", "worst"),
    [
        ({"enableKeyRotation": True, "rotationPeriodInDays": 365}, 1, 3, 3),
        ({"enableKeyRotation": True, "rotationPeriodInDays": 90}, 1, 3, 3),  # capped: 2 billed
        ({"enableKeyRotation": True, "rotationPeriodInDays": 2560}, 1, 1, 3),
        ({"enableKeyRotation": False}, 1, 1, 1),
        ({}, 1, 1, 1),
    ],
)
def test_a_key_costs_a_dollar_and_a_dollar_for_each_of_its_first_two_rotations(
    props: dict, expected: float, year3: float, worst: float
) -> None:
    """KMS: $1 a key-month; each automatic rotation adds $1 a month for the first and second
    rotation; later rotations are not billed (https://aws.amazon.com/kms/pricing/)."""
    kms = TABLE.usd("kms.key")
    for scenario, dollars in ((EXPECTED, expected), (YEAR_3, year3), (WORST, worst)):
        total = estimate_resources([_key(**props)], scenario=scenario).total
        assert total == pytest.approx(dollars * kms), scenario.name


def _service_stack(**target: float) -> list[PricedResource]:
    return [
        PricedResource(
            "urn:td",
            "aws:ecs/taskDefinition:TaskDefinition",
            "td",
            {"family": "f", "cpu": "1024", "memory": "2048"},
        ),
        PricedResource(
            "urn:svc",
            "aws:ecs/service:Service",
            "svc",
            {
                "name": "web",
                "desiredCount": 2,
                "taskDefinition": "arn:aws:ecs:r:1:task-definition/f:1",
                "deploymentConfiguration": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 30},
            },
        ),
        PricedResource(
            "urn:target",
            "aws:appautoscaling/target:Target",
            "target",
            {
                "resourceId": "service/c/web",
                "scalableDimension": "ecs:service:DesiredCount",
                "minCapacity": 2,
                "maxCapacity": 10,
            },
        ),
        PricedResource(
            "urn:policy",
            "aws:appautoscaling/policy:Policy",
            "requests",
            {
                "resourceId": "service/c/web",
                "policyType": "TargetTrackingScaling",
                "targetTrackingScalingPolicyConfiguration": {
                    "targetValue": target.get("per_task", 1000),
                    "customizedMetricSpecification": {
                        "metrics": [
                            {"id": "r", "metricStat": {"metric": {"metricName": "RequestCount"}}},
                            {
                                "id": "t",
                                "metricStat": {"metric": {"metricName": "RunningTaskCount"}},
                            },
                            {"id": "e", "expression": "r / t"},
                        ]
                    },
                },
            },
        ),
    ]


def _task_hours(estimate_lines: tuple, kind: str | None = None) -> float:
    return sum(
        line.quantity
        for line in estimate_lines
        if line.resource == "svc" and line.unit == "task-hours" and "deploy" not in line.item
    )


def test_the_tasks_follow_from_the_traffic_and_the_request_target() -> None:
    """ceil(origin requests a minute x peak / requests per task), between min and max."""
    minutes = HOURS * 60
    quiet = UsageAssumptions(requests_per_month=0, deploys_per_month=0)
    busy = UsageAssumptions(
        requests_per_month=5000 * minutes / 0.2, cdn_cache_hit_percent=80, peak_to_average=2,
        deploys_per_month=0,
    )  # fmt: skip
    assert _task_hours(estimate_resources(_service_stack(), quiet).lines) == 2 * HOURS
    # 5,000 origin requests a minute, 10,000 at peak, 1,000 a task: 10 tasks (the maximum)
    assert _task_hours(estimate_resources(_service_stack(), busy).lines) == 10 * HOURS
    at_4000 = _service_stack(per_task=4000)
    assert _task_hours(estimate_resources(at_4000, busy).lines) == math.ceil(10000 / 4000) * HOURS


def test_a_stated_average_is_a_margin_line_over_what_the_traffic_needs() -> None:
    usage = UsageAssumptions(requests_per_month=0, average_tasks=3, deploys_per_month=0)
    lines = estimate_resources(_service_stack(), usage).lines
    margin = [line for line in lines if "margin" in line.item]
    assert [line.quantity for line in margin] == [HOURS]
    assert "the traffic needs 2" in margin[0].item


def test_a_stated_average_below_the_traffics_need_adds_no_margin() -> None:
    minutes = HOURS * 60
    busy = UsageAssumptions(
        requests_per_month=2000 * minutes / 0.2, peak_to_average=2, average_tasks=3,
        deploys_per_month=0,
    )  # fmt: skip  # 4,000 a minute at peak: 4 tasks; 3 stated
    lines = estimate_resources(_service_stack(), busy).lines
    assert [line for line in lines if "margin" in line.item] == []
    assert _task_hours(lines) == 4 * HOURS


def test_the_worst_month_runs_the_maximum_and_the_deploy_overlap_at_that_size() -> None:
    usage = UsageAssumptions(requests_per_month=0, deploys_per_month=4)
    worst = estimate_resources(_service_stack(), usage, scenario=WORST).lines
    expected = estimate_resources(_service_stack(), usage).lines
    assert _task_hours(worst) == 10 * HOURS
    overlap = {
        name: [line.quantity for line in lines if "deploy overlap" in line.item]
        for name, lines in (("worst", worst), ("expected", expected))
    }
    # blue/green: a full second set for the 30-minute bake, 4 deploys a month
    assert overlap == {"worst": [4 * 10 * 0.5], "expected": [4 * 2 * 0.5]}


def test_only_the_minimum_tasks_are_fixed_the_rest_follow_the_usage() -> None:
    """The minimum runs whatever the traffic (fixed); the tasks the traffic needs and a stated
    margin follow from the usage assumptions (usage), in the expected month and the worst."""
    minutes = HOURS * 60
    margin = UsageAssumptions(requests_per_month=0, average_tasks=3, deploys_per_month=0)
    busy = UsageAssumptions(
        requests_per_month=5000 * minutes / 0.2, peak_to_average=2, deploys_per_month=0
    )
    for usage, scenario in ((margin, EXPECTED), (busy, EXPECTED), (margin, WORST)):
        lines = estimate_resources(_service_stack(), usage, scenario=scenario).lines
        kinds = {
            "always running" in line.item: line.kind for line in lines if line.unit == "task-hours"
        }
        assert kinds == {True: "fixed", False: "usage"}


def test_a_month_without_deploys_has_no_deploy_overlap_line() -> None:
    """No deploy assumed, no overlap line (not a line of zero task-hours among the services')."""
    usage = UsageAssumptions(requests_per_month=0, deploys_per_month=0)
    for scenario in (EXPECTED, WORST):
        lines = estimate_resources(_service_stack(), usage, scenario=scenario).lines
        assert [line for line in lines if "deploy overlap" in line.item] == []


def test_prod_shows_three_months_in_order_and_its_worst_is_over_budget(prod: StackRun) -> None:
    report = cost_report(prod)
    expected, worst, year3 = (m.total for _, m in report.scenarios())
    assert expected < year3 < worst
    assert report.budget_usd is not None and not report.over_budget
    assert report.worst_over_budget  # 12 tasks all month: over $1,000 (advisory)
    text = "\n".join(render_cost_text(report))
    for needed in ("expected month", "worst month", "year 3", "Free tiers", "AmazonCloudWatch"):
        assert needed in text
    assert "RDS Multi-AZ $100-200" in text and "CloudWatch/X-Ray $20-50" in text
    assert max(len(line) for line in render_cost_text(report)) <= 100


def test_the_budget_rule_judges_the_expected_month_and_warns_on_the_worst(prod: StackRun) -> None:
    report = evaluate_packs(prod, "prod", packs=["cost"])
    assert report.for_policy("monthly-estimate-within-budget") == []
    (warning,) = report.for_policy("worst-month-within-budget")
    assert warning.enforcement_level == "advisory"
    worst = cost_report(prod).worst
    assert worst is not None and "the worst month" in warning.message
    assert f"${worst.total:,.2f}" in warning.message


# --- which budget ---------------------------------------------------------------------------

OWN = {
    "budgetType": "COST",
    "timeUnit": "MONTHLY",
    "limitAmount": "1000",
    "costFilters": [{"name": "TagKeyValue", "values": ["user:CostCenter$perfcheck-prod"]}],
    "tags": {"CostCenter": "perfcheck-prod"},
}


@pytest.mark.parametrize(
    ("change", "own"),
    [
        ({}, True),
        ({"timeUnit": "QUARTERLY"}, False),
        ({"timeUnit": "ANNUALLY"}, False),
        ({"budgetType": "USAGE"}, False),
        ({"costFilters": []}, False),  # the whole account's
        ({"tags": {"CostCenter": "someone-else"}}, False),
        ({"costFilters": [{"name": "Service", "values": ["AWS Lambda"]}]}, False),
    ],
)
def test_only_the_stacks_own_monthly_cost_budget_is_its_budget(change: dict, own: bool) -> None:
    assert is_own_monthly_cost_budget({**OWN, **change}) is own


def test_several_budgets_are_never_added_up() -> None:
    account = {**OWN, "limitAmount": "50000", "costFilters": []}
    quarter = {**OWN, "limitAmount": "3000", "timeUnit": "QUARTERLY"}
    assert own_monthly_budget([OWN, account, quarter]) == 1000
    assert own_monthly_budget([OWN, {**OWN, "limitAmount": "800"}]) == 800  # the stricter
    assert own_monthly_budget([account, quarter]) is None


# --- free tiers -----------------------------------------------------------------------------


def test_free_tiers_are_shown_never_subtracted_and_never_exceed_their_lines(
    each_stack: StackRun,
) -> None:
    estimate = estimate_run(each_stack, usage_of(each_stack))
    uses = free_tier_uses(estimate)
    assert uses, "the CloudFront and CloudWatch allowances apply to every stack"
    for use in uses:
        lines = [
            line
            for line in estimate.lines
            if line.price_keys[:1] and line.price_keys[0] in use.tier.price_keys
        ]
        quantity = sum(line.quantity for line in lines)
        assert use.usd <= sum(line.monthly_usd for line in lines) + 1e-9
        unit = max(line.unit_usd for line in lines)
        assert use.usd <= use.tier.quantity * unit + 1e-9, use.tier.name
        if quantity <= use.tier.quantity:  # the allowance covers it all
            assert use.usd == pytest.approx(sum(line.monthly_usd for line in lines))
    assert estimate.total == pytest.approx(sum(line.monthly_usd for line in estimate.lines))


def test_each_stack_run_is_priced_on_its_own_resources(staging: StackRun, prod: StackRun) -> None:
    """Property: the budget rules price the resources of the run they judge, never a run judged
    before (the expected and the worst month share one view of a run's resources)."""
    for run in (staging, prod, staging):
        report = evaluate_packs(run, run.stack, packs=["cost"])
        (warning,) = report.for_policy("worst-month-within-budget")
        worst = cost_report(run).worst
        assert worst is not None and f"${worst.total:,.2f}" in warning.message, run.stack
