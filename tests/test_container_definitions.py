"""Container definitions (pure): non-root, read-only, health-checked, logged, secrets only via
`secrets`, and a valid ECS RegisterTaskDefinition request according to botocore's model.

The checks are plain functions of a containerDefinitions list, so the stack tests
(test_web_service.py) run the same ones on what the program registers.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import re
from collections.abc import Mapping
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from components.container_definitions import (
    NEXTJS_CACHE_DIR,
    OTEL_ENVIRONMENT,
    TMP_DIR,
    AppContainer,
    TaskContainers,
    app_environment,
    app_secrets,
    container_definitions,
    task_volumes,
    value_from,
)
from foundation.app_contract import (
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

SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/!+=.@-]+$")
ALLOWED_ENVIRONMENT = {
    NEXTJS: set(NEXTJS_ENVIRONMENT),
    HONO: set(HONO_ENVIRONMENT),
    OTEL: set(OTEL_ENVIRONMENT),
}
CREDENTIAL_NAMES = {*NEXTJS_SECRETS, *HONO_SECRETS, INTERNAL_TOKEN_SECRET}
CREDENTIAL_WORDS = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY$|CREDENTIAL", re.IGNORECASE)
SECRET_LOOKING = re.compile(r"[A-Za-z0-9+/=_-]{24,}")
"""A long unbroken run of token characters (with upper and lower case and digits, unlike a path
or a name): what a generated secret or key looks like."""


def looks_secret(value: str) -> bool:
    return any(
        re.search(r"[A-Z]", run) and re.search(r"[a-z]", run) and re.search(r"\d", run)
        for run in SECRET_LOOKING.findall(value)
    )


# --- checks (shared with the stack tests) ---------------------------------------------------


def writable_paths(container: Mapping[str, Any]) -> set[str]:
    return {m["containerPath"] for m in container.get("mountPoints", []) if not m.get("readOnly")}


def container_problems(
    definitions: list[dict[str, Any]], exec_enabled: bool, container_auth: bool
) -> list[str]:
    """Every broken rule of the task's containers, one line each (empty when all hold)."""
    problems: list[str] = []
    by_name = {c["name"]: c for c in definitions}
    if set(by_name) != {NEXTJS, HONO, OTEL}:
        problems.append(f"containers are {sorted(by_name)}; expected nextjs, hono, otel")
    for name, c in by_name.items():
        user = str(c.get("user", ""))
        if not user or user.split(":")[0] in ("0", "root"):
            problems.append(f"{name}: runs as root or without a user ({user!r})")
        if c.get("privileged"):
            problems.append(f"{name}: privileged")
        # Read-only everywhere, except in a task with ECS Exec on: its SSM agent runs in every
        # container, and AWS supports it only on a writable root filesystem.
        read_only = not exec_enabled
        if c.get("readonlyRootFilesystem") is not read_only:
            problems.append(f"{name}: readonlyRootFilesystem is not {read_only}")
        allowed = {TMP_DIR, NEXTJS_CACHE_DIR} if name == NEXTJS else {TMP_DIR}
        if name == OTEL:
            allowed = set()
        if not writable_paths(c) <= allowed:
            problems.append(f"{name}: writable {sorted(writable_paths(c) - allowed)}")
        if c.get("essential", True) and not c.get("healthCheck", {}).get("command"):
            problems.append(f"{name}: essential without a health check")
        logging = c.get("logConfiguration") or {}
        if logging.get("logDriver") != "awslogs" or not logging.get("options", {}).get(
            "awslogs-group"
        ):
            problems.append(f"{name}: no awslogs log configuration")
        for dependency in c.get("dependsOn", []):
            target = by_name.get(dependency["containerName"])
            if target is None:
                problems.append(f"{name}: depends on missing {dependency['containerName']}")
            elif dependency["condition"] == "HEALTHY" and not target.get("healthCheck"):
                problems.append(f"{name}: waits for {target['name']} HEALTHY, which has no check")
        problems += _environment_problems(name, c)
        problems += _secret_problems(name, c, container_auth)
    problems += _cycle_problems(by_name)
    if by_name.get(NEXTJS, {}).get("dependsOn") != [
        {"containerName": HONO, "condition": "HEALTHY"}
    ]:
        problems.append("nextjs must wait for hono HEALTHY")
    return problems


def _environment_problems(name: str, c: Mapping[str, Any]) -> list[str]:
    problems = []
    for variable in c.get("environment", []):
        key, value = variable["name"], str(variable.get("value", ""))
        if key not in ALLOWED_ENVIRONMENT.get(name, set()):
            problems.append(f"{name}: environment {key} is not in the app contract")
        if key in CREDENTIAL_NAMES or CREDENTIAL_WORDS.search(key):
            problems.append(f"{name}: credential {key} in environment")
        if looks_secret(value):
            problems.append(f"{name}: environment {key} has a value that looks like a secret")
    return problems


def _secret_problems(name: str, c: Mapping[str, Any], container_auth: bool) -> list[str]:
    expected = {NEXTJS: set(NEXTJS_SECRETS), HONO: set(HONO_SECRETS), OTEL: set()}[name]
    if container_auth and name != OTEL:
        expected = expected | {INTERNAL_TOKEN_SECRET, INTERNAL_TOKEN_PREVIOUS_SECRET}
    secrets = c.get("secrets", [])
    problems = []
    if {s["name"] for s in secrets} != expected:
        problems.append(
            f"{name}: secrets {sorted(s['name'] for s in secrets)} != {sorted(expected)}"
        )
    for secret in secrets:
        if not SECRET_ARN.match(secret_arn_of(secret["valueFrom"])):
            problems.append(f"{name}: {secret['name']} is not read from Secrets Manager")
    return problems


def _cycle_problems(by_name: Mapping[str, Mapping[str, Any]]) -> list[str]:
    def reaches(start: str, goal: str, seen: frozenset[str] = frozenset()) -> bool:
        for d in by_name.get(start, {}).get("dependsOn", []):
            nxt = d["containerName"]
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    return [f"{n}: dependency cycle" for n in by_name if reaches(n, n)]


def secret_arn_of(value_from: str) -> str:
    """The secret ARN of an ECS valueFrom (a JSON key suffix `:key:stage:version` removed)."""
    return ":".join(value_from.split(":")[:7])


@functools.cache
def _ecs_model() -> Any:
    return botocore.session.get_session().get_service_model("ecs")


def register_task_definition_problems(request: Mapping[str, Any]) -> list[str]:
    """What botocore's ECS model rejects in a RegisterTaskDefinition request: shape, required
    members, types, ranges (ParamValidator), plus enum values (which it does not check)."""
    shape = _ecs_model().operation_model("RegisterTaskDefinition").input_shape
    report = ParamValidator().validate(dict(request), shape)
    problems = [report.generate_report()] if report.has_errors() else []
    return problems + _enum_problems(request, shape, "request")


def _enum_problems(value: Any, shape: Any, where: str) -> list[str]:
    kind = shape.type_name
    if kind == "structure" and isinstance(value, Mapping):
        return [
            p
            for key, item in value.items()
            if key in shape.members
            for p in _enum_problems(item, shape.members[key], f"{where}.{key}")
        ]
    if kind == "list" and isinstance(value, list):
        return [
            p
            for i, item in enumerate(value)
            for p in _enum_problems(item, shape.member, f"{where}[{i}]")
        ]
    if kind == "map" and isinstance(value, Mapping):
        return [
            p
            for k, item in value.items()
            for p in _enum_problems(item, shape.value, f"{where}.{k}")
        ]
    if kind == "string" and getattr(shape, "enum", None) and value not in shape.enum:
        return [f"{where}: {value!r} not one of {shape.enum}"]
    return []


# --- a task built from plain values ---------------------------------------------------------

ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:"


def sample_definitions(exec_enabled: bool = False, container_auth: bool = True) -> list[dict]:
    return container_definitions(sample_spec(exec_enabled, container_auth))


def sample_spec(exec_enabled: bool = False, container_auth: bool = True) -> TaskContainers:
    nextjs_env, hono_env = app_environment(
        nextjs_port=3000,
        hono_port=8787,
        service_name_prefix="perfcheck-test",
        resource_attributes="deployment.environment=staging",
        db_host="db.example.internal",
        db_port=5432,
        db_name="perfcheck",
        db_username="perfcheck_app",
        redis_host="master.cache.example.internal",
        redis_port=6379,
        distribution_id="E2EXAMPLE",
    )

    def rotated(name: str) -> tuple[str, str]:
        arn = f"{ARN}perfcheck-test/{name}-Ab12Cd"
        return value_from(arn), value_from(arn, version_stage="AWSPREVIOUS")

    nextjs_secrets, hono_secrets = app_secrets(
        redis_auth_token=value_from(f"{ARN}perfcheck-test/redis-Ab12Cd"),
        revalidate_secret=rotated("revalidate"),
        server_actions_key=rotated("actions"),
        internal_token=rotated("internal") if container_auth else None,
    )
    spec = TaskContainers(
        region="eu-west-1",
        run_as_user="1001:1001",
        nextjs=AppContainer(
            "repo/nextjs:1", 3000, "/api/health", "/g/nextjs", nextjs_env, nextjs_secrets
        ),
        hono=AppContainer("repo/hono:1", 8787, "/health", "/g/hono", hono_env, hono_secrets),
        otel_image="public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3",
        otel_config="receivers:\n  otlp: {}\n",
        otel_log_group="/g/otel",
        exec_enabled=exec_enabled,
        readonly_root_filesystem=not exec_enabled,
    )
    return spec


def sample_request(definitions: list[dict]) -> dict[str, Any]:
    return {
        "family": "perfcheck-test-web",
        "taskRoleArn": "arn:aws:iam::123456789012:role/task",
        "executionRoleArn": "arn:aws:iam::123456789012:role/execution",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "1024",
        "memory": "2048",
        "runtimePlatform": {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
        "containerDefinitions": definitions,
        "volumes": task_volumes(),
    }


@pytest.mark.parametrize("exec_enabled", [False, True])
@pytest.mark.parametrize("container_auth", [False, True])
def test_built_containers_keep_every_rule(exec_enabled: bool, container_auth: bool) -> None:
    definitions = sample_definitions(exec_enabled, container_auth)
    assert container_problems(definitions, exec_enabled, container_auth) == []
    assert register_task_definition_problems(sample_request(definitions)) == []


def _mutated(change: Any) -> list[str]:
    definitions = copy.deepcopy(sample_definitions())
    by_name = {c["name"]: c for c in definitions}
    change(by_name)
    return container_problems(definitions, exec_enabled=False, container_auth=True)


@pytest.mark.parametrize(
    "change,expected",
    [
        (lambda c: c[HONO].pop("user"), "hono: runs as root"),
        (lambda c: c[OTEL].update(user="0:0"), "otel: runs as root"),
        (
            lambda c: c[NEXTJS].update(readonlyRootFilesystem=False),
            "nextjs: readonlyRootFilesystem",
        ),
        (lambda c: c[OTEL].pop("healthCheck"), "otel: essential without a health check"),
        (lambda c: c[HONO].pop("healthCheck"), "nextjs: waits for hono HEALTHY"),
        (lambda c: c[HONO].pop("logConfiguration"), "hono: no awslogs"),
        (
            lambda c: c[HONO]["environment"].append({"name": "DB_PASSWORD", "value": "x"}),
            "hono: credential DB_PASSWORD in environment",
        ),
        (
            lambda c: c[NEXTJS]["environment"].append(
                {"name": "REDIS_HOST", "value": "Mock6cb945e2255ad889eae5a0adf7397ca7"}
            ),
            "looks like a secret",
        ),
        (
            lambda c: c[NEXTJS]["mountPoints"].append(
                {"sourceVolume": "x", "containerPath": "/app", "readOnly": False}
            ),
            "nextjs: writable ['/app']",
        ),
        (
            lambda c: c[OTEL]["dependsOn"].append({"containerName": NEXTJS, "condition": "START"}),
            "dependency cycle",
        ),
        (lambda c: c[HONO]["secrets"].pop(), "hono: secrets"),
    ],
)
def test_each_broken_rule_is_caught(change: Any, expected: str) -> None:
    assert any(expected in problem for problem in _mutated(change)), _mutated(change)


def test_botocore_model_rejects_a_malformed_request() -> None:
    definitions = sample_definitions()
    definitions[0]["healthCheck"]["interval"] = "ten"
    definitions[1]["dependsOn"][0]["condition"] = "READY"
    problems = register_task_definition_problems(sample_request(definitions))
    assert any("interval" in p for p in problems) and any("READY" in p for p in problems)


def test_secrets_are_read_by_arn_and_json_key() -> None:
    assert value_from(f"{ARN}db-Ab12Cd", "password") == f"{ARN}db-Ab12Cd:password::"
    assert value_from(f"{ARN}token-Ab12Cd") == f"{ARN}token-Ab12Cd"
    assert secret_arn_of(f"{ARN}db-Ab12Cd:password::") == f"{ARN}db-Ab12Cd"


def test_internal_token_goes_to_both_apps_only_when_container_auth_is_on() -> None:
    for auth in (True, False):
        by_name = {c["name"]: c for c in sample_definitions(container_auth=auth)}
        for app in (NEXTJS, HONO):
            names = {s["name"] for s in by_name[app]["secrets"]}
            assert (INTERNAL_TOKEN_SECRET in names) is auth


def test_hono_waits_for_the_collector_to_start_and_nextjs_for_hono_to_be_healthy() -> None:
    by_name = {c["name"]: c for c in sample_definitions()}
    assert by_name[HONO]["dependsOn"] == [{"containerName": OTEL, "condition": "START"}]
    assert by_name[NEXTJS]["dependsOn"] == [{"containerName": HONO, "condition": "HEALTHY"}]
    assert by_name[OTEL]["dependsOn"] == []


def test_health_checks_need_no_curl_and_hit_the_configured_path() -> None:
    by_name = {c["name"]: c for c in sample_definitions()}
    nextjs = by_name[NEXTJS]["healthCheck"]["command"]
    assert nextjs[:3] == ["CMD", "node", "-e"] and "http://127.0.0.1:3000/api/health" in nextjs[3]
    assert "http://127.0.0.1:8787/health" in by_name[HONO]["healthCheck"]["command"][3]
    assert by_name[OTEL]["healthCheck"]["command"] == ["CMD", "/healthcheck"]
    commands = [" ".join(c["healthCheck"]["command"]) for c in by_name.values()]
    assert not any(tool in cmd for cmd in commands for tool in ("curl", "wget"))


def test_only_tmp_and_the_next_cache_are_writable_mounts_with_or_without_ecs_exec() -> None:
    by_name = {c["name"]: c for c in sample_definitions()}
    assert writable_paths(by_name[NEXTJS]) == {"/tmp", "/app/.next/cache"}
    assert writable_paths(by_name[HONO]) == {"/tmp"}
    assert writable_paths(by_name[OTEL]) == set()
    # ECS Exec gets a writable root (what AWS supports), no mounts over the SSM agent's paths.
    with_exec = {c["name"]: c for c in sample_definitions(exec_enabled=True)}
    assert writable_paths(with_exec[HONO]) == {"/tmp"}
    assert [c["readonlyRootFilesystem"] for c in with_exec.values()] == [False] * 3
    volumes = {v["name"] for v in task_volumes()}
    mounted = {m["sourceVolume"] for c in by_name.values() for m in c["mountPoints"]}
    assert mounted == volumes


def test_app_environment_is_exactly_the_contract() -> None:
    nextjs, hono = app_environment(
        nextjs_port=3000,
        hono_port=8787,
        service_name_prefix="p",
        resource_attributes="a=b",
        db_host="h",
        db_port=5432,
        db_name="d",
        db_username="perfcheck_app",
        redis_host="r",
        redis_port=6379,
        distribution_id="E1",
    )
    assert set(nextjs) == set(NEXTJS_ENVIRONMENT) and set(hono) == set(HONO_ENVIRONMENT)
    assert hono["DB_SSLMODE"] == "require" and hono["REDIS_TLS"] == nextjs["REDIS_TLS"] == "true"
    assert nextjs["API_URL"] == "http://127.0.0.1:8787"
    assert hono["NEXTJS_URL"] == "http://127.0.0.1:3000"
    assert nextjs["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4318"


@pytest.mark.parametrize(("exec_enabled", "read_only", "refused"), [
    (True, True, True),  # AWS: ECS Exec is not supported with a read-only root filesystem
    (True, False, False),
    (False, True, False),
    (False, False, False),
])  # fmt: skip
def test_ecs_exec_on_a_read_only_root_is_refused_not_worked_around(
    exec_enabled: bool, read_only: bool, refused: bool
) -> None:
    spec = dataclasses.replace(
        sample_spec(), exec_enabled=exec_enabled, readonly_root_filesystem=read_only
    )
    if refused:
        with pytest.raises(ValueError, match="ECS Exec"):
            container_definitions(spec)
        return
    by_name = {c["name"]: c for c in container_definitions(spec)}
    for name in (NEXTJS, HONO, OTEL):  # ECS Exec's agent runs in each container of the task
        assert by_name[name]["readonlyRootFilesystem"] is read_only
