"""Roll the web service after each rotation of a secret its tasks read, and drop the old cache
token once the fleet has rolled.

Secrets Manager rotates the generated secrets on a schedule (components/secret_rotation.py); ECS
injects secrets only when a task starts. An EventBridge rule on those secrets' RotationSucceeded
events (CloudTrail service events) invokes a small Lambda that forces a new (rolling,
zero-downtime) deployment of exactly this service; a second rule on the service's
SERVICE_DEPLOYMENT_COMPLETED events lets the same Lambda finish a cache-token rotation (SET) once
every running task started after it. The database needs neither: no task holds a database
password (IAM authentication), so RDS rotating its master secret changes nothing for the service.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.contracts import ComponentArgs
from components.encryption import ServiceGrant, create_kms_key
from components.trust import role_with_policy, service_trust_policy

HANDLERS = Path(__file__).parent / "handlers"
REDEPLOY_HANDLER = HANDLERS / "redeploy_on_rotation.py"


def rotation_event_pattern(secret_arns: Sequence[str]) -> str:
    """EventBridge pattern for RotationSucceeded of these secrets (a CloudTrail service event;
    Secrets Manager user guide, "Match events when a secret value rotates")."""
    return json.dumps(
        {
            "source": ["aws.secretsmanager"],
            "detail-type": ["AWS Service Event via CloudTrail"],
            "detail": {
                "eventSource": ["secretsmanager.amazonaws.com"],
                "eventName": ["RotationSucceeded"],
                "additionalEventData": {"SecretId": sorted(secret_arns)},
            },
        }
    )


def deployment_completed_pattern(service_arn: str) -> str:
    """EventBridge pattern for a completed deployment of one ECS service (ECS developer guide,
    "Amazon ECS service deployment state change events")."""
    return json.dumps(
        {
            "source": ["aws.ecs"],
            "detail-type": ["ECS Deployment State Change"],
            "resources": [service_arn],
            "detail": {"eventName": ["SERVICE_DEPLOYMENT_COMPLETED"]},
        }
    )


def logged_function(
    parent: pulumi.Resource,
    name: str,
    *,
    function_name: str,
    key_alias: str,
    description: str,
    handler_file: Path,
    statements: Sequence[aws.iam.GetPolicyDocumentStatementArgs],
    environment: dict[str, pulumi.Input[str]],
    log_retention_days: int,
    protect: bool,
    timeout: int = 30,
) -> aws.lambda_.Function:
    """A Python Lambda (one handler file, boto3 from the runtime) with its own encrypted log
    group and a role allowed exactly `statements` plus writing that log group."""
    region = aws.get_region_output().region
    account = aws.get_caller_identity_output().account_id
    log_group_name = f"/aws/lambda/{function_name}"
    log_group_arn = pulumi.Output.format(
        "arn:aws:logs:{0}:{1}:log-group:{2}", region, account, log_group_name
    )
    key = create_kms_key(
        f"{name}-logs-key",
        alias=key_alias,
        description=f"logs of {function_name}",
        parent=parent,
        grants=[
            ServiceGrant(
                principal=pulumi.Output.concat("logs.", region, ".amazonaws.com"),
                condition_key="kms:EncryptionContext:aws:logs:arn",
                condition_values=[log_group_arn],
            )
        ],
        protect=protect,
    )
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs",
        name=log_group_name,
        retention_in_days=log_retention_days,
        kms_key_id=key.arn,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    role, policy = role_with_policy(
        f"{name}-role",
        f"{name}-permissions",
        trust=service_trust_policy("lambda.amazonaws.com", account),
        description=description,
        statements=[
            *statements,
            aws.iam.GetPolicyDocumentStatementArgs(
                sid="WriteItsLogs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[pulumi.Output.concat(log_group.arn, ":*")],
            ),
        ],
        parent=parent,
    )
    module = handler_file.stem
    return aws.lambda_.Function(
        f"{name}-function",
        name=function_name,
        description=description,
        runtime="python3.12",
        architectures=["arm64"],
        handler=f"{module}.handler",
        code=pulumi.AssetArchive({handler_file.name: pulumi.StringAsset(handler_file.read_text())}),
        role=role.arn,
        timeout=timeout,
        memory_size=128,
        environment=aws.lambda_.FunctionEnvironmentArgs(variables=environment),
        logging_config=aws.lambda_.FunctionLoggingConfigArgs(
            log_format="Text", log_group=log_group.name
        ),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[policy, log_group]),
    )


class RotationRedeployArgs(ComponentArgs):
    secret_arns: Sequence[pulumi.Input[str]]
    """The rotated secrets the service's tasks read (a rotation of any one rolls the service)."""
    secret_key_arn: pulumi.Input[str]
    """Their key (reading the cache token's current value goes through it)."""
    valkey_secret_arn: pulumi.Input[str]
    """The cache AUTH token's secret: its rotation is finished (SET) after the fleet rolled."""
    replication_group_id: str
    cluster_name: str
    service_name: str
    log_retention_days: int
    protect: bool
    """Pulumi protect on the log key."""


class RotationRedeploy(pulumi.ComponentResource):
    """EventBridge rules -> Lambda -> ecs:UpdateService(forceNewDeployment) for one service, and
    elasticache:ModifyReplicationGroup(SET) once a cache-token rotation reached every task."""

    function_name: str

    def __init__(
        self, name: str, args: RotationRedeployArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("perfcheck:rotation:RotationRedeploy", name, None, opts)
        prefix = args["name_prefix"]
        self.function_name = f"{prefix}-redeploy-on-rotation"
        region = aws.get_region_output().region
        account = aws.get_caller_identity_output().account_id
        cluster, service = args["cluster_name"], args["service_name"]
        service_arn = pulumi.Output.format(
            "arn:aws:ecs:{0}:{1}:service/{2}/{3}", region, account, cluster, service
        )
        group_arn = pulumi.Output.format(
            "arn:aws:elasticache:{0}:{1}:replicationgroup:{2}",
            region,
            account,
            args["replication_group_id"],
        )
        statement = aws.iam.GetPolicyDocumentStatementArgs
        function = logged_function(
            self,
            name,
            function_name=self.function_name,
            key_alias=f"{prefix}/redeploy-on-rotation-logs",
            description="Rolls the web service after a secret rotation; then drops the old "
            "cache token",
            handler_file=REDEPLOY_HANDLER,
            statements=[
                statement(
                    sid="RollTheService", actions=["ecs:UpdateService"], resources=[service_arn]
                ),
                statement(
                    sid="ListItsTasks",
                    actions=["ecs:ListTasks"],
                    # ListTasks authorizes on the cluster's container instances (IAM service
                    # authorization reference), narrowed to this cluster.
                    resources=[
                        pulumi.Output.format(
                            "arn:aws:ecs:{0}:{1}:container-instance/{2}/*", region, account, cluster
                        )
                    ],
                    conditions=[
                        aws.iam.GetPolicyDocumentStatementConditionArgs(
                            test="ArnEquals",
                            variable="ecs:cluster",
                            values=[
                                pulumi.Output.format(
                                    "arn:aws:ecs:{0}:{1}:cluster/{2}", region, account, cluster
                                )
                            ],
                        )
                    ],
                ),
                statement(
                    sid="DescribeItsTasks",
                    actions=["ecs:DescribeTasks"],
                    resources=[
                        pulumi.Output.format(
                            "arn:aws:ecs:{0}:{1}:task/{2}/*", region, account, cluster
                        )
                    ],
                ),
                statement(
                    sid="ReadAndUntagTheCacheToken",
                    actions=[
                        "secretsmanager:DescribeSecret",
                        "secretsmanager:GetSecretValue",
                        "secretsmanager:UntagResource",
                    ],
                    resources=[args["valkey_secret_arn"]],
                ),
                statement(
                    sid="DecryptTheCacheToken",
                    actions=["kms:Decrypt"],
                    resources=[args["secret_key_arn"]],
                    conditions=[
                        aws.iam.GetPolicyDocumentStatementConditionArgs(
                            test="StringEquals",
                            variable="kms:ViaService",
                            values=[
                                pulumi.Output.concat("secretsmanager.", region, ".amazonaws.com")
                            ],
                        )
                    ],
                ),
                statement(
                    sid="SetTheCacheToken",
                    actions=["elasticache:ModifyReplicationGroup"],
                    resources=[group_arn],
                ),
            ],
            environment={
                "SECRET_ARNS": pulumi.Output.all(*args["secret_arns"]).apply(
                    lambda arns: json.dumps(sorted(arns))
                ),
                "VALKEY_SECRET_ARN": args["valkey_secret_arn"],
                "REPLICATION_GROUP_ID": args["replication_group_id"],
                "CLUSTER": cluster,
                "SERVICE": service,
                "SERVICE_ARN": service_arn,
            },
            log_retention_days=args["log_retention_days"],
            protect=args["protect"],
        )
        patterns = {
            "rotation": (
                "RotationSucceeded of a secret the web tasks read",
                pulumi.Output.all(*args["secret_arns"]).apply(rotation_event_pattern),
            ),
            "deployed": (
                "A deployment of the web service completed",
                service_arn.apply(deployment_completed_pattern),
            ),
        }
        for slug, (description, pattern) in patterns.items():
            rule = aws.cloudwatch.EventRule(
                f"{name}-{slug}-rule",
                description=description,
                event_pattern=pattern,
                opts=pulumi.ResourceOptions(parent=self),
            )
            permission = aws.lambda_.Permission(
                f"{name}-{slug}-invoke",
                action="lambda:InvokeFunction",
                function=function.name,
                principal="events.amazonaws.com",
                source_arn=rule.arn,
                opts=pulumi.ResourceOptions(parent=function),
            )
            aws.cloudwatch.EventTarget(
                f"{name}-{slug}-target",
                rule=rule.name,
                arn=function.arn,
                retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(
                    maximum_event_age_in_seconds=3600, maximum_retry_attempts=10
                ),
                opts=pulumi.ResourceOptions(parent=rule, depends_on=[permission]),
            )
        self.register_outputs({"functionName": self.function_name})
