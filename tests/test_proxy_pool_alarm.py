"""Behind RDS Proxy, `rds-connections-high` reads the proxy's own pool, as the proxy reports it.

Properties guarded here:
- the alarm watches RDS Proxy metrics AWS documents for the proxy's dimension set 1
  (`ProxyName` alone), on the proxy the stack registers, with the statistic AWS recommends (Sum);
- it fires when the share of the pool lent to clients reaches `alarms.databasePoolPercent`, and
  not below it; nothing of it comes from the instance class's nominal memory;
- it is not born in ALARM: a proxy no client has used yet reports nothing, and that is OK.

Source for the metric names and dimension sets: Amazon RDS User Guide, "Monitoring RDS Proxy
metrics with Amazon CloudWatch" (docs.aws.amazon.com/AmazonRDS/latest/UserGuide/
rds-proxy.monitoring.html).
"""

from __future__ import annotations

import ast
import functools
import json
import operator
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from components.alarm_catalog import AlarmSpec, WatchedScope, alarm_catalog
from foundation.records import StackRun
from settings import Settings, SettingsError, settings_from_config
from settings.schema import AlarmSettings
from tools.offline.runner import stack_config

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
PROXY = "aws:rds/proxy:Proxy"
PROXY_ONLY_DIMENSION_METRICS = frozenset(
    {
        # The RDS user guide's table, rows whose dimension sets include set 1 (ProxyName) and
        # that count database connections (the pool), with Sum as the most useful statistic.
        "DatabaseConnections",
        "DatabaseConnectionsCurrentlyBorrowed",
        "DatabaseConnectionsCurrentlyInTransaction",
        "DatabaseConnectionsCurrentlySessionPinned",
        "MaxDatabaseConnectionsAllowed",
    }
)


@functools.cache
def settings_of(stack: str) -> Settings:
    config, _ = stack_config(stack)
    return settings_from_config("perfcheck", stack, config)


def connections_alarm(run: StackRun) -> Mapping[str, Any]:
    (alarm,) = [a for a in run.by_type(ALARM) if a.name == "observability-rds-connections-high"]
    return alarm.wire_inputs


def proxy_scope(max_connections: int = 1802) -> WatchedScope:
    return WatchedScope(
        cache_nodes=1,
        database_max_connections=max_connections,
        cdn_additional_metrics=False,
        database_proxy=True,
    )


def pool_spec(alarms: AlarmSettings, scope: WatchedScope | None = None) -> AlarmSpec:
    specs = alarm_catalog(alarms, scope or proxy_scope())
    (spec,) = [s for s in specs if s.slug == "rds-connections-high"]
    return spec


# ---------------------------------------------------------------------------------------------
# A small evaluator of the metric-math subset the alarm uses (IF, FILL, comparisons, + - * /),
# one datapoint at a time; None is a missing datapoint, as CloudWatch propagates it.

BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}
COMPARE = {ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Lt: operator.lt, ast.LtE: operator.le}


def evaluate(expression: str, values: Mapping[str, float | None]) -> float | None:
    def walk(node: ast.AST) -> float | None:
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return values.get(node.id)
        if isinstance(node, ast.BinOp):
            left, right = walk(node.left), walk(node.right)
            if left is None or right is None:
                return None
            if isinstance(node.op, ast.Div):
                return None if right == 0 else left / right
            return BINARY[type(node.op)](left, right)
        if isinstance(node, ast.Compare):
            (op,), (other,) = node.ops, node.comparators
            left, right = walk(node.left), walk(other)
            if left is None or right is None:
                return None
            return 1.0 if COMPARE[type(op)](left, right) else 0.0
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "FILL":
                value = walk(node.args[0])
                return walk(node.args[1]) if value is None else value
            if node.func.id == "IF":
                condition = walk(node.args[0])
                if condition is None:
                    return None
                return walk(node.args[1] if condition else node.args[2])
        raise AssertionError(f"metric math outside the evaluator's subset: {ast.dump(node)}")

    return walk(ast.parse(expression, mode="eval").body)


def state_after(spec: AlarmSpec, datapoints: Sequence[Mapping[str, float | None]]) -> str:
    """ALARM or OK after the last `evaluation_periods` datapoints (CloudWatch's M of N)."""
    window = datapoints[-spec.evaluation_periods :]
    compare = {
        "GreaterThanThreshold": operator.gt,
        "GreaterThanOrEqualToThreshold": operator.ge,
        "LessThanThreshold": operator.lt,
        "LessThanOrEqualToThreshold": operator.le,
    }[spec.comparison]
    breaching = 0
    for values in window:
        value = evaluate(spec.expressions[-1].expression, values) if spec.expressions else None
        if value is None:
            breaching += spec.treat_missing_data == "breaching"
        else:
            breaching += compare(value, spec.threshold)
    return "ALARM" if breaching >= spec.datapoints_to_alarm else "OK"


def minutes(borrowed: float | None, allowed: float | None) -> list[dict[str, float | None]]:
    return [{"borrowed": borrowed, "allowed": allowed}] * 5


# ---------------------------------------------------------------------------------------------
# The registered alarm, per committed stack (both run RDS Proxy)


def test_the_alarm_reads_the_registered_proxys_own_pool_metrics(each_stack: StackRun) -> None:
    (proxy,) = each_stack.by_type(PROXY)
    alarm = connections_alarm(each_stack)
    metrics = [q["metric"] for q in alarm["metricQueries"] if "metric" in q]
    assert {m["metricName"] for m in metrics} == {
        "DatabaseConnectionsCurrentlyBorrowed",
        "MaxDatabaseConnectionsAllowed",
    }
    for metric in metrics:
        assert metric["namespace"] == "AWS/RDS"
        assert metric["metricName"] in PROXY_ONLY_DIMENSION_METRICS
        assert metric["dimensions"] == {"ProxyName": proxy.wire_inputs["name"]}
        assert metric["stat"] == "Sum", "RDS publishes per proxy node: Sum is the proxy's"
        assert metric["period"] == 60
    (returned,) = [q for q in alarm["metricQueries"] if q.get("returnData")]
    names = {n.id for n in ast.walk(ast.parse(returned["expression"])) if isinstance(n, ast.Name)}
    assert {"borrowed", "allowed"} <= names
    settings = settings_of(each_stack.stack)
    assert alarm["threshold"] == settings.alarms.database_pool_percent
    assert alarm["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["treatMissingData"] != "breaching"


def test_the_dashboard_draws_the_alarms_pool_share(each_stack: StackRun) -> None:
    (dashboard,) = each_stack.by_type("aws:cloudwatch/dashboard:Dashboard")
    body = json.loads(dashboard.inputs["dashboardBody"])
    (widget,) = [
        w for w in body["widgets"] if w["properties"]["title"].startswith("RDS Proxy pool")
    ]
    rows = widget["properties"]["metrics"]
    expression = connections_alarm(each_stack)["metricQueries"][-1]["expression"]
    assert any(row[0].get("expression") == expression for row in rows if len(row) == 1)
    threshold = settings_of(each_stack.stack).alarms.database_pool_percent
    assert threshold in {
        line["value"] for line in widget["properties"]["annotations"]["horizontal"]
    }


# ---------------------------------------------------------------------------------------------
# What the alarm decides


@pytest.mark.parametrize(
    ("borrowed", "allowed", "expected"),
    [
        (405, 405, "ALARM"),  # every connection the proxy may open is lent: clients queue
        (390, 405, "ALARM"),  # 96 %
        (365, 405, "ALARM"),  # 90.1 %
        (360, 405, "OK"),  # 88.9 %
        (200, 405, "OK"),
        (0, 405, "OK"),
        (None, 405, "OK"),  # nothing borrowed is reported as no data
        (None, None, "OK"),  # a proxy no client has used yet publishes nothing
        (5, 0, "OK"),  # no pool reported yet: no share, not an infinite one
    ],
)
def test_it_fires_when_the_share_lent_reaches_the_setting(
    borrowed: float | None, allowed: float | None, expected: str
) -> None:
    spec = pool_spec(AlarmSettings.model_validate({}))
    assert state_after(spec, minutes(borrowed, allowed)) == expected


def test_a_brief_peak_does_not_page() -> None:
    spec = pool_spec(AlarmSettings.model_validate({}))
    full, quiet = {"borrowed": 100.0, "allowed": 100.0}, {"borrowed": 10.0, "allowed": 100.0}
    assert state_after(spec, [quiet, quiet, full, full, quiet]) == "OK"
    assert state_after(spec, [quiet, full, quiet, full, full]) == "ALARM"


@pytest.mark.parametrize("percent", [50, 75, 100])
def test_the_threshold_is_the_stack_files_databasePoolPercent(percent: float) -> None:
    config, _ = stack_config("prod")
    alarms = json.loads(config.get("perfcheck:alarms", "{}"))
    config["perfcheck:alarms"] = json.dumps({**alarms, "databasePoolPercent": percent})
    settings = settings_from_config("perfcheck", "prod", config)
    spec = pool_spec(settings.alarms)
    assert spec.threshold == percent
    assert spec.setting == "alarms.databasePoolPercent"
    lent = percent * 4  # of a 400-connection pool
    assert state_after(spec, minutes(lent, 400)) == "ALARM"
    assert state_after(spec, minutes(lent - 1, 400)) == "OK"


@pytest.mark.parametrize("percent", [0, -5, 100.5, "most"])
def test_a_pool_share_outside_0_to_100_is_refused_by_key(percent: object) -> None:
    config, _ = stack_config("prod")
    alarms = json.loads(config.get("perfcheck:alarms", "{}"))
    config["perfcheck:alarms"] = json.dumps({**alarms, "databasePoolPercent": percent})
    with pytest.raises(SettingsError) as caught:
        settings_from_config("perfcheck", "prod", config)
    assert any("databasePoolPercent" in problem for problem in caught.value.problems)


def test_nothing_of_the_proxy_alarm_comes_from_the_instance_class() -> None:
    alarms = AlarmSettings.model_validate({})
    small = pool_spec(alarms, proxy_scope(max_connections=112))
    large = pool_spec(alarms, proxy_scope(max_connections=5000))
    assert small == large


def test_without_a_proxy_the_alarm_reads_the_instance() -> None:
    scope = WatchedScope(cache_nodes=1, database_max_connections=1802, cdn_additional_metrics=False)
    spec = pool_spec(AlarmSettings.model_validate({}), scope)
    ((dimension, _ref),) = spec.metrics[0].dimensions
    assert dimension == "DBInstanceIdentifier"
    assert spec.metrics[0].name == "DatabaseConnections"
    assert spec.setting == "alarms.databaseConnectionsPercent"
