"""The budget sees spend no tag carries: every stack has a second, unfiltered monthly budget.

Properties guarded here:
- each stack registers its own tag-filtered budget (what the estimate is held to) and an account
  budget with no cost filter, both monthly COST budgets notifying the alarm topic;
- the account budget's amount is `budget.accountMonthlyUsd` (default `monthlyUsd`), never below
  the stack's own amount (the settings refuse it, naming the key);
- the cost pack's `budget-sees-untagged-spend` fails a real stack without that budget, and only
  a budget without a tag, service or region filter satisfies it;
- the estimate is still held to the stack's own budget, whatever the account budget's amount.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from estimate.budget import own_monthly_budget, sees_untagged_spend
from foundation.records import StackRun
from settings import SettingsError, settings_from_config
from tools.offline.policy_driver import evaluate_packs
from tools.offline.runner import stack_config

BUDGET = "aws:budgets/budget:Budget"
RULE = "budget-sees-untagged-spend"


def budgets(run: StackRun) -> dict[str, dict[str, Any]]:
    return {b.name: dict(b.wire_inputs) for b in run.by_type(BUDGET)}


def budget_settings(stack: str, **changes: Any) -> Any:
    config, _ = stack_config(stack)
    budget = json.loads(config["perfcheck:budget"])
    config["perfcheck:budget"] = json.dumps({**budget, **changes})
    return settings_from_config("perfcheck", stack, config).budget


def test_each_stack_has_its_tag_budget_and_an_unfiltered_account_budget(
    each_stack: StackRun,
) -> None:
    found = budgets(each_stack)
    assert set(found) == {"observability-budget", "observability-account-budget"}
    own, account = found["observability-budget"], found["observability-account-budget"]
    assert not sees_untagged_spend(own)  # the tag filter: only tagged spend
    assert sees_untagged_spend(account)
    assert not account.get("costFilters")
    settings = budget_settings(each_stack.stack)
    assert float(account["limitAmount"]) == settings.account_amount >= float(own["limitAmount"])
    assert account["notifications"] == own["notifications"]
    assert all(n["subscriberSnsTopicArns"] for n in account["notifications"])
    assert own_monthly_budget(list(found.values())) == settings.monthly_usd


def test_without_the_account_budget_the_cost_pack_fails_the_stack(prod: StackRun) -> None:
    report = evaluate_packs(prod, "prod")
    assert report.for_policy(RULE) == []
    without = dataclasses.replace(
        prod,
        resources=tuple(r for r in prod.resources if r.name != "observability-account-budget"),
    )
    report = evaluate_packs(without, "prod")
    (violation,) = report.for_policy(RULE)
    assert violation.enforcement_level == "mandatory"
    assert "without a tag, service or region filter" in violation.message


@pytest.mark.parametrize(
    ("filters", "sees"),
    [
        (None, True),
        ([], True),
        ([{"name": "LinkedAccount", "values": ["123456789012"]}], True),
        ([{"name": "TagKeyValue", "values": ["user:CostCenter$perfcheck-prod"]}], False),
        ([{"name": "Service", "values": ["Amazon CloudFront"]}], False),
        ([{"name": "Region", "values": ["eu-west-1"]}], False),
        ([{"name": "UsageTypeGroup", "values": ["EC2: Data Transfer - Internet (Out)"]}], False),
        (
            [
                {"name": "LinkedAccount", "values": ["123456789012"]},
                {"name": "Region", "values": ["eu-west-1"]},
            ],
            False,
        ),
        ([{"values": ["x"]}], False),  # a filter without a name is not read as no filter
        ("Service", False),
    ],
)
def test_only_a_budget_no_filter_narrows_sees_untagged_spend(filters: Any, sees: bool) -> None:
    props = {"budgetType": "COST", "timeUnit": "MONTHLY", "costFilters": filters}
    assert sees_untagged_spend(props) is sees
    for other in ({"budgetType": "USAGE"}, {"timeUnit": "DAILY"}, {"timeUnit": "ANNUALLY"}):
        assert sees_untagged_spend({**props, **other}) is False


def test_the_account_amount_defaults_to_the_stacks_and_is_never_below_it() -> None:
    assert budget_settings("prod").account_amount == budget_settings("prod").monthly_usd
    assert budget_settings("prod", accountMonthlyUsd=1000).account_amount == 1000
    assert budget_settings("prod", accountMonthlyUsd=2500).account_amount == 2500
    with pytest.raises(SettingsError) as caught:
        budget_settings("prod", accountMonthlyUsd=999.99)
    (problem,) = caught.value.problems
    assert problem.startswith("perfcheck:budget.accountMonthlyUsd: got 999.99; ")
    assert "allowed: at least 1000" in problem
