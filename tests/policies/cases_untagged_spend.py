"""Cases of `budget-sees-untagged-spend`: besides the tag-filtered budget, a MONTHLY COST budget no
tag, service or region filter narrows alerts someone, at no less than the stack's own amount.

The compliant stack has both budgets (tests/policies/builders.py: `budget`, `account_budget`).
"""

from __future__ import annotations

from typing import Any

from foundation.records import ResourceRecord
from tests.policies.builders import replace
from tests.policies.cases import Case, R, Variant


def account(r: R, **changes: Any) -> dict[str, ResourceRecord | None]:
    return {"account_budget": replace(r["account_budget"], **changes)}


def narrowed(name: str, value: str) -> Any:
    return lambda r: account(r, costFilters=[{"name": name, "values": [value]}])


def notification(r: R) -> dict[str, Any]:
    return dict(r["account_budget"].wire_inputs["notifications"][0])


UNTAGGED_SPEND_NONCOMPLIANT = [
    Case(
        "budget-sees-untagged-spend",
        "only-the-tag-budget",
        lambda r: {"account_budget": None},
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
        lambda r: account(r, timeUnit="DAILY"),
        "",
        "no COST budget over a MONTHLY period",
    ),
    Case(
        "budget-sees-untagged-spend",
        "nobody-notified",
        lambda r: account(r, notifications=[{**notification(r), "subscriberEmailAddresses": []}]),
        "account",
        "no subscriber on the budget that sees the whole bill",
    ),
    Case(
        "budget-sees-untagged-spend",
        "below-the-stacks-own-amount",
        lambda r: account(r, limitAmount="399.99"),
        "account",
        "limitAmount is '399.99', below the stack's own budget ($400)",
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
        lambda r: account(r, limitAmount="400"),
    ),
]
