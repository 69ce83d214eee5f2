"""The web task's IAM statements: who may start it, and what its two roles may do.

Pure builders: values (plain or Pulumi inputs) in, `GetPolicyDocumentStatementArgs` out, so the
grants can be read and tested without mocks. A `*` resource appears only for actions AWS does not
scope to a resource (ecr:GetAuthorizationToken, the X-Ray calls, cloudwatch:PutMetricData - that
one narrowed by namespace instead - and the ECS Exec channel and log-group listing calls).

- The execution role is used by ECS itself, before the containers start: pull these images,
  write these log groups, read exactly the secrets the task definition names, decrypt with
  exactly their keys (and only through Secrets Manager).
- The task role is what the running containers may do: send traces (the collector), write EMF
  metrics to their own log group, put app metrics in the stack's own namespace, invalidate this
  stack's CloudFront distribution, log in to PostgreSQL as the app's own role with an IAM token
  (`rds-db:connect` on that one database user), and (only when ECS Exec is on) open exec
  sessions.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from components.secret_access import read_secrets_statements

Statement = aws.iam.GetPolicyDocumentStatementArgs

XRAY_ACTIONS = [
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
]
LOG_WRITE_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"]
EXEC_CHANNEL_ACTIONS = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
]


def _log_group_resources(arns: Sequence[pulumi.Input[str]]) -> list[pulumi.Input[str]]:
    """A log group's ARN and its streams (`<arn>:*`): CreateLogStream and PutLogEvents need both."""
    resources: list[pulumi.Input[str]] = []
    for arn in arns:
        resources += [arn, pulumi.Output.concat(arn, ":*")]
    return resources


def ecs_tasks_trust(account_id: pulumi.Input[str], region: pulumi.Input[str]) -> list[Statement]:
    """ECS tasks of this account and region only (no confused deputy)."""
    return [
        Statement(
            actions=["sts:AssumeRole"],
            principals=[
                aws.iam.GetPolicyDocumentStatementPrincipalArgs(
                    type="Service", identifiers=["ecs-tasks.amazonaws.com"]
                )
            ],
            conditions=[
                aws.iam.GetPolicyDocumentStatementConditionArgs(
                    test="StringEquals", variable="aws:SourceAccount", values=[account_id]
                ),
                aws.iam.GetPolicyDocumentStatementConditionArgs(
                    test="ArnLike",
                    variable="aws:SourceArn",
                    values=[pulumi.Output.concat("arn:aws:ecs:", region, ":", account_id, ":*")],
                ),
            ],
        )
    ]


def execution_role_statements(
    *,
    repository_arns: Sequence[pulumi.Input[str]],
    log_group_arns: Sequence[pulumi.Input[str]],
    secret_arns: pulumi.Input[Sequence[pulumi.Input[str]]],
    secret_key_arns: pulumi.Input[Sequence[pulumi.Input[str]]],
    region: pulumi.Input[str],
) -> list[Statement]:
    """What ECS needs to start the task: images, logs, and the task's secrets (nothing else)."""
    statements: list[Statement] = []
    if repository_arns:
        statements += [
            Statement(sid="EcrLogin", actions=["ecr:GetAuthorizationToken"], resources=["*"]),
            Statement(
                sid="PullTaskImages",
                actions=[
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchGetImage",
                ],
                resources=list(repository_arns),
            ),
        ]
    statements += [
        Statement(
            sid="WriteContainerLogs",
            actions=LOG_WRITE_ACTIONS,
            resources=_log_group_resources(log_group_arns),
        ),
        *read_secrets_statements(secret_arns, secret_key_arns, region, sid="TaskSecrets"),
    ]
    return statements


def task_role_statements(
    *,
    metrics_namespace: str,
    metrics_log_group_arn: pulumi.Input[str],
    distribution_arn: pulumi.Input[str],
    database_connect_arn: pulumi.Input[str] | None = None,
    exec_log_group_arn: pulumi.Input[str] | None = None,
    exec_key_arn: pulumi.Input[str] | None = None,
) -> list[Statement]:
    """What the running containers may call."""
    statements = [
        Statement(sid="SendTraces", actions=XRAY_ACTIONS, resources=["*"]),
        Statement(
            sid="WriteEmfMetrics",
            actions=[*LOG_WRITE_ACTIONS, "logs:DescribeLogStreams"],
            resources=_log_group_resources([metrics_log_group_arn]),
        ),
        Statement(
            sid="PutAppMetrics",
            actions=["cloudwatch:PutMetricData"],
            resources=["*"],
            conditions=[
                aws.iam.GetPolicyDocumentStatementConditionArgs(
                    test="StringEquals",
                    variable="cloudwatch:namespace",
                    values=[metrics_namespace],
                )
            ],
        ),
        Statement(
            sid="InvalidateOwnDistribution",
            actions=["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"],
            resources=[distribution_arn],
        ),
    ]
    if database_connect_arn is not None:
        # IAM database authentication as the app's own role only (no password anywhere).
        statements.append(
            Statement(
                sid="ConnectAsTheAppRole",
                actions=["rds-db:connect"],
                resources=[database_connect_arn],
            )
        )
    if exec_log_group_arn is not None and exec_key_arn is not None:
        statements += [
            Statement(sid="ExecChannels", actions=EXEC_CHANNEL_ACTIONS, resources=["*"]),
            Statement(sid="ExecFindLogGroup", actions=["logs:DescribeLogGroups"], resources=["*"]),
            Statement(
                sid="ExecSessionLogs",
                actions=[*LOG_WRITE_ACTIONS, "logs:DescribeLogStreams"],
                resources=_log_group_resources([exec_log_group_arn]),
            ),
            Statement(sid="ExecSessionKey", actions=["kms:Decrypt"], resources=[exec_key_arn]),
        ]
    return statements
