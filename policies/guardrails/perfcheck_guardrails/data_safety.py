"""Data safety: databases and caches survive an AZ loss, a bad deploy and a careless delete.

Each rule is configurable per stack: staging keeps the production-only ones advisory (a single-AZ,
deletable staging database is a deliberate saving), prod makes them mandatory.
"""

from __future__ import annotations

from perfcheck_policykit import ResourceContext, ResourceRule, schema, values
from perfcheck_policykit import aws_types as T
from perfcheck_policykit.checks import require_at_least, require_not_true, require_true
from perfcheck_policykit.rules import config_list
from pulumi_policy import Severity

from .elasticache_clusters import MEMCACHED, standalone_engine
from .type_families import (
    BACKUP_RETENTION,
    DELETION_PROTECTION,
    PUBLICLY_ACCESSIBLE,
    RECOVERY_WINDOW,
    Setting,
)


def is_aurora_instance(ctx: ResourceContext) -> bool:
    """An RDS instance of an Aurora engine (its storage and backups are its cluster's)."""
    engine = ctx.get("engine")
    return isinstance(engine, str) and engine.strip().lower().startswith("aurora")


def _check_public(ctx: ResourceContext) -> None:
    (prop,) = PUBLICLY_ACCESSIBLE[ctx.type]
    require_not_true(
        ctx,
        prop,
        detail="Databases live in isolated subnets, reached from the app.",
    )


RDS_NOT_PUBLIC = ResourceRule(
    name="rds-not-publicly-accessible",
    description=(
        "Databases must not be publicly accessible: the family of types with a public-endpoint "
        "switch (RDS instances and cluster instances, Neptune instances, Redshift clusters and "
        "serverless workgroups, DMS replication instances)."
    ),
    severity=Severity.CRITICAL,
    remediation_steps="Set publicly_accessible=False and use a DB subnet group of private subnets.",
    resource_types=tuple(PUBLICLY_ACCESSIBLE),
    check=_check_public,
    unknowns="publiclyAccessible unknown: note.",
    tags=["data-safety", "rds", "network"],
)


def _check_multi_az(ctx: ResourceContext) -> None:
    source = ctx.get("replicateSourceDb")
    if source is values.UNKNOWN:
        ctx.accept_unknown("replicateSourceDb")  # a computed source id: a replica
    if is_aurora_instance(ctx) or source is not None:
        return
    require_true(ctx, "multiAz", missing="not set (single-AZ)")


RDS_MULTI_AZ = ResourceRule(
    name="rds-multi-az",
    description="RDS instances must be Multi-AZ (a standby in a second Availability Zone).",
    severity=Severity.HIGH,
    remediation_steps="Set multi_az=True (roughly doubles the instance cost).",
    resource_types=[T.RDS_INSTANCE],
    check=_check_multi_az,
    unknowns="multiAz unknown: note.",
    tags=["data-safety", "rds", "availability"],
)


def _check_deletion_protection(ctx: ResourceContext) -> None:
    if ctx.type == T.RDS_INSTANCE and is_aurora_instance(ctx):
        return  # set on the cluster
    (prop,) = DELETION_PROTECTION[ctx.type]
    require_true(ctx, prop, missing="not set (false)")


RDS_DELETION_PROTECTION = ResourceRule(
    name="rds-deletion-protection",
    description=(
        "Databases must have deletion protection on: RDS instances, clusters and global "
        "clusters, DocumentDB and Neptune clusters, DynamoDB tables."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Set deletion_protection=True (deletion_protection_enabled on DynamoDB); turn it off "
        "deliberately before a delete."
    ),
    resource_types=tuple(DELETION_PROTECTION),
    check=_check_deletion_protection,
    unknowns="deletionProtection unknown: note.",
    tags=["data-safety", "rds"],
)


def _check_window(ctx: ResourceContext, window: Setting, minimum: int) -> None:
    """Point-in-time recovery that reaches back fewer days than the backups must keep."""
    prop = ".".join(window.path)
    value = ctx.get(*window.path)
    if value is values.UNKNOWN:
        ctx.unknown(prop)
        return
    days = window.default if value is None else values.as_number(value)
    if days is None or float(days) < minimum:  # type: ignore[arg-type]
        shown = f"not set (AWS default {window.default})" if value is None else values.show(value)
        ctx.violation(prop, f"{shown} days", f"at least {minimum} days")


def _check_backup_retention(ctx: ResourceContext) -> None:
    if ctx.type == T.RDS_INSTANCE and is_aurora_instance(ctx):
        return
    setting = BACKUP_RETENTION[ctx.type]
    prop = ".".join(setting.path)
    if setting.kind == "true":  # e.g. DynamoDB point-in-time recovery: on or off
        value = ctx.get(*setting.path)
        if value is values.UNKNOWN:
            ctx.unknown(prop)
        elif values.as_bool(value) is not True:
            ctx.violation(prop, "not set" if value is None else values.show(value), "true")
        elif (window := RECOVERY_WINDOW.get(ctx.type)) is not None:
            _check_window(ctx, window, int(ctx.config.get("minimumDays", 7)))
        return
    minimum = int(ctx.config.get("minimumDays", 7))
    require_at_least(ctx, prop, minimum, when_missing=float(setting.default or 0), unit="days")


RDS_BACKUP_RETENTION = ResourceRule(
    name="rds-backup-retention",
    description=(
        "Databases must keep automated backups at least the configured number of days: RDS "
        "instances and clusters, DocumentDB, Neptune, Redshift (automated snapshots), MemoryDB "
        "(snapshots), a Backup vault lock (minRetentionDays); DynamoDB tables must have "
        "point-in-time recovery on, reaching back as many days."
    ),
    severity=Severity.HIGH,
    remediation_steps=(
        "Set backup_retention_period (automated_snapshot_retention_period on Redshift, "
        "snapshot_retention_limit on MemoryDB) to at least the configured minimum; "
        "point_in_time_recovery={'enabled': True} on DynamoDB."
    ),
    resource_types=tuple(BACKUP_RETENTION),
    check=_check_backup_retention,
    unknowns="backupRetentionPeriod unknown: note.",
    config_properties={
        "minimumDays": schema.integer("Fewest days of automated backups.", 7, minimum=1, maximum=35)
    },
    tags=["data-safety", "rds", "backup"],
)


def _check_final_snapshot(ctx: ResourceContext) -> None:
    if ctx.type == T.RDS_INSTANCE and is_aurora_instance(ctx):
        return
    source = ctx.get("replicateSourceDb")
    if source is values.UNKNOWN:
        ctx.accept_unknown("replicateSourceDb")  # a computed source id: a replica
    if source is not None:
        return  # a read replica: its data is the source's (RDS takes no replica final snapshot)
    skip = ctx.get("skipFinalSnapshot")
    if skip is values.UNKNOWN:
        return  # noted by the kit (an unknown read)
    if values.as_bool(skip) is True:
        ctx.violation("skipFinalSnapshot", "true", "false (take a final snapshot on delete)")
        return
    identifier = ctx.get("finalSnapshotIdentifier")
    if identifier is None or (isinstance(identifier, str) and not identifier.strip()):
        ctx.violation(
            "finalSnapshotIdentifier",
            "not set (the delete would fail or lose the data)",
            "a final snapshot identifier",
        )


RDS_FINAL_SNAPSHOT = ResourceRule(
    name="rds-final-snapshot",
    description=(
        "Deleting an RDS database must leave a final snapshot (read replicas excepted: their data "
        "is the source's, and RDS takes no final snapshot of a replica)."
    ),
    severity=Severity.HIGH,
    remediation_steps="Set skip_final_snapshot=False and final_snapshot_identifier='<name>-final'.",
    resource_types=[T.RDS_INSTANCE, T.RDS_CLUSTER],
    check=_check_final_snapshot,
    unknowns="skipFinalSnapshot unknown: note. finalSnapshotIdentifier unknown counts as set.",
    tags=["data-safety", "rds", "backup"],
)


def _check_failover(ctx: ResourceContext) -> None:
    require_true(ctx, "automaticFailoverEnabled", missing="not set (false)")
    if ctx.config.get("requireMultiAz", True):
        require_true(ctx, "multiAzEnabled", missing="not set (false)")
    clusters = ctx.get("numCacheClusters")
    if clusters is values.UNKNOWN:
        ctx.unknown("numCacheClusters")
    elif clusters is not None and (values.as_number(clusters) or 0) < 2:
        ctx.violation(
            "numCacheClusters", values.show(clusters), "at least 2 (a replica to fail over to)"
        )


ELASTICACHE_FAILOVER = ResourceRule(
    name="elasticache-automatic-failover",
    description=(
        "ElastiCache replication groups must fail over automatically to a replica in another "
        "Availability Zone."
    ),
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Set automatic_failover_enabled=True, multi_az_enabled=True and num_cache_clusters >= 2."
    ),
    resource_types=[T.ELASTICACHE_REPLICATION_GROUP],
    check=_check_failover,
    unknowns="Each of the three fields unknown: note.",
    config_properties={
        "requireMultiAz": schema.boolean("Also require multiAzEnabled.", True),
    },
    tags=["data-safety", "elasticache", "availability"],
)


def _check_snapshots(ctx: ResourceContext) -> None:
    if ctx.type == T.ELASTICACHE_CLUSTER and standalone_engine(ctx) in (None, MEMCACHED):
        return  # a group member keeps the group's snapshots; Memcached has no snapshots
    minimum = int(ctx.config.get("minimumDays", 7))
    require_at_least(ctx, "snapshotRetentionLimit", minimum, when_missing=0, unit="days")


ELASTICACHE_SNAPSHOTS = ResourceRule(
    name="elasticache-snapshot-retention",
    description=(
        "ElastiCache must keep automatic snapshots at least the configured number of days "
        "(replication groups and standalone Redis OSS/Valkey clusters; Memcached has no "
        "snapshots, and a group member follows its group)."
    ),
    severity=Severity.LOW,
    remediation_steps=(
        "Set snapshot_retention_limit (and snapshot_window) on the replication group."
    ),
    resource_types=[T.ELASTICACHE_REPLICATION_GROUP, T.ELASTICACHE_CLUSTER],
    check=_check_snapshots,
    unknowns="snapshotRetentionLimit or a Cluster's engine unknown: note.",
    config_properties={
        "minimumDays": schema.integer("Fewest days of snapshots.", 7, minimum=1, maximum=35)
    },
    tags=["data-safety", "elasticache", "backup"],
)

STATEFUL_TYPES = (
    T.RDS_INSTANCE,
    T.RDS_CLUSTER,
    T.ELASTICACHE_REPLICATION_GROUP,
    T.ELASTICACHE_SERVERLESS,
    T.EFS_FILE_SYSTEM,
    T.DYNAMODB_TABLE,
)


def _check_protected(ctx: ResourceContext) -> None:
    if ctx.type not in set(config_list(ctx.config, "resourceTypes")):
        return
    if not ctx.args.opts.protect:
        ctx.violation(
            "protect (resource option)",
            "false",
            "true, so `pulumi destroy` or a replacement cannot delete the data",
        )


# Every type a stack may configure is listed here, so the servicer dispatches to this rule for
# them; the configured `resourceTypes` narrows it per stack.
PROTECTABLE_TYPES = (
    *STATEFUL_TYPES,
    T.S3_BUCKET,
    T.S3_BUCKET_V2,
    T.KMS_KEY,
    T.SECRET,
    T.ELASTICACHE_CLUSTER,
    T.EBS_VOLUME,
)

STATEFUL_PROTECTED = ResourceRule(
    name="stateful-resources-protected",
    description="Stateful resources (databases, caches, file systems) must carry `protect=True`.",
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Pass opts=pulumi.ResourceOptions(protect=True) (set from the stack's settings); "
        "unprotect deliberately with `pulumi state unprotect` before a planned delete."
    ),
    resource_types=PROTECTABLE_TYPES,
    check=_check_protected,
    unknowns="A resource option, always known.",
    config_properties={
        "resourceTypes": {
            "type": "array",
            "description": "Type tokens that must be protected.",
            "items": {"type": "string", "enum": list(PROTECTABLE_TYPES)},
            "uniqueItems": True,
            "default": list(STATEFUL_TYPES),
        }
    },
    tags=["data-safety"],
)
