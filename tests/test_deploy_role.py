"""The deploy role's policy (deploy/deploy-role-policy.json) covers what both stacks create.

The IAM service of every resource type the program registers (in staging, prod, and prod with the
owners' domain set) must be allowed by the policy: a new resource type without its service fails
here, not in the middle of a first `pulumi up`. Parliament (botocore-based IAM definitions)
checks that every action the policy names exists.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

import pytest
from parliament import analyze_policy_string, iam_definition

from tools.offline.runner import ROOT, cached_run, run_stack, stack_config

POLICY_PATH = ROOT / "deploy" / "deploy-role-policy.json"

SERVICE_OF_MODULE = {
    "appautoscaling": "application-autoscaling",
    "budgets": "budgets",
    "cloudfront": "cloudfront",
    "cloudwatch": "cloudwatch",
    "cognito": "cognito-identity",
    "ec2": "ec2",
    "vpc": "ec2",
    "ecr": "ecr",
    "ecs": "ecs",
    "elasticache": "elasticache",
    "iam": "iam",
    "kms": "kms",
    "lambda": "lambda",
    "lb": "elasticloadbalancing",
    "rds": "rds",
    "rum": "rum",
    "s3": "s3",
    "secretsmanager": "secretsmanager",
    "sns": "sns",
    "wafv2": "wafv2",
    "xray": "xray",
    "acm": "acm",
    "route53": "route53",
}
"""Pulumi module (aws:<module>/...) -> IAM service prefix."""

SERVICE_OF_TYPE = {
    "aws:cloudwatch/logGroup:LogGroup": "logs",
    "aws:cloudwatch/logDelivery:LogDelivery": "logs",
    "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination": "logs",
    "aws:cloudwatch/logDeliverySource:LogDeliverySource": "logs",
    "aws:cloudwatch/eventRule:EventRule": "events",
    "aws:cloudwatch/eventTarget:EventTarget": "events",
    "awsx:ec2:Vpc": "ec2",
}
"""Types whose service is not their module's (CloudWatch Logs and EventBridge live in
pulumi-aws's cloudwatch module; awsx's VPC creates EC2 networking)."""

IAM_ACTIONS_NEEDED = (
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:GetRole",
    "iam:TagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:PassRole",
    "iam:CreateServiceLinkedRole",
    "sts:GetCallerIdentity",
)


def _policy() -> dict[str, Any]:
    return json.loads(POLICY_PATH.read_text())


def _matches(patterns: str | list[str], action: str) -> bool:
    listed = [patterns] if isinstance(patterns, str) else patterns
    return any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in listed)


def allowed(policy: dict[str, Any], action: str) -> bool:
    statements = policy["Statement"]
    if any(s["Effect"] == "Deny" and _matches(s["Action"], action) for s in statements):
        return False
    return any(s["Effect"] == "Allow" and _matches(s["Action"], action) for s in statements)


def _types_registered() -> set[str]:
    types = {r.type for stack in ("staging", "prod") for r in cached_run(stack).resources}
    config, secret = stack_config("prod")
    cdn = json.loads(config["perfcheck:cdn"])
    domain = {"domainName": "app.example.com", "hostedZoneId": "Z0123456789ABCDEFGHIJ"}
    config["perfcheck:cdn"] = json.dumps({**cdn, **domain})
    types |= {r.type for r in run_stack("prod", config, secret).resources}
    return {t for t in types if t.startswith(("aws:", "awsx:"))}


def _service(type_token: str) -> str:
    if type_token in SERVICE_OF_TYPE:
        return SERVICE_OF_TYPE[type_token]
    module = type_token.split(":")[1].split("/")[0]
    assert module in SERVICE_OF_MODULE, (
        f"{type_token}: add its IAM service to SERVICE_OF_MODULE and to the deploy role's policy"
    )
    return SERVICE_OF_MODULE[module]


def _write_actions(prefix: str) -> list[str]:
    service = next(s for s in iam_definition if s["prefix"] == prefix)
    return [
        f"{prefix}:{p['privilege']}"
        for p in service["privileges"]
        if p["access_level"] in ("Write", "Tagging", "Permissions management")
    ]


def test_the_policy_allows_every_service_the_program_creates_resources_in() -> None:
    policy = _policy()
    types = _types_registered()
    services = {_service(t) for t in types}
    assert {"acm", "route53", "logs", "events", "ec2", "rds", "elasticache"} <= services
    for prefix in sorted(services - {"iam"}):
        actions = _write_actions(prefix)
        assert actions, prefix
        missing = [a for a in actions if not allowed(policy, a)]
        assert not missing, f"{prefix}: {missing[:5]}"


def test_the_policy_manages_roles_but_never_people_or_keys() -> None:
    policy = _policy()
    for action in IAM_ACTIONS_NEEDED:
        assert allowed(policy, action), action
    for action in (
        "iam:CreateUser",
        "iam:CreateAccessKey",
        "iam:PutUserPolicy",
        "iam:CreatePolicy",
    ):
        assert not allowed(policy, action), action


@pytest.mark.parametrize("removed", ["rds:*", "logs:*"])
def test_the_check_fails_when_a_needed_service_is_missing(removed: str) -> None:
    policy = _policy()
    policy["Statement"][0]["Action"] = [a for a in policy["Statement"][0]["Action"] if a != removed]
    prefix = removed.split(":")[0]
    assert not all(allowed(policy, a) for a in _write_actions(prefix))


def test_every_action_the_policy_names_exists() -> None:
    findings = analyze_policy_string(POLICY_PATH.read_text()).findings
    problems = [f for f in findings if f.issue != "RESOURCE_STAR"]
    assert problems == [], [(f.issue, f.detail) for f in problems]


def test_first_deploy_doc_points_at_the_policy_file() -> None:
    text = (ROOT / "docs" / "first-deploy.md").read_text()
    assert "deploy/deploy-role-policy.json" in text


def test_pass_role_reaches_every_service_that_assumes_the_programs_roles() -> None:
    statement = next(s for s in _policy()["Statement"] if s["Action"] == "iam:PassRole")
    passed_to = set(statement["Condition"]["StringEquals"]["iam:PassedToService"])
    principals = set()
    for stack in ("staging", "prod"):
        for role in cached_run(stack).resources:
            if role.type != "aws:iam/role:Role":
                continue
            document = role.inputs["assumeRolePolicy"]
            document = json.loads(document) if isinstance(document, str) else document
            for trust in document["Statement"]:
                for kind in ("Service", "Federated"):
                    value = trust.get("Principal", {}).get(kind, [])
                    principals |= {value} if isinstance(value, str) else set(value)
    assert {"ecs-tasks.amazonaws.com", "rds.amazonaws.com"} <= principals
    assert principals <= passed_to, principals - passed_to
