"""Observability: alarms on the owners' targets, their notifications, the deploy-rollback alarms,
the dashboard, RUM, the budget and log retention (runbooks: tests/test_runbooks.py).

The `check_*` functions take a StackRun (and the stack's Settings) and raise AssertionError, so the
same checks run on the component alone (synthetic contract values, below) and on the real stacks
(`test_real_stacks_*`, which skip until `__main__.py` wires the component in).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import botocore.session
import pulumi
import pytest

from components.alarm_catalog import (
    GLOBAL_METRICS_REGION,
    MAX_METRICS_PER_ALARM,
    WatchedScope,
    alarm_catalog,
    rollback_slugs,
)
from components.budget import email_subscribers, limit_amount
from components.contracts import (
    CacheConnection,
    DatabaseConnection,
    Distribution,
    LoadBalancerOrigin,
    TrafficTarget,
)
from components.dashboard import CORE_WEB_VITALS, DashboardInputs, dashboard_body
from components.naming import alarm_name, cluster_name, service_name
from components.observability import Observability
from foundation.records import ResourceRecord, StackRun
from settings import Settings, SettingsError, settings_from_config
from settings.schema import AlarmSettings
from tools.offline.runner import ProgramFailed, run_program, stack_config

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
KEY = "aws:kms/key:Key"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
BUDGET = "aws:budgets/budget:Budget"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
RUM = "aws:rum/appMonitor:AppMonitor"
IDENTITY_POOL = "aws:cognito/identityPool:IdentityPool"
ROLE_ATTACHMENT = "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ECS_SERVICE = "aws:ecs/service:Service"
COMPONENT = "perfcheck:observability:Observability"
RETENTION_DAYS = {
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
}

# ---------------------------------------------------------------------------------------------
# Settings and the component run with synthetic contract values


def settings_for(stack: str, **sections: dict[str, Any]) -> Settings:
    """The stack file's settings, with keys of structured sections changed (validated)."""
    config = stack_config(stack)[0]
    for section, changes in sections.items():
        key = f"perfcheck:{section}"
        value = json.loads(config.get(key, "{}"))
        value.update(changes)
        config[key] = json.dumps(value)
    return settings_from_config("perfcheck", stack, config)


TUNED = {
    "alarms": {
        "p99LatencySeconds": 0.8,
        "errorRatePercent": 0.5,
        "cacheHitRatePercent": 90.0,
        "cdnCacheHitRatePercent": 85.0,
        "notificationEmails": ["oncall@example.com", "platform@example.com"],
        "rumSampleRate": 0.25,
    },
    "budget": {
        "monthlyUsd": 999.5,
        "accountMonthlyUsd": 1500,  # stacks sharing an account: the account's total
        "alertEmails": ["finance@example.com"],
    },
    "cdn": {"domainName": "perfcheck.example.com", "hostedZoneId": "Z0123456789ABCDEFGHIJ"},
}
CASES: dict[str, tuple[str, dict[str, dict[str, Any]], str | None]] = {
    # name: (stack, section changes, aws:region override)
    "staging": ("staging", {}, None),
    "prod": ("prod", {}, None),
    "prod-tuned": ("prod", TUNED, None),
    "staging-us-east-1": ("staging", {}, "us-east-1"),
}


@functools.cache
def case_settings(case: str) -> Settings:
    stack, changes, region = CASES[case]
    settings = settings_for(stack, **changes)
    return settings.model_copy(update={"region": region}) if region else settings


def synthetic_program(settings: Settings) -> Callable[[], None]:
    """The component with contract values shaped like what the other tiers hand over."""

    def program() -> None:
        out = pulumi.Output.from_input
        prefix = settings.name_prefix
        load_balancer = LoadBalancerOrigin(
            dns_name=out(f"{prefix}-alb-123.{settings.region}.elb.amazonaws.com"),
            zone_id=out("Z32O12XQLNTSW2"),
            arn=out(
                f"arn:aws:elasticloadbalancing:{settings.region}:123456789012:"
                f"loadbalancer/app/{prefix}-alb/50dc6c495c0c9188"
            ),
            arn_suffix=out(f"app/{prefix}-alb/50dc6c495c0c9188"),
            primary=TrafficTarget(
                arn=out("arn:aws:elasticloadbalancing:targetgroup/x/1"),
                arn_suffix=out(f"targetgroup/{prefix}-web-blue/6d0ecf831eec9f09"),
            ),
            alternate=TrafficTarget(
                arn=out("arn:aws:elasticloadbalancing:targetgroup/x/2"),
                arn_suffix=out(f"targetgroup/{prefix}-web-green/7e1fdf942ffd0a1a"),
            ),
            production_rule_arn=out("arn:aws:elasticloadbalancing:listener-rule/app/x/1/2/3"),
            infrastructure_role_arn=out("arn:aws:iam::123456789012:role/ecs-traffic"),
            origin_protocol_policy="http-only",
        )
        database = DatabaseConnection(
            host=out(f"{prefix}-db.cabc123.{settings.region}.rds.amazonaws.com"),
            port=out(5432),
            database_name=settings.database.database_name,
            username="perfcheck_app",
            connect_arn=out(f"arn:aws:rds-db:{settings.region}:123456789012:dbuser:prx-0a/app"),
            instance_identifier=out(f"{prefix}-db"),
            proxy_name=out(f"{prefix}-db-proxy") if settings.database.proxy_enabled else None,
        )
        cache = CacheConnection(
            host=out(f"master.{prefix}-cache.abc123.euw1.cache.amazonaws.com"),
            port=out(6379),
            replication_group_id=out(f"{prefix}-cache"),
        )
        distribution = Distribution(
            id=out("E2QWRUHAPOMQZL"),
            arn=out("arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL"),
            domain_name=out("d111111abcdef8.cloudfront.net"),
        )
        observability = Observability(
            "observability",
            {
                "name_prefix": prefix,
                "region": settings.region,
                "alarms": settings.alarms,
                "budget": settings.budget,
                "budget_cost_tag": ("CostCenter", settings.tags.cost_center),
                "cluster_name": cluster_name(prefix),
                "service_name": service_name(prefix),
                "load_balancer": load_balancer,
                "database": database,
                "database_max_connections": settings.database.max_connections,
                "cache": cache,
                "cache_nodes": settings.cache.nodes,
                "distribution": distribution,
                "cdn_additional_metrics": settings.cdn.realtime_metrics,
                "public_domain": settings.cdn.domain_name,
                "protect": settings.protect,
            },
        )
        export_observability(observability)

    return program


def export_observability(observability: Observability) -> None:
    """The stack outputs `__main__.py` should export (the wiring snippet does the same)."""
    pulumi.export("rollbackAlarmNames", observability.rollback_alarm_names)
    pulumi.export("alarmTopicArn", observability.alarm_topic_arn)
    pulumi.export("dashboardName", observability.dashboard_name)
    pulumi.export("rumAppMonitorId", observability.rum_app_monitor_id)
    pulumi.export("rumIdentityPoolId", observability.rum_identity_pool_id)
    pulumi.export("rumGuestRoleArn", observability.rum_guest_role_arn)
    pulumi.export("rumRegion", observability.rum_region)
    pulumi.export("budgetName", observability.budget_name)


@functools.cache
def component_runs() -> dict[str, StackRun]:
    """One offline run of the component per case (cached for the whole process)."""
    runs = {}
    for case, (stack, _changes, _region) in CASES.items():
        settings = case_settings(case)
        config = {**stack_config(stack)[0], "aws:region": settings.region}
        runs[case] = run_program(synthetic_program(settings), stack=stack, config=config)
    return runs


@pytest.fixture(scope="session")
def observability_runs() -> Iterator[dict[str, StackRun]]:
    """The component run for staging-like, prod-like, tuned and us-east-1 settings."""
    yield component_runs()


# ---------------------------------------------------------------------------------------------
# Checks: functions of a StackRun (and its Settings)


def alarms_of(run: StackRun) -> list[ResourceRecord]:
    return run.by_type(ALARM)


def watched_metrics(alarm: ResourceRecord) -> list[tuple[str, str]]:
    """(metric name, stat) of every metric an alarm reads."""
    inputs = alarm.inputs
    if inputs.get("metricQueries"):
        return [
            (query["metric"]["metricName"], query["metric"]["stat"])
            for query in inputs["metricQueries"]
            if query.get("metric")
        ]
    return [(inputs["metricName"], inputs.get("extendedStatistic") or inputs.get("statistic"))]


def alarm_region(run: StackRun, alarm: ResourceRecord) -> str:
    region = alarm.inputs.get("region")
    return region or (alarm.provider.inputs.get("region") if alarm.provider else None) or home(run)


def home(run: StackRun) -> str:
    """The stack's region: where its alarms' ARNs say the un-regioned ones live."""
    arns = [a.outputs["arn"] for a in alarms_of(run) if not a.inputs.get("region")]
    return arns[0].split(":")[3]


def find_alarm(
    run: StackRun, metrics: set[str], comparison: str, region: str | None = None
) -> list[ResourceRecord]:
    found = []
    for alarm in alarms_of(run):
        names = {name for name, _stat in watched_metrics(alarm)}
        right_region = region is None or alarm_region(run, alarm) == region
        if metrics <= names and alarm.inputs["comparisonOperator"] == comparison and right_region:
            found.append(alarm)
    return found


def only(found: list[ResourceRecord], what: str) -> ResourceRecord:
    assert len(found) == 1, f"expected one alarm on {what}, found {[r.name for r in found]}"
    return found[0]


def check_owners_targets(run: StackRun, settings: Settings) -> None:
    """Each owners' target has an alarm, with the threshold the settings give."""
    targets = settings.alarms
    p99 = only(find_alarm(run, {"TargetResponseTime"}, "GreaterThanThreshold"), "p99 latency")
    assert p99.inputs["extendedStatistic"] == "p99", "the latency alarm must watch p99"
    assert p99.inputs["threshold"] == targets.p99_latency_seconds

    errors = only(
        find_alarm(
            run,
            {"HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "RequestCount"},
            "GreaterThanThreshold",
        ),
        "the 5xx rate",
    )
    watched = [q for q in errors.inputs["metricQueries"] if q.get("returnData")]
    assert len(watched) == 1 and "/" in watched[0]["expression"], "error rate is a ratio"
    assert errors.inputs["threshold"] == targets.error_rate_percent

    cache = only(find_alarm(run, {"CacheHits", "CacheMisses"}, "LessThanThreshold"), "hit rate")
    assert cache.inputs["threshold"] == targets.cache_hit_rate_percent

    cdn = find_alarm(run, {"CacheHitRate"}, "LessThanThreshold", GLOBAL_METRICS_REGION)
    if settings.cdn.realtime_metrics:
        assert len(cdn) == 1, "CloudFront cache hit rate needs an alarm in us-east-1"
        assert cdn[0].inputs["threshold"] == targets.cdn_cache_hit_rate_percent
    else:
        assert cdn == [], "no alarm on a CloudFront metric that is not published"
    cdn_errors = only(
        find_alarm(run, {"5xxErrorRate"}, "GreaterThanThreshold", GLOBAL_METRICS_REGION),
        "CloudFront 5xx rate",
    )
    assert cdn_errors.inputs["threshold"] == targets.error_rate_percent


def check_every_alarm_notifies(run: StackRun) -> None:
    """ALARM and OK go to an encrypted topic of the stack, in the alarm's own region."""
    topics = {t.outputs["arn"]: t for t in run.by_type(TOPIC)}
    keys = {k.outputs["arn"]: k for k in run.by_type(KEY)}
    assert alarms_of(run), "no alarms at all"
    for alarm in alarms_of(run):
        name = alarm.inputs["name"]
        assert alarm.inputs.get("actionsEnabled", True) is not False, name
        for kind in ("alarmActions", "okActions"):
            actions = alarm.inputs.get(kind) or []
            assert actions, f"{name} has no {kind}"
            for arn in actions:
                assert arn in topics, f"{name}: {arn} is not a topic of this stack"
                assert arn.split(":")[3] == alarm_region(run, alarm), f"{name}: cross-region"
                key = keys.get(topics[arn].inputs.get("kmsMasterKeyId"))
                assert key is not None, f"{arn} is not encrypted with a key of this stack"
                assert "cloudwatch.amazonaws.com" in key.inputs["policy"], arn


def check_rollback_alarms(run: StackRun) -> None:
    """The deploy-rollback names are alarms of the stack that can roll a deploy back."""
    names = run.outputs.get("rollbackAlarmNames")
    assert names, "no rollbackAlarmNames output"
    by_name = {a.inputs["name"]: a for a in alarms_of(run)}
    for name in names:
        assert name in by_name, f"rollback alarm {name} does not exist"
        alarm = by_name[name]
        assert alarm_region(run, alarm) == home(run), f"{name}: ECS reads its own region only"
        assert alarm.inputs["treatMissingData"] == "notBreaching", f"{name} starts in ALARM"
    watched = {metric for name in names for metric, _ in watched_metrics(by_name[name])}
    assert {"TargetResponseTime", "HTTPCode_Target_5XX_Count"} <= watched
    for service in run.by_type(ECS_SERVICE):
        configured = service.inputs.get("alarms") or {}
        assert sorted(configured.get("alarmNames") or []) == sorted(names), service.name
        assert configured.get("enable") is True and configured.get("rollback") is True


def dashboard_of(run: StackRun) -> dict[str, Any]:
    dashboards = run.by_type(DASHBOARD)
    assert len(dashboards) == 1, f"one dashboard per stack, found {len(dashboards)}"
    try:
        return json.loads(dashboards[0].inputs["dashboardBody"])
    except ValueError as error:
        raise AssertionError(f"dashboard body is not JSON: {error}") from None


def check_dashboard(run: StackRun, settings: Settings) -> None:
    """One dashboard, valid JSON, each owners' target drawn with its threshold."""
    body = dashboard_of(run)
    widgets = body["widgets"]
    lines = {
        (widget["properties"]["title"], line["value"])
        for widget in widgets
        for line in widget["properties"].get("annotations", {}).get("horizontal", [])
    }
    values = {value for _title, value in lines}
    targets = settings.alarms
    for wanted in (
        targets.p99_latency_seconds,
        targets.error_rate_percent,
        targets.cache_hit_rate_percent,
        targets.cdn_cache_hit_rate_percent,
    ):
        assert wanted in values, f"no threshold line at {wanted}"
    titles = " | ".join(title for title, _ in lines)
    assert "latency" in titles.lower() and "CloudFront" in titles and "Valkey" in titles
    metrics = [row for widget in widgets for row in widget["properties"].get("metrics", [])]
    (monitor,) = run.by_type(RUM)
    for vital, _title, _good, _unit in CORE_WEB_VITALS:
        assert any(
            row[:4] == ["AWS/RUM", vital, "application_name", monitor.inputs["name"]]
            for row in metrics
        ), f"no {vital} graph for the app monitor"
    percentiles = {
        row[-1].get("stat")
        for row in metrics
        if row[:2] == ["AWS/ApplicationELB", "TargetResponseTime"]
    }
    assert {"p50", "p90", "p99"} <= percentiles
    assert any(row[1] == "DatabaseConnections" for row in metrics if isinstance(row[0], str))
    assert all(widget["properties"].get("region") for widget in widgets)


def check_log_groups_have_retention(run: StackRun) -> None:
    """Every log group expires its events; none is created where retention cannot be set."""
    for group in run.by_type(LOG_GROUP):
        assert group.inputs.get("retentionInDays") in RETENTION_DAYS, group.name
    for monitor in run.by_type(RUM):
        assert not monitor.inputs.get("cwLogEnabled"), (
            f"{monitor.name}: RUM's own log group gets no retention from the program"
        )


def check_budget(run: StackRun, settings: Settings) -> None:
    """Two monthly cost budgets, alerting on forecast and actual: the stack's amount over its
    cost tag, and the account amount over the whole bill (no filter: untagged spend too)."""
    budgets = {bool(b.inputs.get("costFilters")): b.inputs for b in run.by_type(BUDGET)}
    assert len(run.by_type(BUDGET)) == 2 == len(budgets), "the stack's own and the account's"
    budget, account = budgets[True], budgets[False]
    assert float(budget["limitAmount"]) == settings.budget.monthly_usd
    assert float(account["limitAmount"]) == settings.budget.account_amount
    topics = {t.outputs["arn"]: t for t in run.by_type(TOPIC)}
    policies = {p.inputs["arn"]: p.inputs["policy"] for p in run.by_type(TOPIC_POLICY)}
    keys = {k.outputs["arn"]: k.inputs["policy"] for k in run.by_type(KEY)}
    for each in (budget, account):
        assert each["budgetType"] == "COST" and each["timeUnit"] == "MONTHLY"
        assert each["limitUnit"] == "USD"
        kinds = {(n["notificationType"], n["threshold"]) for n in each["notifications"]}
        assert ("FORECASTED", 80.0) in kinds and ("ACTUAL", 100.0) in kinds
    for notification in budget["notifications"] + account["notifications"]:
        emails = notification.get("subscriberEmailAddresses") or []
        topic_arns = notification.get("subscriberSnsTopicArns") or []
        assert emails or topic_arns, "a budget alert nobody receives"
        assert sorted(emails) == sorted(set(settings.budget.alert_emails))
        for arn in topic_arns:
            assert "budgets.amazonaws.com" in policies[arn], "Budgets may not publish"
            assert "budgets.amazonaws.com" in keys[topics[arn].inputs["kmsMasterKeyId"]]
    (cost_filter,) = budget["costFilters"]
    assert cost_filter["name"] == "TagKeyValue"
    tag = cost_filter["values"][0].removeprefix("user:").split("$", 1)
    assert settings.cost_tags.get(tag[0]) == tag[1], "the budget must count a cost tag"


def check_notification_emails(run: StackRun, settings: Settings) -> None:
    """Every topic has an e-mail subscription per configured address."""
    for topic in run.by_type(TOPIC):
        subscribed = {
            s.inputs["endpoint"]
            for s in run.by_type(SUBSCRIPTION)
            if s.inputs["topic"] == topic.outputs["arn"] and s.inputs["protocol"] == "email"
        }
        assert subscribed == set(settings.alarms.notification_emails), topic.name


def check_rum(run: StackRun, settings: Settings) -> None:
    """App monitor with the three telemetries and a guest role that can only send events."""
    (monitor,) = run.by_type(RUM)
    config = monitor.inputs["appMonitorConfiguration"]
    assert set(config["telemetries"]) == {"performance", "errors", "http"}
    assert config["sessionSampleRate"] == settings.alarms.rum_sample_rate
    assert config["enableXray"] is True
    expected_domain = settings.cdn.domain_name or "cloudfront.net"
    assert monitor.inputs["domain"].endswith(expected_domain)
    (pool,) = run.by_type(IDENTITY_POOL)
    assert pool.inputs["allowUnauthenticatedIdentities"] is True
    assert config["identityPoolId"] == pool.outputs["id"]
    roles = {r.outputs["arn"]: r for r in run.by_type(ROLE)}
    guest = roles[config["guestRoleArn"]]
    trust = json.loads(guest.inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert (
        statement["Condition"]["StringEquals"]["cognito-identity.amazonaws.com:aud"]
        == pool.outputs["id"]
    )
    granted = [
        json.loads(p.inputs["policy"])
        for p in run.by_type(ROLE_POLICY)
        if p.inputs["role"] == guest.outputs["id"]
    ]
    statements = [s for policy in granted for s in policy["Statement"]]
    assert statements == [
        {"Effect": "Allow", "Action": "rum:PutRumEvents", "Resource": monitor.outputs["arn"]}
    ]
    (attachment,) = run.by_type(ROLE_ATTACHMENT)
    assert attachment.inputs["roles"] == {"unauthenticated": guest.outputs["arn"]}
    for name in ("rumAppMonitorId", "rumIdentityPoolId", "rumGuestRoleArn", "rumRegion"):
        assert run.outputs.get(name), f"snippet input {name} missing"


# ---------------------------------------------------------------------------------------------
# The checks on the component runs


@pytest.mark.parametrize("case", list(CASES))
def test_owners_targets_have_alarms_with_the_configured_thresholds(observability_runs, case):
    check_owners_targets(observability_runs[case], case_settings(case))


def test_a_changed_setting_changes_the_thresholds(observability_runs):
    default = observability_runs["prod"]
    tuned = observability_runs["prod-tuned"]
    check_owners_targets(tuned, case_settings("prod-tuned"))
    with pytest.raises(AssertionError):
        check_owners_targets(default, case_settings("prod-tuned"))
    with pytest.raises(AssertionError):
        check_owners_targets(tuned, case_settings("prod"))


@pytest.mark.parametrize("case", list(CASES))
def test_every_alarm_notifies_an_encrypted_topic_in_its_region(observability_runs, case):
    check_every_alarm_notifies(observability_runs[case])


@pytest.mark.parametrize("case", list(CASES))
def test_rollback_alarm_names_are_alarms_of_the_stack(observability_runs, case):
    run = observability_runs[case]
    check_rollback_alarms(run)
    prefix = case_settings(case).name_prefix
    assert run.outputs["rollbackAlarmNames"] == [
        alarm_name(prefix, slug)
        for slug in (
            "alb-p99-latency",
            "alb-5xx-rate",
            "alb-unhealthy-hosts",
            "ecs-cpu-high",
            "ecs-memory-high",
        )
    ]


@pytest.mark.parametrize("case", list(CASES))
def test_dashboard_shows_every_target_with_its_threshold(observability_runs, case):
    check_dashboard(observability_runs[case], case_settings(case))


@pytest.mark.parametrize("case", list(CASES))
def test_log_retention_and_budget(observability_runs, case):
    run, settings = observability_runs[case], case_settings(case)
    check_log_groups_have_retention(run)
    check_budget(run, settings)


@pytest.mark.parametrize("case", list(CASES))
def test_rum_and_notifications(observability_runs, case):
    run, settings = observability_runs[case], case_settings(case)
    check_rum(run, settings)
    check_notification_emails(run, settings)


def test_cloudfront_alarms_live_in_us_east_1_with_their_own_topic(observability_runs):
    prod = observability_runs["prod"]
    regions = {a.inputs["name"]: alarm_region(prod, a) for a in alarms_of(prod)}
    assert {n for n, r in regions.items() if r == "us-east-1"} == {
        "perfcheck-prod-cdn-5xx-rate",
        "perfcheck-prod-cdn-cache-hit-rate-low",
    }
    topic_regions = sorted(t.outputs["arn"].split(":")[3] for t in prod.by_type(TOPIC))
    assert topic_regions == ["eu-west-1", "us-east-1"]
    global_key = next(k for k in prod.by_type(KEY) if k.inputs.get("region") == "us-east-1")
    assert global_key.outputs["arn"].split(":")[3] == "us-east-1"
    # A stack whose home is us-east-1 needs one topic only.
    same = observability_runs["staging-us-east-1"]
    assert len(same.by_type(TOPIC)) == 1
    assert all(not a.inputs.get("region") for a in alarms_of(same))


def test_staging_has_no_cloudfront_hit_rate_alarm_because_the_metric_is_off(observability_runs):
    staging = observability_runs["staging"]
    assert case_settings("staging").cdn.realtime_metrics is False
    assert "perfcheck-staging-cdn-cache-hit-rate-low" not in {
        a.inputs["name"] for a in alarms_of(staging)
    }
    titles = [w["properties"]["title"] for w in dashboard_of(staging)["widgets"]]
    assert any("CloudFront" in t and "realtimeMetrics is off" in t for t in titles)


# ---------------------------------------------------------------------------------------------
# What AWS would reject at deploy time: the requests the provider will send, checked against
# botocore's service models (required members, unknown members, enums, patterns, lengths, ranges)


@functools.cache
def service_model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


def request_problems(service: str, operation: str, params: dict[str, Any]) -> list[str]:
    shape = service_model(service).operation_model(operation).input_shape
    return _shape_problems(shape, params, operation)


def _shape_problems(shape: Any, value: Any, path: str) -> list[str]:
    meta = shape.metadata
    problems: list[str] = []
    if shape.type_name == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected a structure"]
        problems += [f"{path}.{m}: required" for m in meta.get("required", []) if m not in value]
        for key, item in value.items():
            if key not in shape.members:
                problems.append(f"{path}.{key}: unknown member")
            else:
                problems += _shape_problems(shape.members[key], item, f"{path}.{key}")
    elif shape.type_name == "list":
        problems += _size(meta, len(value), path)
        for index, item in enumerate(value):
            problems += _shape_problems(shape.member, item, f"{path}[{index}]")
    elif shape.type_name == "map":
        for key, item in value.items():
            problems += _shape_problems(shape.value, item, f"{path}.{key}")
    elif shape.type_name == "string":
        if not isinstance(value, str):
            return [f"{path}: expected a string, got {value!r}"]
        problems += _size(meta, len(value), path)
        if "enum" in meta and value not in meta["enum"]:
            problems.append(f"{path}: {value!r} not in {meta['enum']}")
        if "pattern" in meta and not aws_pattern(meta["pattern"]).search(value):
            problems.append(f"{path}: {value!r} does not match {meta['pattern']}")
    elif shape.type_name in ("integer", "long", "double", "float"):
        problems += _size(meta, value, path)
    return problems


@functools.cache
def aws_pattern(pattern: str) -> re.Pattern[str]:
    """Model patterns are Java regexes; Python refuses an inline (?i) after the start."""
    if "(?i)" in pattern[1:]:
        return re.compile(pattern.replace("(?i)", ""), re.IGNORECASE)
    return re.compile(pattern)


def _size(meta: dict[str, Any], size: float, path: str) -> list[str]:
    low, high = meta.get("min"), meta.get("max")
    if (low is not None and size < low) or (high is not None and size > high):
        return [f"{path}: {size} outside {low}..{high}"]
    return []


def _dimensions(mapping: dict[str, str]) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in mapping.items()]


def put_metric_alarm(alarm: ResourceRecord) -> dict[str, Any]:
    """The PutMetricAlarm request pulumi-aws sends for this alarm's inputs."""
    i = alarm.inputs
    params: dict[str, Any] = {
        "AlarmName": i["name"],
        "AlarmDescription": i["alarmDescription"],
        "ActionsEnabled": i["actionsEnabled"],
        "AlarmActions": i["alarmActions"],
        "OKActions": i["okActions"],
        "EvaluationPeriods": int(i["evaluationPeriods"]),
        "DatapointsToAlarm": int(i["datapointsToAlarm"]),
        "Threshold": i["threshold"],
        "ComparisonOperator": i["comparisonOperator"],
        "TreatMissingData": i["treatMissingData"],
    }
    if i.get("metricQueries"):
        params["Metrics"] = []
        for query in i["metricQueries"]:
            entry: dict[str, Any] = {"Id": query["id"], "ReturnData": query["returnData"]}
            if query.get("metric"):
                metric = query["metric"]
                entry["MetricStat"] = {
                    "Metric": {
                        "Namespace": metric["namespace"],
                        "MetricName": metric["metricName"],
                        "Dimensions": _dimensions(metric["dimensions"]),
                    },
                    "Period": int(metric["period"]),
                    "Stat": metric["stat"],
                }
            else:
                entry.update(Expression=query["expression"], Label=query["label"])
            params["Metrics"].append(entry)
    else:
        params.update(
            Namespace=i["namespace"],
            MetricName=i["metricName"],
            Dimensions=_dimensions(i["dimensions"]),
            Period=int(i["period"]),
        )
        if i.get("extendedStatistic"):
            params["ExtendedStatistic"] = i["extendedStatistic"]
            params["EvaluateLowSampleCountPercentile"] = i["evaluateLowSampleCountPercentiles"]
        else:
            params["Statistic"] = i["statistic"]
    return params


@pytest.mark.parametrize("case", list(CASES))
def test_aws_would_accept_the_requests(observability_runs, case):
    run = observability_runs[case]
    problems = []
    for alarm in alarms_of(run):
        problems += request_problems("cloudwatch", "PutMetricAlarm", put_metric_alarm(alarm))
    (monitor,) = run.by_type(RUM)
    config = monitor.inputs["appMonitorConfiguration"]
    problems += request_problems(
        "rum",
        "CreateAppMonitor",
        {
            "Name": monitor.inputs["name"],
            "Domain": monitor.inputs["domain"],
            "CwLogEnabled": monitor.inputs["cwLogEnabled"],
            "AppMonitorConfiguration": {
                "IdentityPoolId": config["identityPoolId"],
                "GuestRoleArn": config["guestRoleArn"],
                "SessionSampleRate": config["sessionSampleRate"],
                "Telemetries": config["telemetries"],
                "AllowCookies": config["allowCookies"],
                "EnableXRay": config["enableXray"],
            },
        },
    )
    (pool,) = run.by_type(IDENTITY_POOL)
    problems += request_problems(
        "cognito-identity",
        "CreateIdentityPool",
        {
            "IdentityPoolName": pool.inputs["identityPoolName"],
            "AllowUnauthenticatedIdentities": pool.inputs["allowUnauthenticatedIdentities"],
        },
    )
    for budget in run.by_type(BUDGET):
        b = budget.inputs
        problems += request_problems(
            "budgets",
            "CreateBudget",
            {
                "AccountId": "123456789012",
                "Budget": {
                    "BudgetName": b["name"],
                    "BudgetLimit": {"Amount": b["limitAmount"], "Unit": b["limitUnit"]},
                    "CostFilters": {f["name"]: f["values"] for f in b.get("costFilters") or []},
                    "TimeUnit": b["timeUnit"],
                    "BudgetType": b["budgetType"],
                },
                "NotificationsWithSubscribers": [
                    {
                        "Notification": {
                            "NotificationType": n["notificationType"],
                            "ComparisonOperator": n["comparisonOperator"],
                            "Threshold": n["threshold"],
                            "ThresholdType": n["thresholdType"],
                        },
                        "Subscribers": [
                            {"SubscriptionType": "SNS", "Address": a}
                            for a in n.get("subscriberSnsTopicArns") or []
                        ]
                        + [
                            {"SubscriptionType": "EMAIL", "Address": a}
                            for a in n.get("subscriberEmailAddresses") or []
                        ],
                    }
                    for n in b["notifications"]
                ],
            },
        )
    assert problems == []


def test_request_check_catches_a_bad_alarm(observability_runs):
    (alarm,) = [a for a in alarms_of(observability_runs["prod"]) if a.name.endswith("5xx-rate")][:1]
    params = put_metric_alarm(alarm)
    params["TreatMissingData"] = "notbreaching"
    params["Metrics"][0]["Id"] = ""
    problems = request_problems("cloudwatch", "PutMetricAlarm", params)
    assert any("Metrics[0].Id" in p for p in problems)
    params["ComparisonOperator"] = "Above"
    assert any(
        "ComparisonOperator" in p for p in request_problems("cloudwatch", "PutMetricAlarm", params)
    )


# ---------------------------------------------------------------------------------------------
# Each check fails when the property it guards is broken


def with_changed(
    run: StackRun,
    type_token: str,
    change: Callable[[dict[str, Any]], None],
    name: str | None = None,
) -> StackRun:
    """A copy of the run with one resource's wire inputs changed (the first of the type)."""
    resources = list(run.resources)
    for index, record in enumerate(resources):
        if record.type == type_token and (name is None or record.name == name):
            inputs = json.loads(json.dumps(record.wire_inputs))
            change(inputs)
            resources[index] = dataclasses.replace(record, wire_inputs=inputs)
            break
    else:
        raise LookupError(f"no {type_token} {name}")
    return dataclasses.replace(run, resources=tuple(resources))


def without(run: StackRun, type_token: str) -> StackRun:
    return dataclasses.replace(
        run, resources=tuple(r for r in run.resources if r.type != type_token)
    )


def test_checks_catch_what_they_guard(observability_runs):
    run, settings = observability_runs["prod"], case_settings("prod")

    def drop(key: str) -> Callable[[dict[str, Any]], None]:
        return lambda inputs: inputs.pop(key)

    def set_to(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
        return lambda inputs: inputs.__setitem__(key, value)

    broken: list[tuple[Callable[[], None], str]] = [
        (
            lambda: check_owners_targets(
                with_changed(run, ALARM, set_to("threshold", 1.0), "observability-alb-p99-latency"),
                settings,
            ),
            "p99 threshold differs",
        ),
        (lambda: check_owners_targets(without(run, ALARM), settings), "no alarms"),
        (
            lambda: check_every_alarm_notifies(
                with_changed(run, ALARM, drop("okActions"), "observability-rds-cpu-high")
            ),
            "alarm without OK action",
        ),
        (
            lambda: check_every_alarm_notifies(
                with_changed(
                    run,
                    ALARM,
                    set_to("alarmActions", [run.outputs["alarmTopicArn"]]),
                    "observability-cdn-5xx-rate",
                )
            ),
            "us-east-1 alarm to a eu-west-1 topic",
        ),
        (
            lambda: check_rollback_alarms(
                dataclasses.replace(
                    run, outputs={**run.outputs, "rollbackAlarmNames": ["perfcheck-prod-missing"]}
                )
            ),
            "rollback name without alarm",
        ),
        (
            lambda: check_dashboard(
                with_changed(run, DASHBOARD, set_to("dashboardBody", "{not json")), settings
            ),
            "dashboard body not JSON",
        ),
        (
            lambda: check_dashboard(
                with_changed(
                    run,
                    DASHBOARD,
                    lambda i: i.__setitem__(
                        "dashboardBody",
                        i["dashboardBody"].replace("WebVitalsCumulativeLayoutShift", "X"),
                    ),
                ),
                settings,
            ),
            "dashboard without CLS",
        ),
        (
            lambda: check_dashboard(
                with_changed(
                    run,
                    DASHBOARD,
                    lambda i: i.__setitem__(
                        "dashboardBody", i["dashboardBody"].replace('"value": 0.5', '"value": 0.6')
                    ),
                ),
                settings,
            ),
            "dashboard without the p99 threshold",
        ),
        (lambda: check_budget(without(run, BUDGET), settings), "budget missing"),
        (
            lambda: check_budget(with_changed(run, BUDGET, set_to("limitAmount", "1")), settings),
            "wrong amount",
        ),
        (
            lambda: check_log_groups_have_retention(
                with_changed(run, RUM, set_to("cwLogEnabled", True))
            ),
            "RUM log group",
        ),
        (
            lambda: check_rum(
                with_changed(
                    run,
                    ROLE_POLICY,
                    lambda i: i.__setitem__(
                        "policy", i["policy"].replace("rum:PutRumEvents", "rum:*")
                    ),
                ),
                settings,
            ),
            "guest role too broad",
        ),
    ]
    for attempt, why in broken:
        with pytest.raises(AssertionError):
            attempt()
            pytest.fail(f"not caught: {why}")


def test_log_group_check_catches_a_group_without_retention(observability_runs):
    run = observability_runs["staging"]
    group = ResourceRecord(
        urn="urn:pulumi:staging::perfcheck::aws:cloudwatch/logGroup:LogGroup::app",
        type=LOG_GROUP,
        name="app",
        custom=True,
        wire_inputs={"name": "/perfcheck/app"},
        outputs={"id": "/perfcheck/app"},
    )
    check_log_groups_have_retention(
        dataclasses.replace(
            run,
            resources=(
                *run.resources,
                dataclasses.replace(
                    group, wire_inputs={"name": "/perfcheck/app", "retentionInDays": 14}
                ),
            ),
        ),
    )
    with pytest.raises(AssertionError):
        check_log_groups_have_retention(dataclasses.replace(run, resources=(*run.resources, group)))


# ---------------------------------------------------------------------------------------------
# Pure rules: catalog, dashboard, budget, settings


def scope(nodes: int = 3, cdn: bool = True) -> WatchedScope:
    return WatchedScope(
        cache_nodes=nodes, database_max_connections=1802, cdn_additional_metrics=cdn
    )


def test_catalog_follows_each_setting():
    alarms = AlarmSettings.model_validate(
        {
            "serviceCpuPercent": 70.0,
            "databaseConnectionsPercent": 50.0,
            "databaseFreeStorageGb": 10.0,
            "minRequestsPerMinute": 20,
        }
    )
    by_slug = {spec.slug: spec for spec in alarm_catalog(alarms, scope())}
    assert by_slug["ecs-cpu-high"].threshold == 70.0
    assert by_slug["rds-connections-high"].threshold == 901
    assert by_slug["rds-free-storage-low"].threshold == 10 * 1024**3
    assert "requests >= 20" in by_slug["alb-5xx-rate"].expressions[-1].expression
    assert "lookups >= 100" in by_slug["cache-hit-rate-low"].expressions[-1].expression


def test_catalog_rules_for_rollback_and_missing_data():
    catalog = alarm_catalog(AlarmSettings.model_validate({}), scope())
    assert set(rollback_slugs(catalog)) == {
        "alb-p99-latency",
        "alb-5xx-rate",
        "alb-unhealthy-hosts",
        "ecs-cpu-high",
        "ecs-memory-high",
    }
    for spec in catalog:
        assert spec.missing_data_reason, spec.slug
        assert spec.treat_missing_data in ("breaching", "notBreaching", "missing"), spec.slug
        if spec.rolls_back_deploy:
            assert spec.region == "home" and spec.treat_missing_data == "notBreaching"
        assert len(spec.metrics) <= MAX_METRICS_PER_ALARM
    assert {s.slug for s in catalog if s.treat_missing_data == "breaching"} >= {
        "rds-free-storage-low",
    }
    # Born before any target registers (first deploy, a recreated load balancer), the healthy-
    # host alarm reads silence: it must not count as an outage, or it is born in ALARM.
    assert {s.slug for s in catalog if s.treat_missing_data == "missing"} == {
        "alb-no-healthy-hosts"
    }


def test_catalog_sums_every_cache_node_and_refuses_too_many():
    one = {s.slug: s for s in alarm_catalog(AlarmSettings.model_validate({}), scope(nodes=1))}
    three = {s.slug: s for s in alarm_catalog(AlarmSettings.model_validate({}), scope(nodes=3))}
    assert len(one["cache-hit-rate-low"].metrics) == 2
    suffixes = {m.dimensions[0][1].suffix for m in three["cache-hit-rate-low"].metrics}
    assert suffixes == {"-001", "-002", "-003"}
    with pytest.raises(ValueError, match=r"cache\.nodes 6"):
        alarm_catalog(AlarmSettings.model_validate({}), scope(nodes=6))


def test_a_setting_the_alarms_cannot_serve_stops_the_program_with_one_line():
    # The settings refuse 6 nodes (tests/test_settings_facts.py); past them (model_copy does not
    # validate) the component still stops the program before any alarm is registered.
    valid = settings_for("prod")
    settings = valid.model_copy(update={"cache": valid.cache.model_copy(update={"nodes": 6})})
    with pytest.raises(ProgramFailed) as failed:
        run_program(synthetic_program(settings), stack="prod", config=stack_config("prod")[0])
    assert "cache.nodes 6" in failed.value.message
    assert "Traceback" not in failed.value.message
    assert not any(r.type == ALARM for r in failed.value.resources)


def test_dashboard_body_is_json_with_grid_positions():
    catalog = alarm_catalog(AlarmSettings.model_validate({}), scope(cdn=False))
    refs = {
        "load_balancer": "app/x/1",
        "target_group": "targetgroup/x-blue/2",
        "alternate_target_group": "targetgroup/x-green/3",
        "cluster": "c",
        "service": "s",
        "db_instance": "db",
        "cache_group": "rg",
        "distribution": "E1",
    }
    body = json.loads(
        dashboard_body(
            DashboardInputs(
                region="eu-west-1",
                refs=refs,
                catalog=catalog,
                rum_app_name="web",
                cdn_cache_hit_rate_percent=80.0,
                database_max_connections=1802,
                database_proxy_name="proxy",
            )
        )
    )
    positions = [(w["x"], w["y"]) for w in body["widgets"]]
    assert len(set(positions)) == len(positions)
    assert all(w["x"] + w["width"] <= 24 for w in body["widgets"])
    rows = [r for w in body["widgets"] for r in w["properties"]["metrics"]]
    assert ["AWS/ElastiCache", "CacheHits", "CacheClusterId", "rg-002"] in [r[:4] for r in rows]
    assert ["AWS/RDS", "ClientConnections", "ProxyName", "proxy"] in [r[:4] for r in rows]
    # Deploys move live tasks between the two target groups: both are drawn.
    groups = {r[3] for r in rows if r[:2] == ["AWS/ApplicationELB", "HealthyHostCount"]}
    assert groups == {"targetgroup/x-blue/2", "targetgroup/x-green/3"}


def test_budget_amount_and_subscriber_limit():
    assert limit_amount(250.0) == "250" and limit_amount(999.5) == "999.50"
    assert email_subscribers(["b@x.io", "a@x.io", "a@x.io"]) == ["a@x.io", "b@x.io"]
    with pytest.raises(ValueError, match=r"budget\.alertEmails"):
        email_subscribers([f"{i}@x.io" for i in range(11)])


@pytest.mark.parametrize(
    "key,value,problem",
    [
        ("minRequestsPerMinute", 0, "expected at least 1"),
        ("cacheEvictionsPerFiveMinutes", "many", "expected a whole number"),
        ("p99LatencySeconds", 0, "expected more than 0"),
    ],
)
def test_new_alarm_settings_are_validated(key, value, problem):
    with pytest.raises(SettingsError) as caught:
        settings_for("prod", alarms={key: value})
    (line,) = caught.value.problems
    assert line.startswith(f"perfcheck:alarms.{key}: got {json.dumps(value)}") and problem in line


# ---------------------------------------------------------------------------------------------
# The same checks on the real stacks, once `__main__.py` wires the component in


def real_settings(run: StackRun) -> Settings:
    return settings_from_config(run.project, run.stack, stack_config(run.stack)[0])


def wired(run: StackRun) -> StackRun:
    if not run.by_type(COMPONENT):
        pytest.skip("Observability is not wired into __main__.py yet")
    return run


def test_real_stacks_alarms_dashboard_budget(each_stack: StackRun) -> None:
    run = wired(each_stack)
    settings = real_settings(run)
    check_owners_targets(run, settings)
    check_every_alarm_notifies(run)
    check_rollback_alarms(run)
    check_dashboard(run, settings)
    check_log_groups_have_retention(run)
    check_budget(run, settings)
    check_rum(run, settings)
    check_notification_emails(run, settings)


def test_no_role_has_a_fixed_name(each_stack: StackRun) -> None:
    """Property: every IAM role is autonamed, so a replacement (a new path, a new trust
    policy's ForceNew field) creates the new role before deleting the old one without an
    EntityAlreadyExists on the same name."""
    fixed = [r.name for r in each_stack.by_type("aws:iam/role:Role") if r.inputs.get("name")]
    assert fixed == []
