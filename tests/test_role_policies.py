"""Property: every inline role policy is a child of the role it is attached to.

A resource's URN carries its parent: a policy parented elsewhere (the component) gets another URN,
and `pulumi up` would replace it on every deployed stack. components/trust.py `role_with_policy`
makes each pair; this holds every pair the program registers, in every stack.
"""

from __future__ import annotations

from foundation.records import StackRun

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def test_every_inline_policy_is_a_child_of_the_role_it_is_attached_to(
    each_stack: StackRun,
) -> None:
    by_urn = {r.urn: r for r in each_stack.resources}
    policies = [r for r in each_stack.resources if r.type == ROLE_POLICY]
    assert len(policies) >= 5, "the program attaches inline policies to its roles"
    misplaced = []
    for policy in policies:
        parent = by_urn.get(policy.parent or "")
        if parent is None or parent.type != ROLE or parent.outputs["id"] != policy.inputs["role"]:
            misplaced.append(policy.name)
    assert misplaced == [], f"inline policies not under their role: {misplaced}"


def test_what_acts_with_a_role_waits_for_the_roles_inline_policy(each_stack: StackRun) -> None:
    """Property: the RDS Proxy and each Lambda function are created after their role's inline
    policy, not beside it: created first, the proxy or the function's first run finds a role that
    may do nothing yet."""
    roles = {r.outputs["arn"]: r for r in each_stack.resources if r.type == ROLE}
    acting = {
        "aws:rds/proxy:Proxy": "roleArn",
        "aws:lambda/function:Function": "role",
    }
    checked, early = 0, []
    for resource in each_stack.resources:
        key = acting.get(resource.type)
        role = roles.get(resource.inputs.get(key)) if key else None
        if role is None:
            continue
        policies = [
            p.urn for p in each_stack.resources if p.type == ROLE_POLICY and p.parent == role.urn
        ]
        checked += 1
        if not policies or not set(policies) <= set(resource.dependencies):
            early.append(resource.name)
    assert checked >= 2, "the program has a proxy or functions acting with their own role"
    assert early == [], f"created before their role's policy: {early}"
