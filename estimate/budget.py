"""Which budget an estimate is held to: the stack's own monthly cost budget, and no other.

A budget is the stack's own when it is a COST budget over a MONTHLY period whose tag filter
("user:<key>$<value>", TagKeyValue) selects a tag the budget itself carries: the stack tags
every resource alike, so it budgets what the stack creates. Budgets of another period, of usage,
or of the whole account (no such filter) are not compared with a month of this stack; several
budgets are never summed.

The other budget a stack needs is one that sees what no tag filter can: spend that carries no
cost-allocation tag (data transfer charged to no tagged resource, requests of services whose
charges are not attributed to a resource, anything before the tag is activated as a cost
allocation tag) - `sees_untagged_spend`. docs/cost.md ("Two budgets") says which filters count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from foundation.stackmodel import as_number


def tag_filters(props: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(key, value) pairs of the budget's TagKeyValue cost filter ("user:Key$Value")."""
    found = set()
    for entry in props.get("costFilters") or ():
        if not isinstance(entry, Mapping) or entry.get("name") != "TagKeyValue":
            continue
        for value in entry.get("values") or ():
            text = str(value)
            if text.startswith("user:") and "$" in text:
                key, _, tag_value = text[len("user:") :].partition("$")
                found.add((key, tag_value))
    return found


UNTAGGED_SPEND_FILTERS = frozenset({"LinkedAccount"})
"""Cost filters that keep every charge of the account(s) they name, tagged or not. A budget with
no filter, or with only these, sees the account's whole bill; any other filter (a tag, a
service, a region, a usage type) drops some charge (e.g. a Region filter drops CloudFront and
WAF, billed as global)."""


def filter_names(props: Mapping[str, Any]) -> set[str] | None:
    """The names of the budget's cost filters; None when the list cannot be read."""
    filters = props.get("costFilters")
    if filters is None:
        return set()
    if not isinstance(filters, Sequence) or isinstance(filters, str):
        return None
    names = set()
    for entry in filters:
        name = entry.get("name") if isinstance(entry, Mapping) else None
        if not isinstance(name, str):
            return None
        names.add(name)
    return names


def sees_untagged_spend(props: Mapping[str, Any]) -> bool:
    """A COST budget over a MONTHLY period that no tag, service or region filter narrows."""
    if props.get("budgetType") != "COST" or props.get("timeUnit") != "MONTHLY":
        return False
    names = filter_names(props)
    return names is not None and names <= UNTAGGED_SPEND_FILTERS


def is_own_monthly_cost_budget(props: Mapping[str, Any]) -> bool:
    if props.get("budgetType") != "COST" or props.get("timeUnit") != "MONTHLY":
        return False
    tags = props.get("tags") or {}
    return any(tags.get(key) == value for key, value in tag_filters(props))


def own_monthly_budget(budgets: Sequence[Mapping[str, Any]]) -> float | None:
    """The stack's own monthly cost budget's limitAmount (the smallest if several), or None."""
    amounts = [
        amount
        for props in budgets
        if is_own_monthly_cost_budget(props)
        and (amount := as_number(props.get("limitAmount"))) is not None
    ]
    return min(amounts) if amounts else None
