"""Spend controls: a budget that alerts someone, one that sees the spend no tag carries, and
logs that do not grow forever."""

from __future__ import annotations

import datetime
from typing import Any

from perfcheck_policykit import (
    ResourceContext,
    ResourceRule,
    StackContext,
    StackRule,
    schema,
    values,
)
from perfcheck_policykit import aws_types as T
from pulumi_policy import Severity

from estimate.budget import (
    UNTAGGED_SPEND_FILTERS,
    is_own_monthly_cost_budget,
    own_monthly_budget,
    sees_untagged_spend,
)

from .estimate_budget import BUDGET_KEYS, plain


def _fires_by_the_limit(notification: object, limit: object) -> bool | None:
    """Whether the notification can fire by the time spend reaches the budget's limit: a
    percentage threshold of at most 100, or an absolute one of at most the limit (None: a
    deciding value unknown). A threshold above the limit alerts only after the overspend."""
    raw_threshold = values.get(notification, "threshold")
    kind = values.get(notification, "thresholdType")
    if raw_threshold is values.UNKNOWN or kind is values.UNKNOWN:
        return None
    threshold = values.as_number(raw_threshold)
    if threshold is None:
        return False
    if values.enum(kind or "PERCENTAGE") == "ABSOLUTE_VALUE":
        if limit is values.UNKNOWN:
            return None
        amount = values.as_number(limit)
        return amount is not None and threshold <= amount
    return threshold <= 100


def period_ended(end: object, today: datetime.date | None = None) -> bool:
    """Whether a budget's timePeriodEnd ('YYYY-MM-DD_HH:MM', as AWS Budgets takes it) is past:
    such a budget tracks no spend from then on. An end it cannot read is not taken as past."""
    if not isinstance(end, str):
        return False
    try:
        day = datetime.date.fromisoformat(end.strip()[:10])
    except ValueError:
        return False
    return day < (today or datetime.datetime.now(datetime.UTC).date())


def _alerts(ctx: StackContext, budget: object) -> bool | None:
    """Whether the budget notifies a subscriber in time: a notification with a subscriber that
    can fire by the time spend reaches the limit (None: not known yet). A budget whose period
    has ended alerts no one."""
    end = ctx.get(budget, "timePeriodEnd")  # type: ignore[arg-type]
    if end is values.UNKNOWN:
        return None
    if period_ended(end):
        return False
    notifications = ctx.items(budget, "notifications")  # type: ignore[arg-type]
    if notifications is values.UNKNOWN:
        return None
    limit = ctx.get(budget, "limitAmount")  # type: ignore[arg-type]
    unknown = False
    for notification in notifications:
        in_time = _fires_by_the_limit(notification, limit)
        if in_time is None:
            unknown = True
            continue
        if not in_time:
            continue
        for key in ("subscriberEmailAddresses", "subscriberSnsTopicArns"):
            subscribers = values.items(notification, key)
            if subscribers is values.UNKNOWN:
                unknown = True
            elif subscribers:
                return True
    return None if unknown else False


def _check_budget(ctx: StackContext) -> None:
    budgets = ctx.index.of_type(T.BUDGET)
    require_alert = ctx.config.get("requireNotification", True)
    cost_budgets = []
    for budget in budgets:
        kind = ctx.get(budget, "budgetType")
        if kind is values.UNKNOWN:
            ctx.unknown(budget, "budgetType")
            cost_budgets.append(budget)
        elif kind == "COST":
            cost_budgets.append(budget)
    if not cost_budgets:
        ctx.violation(
            None,
            "AWS Budgets",
            "no aws:budgets/budget:Budget of budgetType COST",
            "one cost budget in the stack",
        )
        return
    if not require_alert:
        return
    # Every cost budget must be heard: a stack's second budget (the account's, which
    # budget-sees-untagged-spend asks for) must not make a silent tag budget pass.
    verdicts = [_alerts(ctx, budget) for budget in cost_budgets]
    for budget, verdict in zip(cost_budgets, verdicts, strict=True):
        if verdict is True:
            continue
        if verdict is None:
            ctx.unknown(budget, "notifications")
        else:
            ctx.violation(
                budget,
                "notifications",
                "no subscriber (email or SNS topic) on a notification that fires by the time "
                "spend reaches the limit, or a period (timePeriodEnd) that has ended",
                "a notification that reaches someone in time (e.g. ACTUAL > 80%, FORECASTED > "
                "100%); a threshold above the limit alerts only after the overspend",
            )


BUDGET_EXISTS = StackRule(
    name="budget-exists",
    description=(
        "The stack must define at least one AWS cost budget, and every cost budget it defines "
        "must have a notification that reaches someone (email or SNS) and can fire by the time "
        "spend reaches the limit (a percentage threshold of at most 100, an absolute one of at "
        "most the limit): a second, silent budget is reported too, and so is one whose period "
        "(timePeriodEnd) has ended."
    ),
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Add aws.budgets.Budget(budget_type='COST', time_unit='MONTHLY', limit_amount=..., "
        "notifications=[...subscriber_email_addresses or subscriber_sns_topic_arns...]), filtered "
        "to the stack's cost tags, and give every other cost budget of the stack such a "
        "notification as well."
    ),
    resource_types=[T.BUDGET],
    check=_check_budget,
    unknowns="budgetType or subscribers unknown: note (an unknown type still counts as a budget).",
    config_properties={
        "requireNotification": schema.boolean(
            "Also require a notification with an email or SNS subscriber.", True
        )
    },
    tags=["cost", "budget"],
)


def _check_untagged_spend(ctx: StackContext) -> None:
    budgets: list[tuple[Any, dict[str, Any]]] = []
    for budget in ctx.index.of_type(T.BUDGET):
        props = {key: ctx.get(budget, key) for key in (*BUDGET_KEYS, "notifications")}
        missing = [key for key, value in props.items() if value is values.UNKNOWN]
        for key in missing:
            ctx.unknown(budget, key)
        if missing:
            return  # never judged a pass or a failure on what is not known yet
        budgets.append((budget, {key: plain(value) for key, value in props.items()}))
    if not budgets:
        return  # budget-exists reports a stack without any
    watching = [(b, p) for b, p in budgets if sees_untagged_spend(p)]
    alerting = [(b, p) for b, p in watching if _alerts(ctx, b) is True]
    if not alerting:
        ctx.violation(
            watching[0][0] if watching else None,
            "notifications" if watching else "AWS Budgets",
            "no subscriber on the budget that sees the whole bill"
            if watching
            else "no COST budget over a MONTHLY period without a tag, service or region filter",
            "a MONTHLY COST budget with no cost filter (or only "
            + ", ".join(sorted(UNTAGGED_SPEND_FILTERS))
            + ") whose notifications reach someone",
            "A budget filtered to the stack's cost-allocation tag cannot see spend no tag "
            "carries: data transfer charged to no tagged resource, requests not attributed to a "
            "resource, anything before the tag is activated (docs/cost.md, 'Two budgets').",
        )
        return
    own = own_monthly_budget([p for _, p in budgets if is_own_monthly_cost_budget(p)])
    if own is None:
        return
    amounts = [values.as_number(props.get("limitAmount")) for _, props in alerting]
    if any(amount is not None and amount >= own for amount in amounts):
        return
    budget, props = alerting[0]
    ctx.violation(
        budget,
        "limitAmount",
        f"{values.show(props.get('limitAmount'))}, below the stack's own budget (${own:g})",
        f"at least ${own:g}",
        "The account's bill includes the stack's tagged spend: this budget would alert on a "
        "month the stack's own budget allows.",
    )


UNTAGGED_SPEND = StackRule(
    name="budget-sees-untagged-spend",
    description=(
        "Besides the stack's tag-filtered budget, a MONTHLY COST budget with no tag, service or "
        "region filter must alert someone, at an amount no lower than the stack's own budget: "
        "spend that carries no cost-allocation tag is invisible to a tag filter."
    ),
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Add aws.budgets.Budget(budget_type='COST', time_unit='MONTHLY', limit_amount=<the "
        "account's monthly amount>, no cost_filters, notifications=[...]) "
        "(perfcheck:budget.accountMonthlyUsd sets its amount)."
    ),
    resource_types=[T.BUDGET],
    check=_check_untagged_spend,
    unknowns=(
        "A budget's type, period, amount, filters, tags or notifications unknown: note, and "
        "nothing judged."
    ),
    tags=["cost", "budget"],
)


def _check_retention(ctx: ResourceContext) -> None:
    days = ctx.get("retentionInDays")
    maximum = ctx.config.get("maximumDays")
    minimum = ctx.config.get("minimumDays")
    if days is values.UNKNOWN:
        return  # noted by the kit (an unknown read)
    number = values.as_number(days)
    if days is None or number is None or number <= 0:
        ctx.violation(
            "retentionInDays",
            "not set (kept forever)" if days is None else values.show(days),
            "a retention period in days" + (f" of at most {maximum}" if maximum else ""),
        )
    elif maximum is not None and number > float(maximum):
        ctx.violation("retentionInDays", values.show(days), f"at most {maximum}")
    elif minimum is not None and number < float(minimum):
        ctx.violation(
            "retentionInDays",
            values.show(days),
            f"at least {minimum}",
            "Logs that expire before anyone looks record nothing an incident review can read.",
        )


LOG_RETENTION = ResourceRule(
    name="cloudwatch-log-group-retention",
    description=(
        "CloudWatch log groups must expire their logs (no never-expiring retention), within "
        "the config's bounds: at most maximumDays (cost), at least minimumDays (an incident "
        "noticed late still finds its logs)."
    ),
    severity=Severity.LOW,
    remediation_steps=(
        "Set retention_in_days on aws.cloudwatch.LogGroup (e.g. 30 in staging, 90 in prod)."
    ),
    resource_types=[T.LOG_GROUP],
    check=_check_retention,
    unknowns="retentionInDays unknown: note.",
    config_properties={
        "maximumDays": {
            "type": "integer",
            "description": "Longest retention allowed, in days (unset: any finite retention).",
            "minimum": 1,
            "maximum": 3653,
        },
        "minimumDays": {
            "type": "integer",
            "description": "Shortest retention allowed, in days (unset: no floor).",
            "minimum": 1,
            "maximum": 3653,
        },
    },
    tags=["cost", "logs"],
)
