"""No database on EFS: the problem this project exists to remove.

EFS is built for shared throughput, not the low-latency random I/O of a database engine; a
PostgreSQL data directory on EFS was the app's main bottleneck. A database belongs on RDS. Two
rules: one judges each task definition on its own (a database engine image, or an EFS volume
mounted at a database data path), one follows EFS file systems to the containers that mount them
(stack policy), so the file system itself is named.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

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

from foundation.containers import kernel_path

from .engine_behaviour import (
    ENGINE_DATA_DIRS,
    behaviour,
    containers_by_name,
    mounts,
    network_file_system,
    placement,
)

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
    "mssql-server",
    "oracle/database",
    # PostgreSQL-compatible and derived images
    "pgvector",
    "supabase/postgres",
    "citus",
    "yugabyte",
    "crunchy-postgres",
    "crunchy-postgres-gis",
    "spilo",
    "spilo-16",
    "spilo-17",
    "paradedb",
    "postgres-ha",
    "greenplum",
    "edb-postgres-advanced",
    "percona-postgresql",
    "percona-distribution-postgresql",
    "orioledb",
    "cloudnative-pg/postgresql",
    "pgrouting",
    # other engines that keep data on disk
    "percona",
    "percona-xtradb-cluster",
    "tidb",
    "mongodb",
    "ferretdb",
    "redis",
    "redis-stack-server",
    "valkey",
    "keydb",
    "dragonfly",
    "elasticsearch",
    "opensearch",
    "scylla",
    "couchbase",
    "arangodb",
    "rethinkdb",
    "memgraph",
    "questdb",
    "surrealdb",
    "etcd",
    "minio",
)
DATABASE_IMAGE_KEYWORDS = (
    "postgres",
    "postgis",
    "timescale",
    "mysql",
    "mariadb",
    "mongo",
    "cockroach",
    "yugabyte",
    "citus",
)
CLIENT_IMAGE_KEYWORDS = (
    "exporter",
    "client",
    "pgbouncer",
    "pgadmin",
    "adminer",
    "backup",
    "migrat",
    "proxy",
    "operator",
    "pgcat",
    "odyssey",
)
APPLICATION_WORDS = frozenset(
    {
        "api",
        "app",
        "web",
        "ui",
        "admin",
        "service",
        "svc",
        "worker",
        "gateway",
        "dashboard",
        "console",
        "cli",
        "sync",
        "frontend",
        "backend",
        "bff",
    }
)
"""Whole words of an image's repository name that say it is an application built around an
engine, not the engine: `perfcheck-mysql-admin-api` serves MySQL's users, `postgres16-custom`
is PostgreSQL. Matched as words (split at - _ .), so `rapid` is not `api`. Only the image-name
guess yields to them: a container whose command or variables run an engine is judged by those."""
_NAME_WORDS = re.compile(r"[-_.]+")
DATABASE_ENVIRONMENT = (
    "PGDATA",
    "POSTGRES_PASSWORD",
    "POSTGRES_INITDB_ARGS",
    "POSTGRES_INITDB_WALDIR",
    "POSTGRES_HOST_AUTH_METHOD",
    "POSTGRESQL_PASSWORD",
    "POSTGRESQL_DATA_DIR",
    "MYSQL_ROOT_PASSWORD",
    "MYSQL_ALLOW_EMPTY_PASSWORD",
    "MYSQL_RANDOM_ROOT_PASSWORD",
    "MARIADB_ROOT_PASSWORD",
    "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD",
    "MONGO_INITDB_ROOT_USERNAME",
    "MONGO_INITDB_DATABASE",
)
SERVER_BINARIES = (
    "postgres",
    "postmaster",
    "pg_ctl",
    "pg_ctlcluster",
    "initdb",
    "mysqld",
    "mysqld_safe",
    "mariadbd",
    "mongod",
    "redis-server",
    "valkey-server",
    "keydb-server",
    "clickhouse-server",
    "influxd",
    "sqlservr",
    "cockroach",
    "etcd",
    "yugabyted",
    "couchdb",
    "neo4j",
)
CLIENT_TOOLS = (
    "pg_dump",
    "pg_dumpall",
    "pg_restore",
    "psql",
    "pg_isready",
    "vacuumdb",
    "reindexdb",
    "clusterdb",
    "createdb",
    "dropdb",
    "pgbench",
    "mysqldump",
    "mysql",
    "mariadb",
    "mariadb-dump",
    "mysqlcheck",
    "mongodump",
    "mongorestore",
    "mongosh",
    "mongo",
    "mongoexport",
    "mongoimport",
    "redis-cli",
    "valkey-cli",
    "clickhouse-client",
    "sqlcmd",
    "cqlsh",
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
    "databaseImageKeywords": schema.string_list(
        "Words that make any image repository a database image when its last segment contains "
        "them (e.g. 'myorg/postgres16-custom'), unless it also contains a client keyword.",
        DATABASE_IMAGE_KEYWORDS,
    ),
    "clientImageKeywords": schema.string_list(
        "Words that mark an image as a database client or tool, not an engine "
        "(e.g. 'postgres-exporter', 'pgbouncer').",
        CLIENT_IMAGE_KEYWORDS,
    ),
    "databaseEnvironmentVariables": schema.string_list(
        "Environment variables only a database engine reads (initialisation, data directory): "
        "a container that sets one runs an engine, whatever its image is called.",
        DATABASE_ENVIRONMENT,
    ),
    "serverBinaries": schema.string_list(
        "Database server programs: a container whose command runs one runs an engine.",
        SERVER_BINARIES,
    ),
    "clientTools": schema.string_list(
        "Database client programs: a container of a database image whose command runs only "
        "these (e.g. pg_dump) is a one-off client job, not an engine.",
        CLIENT_TOOLS,
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


def database_image_match(
    image: Any,
    database_images: Sequence[str],
    keywords: Sequence[str] = (),
    client_keywords: Sequence[str] = (),
) -> str | None:
    """The configured database image name (or keyword) `image` runs, if any."""
    if not isinstance(image, str) or not image:
        return None
    repository = image_repository(image)
    for candidate in database_images:
        candidate = candidate.lower()
        if repository == candidate or repository.endswith("/" + candidate):
            return candidate
    last = repository.rsplit("/", 1)[-1]
    if any(word.lower() in last for word in client_keywords):
        return None
    if any(word.rstrip("0123456789") in APPLICATION_WORDS for word in _NAME_WORDS.split(last)):
        return None
    for word in keywords:
        if word.lower() in last:
            return word.lower()
    return None


@dataclass(frozen=True)
class EngineSignal:
    """Why a container runs a database engine (None: it does not), and its data directories."""

    why: str | None
    data_paths: tuple[str, ...]
    prop: str = "image"


_SIGNAL_KEYS = (
    "databaseImages",
    "databaseImageKeywords",
    "clientImageKeywords",
    "databaseEnvironmentVariables",
    "serverBinaries",
    "clientTools",
)


def engine_signals(
    containers: Sequence[Mapping[str, Any]], config: Mapping[str, Any], text: Any = None
) -> list[EngineSignal]:
    """`engine_signal` of each container; cached per containerDefinitions text and config."""
    if isinstance(text, str):
        key = tuple(tuple(config_list(config, k)) for k in _SIGNAL_KEYS)
        return list(_cached_signals(text, key))
    return [engine_signal(c, config) for c in containers]


@functools.lru_cache(maxsize=128)
def _cached_signals(text: str, key: tuple[tuple[str, ...], ...]) -> tuple[EngineSignal, ...]:
    config = {name: list(value) for name, value in zip(_SIGNAL_KEYS, key, strict=True)}
    containers = values.container_definitions({"containerDefinitions": text})
    return tuple(engine_signal(c, config) for c in containers or ())


def engine_signal(container: Mapping[str, Any], config: Mapping[str, Any]) -> EngineSignal:
    """Whether `container` runs a database engine, judged by what it does.

    The process decides when the container states one: a server program after wrappers are
    peeled off (postgres, mysqld, mongod, ... `sh -c "exec postgres"`, `gosu mysql mysqld`) is an
    engine whatever the image is called; any other program (node, pg_dump, a health probe) is
    not, whatever the image is called (`acme/postgres-exporter-api`, `redis-commander`). Only
    when the image's default process runs (no entryPoint/command, or flags only) does the image
    name tell the process: configured engine images and keywords, or an engine-only variable.
    """
    servers = {*(s.lower() for s in config_list(config, "serverBinaries")), *ENGINE_DATA_DIRS}
    seen = behaviour(container, servers, config_list(config, "databaseEnvironmentVariables"))
    data_paths = seen.data_dirs
    if seen.server is not None:
        entry = values.items(container, "entryPoint")
        command = values.items(container, "command")
        prop = "entryPoint" if entry and not command else "command"
        return EngineSignal(f"a database server command ({seen.server})", data_paths, prop)
    if seen.process_known:
        return EngineSignal(None, data_paths)
    image = database_image_match(
        values.get(container, "image"),
        config_list(config, "databaseImages"),
        config_list(config, "databaseImageKeywords"),
        config_list(config, "clientImageKeywords"),
    )
    if image is not None:
        return EngineSignal(f"a '{image}' database engine image", data_paths, "image")
    if seen.engine_variable is not None:
        return EngineSignal(
            f"a database engine setting ({seen.engine_variable})",
            data_paths,
            "environment",
        )
    return EngineSignal(None, data_paths)


def mount_findings(
    container: Mapping[str, Any],
    signal: EngineSignal,
    network_volumes: Mapping[Any, str],
    configured_paths: Sequence[str],
    by_name: Mapping[str, Mapping[str, Any]],
) -> list[tuple[Any, str]]:
    """(volume, what) for each mount of a network file system that holds database data: any
    such mount of an engine's container; a mount at, above or below a data directory the
    container names (flag, variable, SQLite file) or its engine uses; a mount at or below a
    configured data path."""
    found: list[tuple[Any, str]] = []
    for source, container_path in mounts(container, by_name):
        kind = network_volumes.get(source)
        if kind is None or not isinstance(container_path, str):
            continue
        mounted = kernel_path(container_path)
        volume = (
            f"EFS volume '{source}'"
            if kind == "EFS" or "nfs" in kind.lower() or "efs" in kind.lower()
            else f"network file system volume '{source}' ({kind})"
        )
        what = None
        for data_dir in [*signal.data_paths, *configured_paths]:
            where = placement(mounted, data_dir)
            if where is None or (where == "above" and data_dir not in signal.data_paths):
                continue  # a configured path counts only at or below: any mount sits above one
            target = kernel_path(data_dir)
            what = (
                f"{volume} mounted at {mounted}, above database data path {target}"
                if where == "above"
                else f"{volume} mounted at database data path {target}"
            )
            break
        if what is None and signal.why is not None:
            what = f"{volume} mounted at a database engine's container ({mounted})"
        if what is not None:
            found.append((source, what))
    return found


ENGINE_SPECIFIC_DATA_DIRS: Final = tuple(
    sorted(
        {
            path
            for paths in ENGINE_DATA_DIRS.values()
            for path in paths
            if path.count("/") >= 2 and path.split("/")[1] not in ("tmp", "root")
        }
    )
)
"""Every engine's default data directory that names the engine's own place (/var/lib/rabbitmq,
/qdrant/storage): a network file system mounted at or below one holds that engine's data
whatever the image is called or runs. Generic places (/data, /tmp/..., /root/...) are left to
the engine's process, as an application may keep files there."""


BATCH_JOB_DEFINITION: Final = "aws:batch/jobDefinition:JobDefinition"


def _batch_workloads(ctx: ResourceContext) -> list[tuple[str, list[Any], Any]] | None:
    """A Batch job definition's containers as (label, containers, volumes), read like a task
    definition's: `containerProperties` (one container, its volumes inside) and
    `ecsProperties.taskProperties[]` (containers and volumes per task). None when unknown."""
    found: list[tuple[str, list[Any], Any]] = []
    for prop in ("containerProperties", "ecsProperties"):
        try:
            parsed = values.parse_json_property(ctx.get(prop))
        except InvalidJson:
            ctx.violation(prop, "not valid JSON", "a JSON object")
            continue
        if parsed is values.UNKNOWN:
            ctx.unknown(prop)
            return None
        if not isinstance(parsed, Mapping):
            continue
        if prop == "containerProperties":
            found.append((prop, [{"name": "job", **parsed}], values.items(parsed, "volumes")))
            continue
        for index, task in enumerate(values.items(parsed, "taskProperties") or ()):
            found.append(
                (
                    f"{prop}.taskProperties[{index}]",
                    list(values.items(task, "containers") or ()),
                    values.items(task, "volumes"),
                )
            )
    return found


def _check_task_definition(ctx: ResourceContext) -> None:
    if ctx.type == BATCH_JOB_DEFINITION:
        for prefix, containers, volumes in _batch_workloads(ctx) or ():
            _judge_containers(ctx, containers, volumes, None, prefix + ".")
        return
    try:
        containers = values.container_definitions(ctx.props)
    except InvalidJson:
        ctx.violation("containerDefinitions", "not a JSON list of containers", "valid JSON")
        return
    if containers is values.UNKNOWN:
        ctx.unknown("containerDefinitions")
        return
    _judge_containers(
        ctx, containers or [], ctx.items("volumes"), ctx.get("containerDefinitions"), ""
    )


def _judge_containers(
    ctx: ResourceContext, containers: Sequence[Any], volumes: Any, text: Any, prefix: str
) -> None:
    """Engines and database data on network file systems, for one set of containers."""
    configured_paths = [*config_list(ctx.config, "databaseDataPaths"), *ENGINE_SPECIFIC_DATA_DIRS]
    signals = engine_signals(containers, ctx.config, text)
    by_name = containers_by_name(containers)
    for index, container in enumerate(containers):
        label = prefix + values.container_label(container, index)
        signal = signals[index]
        if signal.why is not None:
            ctx.violation(
                f"{label}.{signal.prop}",
                signal.why,
                "no database engine in an ECS task (use Amazon RDS)",
            )
        if volumes is values.UNKNOWN:
            if mounts(container, by_name) and (signal.why or signal.data_paths or configured_paths):
                ctx.unknown("volumes")
            continue
        network = network_volumes(volumes)
        for _source, what in mount_findings(container, signal, network, configured_paths, by_name):
            ctx.violation(
                f"{label}.mountPoints",
                what,
                "no database data on a network file system (use Amazon RDS)",
            )


def network_volumes(volumes: Sequence[Any]) -> dict[Any, str]:
    """Task volume name -> what network file system it is (local volumes left out)."""
    found: dict[Any, str] = {}
    for volume in volumes:
        if isinstance(volume, Mapping):
            kind = network_file_system(volume)
            if kind is not None:
                found[values.get(volume, "name")] = kind
    return found


NO_DATABASE_ON_EFS = ResourceRule(
    name="no-database-on-efs",
    normalises=(
        "image reference to its repository (registry, tag and digest dropped); shell commands"
        " to the programs they run (wrappers peeled off); container paths as the kernel resolves"
        " them (//, /./, .., trailing /)"
    ),
    description=(
        "ECS task definitions and Batch job definitions (containerProperties, ecsProperties) "
        "must not run a database engine or keep database data on a network "
        "file system: EFS cannot give a database the I/O latency it needs. An engine is told by "
        "what the container does: the program its command runs once wrappers are peeled off "
        "(sh -c, docker-entrypoint.sh, gosu, su-exec, tini, dumb-init, ...; postgres, mysqld, "
        "mongod, redis-server, cassandra, elasticsearch, clickhouse, influxd, neo4j, cockroach, "
        "etcd, kafka, rabbitmq, ...); the image name only when the image's default process runs. "
        "Data directories come from the engine's defaults, -D/--datadir-style flags, "
        "PGDATA-style variables, SQLite files and the config; a mount of EFS, FSx or an NFS/SMB "
        "Docker volume (also through volumesFrom) at, above or below one is refused, paths "
        "compared after the kernel's normalisation. A stateless program in a database-named "
        "image (postgres-exporter, redis-commander) and a client job (pg_dump) pass."
    ),
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Move the database to Amazon RDS (Multi-AZ) and point the app at its endpoint; remove the "
        "database container and its EFS volume from the task definition."
    ),
    resource_types=[T.ECS_TASK_DEFINITION, BATCH_JOB_DEFINITION],
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
    configured_paths = config_list(ctx.config, "databaseDataPaths")
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
        efs_only = {name: "EFS" for name in by_volume}
        signals = engine_signals(
            containers or (), ctx.config, ctx.get(task, "containerDefinitions")
        )
        by_name = containers_by_name(containers or ())
        for index, container in enumerate(containers or ()):
            label = values.container_label(container, index)
            signal = signals[index]
            for source, what in mount_findings(
                container, signal, efs_only, configured_paths, by_name
            ):
                systems = _efs_file_systems_of_volume(ctx, task, by_volume[source])
                if systems is None:
                    ctx.unknown(task, "volumes.efsVolumeConfiguration.fileSystemId")
                    continue
                why = signal.why or what
                for system in systems:
                    ctx.violation(
                        system,
                        "use",
                        f"a mount by {label} ({why}) of task definition '{task.name}'",
                        "no database on EFS (use Amazon RDS)",
                    )


EFS_NOT_USED_BY_DATABASE = StackRule(
    name="efs-not-used-by-database",
    normalises="image reference to its repository; shell commands to the programs they run",
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
