"""Rule cases of issue 22's content classes (credentials in every input, one front door), in the
shape test_policy_rules runs for every rule: a mutation of the captured prod program
(tests/policies/support.py `OnProgram`) and the finding it must produce (or a compliant variant
that must produce none)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.policies.builders import record, replace
from tests.policies.cases import Case, R, Variant
from tests.policies.support import OnProgram

CREDENTIALS = "no-credentials-in-resource-inputs"
FRONT_DOOR = "one-front-door"


def _extra(type_token: str, name: str, inputs: dict[str, Any]) -> Callable[[R], Any]:
    """One more resource in the program, tagged and provided like its database."""

    def changes(r: R) -> dict[str, Any]:
        like = r["database-instance"]
        tagged = {"tags": like.wire_inputs["tags"], **inputs}
        return {name: record("prod", type_token, name, tagged, provider_record=like.provider)}

    return OnProgram(changes)


RESOURCE_POLICY = "resource-policy-not-public"
SSM_PARAMETER = "ssm-parameter-secure-string"
_PUBLIC_QUEUE_POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Sid": "Anyone", "Effect": "Allow", '
    '"Principal": {"AWS": "*"}, "Action": "sqs:SendMessage", "Resource": "*"}]}'
)

CONTENT_NONCOMPLIANT = [
    Case(
        RESOURCE_POLICY,
        "queue-policy-for-everyone",
        _extra("aws:sqs/queuePolicy:QueuePolicy", "jobs-policy", {"policy": _PUBLIC_QUEUE_POLICY}),
        "jobs-policy",
        "statement 'Anyone' allowing everyone",
    ),
    Case(
        SSM_PARAMETER,
        "securestring-on-the-aws-managed-key",
        _extra(
            "aws:ssm/parameter:Parameter",
            "api-key",
            {"name": "/perfcheck/api-key", "type": "SecureString", "value": "x"},
        ),
        "api-key",
        "keyId is not set (the AWS-managed aws/ssm key)",
    ),
    Case(
        CREDENTIALS,
        "lambda-environment-password",
        _extra(
            "aws:lambda/function:Function",
            "worker",
            {"environment": {"variables": {"SMTP_PASSWORD": "Zq7-not-real-Pw9x"}}},
        ),
        "worker",
        "environment.variables.SMTP_PASSWORD is a plain value under a credential-like name",
    ),
    Case(
        FRONT_DOOR,
        "second-internet-facing-load-balancer",
        _extra(
            "aws:lb/loadBalancer:LoadBalancer",
            "admin-alb",
            {"internal": False, "loadBalancerType": "application"},
        ),
        "admin-alb",
        "internal is an internet-facing application load balancer",
    ),
]

CONTENT_VARIANTS = [
    Variant(
        SSM_PARAMETER,
        "string-setting-and-securestring-under-the-stack-key",
        OnProgram(
            lambda r: {
                **_extra(
                    "aws:ssm/parameter:Parameter",
                    "flag",
                    {"name": "/perfcheck/flags/new-ui", "type": "String", "value": "on"},
                )(r),
                **_extra(
                    "aws:ssm/parameter:Parameter",
                    "api-key",
                    {
                        "name": "/perfcheck/api-key",
                        "type": "SecureString",
                        "keyId": "k",
                        "value": "x",
                    },
                )(r),
            }
        ),
    ),
    Variant(
        CREDENTIALS,
        "public-client-settings-as-tags",
        OnProgram(
            lambda r: {
                "cdn-logs": replace(
                    r["cdn-logs"],
                    tags={
                        **r["cdn-logs"].wire_inputs["tags"],
                        "FIREBASE_AUTH_DOMAIN": "myapp.firebaseapp.com",
                        "SENTRY_DSN": "https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.io/2",
                    },
                )
            }
        ),
    ),
    Variant(
        FRONT_DOOR,
        "internal-load-balancer-and-iam-function-url",
        _extra("aws:lambda/functionUrl:FunctionUrl", "hook", {"authorizationType": "AWS_IAM"}),
    ),
]
