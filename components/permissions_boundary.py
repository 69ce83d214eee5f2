"""Every IAM role the program creates carries its stack's permissions boundary.

The deploy role may create or change a role only under `perfcheck-<stack>-boundary`
(deploy/deploy-role-policy.json, `iam:PermissionsBoundary` condition), which
`deploy/bootstrap.sh` creates before the first deploy. A role created without it is refused by
IAM at `pulumi up`, so the boundary is set once, for every role, by a stack transform rather than
in each component (a new role cannot forget it).
"""

from __future__ import annotations

import pulumi

ROLE_TYPE = "aws:iam/role:Role"


def boundary_arn(account_id: str, stack: str) -> str:
    """The boundary policy `deploy/bootstrap.sh` creates for a stack."""
    return f"arn:aws:iam::{account_id}:policy/perfcheck-{stack}-boundary"


def boundary_transform(boundary: pulumi.Input[str]) -> pulumi.ResourceTransform:
    """A stack transform that sets the permissions boundary on every IAM role."""

    def transform(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if not args.custom or args.type_ != ROLE_TYPE:
            return None
        props = dict(args.props)
        props["permissionsBoundary"] = boundary
        return pulumi.ResourceTransformResult(props=props, opts=args.opts)

    return transform


def apply_permissions_boundary(account_id: pulumi.Input[str], stack: str) -> None:
    """Register the transform for every role the program creates from here on."""
    boundary = pulumi.Output.from_input(account_id).apply(lambda a: boundary_arn(a, stack))
    pulumi.runtime.register_resource_transform(boundary_transform(boundary))
