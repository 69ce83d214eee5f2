"""IAM statements: read exactly these secrets, and use their keys for nothing else."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws


def read_secrets_statements(
    secret_arns: pulumi.Input[Sequence[pulumi.Input[str]]],
    key_arns: pulumi.Input[Sequence[pulumi.Input[str]]],
    region: pulumi.Input[str],
    *,
    sid: str,
    describe: bool = False,
) -> list[aws.iam.GetPolicyDocumentStatementArgs]:
    """GetSecretValue on these secrets, and kms:Decrypt on their keys only through Secrets Manager.

    The `kms:ViaService` condition keeps the keys from decrypting anything but these secrets'
    values as Secrets Manager hands them out. `sid` names the pair (`Read<sid>`, `Decrypt<sid>`).
    """
    actions = ["secretsmanager:GetSecretValue"]
    if describe:
        actions.append("secretsmanager:DescribeSecret")
    return [
        aws.iam.GetPolicyDocumentStatementArgs(
            sid=f"Read{sid}", actions=actions, resources=secret_arns
        ),
        aws.iam.GetPolicyDocumentStatementArgs(
            sid=f"Decrypt{sid}",
            actions=["kms:Decrypt"],
            resources=key_arns,
            conditions=[
                aws.iam.GetPolicyDocumentStatementConditionArgs(
                    test="StringEquals",
                    variable="kms:ViaService",
                    values=[pulumi.Output.concat("secretsmanager.", region, ".amazonaws.com")],
                )
            ],
        ),
    ]
