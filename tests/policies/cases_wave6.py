"""Rule cases of the rules wave 6 added (tests/redteam/test_properties_wave6.py holds their
properties), in the shape test_policy_rules runs for every rule."""

from __future__ import annotations

import json

from tests.policies.builders import ACCOUNT, cost_tags, record, replace
from tests.policies.cases import Case, Variant, https_listener

_GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"


def _ci_role(subject: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": _GITHUB},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringLike": {"token.actions.githubusercontent.com:sub": subject}
                    },
                }
            ],
        }
    )


def _provider(**inputs: object) -> dict[str, object]:
    body = {"region": "eu-west-1", "defaultTags": json.dumps({"tags": cost_tags("prod")})}
    return {"ci": record("prod", "pulumi:providers:aws", "ci", {**body, **inputs})}


WAVE6_NONCOMPLIANT = [
    Case(
        "web-identity-trust-narrowed",
        "any-repository",
        lambda r: {"task_role": replace(r["task_role"], assumeRolePolicy=_ci_role("repo:*"))},
        "web-task-role",
        "trusting an OIDC provider without a subject condition",
    ),
    Case(
        "provider-no-static-credentials",
        "access-key",
        lambda r: _provider(accessKey="AKIA" + "Q2WE3RT4YU5IO6PA"),
        "ci",
        "accessKey is set (a static credential",
    ),
    Case(
        "ecs-service-serving-tasks",
        "one-task",
        lambda r: {"service": replace(r["service"], desiredCount=1)},
        "web-service",
        "desiredCount is 1",
    ),
]

WAVE6_NONCOMPLIANT.append(
    Case(  # added with the known misses (tests/redteam/test_properties_knownwrong.py)
        "nlb-tls-listener-access-logs",
        "tls-listener-without-logs",
        lambda r: {
            **https_listener(r, protocol="TLS"),
            "alb": replace(r["alb"], drop=["accessLogs"]),
        },
        "load-balancer-alb",
        "accessLogs.enabled is absent",
    )
)

WAVE6_VARIANTS = [
    Variant(
        "nlb-tls-listener-access-logs",
        "tls-listener-with-logs",
        lambda r: https_listener(r, protocol="TLS"),
    ),
    Variant(
        "web-identity-trust-narrowed",
        "one-repository",
        lambda r: {
            "task_role": replace(
                r["task_role"], assumeRolePolicy=_ci_role("repo:example-org/perfcheck:*")
            )
        },
    ),
    Variant(
        "provider-no-static-credentials",
        "assumes-a-role",
        lambda r: _provider(assumeRoles=json.dumps([{"roleArn": "arn:aws:iam::1:role/x"}])),
    ),
]
