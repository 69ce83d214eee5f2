"""Roll the web service after each rotation of the database password.

RDS rotates its managed master secret on a schedule; ECS injects secrets only when a task starts.
Without this, every rotation would leave running tasks unable to open new connections until
someone redeployed by hand. An EventBridge rule on the secret's RotationSucceeded event invokes a
small Lambda that forces a new (rolling, zero-downtime) deployment of exactly this service.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypedDict

import pulumi
import pulumi_aws as aws

from components.encryption import ServiceGrant, create_kms_key
from components.trust import service_trust_policy

HANDLER = Path(__file__).parent / "handlers" / "redeploy_on_rotation.py"


def rotation_event_pattern(secret_arn: str) -> str:
    """EventBridge pattern for RotationSucceeded of one secret (a CloudTrail service event)."""
    return json.dumps(
        {
            "source": ["aws.secretsmanager"],
            "detail-type": ["AWS Service Event via CloudTrail"],
            "detail": {
                "eventSource": ["secretsmanager.amazonaws.com"],
                "eventName": ["RotationSucceeded"],
                "additionalEventData": {"SecretId": [secret_arn]},
            },
        }
    )


class RotationRedeployArgs(TypedDict):
    name_prefix: str
    """Physical-name prefix, `<project>-<stack>`."""
    secret_arn: pulumi.Input[str]
    """The rotated secret (the RDS-managed master secret)."""
    cluster_name: str
    service_name: str
    log_retention_days: int
    protect: bool
    """Pulumi protect on the log key."""


class RotationRedeploy(pulumi.ComponentResource):
    """EventBridge rule -> Lambda -> ecs:UpdateService(forceNewDeployment) for one service."""

    function_name: str

    def __init__(
        self, name: str, args: RotationRedeployArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("perfcheck:rotation:RotationRedeploy", name, None, opts)
        prefix = args["name_prefix"]
        self.function_name = f"{prefix}-redeploy-on-rotation"
        region = aws.get_region_output().region
        account = aws.get_caller_identity_output().account_id
        log_group_name = f"/aws/lambda/{self.function_name}"
        log_group_arn = pulumi.Output.format(
            "arn:aws:logs:{0}:{1}:log-group:{2}", region, account, log_group_name
        )
        key = create_kms_key(
            f"{name}-logs-key",
            alias=f"{prefix}/redeploy-on-rotation-logs",
            description=f"{prefix} logs of the redeploy-on-rotation function",
            parent=self,
            grants=[
                ServiceGrant(
                    principal=pulumi.Output.concat("logs.", region, ".amazonaws.com"),
                    condition_key="kms:EncryptionContext:aws:logs:arn",
                    condition_values=[log_group_arn],
                )
            ],
            protect=args["protect"],
        )
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=log_group_name,
            retention_in_days=args["log_retention_days"],
            kms_key_id=key.arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
        service_arn = pulumi.Output.format(
            "arn:aws:ecs:{0}:{1}:service/{2}/{3}",
            region,
            account,
            args["cluster_name"],
            args["service_name"],
        )
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=service_trust_policy("lambda.amazonaws.com", account),
            description="Forces a new deployment of the web service after a password rotation",
            opts=pulumi.ResourceOptions(parent=self),
        )
        permissions = aws.iam.get_policy_document_output(
            statements=[
                aws.iam.GetPolicyDocumentStatementArgs(
                    sid="RollTheService",
                    actions=["ecs:UpdateService"],
                    resources=[service_arn],
                ),
                aws.iam.GetPolicyDocumentStatementArgs(
                    sid="WriteItsLogs",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[pulumi.Output.concat(log_group.arn, ":*")],
                ),
            ]
        )
        policy = aws.iam.RolePolicy(
            f"{name}-permissions",
            role=role.id,
            policy=permissions.json,
            opts=pulumi.ResourceOptions(parent=role),
        )
        function = aws.lambda_.Function(
            f"{name}-function",
            name=self.function_name,
            description="Rolls the web service after the database password rotates",
            runtime="python3.12",
            architectures=["arm64"],
            handler="redeploy_on_rotation.handler",
            code=pulumi.AssetArchive(
                {"redeploy_on_rotation.py": pulumi.StringAsset(HANDLER.read_text())}
            ),
            role=role.arn,
            timeout=30,
            memory_size=128,
            environment=aws.lambda_.FunctionEnvironmentArgs(
                variables={
                    "SECRET_ARN": args["secret_arn"],
                    "CLUSTER": args["cluster_name"],
                    "SERVICE": args["service_name"],
                }
            ),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="Text", log_group=log_group.name
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy, log_group]),
        )
        rule = aws.cloudwatch.EventRule(
            f"{name}-rule",
            description="RotationSucceeded of the database master secret",
            event_pattern=pulumi.Output.from_input(args["secret_arn"]).apply(
                rotation_event_pattern
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        permission = aws.lambda_.Permission(
            f"{name}-invoke",
            action="lambda:InvokeFunction",
            function=function.name,
            principal="events.amazonaws.com",
            source_arn=rule.arn,
            opts=pulumi.ResourceOptions(parent=function),
        )
        aws.cloudwatch.EventTarget(
            f"{name}-target",
            rule=rule.name,
            arn=function.arn,
            retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(
                maximum_event_age_in_seconds=3600, maximum_retry_attempts=10
            ),
            opts=pulumi.ResourceOptions(parent=rule, depends_on=[permission]),
        )
        self.register_outputs({"functionName": self.function_name})
