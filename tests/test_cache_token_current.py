"""A cache group created by any `up` starts from the AUTH token the tasks read (AWSCURRENT).

Tasks read the token's AWSCURRENT (foundation/app_contract.py: no `_PREVIOUS` for it) and
ElastiCache accepts only the tokens it was given. The rotation moves AWSCURRENT away from the
program's first value every 30 days, so a group created later - replaced by an `up`, or created
again after `pulumi refresh` dropped it (docs/runbooks/disaster-recovery.md, "Cache lost") - must
be given AWSCURRENT, not the first value (review 21, second pass, R3).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pulumi
import pytest

from components import secrets as app_secrets
from foundation.records import StackRun, is_secret_wrapper
from tests.iam_policy_evaluator import Request, decide, render
from tools.offline import mocks
from tools.offline.runner import ROOT, run_program, run_stack

READ = "aws:secretsmanager/getSecretVersion:getSecretVersion"
GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
ROTATED = "RotatedCurrentToken" * 3
"""What AWSCURRENT holds after a rotation: not the program's first value."""


def _token_secret_arn(run: StackRun) -> str:
    (secret,) = [
        s
        for s in run.by_type("aws:secretsmanager/secret:Secret")
        if s.name == "app-secrets-redis-auth-token"
    ]
    return str(secret.outputs["arn"])


def test_a_group_created_after_a_rotation_starts_from_the_current_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Property: the replication group's AUTH token at creation is the secret's AWSCURRENT at
    `up`, whatever the program generated first."""
    reads: list[dict[str, Any]] = []

    def rotated(m: mocks.AwsMocks, args: dict[str, Any]) -> dict:
        # Answers whatever is asked (an exception here would hang the mock engine); what was
        # asked is judged after the run.
        reads.append(dict(args))
        secret_id = str(args.get("secretId"))
        return {"id": secret_id, "arn": secret_id, "secretId": secret_id, "secretString": ROTATED}

    monkeypatch.setitem(mocks.INVOKES, READ, rotated)
    run = run_stack("prod")
    token = run.one(GROUP).wire_inputs["authToken"]
    first = run.one(
        "random:index/randomPassword:RandomPassword", "app-secrets-redis-auth-token-value"
    )
    assert is_secret_wrapper(token)
    assert token["value"] == ROTATED != first.outputs["result"]
    # AWSCURRENT of the token's own secret, once, by stage (not a pinned version)
    assert reads == [{"secretId": _token_secret_arn(run), "versionStage": "AWSCURRENT"}]


def test_a_preview_reads_no_secret_value(monkeypatch: pytest.MonkeyPatch) -> None:
    """Property: a preview never reads a secret's value (the pull request's preview role is
    read-only and creates nothing); it hands on the program's own value instead."""

    answered = mocks.INVOKES[READ]
    reads: list[str] = []

    def recorded(m: mocks.AwsMocks, args: dict[str, Any]) -> dict:
        reads.append(str(args.get("secretId")))  # an exception here would hang the mock engine
        return answered(m, args)

    monkeypatch.setitem(mocks.INVOKES, READ, recorded)
    monkeypatch.setattr(app_secrets.pulumi.runtime, "is_dry_run", lambda: True)

    def program() -> None:
        component = app_secrets.AppSecretsComponent(
            "app-secrets",
            {"name_prefix": "perfcheck-test", "recovery_window_days": 7, "protect": False},
        )
        pulumi.export("token", component.secrets.redis_auth_token_value)

    run = run_program(program)
    first = run.one(
        "random:index/randomPassword:RandomPassword", "app-secrets-redis-auth-token-value"
    )
    token = run.outputs["token"]
    assert reads == []
    assert (token["value"] if is_secret_wrapper(token) else token) == first.outputs["result"]


def test_the_deploy_role_may_read_its_own_stacks_token_and_not_the_others() -> None:
    """Property: the read an `up` now makes (GetSecretValue, and KMS Decrypt through Secrets
    Manager) is allowed on the stack's own token, by its tag, and refused on the other stack's."""
    document = json.loads((ROOT / "deploy" / "deploy-role-policy.json").read_text())
    policy = render(copy.deepcopy(document), Stack="prod", AccountId="123456789012")
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:perfcheck-prod/redis-auth-token-x"
    key = "arn:aws:kms:eu-west-1:123456789012:key/app-secrets"

    def reads(stack: str) -> list[str]:
        tags = {"aws:ResourceTag/Environment": stack}
        via = {**tags, "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}
        return [
            decide(policy, Request("secretsmanager:GetSecretValue", arn, tags)),
            decide(policy, Request("kms:Decrypt", key, via)),
        ]

    assert reads("prod") == ["Allow", "Allow"]
    assert "Allow" not in reads("staging")
