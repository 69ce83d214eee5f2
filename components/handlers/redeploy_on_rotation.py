"""Lambda: roll the ECS service after a rotation, and finish a cache-token rotation once the
fleet has rolled.

Two EventBridge rules invoke it:

- `RotationSucceeded` (a CloudTrail service event of Secrets Manager) for one of the secrets the
  tasks read (SECRET_ARNS): ECS reads secrets only when a task starts, so a forced new deployment
  (rolling, 100/200 %, circuit breaker) replaces every task with ones that read the new value.
  Tasks name secrets by ARN without a version id, so any task ECS starts later - including one a
  rollback starts - reads the then-current value: a rollback cannot bring back a stale one.
- `SERVICE_DEPLOYMENT_COMPLETED` (an ECS deployment state change of the service): when the cache
  token's secret (VALKEY_SECRET_ARN) carries the set-after tag (its rotation moved AWSCURRENT at
  that time, components/handlers/rotate_generated_secret.py), and every running task started
  after that moment, the old token is dropped (strategy SET) and the tag removed. Until then both
  tokens stay valid, so no task that still holds the old one is cut off.
"""

from __future__ import annotations

import functools
import json
import os
from datetime import datetime
from typing import Any

import boto3

SET_AFTER_TAG = "perfcheck:cache-token-set-after"
"""Written by the rotation function when the cache token's AWSCURRENT moved (ISO 8601)."""


@functools.cache
def client(service: str) -> Any:
    """A boto3 client, made on first use (Lambda provides the region)."""
    return boto3.client(service)


def rotated_secret(event: dict[str, Any]) -> str | None:
    """The ARN of the secret a RotationSucceeded CloudTrail event is about, if it is one."""
    detail = event.get("detail") or {}
    if detail.get("eventName") != "RotationSucceeded":
        return None
    return (detail.get("additionalEventData") or {}).get("SecretId")


def completed_deployment(event: dict[str, Any]) -> bool:
    """True for the ECS event saying a deployment of this service completed."""
    detail = event.get("detail") or {}
    return (
        event.get("detail-type") == "ECS Deployment State Change"
        and detail.get("eventName") == "SERVICE_DEPLOYMENT_COMPLETED"
        and os.environ["SERVICE_ARN"] in (event.get("resources") or [])
    )


def redeploy(secret: str) -> dict[str, Any]:
    cluster, service = os.environ["CLUSTER"], os.environ["SERVICE"]
    response = client("ecs").update_service(
        cluster=cluster, service=service, forceNewDeployment=True
    )
    deployment = response["service"]["deployments"][0]["id"]
    print(json.dumps({"action": "redeployed", "secret": secret, "deployment": deployment}))
    return {"redeployed": True, "deployment": deployment}


def _running_task_starts() -> list[datetime]:
    ecs = client("ecs")
    cluster = os.environ["CLUSTER"]
    arns = ecs.list_tasks(
        cluster=cluster, serviceName=os.environ["SERVICE"], desiredStatus="RUNNING"
    )["taskArns"]
    if not arns:
        return []
    tasks = ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"]
    return [task.get("startedAt") or task["createdAt"] for task in tasks]


def finish_cache_token_rotation() -> dict[str, Any]:
    """SET the current token (dropping the old one) once the whole fleet started after the
    rotation; otherwise leave both valid and wait for the next completed deployment."""
    secret_arn = os.environ.get("VALKEY_SECRET_ARN")
    if not secret_arn:
        return {"tokenSet": False, "why": "no cache token"}
    manager = client("secretsmanager")
    tags = {
        t["Key"]: t["Value"] for t in manager.describe_secret(SecretId=secret_arn).get("Tags") or []
    }
    if SET_AFTER_TAG not in tags:
        return {"tokenSet": False, "why": "no rotation waiting for SET"}
    moved = datetime.fromisoformat(tags[SET_AFTER_TAG])
    starts = _running_task_starts()
    if not starts or min(starts) <= moved:
        return {"tokenSet": False, "why": "a running task started before the rotation"}
    group_id = os.environ["REPLICATION_GROUP_ID"]
    current = manager.get_secret_value(SecretId=secret_arn, VersionStage="AWSCURRENT")
    client("elasticache").modify_replication_group(
        ReplicationGroupId=group_id,
        AuthToken=current["SecretString"],
        AuthTokenUpdateStrategy="SET",
        ApplyImmediately=True,
    )
    manager.untag_resource(SecretId=secret_arn, TagKeys=[SET_AFTER_TAG])
    print(json.dumps({"action": "cache token SET", "replicationGroup": group_id}))
    return {"tokenSet": True}


def handler(event: dict[str, Any], _context: object) -> dict[str, Any]:
    secret = rotated_secret(event)
    if secret is not None and secret in json.loads(os.environ["SECRET_ARNS"]):
        return redeploy(secret)
    if completed_deployment(event):
        return finish_cache_token_rotation()
    print(json.dumps({"action": "ignored", "secret": secret}))
    return {"redeployed": False}
