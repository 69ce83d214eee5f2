"""After each database password rotation, the web service is rolled so tasks get the new one."""

from __future__ import annotations

import json

import pytest

from components.handlers import redeploy_on_rotation as handler
from components.rotation_redeploy import rotation_event_pattern
from foundation.records import StackRun

SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1234-AbCdEf"


def rotation_event(secret: str, name: str = "RotationSucceeded") -> dict:
    """The shape CloudTrail delivers (detail-type 'AWS Service Event via CloudTrail')."""
    return {
        "source": "aws.secretsmanager",
        "detail-type": "AWS Service Event via CloudTrail",
        "detail": {
            "eventSource": "secretsmanager.amazonaws.com",
            "eventName": name,
            "requestParameters": None,
            "additionalEventData": {"SecretId": secret},
        },
    }


class FakeEcs:
    def __init__(self) -> None:
        self.calls: list[dict] = []

    def update_service(self, **kwargs: object) -> dict:
        self.calls.append(kwargs)
        return {"service": {"deployments": [{"id": "ecs-svc/1234"}]}}


@pytest.fixture
def ecs(monkeypatch: pytest.MonkeyPatch) -> FakeEcs:
    fake = FakeEcs()
    monkeypatch.setattr(handler, "ecs_client", lambda: fake)
    monkeypatch.setenv("SECRET_ARN", SECRET)
    monkeypatch.setenv("CLUSTER", "perfcheck-prod-cluster")
    monkeypatch.setenv("SERVICE", "perfcheck-prod-web")
    return fake


def test_a_rotation_of_the_secret_forces_a_new_deployment(ecs: FakeEcs) -> None:
    result = handler.handler(rotation_event(SECRET), None)
    assert result == {"redeployed": True, "deployment": "ecs-svc/1234"}
    assert ecs.calls == [
        {
            "cluster": "perfcheck-prod-cluster",
            "service": "perfcheck-prod-web",
            "forceNewDeployment": True,
        }
    ]


@pytest.mark.parametrize(
    "event",
    [
        rotation_event(SECRET.replace("1234", "9999")),
        rotation_event(SECRET, name="RotationFailed"),
        {"detail": {}},
    ],
)
def test_other_events_change_nothing(ecs: FakeEcs, event: dict) -> None:
    assert handler.handler(event, None) == {"redeployed": False}
    assert ecs.calls == []


def test_the_rule_matches_only_this_secret_rotating() -> None:
    pattern = json.loads(rotation_event_pattern(SECRET))
    assert pattern["detail-type"] == ["AWS Service Event via CloudTrail"]
    assert pattern["detail"]["eventName"] == ["RotationSucceeded"]
    assert pattern["detail"]["additionalEventData"] == {"SecretId": [SECRET]}


def test_each_stack_rolls_its_service_after_the_master_secret_rotates(each_stack: StackRun) -> None:
    master = each_stack.outputs["databaseMasterSecretArn"]
    rule = each_stack.one("aws:cloudwatch/eventRule:EventRule")
    assert json.loads(rule.wire_inputs["eventPattern"]) == json.loads(
        rotation_event_pattern(master)
    )
    function = each_stack.one("aws:lambda/function:Function")
    variables = function.wire_inputs["environment"]["variables"]
    assert variables == {
        "SECRET_ARN": master,
        "CLUSTER": each_stack.outputs["clusterName"],
        "SERVICE": each_stack.outputs["serviceName"],
    }
    target = each_stack.one("aws:cloudwatch/eventTarget:EventTarget")
    assert target.wire_inputs["arn"] == function.outputs["arn"]
    permissions = each_stack.one(
        "aws:iam/rolePolicy:RolePolicy", "db-rotation-redeploy-permissions"
    )
    policy = json.loads(permissions.wire_inputs["policy"])
    (roll,) = [s for s in policy["Statement"] if s["Action"] == "ecs:UpdateService"]
    cluster, service = each_stack.outputs["clusterName"], each_stack.outputs["serviceName"]
    assert roll["Resource"] == f"arn:aws:ecs:eu-west-1:123456789012:service/{cluster}/{service}"
