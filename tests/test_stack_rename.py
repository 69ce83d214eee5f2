"""A stack rename is not an ordinary `up` (review 21, third pass, R13).

Every resource carries its stack's name in its `Environment` tag, so the `up` after
`pulumi stack rename` retags everything: the old name's deploy role is denied that, and the new
name's role may not touch what is tagged with the old one. The documents must say so, not offer
the rename as a deploy.
"""

from __future__ import annotations

import copy
import json

import pytest

from tests.iam_policy_evaluator import Request, decide, render
from tools.offline.runner import ROOT

ACCOUNT = "123456789012"
RESOURCES = (
    "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0a1b2c3d",
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/perfcheck-prod-alb/1",
    "arn:aws:rds:eu-west-1:123456789012:db:perfcheck-prod-postgres",
)
RETAG_ACTIONS = ("ec2:CreateTags", "elasticloadbalancing:AddTags", "rds:AddTagsToResource")


def _policy(stack: str) -> dict:
    """The role's inline allows and its attached guards (deploy-role-guards.json), together."""
    allows, guards = (
        json.loads((ROOT / "deploy" / name).read_text())
        for name in ("deploy-role-policy.json", "deploy-role-guards.json")
    )
    merged = {**allows, "Statement": [*allows["Statement"], *guards["Statement"]]}
    return render(copy.deepcopy(merged), Stack=stack, AccountId=ACCOUNT)


def _retag(action: str, resource: str, old: str, new: str) -> Request:
    return Request(
        action,
        resource,
        {
            "aws:ResourceTag/Environment": old,
            "aws:RequestTag/Environment": new,
            "aws:TagKeys": ["Environment"],
        },
    )


@pytest.mark.parametrize(("action", "resource"), list(zip(RETAG_ACTIONS, RESOURCES, strict=True)))
@pytest.mark.parametrize(("old", "new"), [("prod", "production"), ("staging", "stage")])
def test_neither_deploy_role_may_retag_a_renamed_stacks_resources(
    action: str, resource: str, old: str, new: str
) -> None:
    """Property: the rename's retag is refused by the old name's role (explicitly) and by the
    new name's role (nothing allows a write on a resource tagged for another stack)."""
    request = _retag(action, resource, old, new)
    assert decide(_policy(old), request) == "Deny"
    assert decide(_policy(new), request) != "Allow"


def test_the_documents_do_not_offer_a_rename_as_a_deploy() -> None:
    """Property: replacements.md says a rename is not an `up` and what to do instead."""
    text = (ROOT / "docs" / "replacements.md").read_text()
    assert "Renaming the stack changes the prefix the same way" not in text
    section = text.split("## Renaming a stack (not an `up`)", 1)[1].split("\n## ", 1)[0]
    for needed in ("NeverRemoveTheStackTag", "--environments <new>", "make new-stack", "protect"):
        assert needed in section, needed
