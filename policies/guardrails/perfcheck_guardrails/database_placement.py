"""No database on EFS: the problem this project exists to remove.

EFS is built for shared throughput, not the low-latency random I/O of a database engine; a
PostgreSQL data directory on EFS was the app's main bottleneck. A database belongs on RDS. Two
rules: one judges each task definition on its own (a database engine image, or an EFS volume
mounted at a database data path), one follows EFS file systems to the containers that mount them
(stack policy), so the file system itself is named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from perfcheck_policykit import (
    InvalidJson,
    ResourceContext,
    ResourceRule,
    StackContext,
    StackRule,
    schema,
    values,
)
from perfcheck_policykit import aws_types as T
from perfcheck_policykit.rules import config_list
from pulumi_policy import Severity

DATABASE_IMAGES = (
    "postgres",
    "postgresql",
    "postgis",
    "timescaledb",
    "timescaledb-ha",
    "mysql",
    "mysql-server",
    "mariadb",
    "percona-server",
    "mongo",
    "mongodb-community-server",
    "mongodb-enterprise-server",
    "cockroach",
    "cassandra",
    "couchdb",
    "neo4j",
    "clickhouse-server",
    "influxdb",
    "mssql/server",
    "oracle/database",
)
DATABASE_DATA_PATHS = (
    "/var/lib/postgresql",
    "/var/lib/pgsql",
    "/pgdata",
    "/bitnami/postgresql",
    "/var/lib/mysql",
    "/bitnami/mysql",
    "/bitnami/mariadb",
    "/data/db",
    "/var/lib/mongodb",
    "/bitnami/mongodb",
    "/var/opt/mssql",
    "/var/lib/neo4j",
    "/var/lib/cassandra",
    "/var/lib/clickhouse",
    "/var/lib/influxdb",
    "/cockroach/cockroach-data",
)

CONFIG = {
    "databaseImages": schema.string_list(
        "Image repository names (last path segments, e.g. 'postgres', 'mssql/server') that run a "
        "database engine.",
        DATABASE_IMAGES,
    ),
    "databaseDataPaths": schema.string_list(
        "Container paths (and everything below) where database engines keep their data.",
        DATABASE_DATA_PATHS,
        pattern="^/",
    ),
}


def image_repository(image: str) -> str:
    """'public.ecr.aws/docker/library/postgres:16@sha256:..' -> 'docker/library/postgres'."""
    without_digest = image.split("@", 1)[0]
    last_slash = without_digest.rfind("/")
    colon = without_digest.rfind(":")
    if colon > last_slash:
        without_digest = without_digest[:colon]
    parts = without_digest.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]  # drop the registry host
    return "/".join(parts).lower()


def database_image_match(image: Any, database_images: Sequence[str]) -> str | None:
    """The configured database image name `image` runs, if any."""
    if not isinstance(image, str) or not image:
        return None
    repository = image_repository(image)
    for candidate in database_images:
        candidate = candidate.lower()
        if repository == candidate or repository.endswith("/" + candidate):
            return candidate
    return None


def under_data_path(path: Any, data_paths: Sequence[str]) -> str | None:
    if not isinstance(path, str):
        return None
    normalized = path.rstrip("/") or "/"
    for data_path in data_paths:
        base = data_path.rstrip("/")
        if normalized == base or normalized.startswith(base + "/"):
            return data_path
    return None


def efs_volume_names(volumes: Any) -> set[str] | None:
    """Names of the task's EFS-backed volumes (None when the volume list is unknown)."""
    if volumes is values.UNKNOWN:
        return None
    names: set[str] = set()
    for volume in volumes:
        if not isinstance(volume, Mapping):
            continue
        if values.get(volume, "efsVolumeConfiguration") is not None:
            name = values.get(volume, "name")
            if isinstance(name, str):
                names.add(name)
    return names


def _check_task_definition(ctx: ResourceContext) -> None:
    images = config_list(ctx.config, "databaseImages")
    paths = config_list(ctx.config, "databaseDataPaths")
    try:
        containers = values.container_definitions(ctx.props)
    except InvalidJson:
        ctx.violation("containerDefinitions", "not a JSON list of containers", "valid JSON")
        return
    if containers is values.UNKNOWN:
        ctx.unknown("containerDefinitions")
        return
    efs_volumes = efs_volume_names(ctx.items("volumes"))
    for index, container in enumerate(containers or ()):
        label = values.container_label(container, index)
        engine = database_image_match(values.get(container, "image"), images)
        if engine is not None:
            ctx.violation(
                f"{label}.image",
                f"a '{engine}' database engine image",
                "no database engine in an ECS task (use Amazon RDS)",
            )
        for mount in values.items(container, "mountPoints"):
            if not isinstance(mount, Mapping):
                continue
            path = under_data_path(values.get(mount, "containerPath"), paths)
            if path is None:
                continue
            source = values.get(mount, "sourceVolume")
            if efs_volumes is None:
                ctx.unknown("volumes")
            elif source in efs_volumes:
                ctx.violation(
                    f"{label}.mountPoints",
                    f"EFS volume '{source}' mounted at database data path {path}",
                    "no database data on EFS (use Amazon RDS)",
                )


NO_DATABASE_ON_EFS = ResourceRule(
    name="no-database-on-efs",
    description=(
        "ECS task definitions must not run a database engine or mount EFS at a database data "
        "path: EFS cannot give a database the I/O latency it needs."
    ),
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Move the database to Amazon RDS (Multi-AZ) and point the app at its endpoint; remove the "
        "database container and its EFS volume from the task definition."
    ),
    resource_types=[T.ECS_TASK_DEFINITION],
    check=_check_task_definition,
    unknowns=(
        "containerDefinitions unknown: not judged (note). volumes unknown while a container mounts "
        "a database path: note."
    ),
    config_properties=CONFIG,
    tags=["database", "efs", "ecs"],
)


def _efs_file_systems_of_volume(
    ctx: StackContext, task: Any, volume: Mapping[str, Any]
) -> list[Any] | None:
    efs = values.get(volume, "efsVolumeConfiguration")
    file_system_id = values.get(efs, "fileSystemId")
    access_point = values.get(efs, "authorizationConfig", "accessPointId")
    systems = ctx.index.references(task, "volumes", file_system_id, [T.EFS_FILE_SYSTEM])
    if access_point is not None and (systems is None or not systems):
        points = ctx.index.references(task, "volumes", access_point, [T.EFS_ACCESS_POINT])
        for point in points or ():
            found = ctx.index.references(
                point, "fileSystemId", ctx.get(point, "fileSystemId"), [T.EFS_FILE_SYSTEM]
            )
            if found:
                systems = [*(systems or []), *found]
    return systems


def _check_efs_users(ctx: StackContext) -> None:
    images = config_list(ctx.config, "databaseImages")
    paths = config_list(ctx.config, "databaseDataPaths")
    if not ctx.index.of_type(T.EFS_FILE_SYSTEM):
        return
    for task in ctx.index.of_type(T.ECS_TASK_DEFINITION):
        try:
            containers = values.container_definitions(task.props)
        except InvalidJson:
            continue  # no-database-on-efs reports it
        volumes = ctx.items(task, "volumes")
        if containers is values.UNKNOWN or volumes is values.UNKNOWN:
            ctx.unknown(task, "containerDefinitions" if containers is values.UNKNOWN else "volumes")
            continue
        by_volume = {
            values.get(v, "name"): v
            for v in volumes
            if isinstance(v, Mapping) and values.get(v, "efsVolumeConfiguration") is not None
        }
        if not by_volume:
            continue
        for index, container in enumerate(containers or ()):
            label = values.container_label(container, index)
            engine = database_image_match(values.get(container, "image"), images)
            for mount in values.items(container, "mountPoints"):
                if not isinstance(mount, Mapping):
                    continue
                volume = by_volume.get(values.get(mount, "sourceVolume"))
                if volume is None:
                    continue
                path = under_data_path(values.get(mount, "containerPath"), paths)
                if engine is None and path is None:
                    continue
                systems = _efs_file_systems_of_volume(ctx, task, volume)
                if systems is None:
                    ctx.unknown(task, "volumes.efsVolumeConfiguration.fileSystemId")
                    continue
                why = f"database engine '{engine}'" if engine else f"database path {path}"
                for system in systems:
                    ctx.violation(
                        system,
                        "use",
                        f"a mount by {label} ({why}) of task definition '{task.name}'",
                        "no database on EFS (use Amazon RDS)",
                    )


EFS_NOT_USED_BY_DATABASE = StackRule(
    name="efs-not-used-by-database",
    description=(
        "An EFS file system must not hold a database: no database container and no database "
        "data path may mount it (followed from task definition volumes to the file system)."
    ),
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Migrate the data to Amazon RDS, then remove the EFS volume from the task definition and "
        "delete the file system once the data is safe."
    ),
    resource_types=[T.ECS_TASK_DEFINITION, T.EFS_FILE_SYSTEM, T.EFS_ACCESS_POINT],
    check=_check_efs_users,
    unknowns=(
        "Follows fileSystemId by value, else by the engine's property dependencies of 'volumes'; "
        "when neither tells, a note names the task definition."
    ),
    config_properties=CONFIG,
    tags=["database", "efs", "ecs"],
)

RULES = (NO_DATABASE_ON_EFS, EFS_NOT_USED_BY_DATABASE)
