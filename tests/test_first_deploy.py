"""The first `pulumi up` into an empty account ends with a healthy service: the database roles
exist before the service is created, because `up` itself runs the bootstrap task (reading the
master secret through its own execution role) and the service waits for it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from components.database_roles import (
    OWNER_ROLE,
    app_role_sql,
    bootstrap_sql,
    owner_bootstrap_sql,
)
from components.handlers.run_database_bootstrap import run_once
from foundation.records import ResourceRecord, StackRun

SERVICE = "aws:ecs/service:Service"
INVOCATION = "aws:lambda/invocation:Invocation"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
INSTANCE = "aws:rds/instance:Instance"


def ancestors(run: StackRun, record: ResourceRecord) -> set[str]:
    """Every URN the record waits for, transitively (dependencies and property dependencies)."""
    by_urn = run.by_urn()
    seen: set[str] = set()
    todo = [record.urn]
    while todo:
        current = by_urn.get(todo.pop())
        if current is None:
            continue
        for urn in (
            *current.dependencies,
            *(u for urns in current.property_dependencies.values() for u in urns),
        ):
            if urn not in seen:
                seen.add(urn)
                todo.append(urn)
    return seen


def bootstrap_task(run: StackRun) -> ResourceRecord:
    return next(r for r in run.by_type(TASK_DEFINITION) if r.inputs["family"].endswith("bootstrap"))


def test_the_service_waits_for_the_bootstrap_run(each_stack: StackRun) -> None:
    """Order: database -> bootstrap task definition -> its invocation -> service."""
    service = each_stack.one(SERVICE)
    invocation = each_stack.one(INVOCATION, "database-bootstrap-run-invocation")
    before_service = ancestors(each_stack, service)
    assert invocation.urn in before_service
    before_invocation = ancestors(each_stack, invocation)
    assert bootstrap_task(each_stack).urn in before_invocation
    assert each_stack.one(INSTANCE).urn in before_invocation
    # and nothing of the service is needed to run it (no cycle, no waiting on health)
    assert service.urn not in before_invocation


def test_the_invocation_runs_the_bootstrap_task_again_when_it_changes(
    each_stack: StackRun,
) -> None:
    invocation = each_stack.one(INVOCATION, "database-bootstrap-run-invocation")
    task = bootstrap_task(each_stack)
    assert invocation.inputs["triggers"] == {"taskDefinition": task.outputs["arn"]}
    request = json.loads(invocation.inputs["input"])
    assert request["taskDefinition"] == task.outputs["arn"]
    assert request["container"] == "bootstrap"
    assert request["subnets"] == each_stack.outputs["privateSubnetIds"]


def test_the_bootstrap_reads_the_master_secret_through_its_own_execution_role(
    each_stack: StackRun,
) -> None:
    task = bootstrap_task(each_stack)
    (container,) = json.loads(task.inputs["containerDefinitions"])
    master = each_stack.outputs["databaseMasterSecretArn"]
    assert container["secrets"] == [{"name": "PGPASSWORD", "valueFrom": f"{master}:password::"}]
    assert "PGPASSWORD" not in {e["name"] for e in container["environment"]}
    role = next(
        r
        for r in each_stack.by_type("aws:iam/role:Role")
        if r.outputs["arn"] == task.inputs["executionRoleArn"]
    )
    policy = next(
        p
        for p in each_stack.by_type("aws:iam/rolePolicy:RolePolicy")
        if p.inputs["role"] == role.outputs["id"]
    )
    statements = json.loads(policy.inputs["policy"])["Statement"]
    reads = [s for s in statements if "secretsmanager:GetSecretValue" in str(s["Action"])]
    assert reads and all(s["Resource"] in (master, [master]) for s in reads)
    # The web service's tasks never see it.
    for other in each_stack.by_type(TASK_DEFINITION):
        if other is not task:
            assert master not in other.inputs["containerDefinitions"], other.name


def test_the_bootstrap_sql_creates_the_owner_then_the_app_role_as_the_owner() -> None:
    sql = bootstrap_sql("perfcheck")
    owner_part, rest = sql.split(f'SET ROLE "{OWNER_ROLE}";\n')
    assert owner_part == owner_bootstrap_sql("perfcheck")
    assert rest == app_role_sql("perfcheck") + "RESET ROLE;\n"


class FakeEcs:
    """ECS as the runner sees it: a task that runs for a few polls, then stops."""

    def __init__(self, exit_code: int | None, failures: list[Any] | None = None) -> None:
        self.exit_code = exit_code
        self.failures = failures or []
        self.polls = 0
        self.started: dict[str, Any] = {}

    def run_task(self, **request: Any) -> dict[str, Any]:
        self.started = request
        if self.failures:
            return {"tasks": [], "failures": self.failures}
        return {"tasks": [{"taskArn": "arn:aws:ecs:eu-west-1:123456789012:task/c/abc"}]}

    def describe_tasks(self, **_: Any) -> dict[str, Any]:
        self.polls += 1
        status = "STOPPED" if self.polls >= 3 else "RUNNING"
        container = {"name": "bootstrap", "exitCode": self.exit_code, "reason": None}
        return {"tasks": [{"lastStatus": status, "containers": [container]}]}


REQUEST = {
    "cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/c",
    "taskDefinition": "arn:aws:ecs:eu-west-1:123456789012:task-definition/b:1",
    "container": "bootstrap",
    "subnets": ["subnet-1"],
    "securityGroups": ["sg-1"],
    "logGroup": "/perfcheck/x/database/bootstrap",
}


def plenty() -> int:
    return 600_000


def test_the_runner_waits_for_the_task_and_succeeds_on_exit_zero() -> None:
    ecs = FakeEcs(exit_code=0)
    assert run_once(ecs, REQUEST, plenty, sleep=lambda _: None).endswith("/abc")
    assert ecs.polls == 3
    network = ecs.started["networkConfiguration"]["awsvpcConfiguration"]
    assert network["assignPublicIp"] == "DISABLED"


@pytest.mark.parametrize("exit_code", [1, 3, None])
def test_the_runner_fails_the_up_when_the_bootstrap_fails(exit_code: int | None) -> None:
    with pytest.raises(RuntimeError, match=r"bootstrap task .* failed"):
        run_once(FakeEcs(exit_code=exit_code), REQUEST, plenty, sleep=lambda _: None)


def test_the_runner_fails_when_ecs_cannot_start_the_task() -> None:
    with pytest.raises(RuntimeError, match="did not start"):
        run_once(
            FakeEcs(0, failures=[{"reason": "RESOURCE:ENI"}]), REQUEST, plenty, sleep=lambda _: None
        )


def test_the_runner_says_so_before_its_own_timeout() -> None:
    remaining: Iterator[int] = iter([100_000, 20_000])
    with pytest.raises(TimeoutError):
        run_once(FakeEcs(0), REQUEST, lambda: next(remaining), sleep=lambda _: None)


def test_the_regional_certificate_is_issued_before_the_stack_names_it() -> None:
    """Property: the certificate-added-later step has the operator wait until ACM issued the
    regional certificate (a load balancer's listener takes only an issued one) before setting
    `service.certificateArn`, and says who writes its validation record (the deploy role may
    write only the CloudFront certificate's: deploy/dns-records-policy.json; review 21 pass 4,
    R24)."""
    from tools.offline.runner import ROOT

    step = (ROOT / "docs" / "first-deploy.md").read_text().split("**HTTPS to the ALB")[1]
    step = " ".join(step.split("\n- **")[0].split())
    waits = step.find("aws acm wait certificate-validated")
    assert 0 <= waits < step.find("set `service.certificateArn`")
    assert "as an administrator" in step[:waits]
