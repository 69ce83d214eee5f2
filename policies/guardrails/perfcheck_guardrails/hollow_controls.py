"""Controls judged by their effect: present but hollow counts as off.

A web ACL whose rules only count, a bake time of zero, a deployment controller that hands the
rollback to nothing: each one satisfies a presence check and protects nothing. These rules read
what the control does (blocks something, waits, rolls back) instead of whether it is there.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import re
from collections.abc import Callable, Mapping, Sequence
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
from pulumi_policy import PolicyResource, Severity

WEB_ACL = "aws:wafv2/webAcl:WebAcl"
CODEDEPLOY_DEPLOYMENT_GROUP = "aws:codedeploy/deploymentGroup:DeploymentGroup"
_STOPPING_ACTIONS = ("block", "captcha", "challenge")


def _camel_keys(value: Any) -> Any:
    """WAF rule JSON (ruleJson) uses the API's PascalCase; the inputs use camelCase."""
    if isinstance(value, Mapping):
        return {
            (k[:1].lower() + k[1:] if isinstance(k, str) else k): _camel_keys(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_camel_keys(v) for v in value]
    return value


def _present(block: Any, key: str) -> bool:
    return isinstance(block, Mapping) and block.get(key) is not None


WAF_MAX_RATE_LIMIT = 2_000_000_000
"""The largest limit a rate-based statement takes (botocore wafv2 RateLimit's max): at it, a
rule aggregating every request (CONSTANT) stops nothing a real site sees."""
_FIELD_STATEMENTS = (
    "byteMatchStatement",
    "regexMatchStatement",
    "regexPatternSetReferenceStatement",
    "sizeConstraintStatement",
    "sqliMatchStatement",
    "xssMatchStatement",
)
"""Statements that match a part of the request (`fieldToMatch`)."""


def _routes(field: Any) -> bool:
    """Whether a request part decides what the request reaches (its path, method or Host):
    a client cannot leave it out and still reach the same thing."""
    if not isinstance(field, Mapping):
        return False
    header = field.get("singleHeader")
    return (
        _present(field, "uriPath")
        or _present(field, "method")
        or values.lower(values.get(header, "name")) == "host"
    )


def client_opts_in(statement: Any) -> bool | None:
    """Whether a scope-down matches only requests that carry something the client adds at will
    (a header, a query argument, a cookie, the body) without changing what it reaches: the
    client opts out of inspection by leaving it out. None when unknown."""
    if statement is values.UNKNOWN or values.is_unknown(statement):
        return None
    if not isinstance(statement, Mapping):
        return False
    for kind in _FIELD_STATEMENTS:
        if _present(statement, kind):
            return not _routes(values.get(statement, kind, "fieldToMatch"))
    for kind, combine in (("andStatement", any), ("orStatement", all)):
        if _present(statement, kind):
            verdicts = [client_opts_in(s) for s in values.items(statement, kind, "statements")]
            if combine(v is True for v in verdicts):
                return True
            return None if None in verdicts else False
    return False  # negations, addresses, countries, labels: the client cannot opt out


def _rate_too_high(rate: Any, ceiling: float) -> bool | None:
    """A rate-based statement whose limit a flood from one client never reaches (per second,
    over its window), or a limit on all requests at AWS's maximum. None when unknown."""
    limit = values.as_number(values.get(rate, "limit"))
    window = values.as_number(values.get(rate, "evaluationWindowSec")) or 300
    key = values.enum(values.get(rate, "aggregateKeyType"))
    if limit is None or key is values.UNKNOWN or values.is_unknown(rate):
        return None
    if key == "CONSTANT":
        return limit >= WAF_MAX_RATE_LIMIT
    return limit / window > ceiling


def rule_stops_requests(rule: Any, ceiling: float = float("inf")) -> bool | None:
    """Whether a WAF rule can stop a request: a blocking action, or a rule group whose own
    actions apply (overrideAction none), judged by its effect: not when its scope-down is one
    the client opts into, nor when it is a rate limit no flood reaches. None when unknown."""
    action = values.get(rule, "action")
    override = values.get(rule, "overrideAction")
    if action is values.UNKNOWN or override is values.UNKNOWN:
        return None
    stops = any(_present(action, kind) for kind in _STOPPING_ACTIONS) or _present(override, "none")
    statement = values.get(rule, "statement")
    for kind in ("managedRuleGroupStatement", "rateBasedStatement"):
        inner = values.get(statement, kind)
        if not stops or not isinstance(inner, Mapping):
            continue
        opted = client_opts_in(values.get(inner, "scopeDownStatement"))
        too_high = _rate_too_high(inner, ceiling) if kind == "rateBasedStatement" else False
        if opted is None or too_high is None:
            return None
        stops = not opted and not too_high
    return stops


def _web_acl_rules(ctx: ResourceContext) -> list[Any] | None:
    rules = ctx.items("rules")
    if rules is values.UNKNOWN:
        ctx.unknown("rules")
        return None
    raw = ctx.get("ruleJson")
    if raw is values.UNKNOWN:
        ctx.unknown("ruleJson")
        return None
    if isinstance(raw, str) and raw.strip():
        try:
            parsed = json.loads(raw)
        except ValueError:
            ctx.violation("ruleJson", "not valid JSON", "a JSON list of WAF rules")
            return None
        rules = [*rules, *(_camel_keys(parsed) if isinstance(parsed, list) else [parsed])]
    return list(rules)


def _check_web_acl(ctx: ResourceContext) -> None:
    default = ctx.get("defaultAction")
    if default is values.UNKNOWN:
        return  # noted by the kit (an unknown read)
    if _present(default, "block"):
        return  # everything not allowed is blocked: the ACL has an effect
    rules = _web_acl_rules(ctx)
    if rules is None:
        return
    ceiling = float(ctx.config.get("maximumRatePerSecond", RATE_CEILING_PER_SECOND))
    verdicts = [rule_stops_requests(rule, ceiling) for rule in rules]
    if any(v is True for v in verdicts):
        return
    if any(v is None for v in verdicts):
        ctx.unknown("rules[].action")
        return
    found = (
        "no rules, with defaultAction allow"
        if not rules
        else f"{len(rules)} rule(s) that only count or allow, with defaultAction allow"
        " (a rule scoped down to requests the client opts into, or rate-limiting above any "
        "flood, stops nothing)"
    )
    ctx.violation(
        "rules",
        found,
        "at least one rule that blocks (action block/captcha/challenge, or a rule group with "
        "overrideAction none) every request it is meant for (no scope-down on a header, "
        "query argument, cookie or body the client adds at will; a rate limit at most "
        f"{ceiling:g} requests per second per client)",
        "A web ACL that stops nothing is a WAF in name only.",
    )


RATE_CEILING_PER_SECOND = 1000
"""Per client: a thousand requests a second from one address is a flood by any site's measure
(the stack's own limit is 2,000 per 5 minutes, under 7 a second); AWS's maximum, 2,000,000,000
per window, is millions a second."""

WAF_WEB_ACL_EFFECTIVE = ResourceRule(
    name="waf-web-acl-effective",
    normalises="ruleJson read like rules (PascalCase keys folded)",
    description=(
        "A WAF web ACL must stop something: a default action of block, or at least one rule "
        "that blocks (a rule group with overrideAction none, or a rule with action block, "
        "captcha or challenge). No rules, count-only rules, rule groups overridden to count, "
        "rules scoped down to requests the client opts into (a header, query argument, "
        "cookie or body it can leave out), or rate limits above any flood, under a default "
        "allow, are a WAF in name only."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Give the rule groups override_action={'none': {}} (override single noisy rules with "
        "rule_action_overrides, not the whole group) and rate-based rules action={'block': {}}."
    ),
    resource_types=[WEB_ACL],
    check=_check_web_acl,
    unknowns="defaultAction, rules, ruleJson, a rule's action, scope-down or limit unknown: note.",
    config_properties={
        "maximumRatePerSecond": schema.integer(
            "The highest per-client rate (requests per second over the rule's window) a "
            "rate-based rule may allow and still count as stopping a flood.",
            RATE_CEILING_PER_SECOND,
            minimum=1,
            maximum=WAF_MAX_RATE_LIMIT // 60,
        )
    },
    tags=["waf", "hollow-controls"],
)

_BAKE_FIELDS = (
    ("bakeTimeInMinutes",),
    ("canaryConfiguration", "canaryBakeTimeInMinutes"),
    ("linearConfiguration", "stepBakeTimeInMinutes"),
)
_STEP_FIELDS = (("canaryConfiguration", "canaryPercent"), ("linearConfiguration", "stepPercent"))


def _check_first_step(ctx: ResourceContext, configuration: Any) -> None:
    """A canary or linear step of 100 % moves all traffic at once: a canary in name only."""
    for path in _STEP_FIELDS:
        value = values.get(configuration, *path)
        label = "deploymentConfiguration." + ".".join(path)
        if value is values.UNKNOWN:
            ctx.unknown(label)
            continue
        percent = None if value is None else values.as_number(value)
        if value is not None and (percent is None or percent >= 100):
            ctx.violation(
                label,
                values.show(value),
                "less than 100 percent",
                "A first step of all the traffic leaves no healthy share to roll back to.",
            )


def _check_bake_time(ctx: ResourceContext) -> None:
    configuration = ctx.get("deploymentConfiguration")
    if configuration is values.UNKNOWN:
        return  # noted by the kit (an unknown read)
    _check_first_step(ctx, configuration)
    for path in _BAKE_FIELDS:
        value = values.get(configuration, *path)
        label = "deploymentConfiguration." + ".".join(path)
        if value is values.UNKNOWN:
            ctx.unknown(label)
            continue
        if value is None:
            continue
        minutes = values.as_number(value)
        if minutes is None or minutes <= 0:
            ctx.violation(
                label,
                values.show(value),
                "more than 0 minutes",
                "A bake time of zero ends the deployment before an alarm can roll it back.",
            )


DEPLOYMENT_BAKE_TIME_NOT_ZERO = ResourceRule(
    name="ecs-deployment-bake-time-not-zero",
    description=(
        "A stated ECS deployment bake time (blue/green, canary or linear step) must be more "
        "than zero minutes, and a canary or linear step less than 100 percent: zero bake or a "
        "whole-fleet step shifts all traffic before an alarm can roll back."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Set bake_time_in_minutes (and the canary/step bake) to at least 5, and the canary or "
        "step percent to a share of the traffic (e.g. 10)."
    ),
    resource_types=[T.ECS_SERVICE],
    check=_check_bake_time,
    unknowns="The configuration or a bake time unknown: note.",
    tags=["ecs", "reliability", "hollow-controls"],
)


def _rolls_back_on_failure(config: Any) -> bool | None:
    """Whether a deployment group's autoRollbackConfiguration rolls back a failed deployment;
    None when it, its switch or its events are unknown."""
    if config is values.UNKNOWN:
        return None
    enabled = values.get(config, "enabled")
    events = values.items(config, "events")
    if enabled is values.UNKNOWN or events is values.UNKNOWN:
        return None
    return values.as_bool(enabled) is True and "DEPLOYMENT_FAILURE" in {
        values.enum(e) for e in events
    }


def _groups_for(
    ctx: StackContext, service: PolicyResource, groups: Sequence[PolicyResource]
) -> list[PolicyResource]:
    name = ctx.get(service, "name")
    found = []
    for group in groups:
        entries = ctx.items(group, "ecsService")
        if entries is values.UNKNOWN:
            entries = []
        names = {values.get(entry, "serviceName") for entry in entries}
        deps = {
            dep.urn for dep in group.property_dependencies.get("ecsService", []) if dep is not None
        }
        if (isinstance(name, str) and name in names) or service.urn in deps:
            found.append(group)
    return found


def _check_controller(ctx: StackContext) -> None:
    groups = ctx.index.of_type(CODEDEPLOY_DEPLOYMENT_GROUP)
    for service in ctx.index.of_type(T.ECS_SERVICE):
        controller = ctx.get(service, "deploymentController", "type")
        if controller is values.UNKNOWN:
            ctx.unknown(service, "deploymentController.type")
            continue
        kind = values.enum(controller)
        if kind in (None, "ECS"):
            continue  # judged by the circuit breaker and strategy rules
        if kind == "CODE_DEPLOY":
            verdicts = [
                _rolls_back_on_failure(ctx.get(group, "autoRollbackConfiguration"))
                for group in _groups_for(ctx, service, groups)
            ]
            if any(v is True for v in verdicts):
                continue
            if any(v is None for v in verdicts):
                ctx.unknown(service, "deploymentController (its deployment group's rollback)")
                continue
            found = (
                "CODE_DEPLOY, whose deployment group does not roll back on DEPLOYMENT_FAILURE"
                if verdicts
                else "CODE_DEPLOY with no CodeDeploy deployment group in this stack"
            )
        else:
            found = f"{values.show(controller)} (nothing in AWS rolls a failed deployment back)"
        ctx.violation(
            service,
            "deploymentController.type",
            found,
            "ECS (with the circuit breaker's rollback), or CODE_DEPLOY with a deployment group "
            "whose autoRollbackConfiguration is enabled for DEPLOYMENT_FAILURE",
        )


DEPLOYMENT_CONTROLLER_ROLLS_BACK = StackRule(
    name="ecs-deployment-controller-rolls-back",
    normalises="controller and events any case",
    description=(
        "An ECS service whose deployment controller is not ECS must still roll back a failed "
        "deployment: CODE_DEPLOY needs a deployment group (in the stack) with automatic "
        "rollback on DEPLOYMENT_FAILURE; EXTERNAL has no rollback of its own and is refused."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Use the ECS controller with deployment_circuit_breaker rollback, or give the "
        "aws.codedeploy.DeploymentGroup auto_rollback_configuration={'enabled': True, "
        "'events': ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']}."
    ),
    resource_types=[T.ECS_SERVICE, CODEDEPLOY_DEPLOYMENT_GROUP],
    check=_check_controller,
    unknowns="Controller or the group's rollback settings unknown: note.",
    tags=["ecs", "reliability", "hollow-controls"],
)

# -- controls with an off switch ---------------------------------------------------------------

MAX_ROTATION_DAYS = 90
"""Longest secret rotation period that still counts as rotating (checkov CKV_AWS_304 and AWS
Security Hub's Secrets Manager control use 90 days; from memory)."""
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$", re.I)
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def _cron_months(field: str) -> set[int] | None:
    """The months an EventBridge cron month field names (1-12), or None when not understood."""
    months: set[int] = set()
    for part in field.upper().split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() else (1 if not step_text else 0)
        if step <= 0:
            return None
        if base in ("*", "?"):
            low, high = 1, 12
        else:
            ends = [
                _MONTHS.index(e) + 1 if e in _MONTHS else int(e) if e.isdigit() else 0
                for e in base.split("-")
            ]
            if len(ends) > 2 or not all(1 <= e <= 12 for e in ends):
                return None
            low, high = ends[0], ends[-1] if len(ends) == 2 else (12 if step_text else ends[0])
        months.update(range(low, high + 1, step))
    return months or None


def rotation_period_days(expression: str) -> float | None:
    """The longest gap between rotations a schedule expression allows, in days; None when the
    expression is not one Secrets Manager documents (rate(N days|hours), cron(6 fields))."""
    text = expression.strip()
    rate = _RATE.match(text)
    if rate:
        count, unit = int(rate.group(1)), rate.group(2).lower()
        return count / {"m": 1440, "h": 24, "d": 1}[unit[0]]
    if text.lower().startswith("cron(") and text.endswith(")"):
        fields = text[5:-1].split()
        if len(fields) != 6:
            return None
        months = _cron_months(fields[3])
        if months is None:
            return None
        ordered = sorted(months)
        gaps = [(b - a) for a, b in itertools.pairwise(ordered)]
        gaps.append(ordered[0] + 12 - ordered[-1])
        return max(gaps) * 31.0
    return None


def _rotation_off(ctx: ResourceContext) -> None:
    enabled = ctx.get("rotationEnabled")
    if enabled is not values.UNKNOWN and values.as_bool(enabled) is False:
        ctx.violation("rotationEnabled", "false", "true (or no rotation resource at all)")
    rules = ctx.get("rotationRules")
    if rules is values.UNKNOWN:
        return  # noted by the kit (an unknown read)
    days = values.get(rules, "automaticallyAfterDays")
    expression = values.get(rules, "scheduleExpression")
    for label, value in (
        ("rotationRules.automaticallyAfterDays", days),
        ("rotationRules.scheduleExpression", expression),
    ):
        if value is values.UNKNOWN:
            ctx.unknown(label)
            return
    if days is not None:
        number = values.as_number(days)
        if number is None or not 0 < number <= MAX_ROTATION_DAYS:
            ctx.violation(
                "rotationRules.automaticallyAfterDays",
                values.show(days),
                f"1 to {MAX_ROTATION_DAYS} days",
                "A rotation that waits longer leaves a leaked secret valid for months.",
            )
    elif isinstance(expression, str) and expression.strip():
        period = rotation_period_days(expression)
        if period is None or period > MAX_ROTATION_DAYS:
            ctx.violation(
                "rotationRules.scheduleExpression",
                values.show(expression)
                + (" (not a rate or cron expression this rule reads)" if period is None else ""),
                f"rate(N days) or a cron schedule rotating at least every {MAX_ROTATION_DAYS} days",
            )
    else:
        ctx.violation(
            "rotationRules",
            "neither automaticallyAfterDays nor scheduleExpression",
            f"a rotation period of at most {MAX_ROTATION_DAYS} days",
        )


def _switch(path: tuple[str, ...], off: Callable[[Any], bool], expected: str, why: str) -> Any:
    def check(ctx: ResourceContext) -> None:
        value = ctx.get(*path)
        label = ".".join(path)
        if value is values.UNKNOWN:
            ctx.unknown(label)
        elif off(value):
            ctx.violation(label, values.show(value), expected, why)

    return check


def _is_false(value: Any) -> bool:
    return value is not None and values.as_bool(value) is not True


_CODES = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


def accepts_error_status(matcher: str) -> bool:
    """Whether an HTTP health-check matcher ('200', '200,302', '200-399') takes a status of 400
    or more as healthy; a part it cannot read counts as taking one (fail closed)."""
    for part in matcher.split(","):
        codes = _CODES.match(part)
        if codes is None or int(codes.group(2) or codes.group(1)) >= 400:
            return True
    return False


def _health_check_off(ctx: ResourceContext) -> None:
    if values.enum(ctx.get("targetType")) == "LAMBDA":
        return  # AWS leaves a Lambda target group's health check off by default: no task to probe
    _switch(
        ("healthCheck", "enabled"),
        _is_false,
        "true (or unset: on by default)",
        "Without a health check the load balancer keeps routing to a broken target, and ECS "
        "never sees the unhealthy hosts its rollback alarms count.",
    )(ctx)
    if values.enum(ctx.get("protocolVersion")) == "GRPC":
        return  # gRPC status codes (0-99), not HTTP ones
    _switch(
        ("healthCheck", "matcher"),
        lambda v: isinstance(v, str) and accepts_error_status(v),
        "success or redirect codes only (200-399)",
        "A health check that accepts a 4xx or 5xx passes the target that answers with errors.",
    )(ctx)


HSTS_MIN_SECONDS = 31_536_000
"""One year: the HSTS preload list's minimum (hstspreload.org); max-age 0 tells browsers to
forget HTTPS-only (RFC 6797, 6.1.1)."""


_VERSIONING_OFF = _switch(
    ("versioningConfiguration", "status"),
    lambda v: values.enum(v) != "ENABLED",
    "Enabled",
    "Suspended (or Disabled) versioning lets an overwrite or delete lose the object.",
)

_ALARM_ACTIONS = ("alarmActions", "okActions", "insufficientDataActions")


FRONT_DOOR_REQUESTS_PER_SECOND = 250_000
"""CloudFront's default request rate per distribution (its quota, from memory): the stack's one
front door admits no more, so no request count behind it exceeds this per second."""
_REQUEST_NAMESPACES = frozenset({"AWS/ApplicationELB", "AWS/NetworkELB", "AWS/CloudFront"})
_PERCENT_SUFFIXES = ("Utilization", "Rate", "Percent", "Percentage")


def _metric_ceiling(namespace: Any, metric: Any, period: float, per_second: float) -> float | None:
    """The largest value an AWS metric can take in one period: 100 for a percentage, the front
    door's rate times the period for a count of requests or connections; None when the rule
    knows no range for it (a custom metric, a latency)."""
    if not isinstance(namespace, str) or not isinstance(metric, str):
        return None
    if namespace.startswith("AWS/") and metric.endswith(_PERCENT_SUFFIXES):
        return 100.0
    if namespace in _REQUEST_NAMESPACES and (metric.endswith("Count") or metric == "Requests"):
        return per_second * period
    return None


def _threshold_unreachable(ctx: ResourceContext) -> None:
    """A threshold beyond the metric's range never breaches: the alarm is off by its effect."""
    if ctx.type != "aws:cloudwatch/metricAlarm:MetricAlarm":
        return
    threshold = values.as_number(ctx.get("threshold"))
    operator = ctx.get("comparisonOperator")
    period = values.as_number(ctx.get("period")) or 60
    per_second = float(ctx.config.get("frontDoorRequestsPerSecond", FRONT_DOOR_REQUESTS_PER_SECOND))
    ceiling = _metric_ceiling(ctx.get("namespace"), ctx.get("metricName"), period, per_second)
    if threshold is None or ceiling is None or not isinstance(operator, str):
        return
    strict = "OrEqual" not in operator
    above = operator.startswith("GreaterThan") and (
        threshold > ceiling or (strict and threshold == ceiling)
    )
    below = (
        operator.startswith("LessThan")
        and "Upper" not in operator
        and (threshold < 0 or (strict and threshold == 0))
    )
    if above or below:
        ctx.violation(
            "threshold",
            f"{threshold:g} ({operator})",
            f"a value the metric can reach (0 to {ceiling:g} in {period:g} s)",
            "An alarm whose threshold the metric never crosses never fires.",
        )


def _alarm_off(ctx: ResourceContext) -> None:
    _threshold_unreachable(ctx)
    _switch(
        ("actionsEnabled",),
        _is_false,
        "true (or unset: on by default)",
        "An alarm whose actions are off pages nobody and scales nothing.",
    )(ctx)
    lists = [ctx.items(key) for key in _ALARM_ACTIONS]
    if any(entries is values.UNKNOWN for entries in lists):
        return  # an action list still unknown may hold the action: the other rules note it
    if not any(entries for entries in lists):
        ctx.violation(
            "alarmActions",
            "no action in any state (alarm, OK, insufficient data)",
            "at least one action: an SNS topic, a scaling policy or an EC2 action",
            "An alarm that notifies nothing changes nothing.",
        )


def _rollback_off(ctx: ResourceContext) -> None:
    config = ctx.get("autoRollbackConfiguration")
    verdict = _rolls_back_on_failure(config)
    if verdict is None:
        ctx.unknown("autoRollbackConfiguration")
    elif not verdict:
        ctx.violation(
            "autoRollbackConfiguration",
            "absent"
            if config is None
            else f"enabled {values.show(values.get(config, 'enabled'))}, events "
            + values.show([values.enum(e) for e in values.items(config, "events")]),
            "enabled true with DEPLOYMENT_FAILURE among the events",
            "A deployment group that does not roll back leaves a failed deploy serving.",
        )


def _trail_off(ctx: ResourceContext) -> None:
    _switch(
        ("enableLogging",),
        _is_false,
        "true (or unset: on by default)",
        "A trail that does not log records nothing.",
    )(ctx)
    selectors = ctx.items("eventSelectors")
    if selectors is values.UNKNOWN:
        return  # noted by the kit (an unknown read)
    if not selectors:
        return  # no selector: all management events, reads and writes (CloudTrail's default)
    writes = []
    for selector in selectors:
        kind = values.enum(values.get(selector, "readWriteType"))
        management = values.get(selector, "includeManagementEvents")
        if kind is values.UNKNOWN or management is values.UNKNOWN:
            ctx.unknown("eventSelectors")
            return
        writes.append(
            kind in (None, "ALL", "WRITEONLY") and values.as_bool(management) is not False
        )
    if not any(writes):
        ctx.violation(
            "eventSelectors",
            "no selector recording management write events (ReadOnly, or "
            "includeManagementEvents false)",
            "a selector with readWriteType All or WriteOnly and includeManagementEvents true",
            "A trail that records no write records none of the changes an auditor needs.",
        )


_FLOW_LOG_PARTIAL = _switch(
    ("trafficType",),
    lambda v: values.enum(v) != "ALL",
    "ALL",
    "A flow log of only accepted or only rejected traffic misses half of an incident.",
)


EKS_AUDIT_LOGS = ("api", "audit")


def _eks_logs_off(ctx: ResourceContext) -> None:
    kinds = ctx.items("enabledClusterLogTypes")
    if kinds is values.UNKNOWN or any(k is values.UNKNOWN for k in kinds):
        ctx.unknown("enabledClusterLogTypes")
        return
    missing = [k for k in EKS_AUDIT_LOGS if k not in {values.lower(x) for x in kinds}]
    if missing:
        ctx.violation(
            "enabledClusterLogTypes",
            values.show(list(kinds)) + f" (without {', '.join(missing)})",
            "at least " + " and ".join(EKS_AUDIT_LOGS),
            "Without the api and audit logs nothing records who changed the cluster.",
        )


def _access_logs_off(ctx: ResourceContext) -> None:
    kind = ctx.get("loadBalancerType")
    if kind is values.UNKNOWN:
        return  # noted by the kit (an unknown read)
    if values.lower(kind) not in (None, "application"):
        return  # an NLB logs only its TLS listeners (nlb-tls-listener-access-logs); GWLB none
    enabled = ctx.get("accessLogs", "enabled")
    if enabled is values.UNKNOWN:
        ctx.unknown("accessLogs.enabled")
    elif values.as_bool(enabled) is not True:
        ctx.violation(
            "accessLogs.enabled",
            "absent" if enabled is None else values.show(enabled),
            "true, with a bucket",
            "An application load balancer without access logs records no request.",
        )


def _load_balancer_off(ctx: ResourceContext) -> None:
    _access_logs_off(ctx)
    if values.lower(ctx.get("loadBalancerType")) not in (None, "application"):
        return
    _switch(
        ("dropInvalidHeaderFields",),
        lambda v: values.as_bool(v) is not True,
        "true",
        "Headers an ALB forwards unchecked reach the app as the client sent them (request "
        "smuggling, header injection); unset is false.",
    )(ctx)
    _switch(
        ("desyncMitigationMode",),
        lambda v: values.lower(v) == "monitor",
        "defensive (the default) or strictest",
        "monitor only logs requests that can desynchronise the ALB and the app.",
    )(ctx)


def _check_nlb_tls_logs(ctx: StackContext) -> None:
    for listener in ctx.index.of_type(*T.LISTENERS):
        protocol = ctx.get(listener, "protocol")
        if protocol is values.UNKNOWN:
            ctx.unknown(listener, "protocol")
            continue
        if values.enum(protocol) != "TLS":
            continue
        balancers = ctx.index.references(
            listener, "loadBalancerArn", ctx.get(listener, "loadBalancerArn"), T.LOAD_BALANCERS
        )
        if not balancers:  # unresolved, or a load balancer of another stack: not judged here
            ctx.unknown(listener, "loadBalancerArn (whose access logs record its TLS requests)")
            continue
        for balancer in balancers:
            enabled = ctx.get(balancer, "accessLogs", "enabled")
            if enabled is values.UNKNOWN:
                ctx.unknown(balancer, "accessLogs.enabled")
            elif values.as_bool(enabled) is not True:
                ctx.violation(
                    balancer,
                    "accessLogs.enabled",
                    "absent" if enabled is None else values.show(enabled),
                    "true, with a bucket",
                    f"Its TLS listener '{listener.name}' records no request without them (AWS "
                    "writes network load balancer access logs for TLS listeners only).",
                )


NLB_TLS_LISTENER_ACCESS_LOGS = StackRule(
    name="nlb-tls-listener-access-logs",
    normalises="protocol any case; booleans as strings",
    description=(
        "A load balancer with a TLS listener (a network load balancer terminating TLS) must "
        "write access logs: AWS logs an NLB's TLS requests only, so its TLS listeners are what "
        "the logs exist for (an ALB is judged by control-not-switched-off)."
    ),
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Set access_logs={'bucket': <log bucket>, 'enabled': True} on the aws.lb.LoadBalancer."
    ),
    resource_types=[*T.LISTENERS, *T.LOAD_BALANCERS],
    check=_check_nlb_tls_logs,
    unknowns="The protocol, the listener's load balancer or its access logs unknown: note.",
    tags=["hollow-controls", "logging"],
)


RETIRED_RDS_CAS = frozenset({"rds-ca-2015", "rds-ca-2019"})
"""RDS certificate authorities past their end (rds-ca-2019 expired in August 2024; Amazon RDS
User Guide, "Using SSL/TLS to encrypt a connection to a DB instance", from memory)."""


_RETIRED_CA = _switch(
    ("caCertIdentifier",),
    lambda v: values.lower(v) in RETIRED_RDS_CAS,
    "a current CA (rds-ca-rsa2048-g1, rds-ca-rsa4096-g1, rds-ca-ecc384-g1) or unset",
    "A retired CA's certificate has expired: clients that verify it fail, so they stop verifying.",
)


def _state_machine_logs_off(ctx: ResourceContext) -> None:
    level = ctx.get("loggingConfiguration", "level")
    if level is values.UNKNOWN:
        ctx.unknown("loggingConfiguration.level")
    elif values.enum(level) in (None, "OFF"):
        ctx.violation(
            "loggingConfiguration.level",
            "absent" if level is None else values.show(level),
            "ALL, ERROR or FATAL, with a log destination",
            "A state machine without execution logs leaves no record of a failed run.",
        )


def _guardrail_off(ctx: ResourceContext) -> None:
    filters = ctx.items("contentPolicyConfig", "filtersConfigs")
    if filters is values.UNKNOWN:
        ctx.unknown("contentPolicyConfig.filtersConfigs")
        return
    strengths = [
        values.enum(values.get(f, side))
        for f in filters
        for side in ("inputStrength", "outputStrength")
    ]
    if values.UNKNOWN in strengths:
        ctx.unknown("contentPolicyConfig.filtersConfigs")
        return
    if filters and all(s in (None, "NONE") for s in strengths):
        ctx.violation(
            "contentPolicyConfig.filtersConfigs",
            f"{len(filters)} filter(s), every strength NONE",
            "at least one filter of strength LOW, MEDIUM or HIGH",
            "A guardrail whose filters are all NONE blocks nothing.",
        )


_RECOVERY_WINDOW_ZERO = _switch(
    ("recoveryWindowInDays",),
    lambda v: values.as_number(v) == 0,
    "7 to 30 days (or unset: 30)",
    "A window of 0 deletes the secret at once on a destroy or a rename: no undo.",
)


_IMDS_TOKENS = _switch(
    ("metadataOptions", "httpTokens"),
    lambda v: values.enum(v) != "REQUIRED",
    "required (IMDSv2 only)",
    "Unset or optional tokens leave IMDSv1 on: one SSRF in the app reads the role's keys.",
)


def _imds_v1_on(ctx: ResourceContext) -> None:
    if ctx.get("metadataOptions") is None and ctx.get("launchTemplate") not in (None, {}):
        return  # an instance's metadata options come from its launch template, judged there
    _IMDS_TOKENS(ctx)


def _ip_set_everything(ctx: ResourceContext) -> None:
    """An IP set whose ranges add up to a whole address family matches every request: an allow
    rule on it lets everything past the rules after it (0.0.0.0/1 + 128.0.0.0/1 too)."""
    addresses = ctx.items("addresses")
    if addresses is values.UNKNOWN or any(a is values.UNKNOWN for a in addresses):
        ctx.unknown("addresses")
        return
    networks = []
    for text in addresses:
        try:
            networks.append(ipaddress.ip_network(str(text).strip(), strict=False))
        except ValueError:
            continue  # WAF refuses it at deploy time
    for version in (4, 6):
        family = [n for n in networks if n.version == version]
        if any(n.prefixlen == 0 for n in ipaddress.collapse_addresses(family)):  # type: ignore[arg-type]
            ctx.violation(
                "addresses",
                f"ranges covering every IPv{version} address",
                "the ranges of the callers meant (an office, a partner)",
                "A rule on an IP set of everything matches every request.",
            )


def _capped_at_zero(value: Any) -> bool:
    """A capacity of 0 (or unreadable: fails closed) lets the target run nothing."""
    number = None if value is None else values.as_number(value)
    return value is not None and (number is None or number < 1)


_SCALING_OFF = "A scalable target capped at 0 scales its service (tasks, capacity) to nothing."

SWITCHES: dict[str, Callable[[ResourceContext], None]] = {
    "aws:appautoscaling/target:Target": _switch(
        ("maxCapacity",), _capped_at_zero, "at least 1", _SCALING_OFF
    ),
    "aws:appautoscaling/scheduledAction:ScheduledAction": _switch(
        ("scalableTargetAction", "maxCapacity"), _capped_at_zero, "at least 1", _SCALING_OFF
    ),
    T.SECRET: _RECOVERY_WINDOW_ZERO,
    "aws:wafv2/ipSet:IpSet": _ip_set_everything,
    "aws:cloudfront/originAccessControl:OriginAccessControl": _switch(
        ("signingBehavior",),
        lambda v: values.enum(v) == "NEVER",
        "always (or no-override)",
        "An origin access control that never signs lets the origin see anonymous requests.",
    ),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": _alarm_off,
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": _switch(
        ("securityHeadersConfig", "strictTransportSecurity", "accessControlMaxAgeSec"),
        lambda v: (values.as_number(v) or 0) < HSTS_MIN_SECONDS,
        f"at least {HSTS_MIN_SECONDS} seconds (one year)",
        "A short HSTS max-age lets browsers fall back to plain HTTP; 0 switches HSTS off.",
    ),
    T.EC2_LAUNCH_TEMPLATE: _imds_v1_on,
    T.EC2_INSTANCE: _imds_v1_on,
    "aws:ses/configurationSet:ConfigurationSet": _switch(
        ("deliveryOptions", "tlsPolicy"),
        lambda v: values.enum(v) != "REQUIRE",
        "Require",
        "Optional (the default) delivers mail in plain text when TLS cannot be set up.",
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm_off,
    CODEDEPLOY_DEPLOYMENT_GROUP: _rollback_off,
    "aws:ec2/flowLog:FlowLog": _FLOW_LOG_PARTIAL,
    "aws:eks/cluster:Cluster": _eks_logs_off,
    T.LB_LOAD_BALANCER: _load_balancer_off,
    T.ALB_LOAD_BALANCER: _load_balancer_off,
    T.RDS_INSTANCE: _RETIRED_CA,
    T.RDS_CLUSTER_INSTANCE: _RETIRED_CA,
    "aws:sfn/stateMachine:StateMachine": _state_machine_logs_off,
    "aws:bedrock/guardrail:Guardrail": _guardrail_off,
    "aws:cloudwatch/eventRule:EventRule": _switch(
        ("state",),
        lambda v: values.enum(v) == "DISABLED",
        "ENABLED (or unset)",
        "A disabled rule never delivers the event its target waits for.",
    ),
    "aws:lb/targetGroup:TargetGroup": _health_check_off,
    "aws:alb/targetGroup:TargetGroup": _health_check_off,
    "aws:secretsmanager/secretRotation:SecretRotation": _rotation_off,
    "aws:cloudtrail/trail:Trail": _trail_off,
    "aws:s3/bucketVersioning:BucketVersioning": _VERSIONING_OFF,
    "aws:s3/bucketVersioningV2:BucketVersioningV2": _VERSIONING_OFF,
    "aws:guardduty/detector:Detector": _switch(
        ("enable",),
        _is_false,
        "true (or unset: on by default)",
        "A suspended detector reports no finding.",
    ),
}
"""Type -> what switches its control off. A control present but switched off (or set so that
it never fires) is judged like a missing one."""


def _check_switch(ctx: ResourceContext) -> None:
    SWITCHES[ctx.type](ctx)


CONTROL_NOT_SWITCHED_OFF = ResourceRule(
    name="control-not-switched-off",
    normalises="booleans as strings; states and rate units any case",
    description=(
        "A control that is present but switched off counts as absent: an alarm (metric or "
        "composite) with actionsEnabled false or a threshold its metric never reaches (a "
        "percentage above 100, a request count above the front door's rate), a disabled "
        "EventBridge rule, a target group "
        "with its health check disabled (Lambda targets aside) or accepting 4xx/5xx as "
        "healthy, HSTS shorter than a year, a launch template allowing IMDSv1, an ALB keeping "
        "invalid headers or only monitoring desync, an RDS instance on a retired CA, a secret "
        "rotation off or slower than every "
        f"{MAX_ROTATION_DAYS} days (automaticallyAfterDays, rate or cron schedule), a "
        "CloudTrail trail not logging, a suspended GuardDuty detector, bucket versioning "
        "suspended, an Application Auto Scaling target or scheduled action capped at 0."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Remove the off switch (actions_enabled, state='DISABLED', health_check enabled=False, "
        "enable_logging=False, enable=False), or remove the resource if the control is not "
        f"wanted; rotate secrets at least every {MAX_ROTATION_DAYS} days."
    ),
    resource_types=tuple(SWITCHES),
    check=_check_switch,
    config_properties={
        "frontDoorRequestsPerSecond": schema.integer(
            "The most requests a second the stack's front door admits (an alarm on a request "
            "count above it never fires).",
            FRONT_DOOR_REQUESTS_PER_SECOND,
            minimum=1,
            maximum=1_000_000_000,
        )
    },
    unknowns="The switch or the rotation rules unknown: note.",
    tags=["hollow-controls"],
)
