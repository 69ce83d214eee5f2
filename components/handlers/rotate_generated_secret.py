"""Lambda: Secrets Manager's four-step rotation for the secrets this stack generates.

Secrets Manager calls it with Step = createSecret, setSecret, testSecret, finishSecret and a
ClientRequestToken (the new version's id). KINDS (JSON, secret ARN -> kind) says how to make and
apply a value:

- `alphanumeric:<length>`: a random password (internal token, revalidation secret);
- `base64:<bytes>`: random key material, base64 (the Next.js server-actions key);
- `valkey-auth:<length>`: the cache AUTH token. setSecret adds it next to the old one
  (ModifyReplicationGroup, strategy ROTATE: both are accepted), testSecret waits until the group
  is available again. The old token is dropped later (strategy SET), only once every task of the
  service started after the rotation (components/handlers/redeploy_on_rotation.py).

The app reads X (AWSCURRENT) and X_PREVIOUS (AWSPREVIOUS) and accepts both, so tasks started
before and after a rotation agree while the redeploy rolls (foundation/app_contract.py).
"""

from __future__ import annotations

import base64
import functools
import json
import os
import secrets
import time
from datetime import UTC, datetime
from typing import Any

import boto3

CURRENT, PENDING, PREVIOUS = "AWSCURRENT", "AWSPENDING", "AWSPREVIOUS"
SET_AFTER_TAG = "perfcheck:cache-token-set-after"
"""Tag on the cache-token secret while the old token is still valid: when AWSCURRENT moved
(ISO 8601). The redeploy function drops the old token once every task started after it."""
APPLIED_TAG = "perfcheck:cache-token-applied"
"""Tag on the cache-token secret: the pending version id setSecret last gave the replication
group. testSecret tells a rotation (this version was applied) from Secrets Manager's
configuration test (RotateSecret with RotateImmediately=false runs only testSecret, on a
throw-away AWSPENDING version that no createSecret or setSecret ever saw; Secrets Manager user
guide, "Rotation by Lambda function" / RotateSecret API reference, RotateImmediately)."""
WAIT_SECONDS = 600


@functools.cache
def client(service: str) -> Any:
    """A boto3 client, made on first use (Lambda provides the region)."""
    return boto3.client(service)


def kind_of(secret_arn: str) -> tuple[str, int]:
    kinds = json.loads(os.environ["KINDS"])
    kind, _, size = kinds[secret_arn].partition(":")
    return kind, int(size)


def new_value(kind: str, size: int) -> str:
    if kind == "base64":
        return base64.b64encode(secrets.token_bytes(size)).decode()
    response = client("secretsmanager").get_random_password(
        PasswordLength=size, ExcludePunctuation=True, IncludeSpace=False
    )
    return str(response["RandomPassword"])


def _stages(secret_arn: str) -> dict[str, list[str]]:
    metadata = client("secretsmanager").describe_secret(SecretId=secret_arn)
    return dict(metadata.get("VersionIdsToStages") or {})


def create_secret(secret_arn: str, token: str) -> None:
    """RotateSecret has labelled the version id AWSPENDING; give it a value (once: a retried
    step finds the value and keeps it)."""
    manager = client("secretsmanager")
    try:
        manager.get_secret_value(SecretId=secret_arn, VersionId=token, VersionStage=PENDING)
        return
    except manager.exceptions.ResourceNotFoundException:
        pass
    kind, size = kind_of(secret_arn)
    manager.put_secret_value(
        SecretId=secret_arn,
        ClientRequestToken=token,
        SecretString=new_value(kind, size),
        VersionStages=[PENDING],
    )


def set_secret(secret_arn: str, token: str) -> None:
    kind, _ = kind_of(secret_arn)
    if kind != "valkey-auth":
        return  # the app reads the value at start: nothing to tell anyone yet
    pending = client("secretsmanager").get_secret_value(
        SecretId=secret_arn, VersionId=token, VersionStage=PENDING
    )["SecretString"]
    client("elasticache").modify_replication_group(
        ReplicationGroupId=os.environ["REPLICATION_GROUP_ID"],
        AuthToken=pending,
        AuthTokenUpdateStrategy="ROTATE",
        ApplyImmediately=True,
    )
    client("secretsmanager").tag_resource(
        SecretId=secret_arn, Tags=[{"Key": APPLIED_TAG, "Value": token}]
    )


def _applied_version(secret_arn: str) -> str | None:
    tags = client("secretsmanager").describe_secret(SecretId=secret_arn).get("Tags") or []
    return next((t["Value"] for t in tags if t.get("Key") == APPLIED_TAG), None)


def _replication_group() -> dict[str, Any]:
    return dict(
        client("elasticache").describe_replication_groups(
            ReplicationGroupId=os.environ["REPLICATION_GROUP_ID"]
        )["ReplicationGroups"][0]
    )


def test_secret(secret_arn: str, token: str) -> None:
    kind, _ = kind_of(secret_arn)
    if kind != "valkey-auth":
        return
    if _applied_version(secret_arn) != token:
        # Secrets Manager's configuration test: nothing was applied, so test what a rotation
        # needs without changing anything: the group answers this role and uses AUTH.
        group = _replication_group()
        if not group.get("AuthTokenEnabled"):
            raise ValueError(
                f"replication group {os.environ['REPLICATION_GROUP_ID']} has no AUTH token: "
                "there is nothing for this rotation to rotate"
            )
        return
    # The pending token is in use once the group is available again AND its token changed after
    # the pending version was written: "available" alone may be read before ElastiCache has even
    # started the modification, and finishSecret would then hand tasks a token it refuses.
    written = client("secretsmanager").get_secret_value(
        SecretId=secret_arn, VersionId=token, VersionStage=PENDING
    )["CreatedDate"]
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        group = _replication_group()
        changed = group.get("AuthTokenLastModifiedDate")
        if group["Status"] == "available" and changed is not None and changed >= written:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"replication group still {group['Status']}; rotation retries")
        time.sleep(15)


def finish_secret(secret_arn: str, token: str) -> None:
    stages = _stages(secret_arn)
    current = next((v for v, labels in stages.items() if CURRENT in labels), None)
    if current == token:
        return
    # Moving AWSCURRENT also moves AWSPREVIOUS to the version it leaves (Secrets Manager does it).
    client("secretsmanager").update_secret_version_stage(
        SecretId=secret_arn,
        VersionStage=CURRENT,
        MoveToVersionId=token,
        RemoveFromVersionId=current,
    )
    if kind_of(secret_arn)[0] == "valkey-auth":
        moved = datetime.now(UTC).isoformat()
        client("secretsmanager").tag_resource(
            SecretId=secret_arn, Tags=[{"Key": SET_AFTER_TAG, "Value": moved}]
        )


RESYNC_ACTION = "resync-cache-token"
"""Event `{"Action": RESYNC_ACTION, "SecretId": ...}`: sent by `pulumi up` when the replication
group is created or replaced (components/secret_rotation.py)."""


def resync_cache_token(secret_arn: str) -> dict[str, bool]:
    """A replaced or restored group starts from the token in the program's state (the first
    one), while tasks read the rotated AWSCURRENT: add AWSCURRENT to the group (ROTATE keeps
    the stale one valid too) and mark it for the SET that drops the stale one once every task
    started after now. Nothing to do while the secret was never rotated."""
    stages = _stages(secret_arn)
    current = next(v for v, labels in stages.items() if CURRENT in labels)
    if PREVIOUS in stages[current] or len(stages) == 1:
        return {"resynced": False}
    value = client("secretsmanager").get_secret_value(SecretId=secret_arn, VersionId=current)
    client("elasticache").modify_replication_group(
        ReplicationGroupId=os.environ["REPLICATION_GROUP_ID"],
        AuthToken=value["SecretString"],
        AuthTokenUpdateStrategy="ROTATE",
        ApplyImmediately=True,
    )
    client("secretsmanager").tag_resource(
        SecretId=secret_arn, Tags=[{"Key": SET_AFTER_TAG, "Value": datetime.now(UTC).isoformat()}]
    )
    return {"resynced": True}


STEPS = {
    "createSecret": create_secret,
    "setSecret": set_secret,
    "testSecret": test_secret,
    "finishSecret": finish_secret,
}


def handler(event: dict[str, Any], _context: object) -> dict[str, bool] | None:
    if event.get("Action") == RESYNC_ACTION:
        return resync_cache_token(event["SecretId"])
    secret_arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    metadata = client("secretsmanager").describe_secret(SecretId=secret_arn)
    if not metadata.get("RotationEnabled"):
        raise ValueError(f"rotation is not enabled for {secret_arn}")
    stages = metadata.get("VersionIdsToStages") or {}
    if token not in stages:
        raise ValueError(f"version {token} is not a version of {secret_arn}")
    if CURRENT in stages[token]:
        return  # already current: a retried or repeated rotation, nothing to do
    if PENDING not in stages[token]:
        raise ValueError(f"version {token} of {secret_arn} is not pending rotation")
    STEPS[step](secret_arn, token)
    print(json.dumps({"step": step, "secret": secret_arn, "version": token}))
    return None
