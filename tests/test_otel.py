"""Tracing: the collector's config (OTLP in, X-Ray and CloudWatch EMF out), the X-Ray sampling
rules and group, and the task-role grants telemetry needs (and nothing more)."""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any

import pytest
import yaml
from test_web_service import (
    containers,
    environment,
    granted,
    role_document,
    stack_settings,
    task_definition,
)

from components.otel_config import collector_config_yaml, metrics_namespace
from foundation.app_contract import HONO, NEXTJS, OTEL, OTEL_HEALTH_PORT, OTLP_HTTP_PORT
from foundation.records import StackRun
from settings import SettingsError, settings_from_config
from tools.offline.runner import cached_run, stack_config

SAMPLING_RULE = "aws:xray/samplingRule:SamplingRule"


@pytest.fixture(params=["staging", "prod"])
def web_run(request: pytest.FixtureRequest) -> StackRun:
    return cached_run(request.param)


def sample_config() -> dict[str, Any]:
    text = collector_config_yaml(
        region="eu-west-1",
        namespace="perfcheck/test",
        metrics_log_group="/perfcheck/x/otel-metrics",
    )
    return yaml.safe_load(text)


def config_problems(config: dict[str, Any]) -> list[str]:
    """A pipeline naming an undeclared component, or a listener reachable off the task."""
    problems = []
    service = config["service"]
    for extension in service["extensions"]:
        if extension not in config.get("extensions", {}):
            problems.append(f"extension {extension} is not configured")
    for name, pipeline in service["pipelines"].items():
        for kind in ("receivers", "processors", "exporters"):
            for component in pipeline[kind]:
                if component not in config.get(kind, {}):
                    problems.append(f"{name}: {kind[:-1]} {component} is not configured")

    def endpoints(value: Any) -> list[str]:
        if isinstance(value, dict):
            found = [v for k, v in value.items() if k == "endpoint" and isinstance(v, str)]
            return found + [e for v in value.values() for e in endpoints(v)]
        return []

    for endpoint in endpoints(config.get("receivers", {})) + endpoints(
        config.get("extensions", {})
    ):
        if not endpoint.startswith("127.0.0.1:"):
            problems.append(f"{endpoint} listens beyond the task's loopback")
    return problems


def test_collector_config_is_consistent_and_loopback_only() -> None:
    config = sample_config()
    assert config_problems(config) == []
    broken = sample_config()
    broken["service"]["pipelines"]["traces"]["exporters"] = ["otlp"]
    broken["receivers"]["otlp"]["protocols"]["http"]["endpoint"] = "0.0.0.0:4318"
    assert len(config_problems(broken)) == 2


def test_traces_go_to_xray_and_metrics_to_cloudwatch_emf() -> None:
    config = sample_config()
    pipelines = config["service"]["pipelines"]
    assert pipelines["traces"]["receivers"] == pipelines["metrics"]["receivers"] == ["otlp"]
    assert pipelines["traces"]["exporters"] == ["awsxray"]
    assert pipelines["metrics"]["exporters"] == ["awsemf"]
    assert pipelines["traces"]["processors"][0] == "memory_limiter"  # first, to shed load
    emf = config["exporters"]["awsemf"]
    assert (
        emf["namespace"] == "perfcheck/test"
        and emf["log_group_name"] == "/perfcheck/x/otel-metrics"
    )
    assert config["processors"]["batch/traces"]["send_batch_size"] <= 50  # PutTraceSegments limit
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(
        f":{OTLP_HTTP_PORT}"
    )


def test_health_extension_is_where_the_adot_healthcheck_binary_looks() -> None:
    """ADOT's /healthcheck GETs 127.0.0.1:13133 by default (cmd/healthcheck in its repo)."""
    config = sample_config()
    assert config["extensions"]["health_check"]["endpoint"] == f"127.0.0.1:{OTEL_HEALTH_PORT}"
    assert "health_check" in config["service"]["extensions"]


def test_namespace_is_per_stack_and_not_aws_reserved() -> None:
    assert metrics_namespace("perfcheck", "prod") != metrics_namespace("perfcheck", "staging")
    assert not metrics_namespace("perfcheck", "prod").startswith("AWS/")


# --- in the stack --------------------------------------------------------------------------


def collector_config_of(run: StackRun) -> dict[str, Any]:
    (variable,) = containers(run)[OTEL]["environment"]
    assert variable["name"] == "AOT_CONFIG_CONTENT"
    return yaml.safe_load(variable["value"])


def test_the_collector_runs_the_stack_config(web_run: StackRun) -> None:
    config = collector_config_of(web_run)
    assert config_problems(config) == []
    emf = config["exporters"]["awsemf"]
    assert emf["namespace"] == metrics_namespace("perfcheck", web_run.stack)
    groups = {
        g.inputs["name"]: g.inputs for g in web_run.by_type("aws:cloudwatch/logGroup:LogGroup")
    }
    assert groups[emf["log_group_name"]]["retentionInDays"] > 0
    assert config["exporters"]["awsxray"]["region"] == "eu-west-1"


def test_task_role_grants_exactly_what_telemetry_needs(web_run: StackRun) -> None:
    statements = role_document(web_run, task_definition(web_run).inputs["taskRoleArn"])
    config = collector_config_of(web_run)
    for action in ("xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules"):
        assert granted(statements, action) == ["*"]  # X-Ray has no resource-level permissions
    emf_group = config["exporters"]["awsemf"]["log_group_name"]
    writable = granted(statements, "logs:PutLogEvents")
    emf_arns = [arn for arn in writable if f":log-group:{emf_group}" in arn]
    assert emf_arns and all(
        f":log-group:{emf_group}" in arn or "ecs-exec" in arn for arn in writable
    )
    (metrics,) = [s for s in statements if "cloudwatch:PutMetricData" in json.dumps(s["Action"])]
    assert metrics["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": config["exporters"]["awsemf"]["namespace"]}
    }
    assert not granted(statements, "logs:CreateLogGroup")


def test_sampling_rules_cover_the_apps_and_skip_health_checks(web_run: StackRun) -> None:
    settings, _ = stack_settings(web_run.stack)
    services = [environment(web_run, app)["OTEL_SERVICE_NAME"] for app in (NEXTJS, HONO)]
    rules = [r.inputs for r in web_run.by_type(SAMPLING_RULE)]
    assert all(len(rule["ruleName"]) <= 32 for rule in rules)
    for service in services:
        matching = sorted(
            (r for r in rules if fnmatch.fnmatchcase(service, r["serviceName"])),
            key=lambda r: r["priority"],
        )
        assert matching[-1]["urlPath"] == "*"
        assert matching[-1]["fixedRate"] == settings.service.trace_sample_rate
    health_paths = {
        re.search(
            r"http://127\.0\.0\.1:\d+(/[^']*)",
            containers(web_run)[app]["healthCheck"]["command"][3],
        )[1]
        for app in (NEXTJS, HONO)
    }
    skipped = {r["urlPath"] for r in rules if r["fixedRate"] == 0 and r["reservoirSize"] == 0}
    assert health_paths <= skipped and settings.service.nextjs.health_path in skipped
    default = max(r["priority"] for r in rules)
    assert all(r["priority"] < default for r in rules if r["fixedRate"] == 0)


def test_xray_group_shows_both_apps(web_run: StackRun) -> None:
    (group,) = [g.inputs for g in web_run.by_type("aws:xray/group:Group")]
    for app in (NEXTJS, HONO):
        assert (
            f'service("{environment(web_run, app)["OTEL_SERVICE_NAME"]}")'
            in group["filterExpression"]
        )
    assert group["insightsConfiguration"]["insightsEnabled"] is (web_run.stack == "prod")


@pytest.mark.parametrize("rate", [1.5, -0.1])
def test_trace_sample_rate_out_of_range_is_a_clear_error(rate: float) -> None:
    config, _ = stack_config("prod")
    service = json.loads(config["perfcheck:service"])
    service["traceSampleRate"] = rate
    config["perfcheck:service"] = json.dumps(service)
    with pytest.raises(SettingsError) as caught:
        settings_from_config("perfcheck", "prod", config)
    (line,) = caught.value.problems
    assert line.startswith(f"perfcheck:service.traceSampleRate: got {rate}; expected at")
