"""The corpus's third wave: resource policies open to anyone, exposure through association
resources, long-lived credentials; written after wave 2's fixes."""

from __future__ import annotations

import json
from typing import Any

from tests.redteam.programs import UNKNOWN, Program, add, arn, one

EXPOSURE = "exposure"
CREDS = "credentials"
FALSE_POSITIVE = "false-positive"


def _policy(action: str, resource: str, principal: Any = "*", **extra: Any) -> str:
    statement = {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource}
    statement.update(extra)
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _open(type_token: str, name: str, target: str, action: str, resource: str, **kw: Any) -> Any:
    return one(type_token, name, {target: UNKNOWN, "policy": _policy(action, resource, **kw)})


BAD_WAVE3: list[Program] = [
    Program(
        "queue-policy-anyone-sends",
        EXPOSURE,
        True,
        _open(
            "aws:sqs/queuePolicy:QueuePolicy",
            "jobs-policy",
            "queueUrl",
            "sqs:SendMessage",
            arn("sqs", "jobs"),
        ),
    ),
    Program(
        "topic-policy-anyone-publishes",
        EXPOSURE,
        True,
        _open(
            "aws:sns/topicPolicy:TopicPolicy",
            "alarms-policy",
            "arn",
            "sns:Publish",
            arn("sns", "alarms"),
        ),
    ),
    Program(
        "ecr-repository-policy-public-pull",
        EXPOSURE,
        True,
        _open(
            "aws:ecr/repositoryPolicy:RepositoryPolicy",
            "app-repo-policy",
            "repository",
            "ecr:BatchGetImage",
            "*",
        ),
    ),
    Program(
        "kms-key-policy-anyone-decrypts",
        EXPOSURE,
        True,
        _open("aws:kms/keyPolicy:KeyPolicy", "data-key-policy", "keyId", "kms:Decrypt", "*"),
    ),
    Program(
        "secret-policy-anyone-reads",
        EXPOSURE,
        True,
        _open(
            "aws:secretsmanager/secretPolicy:SecretPolicy",
            "db-secret-policy",
            "secretArn",
            "secretsmanager:GetSecretValue",
            "*",
        ),
    ),
    Program(
        "bucket-policy-aws-star-principal",
        EXPOSURE,
        True,
        _open(
            "aws:s3/bucketPolicy:BucketPolicy",
            "logs-aws-star",
            "bucket",
            "s3:GetObject",
            "arn:aws:s3:::perfcheck-cdn-logs/*",
            principal={"AWS": "*"},
        ),
    ),
    Program(
        "eip-attached-by-association",
        EXPOSURE,
        True,
        lambda r: {
            "ops-ip": add("aws:ec2/eip:Eip", "ops-ip", {"domain": "vpc"}),
            "ops-ip-assoc": add(
                "aws:ec2/eipAssociation:EipAssociation",
                "ops-ip-assoc",
                {"allocationId": UNKNOWN, "instanceId": "i-0123456789abcdef0"},
            ),
        },
    ),
    Program(
        "load-balancer-internal-false-string",
        EXPOSURE,
        True,
        one(
            "aws:lb/loadBalancer:LoadBalancer",
            "str-alb",
            {"loadBalancerType": "application", "internal": "false", "subnets": [UNKNOWN]},
        ),
    ),
    Program(
        "iam-access-key",
        CREDS,
        True,
        one("aws:iam/accessKey:AccessKey", "ci-key", {"user": "ci-deployer"}),
    ),
    Program(
        "iam-user-console-password",
        CREDS,
        True,
        one(
            "aws:iam/userLoginProfile:UserLoginProfile",
            "ops-login",
            {"user": "ops", "passwordResetRequired": False},
        ),
    ),
]


GOOD_WAVE3: list[Program] = [
    Program(
        "bucket-policy-star-limited-to-vpc-endpoint",
        FALSE_POSITIVE,
        False,
        _open(
            "aws:s3/bucketPolicy:BucketPolicy",
            "logs-vpce",
            "bucket",
            "s3:GetObject",
            "arn:aws:s3:::perfcheck-cdn-logs/*",
            Condition={"StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}},
        ),
    ),
    Program(
        "topic-policy-cloudwatch-only",
        FALSE_POSITIVE,
        False,
        _open(
            "aws:sns/topicPolicy:TopicPolicy",
            "alarms-cw",
            "arn",
            "sns:Publish",
            arn("sns", "alarms"),
            principal={"Service": "cloudwatch.amazonaws.com"},
            Condition={"StringEquals": {"aws:SourceAccount": "123456789012"}},
        ),
    ),
    Program(
        "queue-policy-from-own-topic",
        FALSE_POSITIVE,
        False,
        _open(
            "aws:sqs/queuePolicy:QueuePolicy",
            "jobs-from-topic",
            "queueUrl",
            "sqs:SendMessage",
            arn("sqs", "jobs"),
            principal={"Service": "sns.amazonaws.com"},
            Condition={"ArnEquals": {"aws:SourceArn": arn("sns", "alarms")}},
        ),
    ),
    Program(
        "kms-key-policy-account-root",
        FALSE_POSITIVE,
        False,
        _open(
            "aws:kms/keyPolicy:KeyPolicy",
            "data-key-root",
            "keyId",
            "kms:*",
            "*",
            principal={"AWS": "arn:aws:iam::123456789012:root"},
        ),
    ),
]
