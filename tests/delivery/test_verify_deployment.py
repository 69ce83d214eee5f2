"""Post-deploy verification against recorded ECS answers (botocore Stubber), with a fake clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime

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
    client = botocore.session.get_session().create_client(
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


def expect_describe(stubber, answer, times=1):
    for _ in range(times):
        stubber.add_response(
            "describe_services", answer, {"cluster": CLUSTER, "services": [SERVICE]}
        )


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
    expect_describe(stubber, {"services": [], "failures": [{"arn": SERVICE, "reason": "MISSING"}]})
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
