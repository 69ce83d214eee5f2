"""The stack's two monthly cost budgets, as plain data: amounts, filters, and when they warn.

- The stack's own budget counts the spend carrying the stack's cost-allocation tag.
- The account budget has no filter: it sees the account's whole bill, the spend no tag filter
  can (data transfer charged to no tagged resource, service requests not attributed to a
  resource, spend before the tag is activated, anything another tool created untagged). The
  cost pack's `budget-sees-untagged-spend` requires one (docs/cost.md, "Two budgets"). No
  LinkedAccount filter: the Budgets console offers it in an organization's management account;
  without a filter a budget covers the account it is created in.

The owners fear cost overruns; their estimate for the new managed services is +$170-350 a month
on top of what runs today. A budget warns on the forecast (80 %) before the month is lost, and
again when actual spend passes the amount (100 %).

The amount is also what the monthly cost estimate is held to: the cost pack's
`monthly-estimate-within-budget` and the preview read the registered Budget's `limitAmount`
(from `limit_amount` below), never the settings directly, so alarm and estimate share one number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from foundation.aws_limits import budget_emails_problem

FORECAST_ALERT_PERCENT = 80.0
ACTUAL_ALERT_PERCENT = 100.0


@dataclass(frozen=True)
class BudgetAlert:
    notification_type: Literal["FORECASTED", "ACTUAL"]
    threshold_percent: float


ALERTS = (
    BudgetAlert("FORECASTED", FORECAST_ALERT_PERCENT),
    BudgetAlert("ACTUAL", ACTUAL_ALERT_PERCENT),
)


def limit_amount(monthly_usd: float) -> str:
    """Budgets takes the amount as a decimal string; '250' rather than '250.0'."""
    return f"{monthly_usd:g}" if monthly_usd == int(monthly_usd) else f"{monthly_usd:.2f}"


def cost_tag_filter(tag_key: str, tag_value: str) -> dict[str, object]:
    """A TagKeyValue cost filter on a user-defined cost-allocation tag.

    The tag must be activated as a cost-allocation tag in the Billing console (once per account)
    before the budget sees any spend; until then the budget stays at $0.
    """
    return {"name": "TagKeyValue", "values": [f"user:{tag_key}${tag_value}"]}


def email_subscribers(emails: list[str]) -> list[str]:
    problem = budget_emails_problem(emails)
    if problem:
        raise ValueError(f"budget.alertEmails: {problem}")
    return sorted(set(emails))
