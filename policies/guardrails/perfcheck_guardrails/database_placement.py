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
DATA_DIRECTORY_VARIABLES = ("PGDATA", "POSTGRESQL_DATA_DIR", "MYSQL_DATADIR", "MARIADB_DATADIR")
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
    for word in keywords:
        if word.lower() in last:
            return word.lower()
    return None


_SEGMENT = re.compile(r"\$\(|`|&&|\|\||[;|&\n]")
_WRAPPERS = {"env", "exec", "sudo", "nohup", "time", "nice", "tini", "dumb-init", "--"}
_USER_WRAPPERS = {"gosu", "su-exec", "chpst", "setpriv"}
_ENTRYPOINTS = {"docker-entrypoint.sh", "docker-entrypoint", "entrypoint.sh"}


def _programs(text: str) -> list[str]:
    """The program each shell command in `text` runs (basename), wrappers and VAR=x skipped."""
    found: list[str] = []
    for segment in _SEGMENT.split(text):
        words = segment.replace("(", " ").replace(")", " ").split()
        index = 0
        while index < len(words):
            word = words[index].strip("\"'")
            base = word.rsplit("/", 1)[-1]
            if ("=" in word and not word.startswith("-")) or base in _WRAPPERS or word == "-":
                index += 1
            elif base in _USER_WRAPPERS:
                index += 2  # gosu postgres <program>
            elif base in _ENTRYPOINTS:
                index += 1
            elif base in ("sh", "bash", "ash", "dash", "zsh") and index + 1 < len(words):
                index += 1
                while index < len(words) and words[index].startswith("-"):
                    index += 1  # sh -c / -ec: the script's programs are found in its segments
            else:
                found.append(base)
                break
    return found


@dataclass(frozen=True)
class EngineSignal:
    """Why a container runs a database engine (None fields: that signal is absent)."""

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
    """Whether `container` runs a database engine, and the data directories it announces.

    An engine: a database image (configured names or keywords) running its default command or a
    server program; any image whose command runs a server program (postgres, mysqld, ...); or a
    container setting a variable only an engine reads (PGDATA, POSTGRES_PASSWORD, ...). A
    database image whose command runs only client tools (pg_dump, psql, ...) is a client job.
    """
    images = config_list(config, "databaseImages")
    image = database_image_match(
        values.get(container, "image"),
        images,
        config_list(config, "databaseImageKeywords"),
        config_list(config, "clientImageKeywords"),
    )
    servers = {s.lower() for s in config_list(config, "serverBinaries")}
    clients = {c.lower() for c in config_list(config, "clientTools")}
    entry = values.items(container, "entryPoint")
    command = values.items(container, "command")
    words = [w for w in [*entry, *command] if isinstance(w, str)]
    text = " ".join(words)
    programs = [p.lower() for p in _programs(text)] if text else []
    runs_server = next((p for p in programs if p in servers), None)
    if not entry and command and isinstance(command[0], str) and command[0].startswith("-"):
        runs_server = runs_server or "the image's server (flags passed to its entrypoint)"
    data_paths = set(_flag_paths(text))
    environment = values.items(container, "environment")
    env_names: dict[str, Any] = {}
    for item in environment if isinstance(environment, list) else ():
        name = values.get(item, "name")
        if isinstance(name, str):
            env_names[name] = values.get(item, "value")
    for variable in DATA_DIRECTORY_VARIABLES:
        path = env_names.get(variable)
        if isinstance(path, str) and path.startswith("/"):
            data_paths.add(path)
    engine_variables = [v for v in config_list(config, "databaseEnvironmentVariables")]
    variable = next((v for v in engine_variables if v in env_names), None)
    # A client job: its commands run a client tool and no server program.
    # (Client tools are found anywhere in the text: scripts call them through shell functions.)
    used = {word.rsplit("/", 1)[-1] for word in re.findall(r"[\w./-]+", text.lower())}
    client_only = runs_server is None and bool(used & clients)
    paths = tuple(sorted(data_paths))
    if runs_server is not None:
        prop = "entryPoint" if entry and not command else "command"
        return EngineSignal(f"a database server command ({runs_server})", paths, prop)
    if client_only:
        return EngineSignal(None, paths)
    if image is not None:
        return EngineSignal(f"a '{image}' database engine image", paths, "image")
    if variable is not None:
        return EngineSignal(f"a database engine setting ({variable})", paths, "environment")
    return EngineSignal(None, paths)


_DATA_FLAGS = re.compile(
    r"(?:^|\s)(?:-D|--pgdata|--datadir|--dbpath|--data-dir|--dir)[=\s]+([\"']?)(/[^\s\"';]*)"
)


def _flag_paths(text: str) -> list[str]:
    return [match.group(2) for match in _DATA_FLAGS.finditer(text)]


def under_data_path(path: Any, data_paths: Sequence[str]) -> str | None:
    if not isinstance(path, str):
        return None
    normalized = path.rstrip("/") or "/"
    for data_path in data_paths:
        base = data_path.rstrip("/")
        if normalized == base or normalized.startswith(base + "/"):
            return data_path
    return None


def is_network_volume(volume: Mapping[str, Any]) -> bool:
    """An EFS volume, or EFS/NFS reached through a Docker volume driver (EC2 launch type)."""
    if values.get(volume, "efsVolumeConfiguration") is not None:
        return True
    docker = values.get(volume, "dockerVolumeConfiguration")
    if not isinstance(docker, Mapping):
        return False
    driver = str(values.get(docker, "driver") or "").lower()
    options = values.get(docker, "driverOpts")
    options = options if isinstance(options, Mapping) else {}
    kind = str(options.get("type") or "").lower()
    device = str(options.get("device") or "") + " " + str(options.get("o") or "")
    return (
        "efs" in driver
        or "nfs" in driver
        or kind.startswith("nfs")
        or "efs" in kind
        or ".efs." in device
        or "fs-" in device
    )


def efs_volume_names(volumes: Any) -> set[str] | None:
    """Names of the task's EFS-backed volumes, EFS/NFS Docker volumes included (None when the
    volume list is unknown)."""
    if volumes is values.UNKNOWN:
        return None
    names: set[str] = set()
    for volume in volumes:
        if not isinstance(volume, Mapping):
            continue
        if is_network_volume(volume):
            name = values.get(volume, "name")
            if isinstance(name, str):
                names.add(name)
    return names


def _check_task_definition(ctx: ResourceContext) -> None:
    configured_paths = config_list(ctx.config, "databaseDataPaths")
    try:
        containers = values.container_definitions(ctx.props)
    except InvalidJson:
        ctx.violation("containerDefinitions", "not a JSON list of containers", "valid JSON")
        return
    if containers is values.UNKNOWN:
        ctx.unknown("containerDefinitions")
        return
    efs_volumes = efs_volume_names(ctx.items("volumes"))
    signals = engine_signals(containers or (), ctx.config, ctx.get("containerDefinitions"))
    for index, container in enumerate(containers or ()):
        label = values.container_label(container, index)
        signal = signals[index]
        if signal.why is not None:
            ctx.violation(
                f"{label}.{signal.prop}",
                signal.why,
                "no database engine in an ECS task (use Amazon RDS)",
            )
        paths = [*configured_paths, *signal.data_paths]
        for mount in values.items(container, "mountPoints"):
            if not isinstance(mount, Mapping):
                continue
            source = values.get(mount, "sourceVolume")
            path = under_data_path(values.get(mount, "containerPath"), paths)
            if path is None and signal.why is None:
                continue
            if efs_volumes is None:
                ctx.unknown("volumes")
            elif source in efs_volumes:
                where = f"database data path {path}" if path else "a database engine's container"
                ctx.violation(
                    f"{label}.mountPoints",
                    f"EFS volume '{source}' mounted at {where}",
                    "no database data on EFS (use Amazon RDS)",
                )


NO_DATABASE_ON_EFS = ResourceRule(
    name="no-database-on-efs",
    normalises=(
        "image reference to its repository (registry, tag and digest dropped); shell commands"
        " to the programs they run"
    ),
    description=(
        "ECS task definitions must not run a database engine or mount EFS at a database data "
        "path: EFS cannot give a database the I/O latency it needs. An engine is told by more "
        "than its image name: configured image names and keywords, a server program in the "
        "command (postgres, mysqld, ...), or an engine-only variable (PGDATA, POSTGRES_PASSWORD, "
        "...); data paths come from the config, PGDATA-style variables and -D/--datadir flags; "
        "EFS through efsVolumeConfiguration or an NFS/EFS Docker volume. A database image whose "
        "command runs only client tools (pg_dump, psql, ...) is a client job and passes."
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
        signals = engine_signals(
            containers or (), ctx.config, ctx.get(task, "containerDefinitions")
        )
        for index, container in enumerate(containers or ()):
            label = values.container_label(container, index)
            signal = signals[index]
            engine = signal.why
            paths = [*configured_paths, *signal.data_paths]
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
                why = engine if engine else f"database path {path}"
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

RULES = (NO_DATABASE_ON_EFS, EFS_NOT_USED_BY_DATABASE)
