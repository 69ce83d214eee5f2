"""Spend controls: a budget that alerts someone, and logs that do not grow forever."""

from __future__ import annotations

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


def _alerts(ctx: StackContext, budget: object) -> bool | None:
    """Whether the budget notifies a subscriber in time: a notification with a subscriber that
    can fire by the time spend reaches the limit (None: not known yet)."""
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
    verdicts = [_alerts(ctx, budget) for budget in cost_budgets]
    if any(v is True for v in verdicts):
        return
    for budget, verdict in zip(cost_budgets, verdicts, strict=True):
        if verdict is None:
            ctx.unknown(budget, "notifications")
        else:
            ctx.violation(
                budget,
                "notifications",
                "no subscriber (email or SNS topic) on a notification that fires by the time "
                "spend reaches the limit",
                "a notification that reaches someone in time (e.g. ACTUAL > 80%, FORECASTED > "
                "100%); a threshold above the limit alerts only after the overspend",
            )


BUDGET_EXISTS = StackRule(
    name="budget-exists",
    description=(
        "The stack must define an AWS cost budget with a notification that reaches someone "
        "(email or SNS) and can fire by the time spend reaches the limit (a percentage "
        "threshold of at most 100, an absolute one of at most the limit)."
    ),
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Add aws.budgets.Budget(budget_type='COST', time_unit='MONTHLY', limit_amount=..., "
        "notifications=[...subscriber_email_addresses or subscriber_sns_topic_arns...]), filtered "
        "to the stack's cost tags."
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


def _check_retention(ctx: ResourceContext) -> None:
    days = ctx.get("retentionInDays")
    maximum = ctx.config.get("maximumDays")
    if days is values.UNKNOWN:
        ctx.unknown("retentionInDays")
        return
    number = values.as_number(days)
    if days is None or number is None or number <= 0:
        ctx.violation(
            "retentionInDays",
            "not set (kept forever)" if days is None else values.show(days),
            "a retention period in days" + (f" of at most {maximum}" if maximum else ""),
        )
    elif maximum is not None and number > float(maximum):
        ctx.violation("retentionInDays", values.show(days), f"at most {maximum}")


LOG_RETENTION = ResourceRule(
    name="cloudwatch-log-group-retention",
    description="CloudWatch log groups must expire their logs (no never-expiring retention).",
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
        }
    },
    tags=["cost", "logs"],
)

RULES = (BUDGET_EXISTS, LOG_RETENTION)
