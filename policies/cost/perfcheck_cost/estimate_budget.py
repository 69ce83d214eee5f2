"""The stack's monthly cost estimate must fit its own AWS Budgets amount; the worst month should.

The expected month is judged by `monthly-estimate-within-budget`; the worst month the settings
allow (scaling at maximum, deploy overlap, key rotations) by `worst-month-within-budget`, an
advisory rule in every stack. A resource the estimate cannot price is never dropped silently:
when its size settings (an instance or node type times its count, provisioned IOPS, throughput,
shards, capacity units, storage GB: billed whether used or not) cost at least
`unpricedMonthlyLimitUsd` a month at the lowest prices AWS lists (estimate/bounds.py), or cannot
be read, it is a finding of the expected month's rule unless the cost config reviews its type
(`reviewedUnpricedTypes`, with a reason; a stale entry is a finding); the others (small, or
billed by use, which the usage assumptions cannot know) are notes, and the total is then a lower
bound. This overrides issue 26's "a note, never a finding", which passed an eight-node warehouse
unseen.

The estimate (estimate/, priced from foundation/prices.json) is computed here from the very
resources the engine hands the pack, with the usage assumptions of the stack config
(`<project>:usage`, sent by the engine in ConfigureStack). The budget is read from the registered
aws:budgets/budget:Budget (limitAmount, from `budget.monthlyUsd`), so the alarm AWS raises and
this rule judge the same number.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from perfcheck_policykit import StackContext, StackRule, values
from perfcheck_policykit import aws_types as T
from perfcheck_policykit.rules import config_list
from pulumi_policy import EnforcementLevel, Severity
from pulumi_policy.proxy import UnknownValueError

from estimate import EXPECTED, WORST, Estimate, PricedResource, Scenario, estimate_resources
from estimate.bounds import monthly_floor
from estimate.budget import is_own_monthly_cost_budget, own_monthly_budget
from estimate.pricers import PRICERS, READ_TYPES
from foundation.usage import UsageAssumptions

plain = values.known_data
"""The SDK's property proxies as plain dicts and lists; a value unknown at preview -> None."""


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

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        """Mapping.get without its generic path (the pricers' every read, twice a stack)."""
        converted = self._plain
        if key in converted:
            return converted[key]
        try:
            return self[key]
        except KeyError:
            return default

    def __iter__(self) -> Iterator[str]:
        return iter(self._props)

    def __len__(self) -> int:
        return len(self._props)


BUDGET_KEYS = ("budgetType", "timeUnit", "limitAmount", "costFilters", "tags")
"""What decides whether a budget is the stack's own monthly cost budget, and its amount."""


def own_budget(ctx: StackContext) -> tuple[Any, float] | None:
    """The stack's own monthly cost budget and its amount (estimate/budget.py says which).

    None when there is none (budget-exists reports that) or a deciding input is unknown (noted:
    an unknown period is never taken for a month, an unknown amount never for a pass).
    """
    candidates: list[tuple[Any, dict[str, Any]]] = []
    unknown = False
    for budget in ctx.index.of_type(T.BUDGET):
        props = {key: ctx.get(budget, key) for key in BUDGET_KEYS}
        missing = [key for key, value in props.items() if value is values.UNKNOWN]
        for key in missing:
            ctx.unknown(budget, key)
        if missing:
            unknown = True
            continue
        candidates.append((budget, {key: plain(value) for key, value in props.items()}))
    own = [(b, props) for b, props in candidates if is_own_monthly_cost_budget(props)]
    if unknown:
        return None
    if not own:
        if candidates:  # budgets, but none of this stack's month: never judged a pass
            ctx.violation(
                candidates[0][0],
                "costFilters",
                "not this stack's monthly cost budget (another period, usage, or no tag filter "
                "on a tag the budget carries)",
                "a COST budget, timeUnit MONTHLY, filtered (TagKeyValue) to the stack's cost tag",
                "The estimate is compared with the stack's own monthly budget, never another "
                "period's, the account's, or a sum of budgets (docs/cost.md).",
            )
        return None
    amount = own_monthly_budget([props for _, props in own])
    budget = next(b for b, props in own if values.as_number(props["limitAmount"]) == amount)
    return (budget, amount) if amount is not None else None


UNPRICED_LIMIT_DEFAULT = 100.0
"""USD a month an unpriced resource may cost at least before it is a finding."""

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


def _estimate(ctx: StackContext, scenario: Scenario) -> Estimate | None:
    try:
        usage = _usage(ctx)
    except (ValueError, TypeError) as error:
        ctx.violation(None, "usage assumptions", f"unreadable ({error})", "numbers per key")
        return None
    return estimate_resources(_priced(ctx), usage, scenario=scenario)


_PRICED: weakref.WeakKeyDictionary[Any, tuple[PricedResource, ...]] = weakref.WeakKeyDictionary()
"""The estimate's view of a stack's resources, per stack index (one AnalyzeStack)."""


def _priced(ctx: StackContext) -> Sequence[PricedResource]:
    """The estimate's view of the stack's resources, built once per stack run (per index):
    the expected and the worst month price the same resources, and each PlainProps keeps its
    conversions. Nothing of one stack reaches another's estimate."""
    priced = _PRICED.get(ctx.index)
    if priced is None:
        priced = _PRICED[ctx.index] = tuple(
            PricedResource(
                urn=r.urn,
                type=r.resource_type,
                name=r.name,
                props=PlainProps(r.props) if r.resource_type in READ else {},
                parent=r.parent.urn if r.parent is not None else None,
                dependencies=_dependencies(r) if r.resource_type in READ else (),
            )
            for r in ctx.args.resources
        )
    return priced


def _reviewed_unpriced(config: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(entry["type"]): str(entry["reason"])
        for entry in config_list(config, "reviewedUnpricedTypes")
        if isinstance(entry, Mapping) and entry.get("type") and entry.get("reason")
    }


def _judge_unpriced(ctx: StackContext, estimate: Estimate) -> None:
    """Fail closed on cost: an unpriced resource whose size settings cost at least the stated
    limit a month (estimate/bounds.py: lowest prices), or cannot be read, is a finding unless
    its type is reviewed; the others (small, or billed by use) are notes."""
    reviewed = _reviewed_unpriced(ctx.config)
    limit = float(ctx.config.get("unpricedMonthlyLimitUsd", UNPRICED_LIMIT_DEFAULT))
    by_urn = {r.urn: r for r in ctx.args.resources} if estimate.unpriced else {}
    for unpriced in estimate.unpriced:  # listed, never dropped: the total is a lower bound
        resource = by_urn.get(unpriced.urn)
        floor, read = monthly_floor(plain(resource.props)) if resource is not None else (0, [])
        over = floor is None or floor > limit
        if not over or unpriced.type in reviewed:
            why = f" (reviewed: {reviewed[unpriced.type]})" if unpriced.type in reviewed else ""
            least = f"; at least ${floor:,.2f} a month by its size" if floor else ""
            ctx.note(
                f"cost estimate (expected): not priced, so not in the total: {unpriced}{least}{why}"
            )
            continue
        if floor is None and unpriced.type in PRICERS:
            ctx.unknown(resource, ", ".join(read))  # a priced type's size not known yet: a note
            continue
        found = (
            "not readable (unknown at preview, or not a size the bound knows)"
            if floor is None
            else f"at least ${floor:,.2f} a month"
        )
        ctx.violation(
            resource,
            ", ".join(read),
            f"{found}, which the estimate cannot price ({unpriced.reason}): over the "
            f"${limit:,.0f} limit for what the estimate leaves out of the total",
            "a price for it in foundation/prices.json (and a pricer in estimate/pricers.py), "
            "a smaller size, or its type in reviewedUnpricedTypes with the reason",
            "An estimate that drops what it cannot price passes any budget.",
        )
    present = {unpriced.type for unpriced in estimate.unpriced}
    for type_token in reviewed:
        if type_token not in present:
            ctx.violation(
                None,
                f"reviewedUnpricedTypes entry '{type_token}'",
                "no unpriced resource of this type in the stack (stale)",
                "only types the estimate cannot price",
                "Remove the entry from the stack's cost config.",
            )


def _judge(ctx: StackContext, scenario: Scenario) -> None:
    found = own_budget(ctx)
    if found is None and scenario is not EXPECTED:
        return  # none of its own (budget-exists), or an input unknown at preview (noted)
    estimate = _estimate(ctx, scenario)
    if estimate is None:
        return
    if scenario is EXPECTED:
        _judge_unpriced(ctx, estimate)
    else:
        for unpriced in estimate.unpriced:
            ctx.note(
                f"cost estimate ({scenario.name}): not priced, so not in the total: {unpriced}"
            )
    if found is None:
        return
    budget, amount = found
    share = float(ctx.config.get("maximumPercentOfBudget", 100))
    ceiling = amount * share / 100
    month = f"the {scenario.title}" if scenario is not EXPECTED else "the estimate"
    multiple = ctx.config.get("maximumBudgetMultiple")
    if isinstance(multiple, int | float) and 0 < estimate.total * multiple < amount:
        ctx.violation(
            budget,
            "limitAmount",
            f"${amount:,.2f} a month, {amount / estimate.total:,.1f} times {month} "
            f"(${estimate.total:,.2f}): it alerts only after spend has multiplied",
            f"at most {multiple:g} times {month} (${estimate.total * multiple:,.2f})",
            "A budget far above the stack's cost is a control that never fires; set "
            "budget.monthlyUsd near the expected month.",
        )
    if estimate.total > ceiling:
        biggest = sorted(estimate.by_component(), key=lambda c: -(c[1] + c[2]))[:3]
        parts = ", ".join(f"{name} ${fixed + usage_:,.2f}" for name, fixed, usage_ in biggest)
        ctx.violation(
            budget,
            "limitAmount",
            f"${amount:,.2f} a month but {month} is ${estimate.total:,.2f}",
            f"at most {share:g}% of the budget (${ceiling:,.2f})",
            f"Largest components: {parts}. Right-size them, or raise budget.monthlyUsd "
            "(a reviewed change); the estimate's lines: make preview.",
        )


def _check(ctx: StackContext) -> None:
    _judge(ctx, EXPECTED)


def _check_worst(ctx: StackContext) -> None:
    _judge(ctx, WORST)


SHARE_OF_BUDGET = {
    "maximumPercentOfBudget": {
        "type": "number",
        "description": "Share of the budget the estimate may reach (100: the whole budget).",
        "minimum": 1,
        "maximum": 1000,
        "default": 100,
    }
}

BUDGET_MULTIPLE = {
    "maximumBudgetMultiple": {
        "type": "number",
        "description": (
            "How many times the expected month the budget may be before it is judged a control "
            "that never fires."
        ),
        "minimum": 1,
        "default": 3,
    }
}

ESTIMATE_WITHIN_BUDGET = StackRule(
    name="monthly-estimate-within-budget",
    description=(
        "The stack's estimated monthly cost (priced resources plus usage assumptions) must not "
        "exceed its AWS Budgets amount, and the amount must not be so far above it (by default "
        "more than 3 times) that the budget never alerts. A resource the estimate cannot price "
        "whose size settings (instance or node type and count, IOPS, throughput, shards, "
        "capacity units, storage) cost at least unpricedMonthlyLimitUsd at the lowest prices, "
        "or cannot be read, is a finding unless its type is reviewed (reviewedUnpricedTypes); "
        "smaller or use-billed unpriced resources are notes."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Right-size the largest components (database.instanceClass, cache.nodeType/nodes, "
        "network.natGateways), or raise perfcheck:budget.monthlyUsd; see docs/cost.md."
    ),
    resource_types=[T.BUDGET],
    check=_check,
    unknowns=(
        "budgetType, timeUnit, limitAmount, costFilters or tags unknown: note (an unknown period "
        "is never taken for a month); the estimate reads inputs the engine already knows."
    ),
    config_properties={
        **SHARE_OF_BUDGET,
        **BUDGET_MULTIPLE,
        "unpricedMonthlyLimitUsd": {
            "type": "number",
            "description": (
                "USD a month an unpriced resource may cost at least (its size settings at the "
                "lowest prices AWS lists) and still be a note; above it, or unreadable, a finding."
            ),
            "minimum": 0,
            "default": UNPRICED_LIMIT_DEFAULT,
        },
        "reviewedUnpricedTypes": {
            "type": "array",
            "description": (
                "Sized types the estimate cannot price, each reviewed with the reason its cost "
                "is accepted outside the estimate."
            ),
            "default": [],
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["type", "reason"],
                "properties": {
                    "type": {"type": "string", "minLength": 1},
                    "reason": {"type": "string", "minLength": 1, "pattern": "\\S"},
                },
            },
        },
    },
    tags=["cost", "budget", "estimate"],
)

WORST_MONTH_WITHIN_BUDGET = StackRule(
    name="worst-month-within-budget",
    description=(
        "The worst month the settings allow (autoscaling at service.maxTasks all month, deploy "
        "overlap, key rotations at their billed cap) should fit the stack's AWS Budgets amount."
    ),
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Lower service.maxTasks, or raise perfcheck:budget.monthlyUsd so a month at the scaling "
        "maximum is budgeted; see docs/cost.md (worst month)."
    ),
    resource_types=[T.BUDGET],
    check=_check_worst,
    enforcement_level=EnforcementLevel.ADVISORY,
    unknowns=(
        "budgetType, timeUnit, limitAmount, costFilters or tags unknown: note (an unknown period "
        "is never taken for a month); the estimate reads inputs the engine already knows."
    ),
    config_properties=SHARE_OF_BUDGET,
    tags=["cost", "budget", "estimate"],
)
