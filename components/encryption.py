"""Customer-managed KMS keys: rotation on, a key policy that names who may use the key.

Every tier that encrypts data at rest (logs, database, cache, secrets, topics) takes its own key
from here, so one policy shape and one rotation rule hold for all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class ServiceGrant:
    """An AWS service allowed to use the key, optionally only for resources matching an ARN."""

    principal: pulumi.Input[str]
    """e.g. logs.eu-west-1.amazonaws.com"""
    condition_key: str | None = None
    """e.g. kms:EncryptionContext:aws:logs:arn"""
    condition_values: Sequence[pulumi.Input[str]] = ()


def create_kms_key(
    name: str,
    alias: str,
    description: str,
    parent: pulumi.Resource,
    grants: Sequence[ServiceGrant] = (),
    protect: bool = False,
    region: pulumi.Input[str] | None = None,
    retain_on_delete: bool = False,
) -> aws.kms.Key:
    """A symmetric key with yearly rotation, a 30-day deletion window and `alias/<alias>`.

    The alias must be unique in the account and region: pass the stack's name prefix in it.
    `retain_on_delete` keeps the key when the stack is destroyed, for keys that encrypt snapshots
    and backups which outlive the stack (otherwise they become unrestorable after 30 days).
    `region` places the key and its alias outside the provider's region: us-east-1 for what
    CloudFront's metrics and alarms need, the disaster-recovery region for replicated backups.
    """
    identity = aws.get_caller_identity_output()
    partition = aws.get_partition_output()
    account_root = pulumi.Output.concat(
        "arn:", partition.partition, ":iam::", identity.account_id, ":root"
    )
    statements: list[aws.iam.GetPolicyDocumentStatementArgs] = [
        aws.iam.GetPolicyDocumentStatementArgs(
            sid="AccountAdministers",
            actions=["kms:*"],
            resources=["*"],
            principals=[
                aws.iam.GetPolicyDocumentStatementPrincipalArgs(
                    type="AWS", identifiers=[account_root]
                )
            ],
        )
    ]
    for index, grant in enumerate(grants):
        conditions = []
        if grant.condition_key:
            conditions.append(
                aws.iam.GetPolicyDocumentStatementConditionArgs(
                    test="ArnLike",
                    variable=grant.condition_key,
                    values=list(grant.condition_values),
                )
            )
        statements.append(
            aws.iam.GetPolicyDocumentStatementArgs(
                sid=f"ServiceUse{index}",
                actions=[
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                resources=["*"],
                principals=[
                    aws.iam.GetPolicyDocumentStatementPrincipalArgs(
                        type="Service", identifiers=[grant.principal]
                    )
                ],
                conditions=conditions or None,
            )
        )
    policy = aws.iam.get_policy_document_output(statements=statements)
    key = aws.kms.Key(
        name,
        description=description,
        enable_key_rotation=True,
        rotation_period_in_days=365,
        deletion_window_in_days=30,
        policy=policy.json,
        region=region,
        opts=pulumi.ResourceOptions(
            parent=parent, protect=protect, retain_on_delete=retain_on_delete
        ),
    )
    aws.kms.Alias(
        f"{name}-alias",
        name=f"alias/{alias}",
        target_key_id=key.key_id,
        region=region,
        opts=pulumi.ResourceOptions(parent=key),
    )
    return key
