"""Property: every IAM role the program creates is under the boundary the deploy role demands.

The deploy role may create a role only with `iam:PermissionsBoundary` equal to its stack's
boundary (deploy/deploy-role-policy.json); a role without it is refused by IAM at `pulumi up`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pulumi

from components.permissions_boundary import ROLE_TYPE, boundary_arn, boundary_transform
from foundation.records import StackRun

ROOT = Path(__file__).resolve().parents[1]


def _demanded_boundaries(account: str, stack: str) -> set[str]:
    """The boundary ARNs the deploy role's CreateRole conditions name for this stack."""
    text = (ROOT / "deploy/deploy-role-policy.json").read_text()
    document = json.loads(text.replace("${AccountId}", account).replace("${Stack}", stack))
    found: set[str] = set()
    for statement in document["Statement"]:
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if "iam:CreateRole" in actions:
            for condition in statement.get("Condition", {}).values():
                value = condition.get("iam:PermissionsBoundary")
                if value:
                    found.update([value] if isinstance(value, str) else value)
    return found


def test_every_role_carries_the_boundary_the_deploy_role_demands(each_stack: StackRun) -> None:
    roles = [r for r in each_stack.resources if r.type == ROLE_TYPE]
    assert roles, "the program creates IAM roles"
    account = "123456789012"  # the mocks' caller identity
    demanded = _demanded_boundaries(account, each_stack.stack)
    assert demanded == {boundary_arn(account, each_stack.stack)}
    missing = [r.name for r in roles if r.inputs.get("permissionsBoundary") not in demanded]
    assert missing == [], f"roles the deploy role could not create: {missing}"


def test_the_transform_touches_roles_only() -> None:
    transform = boundary_transform("arn:aws:iam::1:policy/perfcheck-x-boundary")
    opts = pulumi.ResourceOptions()
    bucket = pulumi.ResourceTransformArgs(True, "aws:s3/bucket:Bucket", "b", {}, opts)
    assert transform(bucket) is None
    role = pulumi.ResourceTransformArgs(True, ROLE_TYPE, "r", {"name": "r"}, opts)
    result = transform(role)
    assert result is not None
    assert result.props == {
        "name": "r",
        "permissionsBoundary": "arn:aws:iam::1:policy/perfcheck-x-boundary",
    }
