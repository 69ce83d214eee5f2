"""Administrator by another name (issue 22, wave 7): an IAM action that grants any permission
allowed on every resource, or an AWS-managed administrator policy attached (a reviewed type,
RolePolicyAttachment, hid it). Each case fails with its clause of the rule removed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.policies.builders import record
from tests.policies.support import judge_compliant, violations

RULE = "identity-policy-not-administrator"


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(action: Any, resource: Any = "*") -> str:
    return _policy({"Effect": "Allow", "Action": action, "Resource": resource})


def _findings(type_token: str, inputs: dict[str, Any]) -> list[str]:
    report = judge_compliant(lambda r: {"probe": record("prod", type_token, "probe", inputs)})
    return [v.message for v in violations(report, RULE)]


@pytest.mark.parametrize(
    "document",
    [
        _allow("iam:*"),
        _allow(["s3:GetObject", "IAM:Put*"]),
        _allow("iam:Attach*Policy"),
        _allow("iam:CreatePolicyVersion"),
        _allow("iam:UpdateAssumeRolePolicy", ["*"]),
        _allow("iam:?reateAccessKey"),
    ],
)
def test_an_escalation_action_on_every_resource_is_administrator(document: str) -> None:
    assert _findings("aws:iam/rolePolicy:RolePolicy", {"role": "task", "policy": document})


@pytest.mark.parametrize(
    "document",
    [
        _allow("iam:PassRole"),
        _allow("iam:Get*"),
        _allow("iam:PutRolePolicy", "arn:aws:iam::123456789012:role/perfcheck-worker"),
        _policy({"Effect": "Deny", "Action": "iam:*", "Resource": "*"}),
    ],
)
def test_reading_iam_or_granting_on_one_role_is_not(document: str) -> None:
    assert not _findings("aws:iam/rolePolicy:RolePolicy", {"role": "task", "policy": document})


@pytest.mark.parametrize(
    ("type_token", "arn"),
    [
        ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "AdministratorAccess"),
        ("aws:iam/userPolicyAttachment:UserPolicyAttachment", "PowerUserAccess"),
        ("aws:iam/groupPolicyAttachment:GroupPolicyAttachment", "IAMFullAccess"),
        ("aws:iam/policyAttachment:PolicyAttachment", "AdministratorAccess"),
    ],
)
def test_an_administrator_managed_policy_attached_is_a_finding(type_token: str, arn: str) -> None:
    found = _findings(type_token, {"policyArn": f"arn:aws:iam::aws:policy/{arn}", "role": "x"})
    assert found and arn in found[0]


def test_a_role_with_an_administrator_managed_policy_arn_is_a_finding() -> None:
    arns = [
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "arn:aws-us-gov:iam::aws:policy/AdministratorAccess",
    ]
    (found,) = _findings("aws:iam/role:Role", {"assumeRolePolicy": "{}", "managedPolicyArns": arns})
    assert "managedPolicyArns[1]" in found


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "arn:aws:iam::123456789012:policy/AdministratorAccess",  # the account's own policy
    ],
)
def test_other_managed_policies_pass(arn: str) -> None:
    assert not _findings(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment", {"role": "task", "policyArn": arn}
    )
