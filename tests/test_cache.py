"""Cache: TLS required, encrypted at rest under its own key, AUTH token only as a secret, failover
and Multi-AZ in prod, allkeys-lru eviction, snapshots, slow log with retention, prod protection."""

from __future__ import annotations

import functools
import json

import pytest

from components.cache import cache_parameters, failover_settings
from components.data_names import cache_replication_group_id, cache_slow_log_group_name
from foundation.engine_versions import cache_parameter_group_family
from foundation.records import ResourceRecord, StackRun, is_secret_wrapper
from settings import Settings, SettingsError, settings_from_config
from tools.offline.runner import stack_config

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
PARAMETER_GROUP = "aws:elasticache/parameterGroup:ParameterGroup"
SUBNET_GROUP = "aws:elasticache/subnetGroup:SubnetGroup"
KEY = "aws:kms/key:Key"


@functools.cache
def settings_of(stack: str) -> Settings:
    return settings_from_config("perfcheck", stack, stack_config(stack)[0])


def group_of(run: StackRun) -> ResourceRecord:
    return run.one(GROUP)


# ---- pure functions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "engine,version,family",
    [
        ("valkey", "8.0", "valkey8"),
        ("valkey", "8.1", "valkey8"),
        ("valkey", "7.2", "valkey7"),
        ("redis", "7.1", "redis7"),
        ("redis", "6.2", "redis6.x"),
    ],
)
def test_parameter_group_family_follows_engine_and_major(
    engine: str, version: str, family: str
) -> None:
    assert cache_parameter_group_family(engine, version) == family


@pytest.mark.parametrize("engine,version", [("valkey", "9.0"), ("redis", "5.0"), ("redis", "7")])
def test_unknown_engine_versions_are_refused_with_the_supported_list(
    engine: str, version: str
) -> None:
    with pytest.raises(ValueError, match=r"not supported; supported: valkey 7\.x"):
        cache_parameter_group_family(engine, version)


@pytest.mark.parametrize(
    "engine,version,known",
    [
        ("valkey", "9.0", "7.2, 8.0, 8.1"),
        ("valkey", "8.9", "7.2, 8.0, 8.1"),
        ("redis", "8.0", "6.2"),
    ],
)
def test_settings_refuse_an_engine_version_aws_does_not_offer(
    engine: str, version: str, known: str
) -> None:
    """One line: the key, the value, and the versions the dated list knows."""
    config, _ = stack_config("staging")
    cache = json.loads(config["perfcheck:cache"])
    config["perfcheck:cache"] = json.dumps({**cache, "engine": engine, "engineVersion": version})
    with pytest.raises(SettingsError) as caught:
        settings_from_config("perfcheck", "staging", config)
    (line,) = caught.value.problems
    assert line.startswith(f'perfcheck:cache.engineVersion: got "{version}"; {engine} {version}')
    assert "not a version AWS offers (list of 20" in line and known in line


def test_the_cache_never_drifts_from_its_configured_version(each_stack: StackRun) -> None:
    """Automatic minor upgrades off: the version AWS runs is the one configured, so no later
    `up` tries to move the group back (which ElastiCache refuses)."""
    group = each_stack.one("aws:elasticache/replicationGroup:ReplicationGroup")
    assert group.wire_inputs["autoMinorVersionUpgrade"] is False
    assert group.wire_inputs["engineVersion"] == settings_of(each_stack.stack).cache.engine_version
    assert "authToken" in group.ignore_changes  # rotation owns the token after the first


def test_failover_needs_a_replica_and_multi_az_needs_failover() -> None:
    assert failover_settings(1, False) == (False, False)
    assert failover_settings(2, False) == (True, False)
    assert failover_settings(3, True) == (True, True)
    with pytest.raises(ValueError, match="at least 2 nodes"):
        failover_settings(1, True)


def test_eviction_is_allkeys_lru() -> None:
    assert cache_parameters() == {"maxmemory-policy": "allkeys-lru"}


def test_replication_group_id_fits_elasticache_rules() -> None:
    assert cache_replication_group_id("perfcheck-prod") == "perfcheck-prod-cache"
    assert len(cache_replication_group_id("perfcheck-" + "a" * 20)) <= 40


# ---- both stacks ------------------------------------------------------------------------------


def test_tls_is_required_and_data_at_rest_uses_a_rotating_cmk(each_stack: StackRun) -> None:
    inputs = group_of(each_stack).wire_inputs
    assert inputs["transitEncryptionEnabled"] is True
    assert inputs["transitEncryptionMode"] == "required"
    assert inputs["atRestEncryptionEnabled"] is True
    (key,) = [k for k in each_stack.by_type(KEY) if k.outputs["arn"] == inputs["kmsKeyId"]]
    assert key.name == "cache-key" and key.wire_inputs["enableKeyRotation"] is True


def test_auth_token_is_the_generated_secret_sent_only_as_a_secret(each_stack: StackRun) -> None:
    token = group_of(each_stack).wire_inputs["authToken"]
    assert is_secret_wrapper(token)
    generated = each_stack.one(
        "random:index/randomPassword:RandomPassword", "app-secrets-redis-auth-token-value"
    )
    assert token["value"] == generated.outputs["result"]
    assert 16 <= len(token["value"]) <= 128
    assert group_of(each_stack).wire_inputs["authTokenUpdateStrategy"] == "ROTATE"


def test_nodes_failover_and_multi_az_follow_settings(each_stack: StackRun) -> None:
    settings = settings_of(each_stack.stack).cache
    inputs = group_of(each_stack).wire_inputs
    assert inputs["numCacheClusters"] == settings.nodes
    assert inputs["multiAzEnabled"] is settings.multi_az
    assert inputs["automaticFailoverEnabled"] is (settings.nodes >= 2)
    assert inputs["engine"] == settings.engine
    assert inputs["engineVersion"] == settings.engine_version
    if each_stack.stack == "prod":
        assert inputs["numCacheClusters"] >= 2
        assert inputs["automaticFailoverEnabled"] is True and inputs["multiAzEnabled"] is True
        assert inputs["applyImmediately"] is False


def test_cache_lives_in_the_isolated_subnets_behind_its_own_group(each_stack: StackRun) -> None:
    inputs = group_of(each_stack).wire_inputs
    subnet_group = each_stack.one(SUBNET_GROUP)
    assert inputs["subnetGroupName"] == subnet_group.outputs["name"]
    vpc = each_stack.one("awsx:ec2:Vpc")
    assert subnet_group.wire_inputs["subnetIds"] == vpc.outputs["isolatedSubnetIds"]
    cache_sg = each_stack.one("aws:ec2/securityGroup:SecurityGroup", "network-cache-sg")
    assert inputs["securityGroupIds"] == [cache_sg.outputs["id"]]


def test_parameter_group_matches_the_engine_and_evicts_allkeys_lru(each_stack: StackRun) -> None:
    settings = settings_of(each_stack.stack).cache
    group = each_stack.one(PARAMETER_GROUP)
    assert group_of(each_stack).wire_inputs["parameterGroupName"] == group.outputs["name"]
    assert group.wire_inputs["family"] == cache_parameter_group_family(
        settings.engine, settings.engine_version
    )
    assert {"name": "maxmemory-policy", "value": "allkeys-lru"} in group.wire_inputs["parameters"]


def test_snapshots_are_kept_and_prod_takes_a_final_one(each_stack: StackRun) -> None:
    settings = settings_of(each_stack.stack).cache
    inputs = group_of(each_stack).wire_inputs
    assert inputs["snapshotRetentionLimit"] == settings.snapshot_retention_days >= 1
    assert inputs["snapshotWindow"] == settings.snapshot_window
    assert inputs["maintenanceWindow"] == settings.maintenance_window
    final = inputs.get("finalSnapshotIdentifier")
    if each_stack.stack == "prod":
        assert final and final.startswith(inputs["replicationGroupId"] + "-final-")
    else:
        assert final is None  # the cache is rebuilt from the database; nothing to keep


def test_slow_log_goes_to_an_encrypted_group_with_retention(each_stack: StackRun) -> None:
    inputs = group_of(each_stack).wire_inputs
    (delivery,) = inputs["logDeliveryConfigurations"]
    assert delivery == {
        "logType": "slow-log",
        "logFormat": "json",
        "destinationType": "cloudwatch-logs",
        "destination": cache_slow_log_group_name(inputs["replicationGroupId"]),
    }
    log_group = each_stack.one("aws:cloudwatch/logGroup:LogGroup", "cache-slow-log")
    assert log_group.outputs["name"] == delivery["destination"]
    retention = settings_of(each_stack.stack).cache.slow_log_retention_days
    assert log_group.wire_inputs["retentionInDays"] == retention
    assert log_group.wire_inputs["kmsKeyId"] == inputs["kmsKeyId"]


def test_stateful_cache_resources_are_protected_as_set(each_stack: StackRun) -> None:
    expected = settings_of(each_stack.stack).protect
    group = group_of(each_stack)
    stateful = [
        group,
        *[k for k in each_stack.by_type(KEY) if k.outputs["arn"] == group.wire_inputs["kmsKeyId"]],
    ]
    assert len(stateful) == 2
    assert {r.name: r.protect for r in stateful} == {r.name: expected for r in stateful}
    if each_stack.stack == "prod":
        assert all(r.protect for r in stateful)
    # No data in the parameter group; a new family replaces it, which protect would refuse.
    assert each_stack.one(PARAMETER_GROUP).protect is False


def test_the_cache_endpoint_is_exported_and_holds_no_secret(each_stack: StackRun) -> None:
    group = group_of(each_stack)
    assert each_stack.outputs["cacheEndpoint"] == group.outputs["primaryEndpointAddress"]
    assert each_stack.outputs["cachePort"] == 6379
    assert each_stack.outputs["cacheReplicationGroupId"] == group.outputs["id"]


@pytest.mark.parametrize(
    "key,value",
    [("snapshotWindow", "3:00-4:00"), ("maintenanceWindow", "sunday:05:00-sun:06:00")],
)
def test_cache_windows_are_validated_by_key(key: str, value: str) -> None:
    config, _ = stack_config("prod")
    section = json.loads(config["perfcheck:cache"])
    config["perfcheck:cache"] = json.dumps({**section, key: value})
    with pytest.raises(SettingsError) as caught:
        settings_from_config("perfcheck", "prod", config)
    (problem,) = caught.value.problems
    assert problem.startswith(f'perfcheck:cache.{key}: got "{value}"; expected a'), problem
