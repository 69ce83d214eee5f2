"""Which budget an estimate is held to: the stack's own monthly cost budget, and no other.

A budget is the stack's own when it is a COST budget over a MONTHLY period whose tag filter
("user:<key>$<value>", TagKeyValue) selects a tag the budget itself carries: the stack tags
every resource alike, so it budgets what the stack creates. Budgets of another period, of usage,
or of the whole account (no such filter) are not compared with a month of this stack; several
budgets are never summed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


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
        and (amount := _number(props.get("limitAmount"))) is not None
    ]
    return min(amounts) if amounts else None
