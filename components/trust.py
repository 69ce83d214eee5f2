"""Trust policies for roles that an AWS service assumes on this account's behalf."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


def service_trust_policy(service: str, account_id: pulumi.Input[str] | None) -> pulumi.Output[str]:
    """`sts:AssumeRole` for one service principal, only on behalf of this account.

    The `aws:SourceAccount` condition stops another account from using the service to act
    with this role (the confused-deputy problem). `account_id=None` leaves it out, for the roles
    whose service AWS documents without it: a condition on a key the service does not send
    makes every AssumeRole fail.
    """
    conditions = (
        []
        if account_id is None
        else [
            aws.iam.GetPolicyDocumentStatementConditionArgs(
                test="StringEquals", variable="aws:SourceAccount", values=[account_id]
            )
        ]
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
