"""The reachability model covers the callers procedures use, not only the service: one-off tasks
started by `pulumi up` (the bootstrap invocation) or by a runbook (`aws ecs run-task` with the
stack's outputs). A procedure that cannot reach what it calls is a finding."""

from __future__ import annotations

import dataclasses

from perfcheck_deploy import run_deploy_checks
from perfcheck_deploy.reachability import (
    ENDPOINT_SG_ID,
    NO_PATH_ID,
    ONE_OFF_ID,
    UNNEEDED_ENDPOINT_ID,
)

from foundation.endpoints import INTERFACE_SERVICES
from foundation.records import StackRun
from tools.offline.endpoint_report import render_endpoint_callers
from tools.offline.runner import cached_run

COVERED_CHECK_IDS = frozenset({ONE_OFF_ID, UNNEEDED_ENDPOINT_ID})
"""Check ids whose deliberately wrong cases live here (test_deploycheck_cases.py counts them)."""

REACHABILITY = {ONE_OFF_ID, ENDPOINT_SG_ID, NO_PATH_ID}


def without(run: StackRun, name: str) -> StackRun:
    return dataclasses.replace(run, resources=tuple(r for r in run.resources if r.name != name))


def test_the_real_procedures_reach_what_they_call() -> None:
    for stack in ("staging", "prod"):
        findings = [f for f in run_deploy_checks(cached_run(stack)) if f.check_id in REACHABILITY]
        assert findings == [], stack


def test_a_bootstrap_the_secrets_endpoint_does_not_admit_is_found() -> None:
    """The first deploy's task reads the master secret at start: without its admission to the
    secretsmanager endpoint (private DNS makes that the only path) it cannot start."""
    run = without(cached_run("prod"), "database-bootstrap-endpoint-secretsmanager-from-bootstrap")
    findings = [f for f in run_deploy_checks(run) if f.check_id in REACHABILITY]
    assert [f.resource_name for f in findings] == ["database-bootstrap-task"]
    assert "invocation 'database-bootstrap-run-invocation'" in findings[0].aws_says
    assert "secretsmanager" in findings[0].aws_says


def test_a_runbook_task_whose_group_cannot_write_logs_is_found() -> None:
    run = without(cached_run("prod"), "database-roles-endpoint-logs-from-roles")
    findings = [f for f in run_deploy_checks(run) if f.check_id in REACHABILITY]
    assert [f.resource_name for f in findings] == ["database-roles-task"]
    assert "runbook run-task (databaseRolesTaskDefinitionArn)" in findings[0].aws_says


def test_a_task_no_procedure_starts_is_found() -> None:
    run = cached_run("prod")
    outputs = {k: v for k, v in run.outputs.items() if k != "databaseRolesTaskDefinitionArn"}
    findings = run_deploy_checks(dataclasses.replace(run, outputs=outputs))
    assert [(f.check_id, f.resource_name) for f in findings] == [
        (ONE_OFF_ID, "database-roles-task")
    ]


def test_every_interface_endpoint_serves_a_caller_and_the_preview_says_which() -> None:
    run = cached_run("prod")
    assert [f for f in run_deploy_checks(run) if f.check_id == UNNEEDED_ENDPOINT_ID] == []
    lines = render_endpoint_callers(run)
    assert lines[0].startswith(
        f"Interface endpoints and the callers each serves ({len(INTERFACE_SERVICES)})"
    )
    assert not any("NO CALLER" in line for line in lines)
    secrets = next(line for line in lines if "endpoint-secretsmanager:" in line)
    assert "Service 'web-service'" in secrets


def test_an_endpoint_no_caller_needs_is_found() -> None:
    """An sts endpoint (tasks get credentials from the metadata endpoint, not STS)."""
    run = cached_run("prod")
    logs = run.one("aws:ec2/vpcEndpoint:VpcEndpoint", "network-endpoint-logs")
    sts = dataclasses.replace(
        logs,
        urn=logs.urn.replace("network-endpoint-logs", "network-endpoint-sts"),
        name="network-endpoint-sts",
        wire_inputs={**logs.wire_inputs, "serviceName": "com.amazonaws.eu-west-1.sts"},
    )
    edited = dataclasses.replace(run, resources=(*run.resources, sts))
    findings = run_deploy_checks(edited)
    assert [(f.check_id, f.resource_name) for f in findings] == [
        (UNNEEDED_ENDPOINT_ID, "network-endpoint-sts")
    ]
    assert "NO CALLER" in "\n".join(render_endpoint_callers(edited))


def test_without_the_service_secrets_endpoint_lost_its_reason_is_found() -> None:
    """Drop every caller of the secretsmanager endpoint but one and the finding follows the
    model: the endpoint stays needed while any caller needs it."""
    run = cached_run("prod")
    fewer = without(run, "database-bootstrap-run-invocation")
    assert [f for f in run_deploy_checks(fewer) if f.check_id == UNNEEDED_ENDPOINT_ID] == []
