"""Tests written for the survivors of the issue-23 mutation sample (tools/mutation.py): estimate.

Each names the property it guards; the mutant it was written for is in its docstring."""

from __future__ import annotations

from typing import Any

import pytest

from estimate.budget import is_own_monthly_cost_budget, own_monthly_budget, tag_filters
from estimate.model import CostLine, Estimate

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
