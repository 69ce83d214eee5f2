"""The stack's monthly cost estimate must fit its AWS Budgets amount.

The estimate (estimate/, priced from foundation/prices.json) is computed here from the very
resources the engine hands the pack, with the usage assumptions of the stack config
(`<project>:usage`, sent by the engine in ConfigureStack). The budget is read from the registered
aws:budgets/budget:Budget (limitAmount, from `budget.monthlyUsd`), so the alarm AWS raises and
this rule judge the same number.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from perfcheck_policykit import StackContext, StackRule, values
from perfcheck_policykit import aws_types as T
from pulumi_policy import Severity
from pulumi_policy.proxy import UnknownValueError

from estimate import PricedResource, estimate_resources
from estimate.pricers import PRICERS, READ_TYPES
from foundation.usage import UsageAssumptions


def plain(value: Any) -> Any:
    """The SDK's property proxies as plain dicts and lists; a value unknown at preview -> None."""
    if isinstance(value, Mapping):
        out = {}
        for key in value:
            try:
                out[key] = plain(value[key])
            except UnknownValueError:
                out[key] = None
        return out
    if isinstance(value, Sequence) and not isinstance(value, str):
        result = []
        for index in range(len(value)):
            try:
                result.append(plain(value[index]))
            except UnknownValueError:
                result.append(None)
        return result
    return value


class PlainProps(Mapping[str, Any]):
    """A resource's properties, each converted with `plain` on first read (most never are)."""

    def __init__(self, props: Mapping[str, Any]) -> None:
        self._props = props
        self._plain: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._plain:
            try:
                self._plain[key] = plain(self._props[key])
            except UnknownValueError:
                self._plain[key] = None
        return self._plain[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._props)

    def __len__(self) -> int:
        return len(self._props)


def monthly_budgets(ctx: StackContext) -> list[tuple[Any, float | None]]:
    """(budget, monthly USD or None while unknown) of each monthly cost budget of the stack."""
    found = []
    for budget in ctx.index.of_type(T.BUDGET):
        if ctx.get(budget, "budgetType") not in ("COST", values.UNKNOWN):
            continue
        if ctx.get(budget, "timeUnit") not in ("MONTHLY", values.UNKNOWN):
            continue
        amount = ctx.get(budget, "limitAmount")
        found.append((budget, None if amount is values.UNKNOWN else values.as_number(amount)))
    return found


READ = frozenset(PRICERS) | READ_TYPES
"""Types whose properties the estimate reads; the others are passed without properties."""


def _dependencies(resource: Any) -> tuple[str, ...]:
    urns = [d.urn for d in resource.dependencies or ()]
    for deps in (resource.property_dependencies or {}).values():
        urns.extend(d.urn for d in deps)
    return tuple(urns)


def _usage(ctx: StackContext) -> UsageAssumptions:
    project = ctx.stack_project() or "perfcheck"
    return UsageAssumptions.from_stack_config(ctx.stack_config(), project)


def _check(ctx: StackContext) -> None:
    budgets = monthly_budgets(ctx)
    if not budgets:
        return  # no monthly cost budget: budget-exists reports that
    unknown = [budget for budget, amount in budgets if amount is None]
    for budget in unknown:
        ctx.unknown(budget, "limitAmount")
    if unknown:
        return
    # Several monthly cost budgets (e.g. one per cost center): the stack must fit their sum.
    budget = budgets[0][0]
    amount = sum(amount or 0.0 for _, amount in budgets)
    try:
        usage = _usage(ctx)
    except (ValueError, TypeError) as error:
        ctx.violation(None, "usage assumptions", f"unreadable ({error})", "numbers per key")
        return
    resources = [
        PricedResource(
            urn=r.urn,
            type=r.resource_type,
            name=r.name,
            props=PlainProps(r.props) if r.resource_type in READ else {},
            parent=r.parent.urn if r.parent is not None else None,
            dependencies=_dependencies(r) if r.resource_type in READ else (),
        )
        for r in ctx.args.resources
    ]
    estimate = estimate_resources(resources, usage)
    share = float(ctx.config.get("maximumPercentOfBudget", 100))
    ceiling = amount * share / 100
    for unpriced in estimate.unpriced:
        ctx.note(f"cost estimate: not priced: {unpriced}")
    if estimate.total > ceiling:
        biggest = sorted(estimate.by_component(), key=lambda c: -(c[1] + c[2]))[:3]
        parts = ", ".join(f"{name} ${fixed + usage_:,.2f}" for name, fixed, usage_ in biggest)
        ctx.violation(
            budget,
            "limitAmount",
            f"${amount:,.2f} a month but the estimate is ${estimate.total:,.2f}",
            f"an estimate of at most {share:g}% of the budget (${ceiling:,.2f})",
            f"Largest components: {parts}. Right-size them, or raise budget.monthlyUsd "
            "(a reviewed change); the estimate's lines: make preview.",
        )


ESTIMATE_WITHIN_BUDGET = StackRule(
    name="monthly-estimate-within-budget",
    description=(
        "The stack's estimated monthly cost (priced resources plus usage assumptions) must not "
        "exceed its AWS Budgets amount."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Right-size the largest components (database.instanceClass, cache.nodeType/nodes, "
        "network.natGateways), or raise perfcheck:budget.monthlyUsd; see docs/cost.md."
    ),
    resource_types=[T.BUDGET],
    check=_check,
    unknowns="limitAmount unknown: note; the estimate reads inputs the engine already knows.",
    config_properties={
        "maximumPercentOfBudget": {
            "type": "number",
            "description": "Share of the budget the estimate may reach (100: the whole budget).",
            "minimum": 1,
            "maximum": 1000,
            "default": 100,
        }
    },
    tags=["cost", "budget", "estimate"],
)

RULES = (ESTIMATE_WITHIN_BUDGET,)
