"""Trust policies for roles that an AWS service assumes on this account's behalf, and such a
role with its one inline policy."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from foundation.aws_limits import TRUST_CONDITION_KEYS


def service_trust_policy(service: str, account_id: pulumi.Input[str] | None) -> pulumi.Output[str]:
    """`sts:AssumeRole` for one service principal, only on behalf of this account where the
    service says on whose behalf it asks.

    The `aws:SourceAccount` condition stops another account from using the service to act with
    this role (the confused-deputy problem). It is added only where AWS documents that the
    service sends the key (foundation/aws_limits.py `TRUST_CONDITION_KEYS`, with the source): a
    condition on a key the service does not send makes every AssumeRole fail. A service not in
    that table is refused, so a new role cannot guess.
    """
    if service not in TRUST_CONDITION_KEYS:
        raise ValueError(
            f"service principal {service!r}: add the condition keys AWS documents it sends to "
            "foundation/aws_limits.py TRUST_CONDITION_KEYS (an empty set when none)"
        )
    documented, _ = TRUST_CONDITION_KEYS[service]
    conditions = (
        [
            aws.iam.GetPolicyDocumentStatementConditionArgs(
                test="StringEquals", variable="aws:SourceAccount", values=[account_id]
            )
        ]
        if account_id is not None and "aws:SourceAccount" in documented
        else []
    )
    return aws.iam.get_policy_document_output(
        statements=[
            aws.iam.GetPolicyDocumentStatementArgs(
                actions=["sts:AssumeRole"],
                principals=[
                    aws.iam.GetPolicyDocumentStatementPrincipalArgs(
                        type="Service", identifiers=[service]
                    )
                ],
                conditions=conditions,
            )
        ]
    ).json


def role_with_policy(
    role_name: str,
    policy_name: str,
    *,
    trust: pulumi.Input[str],
    description: pulumi.Input[str],
    statements: Sequence[aws.iam.GetPolicyDocumentStatementArgs],
    parent: pulumi.Resource,
) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
    """A role and its inline policy of `statements`, the policy a child of the role (what the
    role may do is read where the role is)."""
    role = aws.iam.Role(
        role_name,
        assume_role_policy=trust,
        description=description,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    policy = aws.iam.RolePolicy(
        policy_name,
        role=role.id,
        policy=aws.iam.get_policy_document_output(statements=statements).json,
        opts=pulumi.ResourceOptions(parent=role),
    )
    return role, policy
