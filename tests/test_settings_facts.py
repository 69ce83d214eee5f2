"""Each AWS fact the settings share with a component or a deploy check: the settings refuse a
stack-file value exactly when the later layer would refuse it.

Every test drives both layers with the same boundary values (the last allowed, the first refused,
and the malformed) and also pins the verdict AWS documents, so a fact that moves in
foundation/ (where both layers read it) is caught too, not only a layer that stops reading it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from perfcheck_deploy import run_deploy_checks

from components.alarm_catalog import WatchedScope, alarm_catalog
from components.budget import email_subscribers
from components.cache import failover_settings
from foundation.engine_versions import (
    OFFERED_VERSIONS,
    cache_parameter_group_family,
    elasticache_parameter_group_family,
    postgres_parameter_group_family,
    rds_parameter_group_family,
)
from foundation.fargate import FARGATE_MEMORY_BY_CPU
from foundation.records import ResourceRecord, StackRun
from settings import SettingsError, settings_from_config
from settings.schema import AlarmSettings
from tests.test_preview_errors import run as run_preview
from tests.test_preview_errors import stack_dir
from tools.offline.runner import stack_config

RDS_INSTANCE = "aws:rds/instance:Instance"
REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
ECS_SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"


# ---- the two layers --------------------------------------------------------------------------


def settings_problems(**sections: dict[str, Any]) -> list[str]:
    """The settings' problem lines for prod with keys of some sections changed (None deletes a
    key); [] when the settings accept it."""
    config, _ = stack_config("prod")
    for section, changes in sections.items():
        key = f"perfcheck:{section}"
        merged = {**json.loads(config.get(key, "{}")), **changes}
        config[key] = json.dumps({k: v for k, v in merged.items() if v is not None})
    try:
        settings_from_config("perfcheck", "prod", config)
    except SettingsError as error:
        return error.problems
    return []


def settings_refuse(key: str, **sections: dict[str, Any]) -> bool:
    """Whether the settings refuse the change, every problem being about `key` (a problem about
    another key would mean the case tests something else)."""
    problems = settings_problems(**sections)
    assert all(re.match(rf"perfcheck:{re.escape(key)}[.:]", p) for p in problems), problems
    return bool(problems)


def rule_findings(type_token: str, inputs: dict[str, Any], check_id: str) -> list[str]:
    """The deploy check's findings with `check_id` for one resource with these inputs."""
    record = ResourceRecord(
        urn=f"urn:pulumi:prod::perfcheck::{type_token}::subject",
        type=type_token,
        name="subject",
        custom=True,
        wire_inputs=inputs,
        outputs={},
    )
    findings = run_deploy_checks(
        StackRun(stack="prod", project="perfcheck", resources=(record,), outputs={})
    )
    assert not [f for f in findings if f.check_id == "deploycheck-internal-error"], findings
    return [str(f) for f in findings if f.check_id == check_id]


def component_refuses(build: Any, *args: Any) -> bool:
    try:
        build(*args)
    except ValueError:
        return True
    return False


# ---- ElastiCache node count (settings, alarm catalog, elasticache-failover) ------------------


@pytest.mark.parametrize(
    ("nodes", "refused"),
    [(0, True), (1, False), (5, False), (6, True), (7, True)],
    # 5: the last the hit-rate alarm can watch (2 metrics a node, CloudWatch allows 10);
    # 6: ElastiCache's own maximum, refused by the alarm; 7: refused by ElastiCache too.
)
def test_settings_refuse_the_cache_node_counts_the_alarms_or_elasticache_refuse(
    nodes: int, refused: bool
) -> None:
    in_settings = settings_refuse("cache.nodes", cache={"nodes": nodes, "multiAz": False})
    scope = WatchedScope(
        cache_nodes=nodes, database_max_connections=1802, cdn_additional_metrics=True
    )
    by_alarms = component_refuses(alarm_catalog, AlarmSettings.model_validate({}), scope)
    by_rule = bool(
        rule_findings(
            REPLICATION_GROUP,
            {"numCacheClusters": nodes, "automaticFailoverEnabled": nodes >= 2},
            "elasticache-failover",
        )
    )
    assert in_settings == (by_alarms or by_rule) == refused
    assert by_rule == (nodes > 6)  # CreateReplicationGroup: NumCacheClusters at most 6


@pytest.mark.parametrize(
    ("nodes", "multi_az", "refused"),
    [(1, True, True), (2, True, False), (1, False, False)],
)
def test_settings_refuse_multi_az_without_a_replica_like_the_component_and_the_check(
    nodes: int, multi_az: bool, refused: bool
) -> None:
    in_settings = settings_refuse("cache", cache={"nodes": nodes, "multiAz": multi_az})
    by_component = component_refuses(failover_settings, nodes, multi_az)
    failover, multi = (nodes >= 2, multi_az)  # what the component asks for when it can
    by_rule = bool(
        rule_findings(
            REPLICATION_GROUP,
            {
                "numCacheClusters": nodes,
                "automaticFailoverEnabled": failover,
                "multiAzEnabled": multi,
            },
            "elasticache-failover",
        )
    )
    assert in_settings == by_component == by_rule == refused


# ---- AWS Budgets subscribers (settings, budget component) -------------------------------------


@pytest.mark.parametrize(
    ("count", "repeated", "refused"),
    [(0, 0, False), (10, 0, False), (11, 0, True), (10, 1, False), (11, 1, True)],
    # a repeated address is subscribed once, so it does not count against the 10
)
def test_settings_refuse_the_budget_subscriber_counts_the_component_refuses(
    count: int, repeated: int, refused: bool
) -> None:
    emails = [f"finance{i}@example.com" for i in range(count)] + ["finance0@example.com"] * repeated
    in_settings = settings_refuse("budget.alertEmails", budget={"alertEmails": emails})
    assert in_settings == component_refuses(email_subscribers, emails) == refused


# ---- RDS windows (settings, rds-windows) --------------------------------------------------------

RDS_WINDOWS = [
    # backup, maintenance, refused
    ("02:00-02:30", "sun:04:00-sun:04:30", False),  # both at the 30-minute minimum
    ("02:00-02:29", "sun:04:00-sun:05:00", True),  # backup one minute short
    ("02:00-03:00", "sun:04:00-sun:04:29", True),  # maintenance one minute short
    ("23:45-00:15", "sun:04:00-sun:05:00", False),  # a backup window may cross midnight
    ("sat:23:30-sun:00:30", "sun:04:00-sun:05:00", True),  # weekly form where daily is due
    ("25:00-26:00", "sun:04:00-sun:05:00", True),  # no hour 25
    ("02:00-02:60", "sun:04:00-sun:05:00", True),  # no minute 60
    ("02:00-03:00", "sun:23:30-mon:00:30", False),  # maintenance may cross the day
    ("02:00-03:00", "sun:24:00-mon:01:00", True),
    ("02:00-03:00", "sunday:04:00-sun:05:00", True),
    ("02:00-03:00", "sun:04:00-son:05:00", True),  # three letters, but no day
    ("02:00-03:00", "sat:23:30-sun:00:30", False),  # across midnight into Sunday
    ("02:00-03:00", "03:00-04:00", True),  # daily form where weekly is due
    ("03:30-04:00", "sun:04:00-sun:05:00", False),  # touching is not overlapping
    ("05:00-05:30", "sun:04:00-sun:05:00", False),  # touching at the other end neither
    ("02:00-03:00", "SUN:04:00-Sun:05:00", False),  # AWS reads the days in any case
    ("03:30-04:01", "sun:04:00-sun:05:00", True),  # one shared minute
    ("04:59-05:30", "sun:04:00-sun:05:00", True),  # starts inside maintenance
    ("23:45-00:15", "mon:00:00-mon:00:30", True),  # overlap across midnight
    ("00:10-00:40", "sun:23:50-mon:00:20", True),  # overlap across the week's end
]


@pytest.mark.parametrize(("backup", "maintenance", "refused"), RDS_WINDOWS)
def test_settings_refuse_the_rds_windows_the_rds_check_refuses(
    backup: str, maintenance: str, refused: bool
) -> None:
    windows = {"backupWindow": backup, "maintenanceWindow": maintenance}
    in_settings = settings_refuse("database", database=windows)
    by_rule = rule_findings(
        RDS_INSTANCE, {"engine": "postgres", "engineVersion": "17.6", **windows}, "rds-windows"
    )
    assert in_settings == bool(by_rule) == refused, by_rule


def test_the_settings_name_the_window_and_what_is_allowed() -> None:
    (problem,) = settings_problems(database={"backupWindow": "25:00-26:00"})
    assert problem.startswith('perfcheck:database.backupWindow: got "25:00-26:00"; expected')
    assert "hh24:mi-hh24:mi" in problem
    (problem,) = settings_problems(
        database={"backupWindow": "03:30-04:30", "maintenanceWindow": "sun:04:00-sun:05:00"}
    )
    assert problem.startswith("perfcheck:database.maintenanceWindow:")
    assert "overlaps backupWindow (03:30-04:30)" in problem


# ---- ElastiCache windows (settings, elasticache-windows) ----------------------------------------

CACHE_WINDOWS = [
    # snapshot, maintenance, refused
    ("03:00-04:00", "sun:05:00-sun:06:00", False),  # both at the 60-minute minimum
    ("03:00-03:59", "sun:05:00-sun:06:00", True),  # snapshot one minute short
    ("03:00-04:00", "sun:05:00-sun:05:59", True),  # maintenance one minute short
    ("23:30-00:30", "sun:05:00-sun:06:00", False),  # crossing midnight
    ("25:00-26:00", "sun:05:00-sun:06:00", True),
    ("03:00-04:00", "sun:05:00-sunday:06:00", True),
    ("03:00-04:00", "mun:05:00-sun:06:00", True),  # three letters, but no day
    ("04:00-05:00", "sun:05:00-sun:06:00", False),  # touching
    ("06:00-07:00", "sun:05:00-sun:06:00", False),  # touching at the other end
    ("04:01-05:01", "sun:05:00-sun:06:00", True),  # one shared minute
    ("23:30-00:30", "sat:23:00-sun:00:00", True),  # overlap on Saturday night
]


@pytest.mark.parametrize(("snapshot", "maintenance", "refused"), CACHE_WINDOWS)
def test_settings_refuse_the_cache_windows_the_elasticache_check_refuses(
    snapshot: str, maintenance: str, refused: bool
) -> None:
    in_settings = settings_refuse(
        "cache", cache={"snapshotWindow": snapshot, "maintenanceWindow": maintenance}
    )
    by_rule = rule_findings(
        REPLICATION_GROUP,
        {"engine": "valkey", "snapshotWindow": snapshot, "maintenanceWindow": maintenance},
        "elasticache-windows",
    )
    assert in_settings == bool(by_rule) == refused, by_rule


# ---- ECS deployment ranges (settings, ecs-deployment-ranges) ------------------------------------

ECS_RANGES = [
    # strategy, settings key, value, refused
    ("canary", "bakeTimeMinutes", 0, False),
    ("canary", "bakeTimeMinutes", 1440, False),
    ("canary", "bakeTimeMinutes", 1441, True),
    ("canary", "bakeTimeMinutes", -1, True),
    ("canary", "canaryPercent", 0.1, False),
    ("canary", "canaryPercent", 0.09, True),
    ("canary", "canaryPercent", 100.0, False),
    ("canary", "canaryPercent", 100.1, True),
    ("canary", "canaryBakeMinutes", 1440, False),
    ("canary", "canaryBakeMinutes", 1441, True),
    ("linear", "linearStepPercent", 3.0, False),
    ("linear", "linearStepPercent", 2.9, True),
    ("linear", "linearStepPercent", 100.0, False),
    ("linear", "linearStepPercent", 100.5, True),
    ("linear", "linearStepBakeMinutes", 0, False),
    ("linear", "linearStepBakeMinutes", 1441, True),
]


def wire_deployment(strategy: str, key: str, value: float) -> dict[str, Any]:
    """The deploymentConfiguration components/web_service.py would send for this setting."""
    bake = {"bakeTimeMinutes": value} if key == "bakeTimeMinutes" else {}
    configuration: dict[str, Any] = {
        "strategy": strategy.upper(),
        "bakeTimeInMinutes": str(bake.get("bakeTimeMinutes", 10)),
    }
    if strategy == "canary":
        configuration["canaryConfiguration"] = {
            "canaryPercent": value if key == "canaryPercent" else 10.0,
            "canaryBakeTimeInMinutes": str(value if key == "canaryBakeMinutes" else 10),
        }
    else:
        configuration["linearConfiguration"] = {
            "stepPercent": value if key == "linearStepPercent" else 25.0,
            "stepBakeTimeInMinutes": str(value if key == "linearStepBakeMinutes" else 10),
        }
    return {"deploymentConfiguration": configuration}


@pytest.mark.parametrize(("strategy", "key", "value", "refused"), ECS_RANGES)
def test_settings_refuse_the_deployment_ranges_the_ecs_check_refuses(
    strategy: str, key: str, value: float, refused: bool
) -> None:
    others = dict.fromkeys(("canaryPercent", "canaryBakeMinutes", "linearStepPercent"))
    others["linearStepBakeMinutes"] = None  # keys of other strategies are refused on their own
    in_settings = settings_refuse(
        f"service.{key}", service={**others, "deploymentStrategy": strategy, key: value}
    )
    by_rule = rule_findings(
        ECS_SERVICE, wire_deployment(strategy, key, value), "ecs-deployment-ranges"
    )
    assert in_settings == bool(by_rule) == refused, by_rule


# ---- Performance Insights retention, backup retention (settings, rds checks) --------------------


@pytest.mark.parametrize(
    ("days", "refused"),
    [
        *[(7, False), (8, True), (30, True), (31, False), (62, False), (713, False)],
        *[(714, True), (731, False), (744, True), (732, True)],
    ],
)
def test_settings_refuse_the_performance_insights_retentions_the_rds_check_refuses(
    days: int, refused: bool
) -> None:
    in_settings = settings_refuse(
        "database.performanceInsightsRetentionDays",
        database={"performanceInsightsRetentionDays": days},
    )
    by_rule = rule_findings(
        RDS_INSTANCE,
        {"performanceInsightsEnabled": True, "performanceInsightsRetentionPeriod": days},
        "rds-performance-insights-retention",
    )
    assert in_settings == bool(by_rule) == refused


@pytest.mark.parametrize(("days", "refused"), [(35, False), (36, True)])
def test_settings_refuse_the_backup_retention_rds_refuses(days: int, refused: bool) -> None:
    """Only the top is shared: the settings also refuse 0 on purpose (0 turns backups off)."""
    in_settings = settings_refuse(
        "database.backupRetentionDays", database={"backupRetentionDays": days}
    )
    by_rule = rule_findings(RDS_INSTANCE, {"backupRetentionPeriod": days}, "rds-monitoring")
    assert in_settings == bool(by_rule) == refused


# ---- Fargate sizes (settings, ecs-fargate-size) -------------------------------------------------


@pytest.mark.parametrize(
    ("cpu", "memory", "refused"),
    [
        *[(256, 512, False), (256, 2048, False), (256, 1536, True), (256, 3072, True)],
        *[(1024, 8192, False), (1024, 9216, True), (1024, 1024, True), (300, 1024, True)],
    ],
)
def test_settings_refuse_the_task_sizes_the_fargate_check_refuses(
    cpu: int, memory: int, refused: bool
) -> None:
    in_settings = settings_refuse("service", service={"cpu": cpu, "memory": memory})
    container = {"name": "app", "image": "nginx", "essential": True, "memory": 128}
    by_rule = rule_findings(
        TASK_DEFINITION,
        {
            "cpu": str(cpu),
            "memory": str(memory),
            "requiresCompatibilities": ["FARGATE"],
            "networkMode": "awsvpc",
            "containerDefinitions": json.dumps([container]),
        },
        "ecs-fargate-size",
    )
    assert in_settings == bool(by_rule) == refused, by_rule
    assert cpu in FARGATE_MEMORY_BY_CPU or refused


# ---- parameter group families (settings' versions, components, rds/elasticache checks) ---------


@pytest.mark.parametrize("version", OFFERED_VERSIONS["postgres"])
def test_every_postgres_version_the_settings_accept_gets_the_family_the_check_expects(
    version: str,
) -> None:
    assert not settings_problems(database={"engineVersion": version})
    family = postgres_parameter_group_family(version)  # what components/database.py registers
    assert family == rds_parameter_group_family("postgres", version)  # what the check expects
    assert family == f"postgres{version.split('.')[0]}"  # RDS: one family per major since 10


@pytest.mark.parametrize(
    ("engine", "version", "family"),
    [("redis", "6.x", "redis6.x"), ("redis", "5.0.6", "redis5.0"), ("valkey", "7.2.4", "valkey7")],
)
def test_the_check_reads_the_family_of_versions_written_as_elasticache_accepts_them(
    engine: str, version: str, family: str
) -> None:
    """ElastiCache takes "6.x" and a patch level; the family the check expects follows."""
    assert elasticache_parameter_group_family(engine, version) == family
    group = {"engine": engine, "engineVersion": version, "parameterGroupName": "default.redis7"}
    findings = rule_findings(REPLICATION_GROUP, group, "elasticache-parameter-group-family")
    assert bool(findings) == (family != "redis7")


@pytest.mark.parametrize(
    ("engine", "version"), [(e, v) for e in ("valkey", "redis") for v in OFFERED_VERSIONS[e]]
)
def test_every_cache_version_the_settings_accept_gets_the_family_the_check_expects(
    engine: str, version: str
) -> None:
    assert not settings_problems(cache={"engine": engine, "engineVersion": version})
    family = cache_parameter_group_family(engine, version)  # what components/cache.py registers
    assert family == elasticache_parameter_group_family(engine, version)
    group = {"engine": engine, "engineVersion": version, "parameterGroupName": f"default.{family}"}
    assert not rule_findings(REPLICATION_GROUP, group, "elasticache-parameter-group-family")


def test_the_preview_points_each_refused_fact_at_its_stack_file_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`25:00-26:00`, overlapping windows, 6 cache nodes and 11 budget e-mails: refused before
    the program runs (exit 2), each with the line of the stack file that holds it."""

    def edit(config: dict[str, Any]) -> None:
        config["perfcheck:database"]["backupWindow"] = "25:00-26:00"
        config["perfcheck:cache"]["nodes"] = 6
        config["perfcheck:cache"]["snapshotWindow"] = "05:30-06:30"
        config["perfcheck:cache"]["maintenanceWindow"] = "sun:06:00-sun:07:00"
        config["perfcheck:budget"]["alertEmails"] = [f"f{i}@example.com" for i in range(11)]

    directory = stack_dir(tmp_path, edit=edit)
    lines = (directory / "Pulumi.dev.yaml").read_text().splitlines()

    def line_of(text: str) -> int:
        return next(number for number, line in enumerate(lines, 1) if text in line)

    code, err = run_preview(capsys, directory)
    assert code == 2
    for key, written in [
        ("database.backupWindow", "backupWindow: 25:00-26:00"),
        ("cache.nodes", "nodes: 6"),
        ("cache.maintenanceWindow", "maintenanceWindow: sun:06:00-sun:07:00"),
        ("budget.alertEmails", "alertEmails:"),
    ]:
        assert f"  - Pulumi.dev.yaml:{line_of(written)}: perfcheck:{key}: got" in err, err
