"""What a container does, read the way the runtime reads it: its process, its data paths, its
mounts of network file systems.

A database on EFS is told by behaviour, not by the image's name: the program its command runs
once wrappers are peeled off (`sh -c "exec postgres"`, `docker-entrypoint.sh mysqld`, gosu,
su-exec, tini, dumb-init, runuser, ...), the data directory that program uses (its default, a
-D/--datadir-style flag, a PGDATA-style variable, an SQLite file), and whether a network file
system (EFS, FSx, an NFS/SMB Docker volume, a volume inherited through volumesFrom) is mounted at,
above or below that directory. Paths are compared after the kernel's normalisation (`//`, `/./`,
`..`, trailing slash), once, here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from perfcheck_policykit import values

from foundation.containers import kernel_path

ENGINE_DATA_DIRS: Final[dict[str, tuple[str, ...]]] = {
    "postgres": ("/var/lib/postgresql/data", "/var/lib/pgsql/data"),
    "postmaster": ("/var/lib/postgresql/data", "/var/lib/pgsql/data"),
    "pg_ctl": ("/var/lib/postgresql/data", "/var/lib/pgsql/data"),
    "pg_ctlcluster": ("/var/lib/postgresql",),
    "initdb": ("/var/lib/postgresql/data",),
    "mysqld": ("/var/lib/mysql",),
    "mysqld_safe": ("/var/lib/mysql",),
    "mariadbd": ("/var/lib/mysql",),
    "mariadbd-safe": ("/var/lib/mysql",),
    "mongod": ("/data/db", "/data/configdb"),
    "redis-server": ("/data",),
    "valkey-server": ("/data",),
    "keydb-server": ("/data",),
    "dragonfly": ("/data",),
    "cassandra": ("/var/lib/cassandra",),
    "scylla": ("/var/lib/scylla",),
    "elasticsearch": ("/usr/share/elasticsearch/data",),
    "opensearch": ("/usr/share/opensearch/data",),
    "clickhouse-server": ("/var/lib/clickhouse",),
    "clickhouse": ("/var/lib/clickhouse",),
    "influxd": ("/var/lib/influxdb2", "/var/lib/influxdb", "/root/.influxdbv2"),
    "neo4j": ("/data", "/var/lib/neo4j/data"),
    "cockroach": ("/cockroach/cockroach-data",),
    "etcd": ("/var/lib/etcd", "/etcd-data", "/default.etcd"),
    "rabbitmq-server": ("/var/lib/rabbitmq",),
    "kafka-server-start.sh": ("/var/lib/kafka/data", "/bitnami/kafka", "/tmp/kafka-logs"),
    "kafka-server-start": ("/var/lib/kafka/data", "/bitnami/kafka", "/tmp/kafka-logs"),
    "zookeeper-server-start.sh": ("/var/lib/zookeeper", "/data", "/datalog"),
    "zkserver.sh": ("/data", "/datalog"),
    "sqlservr": ("/var/opt/mssql",),
    "couchdb": ("/opt/couchdb/data",),
    "yugabyted": ("/root/var",),
    "minio": ("/data",),
    "nats-server": ("/data",),
    "meilisearch": ("/meili_data",),
    "qdrant": ("/qdrant/storage",),
    "typesense-server": ("/data",),
    "questdb": ("/var/lib/questdb",),
    "surreal": ("/data",),
    "arangod": ("/var/lib/arangodb3",),
    "rethinkdb": ("/data",),
    "memgraph": ("/var/lib/memgraph",),
    "prometheus": ("/prometheus",),
    "victoria-metrics": ("/victoria-metrics-data",),
    "victoria-metrics-prod": ("/victoria-metrics-data",),
    "vmstorage": ("/vmstorage-data",),
    "vmstorage-prod": ("/vmstorage-data",),
}
"""Database and message-store server programs -> the data directories they use by default."""

DATA_DIRECTORY_VARIABLES: Final = (
    "PGDATA",
    "POSTGRESQL_DATA_DIR",
    "MYSQL_DATADIR",
    "MARIADB_DATADIR",
    "MONGO_DBPATH",
    "ETCD_DATA_DIR",
    "RABBITMQ_MNESIA_BASE",
    "RABBITMQ_MNESIA_DIR",
    "KAFKA_LOG_DIRS",
    "KAFKA_CFG_LOG_DIRS",
    "ZOO_DATA_DIR",
    "ZOO_DATA_LOG_DIR",
    "NEO4J_SERVER_DIRECTORIES_DATA",
    "NEO4J_DBMS_DIRECTORIES_DATA",
    "INFLUXD_ENGINE_PATH",
    "INFLUXD_BOLT_PATH",
    "PATH_DATA",  # Elasticsearch/OpenSearch `path.data` as an environment setting
    "MEILI_DB_PATH",
    "QDRANT__STORAGE__STORAGE_PATH",
    "CASSANDRA_DATA_DIR",
)
"""Variables naming a data directory (upper-cased, '.' as '_'): whoever reads them is an engine."""

_DATA_FLAGS: Final = re.compile(
    r"(?:^|\s)(?:-D|--pgdata|--datadir|--dbpath|--data-dir|--data_dir|--data-path|--dir|"
    r"--store(?:=path)?|-Epath\.data|--path\.data|--storage\.tsdb\.path|-sd|--store_dir|"
    r"--db-path|-storageDataPath|--storage\.path)[=\s]{1,4}([\"']?)(/[^\s\"';,]{0,1024})"
)
_SQLITE_FILE: Final = re.compile(
    r"(?:sqlite3?:/{2,3}|file:)?(/[^\s\"';,?]{0,1024}\.(?:sqlite3?|db3?|duckdb))\b"
    r"|sqlite3?:/{2,3}(/[^\s\"';,?]{1,1024})"
)

_SEGMENT: Final = re.compile(r"\$\(|`|&&|\|\||[;|&\n]")
_SHELLS: Final = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh"})
_WRAPPERS: Final = frozenset(
    {
        "env",
        "exec",
        "sudo",
        "nohup",
        "time",
        "nice",
        "ionice",
        "stdbuf",
        "tini",
        "tini-static",
        "dumb-init",
        "catatonit",
        "eval",
        "--",
        "docker-entrypoint.sh",
        "docker-entrypoint",
        "entrypoint.sh",
        "/entrypoint.sh",
        "run.sh",
        *_SHELLS,
    }
)
"""Programs that run the next word as the process (their flags skipped)."""
_WRAPPERS_WITH_ARGUMENT: Final = frozenset(
    {"gosu", "su-exec", "chpst", "s6-setuidgid", "setuidgid", "runuser", "su", "timeout", "chroot"}
)
"""Programs whose first non-flag argument is a user, a duration or a directory, not the process."""


def placement(mount_path: str, data_dir: str) -> str | None:
    """How a mount relates to a data directory: 'at', 'above' (the directory is inside the
    mount), 'below' (part of the directory is on the mount), or None."""
    mount, data = kernel_path(mount_path), kernel_path(data_dir)
    if mount == data:
        return "at"
    if mount == "/" or data.startswith(mount + "/"):
        return "above"
    if mount.startswith(data + "/"):
        return "below"
    return None


def programs(text: str) -> list[str]:
    """The program each shell command in `text` runs (lower-case basename), wrappers, their
    flags and VAR=x prefixes peeled off."""
    found: list[str] = []
    for segment in _SEGMENT.split(text):
        words = [w.strip("\"'()") for w in segment.split()]
        index = 0
        while index < len(words):
            word = words[index]
            base = word.rsplit("/", 1)[-1].lower()
            if not word or word.startswith("-") or ("=" in word and not word.startswith("/")):
                index += 1  # a wrapper's flag, or VAR=value before the program
            elif base in _WRAPPERS:
                index += 1
            elif base in _WRAPPERS_WITH_ARGUMENT:
                index += 1
                while index < len(words) and words[index].startswith("-"):
                    index += 1
                index += 1  # the user / duration / directory
            else:
                found.append(base)
                break
    return found


@dataclass(frozen=True)
class Behaviour:
    """What one container does: the server program it runs (if any) and its data directories."""

    process_known: bool
    server: str | None
    data_dirs: tuple[str, ...]
    engine_variable: str | None


def _canonical(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()


def behaviour(
    container: Mapping[str, Any],
    servers: Iterable[str] = ENGINE_DATA_DIRS,
    engine_variables: Iterable[str] = (),
) -> Behaviour:
    """Read `container`'s process and data paths."""
    entry = values.items(container, "entryPoint")
    command = values.items(container, "command")
    entry = entry if isinstance(entry, list) else []
    command = command if isinstance(command, list) else []
    words = [w for w in [*entry, *command] if isinstance(w, str)]
    text = " ".join(words)
    only_flags = not entry and bool(command) and all(w.startswith("-") for w in words[:1])
    run = programs(text) if text else []
    # Only wrappers (a bare docker-entrypoint.sh) or only flags: the image's default process runs.
    process_known = bool(run) and not only_flags
    server_set = {s.lower() for s in servers}
    server = next((p for p in run if p in server_set), None)
    announced: list[str] = [m.group(2) for m in _DATA_FLAGS.finditer(text)]
    environment = values.items(container, "environment")
    env: dict[str, str] = {}
    for item in environment if isinstance(environment, list) else ():
        name, value = values.get(item, "name"), values.get(item, "value")
        if isinstance(name, str):
            env[_canonical(name)] = value if isinstance(value, str) else ""
    variable = None
    for name in DATA_DIRECTORY_VARIABLES:
        for path in (env.get(name) or "").split(","):
            path = path.strip()
            if path.startswith("/"):
                announced.append(path)
                variable = variable or name
    engine_only = {_canonical(v) for v in engine_variables}
    variable = variable or next((n for n in env if n in engine_only), None)
    for source in (text, *env.values()):
        for match in _SQLITE_FILE.finditer(source):
            path = match.group(1) or match.group(2)
            announced.append(path.rsplit("/", 1)[0] or "/" if match.group(1) else path)
    defaults = ENGINE_DATA_DIRS.get(server or "", ())
    return Behaviour(
        process_known=process_known,
        server=server,
        data_dirs=tuple(dict.fromkeys([*defaults, *announced])),
        engine_variable=variable,
    )


_NETWORK_DRIVERS: Final = ("efs", "nfs", "cifs", "smb", "gluster", "ceph", "rexray", "netshare")
_NETWORK_TYPES: Final = ("nfs", "cifs", "smb", "glusterfs", "ceph", "lustre", "fuse.sshfs", "efs")


def network_file_system(volume: Mapping[str, Any]) -> str | None:
    """What network file system a task volume is (None: local storage)."""
    if values.get(volume, "efsVolumeConfiguration") is not None:
        return "EFS"
    if values.get(volume, "fsxWindowsFileServerVolumeConfiguration") is not None:
        return "FSx for Windows File Server (SMB)"
    docker = values.get(volume, "dockerVolumeConfiguration")
    if isinstance(docker, Mapping):
        driver = str(values.get(docker, "driver") or "").lower()
        raw = values.get(docker, "driverOpts")
        options = (
            {str(k).lower(): str(v) for k, v in raw.items()} if isinstance(raw, Mapping) else {}
        )
        kind = options.get("type", "").lower()
        device = options.get("device", "")
        mount_options = options.get("o", "").lower()
        if any(d in driver for d in _NETWORK_DRIVERS):
            return f"a '{driver}' Docker volume"
        if any(kind.startswith(t) for t in _NETWORK_TYPES):
            return f"a Docker volume of type '{kind}'"
        if ".efs." in device or device.startswith(("fs-", "//")) or "addr=" in mount_options:
            return "a network Docker volume"
        if re.match(r"^[\w.-]+:/", device):
            return "an NFS export as a Docker volume"
    host = values.get(volume, "host")
    source = values.get(host, "sourcePath") if isinstance(host, Mapping) else None
    if isinstance(source, str) and re.search(r"(^|/)(efs|nfs)(/|$)", kernel_path(source)):
        return f"a host path on a network mount ({kernel_path(source)})"
    return None


def mounts(
    container: Mapping[str, Any], by_name: Mapping[str, Mapping[str, Any]]
) -> list[tuple[Any, Any]]:
    """(sourceVolume, containerPath) of each mount, those inherited through volumesFrom too."""
    found: list[tuple[Any, Any]] = []
    seen: set[int] = set()
    pending: list[Mapping[str, Any]] = [container]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        for mount in values.items(current, "mountPoints") or ():
            if isinstance(mount, Mapping):
                found.append(
                    (values.get(mount, "sourceVolume"), values.get(mount, "containerPath"))
                )
        for source in values.items(current, "volumesFrom") or ():
            name = values.get(source, "sourceContainer") if isinstance(source, Mapping) else None
            if isinstance(name, str) and name in by_name:
                pending.append(by_name[name])
    return found


def containers_by_name(containers: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {
        name: c
        for c in containers
        if isinstance(c, Mapping) and isinstance(name := values.get(c, "name"), str)
    }
