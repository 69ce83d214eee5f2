"""RDS DB instances: parameter group family, instance class support, Performance Insights
retention, backup/maintenance windows and enhanced monitoring, as CreateDBInstance checks them.

Constraints quoted from the CreateDBInstance request documentation shipped in botocore's `rds`
model (PerformanceInsightsRetentionPeriod, PreferredBackupWindow, PreferredMaintenanceWindow,
MonitoringInterval). RDS publishes no machine-readable table of instance classes per engine
version, so `POSTGRES_CLASS_MAJORS` is a small table from the RDS user guide, "Supported DB engines
for DB instance classes" (and "DB instance class types"); a class family it does not list is not
judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from foundation.aws_limits import (
    RDS_MAX_BACKUP_RETENTION_DAYS,
    RDS_PERFORMANCE_INSIGHTS_RETENTION_DAYS,
)
from foundation.engine_versions import rds_parameter_group_family as expected_family
from foundation.records import ResourceRecord
from foundation.windows import RDS_MIN_WINDOW_MINUTES
from perfcheck_deploy.data_tier import referenced_family, window_findings
from perfcheck_deploy.findings import Finding, finding
from perfcheck_deploy.registry import checks, describe
from perfcheck_deploy.stack import StackIndex, as_bool, as_int, is_unknown, text

INSTANCE = "aws:rds/instance:Instance"
PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"

FAMILY_ID = describe(
    "rds-parameter-group-family",
    "the DB parameter group's family matches the engine and major version (postgres16 for 16.x)",
)
CLASS_ID = describe(
    "rds-instance-class",
    "the instance class exists for the engine version and supports Multi-AZ, Performance "
    "Insights and storage encryption as requested",
)
PI_RETENTION_ID = describe(
    "rds-performance-insights-retention",
    "Performance Insights retention is 7, 31*n (n = 1..23) or 731 days",
)
WINDOWS_ID = describe(
    "rds-windows",
    "backup (hh24:mi-hh24:mi) and maintenance (ddd:hh24:mi-ddd:hh24:mi) windows are well-formed, "
    "at least 30 minutes and do not overlap",
)
MONITORING_ID = describe(
    "rds-monitoring",
    "monitoringInterval is 0/1/5/10/15/30/60, with a role exactly when > 0; backup retention "
    "0..35 days",
)

PI_RETENTION_DAYS = RDS_PERFORMANCE_INSIGHTS_RETENTION_DAYS
# CreateDBInstance, MonitoringInterval: valid values.
MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)
MAX_BACKUP_RETENTION = RDS_MAX_BACKUP_RETENTION_DAYS
MIN_WINDOW_MINUTES = RDS_MIN_WINDOW_MINUTES

INSTANCE_CLASS = re.compile(r"^db\.([a-z0-9-]+)\.([a-z0-9]+)$")
# RDS user guide, "Supported DB engines for DB instance classes" (RDS for PostgreSQL): lowest and
# highest major version per class family. Graviton2 classes start at PostgreSQL 12 (12.7+),
# Graviton3/4 at 13; the previous generation (t2, m4, r4) ends at PostgreSQL 12.
POSTGRES_CLASS_MAJORS: dict[str, tuple[int, int]] = {
    "t2": (9, 12),
    "m4": (9, 12),
    "r4": (9, 12),
    "t3": (9, 99),
    "m5": (9, 99),
    "m5d": (9, 99),
    "r5": (9, 99),
    "r5b": (9, 99),
    "r5d": (9, 99),
    "m6i": (9, 99),
    "m6id": (9, 99),
    "r6i": (9, 99),
    "r6id": (9, 99),
    "m7i": (9, 99),
    "r7i": (9, 99),
    "t4g": (12, 99),
    "m6g": (12, 99),
    "m6gd": (12, 99),
    "r6g": (12, 99),
    "r6gd": (12, 99),
    "x2g": (12, 99),
    "m7g": (13, 99),
    "r7g": (13, 99),
    "m8g": (13, 99),
    "r8g": (13, 99),
}
# RDS user guide, "DB instance class types": these first-generation families support no current
# engine version, no storage encryption and no Multi-AZ.
RETIRED_FAMILIES = frozenset(["t1", "m1", "m2"])
# RDS user guide, "Performance Insights ... instance class support": not on these classes for
# RDS for MariaDB and MySQL.
NO_PERFORMANCE_INSIGHTS = {
    "mysql": frozenset(["t2.micro", "t2.small", "t3.micro", "t3.small", "t4g.micro", "t4g.small"]),
    "mariadb": frozenset(
        ["t2.micro", "t2.small", "t3.micro", "t3.small", "t4g.micro", "t4g.small"]
    ),
}


@checks(INSTANCE)
def check_instance(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    inputs = index.inputs(record)
    yield from _parameter_group_family(record, index, inputs)
    yield from _instance_class(record, inputs)
    yield from _performance_insights_retention(record, inputs)
    yield from window_findings(
        WINDOWS_ID, record, inputs, "backupWindow", MIN_WINDOW_MINUTES, MIN_WINDOW_MINUTES
    )
    yield from _monitoring(record, inputs)


def _parameter_group_family(
    record: ResourceRecord, index: StackIndex, inputs: Mapping[str, Any]
) -> Iterator[Finding]:
    engine, version = text(inputs.get("engine")), text(inputs.get("engineVersion"))
    group_ref = inputs.get("parameterGroupName")
    if engine is None or version is None or group_ref is None or is_unknown(group_ref):
        return
    expected = expected_family(engine, version)
    if expected is None:
        return
    family = referenced_family(record, index, group_ref, PARAMETER_GROUP, lambda name: name)
    if family is None or family == expected:
        return
    yield finding(
        FAMILY_ID,
        record,
        "parameterGroupName",
        f"InvalidParameterCombination: The parameter group {group_ref} with DBParameterGroupFamily "
        f"{family} can't be used for this instance. Use a parameter group with "
        f"DBParameterGroupFamily {expected} (engine {engine} {version}).",
        f"Create the parameter group with family='{expected}', or change engineVersion to "
        f"match {family}.",
    )


def _instance_class(record: ResourceRecord, inputs: Mapping[str, Any]) -> Iterator[Finding]:
    instance_class = text(inputs.get("instanceClass"))
    if instance_class is None:
        return
    match = INSTANCE_CLASS.match(instance_class)
    if not match:
        yield finding(
            CLASS_ID,
            record,
            "instanceClass",
            f"InvalidParameterValue: Invalid DB Instance class: {instance_class}.",
            "Use a class of the form db.<family>.<size>, e.g. db.t4g.medium or db.r7g.large.",
        )
        return
    family, size = match[1], match[2]
    engine, version = text(inputs.get("engine")), text(inputs.get("engineVersion"))
    if family in RETIRED_FAMILIES:
        yield finding(
            CLASS_ID,
            record,
            "instanceClass",
            f"InvalidParameterCombination: RDS does not support creating a DB instance with class "
            f"{instance_class} for any current engine version (no encryption, no Multi-AZ).",
            "Use a current class such as db.t4g.medium, db.m7g.large or db.r7g.large.",
        )
        return
    if engine == "postgres" and version is not None and version.split(".")[0].isdigit():
        major = int(version.split(".")[0])
        majors = POSTGRES_CLASS_MAJORS.get(family)
        if majors is not None and not majors[0] <= major <= majors[1]:
            yield finding(
                CLASS_ID,
                record,
                "instanceClass",
                f"InvalidParameterCombination: RDS does not support creating a DB instance with "
                f"the following combination: DBInstanceClass={instance_class}, Engine=postgres, "
                f"EngineVersion={version}.",
                f"Pick a class family that supports PostgreSQL {major} (e.g. db.t4g, db.m7g, "
                "db.r7g) or change engineVersion.",
            )
    without_insights = NO_PERFORMANCE_INSIGHTS.get(engine or "", frozenset())
    if as_bool(inputs.get("performanceInsightsEnabled")) and f"{family}.{size}" in without_insights:
        yield finding(
            CLASS_ID,
            record,
            "performanceInsightsEnabled",
            f"InvalidParameterCombination: Performance Insights is not supported for "
            f"{instance_class} with engine {engine}.",
            "Use a medium or larger class, or turn Performance Insights off.",
        )


def _performance_insights_retention(
    record: ResourceRecord, inputs: Mapping[str, Any]
) -> Iterator[Finding]:
    raw = inputs.get("performanceInsightsRetentionPeriod")
    if raw is None or is_unknown(raw):
        return
    days = as_int(raw)
    if days is None or days not in PI_RETENTION_DAYS:
        yield finding(
            PI_RETENTION_ID,
            record,
            "performanceInsightsRetentionPeriod",
            f"InvalidParameterValue: Invalid Performance Insights retention period {raw}. "
            "Valid values are 7, month * 31 where month is 1-23, or 731.",
            "Use 7 (free tier), a multiple of 31 up to 713, or 731.",
        )


def _monitoring(record: ResourceRecord, inputs: Mapping[str, Any]) -> Iterator[Finding]:
    raw = inputs.get("monitoringInterval")
    interval = as_int(raw) if raw is not None and not is_unknown(raw) else None
    if raw is not None and not is_unknown(raw) and interval not in MONITORING_INTERVALS:
        yield finding(
            MONITORING_ID,
            record,
            "monitoringInterval",
            f"InvalidParameterValue: MonitoringInterval {raw} is not one of "
            f"{', '.join(map(str, MONITORING_INTERVALS))}.",
            "Use 60 (or 0 to turn enhanced monitoring off).",
        )
    if interval and interval > 0 and inputs.get("monitoringRoleArn") is None:
        yield finding(
            MONITORING_ID,
            record,
            "monitoringRoleArn",
            "InvalidParameterCombination: A MonitoringRoleARN value is required if you specify a "
            "MonitoringInterval value other than 0.",
            "Pass a role that trusts monitoring.rds.amazonaws.com with "
            "AmazonRDSEnhancedMonitoringRole attached.",
        )
    role = inputs.get("monitoringRoleArn")
    if interval == 0 and isinstance(role, str) and role and not is_unknown(role):
        yield finding(
            MONITORING_ID,
            record,
            "monitoringInterval",
            "InvalidParameterCombination: If MonitoringRoleArn is specified, then you must set "
            "MonitoringInterval to a value other than 0.",
            "Set monitoringInterval=60, or drop monitoringRoleArn.",
        )
    retention = inputs.get("backupRetentionPeriod")
    days = as_int(retention) if retention is not None and not is_unknown(retention) else None
    if days is not None and not 0 <= days <= MAX_BACKUP_RETENTION:
        yield finding(
            MONITORING_ID,
            record,
            "backupRetentionPeriod",
            f"InvalidParameterValue: BackupRetentionPeriod {days} must be between 0 and "
            f"{MAX_BACKUP_RETENTION}.",
            f"Keep automated backups for 1 to {MAX_BACKUP_RETENTION} days.",
        )
