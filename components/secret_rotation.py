"""Scheduled rotation of the secrets this stack generates (components/secrets.py), without
downtime: one Lambda implements Secrets Manager's four rotation steps for every kind
(components/handlers/rotate_generated_secret.py), each secret rotates every ROTATION_DAYS.

- Shared app secrets (revalidation secret, server-actions key, internal token): the new value
  becomes AWSCURRENT and the old one AWSPREVIOUS; tasks read both (X, X_PREVIOUS) and accept
  either, and the redeploy that follows the rotation (components/rotation_redeploy.py) moves
  every task to the new pair.
- The cache AUTH token: ROTATE (old and new both valid) before the new value becomes current,
  SET (old dropped) only after every task restarted with the new one.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components.contracts import AppSecrets, ComponentArgs
from components.rotation_redeploy import HANDLERS, logged_function
from components.secrets import ROTATION_KINDS

ROTATE_HANDLER = HANDLERS / "rotate_generated_secret.py"
RESYNC_ACTION = "resync-cache-token"
"""The rotation function's event for a re-sync (handlers/rotate_generated_secret.py)."""
ROTATION_DAYS = 30
"""Every generated secret rotates monthly (AWS's default schedule suggestion)."""
ROTATION_TIMEOUT_SECONDS = 900
"""testSecret waits for the replication group to apply the new token (minutes, not seconds)."""


def rotated_secrets(secrets: AppSecrets) -> dict[str, pulumi.Output[str]]:
    """purpose -> ARN of each secret that rotates (ROTATION_KINDS' keys)."""
    refs = {
        "redis-auth-token": secrets.redis_auth_token,
        "revalidate-secret": secrets.revalidate_secret,
        "server-actions-key": secrets.server_actions_key,
        "internal-token": secrets.internal_token,
    }
    return {purpose: refs[purpose].arn for purpose in ROTATION_KINDS}


class SecretRotationArgs(ComponentArgs):
    secrets: AppSecrets
    key_arn: pulumi.Input[str]
    """The app secrets' key (the rotation writes and reads values under it)."""
    replication_group_id: str
    """The cache whose AUTH token rotates."""
    log_retention_days: int
    protect: bool
    cache_group: pulumi.Resource
    """The replication group: its replacement re-syncs its token with AWSCURRENT."""


class GeneratedSecretRotation(pulumi.ComponentResource):
    """The rotation Lambda, Secrets Manager's permission to call it, and one schedule per secret."""

    function_name: str

    def __init__(
        self, name: str, args: SecretRotationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("perfcheck:rotation:GeneratedSecretRotation", name, None, opts)
        prefix = args["name_prefix"]
        self.function_name = f"{prefix}-rotate-generated-secrets"
        region = aws.get_region_output().region
        account = aws.get_caller_identity_output().account_id
        arns = rotated_secrets(args["secrets"])
        kinds = pulumi.Output.all(**arns).apply(
            lambda resolved: json.dumps({resolved[p]: ROTATION_KINDS[p] for p in sorted(resolved)})
        )
        group_arn = pulumi.Output.format(
            "arn:aws:elasticache:{0}:{1}:replicationgroup:{2}",
            region,
            account,
            args["replication_group_id"],
        )
        via_secrets_manager = aws.iam.GetPolicyDocumentStatementConditionArgs(
            test="StringEquals",
            variable="kms:ViaService",
            values=[pulumi.Output.concat("secretsmanager.", region, ".amazonaws.com")],
        )
        statement = aws.iam.GetPolicyDocumentStatementArgs
        function = logged_function(
            self,
            name,
            function_name=self.function_name,
            key_alias=f"{prefix}/rotate-generated-secrets-logs",
            description="Rotates the generated app secrets and the cache AUTH token",
            handler_file=ROTATE_HANDLER,
            statements=[
                statement(
                    sid="RotateTheseSecrets",
                    actions=[
                        "secretsmanager:DescribeSecret",
                        "secretsmanager:GetSecretValue",
                        "secretsmanager:PutSecretValue",
                        "secretsmanager:UpdateSecretVersionStage",
                        "secretsmanager:TagResource",
                    ],
                    resources=list(arns.values()),
                ),
                statement(
                    sid="GenerateValues",
                    actions=["secretsmanager:GetRandomPassword"],
                    resources=["*"],
                ),
                statement(
                    sid="UseTheirKey",
                    actions=["kms:Decrypt", "kms:GenerateDataKey"],
                    resources=[args["key_arn"]],
                    conditions=[via_secrets_manager],
                ),
                statement(
                    sid="RotateTheCacheToken",
                    actions=[
                        "elasticache:ModifyReplicationGroup",
                        "elasticache:DescribeReplicationGroups",
                    ],
                    resources=[group_arn],
                ),
            ],
            environment={"KINDS": kinds, "REPLICATION_GROUP_ID": args["replication_group_id"]},
            log_retention_days=args["log_retention_days"],
            protect=args["protect"],
            timeout=ROTATION_TIMEOUT_SECONDS,
        )
        for purpose, arn in arns.items():
            permission = aws.lambda_.Permission(
                f"{name}-{purpose}-invoke",
                action="lambda:InvokeFunction",
                function=function.name,
                principal="secretsmanager.amazonaws.com",
                source_arn=arn,
                opts=pulumi.ResourceOptions(parent=function),
            )
            aws.secretsmanager.SecretRotation(
                f"{name}-{purpose}",
                secret_id=arn,
                rotation_lambda_arn=function.arn,
                rotation_rules=aws.secretsmanager.SecretRotationRotationRulesArgs(
                    automatically_after_days=ROTATION_DAYS
                ),
                # The first rotation follows the schedule, but testSecret runs at once, and the
                # cache token's describes the group: the schedules wait for it (review 4, R20).
                rotate_immediately=False,
                opts=pulumi.ResourceOptions(
                    parent=self, depends_on=[permission, args["cache_group"]]
                ),
            )
        # A group replaced by an `up` is created with the token in the stack's state, the first
        # one: the engine keeps an ignored input's old value on a replacement (ignoreChanges,
        # pulumi step_generator.go), while tasks read the rotated AWSCURRENT. So each replacement
        # re-invokes this, which adds AWSCURRENT (ROTATE) and marks the stale one for the SET. A
        # group created without prior state already starts from AWSCURRENT (secrets.current_value).
        aws.lambda_.Invocation(
            f"{name}-cache-token-resync",
            function_name=function.name,
            input=pulumi.Output.json_dumps(
                {"Action": RESYNC_ACTION, "SecretId": arns["redis-auth-token"]}
            ),
            triggers={"replicationGroupId": args["replication_group_id"]},
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[args["cache_group"]],
                replace_with=[args["cache_group"]],
            ),
        )
        self.register_outputs({"functionName": self.function_name})
