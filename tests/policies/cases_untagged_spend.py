"""Cases of `budget-sees-untagged-spend`: besides the tag-filtered budget, a MONTHLY COST budget no
tag, service or region filter narrows alerts someone, at no less than the stack's own amount.

Each case is a mutation of the captured prod program (tests/policies/support.py `OnProgram`):
its two budgets, `observability-budget` (filtered by the stack's tag) and
`observability-account-budget` (the whole bill), both at the stack's amount.
"""

from __future__ import annotations

from typing import Any

from foundation.records import ResourceRecord
from tests.policies.builders import replace
from tests.policies.cases import Case, R, Variant
from tests.policies.support import OnProgram

ACCOUNT_BUDGET = "observability-account-budget"


def account(r: R, **changes: Any) -> dict[str, ResourceRecord | None]:
    return {ACCOUNT_BUDGET: replace(r[ACCOUNT_BUDGET], **changes)}


def amount(r: R) -> float:
    """The stack's own budget, as the program sets it (both budgets carry it)."""
    return float(r["observability-budget"].wire_inputs["limitAmount"])


def narrowed(name: str, value: str) -> Any:
    return OnProgram(lambda r: account(r, costFilters=[{"name": name, "values": [value]}]))


def unsubscribed(r: R) -> dict[str, ResourceRecord | None]:
    """Every notification of the account budget kept, with its subscribers gone."""
    notifications = [
        {k: v for k, v in n.items() if not k.startswith("subscriber")}
        for n in r[ACCOUNT_BUDGET].wire_inputs["notifications"]
    ]
    return account(r, notifications=notifications)


UNTAGGED_SPEND_NONCOMPLIANT = [
    Case(
        "budget-sees-untagged-spend",
        "only-the-tag-budget",
        OnProgram(lambda r: {ACCOUNT_BUDGET: None}),
        "",
        "no COST budget over a MONTHLY period without a tag, service or region filter",
    ),
    Case(
        "budget-sees-untagged-spend",
        "service-filter",  # sees CloudFront, misses data transfer billed under EC2
        narrowed("Service", "Amazon CloudFront"),
        "",
        "no COST budget over a MONTHLY period",
    ),
    Case(
        "budget-sees-untagged-spend",
        "region-filter",  # CloudFront and WAF are billed as global, outside any region
        narrowed("Region", "eu-west-1"),
        "",
        "no COST budget over a MONTHLY period",
    ),
    Case(
        "budget-sees-untagged-spend",
        "a-second-tag-filter",
        narrowed("TagKeyValue", "user:Project$perfcheck"),
        "",
        "no COST budget over a MONTHLY period",
    ),
    Case(
        "budget-sees-untagged-spend",
        "daily",
        OnProgram(lambda r: account(r, timeUnit="DAILY")),
        "",
        "no COST budget over a MONTHLY period",
    ),
    Case(
        "budget-sees-untagged-spend",
        "nobody-notified",
        OnProgram(unsubscribed),
        ACCOUNT_BUDGET,
        "no subscriber on the budget that sees the whole bill",
    ),
    Case(
        "budget-sees-untagged-spend",
        "below-the-stacks-own-amount",
        OnProgram(lambda r: account(r, limitAmount=f"{amount(r) - 0.01:.2f}")),
        ACCOUNT_BUDGET,
        "below the stack's own budget",
    ),
]

UNTAGGED_SPEND_VARIANTS = [
    Variant(
        "budget-sees-untagged-spend",
        "linked-account-filter",  # the management account's way to name one member account
        narrowed("LinkedAccount", "123456789012"),
    ),
    Variant(
        "budget-sees-untagged-spend",
        "equal-to-the-stacks-own-amount",
        OnProgram(lambda r: account(r, limitAmount=f"{amount(r):.0f}")),
    ),
]
