"""The one-off copy of the old EFS-backed PostgreSQL into RDS: an ECS Fargate task definition
(not a service) that streams `pg_dump | pg_restore` and then compares row counts table by table.

It connects to the old database over the network (`migration.sourceHost`), so no EFS volume is
mounted. Both credentials come from Secrets Manager through ECS `secrets`; the execution role may
read exactly those two secrets. Operators start it with `aws ecs run-task` (see
docs/runbooks/database-migration.md) while the old app is stopped.
"""

from __future__ import annotations

import json
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

from components.contracts import SecretRef
from components.data_names import database_task_log_group_name
from components.secret_access import read_secrets_statements
from components.trust import service_trust_policy
from foundation.app_contract import POSTGRES_PORT
from settings.schema import MigrationSettings

CONTAINER_NAME = "migrate"
TASK_CPU = 1024
TASK_MEMORY = 2048
POSTGRES_IMAGE = "public.ecr.aws/docker/library/postgres:{major}-alpine"
"""The official postgres image (Docker Hub library, mirrored on ECR Public: no pull limits)."""
POSTGRES_IMAGE_USER = "70:70"
"""uid:gid of the `postgres` user in the official Alpine image: the task never runs as root."""
TARGET_SSL_MODE = "require"
"""RDS forces TLS (rds.force_ssl=1); the image has no RDS CA bundle, so the chain is unverified."""

# POSIX sh (the image's busybox ash). Refuses a non-empty target, restores in one transaction
# (all or nothing), refreshes planner statistics, then compares exact row counts per table and
# exits non-zero on any difference. Credentials only ever live in the environment ECS injects.
MIGRATION_SCRIPT = r"""set -eu
set -o pipefail
export PGCONNECT_TIMEOUT=15 PGAPPNAME=perfcheck-migration
src() {
  env PGHOST="$SOURCE_HOST" PGPORT="$SOURCE_PORT" PGDATABASE="$SOURCE_DB" \
    PGUSER="$SOURCE_USER" PGPASSWORD="$SOURCE_PASSWORD" PGSSLMODE="$SOURCE_SSLMODE" "$@"
}
dst() {
  env PGHOST="$TARGET_HOST" PGPORT="$TARGET_PORT" PGDATABASE="$TARGET_DB" \
    PGUSER="$TARGET_USER" PGPASSWORD="$TARGET_PASSWORD" PGSSLMODE="$TARGET_SSLMODE" "$@"
}
echo "source: $(src psql -Atqc 'select version()')"
echo "target: $(dst psql -Atqc 'select version()')"
existing=$(dst psql -Atqc 'select count(*) from pg_stat_user_tables')
if [ "$existing" != "0" ]; then
  echo "target database already has $existing tables: restore only into an empty database" >&2
  exit 3
fi
echo "copying $SOURCE_DB from $SOURCE_HOST into $TARGET_DB on $TARGET_HOST"
src pg_dump --format=custom --no-owner --no-privileges --no-publications --no-subscriptions \
  | dst pg_restore --dbname="$TARGET_DB" --no-owner --no-privileges \
    --single-transaction --exit-on-error
dst psql -qc 'ANALYZE'
tables=$(src psql -Atqc \
  "select format('%I.%I', schemaname, relname) from pg_stat_user_tables order by 1")
mismatch=0
while IFS= read -r table; do
  [ -n "$table" ] || continue
  source_rows=$(src psql -Atqc "select count(*) from $table")
  target_rows=$(dst psql -Atqc "select count(*) from $table")
  echo "rows $table source=$source_rows target=$target_rows"
  [ "$source_rows" = "$target_rows" ] || mismatch=1
done <<TABLES
$tables
TABLES
if [ "$mismatch" != "0" ]; then
  echo "row counts differ: do not cut over" >&2
  exit 4
fi
echo "migration complete: every table has the same row count"
"""

HEALTH_CHECK = 'pg_isready -q -h "$TARGET_HOST" -p "$TARGET_PORT" || exit 1'
"""pg_isready ships in the postgres image; it sends no credentials and opens no session."""

SOURCE_SECRET_VARIABLES = {"SOURCE_USER": "username", "SOURCE_PASSWORD": "password"}
TARGET_SECRET_VARIABLES = {"TARGET_USER": "username", "TARGET_PASSWORD": "password"}


def postgres_image(major: int) -> str:
    """The client tools must be at least the server's major: the target's major is the newest."""
    return POSTGRES_IMAGE.format(major=major)


def migration_container_definitions(
    *,
    image: str,
    source_host: str,
    source_port: int,
    source_database: str,
    source_ssl_mode: str,
    source_secret_arn: str,
    target_host: str,
    target_database: str,
    target_secret_arn: str,
    log_group: str,
    region: str,
) -> list[dict[str, Any]]:
    """The task's one container, in the ECS API's shape (camelCase), with resolved values."""
    environment = {
        "SOURCE_HOST": source_host,
        "SOURCE_PORT": str(source_port),
        "SOURCE_DB": source_database,
        "SOURCE_SSLMODE": source_ssl_mode,
        "TARGET_HOST": target_host,
        "TARGET_PORT": str(POSTGRES_PORT),
        "TARGET_DB": target_database,
        "TARGET_SSLMODE": TARGET_SSL_MODE,
        "HOME": "/tmp",
    }
    secrets = [
        {"name": variable, "valueFrom": f"{source_secret_arn}:{json_key}::"}
        for variable, json_key in SOURCE_SECRET_VARIABLES.items()
    ] + [
        {"name": variable, "valueFrom": f"{target_secret_arn}:{json_key}::"}
        for variable, json_key in TARGET_SECRET_VARIABLES.items()
    ]
    return [
        {
            "name": CONTAINER_NAME,
            "image": image,
            "essential": True,
            "user": POSTGRES_IMAGE_USER,
            "readonlyRootFilesystem": True,
            "entryPoint": ["/bin/sh", "-c"],
            "command": [MIGRATION_SCRIPT],
            "environment": [{"name": k, "value": v} for k, v in sorted(environment.items())],
            "secrets": secrets,
            "mountPoints": [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}],
            "linuxParameters": {"capabilities": {"drop": ["ALL"]}, "initProcessEnabled": True},
            # A one-off task is healthy while its target accepts connections: the check makes a
            # lost target visible in the console and satisfies the essential-container rule.
            "healthCheck": {
                "command": ["CMD-SHELL", HEALTH_CHECK],
                "interval": 30,
                "timeout": 5,
                "retries": 3,
                "startPeriod": 30,
            },
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": log_group,
                    "awslogs-region": region,
                    "awslogs-stream-prefix": "migration",
                },
            },
            "stopTimeout": 120,
        }
    ]


class MigrationArgs(TypedDict):
    name_prefix: str
    """Physical-name prefix, `<project>-<stack>`."""
    migration: MigrationSettings
    """Source host, port, database, TLS mode, secret (and its key)."""
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    """Where the source is assumed to live when migration.sourceCidr is not set."""
    database_security_group_id: pulumi.Input[str]
    """The target's security group: the task gets its own ingress rule on it."""
    target_host: pulumi.Input[str]
    """The RDS instance's own address (not the proxy: a restore is one long session)."""
    target_database: str
    target_secret: SecretRef
    """The RDS-managed master secret (JSON username/password) and its key."""
    postgres_major: int
    architecture: str
    """ARM64 or X86_64 (the postgres image is built for both)."""
    log_retention_days: int
    log_key_arn: pulumi.Input[str]
    """The database's key (CloudWatch Logs may use it for /perfcheck/<prefix>/database/*)."""


class Migration(pulumi.ComponentResource):
    """Task definition, execution role, security group and log group of the one-off copy."""

    task_definition_arn: pulumi.Output[str]
    family: str
    security_group_id: pulumi.Output[str]
    log_group_name: str

    def __init__(
        self, name: str, args: MigrationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("perfcheck:migration:Migration", name, None, opts)
        settings = args["migration"]
        prefix = args["name_prefix"]
        if settings.source_host is None or settings.source_secret_arn is None:
            raise ValueError("migration needs sourceHost and sourceSecretArn")
        source_secret_arn = settings.source_secret_arn
        self.family = f"{prefix}-db-migration"
        self.log_group_name = database_task_log_group_name(prefix, "migration")
        region = aws.get_region_output()
        identity = aws.get_caller_identity_output()

        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=self.log_group_name,
            retention_in_days=args["log_retention_days"],
            kms_key_id=args["log_key_arn"],
            opts=pulumi.ResourceOptions(parent=self),
        )
        role = self._execution_role(
            name, args, source_secret_arn, log_group.arn, region.region, identity.account_id
        )
        self.security_group_id = self._security_group(name, args)

        container_definitions = pulumi.Output.all(
            target_host=args["target_host"],
            target_secret_arn=args["target_secret"].arn,
            region=region.region,
        ).apply(
            lambda resolved: json.dumps(
                migration_container_definitions(
                    image=postgres_image(args["postgres_major"]),
                    source_host=settings.source_host or "",
                    source_port=settings.source_port,
                    source_database=settings.source_database_name or args["target_database"],
                    source_ssl_mode=settings.source_ssl_mode,
                    source_secret_arn=source_secret_arn,
                    target_host=resolved["target_host"],
                    target_database=args["target_database"],
                    target_secret_arn=resolved["target_secret_arn"],
                    log_group=self.log_group_name,
                    region=resolved["region"],
                )
            )
        )
        task_definition = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=self.family,
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(TASK_CPU),
            memory=str(TASK_MEMORY),
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                cpu_architecture=args["architecture"], operating_system_family="LINUX"
            ),
            execution_role_arn=role.arn,
            container_definitions=container_definitions,
            volumes=[aws.ecs.TaskDefinitionVolumeArgs(name="tmp")],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group]),
        )
        self.task_definition_arn = task_definition.arn
        self.register_outputs(
            {
                "taskDefinitionArn": task_definition.arn,
                "securityGroupId": self.security_group_id,
                "logGroupName": self.log_group_name,
            }
        )

    def _execution_role(
        self,
        name: str,
        args: MigrationArgs,
        source_secret_arn: str,
        log_group_arn: pulumi.Output[str],
        region: pulumi.Output[str],
        account_id: pulumi.Output[str],
    ) -> aws.iam.Role:
        """ECS may pull the public image, write the log group and read exactly the two secrets."""
        assume = service_trust_policy("ecs-tasks.amazonaws.com", account_id)
        role = aws.iam.Role(
            f"{name}-execution-role",
            assume_role_policy=assume,
            description="ECS starts the database migration task: logs and its two secrets",
            opts=pulumi.ResourceOptions(parent=self),
        )
        key_arns: list[pulumi.Input[str]] = [args["target_secret"].kms_key_arn]
        if args["migration"].source_secret_kms_key_arn:
            key_arns.append(args["migration"].source_secret_kms_key_arn)
        document = aws.iam.get_policy_document_output(
            statements=[
                aws.iam.GetPolicyDocumentStatementArgs(
                    sid="WriteLogs",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[log_group_arn, pulumi.Output.concat(log_group_arn, ":*")],
                ),
                *read_secrets_statements(
                    [source_secret_arn, args["target_secret"].arn],
                    key_arns,
                    region,
                    sid="SourceAndTargetSecrets",
                ),
            ]
        )
        aws.iam.RolePolicy(
            f"{name}-execution-policy",
            role=role.id,
            policy=document.json,
            opts=pulumi.ResourceOptions(parent=role),
        )
        return role

    def _security_group(self, name: str, args: MigrationArgs) -> pulumi.Output[str]:
        """Out to the source and the target on their ports, and HTTPS for the image, the secrets
        and the logs (through NAT); nothing may connect in. The target admits the task."""
        settings = args["migration"]
        prefix = args["name_prefix"]
        group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=args["vpc_id"],
            description="One-off database migration task: egress to source, target and HTTPS",
            tags={"Name": f"{prefix}-db-migration"},
            opts=pulumi.ResourceOptions(parent=self),
        )

        def egress(rule: str, port: int, description: str, **target: Any) -> None:
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-{rule}",
                security_group_id=group.id,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                description=description,
                opts=pulumi.ResourceOptions(parent=group),
                **target,
            )

        egress(
            "to-https",
            443,
            "HTTPS to ECR Public, Secrets Manager and CloudWatch Logs through NAT",
            cidr_ipv4="0.0.0.0/0",
        )
        egress(
            "to-source",
            settings.source_port,
            "The old EFS-backed PostgreSQL",
            cidr_ipv4=settings.source_cidr or args["vpc_cidr"],
        )
        egress(
            "to-target",
            POSTGRES_PORT,
            "The RDS instance",
            referenced_security_group_id=args["database_security_group_id"],
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-database-from-migration",
            security_group_id=args["database_security_group_id"],
            ip_protocol="tcp",
            from_port=POSTGRES_PORT,
            to_port=POSTGRES_PORT,
            description="One-off migration task to PostgreSQL",
            referenced_security_group_id=group.id,
            opts=pulumi.ResourceOptions(parent=group),
        )
        return group.id
