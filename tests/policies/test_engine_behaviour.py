"""A database on a network file system is judged by what the container does (issue 22, item 4).

Properties guarded here:
- PROCESS: the program a container runs, wrappers peeled off, decides whether it is an engine;
  engines beyond the usual four are known with their data directories.
- NAME IS NOT BEHAVIOUR: a stated process that is not a server passes whatever the image is
  called; the image name speaks only for the image's default process.
- PLACEMENT: a network mount at, above or below a data directory is found, paths compared as the
  kernel resolves them.
- OTHER DRIVERS: EFS reached through FSx, NFS/SMB Docker volumes, rexray, or inherited through
  volumesFrom counts.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.policies.builders import container, record, stack_run
from tests.policies.support import synthetic_config_dir
from tools.offline.policy_driver import evaluate_packs, load_pack

load_pack("guardrails")
from perfcheck_guardrails.engine_behaviour import kernel_path, placement, programs  # noqa: E402

RULE = "no-database-on-efs"
STACK_RULE = "efs-not-used-by-database"
EFS = {"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-0123456789"}}


def _task(containers: list[dict[str, Any]], volumes: list[dict[str, Any]]) -> Any:
    return record(
        "prod",
        "aws:ecs/taskDefinition:TaskDefinition",
        "subject",
        {"family": "subject", "containerDefinitions": json.dumps(containers), "volumes": volumes},
    )


def _run(
    containers: list[dict[str, Any]], volumes: list[dict[str, Any]], rule: str = RULE
) -> list[str]:
    resources = [_task(containers, volumes)]
    if rule == STACK_RULE:
        resources.append(
            record(
                "prod",
                "aws:efs/fileSystem:FileSystem",
                "shared-fs",
                {"encrypted": True},
                computed={"id": "fs-0123456789"},
            )
        )
    report = evaluate_packs(
        stack_run(resources), "prod", synthetic_config_dir(), packs=("guardrails",)
    )
    return [v.message for v in report.for_policy(rule)]


def _c(image: str, mount: str | None = None, **fields: Any) -> dict[str, Any]:
    mounts = [{"sourceVolume": "data", "containerPath": mount}] if mount else []
    return container("store", image, None, mountPoints=mounts, **fields)


GENERIC = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/runtime:3"

ENGINES_BY_PROCESS = {
    "sh-c-exec-postgres": {"command": ["sh", "-c", "exec postgres -D /srv/pg"]},
    "docker-entrypoint-mysqld": {"entryPoint": ["docker-entrypoint.sh"], "command": ["mysqld"]},
    "gosu-redis-server": {"command": ["gosu", "redis", "redis-server", "--appendonly", "yes"]},
    "su-exec-mongod": {"command": ["su-exec", "mongodb:mongodb", "mongod", "--bind_ip_all"]},
    "tini-mariadbd": {"entryPoint": ["/sbin/tini", "-s", "--"], "command": ["mariadbd"]},
    "dumb-init-cassandra": {"entryPoint": ["dumb-init", "--"], "command": ["cassandra", "-f"]},
    "runuser-clickhouse": {"command": ["runuser", "-u", "clickhouse", "--", "clickhouse-server"]},
    "env-prefix-influxd": {"command": ["env", "INFLUXD_REPORTING_DISABLED=true", "influxd"]},
    "neo4j-console": {"command": ["/var/lib/neo4j/bin/neo4j", "console"]},
    "cockroach-start": {"command": ["cockroach", "start-single-node", "--insecure"]},
    "etcd": {"command": ["/usr/local/bin/etcd", "--data-dir", "/etcd-data"]},
    "kafka": {"command": ["bash", "-lc", "kafka-server-start.sh /etc/kafka/server.properties"]},
    "rabbitmq": {"command": ["rabbitmq-server"]},
    "opensearch-after-setup": {"command": ["sh", "-c", "ulimit -n 65536 && opensearch"]},
}


@pytest.mark.parametrize("fields", list(ENGINES_BY_PROCESS.values()), ids=list(ENGINES_BY_PROCESS))
def test_process_engine_started_by_a_wrapper_in_a_generic_image(fields: dict[str, Any]) -> None:
    found = _run([_c(GENERIC, "/mnt/shared", **fields)], [EFS])
    assert any("database server command" in m for m in found), found
    assert any("mountPoints" in m for m in found), found


PASSING = {
    "exporter-api-with-engine-in-name": _c(
        "acme/postgres-exporter-api:2", command=["node", "dist/server.js"]
    ),
    "redis-commander-default-process": _c("ghcr.io/joeferner/redis-commander:latest"),
    "mongo-named-api-running-node": _c("acme/mongo-api:1", command=["node", "server.js"]),
    "postgres-image-running-a-client-job": _c(
        "postgres:17-alpine", entryPoint=["sh", "-c"], command=["pg_dump -h db app > /tmp/x"]
    ),
    "efs-for-uploads-only": _c(
        GENERIC,
        "/app/uploads",
        command=["node", "server.js"],
        environment=[{"name": "DATABASE_HOST", "value": "db.internal"}],
    ),
}


@pytest.mark.parametrize("definition", list(PASSING.values()), ids=list(PASSING))
def test_name_is_not_behaviour_false_positives_pass(definition: dict[str, Any]) -> None:
    assert _run([definition], [EFS]) == []


def test_name_is_not_behaviour_default_process_of_an_engine_image_still_counts() -> None:
    """With no command, the image's default process runs: the engine image name speaks for it."""
    assert _run([_c("public.ecr.aws/docker/library/mariadb:11")], [])


PLACEMENT = {
    "engine-mount-one-level-above": (
        _c(GENERIC, "/var/lib", command=["mysqld"]),
        "mounted at /var/lib, above database data path /var/lib/mysql",
    ),
    "sqlite-file-under-the-mount": (
        _c(
            GENERIC,
            "/mnt/shared",
            command=["node", "server.js"],
            environment=[{"name": "DATABASE_URL", "value": "file:/mnt/shared/db/app.sqlite"}],
        ),
        "above database data path /mnt/shared/db",
    ),
    "kernel-normalised-mount-path": (
        _c("busybox:1.36", "//var/lib/./mysql/../mysql/"),
        "mounted at database data path /var/lib/mysql",
    ),
    "pgdata-below-the-mount": (
        _c(
            GENERIC,
            "/srv",
            command=["node", "x.js"],
            environment=[{"name": "PGDATA", "value": "/srv/pg/data"}],
        ),
        "above database data path /srv/pg/data",
    ),
}


@pytest.mark.parametrize(("definition", "fragment"), list(PLACEMENT.values()), ids=list(PLACEMENT))
def test_placement_mount_at_or_above_the_data_directory(
    definition: dict[str, Any], fragment: str
) -> None:
    found = _run([definition], [EFS])
    assert any(fragment in m for m in found), found


def test_placement_names_the_file_system_in_the_stack_rule() -> None:
    found = _run([_c(GENERIC, "/var/lib", command=["mysqld"])], [EFS], STACK_RULE)
    assert any("shared-fs" in m and "mysqld" in m for m in found), found


OTHER_DRIVERS = {
    "fsx-windows": {
        "name": "data",
        "fsxWindowsFileServerVolumeConfiguration": {
            "fileSystemId": "fs-1",
            "rootDirectory": "\\\\data",
        },
    },
    "rexray-efs-driver": {"name": "data", "dockerVolumeConfiguration": {"driver": "rexray/efs"}},
    "local-cifs": {
        "name": "data",
        "dockerVolumeConfiguration": {
            "driver": "local",
            "driverOpts": {"TYPE": "cifs", "device": "//files/db"},
        },
    },
    "local-nfs4-export": {
        "name": "data",
        "dockerVolumeConfiguration": {
            "driver": "local",
            "driverOpts": {"device": "nfs.internal:/exports/db", "o": "addr=10.0.0.5"},
        },
    },
}


@pytest.mark.parametrize("volume", list(OTHER_DRIVERS.values()), ids=list(OTHER_DRIVERS))
def test_other_drivers_network_mounts_at_a_data_path(volume: dict[str, Any]) -> None:
    found = _run([_c("busybox:1.36", "/var/lib/postgresql/data")], [volume])
    assert any("mounted at database data path" in m for m in found), found


def test_other_drivers_mount_inherited_through_volumes_from() -> None:
    holder = container(
        "holder",
        "busybox:1.36",
        None,
        essential=False,
        mountPoints=[{"sourceVolume": "data", "containerPath": "/var/lib/mysql"}],
    )
    engine = container(
        "db",
        GENERIC,
        None,
        command=["mysqld"],
        mountPoints=[],
        volumesFrom=[{"sourceContainer": "holder"}],
    )
    found = _run([holder, engine], [EFS])
    assert any("containerDefinitions[db].mountPoints" in m for m in found), found


def test_readers_match_the_runtime() -> None:
    assert kernel_path("//var/./lib/../lib/mysql/") == "/var/lib/mysql"
    assert kernel_path("/../..") == "/"
    assert placement("/", "/data/db") == "above"
    assert placement("/data/db/journal", "/data/db") == "below"
    assert placement("/data/dbx", "/data/db") is None
    assert programs("sh -c 'set -e; exec gosu postgres postgres -D /x'") == ["set", "postgres"]
