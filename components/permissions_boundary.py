"""Every IAM role the program creates carries its stack's permissions boundary and path.

The deploy role may create or change a role only under `perfcheck-<stack>-boundary`
(deploy/deploy-role-policy.json, `iam:PermissionsBoundary` condition), which
`deploy/bootstrap.sh` creates before the first deploy, and only at the path
`/perfcheck/<stack>/` (the policy's role statements name `role/perfcheck/<stack>/*`). The path is
what keeps a deploy role off every role it did not create: IAM has no condition key that tells
tagging a role as it is created from tagging an existing untagged one (the Service Authorization
Reference lists none for `iam:TagRole`), so by tag alone a role could tag any untagged role in the
account (e.g. an administrator role) into its stack and then rewrite its trust policy. A role
created without either is refused by IAM at `pulumi up`, so both are set once, for every role, by
a stack transform rather than in each component (a new role cannot forget them).
"""

from __future__ import annotations

import pulumi

ROLE_TYPE = "aws:iam/role:Role"


def boundary_arn(account_id: str, stack: str) -> str:
    """The boundary policy `deploy/bootstrap.sh` creates for a stack."""
    return f"arn:aws:iam::{account_id}:policy/perfcheck-{stack}-boundary"


def role_path(stack: str) -> str:
    """The IAM path of every role of a stack: its ARN is `role/perfcheck/<stack>/<name>`."""
    return f"/perfcheck/{stack}/"


def boundary_transform(
    boundary: pulumi.Input[str], path: str | None = None
) -> pulumi.ResourceTransform:
    """A stack transform that sets the permissions boundary (and the path) on every IAM role."""

    def transform(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if not args.custom or args.type_ != ROLE_TYPE:
            return None
        props = dict(args.props)
        props["permissionsBoundary"] = boundary
        if path is not None:
            props["path"] = path
        return pulumi.ResourceTransformResult(props=props, opts=args.opts)

    return transform


def apply_permissions_boundary(account_id: pulumi.Input[str], stack: str) -> None:
    """Register the transform for every role the program creates from here on."""
    boundary = pulumi.Output.from_input(account_id).apply(lambda a: boundary_arn(a, stack))
    pulumi.runtime.register_resource_transform(boundary_transform(boundary, role_path(stack)))
