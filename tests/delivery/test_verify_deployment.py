"""Post-deploy verification against recorded ECS answers (botocore Stubber), with a fake clock."""

from __future__ import annotations

import ast
import contextlib
import copy
import functools
import io
import json
import re
import socketserver
import sys
import threading
import types
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import botocore.config
import botocore.session
import pytest
from botocore.stub import Stubber

from scripts import verify_deployment as vd

CLUSTER = "perfcheck-staging"
SERVICE = "perfcheck-staging-web"
ARN = "arn:aws:ecs:eu-west-1:123456789012:task-definition/perfcheck-staging-web"
NEW_TD = f"{ARN}:8"
OLD_TD = f"{ARN}:7"
OUTPUTS = {
    "clusterName": CLUSTER,
    "serviceName": SERVICE,
    "publicUrl": "https://d111111abcdef8.cloudfront.net/",
    "albDnsName": "perfcheck-staging-123.eu-west-1.elb.amazonaws.com",
    "distributionId": "E2EXAMPLE",
    "taskDefinitionArn": NEW_TD,
}
WHEN = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SESSION = botocore.session.get_session()  # one model load for every client below


def deployment(
    status, task_definition, rollout, running=2, desired=2, reason="", ident="ecs-svc/1"
):
    return {
        "id": ident,
        "status": status,
        "taskDefinition": task_definition,
        "desiredCount": desired,
        "pendingCount": max(desired - running, 0),
        "runningCount": running,
        "failedTasks": 0,
        "createdAt": WHEN,
        "updatedAt": WHEN,
        "launchType": "FARGATE",
        "rolloutState": rollout,
        "rolloutStateReason": reason,
    }


def service_answer(*deployments, events=()):
    return {
        "services": [
            {
                "serviceName": SERVICE,
                "clusterArn": f"arn:aws:ecs:eu-west-1:123456789012:cluster/{CLUSTER}",
                "status": "ACTIVE",
                "desiredCount": 2,
                "runningCount": 2,
                "taskDefinition": deployments[0]["taskDefinition"],
                "deployments": list(deployments),
                "events": [
                    {"id": str(i), "createdAt": WHEN, "message": message}
                    for i, message in enumerate(events)
                ],
            }
        ],
        "failures": [],
    }


SETTLED = service_answer(
    deployment("PRIMARY", NEW_TD, "COMPLETED", reason="ECS deployment ecs-svc/2 completed.")
)
IN_PROGRESS = service_answer(
    deployment("PRIMARY", NEW_TD, "IN_PROGRESS", running=1, ident="ecs-svc/2"),
    deployment("ACTIVE", OLD_TD, "COMPLETED", running=2, ident="ecs-svc/1"),
)
ROLLED_BACK = service_answer(
    deployment("PRIMARY", OLD_TD, "IN_PROGRESS", running=1, ident="ecs-svc/3"),
    deployment(
        "ACTIVE",
        NEW_TD,
        "FAILED",
        running=0,
        ident="ecs-svc/2",
        reason="ECS deployment circuit breaker: tasks failed to start.",
    ),
    events=["(service perfcheck-staging-web) rolling back to deployment ecs-svc/1."],
)


SERVICE_ARN = f"arn:aws:ecs:eu-west-1:123456789012:service/{CLUSTER}/{SERVICE}"
REV_NEW = f"arn:aws:ecs:eu-west-1:123456789012:service-revision/{CLUSTER}/{SERVICE}/2"
REV_OLD = f"arn:aws:ecs:eu-west-1:123456789012:service-revision/{CLUSTER}/{SERVICE}/1"
DEPLOYMENT_ARN = f"arn:aws:ecs:eu-west-1:123456789012:service-deployment/{CLUSTER}/{SERVICE}/new"
EARLIER_ARN = f"arn:aws:ecs:eu-west-1:123456789012:service-deployment/{CLUSTER}/{SERVICE}/old"
TASK_DEFINITION_OF = {REV_NEW: NEW_TD, REV_OLD: OLD_TD}
ALARM = "perfcheck-staging-web-p99-latency"


def record(
    status,
    target=REV_NEW,
    *,
    strategy="ROLLING",
    stage=None,
    reason="",
    rollback=None,
    breaker=None,
    alarms=None,
):
    """A DescribeServiceDeployments ServiceDeployment (shape checked by the Stubber)."""
    answer = {
        "serviceDeploymentArn": DEPLOYMENT_ARN,
        "serviceArn": SERVICE_ARN,
        "clusterArn": f"arn:aws:ecs:eu-west-1:123456789012:cluster/{CLUSTER}",
        "createdAt": WHEN,
        "sourceServiceRevisions": [{"arn": REV_OLD, "requestedTaskCount": 2}],
        "targetServiceRevision": {"arn": target, "requestedTaskCount": 2},
        "status": status,
        "deploymentConfiguration": {"strategy": strategy, "bakeTimeInMinutes": 5},
        "deploymentCircuitBreaker": breaker or {"status": "MONITORING", "failureCount": 0},
        "alarms": alarms or {"status": "MONITORING", "alarmNames": [ALARM]},
    }
    if stage:
        answer["lifecycleStage"] = stage
    if reason:
        answer["statusReason"] = reason
    if rollback:
        answer["rollback"] = {"reason": rollback, "startedAt": WHEN, "serviceRevisionArn": REV_OLD}
    return answer


def expect_record(stubber, deployment, listing="newest-last"):
    """ListServiceDeployments (by default an older record first), then the newest one and its
    revision. `listing` orders the records as ECS may: newest-last, newest-first, paged (the
    newest on a second page), paged-newest-first (the newest on the first of two pages), undated
    (a record without createdAt)."""
    ident = {"cluster": CLUSTER, "service": SERVICE}
    if deployment is None:
        stubber.add_response("list_service_deployments", {"serviceDeployments": []}, ident)
        return
    earlier = {
        "serviceDeploymentArn": EARLIER_ARN,
        "createdAt": datetime(2026, 10, 1, tzinfo=UTC),
        "targetServiceRevisionArn": REV_OLD,
        "status": "SUCCESSFUL",
    }
    target = (deployment.get("targetServiceRevision") or {}).get("arn")
    newest = {"serviceDeploymentArn": DEPLOYMENT_ARN, "createdAt": WHEN, "status": "SUCCESSFUL"}
    newest["status"] = deployment["status"]
    if listing in ("paged", "paged-newest-first"):
        first, second = [earlier], [newest]
        if listing == "paged-newest-first":
            first, second = second, first
        stubber.add_response(
            "list_service_deployments", {"serviceDeployments": first, "nextToken": "p2"}, ident
        )
        stubber.add_response(
            "list_service_deployments",
            {"serviceDeployments": second},
            {**ident, "nextToken": "p2"},
        )
    elif listing == "undated":
        del newest["createdAt"]
        stubber.add_response(
            "list_service_deployments", {"serviceDeployments": [earlier, newest]}, ident
        )
        return
    else:
        listed = [newest, earlier] if listing == "newest-first" else [earlier, newest]
        stubber.add_response("list_service_deployments", {"serviceDeployments": listed}, ident)
    stubber.add_response(
        "describe_service_deployments",
        {"serviceDeployments": [deployment], "failures": []},
        {"serviceDeploymentArns": [DEPLOYMENT_ARN]},
    )
    if target is None:
        return
    stubber.add_response(
        "describe_service_revisions",
        {
            "serviceRevisions": [
                {"serviceRevisionArn": target, "taskDefinition": TASK_DEFINITION_OF[target]}
            ],
            "failures": [],
        },
        {"serviceRevisionArns": [target]},
    )


class FakeClock:
    """Time that moves only when the code under test sleeps."""

    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def ecs():
    client = SESSION.create_client(
        "ecs",
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def outputs_file(tmp_path):
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(OUTPUTS))
    return path


def site_answers(status_by_path):
    """A fake HTTP GET that records the URLs asked and answers from a table."""
    asked: list[str] = []

    def fetch(url: str, timeout: float) -> vd.HttpResult:
        asked.append(url)
        path = url.removeprefix("https://d111111abcdef8.cloudfront.net")
        status = status_by_path[path]
        if isinstance(status, list):
            status = status.pop(0)
        if isinstance(status, Exception):
            raise status
        return vd.HttpResult(status, {"X-Cache": "Miss from cloudfront"})

    fetch.asked = asked
    return fetch


def run(ecs_client, outputs_file, clock, fetch, *extra):
    logged: list[str] = []
    code = vd.main(
        ["--outputs-json", str(outputs_file), "--timeout", "60", "--poll-interval", "10", *extra],
        ecs_client=ecs_client,
        fetch=fetch,
        clock=clock,
        sleep=clock.sleep,
        log=logged.append,
    )
    return code, logged


def expect_describe(stubber, answer, times=1, record=None, listing="newest-last"):
    """One poll: DescribeServices, then ECS's service-deployment records (none by default)."""
    for _ in range(times):
        stubber.add_response(
            "describe_services", answer, {"cluster": CLUSTER, "services": [SERVICE]}
        )
        expect_record(stubber, record, listing)


def test_settled_deployment_passes_and_smoke_checks_the_site(ecs, outputs_file, tmp_path):
    client, stubber = ecs
    expect_describe(stubber, SETTLED)
    clock = FakeClock()
    fetch = site_answers({"/": 200, "/api/health": 200})
    github_output = tmp_path / "github_output"

    code, logged = run(client, outputs_file, clock, fetch, "--github-output", str(github_output))

    assert code == 0
    assert fetch.asked == [
        "https://d111111abcdef8.cloudfront.net/",
        "https://d111111abcdef8.cloudfront.net/api/health",
    ]
    assert clock.sleeps == []
    assert github_output.read_text() == "public-url=https://d111111abcdef8.cloudfront.net\n"
    assert any("settled" in line and "perfcheck-staging-web:8" in line for line in logged)


def test_rolled_back_deployment_fails_with_both_revisions_named(ecs, outputs_file, capsys):
    client, stubber = ecs
    expect_describe(stubber, ROLLED_BACK)
    fetch = site_answers({"/": 200, "/api/health": 200})

    code, _ = run(client, outputs_file, FakeClock(), fetch)

    assert code == 1
    err = capsys.readouterr().err
    assert "ECS rolled back" in err
    assert "runs perfcheck-staging-web:7" in err
    assert "Pulumi registered perfcheck-staging-web:8" in err
    assert "circuit breaker: tasks failed to start" in err
    assert "rolling back to deployment ecs-svc/1" in err
    assert fetch.asked == [], "no smoke check after a rollback"


def test_primary_with_failed_rollout_fails(ecs, outputs_file, capsys):
    client, stubber = ecs
    expect_describe(
        stubber,
        service_answer(
            deployment("PRIMARY", NEW_TD, "FAILED", running=0, reason="tasks failed to start")
        ),
    )
    code, _ = run(client, outputs_file, FakeClock(), site_answers({}))
    assert code == 1
    assert "perfcheck-staging-web:8 FAILED: tasks failed to start" in capsys.readouterr().err


def test_in_progress_then_settled_waits_and_passes(ecs, outputs_file):
    client, stubber = ecs
    expect_describe(stubber, IN_PROGRESS, times=2)
    expect_describe(stubber, SETTLED)
    clock = FakeClock()

    code, logged = run(client, outputs_file, clock, site_answers({"/": 200, "/api/health": 200}))

    assert code == 0
    assert clock.sleeps == [10, 10]
    assert sum("waiting" in line for line in logged) == 2


def test_in_progress_then_rolled_back_fails(ecs, outputs_file, capsys):
    client, stubber = ecs
    expect_describe(stubber, IN_PROGRESS)
    expect_describe(stubber, ROLLED_BACK)
    code, _ = run(client, outputs_file, FakeClock(), site_answers({}))
    assert code == 1
    assert "ECS rolled back" in capsys.readouterr().err


def test_deployment_still_in_progress_times_out_with_a_clear_message(ecs, outputs_file, capsys):
    client, stubber = ecs
    # 60 s timeout, 10 s polls: looks at 0, 10, ..., 60 s, then gives up.
    expect_describe(stubber, IN_PROGRESS, times=7)
    clock = FakeClock()

    code, _ = run(client, outputs_file, clock, site_answers({}))

    assert code == 1
    err = capsys.readouterr().err
    assert "timed out after 60 s waiting for the ECS deployment to settle" in err
    assert "rolloutState IN_PROGRESS, 1/2 tasks running, 2 deployment(s) active" in err
    assert clock.now == 60


def test_missing_service_fails_with_the_ecs_reason(ecs, outputs_file, capsys):
    client, stubber = ecs
    stubber.add_response(
        "describe_services",
        {"services": [], "failures": [{"arn": SERVICE, "reason": "MISSING"}]},
        {"cluster": CLUSTER, "services": [SERVICE]},
    )
    code, _ = run(client, outputs_file, FakeClock(), site_answers({}))
    assert code == 1
    assert f"{SERVICE}: MISSING" in capsys.readouterr().err


def test_aws_error_is_reported_without_a_traceback(ecs, outputs_file, capsys):
    client, stubber = ecs
    stubber.add_client_error(
        "describe_services", service_error_code="AccessDeniedException", http_status_code=400
    )
    code, _ = run(client, outputs_file, FakeClock(), site_answers({}))
    err = capsys.readouterr().err
    assert code == 1
    assert "cannot read the ECS service" in err and "AccessDeniedException" in err
    assert "Traceback" not in err


def test_health_endpoint_retried_then_recovers(ecs, outputs_file):
    client, stubber = ecs
    expect_describe(stubber, SETTLED)
    clock = FakeClock()
    fetch = site_answers({"/": 200, "/api/health": [OSError("connection reset"), 503, 200]})

    code, _ = run(client, outputs_file, clock, fetch, "--http-retry-delay", "5")

    assert code == 0
    assert clock.sleeps == [5, 5]


def test_health_endpoint_never_healthy_fails_after_bounded_retries(ecs, outputs_file, capsys):
    client, stubber = ecs
    expect_describe(stubber, SETTLED)
    clock = FakeClock()
    fetch = site_answers({"/": 200, "/api/health": 502})

    code, _ = run(client, outputs_file, clock, fetch, "--http-attempts", "3")

    assert code == 1
    err = capsys.readouterr().err
    assert "/api/health: wanted 200, last got HTTP 502 after 3 tries" in err
    assert fetch.asked.count("https://d111111abcdef8.cloudfront.net/api/health") == 3


def test_extra_health_paths_are_checked(ecs, outputs_file):
    client, stubber = ecs
    expect_describe(stubber, SETTLED)
    fetch = site_answers({"/": 200, "/api/health": 200, "/api/items": 200})
    code, _ = run(
        client,
        outputs_file,
        FakeClock(),
        fetch,
        "--health-path",
        "/api/health",
        "--health-path",
        "api/items",
    )
    assert code == 0
    assert fetch.asked[-1].endswith("/api/items")


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"taskDefinitionArn": None}, "taskDefinitionArn=None"),
        ({"clusterName": ""}, "clusterName=''"),
        ({"publicUrl": "d111.cloudfront.net"}, "publicUrl='d111.cloudfront.net'"),
    ],
)
def test_unusable_stack_outputs_exit_2_naming_the_key(tmp_path, capsys, change, named):
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({**OUTPUTS, **change}))
    code = vd.main(["--outputs-json", str(path)], ecs_client=object(), log=lambda _: None)
    assert code == 2
    assert named in capsys.readouterr().err


def test_assess_accepts_family_revision_form():
    answer = service_answer(deployment("PRIMARY", "perfcheck-staging-web:8", "COMPLETED"))
    assessment = vd.assess_service(answer["services"][0], NEW_TD)
    assert assessment.state == "settled"


# --- the decision table: every state ECS can report, per deployment strategy ----------------

FINISHED_ROLLBACK = service_answer(
    # What `pulumi up` leaves when ECS rolled back during wait_for_steady_state: one PRIMARY
    # deployment, COMPLETED, on the old revision.
    deployment("PRIMARY", OLD_TD, "COMPLETED", ident="ecs-svc/3"),
    events=["(service perfcheck-staging-web) has reached a steady state."],
)
TASKS_STARTING = service_answer(deployment("PRIMARY", NEW_TD, "COMPLETED", running=1))
BREAKER = {"status": "TRIGGERED", "failureCount": 3, "threshold": 3}
ALARMED = {"status": "TRIGGERED", "alarmNames": [ALARM], "triggeredAlarmNames": [ALARM]}
DIGEST = "sha256:" + "ab" * 32
NEXTJS_IMAGE = f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/perfcheck/nextjs@{DIGEST}"
HONO_IMAGE = f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/perfcheck/hono@{DIGEST}"
OTEL_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"
HEALTHY_SITE = {"/": 200, "/api/health": 200}
NOT_ASKED = {"not": "asked"}  # a poll that ends before ECS's deployment records are read
UNDESCRIBED = {"un": "described"}  # ECS lists a deployment record but cannot describe it


@dataclass
class Case:
    """One recorded sequence of ECS answers (one entry per poll) and what the run must say."""

    polls: list[tuple[dict, dict | None]]
    code: int
    says: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    site: dict = field(default_factory=lambda: dict(HEALTHY_SITE))
    args: tuple[str, ...] = ()
    images: dict[str, str] | None = None
    sleeps: list[float] | None = None
    output: str | None = None
    listing: str = "newest-last"


CASES: dict[str, Case] = {
    # rolling (DescribeServices deployments and the service-deployment record agree)
    "rolling-success": Case(
        [(SETTLED, record("SUCCESSFUL"))],
        0,
        ("ROLLING", "SUCCESSFUL", "(x-cache: Miss from cloudfront)"),
    ),
    "rolling-earlier-attempt-of-the-same-revision-failed": Case(
        [
            (
                service_answer(
                    deployment("PRIMARY", NEW_TD, "IN_PROGRESS", running=1, ident="ecs-svc/3"),
                    deployment("ACTIVE", NEW_TD, "FAILED", running=0, reason="tasks failed"),
                ),
                None,
            )
        ],
        1,
        ("perfcheck-staging-web:8 FAILED: tasks failed",),
    ),
    "service-missing": Case(
        [({"services": [], "failures": [{"arn": SERVICE, "reason": "MISSING"}]}, NOT_ASKED)],
        1,
        (f"{SERVICE}: MISSING",),
    ),
    "record-cannot-be-described": Case(
        [(SETTLED, UNDESCRIBED)],
        1,
        (f"cannot describe service deployment {DEPLOYMENT_ARN}: MISSING",),
    ),
    "record-without-target-revision": Case(
        [
            (
                SETTLED,
                {k: v for k, v in record("SUCCESSFUL").items() if k != "targetServiceRevision"},
            )
        ],
        1,
        ("names no target service revision",),
    ),
    "alarm-triggered-without-names": Case(
        [(SETTLED, record("ROLLBACK_IN_PROGRESS", alarms={"status": "TRIGGERED"}))],
        1,
        ("alarms TRIGGERED: unnamed",),
    ),
    "rolling-success-without-records": Case([(SETTLED, None)], 0, ("settled",)),
    "rolling-in-progress-then-success": Case(
        [(IN_PROGRESS, record("IN_PROGRESS")), (SETTLED, record("SUCCESSFUL"))],
        0,
        ("waiting",),
        sleeps=[10],
    ),
    "rolling-tasks-still-starting": Case(
        [(TASKS_STARTING, record("SUCCESSFUL")), (SETTLED, record("SUCCESSFUL"))],
        0,
        ("1/2 tasks running",),
        sleeps=[10],
    ),
    "rolling-still-in-progress-times-out": Case(
        [(IN_PROGRESS, record("IN_PROGRESS", stage="SCALE_UP"))] * 7,
        1,
        ("timed out after 60 s", "rolloutState IN_PROGRESS", "IN_PROGRESS SCALE_UP"),
    ),
    "rolling-rolling-back-by-circuit-breaker": Case(
        [
            (
                ROLLED_BACK,
                record("ROLLBACK_IN_PROGRESS", rollback="circuit breaker", breaker=BREAKER),
            )
        ],
        1,
        ("ECS rolled back", "runs perfcheck-staging-web:7", "circuit breaker: tasks failed"),
    ),
    "rolling-finished-rollback": Case(
        [(FINISHED_ROLLBACK, record("ROLLBACK_SUCCESSFUL", rollback="circuit breaker"))],
        1,
        ("ECS rolled back", "runs perfcheck-staging-web:7", "registered perfcheck-staging-web:8"),
    ),
    "rolling-finished-rollback-without-records": Case(
        [(FINISHED_ROLLBACK, None)], 1, ("ECS rolled back", "runs perfcheck-staging-web:7")
    ),
    "rolling-rolled-back-by-alarm": Case(
        [(SETTLED, record("ROLLBACK_SUCCESSFUL", rollback="alarm", alarms=ALARMED))],
        1,
        ("ROLLBACK_SUCCESSFUL", f"alarms TRIGGERED: {ALARM}", f"rolled back (alarm) to {REV_OLD}"),
        ("circuit breaker TRIGGERED",),
    ),
    "rolling-completed-on-another-revision": Case(
        [(SETTLED, record("SUCCESSFUL", REV_OLD))],
        1,
        ("completed on another revision", "of perfcheck-staging-web:7", "registered"),
    ),
    "rolling-failed-rollout": Case(
        [(service_answer(deployment("PRIMARY", NEW_TD, "FAILED", running=0, reason="no")), None)],
        1,
        ("perfcheck-staging-web:8 FAILED: no",),
    ),
    "rolling-stopped": Case(
        [(SETTLED, record("STOPPED", reason="stopped by a new deployment"))],
        1,
        ("is STOPPED: stopped by a new deployment",),
        ("alarms TRIGGERED", "circuit breaker TRIGGERED"),
    ),
    "rolling-rollback-failed": Case(
        [(SETTLED, record("ROLLBACK_FAILED", rollback="circuit breaker", breaker=BREAKER))],
        1,
        ("ROLLBACK_FAILED", "circuit breaker TRIGGERED (3 failed tasks, threshold 3)"),
    ),
    # canary, linear and blue/green (native ECS strategies, bake time included)
    "canary-bake-then-success": Case(
        [
            (IN_PROGRESS, record("IN_PROGRESS", strategy="CANARY", stage="BAKE_TIME")),
            (SETTLED, record("SUCCESSFUL", strategy="CANARY")),
        ],
        0,
        ("CANARY service deployment", "IN_PROGRESS BAKE_TIME"),
        sleeps=[10],
    ),
    "canary-rolled-back-by-alarm": Case(
        [(IN_PROGRESS, record("ROLLBACK_IN_PROGRESS", strategy="CANARY", alarms=ALARMED))],
        1,
        ("CANARY", "ROLLBACK_IN_PROGRESS", f"alarms TRIGGERED: {ALARM}"),
        ("circuit breaker TRIGGERED",),
    ),
    "canary-rolled-back-by-circuit-breaker": Case(
        [(IN_PROGRESS, record("ROLLBACK_SUCCESSFUL", strategy="CANARY", breaker=BREAKER))],
        1,
        ("CANARY", "circuit breaker TRIGGERED (3 failed tasks, threshold 3)"),
        ("alarms TRIGGERED",),
    ),
    "canary-completed-on-another-revision": Case(
        [(SETTLED, record("SUCCESSFUL", REV_OLD, strategy="CANARY"))],
        1,
        ("CANARY", "completed on another revision"),
    ),
    "linear-in-progress-then-success": Case(
        [
            (IN_PROGRESS, record("PENDING", strategy="LINEAR")),
            (SETTLED, record("SUCCESSFUL", strategy="LINEAR")),
        ],
        0,
        ("LINEAR service deployment",),
        sleeps=[10],
    ),
    "blue-green-success": Case(
        [(SETTLED, record("SUCCESSFUL", strategy="BLUE_GREEN"))], 0, ("BLUE_GREEN",)
    ),
    "blue-green-rolled-back-by-alarm": Case(
        [
            (
                IN_PROGRESS,
                record(
                    "ROLLBACK_SUCCESSFUL",
                    strategy="BLUE_GREEN",
                    stage="POST_PRODUCTION_TRAFFIC_SHIFT",
                    rollback="CloudWatch alarm",
                    alarms=ALARMED,
                ),
            )
        ],
        1,
        ("BLUE_GREEN", "rolled back (CloudWatch alarm)", f"alarms TRIGGERED: {ALARM}"),
    ),
    # the site and the images (after the deploy settled)
    "home-page-down": Case(
        [(SETTLED, None)],
        1,
        ("wanted a 2xx status, last got HTTP 500",),
        site={"/": 500, "/api/health": 200},
        args=("--http-attempts", "1"),
    ),
    "home-page-redirect-is-not-the-page": Case(
        [(SETTLED, None)],
        1,
        ("wanted a 2xx status, last got HTTP 302",),
        site={"/": 302, "/api/health": 200},
        args=("--http-attempts", "1"),
    ),
    "home-page-not-found": Case(
        [(SETTLED, None)],
        1,
        ("wanted a 2xx status, last got HTTP 404",),
        site={"/": 404, "/api/health": 200},
        args=("--http-attempts", "1"),
    ),
    "home-page-no-content-is-fine": Case(
        [(SETTLED, None)], 0, (), site={"/": 204, "/api/health": 200}
    ),
    "health-route-redirects": Case(
        [(SETTLED, None)],
        1,
        ("/api/health: wanted 200, last got HTTP 301",),
        site={"/": 200, "/api/health": 301},
        args=("--http-attempts", "1"),
    ),
    "health-route-not-found": Case(
        [(SETTLED, None)],
        1,
        ("/api/health: wanted 200, last got HTTP 404",),
        site={"/": 200, "/api/health": 404},
        args=("--http-attempts", "1"),
    ),
    "health-recovers-after-retries": Case(
        [(SETTLED, None)], 0, (), site={"/": 200, "/api/health": [503, 200]}, sleeps=[15]
    ),
    "promotes-digest-images": Case(
        [(SETTLED, None)],
        0,
        (),
        args=("--promote", "nextjs", "--promote", "hono"),
        images={"nextjs": NEXTJS_IMAGE, "hono": HONO_IMAGE, "otel": OTEL_IMAGE},
        output=f"nextjs-image={NEXTJS_IMAGE}\nhono-image={HONO_IMAGE}\n",
    ),
    "refuses-to-promote-a-tag": Case(
        [(SETTLED, None)],
        1,
        ("otel runs", "not pinned by digest"),
        args=("--promote", "otel"),
        images={"nextjs": NEXTJS_IMAGE, "otel": OTEL_IMAGE},
    ),
    "refuses-to-promote-a-missing-container": Case(
        [(SETTLED, None)],
        1,
        ("web: no such container",),
        args=("--promote", "web"),
        images={"nextjs": NEXTJS_IMAGE},
    ),
    "expected-image-runs": Case(
        [(SETTLED, None)],
        0,
        ("nextjs runs the expected image",),
        args=("--expect-image", f"nextjs={NEXTJS_IMAGE}"),
        images={"nextjs": NEXTJS_IMAGE},
    ),
    "another-image-runs-than-staging-verified": Case(
        [(SETTLED, None)],
        1,
        ("nextjs runs", f"expected '{NEXTJS_IMAGE}'"),
        args=("--expect-image", f"nextjs={NEXTJS_IMAGE}"),
        images={"nextjs": NEXTJS_IMAGE.replace("ab", "cd")},
    ),
}

# --- the ECS deployment model: every documented status, ordering and page -------------------

ECS_MODEL = SESSION.get_service_model("ecs")
RECORD_STATUSES = ECS_MODEL.shape_for("ServiceDeploymentStatus").enum
ROLLOUT_STATES = ECS_MODEL.shape_for("DeploymentRolloutState").enum
DRAINING = service_answer(
    deployment("PRIMARY", NEW_TD, "COMPLETED", ident="ecs-svc/2"),
    deployment("ACTIVE", OLD_TD, "COMPLETED", running=1, ident="ecs-svc/1"),
)
WITH_INACTIVE = service_answer(
    deployment("PRIMARY", NEW_TD, "COMPLETED", ident="ecs-svc/2"),
    deployment("INACTIVE", OLD_TD, "COMPLETED", running=0, ident="ecs-svc/1"),
)
ALARM_ROLLBACK = record("ROLLBACK_SUCCESSFUL", rollback="alarm", alarms=ALARMED)

CASES.update(
    {
        "no-primary-deployment": Case(
            [(service_answer(deployment("ACTIVE", NEW_TD, "COMPLETED")), None)],
            1,
            ("0 PRIMARY deployments",),
        ),
        "two-primary-deployments": Case(
            [
                (
                    service_answer(
                        deployment("PRIMARY", NEW_TD, "COMPLETED"),
                        deployment("PRIMARY", NEW_TD, "COMPLETED", ident="ecs-svc/9"),
                    ),
                    None,
                )
            ],
            1,
            ("2 PRIMARY deployments",),
        ),
        "unknown-deployment-status": Case(
            [(service_answer(deployment("DRAINING", NEW_TD, "COMPLETED")), None)],
            1,
            ("does not know: ['DRAINING']",),
        ),
        "unknown-rollout-state": Case(
            [(service_answer(deployment("PRIMARY", NEW_TD, "PAUSED")), None)],
            1,
            ("does not know: ['PAUSED']",),
        ),
        "unknown-record-status": Case(
            [(SETTLED, record("PAUSED"))], 1, ("unknown status 'PAUSED'",)
        ),
        "unknown-record-status-that-sounds-successful": Case(
            [(SETTLED, record("PARTIALLY_SUCCESSFUL"))],
            1,
            ("unknown status 'PARTIALLY_SUCCESSFUL'",),
        ),
        "old-deployment-still-draining-then-settled": Case(
            [(DRAINING, record("SUCCESSFUL")), (SETTLED, record("SUCCESSFUL"))],
            0,
            ("2 deployment(s) active",),
            sleeps=[10],
        ),
        "an-inactive-deployment-does-not-hold-the-wait": Case(
            [(WITH_INACTIVE, record("SUCCESSFUL"))], 0, ("settled",), sleeps=[]
        ),
        "scaled-to-zero-never-settles": Case(
            [(service_answer(deployment("PRIMARY", NEW_TD, "COMPLETED", 0, 0)), None)] * 7,
            1,
            ("timed out", "0/0 tasks running"),
        ),
        "newest-record-listed-first": Case(
            [(SETTLED, ALARM_ROLLBACK)], 1, ("ROLLBACK_SUCCESSFUL",), listing="newest-first"
        ),
        "newest-record-listed-first-succeeded": Case(
            [(SETTLED, record("SUCCESSFUL"))], 0, ("SUCCESSFUL",), listing="newest-first"
        ),
        "newest-record-on-the-second-page": Case(
            [(SETTLED, ALARM_ROLLBACK)], 1, ("ROLLBACK_SUCCESSFUL",), listing="paged"
        ),
        "newest-record-on-the-second-page-succeeded": Case(
            [(SETTLED, record("SUCCESSFUL"))], 0, ("SUCCESSFUL",), listing="paged"
        ),
        # the second red team's bugs (test_verifier_bugs.py) that no case above reported
        "newest-record-on-the-first-of-two-pages": Case(
            [(SETTLED, ALARM_ROLLBACK)], 1, ("ROLLBACK_SUCCESSFUL",), listing="paged-newest-first"
        ),
        "newest-record-on-the-first-of-two-pages-succeeded": Case(
            [(SETTLED, record("SUCCESSFUL"))], 0, ("SUCCESSFUL",), listing="paged-newest-first"
        ),
        "expected-image-missing-from-the-task": Case(
            [(SETTLED, None)],
            1,
            ("hono runs None",),
            args=(
                "--expect-image",
                f"nextjs={NEXTJS_IMAGE}",
                "--expect-image",
                f"hono={HONO_IMAGE}",
            ),
            images={"nextjs": NEXTJS_IMAGE},
        ),
        "refuses-to-promote-a-short-digest": Case(
            [(SETTLED, None)],
            1,
            ("not pinned by digest",),
            args=("--promote", "nextjs"),
            images={"nextjs": NEXTJS_IMAGE[:-1]},
        ),
        "a-record-without-creation-time": Case(
            [(SETTLED, record("SUCCESSFUL"))],
            1,
            ("without createdAt cannot be ordered",),
            listing="undated",
        ),
    }
)
for _status in RECORD_STATUSES:
    if _status in vd.DEPLOYMENT_ONGOING:
        # ECS's record still moving while DescribeServices looks settled: wait for the record.
        CASES[f"record-{_status}-while-the-service-looks-settled"] = Case(
            [(SETTLED, record(_status)), (SETTLED, record("SUCCESSFUL"))],
            0,
            (f"is {_status}",),
            sleeps=[10],
        )
    elif _status != vd.DEPLOYMENT_SUCCEEDED:
        CASES[f"record-{_status}-fails"] = Case([(SETTLED, record(_status))], 1, (f"is {_status}",))


def test_the_script_knows_exactly_the_statuses_botocore_documents():
    """Property: every status ECS documents has a meaning here, and nothing else passes."""
    known = vd.DEPLOYMENT_ONGOING | vd.DEPLOYMENT_FAILED | {vd.DEPLOYMENT_SUCCEEDED}
    assert known == set(RECORD_STATUSES)
    assert set(ROLLOUT_STATES) == vd.ROLLOUT_STATES
    documented = ECS_MODEL.shape_for("Deployment").members["status"].documentation
    assert set(re.findall(r"<dt>(\w+)</dt>", documented)) == vd.SERVICE_DEPLOYMENT_STATUSES
    assert vd.DEPLOYMENT_ONGOING.isdisjoint(vd.DEPLOYMENT_FAILED)


@functools.cache
def case_client():
    """One ECS client for every case (each case stubs it afresh): clients are slow to make.

    A fixed User-Agent: botocore otherwise rebuilds and sanitises its own on every call (about a
    tenth of the mutation check's ~4,000 stubbed calls); no case reads it."""
    return SESSION.create_client(
        "ecs",
        region_name="eu-west-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=botocore.config.Config(user_agent="perfcheck-tests"),
    )


def run_case(module, case: Case, workdir: Path) -> list[str]:
    """Run `module.main` on a case's recorded answers; what went differently than expected."""
    client = case_client()
    outputs = workdir / "outputs.json"
    if not outputs.exists():  # the same for every case: written once per directory
        outputs.write_text(json.dumps(OUTPUTS))
    github_output = workdir / "github_output"
    github_output.write_text("")
    clock, logged, errors = FakeClock(), [], io.StringIO()
    site = {path: list(v) if isinstance(v, list) else v for path, v in case.site.items()}
    with Stubber(client) as stubber:
        for answer, deployment_record in case.polls:
            if deployment_record is NOT_ASKED or deployment_record is UNDESCRIBED:
                stubber.add_response(
                    "describe_services", answer, {"cluster": CLUSTER, "services": [SERVICE]}
                )
            if deployment_record is UNDESCRIBED:
                brief = {"serviceDeploymentArn": DEPLOYMENT_ARN, "createdAt": WHEN}
                stubber.add_response(
                    "list_service_deployments",
                    {"serviceDeployments": [brief]},
                    {"cluster": CLUSTER, "service": SERVICE},
                )
                stubber.add_response(
                    "describe_service_deployments",
                    {
                        "serviceDeployments": [],
                        "failures": [{"arn": DEPLOYMENT_ARN, "reason": "MISSING"}],
                    },
                    {"serviceDeploymentArns": [DEPLOYMENT_ARN]},
                )
            elif deployment_record is NOT_ASKED:
                pass
            else:
                expect_describe(stubber, answer, record=deployment_record, listing=case.listing)
        if case.images is not None:
            definitions = [{"name": n, "image": i} for n, i in case.images.items()]
            stubber.add_response(
                "describe_task_definition",
                {"taskDefinition": {"containerDefinitions": definitions}},
                {"taskDefinition": NEW_TD},
            )
        try:
            with contextlib.redirect_stderr(errors):
                code = module.main(
                    [
                        "--outputs-json",
                        str(outputs),
                        "--timeout",
                        "60",
                        "--poll-interval",
                        "10",
                        "--github-output",
                        str(github_output),
                        *case.args,
                    ],
                    ecs_client=client,
                    fetch=site_answers(site),
                    clock=clock,
                    sleep=clock.sleep,
                    log=logged.append,
                )
        except Exception as error:  # a mutant may call AWS differently: the Stubber says so
            return [f"raised {type(error).__name__}: {error}"]
        pending = len(stubber._queue)  # every recorded answer must have been asked for
    text = errors.getvalue() + "\n".join(logged)
    problems = [f"exit {code}, want {case.code}"] if code != case.code else []
    problems += [f"says nothing of {w!r}" for w in case.says if w not in text]
    problems += [f"says {w!r}" for w in case.absent if w in text]
    if pending:
        problems.append(f"{pending} recorded answers never asked for")
    # A verdict comes on the poll that shows it: one wait between polls, none after a failure.
    sleeps = case.sleeps if case.sleeps is not None else [10.0] * (len(case.polls) - 1)
    if clock.sleeps != sleeps:
        problems.append(f"slept {clock.sleeps}, want {sleeps}")
    written = github_output.read_text().removeprefix(
        "public-url=https://d111111abcdef8.cloudfront.net\n"
    )
    if case.output is not None and written != case.output:
        problems.append(f"wrote {written!r}, want {case.output!r}")
    return problems


@pytest.mark.parametrize("name", CASES)
def test_decision_table(name, tmp_path):
    assert run_case(vd, CASES[name], tmp_path) == []


# --- mutation check: each changed comparison in the decision code is caught ------------------

SCRIPT = Path(vd.__file__)
MUTATED_FUNCTIONS = {
    "assess_service",
    "assess_service_deployment",
    "assess",
    "_deployment_reasons",
    "wait_for_deployment",
    "check_images",
    "newest_service_deployment",
    "running_images",
    "smoke_check",
}
SWAPS = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.LtE: ast.Gt,
    ast.Gt: ast.LtE,
}


# The ECS model's constants: each member dropped in turn (a status the script forgets).
MUTATED_CONSTANTS = {
    "DEPLOYMENT_ONGOING",
    "DEPLOYMENT_FAILED",
    "SERVICE_DEPLOYMENT_STATUSES",
    "ROLLOUT_STATES",
}
STATES = ("settled", "failed", "in_progress")


def mutation_sites(tree: ast.Module) -> list[tuple[int, int]]:
    """(node id, variant) for each comparison operator and `and`/`or` to flip, each verdict
    an Assessment gives (to each other verdict), each max/min (which record is the newest), and
    each member of the ECS model's status sets."""
    sites = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in MUTATED_CONSTANTS for t in node.targets
        ):
            members = next(n for n in ast.walk(node.value) if isinstance(n, ast.Set))
            sites += [(id(members), i) for i in range(len(members.elts))]
    for function in tree.body:
        if isinstance(function, ast.FunctionDef) and function.name in MUTATED_FUNCTIONS:
            for node in ast.walk(function):
                if isinstance(node, ast.Compare):
                    sites += [(id(node), i) for i, op in enumerate(node.ops) if type(op) in SWAPS]
                elif isinstance(node, ast.BoolOp):
                    sites.append((id(node), -1))
                elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                    if node.func.id in ("max", "min"):
                        sites.append((id(node), -1))
                    elif node.func.id == "Assessment" and isinstance(node.args[0], ast.Constant):
                        sites += [(id(node), 0), (id(node), 1)]
    return sites


def mutate(node: ast.AST, op_index: int) -> None:
    if isinstance(node, ast.BoolOp):
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif isinstance(node, ast.Set):
        del node.elts[op_index]
    elif isinstance(node, ast.Call) and node.func.id in ("max", "min"):
        node.func.id = "min" if node.func.id == "max" else "max"
    elif isinstance(node, ast.Call):
        others = [state for state in STATES if state != node.args[0].value]
        node.args[0] = ast.copy_location(ast.Constant(others[op_index]), node.args[0])
    else:
        assert isinstance(node, ast.Compare)
        node.ops[op_index] = SWAPS[type(node.ops[op_index])]()


def mutants() -> list[tuple[str, types.ModuleType]]:
    """A test-only copy of the script per mutation site, as a module. The script is run once;
    each mutant recompiles only the one top-level statement it changes (a function or a status
    set) into a copy of that namespace, with every function rebound to the copy, so a call from
    `main` reaches the mutated code."""
    source = SCRIPT.read_text(encoding="utf-8")
    tree = ast.parse(source)
    base = types.ModuleType("verify_deployment_unmutated")
    base.__file__ = str(SCRIPT)
    sys.modules[base.__name__] = base  # dataclasses look their module up there
    try:
        exec(compile(tree, str(SCRIPT), "exec"), base.__dict__)
    finally:
        del sys.modules[base.__name__]
    by_id = {
        id(node): (index, position)
        for index, statement in enumerate(tree.body)
        for position, node in enumerate(ast.walk(statement))
    }
    found = []
    for number, (node_id, op_index) in enumerate(mutation_sites(tree)):
        index, position = by_id[node_id]
        statement = copy.deepcopy(tree.body[index])
        node = list(ast.walk(statement))[position]
        before = ast.unparse(node)
        mutate(node, op_index)
        label = f"line {node.lineno}: {before}  ->  {ast.unparse(node)}"
        module = types.ModuleType(f"verify_deployment_mutant_{number}")
        namespace = module.__dict__
        namespace.update({k: v for k, v in base.__dict__.items() if k not in ("__name__",)})
        for name, value in list(namespace.items()):
            if isinstance(value, types.FunctionType) and value.__globals__ is base.__dict__:
                rebound = types.FunctionType(
                    value.__code__, namespace, value.__name__, value.__defaults__, value.__closure__
                )
                rebound.__kwdefaults__ = value.__kwdefaults__
                namespace[name] = rebound
        code = compile(ast.Module([statement], type_ignores=[]), f"<mutant {label}>", "exec")
        exec(code, namespace)
        found.append((label, module))
    return found


def test_every_comparison_mutant_is_killed_by_the_decision_table(tmp_path):
    found = mutants()
    assert len(found) >= 25, "the mutation check lost its comparisons"
    survivors = []
    # The case that killed the last mutant is tried first: neighbouring mutants (one function,
    # one status set) die by the same case, so most need one run, not a scan of the table.
    order = list(CASES)
    for label, module in found:
        workdir = tmp_path / str(len(survivors))
        workdir.mkdir(exist_ok=True)
        killer = next((name for name in order if run_case(module, CASES[name], workdir)), None)
        if killer is None:
            survivors.append(label)
        else:
            order.remove(killer)
            order.insert(0, killer)
    assert survivors == [], "mutants no decision-table case catches:\n" + "\n".join(survivors)


# --- bad arguments and malformed answers: one clear line, a documented exit code ------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--timeout", "nan"], "--timeout nan: must be a finite number of seconds > 0"),
        (["--poll-interval", "0"], "--poll-interval 0.0: must be a finite number"),
        (["--http-retry-delay", "-1"], "--http-retry-delay -1.0: must be a finite number >= 0"),
        (["--http-attempts", "0"], "--http-attempts 0: must be at least 1"),
        (["--expect-image", "nextjs"], "--expect-image 'nextjs': expected CONTAINER=IMAGE"),
        (["--promote", "nextjs"], "--promote needs --github-output"),
    ],
)
def test_bad_arguments_exit_2_with_one_clear_line(outputs_file, capsys, args, says):
    with pytest.raises(SystemExit) as exited:
        vd.main(["--outputs-json", str(outputs_file), *args], ecs_client=object())
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert says in err and "Traceback" not in err


def test_missing_region_exits_2_before_any_aws_call(outputs_file, capsys, monkeypatch):
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    assert vd.cli(["--outputs-json", str(outputs_file)]) == 2
    err = capsys.readouterr().err
    assert "no AWS region: pass --region or set AWS_REGION" in err
    assert "Traceback" not in err


def test_an_unexpected_error_is_one_line_and_exit_3(outputs_file, capsys, monkeypatch):
    def broken(*_args, **_kwargs):
        raise KeyError("deployments")

    monkeypatch.setattr(vd, "main", broken)
    assert vd.cli([]) == 3
    assert capsys.readouterr().err == (
        "post-deploy verification: unexpected error KeyError: 'deployments'\n"
    )


@pytest.fixture
def raw_http_server():
    """A local server that answers each connection with the bytes it is given."""
    answers: list[bytes] = []

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.recv(65536)
            self.request.sendall(answers.pop(0))

    server = socketserver.TCPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", answers
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (b"NOT-HTTP garbage\r\n\r\n", "malformed HTTP answer (BadStatusLine"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n" + b"X: y\r\n" * 101 + b"\r\n", "malformed"),
        (b"", "network error"),
    ],
)
def test_malformed_http_answers_fail_the_smoke_check_with_a_message(raw_http_server, answer, says):
    base, answers = raw_http_server
    answers.append(answer)
    with pytest.raises(vd.VerificationError) as failed:
        vd.smoke_check(
            base,
            [],
            fetch=vd.urllib_fetch,
            attempts=1,
            retry_delay=0,
            sleep=lambda _: None,
            log=lambda _: None,
        )
    assert says in str(failed.value)
    assert f"{base}/: wanted a 2xx status" in str(failed.value)


def test_a_real_answer_passes_the_smoke_check(raw_http_server):
    base, answers = raw_http_server
    answers.append(b"HTTP/1.1 200 OK\r\nX-Cache: Hit from cloudfront\r\nContent-Length: 0\r\n\r\n")
    logged: list[str] = []
    vd.smoke_check(
        base, [], fetch=vd.urllib_fetch, attempts=1, retry_delay=0, sleep=print, log=logged.append
    )
    assert logged == [f"OK {base}/: HTTP 200 (x-cache: Hit from cloudfront)"]


def test_a_health_route_that_redirects_is_not_followed(raw_http_server):
    """Property: a redirect is the answer (a health route that redirects to a page answering 200
    is not healthy), so the real fetch does not follow it."""
    base, answers = raw_http_server
    answers.append(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")  # the home page
    answers.append(b"HTTP/1.1 302 Found\r\nLocation: /\r\nContent-Length: 0\r\n\r\n")
    answers.append(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")  # where it would lead
    with pytest.raises(vd.VerificationError) as failed:
        vd.smoke_check(
            base,
            ["/api/health"],
            fetch=vd.urllib_fetch,
            attempts=1,
            retry_delay=0,
            sleep=lambda _: None,
            log=lambda _: None,
        )
    assert f"{base}/api/health: wanted 200, last got HTTP 302" in str(failed.value)


@pytest.mark.parametrize(
    "deployments",
    [
        [deployment("PRIMARY", NEW_TD, "IN_PROGRESS")],  # all tasks up, rollout not done
        [deployment("PRIMARY", NEW_TD, "COMPLETED"), deployment("ACTIVE", OLD_TD, "COMPLETED")],
        [deployment("PRIMARY", NEW_TD, "COMPLETED", running=1)],
        [deployment("PRIMARY", NEW_TD, "COMPLETED", running=0, desired=0)],
    ],
    ids=["rollout-in-progress", "old-deployment-live", "tasks-short", "zero-desired"],
)
def test_a_deployment_is_settled_only_when_every_condition_of_settled_holds(
    deployments: list[dict],
) -> None:
    """Settled means all four at once: the PRIMARY's rollout COMPLETED, no other live
    deployment, every desired task running, and at least one task desired. Each answer breaks
    one and stays in progress (the verifier keeps waiting). Mutant: a clause of the settled test
    dropped (a rollout still in progress with its tasks up read as settled)."""
    (service,) = service_answer(*deployments)["services"]
    assert vd.assess_service(service, NEW_TD).state == "in_progress"
    (settled,) = SETTLED["services"]
    assert vd.assess_service(settled, NEW_TD).state == "settled"


@pytest.mark.parametrize(
    "args",
    [
        ["--http-retry-delay", "0"],  # retry at once: the bound itself
        ["--http-retry-delay", "0.5"],
        ["--http-attempts", "1"],  # one attempt, no retry
        ["--poll-interval", "0.1", "--timeout", "0.5"],
    ],
)
def test_the_smallest_allowed_arguments_are_accepted(outputs_file, args):
    """Each bound admits its own edge: a retry delay of 0 s and any fraction of a second, a
    single HTTP attempt, sub-second polls. Mutant: the delay's `< 0` moved to `< 1`."""
    parsed = vd._arguments(["--outputs-json", str(outputs_file), *args])
    assert parsed.http_attempts >= 1 and parsed.http_retry_delay >= 0


@pytest.mark.parametrize(
    ("given", "environment", "used"),
    [
        ("eu-central-1", {"AWS_REGION": "eu-west-1"}, "eu-central-1"),  # --region wins
        (None, {"AWS_REGION": "eu-west-1"}, "eu-west-1"),  # what the workflows set
        (None, {"AWS_DEFAULT_REGION": "us-east-1"}, "us-east-1"),  # the CLI's older name
        (None, {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-east-1"}, "eu-west-1"),
        (None, {}, None),  # none: refused before any call
    ],
)
def test_the_region_comes_from_the_argument_then_aws_region_then_aws_default_region(
    monkeypatch, given, environment, used
):
    """The SDK's own order: an explicit region, else AWS_REGION (what the deploy workflows
    export), else AWS_DEFAULT_REGION (blind:39, AWS_REGION no longer read)."""
    import boto3

    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    asked: list[str] = []
    monkeypatch.setattr(boto3, "client", lambda service, region_name: asked.append(region_name))
    if used is None:
        with pytest.raises(vd.InputError, match="no AWS region"):
            vd._default_ecs_client(given)
        assert asked == []
    else:
        vd._default_ecs_client(given)
        assert asked == [used]
