"""The database-connection alarm without RDS Proxy, and the proxy's pool settings (the alarm
behind the proxy reads the proxy's own pool: tests/test_proxy_pool_alarm.py)."""

from __future__ import annotations

import functools
import json

import pytest

from components.alarm_catalog import WatchedScope, database_connection_threshold
from settings import Settings, SettingsError, settings_from_config
from settings.schema import AlarmSettings
from tools.offline.runner import stack_config

POOL = "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup"


@functools.cache
def settings_of(stack: str) -> Settings:
    config, _ = stack_config(stack)
    return settings_from_config("perfcheck", stack, config)


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
