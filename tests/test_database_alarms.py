"""The database-connection alarm agrees with RDS Proxy's pool: it fires when the pool is full,
never while the proxy holds what its settings allow."""

from __future__ import annotations

import functools
import json

import pytest

from components.alarm_catalog import WatchedScope, alarm_catalog, database_connection_threshold
from foundation.capacity import postgres_max_connections, proxy_connection_ceiling
from foundation.records import StackRun
from settings import Settings, SettingsError, settings_from_config
from settings.schema import AlarmSettings
from tools.offline.runner import stack_config

POOL = "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup"


@functools.cache
def settings_of(stack: str) -> Settings:
    config, _ = stack_config(stack)
    return settings_from_config("perfcheck", stack, config)


def test_the_alarm_threshold_is_derived_from_the_registered_pool(each_stack: StackRun) -> None:
    """Read the pool the proxy got, derive the ceiling AWS will enforce, compare with the alarm."""
    pool = each_stack.one(POOL).wire_inputs["connectionPoolConfig"]
    instance_class = each_stack.one("aws:rds/instance:Instance").wire_inputs["instanceClass"]
    ceiling = postgres_max_connections(instance_class) * pool["maxConnectionsPercent"] // 100
    (alarm,) = [
        a
        for a in each_stack.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if a.name == "observability-rds-connections-high"
    ]
    assert alarm.wire_inputs["threshold"] == ceiling
    assert alarm.wire_inputs["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert (
        pool["maxConnectionsPercent"]
        == settings_of(each_stack.stack).database.proxy.max_connections_percent
    )


@pytest.mark.parametrize("percent", [50, 75, 90, 100])
def test_the_threshold_follows_max_connections_percent(percent: int) -> None:
    max_connections = postgres_max_connections("db.r7g.large")
    ceiling = proxy_connection_ceiling(max_connections, percent)
    scope = WatchedScope(
        cache_nodes=1,
        database_max_connections=max_connections,
        cdn_additional_metrics=False,
        database_pool_ceiling=ceiling,
    )
    alarms = AlarmSettings.model_validate({})
    (spec,) = [s for s in alarm_catalog(alarms, scope) if s.slug == "rds-connections-high"]
    assert spec.threshold == ceiling == max_connections * percent // 100
    # The old rule (80 % of max_connections) would fire below what a 90 % pool may hold.
    assert database_connection_threshold(alarms, scope) >= ceiling
    assert spec.setting == "database.proxy.maxConnectionsPercent"


def test_without_a_proxy_the_configured_share_of_max_connections_applies() -> None:
    scope = WatchedScope(cache_nodes=1, database_max_connections=1802, cdn_additional_metrics=False)
    alarms = AlarmSettings.model_validate({"databaseConnectionsPercent": 50})
    assert database_connection_threshold(alarms, scope) == 901


def test_pool_settings_are_validated_by_key() -> None:
    config, _ = stack_config("prod")
    database = json.loads(config["perfcheck:database"])
    config["perfcheck:database"] = json.dumps(
        {**database, "proxy": {"maxConnectionsPercent": 40, "maxIdleConnectionsPercent": 60}}
    )
    with pytest.raises(SettingsError) as caught:
        settings_from_config("perfcheck", "prod", config)
    assert caught.value.problems == [
        "perfcheck:database.proxy: maxIdleConnectionsPercent (60) must not exceed "
        "maxConnectionsPercent (40)"
    ]
