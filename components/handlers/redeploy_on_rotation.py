"""Lambda: after Secrets Manager rotates the database password, roll the ECS service.

ECS reads a secret only when a task starts, so tasks started before a rotation keep the old
password and their new connections fail. A forced new deployment replaces every task (rolling,
100/200 %, with the circuit breaker), and the new ones start with the rotated password.
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any

import boto3


@functools.cache
def ecs_client() -> Any:
    """The ECS client, made on first use (Lambda provides the region)."""
    return boto3.client("ecs")


def rotated_secret(event: dict[str, Any]) -> str | None:
    """The ARN of the secret a RotationSucceeded CloudTrail event is about, if it is one."""
    detail = event.get("detail") or {}
    if detail.get("eventName") != "RotationSucceeded":
        return None
    return (detail.get("additionalEventData") or {}).get("SecretId")


def handler(event: dict[str, Any], _context: object) -> dict[str, Any]:
    secret = rotated_secret(event)
    if secret != os.environ["SECRET_ARN"]:
        print(json.dumps({"action": "ignored", "secret": secret}))
        return {"redeployed": False}
    cluster, service = os.environ["CLUSTER"], os.environ["SERVICE"]
    response = ecs_client().update_service(
        cluster=cluster, service=service, forceNewDeployment=True
    )
    deployment = response["service"]["deployments"][0]["id"]
    print(json.dumps({"action": "redeployed", "service": service, "deployment": deployment}))
    return {"redeployed": True, "deployment": deployment}
