"""Property: every IAM role the program creates is under the boundary the deploy role demands.

The deploy role may create a role only with `iam:PermissionsBoundary` equal to its stack's
boundary (deploy/deploy-role-policy.json); a role without it is refused by IAM at `pulumi up`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pulumi

from components.permissions_boundary import ROLE_TYPE, boundary_arn, boundary_transform, role_path
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


def test_every_role_is_made_at_the_path_the_deploy_role_may_create_roles_at(
    each_stack: StackRun,
) -> None:
    """Property: the deploy role's CreateRole names `role/perfcheck/<stack>/*` only, so a role the
    program creates anywhere else is refused at `pulumi up`."""
    text = (ROOT / "deploy/deploy-role-policy.json").read_text()
    document = json.loads(text.replace("${AccountId}", "1").replace("${Stack}", each_stack.stack))
    (create,) = [s for s in document["Statement"] if "iam:CreateRole" in s["Action"]]
    assert create["Resource"] == f"arn:aws:iam::1:role{role_path(each_stack.stack)}*"
    roles = [r for r in each_stack.resources if r.type == ROLE_TYPE]
    assert (
        roles
        and [r.name for r in roles if r.inputs.get("path") != role_path(each_stack.stack)] == []
    )


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


def _granted(run: StackRun) -> list[tuple[str, str, dict[str, str]]]:
    """(role policy, action, condition values) for every action the program's inline role
    policies allow; a policy document that is not known JSON fails the test (fail closed)."""
    granted = []
    for record in run.resources:
        if record.type != "aws:iam/rolePolicy:RolePolicy":
            continue
        document = json.loads(record.inputs["policy"])
        for statement in document["Statement"]:
            if statement.get("Effect") != "Allow":
                continue
            actions = statement["Action"]
            context = {
                key: value
                for condition in statement.get("Condition", {}).values()
                for key, value in condition.items()
                if isinstance(value, str)
            }
            for action in [actions] if isinstance(actions, str) else actions:
                granted.append((record.name, action, context))
    return granted


def test_the_boundary_allows_every_action_the_roles_are_granted(each_stack: StackRun) -> None:
    """Property: a role's effective permissions are its policy AND its boundary, so an action
    the program grants that the boundary leaves out fails at run time (a task that cannot log in
    to the database, a bootstrap that cannot pass its task's roles)."""
    from tests.iam_policy_evaluator import Request, decide, render

    account = "123456789012"
    stack = each_stack.stack
    boundary = render(
        json.loads((ROOT / "deploy/permissions-boundary.json").read_text()),
        Stack=stack,
        AccountId=account,
    )
    granted = _granted(each_stack)
    assert granted, "the program's roles are granted actions"
    refused = []
    for policy, action, context in granted:
        resource = (
            f"arn:aws:iam::{account}:role{role_path(stack)}r"
            if action.startswith("iam:")
            else "arn:aws:x"
        )
        request = Request(action, resource, {"aws:ResourceTag/Environment": stack, **context})
        if decide(boundary, request) != "Allow":
            refused.append(f"{policy}: {action}")
    assert refused == [], f"the boundary refuses what the program grants: {sorted(set(refused))}"
