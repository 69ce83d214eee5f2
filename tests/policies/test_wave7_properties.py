"""Properties wave 7 found missing (issue 22), each with members of its own and each failing with
the property removed: a deployment's first step is partial, point-in-time recovery reaches back
the backup minimum, OpenSearch encrypts between its nodes, `..._PW` names a password, a name
under an ambiguous `...Key` (a DynamoDB index key, an API route) is not a credential, and
metrics stores keep data like databases (no EFS under them)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from foundation.records import UNKNOWN
from tests.policies.builders import container, record, replace
from tests.policies.support import judge_compliant, synthetic_config, violations


def _messages(rule: str, changes: Any) -> list[str]:
    return [v.message for v in violations(judge_compliant(changes), rule)]


def _service_with(r: Any, strategy: str, step: dict[str, Any]) -> dict[str, Any]:
    key = "canaryConfiguration" if strategy == "CANARY" else "linearConfiguration"
    configuration = {"strategy": strategy, "bakeTimeInMinutes": "15", key: step}
    return {"service": replace(r["service"], deploymentConfiguration=configuration)}


@pytest.mark.parametrize(
    ("strategy", "step", "caught"),
    [
        ("CANARY", {"canaryPercent": 100, "canaryBakeTimeInMinutes": "10"}, True),
        ("CANARY", {"canaryPercent": "100.0", "canaryBakeTimeInMinutes": "10"}, True),
        ("LINEAR", {"stepPercent": 100, "stepBakeTimeInMinutes": "10"}, True),
        ("LINEAR", {"stepPercent": "all", "stepBakeTimeInMinutes": "10"}, True),
        ("CANARY", {"canaryPercent": 10, "canaryBakeTimeInMinutes": "10"}, False),
        ("CANARY", {"canaryPercent": 99.5, "canaryBakeTimeInMinutes": "10"}, False),
        ("LINEAR", {"stepPercent": 25, "stepBakeTimeInMinutes": "10"}, False),
    ],
)
def test_a_canary_or_linear_step_of_the_whole_fleet_is_no_canary(
    strategy: str, step: dict[str, Any], caught: bool
) -> None:
    found = _messages(
        "ecs-deployment-bake-time-not-zero", lambda r: _service_with(r, strategy, step)
    )
    assert bool([m for m in found if "Percent" in m]) is caught, found


def _table(window: Any) -> Any:
    pitr: dict[str, Any] = {"enabled": True}
    if window is not None:
        pitr["recoveryPeriodInDays"] = window
    return lambda r: {
        "table": record(
            "prod",
            "aws:dynamodb/table:Table",
            "orders",
            {
                "hashKey": "pk",
                "attributes": [{"name": "pk", "type": "S"}],
                "deletionProtectionEnabled": True,
                "pointInTimeRecovery": pitr,
                "serverSideEncryption": {"enabled": True, "kmsKeyArn": UNKNOWN},
                "tags": r["db"].wire_inputs["tags"],
            },
            protect=True,
        )
    }


@pytest.mark.parametrize(
    ("window", "caught"),
    [(1, True), ("3", True), (6, True), (7, False), (35, False), (None, False)],
)
def test_point_in_time_recovery_reaches_back_the_backup_minimum(window: Any, caught: bool) -> None:
    found = _messages("rds-backup-retention", _table(window))
    assert bool(found) is caught, found


def _domain(node_to_node: Any) -> Any:
    inputs: dict[str, Any] = {
        "engineVersion": "OpenSearch_2.17",
        "encryptAtRest": {"enabled": True},
        "domainEndpointOptions": {
            "enforceHttps": True,
            "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10",
        },
    }
    if node_to_node is not None:
        inputs["nodeToNodeEncryption"] = {"enabled": node_to_node}
    return lambda r: {"search": record("prod", "aws:opensearch/domain:Domain", "search", inputs)}


@pytest.mark.parametrize(
    ("node_to_node", "caught"), [(False, True), ("false", True), (None, True), (True, False)]
)
def test_opensearch_encrypts_between_its_nodes(node_to_node: Any, caught: bool) -> None:
    found = _messages("front-door-tls-minimum", _domain(node_to_node))
    assert bool([m for m in found if "nodeToNodeEncryption" in m]) is caught, found


def _lambda(**variables: str) -> Any:
    return lambda r: {
        "fn": record(
            "prod",
            "aws:lambda/function:Function",
            "fn",
            {
                "runtime": "python3.12",
                "handler": "app.handler",
                "role": UNKNOWN,
                "environment": {"variables": variables},
            },
        )
    }


@pytest.mark.parametrize("name", ["DB_PW", "SMTP_PW", "PW", "LDAP_PW_PRIMARY"])
def test_a_pw_word_names_a_password(name: str) -> None:
    assert _messages("no-credentials-in-resource-inputs", _lambda(**{name: "Exp0rt-2026-db"}))


@pytest.mark.parametrize("name", ["PWA_MANIFEST", "POWER_MODE", "PW_MIN_LENGTH"])
def test_names_that_only_contain_pw_letters_pass(name: str) -> None:
    value = "12" if name == "PW_MIN_LENGTH" else "enabled"
    assert not _messages("no-credentials-in-resource-inputs", _lambda(**{name: value}))


def _keyed(type_token: str, inputs: dict[str, Any]) -> Any:
    return lambda r: {"keyed": record("prod", type_token, "keyed", inputs)}


@pytest.mark.parametrize(
    ("type_token", "inputs"),
    [
        (
            "aws:dynamodb/table:Table",
            {"globalSecondaryIndexes": [{"name": "by-user", "hashKey": "userId"}]},
        ),
        ("aws:apigatewayv2/route:Route", {"apiId": "a1", "routeKey": "ANY /{proxy+}"}),
        ("aws:apigatewayv2/route:Route", {"apiId": "a1", "routeKey": "$default"}),
        ("aws:apigatewayv2/route:Route", {"apiId": "a1", "routeKey": "GET /orders/{id}"}),
    ],
)
def test_a_name_or_route_under_an_ambiguous_key_name_is_not_a_credential(
    type_token: str, inputs: dict[str, Any]
) -> None:
    assert not _messages("no-credentials-in-resource-inputs", _keyed(type_token, inputs))


@pytest.mark.parametrize("value", ["k3yV4lue9Zq", "Hunter2!", "GET /x; DROP"])
def test_other_values_under_an_ambiguous_key_name_are_still_judged(value: str) -> None:
    found = _messages(
        "no-credentials-in-resource-inputs",
        _keyed("aws:apigatewayv2/route:Route", {"apiId": "a1", "routeKey": value}),
    )
    assert found, value


def _on_efs(command: list[str], path: str) -> Any:
    definition = container(
        "metrics",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/metrics:1.0.0",
        8428,
        command=command,
        mountPoints=[{"sourceVolume": "data", "containerPath": path, "readOnly": False}],
    )
    volume = {
        "name": "data",
        "efsVolumeConfiguration": {"fileSystemId": "fs-1", "transitEncryption": "ENABLED"},
    }
    return lambda r: {
        "task": replace(r["task"], containerDefinitions=json.dumps([definition]), volumes=[volume])
    }


@pytest.mark.parametrize(
    ("command", "path"),
    [
        (["/victoria-metrics-prod", "-storageDataPath=/storage"], "/storage"),
        (["/victoria-metrics-prod"], "/victoria-metrics-data"),
        (["vmstorage-prod", "-storageDataPath", "/vm"], "/vm"),
        (["/bin/prometheus", "--config.file=/etc/p.yml"], "/prometheus"),
        (["thanos", "receive", "--storage.path", "/var/thanos"], "/var/thanos"),
    ],
)
def test_a_metrics_store_on_efs_is_a_database_on_efs(command: list[str], path: str) -> None:
    assert _messages("no-database-on-efs", _on_efs(command, path))


def _subnet_under(parent_type: str | None) -> Any:
    from tests.policies.builders import with_options

    subnet = record("prod", "aws:ec2/subnet:Subnet", "db-a", {"cidrBlock": "10.0.9.0/24"})
    if parent_type is None:
        return subnet
    parent = f"urn:pulumi:prod::perfcheck::{parent_type}::net"
    urn = f"urn:pulumi:prod::perfcheck::{parent_type}$aws:ec2/subnet:Subnet::db-a"
    return with_options(subnet, urn=urn, parent=parent)


@pytest.mark.parametrize(
    ("parent_type", "caught"),
    [(None, True), ("perfcheck:network:Network", True), ("awsx:ec2:Vpc", False)],
)
def test_a_type_reviewed_as_a_components_children_covers_those_only(
    tmp_path: Any, parent_type: str | None, caught: bool
) -> None:
    from tests.policies.test_fail_closed_types import RULE, _config_dir

    entries = [
        *synthetic_config("prod", "guardrails")[RULE]["reviewedTypes"],
        {
            "type": "aws:ec2/subnet:Subnet",
            "reason": "subnets laid out by awsx",
            "createdBy": "awsx:ec2:Vpc",
        },
    ]
    config_dir = _config_dir(tmp_path, "prod", reviewedTypes=entries)

    def changes(r: Any) -> dict[str, Any]:
        vpc = record("prod", "awsx:ec2:Vpc", "net", {}, custom=False)
        return {"vpc": vpc, "subnet": _subnet_under(parent_type)}

    found = [v.message for v in violations(judge_compliant(changes, config_dir=config_dir), RULE)]
    assert bool([m for m in found if "registered outside it" in m]) is caught, found


@pytest.mark.parametrize(
    ("type_token", "inputs", "caught"),
    [
        ("aws:appautoscaling/target:Target", {"minCapacity": 0, "maxCapacity": 0}, True),
        ("aws:appautoscaling/target:Target", {"minCapacity": 0, "maxCapacity": "0"}, True),
        (
            "aws:appautoscaling/scheduledAction:ScheduledAction",
            {"schedule": "cron(0 22 * * ? *)", "scalableTargetAction": {"maxCapacity": 0}},
            True,
        ),
        ("aws:appautoscaling/target:Target", {"minCapacity": 3, "maxCapacity": 12}, False),
        (
            "aws:appautoscaling/scheduledAction:ScheduledAction",
            {
                "schedule": "cron(0 22 * * ? *)",
                "scalableTargetAction": {"minCapacity": 2, "maxCapacity": 4},
            },
            False,
        ),
    ],
)
def test_a_scalable_target_capped_at_zero_is_switched_off(
    type_token: str, inputs: dict[str, Any], caught: bool
) -> None:
    base = {
        "serviceNamespace": "ecs",
        "scalableDimension": "ecs:service:DesiredCount",
        "resourceId": "service/perfcheck/app",
    }
    found = _messages("control-not-switched-off", _keyed(type_token, {**base, **inputs}))
    assert bool(found) is caught, found
