"""The local Compose setup runs what ECS runs: same service names, ports and variable names as
foundation/app_contract.py, and (once the offline runner exists) as the staging task definition."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from foundation import app_contract as contract
from foundation.records import UNKNOWN

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "local" / "compose.yaml"
COLLECTOR_FILE = ROOT / "local" / "otel-collector.yaml"

APP_CONTAINERS = {
    contract.NEXTJS: (
        contract.NEXTJS_DEFAULT_PORT,
        set(contract.NEXTJS_ENVIRONMENT),
        set(contract.NEXTJS_SECRETS),
    ),
    contract.HONO: (
        contract.HONO_DEFAULT_PORT,
        set(contract.HONO_ENVIRONMENT),
        set(contract.HONO_SECRETS),
    ),
}
OPTIONAL_SECRETS = {
    contract.INTERNAL_TOKEN_SECRET,
    contract.INTERNAL_TOKEN_PREVIOUS_SECRET,
    *contract.LOCAL_ONLY_SECRETS,
}
BACKING_PORTS = {
    "postgres": {contract.POSTGRES_PORT},
    "redis": {contract.REDIS_PORT},
    contract.OTEL: {contract.OTLP_GRPC_PORT, contract.OTLP_HTTP_PORT, contract.OTEL_HEALTH_PORT},
}


@functools.cache
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def services() -> dict[str, Any]:
    return compose()["services"]


def published(service: dict[str, Any]) -> list[tuple[str, int, int]]:
    """(host ip, host port, container port) for each `ports:` entry."""
    found = []
    for entry in service.get("ports", []):
        parts = str(entry).split(":")
        assert len(parts) == 3, f"publish ports as ip:host:container, got {entry!r}"
        found.append((parts[0], int(parts[1]), int(parts[2])))
    return found


def environment(name: str) -> dict[str, str]:
    env = services()[name].get("environment", {})
    assert isinstance(env, dict), f"{name}: write environment as a mapping"
    return {key: str(value) for key, value in env.items()}


def test_service_names_match_the_contract():
    assert {contract.NEXTJS, contract.HONO, contract.OTEL, "postgres", "redis", "jaeger"} <= set(
        services()
    )


@pytest.mark.parametrize("name", sorted(BACKING_PORTS))
def test_backing_service_ports_match_the_contract(name):
    ports = published(services()[name])
    assert {container for _, _, container in ports} == BACKING_PORTS[name]
    assert all(host == container for _, host, container in ports), "same port on the host"
    assert all(ip == "127.0.0.1" for ip, _, _ in ports), "publish on loopback only"


@pytest.mark.parametrize("name", sorted(APP_CONTAINERS))
def test_app_service_port_and_variable_names_match_the_contract(name):
    port, plain, secret = APP_CONTAINERS[name]
    assert [(host, container) for _, host, container in published(services()[name])] == [
        (port, port)
    ]
    env = environment(name)
    assert env["PORT"] == str(port)
    missing = (plain | secret) - set(env)
    unknown = set(env) - plain - secret - OPTIONAL_SECRETS
    assert not missing, f"{name}: variables the task definition sets but Compose lacks: {missing}"
    assert not unknown, f"{name}: variables Compose sets that the contract does not know: {unknown}"


@pytest.mark.parametrize("name", sorted(APP_CONTAINERS))
def test_app_service_points_at_the_local_services_on_contract_ports(name):
    env = environment(name)
    assert (env["REDIS_HOST"], env["REDIS_PORT"]) == ("redis", str(contract.REDIS_PORT))
    endpoint = re.fullmatch(r"http://([\w-]+):(\d+)", env["OTEL_EXPORTER_OTLP_ENDPOINT"])
    assert endpoint, env["OTEL_EXPORTER_OTLP_ENDPOINT"]
    assert endpoint.group(1) == contract.OTEL
    assert int(endpoint.group(2)) in {contract.OTLP_GRPC_PORT, contract.OTLP_HTTP_PORT}
    assert env["OTEL_SERVICE_NAME"] == name
    if name == contract.HONO:
        assert (env["DB_HOST"], env["DB_PORT"]) == ("postgres", str(contract.POSTGRES_PORT))
        assert env["NEXTJS_URL"] == f"http://{contract.NEXTJS}:{contract.NEXTJS_DEFAULT_PORT}"
    else:
        assert env["API_URL"] == f"http://{contract.HONO}:{contract.HONO_DEFAULT_PORT}"


@pytest.mark.parametrize("name", sorted(APP_CONTAINERS))
def test_credentials_come_from_the_local_env_file_never_from_the_compose_file(name):
    _, _, secret = APP_CONTAINERS[name]
    env = environment(name)
    for key in secret | (OPTIONAL_SECRETS & set(env)):
        assert re.fullmatch(r"\$\{" + key + r"(:[?-][^}]*)?\}", env[key]), (
            f"{name}.{key} must be interpolated from local/.env, not written in compose.yaml"
        )


def test_collector_config_uses_the_contract_ports_and_exports_traces_to_jaeger():
    config = yaml.safe_load(COLLECTOR_FILE.read_text(encoding="utf-8"))
    protocols = config["receivers"]["otlp"]["protocols"]
    assert protocols["grpc"]["endpoint"].endswith(f":{contract.OTLP_GRPC_PORT}")
    assert protocols["http"]["endpoint"].endswith(f":{contract.OTLP_HTTP_PORT}")
    assert config["extensions"]["health_check"]["endpoint"].endswith(
        f":{contract.OTEL_HEALTH_PORT}"
    )
    assert "health_check" in config["service"]["extensions"]
    traces = config["service"]["pipelines"]["traces"]
    assert "otlp" in traces["receivers"]
    endpoints = [config["exporters"][name].get("endpoint", "") for name in traces["exporters"]]
    assert any(endpoint.split(":")[0] == "jaeger" for endpoint in endpoints), endpoints


def test_compose_mounts_this_collector_config():
    mounts = services()[contract.OTEL]["volumes"]
    sources = [str(mount).split(":")[0] for mount in mounts]
    assert any((COMPOSE_FILE.parent / source).resolve() == COLLECTOR_FILE for source in sources)


# --- against the task definition the program registers (activates with tools.offline.runner) ---


@functools.cache
def staging_container_definitions() -> list[dict[str, Any]] | None:
    runner = pytest.importorskip(
        "tools.offline.runner", reason="tools/offline/runner.py (run_stack) is not on this branch"
    )
    run = runner.cached_run("staging")  # the session's shared run
    # The web task (one-off database tasks run no app container).
    task_definitions = [
        td for td in run.by_type("aws:ecs/taskDefinition:TaskDefinition") if td.name == "web-task"
    ]
    if not task_definitions:
        return None
    assert len(task_definitions) == 1, [td.name for td in task_definitions]
    raw = task_definitions[0].inputs.get("containerDefinitions")
    if raw is None or raw == UNKNOWN:
        return None
    return json.loads(raw) if isinstance(raw, str) else list(raw)


def _task_definition_or_skip() -> dict[str, dict[str, Any]]:
    definitions = staging_container_definitions()
    if definitions is None:
        pytest.skip(
            "the staging offline run registers no ECS task definition with known containers"
        )
    return {container["name"]: container for container in definitions}


def test_task_definition_containers_are_compose_services():
    containers = _task_definition_or_skip()
    assert set(containers) <= set(services()), set(containers) - set(services())


def test_task_definition_ports_are_published_by_compose():
    containers = _task_definition_or_skip()
    for name, container in containers.items():
        declared = {m["containerPort"] for m in container.get("portMappings") or []}
        composed = {c for _, _, c in published(services()[name])}
        assert declared <= composed, f"{name}: task definition ports {declared}, Compose {composed}"


@pytest.mark.parametrize("name", sorted(APP_CONTAINERS))
def test_task_definition_variable_names_match_compose(name):
    containers = _task_definition_or_skip()
    assert name in containers, f"no {name} container in the staging task definition"
    container = containers[name]
    ecs_names = {item["name"] for item in container.get("environment") or []}
    ecs_names |= {item["name"] for item in container.get("secrets") or []}
    compose_names = set(environment(name))
    assert ecs_names <= compose_names, f"{name}: only in ECS: {ecs_names - compose_names}"
    extra = compose_names - ecs_names - OPTIONAL_SECRETS
    assert not extra, f"{name}: only in Compose: {extra}"
