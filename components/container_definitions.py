"""The task's containerDefinitions, built from plain values (no Pulumi here, so no mocks to test).

Three containers share one task (one network namespace, so container-to-container calls stay on
the loopback, well under a millisecond):

- `nextjs` serves the ALB; it waits for `hono` to be HEALTHY, because its pages call the API.
- `hono` waits for `otel` to START only: telemetry must never gate serving. The OTel SDKs batch
  for seconds before their first export and retry, by which time the collector listens; waiting
  for HEALTHY would add a health-check interval to every task start (and to every scale-out under
  load) for nothing. `otel` is essential anyway, and restarts in place if it crashes.
- `otel` is the ADOT collector; its config arrives in AOT_CONFIG_CONTENT (see otel_config.py).

Every container runs as a non-root user with a read-only root filesystem. The only writable paths
are bind mounts on the task's ephemeral storage: `/tmp` and the Next.js cache dir. On Fargate a
bind mount starts owned by root with mode 0755, unless the image has the directory: the image
must create `/tmp` (mode 1777) and `/app/.next/cache` (owned by the run-as user) and declare them
as VOLUMEs, and ECS then copies that ownership (ECS developer guide, "Bind mounts").
Health checks use `node -e` (the app images are Node 18+, with global fetch) and the ADOT image's
own `/healthcheck` binary, so no image needs curl or wget.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from components.otel_config import LOOPBACK, otlp_http_endpoint
from foundation.app_contract import (
    DB_LOGIN_IAM,
    HONO,
    HONO_ENVIRONMENT,
    HONO_SECRETS,
    INTERNAL_TOKEN_PREVIOUS_SECRET,
    INTERNAL_TOKEN_SECRET,
    NEXTJS,
    NEXTJS_ENVIRONMENT,
    NEXTJS_SECRETS,
    OTEL,
)
from foundation.aws_limits import ecs_exec_problem

OTEL_ENVIRONMENT = ("AOT_CONFIG_CONTENT",)
"""The collector's only variable: its configuration (no credential in it)."""
OTEL_USER = "10001:10001"
"""The collector's own non-root uid:gid, apart from the apps'."""
NEXTJS_CACHE_DIR = "/app/.next/cache"
TMP_DIR = "/tmp"

APP_START_TIMEOUT = 120
"""Seconds nextjs may wait for hono to turn HEALTHY before the task gives up."""
APP_STOP_TIMEOUT = 30
"""Seconds between SIGTERM and SIGKILL: in-flight requests finish (the ALB has already drained)."""
OTEL_STOP_TIMEOUT = 20
"""ECS stops dependents first, so the collector stops last and flushes what the apps sent."""
RESTART_POLICY = {"enabled": True, "ignoredExitCodes": [0], "restartAttemptPeriod": 60}
"""Restart a crashed container in place (Fargate 1.4.0) rather than replace the whole task."""


@dataclass(frozen=True)
class AppContainer:
    """One Node app container."""

    image: str
    port: int
    health_path: str
    log_group: str
    environment: Mapping[str, str]
    secrets: Mapping[str, str]
    """Variable name -> Secrets Manager valueFrom (`<arn>` or `<arn>:<json key>::`)."""


@dataclass(frozen=True)
class TaskContainers:
    """Everything the three container definitions are made of, as plain values."""

    region: str
    run_as_user: str
    nextjs: AppContainer
    hono: AppContainer
    otel_image: str
    otel_config: str
    otel_log_group: str
    exec_enabled: bool = False
    readonly_root_filesystem: bool = True
    """Every container's root filesystem. ECS Exec starts its SSM agent in each container of the
    task, and AWS does not support it on a read-only root (foundation/aws_limits.py):
    container_definitions refuses the pair rather than mount over the agent's paths, an
    unsupported workaround."""


def value_from(arn: str, json_key: str | None = None, version_stage: str | None = None) -> str:
    """An ECS secrets valueFrom: the whole secret, or one key of a JSON secret; by default the
    AWSCURRENT version at task start (never a pinned version id, so a task a rollback starts
    reads today's value), or the version carrying `version_stage` (AWSPREVIOUS)."""
    if version_stage:
        return f"{arn}:{json_key or ''}:{version_stage}:"
    return f"{arn}:{json_key}::" if json_key else arn


def app_environment(
    *,
    nextjs_port: int,
    hono_port: int,
    service_name_prefix: str,
    resource_attributes: str,
    db_host: str,
    db_port: int,
    db_name: str,
    db_username: str,
    redis_host: str,
    redis_port: int,
    distribution_id: str,
) -> tuple[dict[str, str], dict[str, str]]:
    """The plain variables of (nextjs, hono): exactly the names app_contract.py lists.

    In-task URLs use 127.0.0.1, not `localhost`: Next.js listens on 0.0.0.0 (IPv4), and Node may
    resolve `localhost` to ::1 first.
    """
    otlp = otlp_http_endpoint()
    shared = {
        "NODE_ENV": "production",
        "REDIS_HOST": redis_host,
        "REDIS_PORT": str(redis_port),
        "REDIS_TLS": "true",
        "OTEL_EXPORTER_OTLP_ENDPOINT": otlp,
        "OTEL_RESOURCE_ATTRIBUTES": resource_attributes,
        "CLOUDFRONT_DISTRIBUTION_ID": distribution_id,
    }
    nextjs = {
        **shared,
        "PORT": str(nextjs_port),
        "HOSTNAME": "0.0.0.0",  # the ALB reaches Next.js on the task's ENI address
        "API_URL": f"http://{LOOPBACK}:{hono_port}",
        "OTEL_SERVICE_NAME": f"{service_name_prefix}-{NEXTJS}",
    }
    hono = {
        **shared,
        "PORT": str(hono_port),
        "DB_HOST": db_host,
        "DB_PORT": str(db_port),
        "DB_NAME": db_name,
        "DB_SSLMODE": "require",
        "DB_USERNAME": db_username,
        "DB_LOGIN": DB_LOGIN_IAM,
        "NEXTJS_URL": f"http://{LOOPBACK}:{nextjs_port}",
        "OTEL_SERVICE_NAME": f"{service_name_prefix}-{HONO}",
    }
    _require_names(NEXTJS, "environment", nextjs, NEXTJS_ENVIRONMENT)
    _require_names(HONO, "environment", hono, HONO_ENVIRONMENT)
    return nextjs, hono


def app_secrets(
    *,
    redis_auth_token: str,
    revalidate_secret: tuple[str, str],
    server_actions_key: tuple[str, str],
    internal_token: tuple[str, str] | None,
) -> tuple[dict[str, str], dict[str, str]]:
    """The valueFrom of each credential of (nextjs, hono). Rotated shared secrets come as
    (current, previous) pairs of valueFrom; the internal token goes to both when
    container-to-container authentication is on (pass None when it is off). No database
    credential: the app logs in with IAM."""
    nextjs = {
        "REDIS_AUTH_TOKEN": redis_auth_token,
        "REVALIDATE_SECRET": revalidate_secret[0],
        "REVALIDATE_SECRET_PREVIOUS": revalidate_secret[1],
        "NEXT_SERVER_ACTIONS_ENCRYPTION_KEY": server_actions_key[0],
        "NEXT_SERVER_ACTIONS_ENCRYPTION_KEY_PREVIOUS": server_actions_key[1],
    }
    hono = {
        "REDIS_AUTH_TOKEN": redis_auth_token,
        "REVALIDATE_SECRET": revalidate_secret[0],
        "REVALIDATE_SECRET_PREVIOUS": revalidate_secret[1],
    }
    _require_names(NEXTJS, "secrets", nextjs, NEXTJS_SECRETS)
    _require_names(HONO, "secrets", hono, HONO_SECRETS)
    if internal_token is not None:
        for container in (nextjs, hono):
            container[INTERNAL_TOKEN_SECRET] = internal_token[0]
            container[INTERNAL_TOKEN_PREVIOUS_SECRET] = internal_token[1]
    return nextjs, hono


def _require_names(
    container: str, kind: str, values: Mapping[str, str], expected: tuple[str, ...]
) -> None:
    if set(values) != set(expected):
        raise ValueError(
            f"{container} {kind} {sorted(values)} differ from app_contract {sorted(expected)}"
        )


def node_health_check(port: int, path: str) -> dict[str, Any]:
    """A container health check that needs only node: 2xx from the app's health path."""
    script = (
        f"fetch('http://{LOOPBACK}:{port}{path}',{{signal:AbortSignal.timeout(4000)}})"
        ".then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
    )
    return {
        "command": ["CMD", "node", "-e", script],
        "interval": 10,
        "timeout": 5,
        "retries": 3,
        "startPeriod": 30,
    }


def otel_health_check() -> dict[str, Any]:
    """The ADOT image's own checker: GET 127.0.0.1:13133 (the health_check extension)."""
    return {
        "command": ["CMD", "/healthcheck"],
        "interval": 10,
        "timeout": 5,
        "retries": 3,
        "startPeriod": 10,
    }


def writable_mounts(container: str) -> list[tuple[str, str]]:
    """(volume name, container path) of each writable mount of an app container."""
    paths = [TMP_DIR]
    if container == NEXTJS:
        paths.append(NEXTJS_CACHE_DIR)
    return [(_volume_name(container, path), path) for path in paths]


def _volume_name(container: str, path: str) -> str:
    slug = path.strip("/").replace("/", "-").replace(".", "")
    return f"{container}-{slug}"


def task_volumes() -> list[dict[str, str]]:
    """The task's bind-mount volumes (no host path: Fargate ephemeral storage, per task)."""
    names = [name for container in (NEXTJS, HONO) for name, _path in writable_mounts(container)]
    return [{"name": name} for name in names]


def _logging(region: str, group: str, prefix: str) -> dict[str, Any]:
    return {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": group,
            "awslogs-region": region,
            "awslogs-stream-prefix": prefix,
            # A slow CloudWatch must not block the app's stdout; 25 MB buffers a burst.
            "mode": "non-blocking",
            "max-buffer-size": "25m",
        },
    }


def _pairs(values: Mapping[str, str], value_key: str) -> list[dict[str, str]]:
    return [{"name": name, value_key: values[name]} for name in sorted(values)]


def _app_container(
    name: str,
    app: AppContainer,
    spec: TaskContainers,
    depends_on: list[dict[str, str]],
) -> dict[str, Any]:
    linux: dict[str, Any] = {"initProcessEnabled": True}  # PID 1 forwards SIGTERM, reaps zombies
    if not spec.exec_enabled:
        # Node needs no capability to listen above 1024. Kept at Docker's defaults only where the
        # SSM agent of ECS Exec runs inside the container.
        linux["capabilities"] = {"drop": ["ALL"]}
    return {
        "name": name,
        "image": app.image,
        "essential": True,
        "user": spec.run_as_user,
        "readonlyRootFilesystem": spec.readonly_root_filesystem,
        "privileged": False,
        "portMappings": [
            {
                "name": f"{name}-http",
                "containerPort": app.port,
                "hostPort": app.port,
                "protocol": "tcp",
                "appProtocol": "http",
            }
        ],
        "environment": _pairs(app.environment, "value"),
        "secrets": _pairs(app.secrets, "valueFrom"),
        "mountPoints": [
            {"sourceVolume": volume, "containerPath": path, "readOnly": False}
            for volume, path in writable_mounts(name)
        ],
        "volumesFrom": [],
        "healthCheck": node_health_check(app.port, app.health_path),
        "dependsOn": depends_on,
        "startTimeout": APP_START_TIMEOUT,
        "stopTimeout": APP_STOP_TIMEOUT,
        "restartPolicy": dict(RESTART_POLICY),
        "versionConsistency": "enabled",
        "linuxParameters": linux,
        "logConfiguration": _logging(spec.region, app.log_group, name),
    }


def container_definitions(spec: TaskContainers) -> list[dict[str, Any]]:
    """The three container definitions, in ECS API form (what RegisterTaskDefinition takes)."""
    problem = ecs_exec_problem(spec.exec_enabled, spec.readonly_root_filesystem)
    if problem:
        raise ValueError(f"ECS Exec on: {problem}")
    nextjs = _app_container(
        NEXTJS, spec.nextjs, spec, [{"containerName": HONO, "condition": "HEALTHY"}]
    )
    hono = _app_container(HONO, spec.hono, spec, [{"containerName": OTEL, "condition": "START"}])
    otel = {
        "name": OTEL,
        "image": spec.otel_image,
        "essential": True,
        "user": OTEL_USER,
        "readonlyRootFilesystem": spec.readonly_root_filesystem,
        "privileged": False,
        "cpu": 128,
        "memoryReservation": 256,
        "portMappings": [],
        "environment": [{"name": "AOT_CONFIG_CONTENT", "value": spec.otel_config}],
        "secrets": [],
        "mountPoints": [],
        "volumesFrom": [],
        "healthCheck": otel_health_check(),
        "dependsOn": [],
        "stopTimeout": OTEL_STOP_TIMEOUT,
        "restartPolicy": dict(RESTART_POLICY),
        "versionConsistency": "enabled",
        "linuxParameters": {"capabilities": {"drop": ["ALL"]}},
        "logConfiguration": _logging(spec.region, spec.otel_log_group, OTEL),
    }
    return [nextjs, hono, otel]
