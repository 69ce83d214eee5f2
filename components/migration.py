"""One-off database tasks (ECS Fargate task definitions, not services), started by operators
with `aws ecs run-task`:

- `DatabaseRoles` (every stack): applies components/database_roles.py's app role and grants, as
  the owner role. Run after the first deploy and after every schema change (idempotent).
- `DatabaseBootstrap` (every stack): the first deploy's owner role, app role and grants, as the
  RDS master user, whose password ECS injects through the task's own execution role. The first
  `pulumi up` runs it (components/database_bootstrap.py) before the service must be healthy.
- `Migration` (when `migration.enabled`): the copy of the old EFS-backed PostgreSQL into RDS,
  streaming `pg_dump | pg_restore`, comparing row counts table by table, then applying the same
  roles SQL. It connects to the old database over the network, so no EFS volume is mounted.

The roles and migration tasks hold no password for RDS: both log in as the owner role with IAM
tokens that a small `aws-cli` sidecar signs with the task role and refreshes every few minutes in
the shared /tmp (a token opens connections for 15 minutes). The RDS master secret is read by the
bootstrap task only (ECS injects its password into that one container's environment).
"""

from __future__ import annotations

import json
from typing import Any, NotRequired

import pulumi
import pulumi_aws as aws

from components.contracts import ComponentArgs, SecretRef
from components.data_names import database_task_log_group_name
from components.database_roles import OWNER_ROLE, app_role_sql, bootstrap_sql
from components.secret_access import read_secrets_statements
from components.trust import role_with_policy, service_trust_policy
from foundation.app_contract import POSTGRES_PORT
from settings.schema import TOKEN_SIGNER_IMAGE, MigrationSettings, postgres_tools_image

CONTAINER_NAME = "migrate"
ROLES_CONTAINER_NAME = "roles"
TOKEN_CONTAINER_NAME = "iam-token"
TOKEN_FILE = "/tmp/rds-token"
AWS_CLI_IMAGE = TOKEN_SIGNER_IMAGE
"""AWS's own CLI image (Amazon Linux, has sh), pinned by digest: signs the RDS IAM token
locally, no API call (the default of `database.tokenImage`)."""
TOKEN_REFRESH_SECONDS = 300
"""Well inside the 15 minutes an RDS IAM token may open connections for."""
TASK_CPU = 1024
TASK_MEMORY = 2048
POSTGRES_IMAGE_USER = "70:70"
"""uid:gid of the `postgres` user in the official Alpine image: the task never runs as root."""
TARGET_SSL_MODE = "require"
TOKEN_SCRIPT = r"""set -eu
while true; do
  aws rds generate-db-auth-token --hostname "$PGHOST" --port "$PGPORT" \
    --username "$PGUSER" --region "$AWS_REGION" > "$RDS_LOGIN_FILE.next"
  mv "$RDS_LOGIN_FILE.next" "$RDS_LOGIN_FILE"
  sleep "$REFRESH_SECONDS"
done
"""
ROLES_SCRIPT = r"""set -eu
echo "applying the app role and its grants as $PGUSER on $PGHOST/$PGDATABASE"
printf '%s\n' "$ROLES_SQL" | PGPASSWORD="$(cat "$RDS_LOGIN_FILE")" \
  psql -v ON_ERROR_STOP=1 --single-transaction -q
echo "roles applied"
"""
"""RDS forces TLS (rds.force_ssl=1); the image has no RDS CA bundle, so the chain is unverified."""
BOOTSTRAP_CONTAINER_NAME = "bootstrap"
BOOTSTRAP_SCRIPT = r"""set -eu
echo "bootstrapping the owner and app roles as $PGUSER on $PGHOST/$PGDATABASE"
printf '%s\n' "$BOOTSTRAP_SQL" | psql -v ON_ERROR_STOP=1 --single-transaction -q
echo "bootstrap applied"
"""

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
    PGUSER="$TARGET_USER" PGPASSWORD="$(cat "$RDS_LOGIN_FILE")" PGSSLMODE="$TARGET_SSLMODE" "$@"
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
printf '%s\n' "$ROLES_SQL" | dst psql -v ON_ERROR_STOP=1 --single-transaction -q
echo "migration complete: every table has the same row count; app role grants applied"
"""

SOURCE_SECRET_VARIABLES = {"SOURCE_USER": "username", "SOURCE_PASSWORD": "password"}


def postgres_image(major: int) -> str:
    """The client tools must be at least the server's major: the target's major is the newest
    (pinned by digest where settings/schema.py pins one; `database.toolsImage` overrides it)."""
    return postgres_tools_image(major)


def _tools_image(args: DatabaseTaskArgs) -> str:
    """The client image of a one-off task: the settings' choice, else the major's pinned one."""
    return args.get("tools_image") or postgres_image(args["postgres_major"])


def _logs(log_group: str, region: str, prefix: str) -> dict[str, Any]:
    return {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": log_group,
            "awslogs-region": region,
            "awslogs-stream-prefix": prefix,
        },
    }


def _hardened(
    name: str, image: str, script: str, environment: dict[str, str], log: dict[str, Any]
) -> dict[str, Any]:
    """A non-root, read-only container running `script` with only /tmp writable."""
    return {
        "name": name,
        "image": image,
        "user": POSTGRES_IMAGE_USER,
        "readonlyRootFilesystem": True,
        "entryPoint": ["/bin/sh", "-c"],
        "command": [script],
        "environment": [{"name": k, "value": v} for k, v in sorted(environment.items())],
        "mountPoints": [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}],
        "linuxParameters": {"capabilities": {"drop": ["ALL"]}, "initProcessEnabled": True},
        "logConfiguration": log,
    }


def iam_token_container(
    *, host: str, user: str, region: str, log_group: str, image: str = AWS_CLI_IMAGE
) -> dict[str, Any]:
    """The sidecar that keeps a fresh RDS IAM token for `user` in TOKEN_FILE (HEALTHY once the
    first token is there); not essential, so the task ends with the container that uses it."""
    container = _hardened(
        TOKEN_CONTAINER_NAME,
        image,
        TOKEN_SCRIPT,
        {
            "PGHOST": host,
            "PGPORT": str(POSTGRES_PORT),
            "PGUSER": user,
            "AWS_REGION": region,
            "RDS_LOGIN_FILE": TOKEN_FILE,
            "REFRESH_SECONDS": str(TOKEN_REFRESH_SECONDS),
            "HOME": "/tmp",
        },
        _logs(log_group, region, "iam-token"),
    )
    container["essential"] = False
    container["healthCheck"] = {
        "command": ["CMD-SHELL", f"test -s {TOKEN_FILE}"],
        "interval": 5,
        "timeout": 2,
        "retries": 10,
        "startPeriod": 5,
    }
    return container


def _after_token(container: dict[str, Any]) -> dict[str, Any]:
    """The working container: essential (the task ends with it), started once a token exists,
    healthy while the target answers (pg_isready ships with the postgres image)."""
    container["essential"] = True
    container["healthCheck"] = {
        "command": ["CMD-SHELL", 'pg_isready -q -t 3 -h "${PGHOST:-$TARGET_HOST}" -p 5432'],
        "interval": 30,
        "timeout": 5,
        "retries": 3,
        "startPeriod": 10,
    }
    container["dependsOn"] = [{"containerName": TOKEN_CONTAINER_NAME, "condition": "HEALTHY"}]
    container["stopTimeout"] = 120
    return container


def roles_container_definitions(
    *,
    image: str,
    host: str,
    database: str,
    log_group: str,
    region: str,
    token_image: str = AWS_CLI_IMAGE,
) -> list[dict[str, Any]]:
    """The roles task: the token sidecar and psql applying `app_role_sql` as the owner role."""
    token = iam_token_container(
        host=host, user=OWNER_ROLE, region=region, log_group=log_group, image=token_image
    )
    roles = _hardened(
        ROLES_CONTAINER_NAME,
        image,
        ROLES_SCRIPT,
        {
            "PGHOST": host,
            "PGPORT": str(POSTGRES_PORT),
            "PGDATABASE": database,
            "PGUSER": OWNER_ROLE,
            "PGSSLMODE": TARGET_SSL_MODE,
            "PGAPPNAME": "perfcheck-roles",
            "RDS_LOGIN_FILE": TOKEN_FILE,
            "ROLES_SQL": app_role_sql(database),
            "HOME": "/tmp",
        },
        _logs(log_group, region, "roles"),
    )
    return [token, _after_token(roles)]


def bootstrap_container_definitions(
    *,
    image: str,
    host: str,
    database: str,
    master_user: str,
    master_secret_arn: str,
    log_group: str,
    region: str,
) -> list[dict[str, Any]]:
    """The bootstrap task: one psql container applying `bootstrap_sql` as the master user; the
    password comes from the RDS-managed master secret, injected by ECS at start."""
    container = _hardened(
        BOOTSTRAP_CONTAINER_NAME,
        image,
        BOOTSTRAP_SCRIPT,
        {
            "PGHOST": host,
            "PGPORT": str(POSTGRES_PORT),
            "PGDATABASE": database,
            "PGUSER": master_user,
            "PGSSLMODE": TARGET_SSL_MODE,
            "PGAPPNAME": "perfcheck-bootstrap",
            "PGCONNECT_TIMEOUT": "15",
            "BOOTSTRAP_SQL": bootstrap_sql(database),
            "HOME": "/tmp",
        },
        _logs(log_group, region, "bootstrap"),
    )
    container["essential"] = True
    container["secrets"] = [{"name": "PGPASSWORD", "valueFrom": f"{master_secret_arn}:password::"}]
    return [container]


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
    log_group: str,
    region: str,
    token_image: str = AWS_CLI_IMAGE,
) -> list[dict[str, Any]]:
    """The migration task's containers, in the ECS API's shape (camelCase): the token sidecar
    (the target login) and the copy, whose only secret is the old database's credential."""
    environment = {
        "SOURCE_HOST": source_host,
        "SOURCE_PORT": str(source_port),
        "SOURCE_DB": source_database,
        "SOURCE_SSLMODE": source_ssl_mode,
        "TARGET_HOST": target_host,
        "TARGET_PORT": str(POSTGRES_PORT),
        "TARGET_DB": target_database,
        "TARGET_SSLMODE": TARGET_SSL_MODE,
        "TARGET_USER": OWNER_ROLE,
        "RDS_LOGIN_FILE": TOKEN_FILE,
        "ROLES_SQL": app_role_sql(target_database),
        "HOME": "/tmp",
    }
    migrate = _hardened(
        CONTAINER_NAME,
        image,
        MIGRATION_SCRIPT,
        environment,
        _logs(log_group, region, "migration"),
    )
    migrate["secrets"] = [
        {"name": variable, "valueFrom": f"{source_secret_arn}:{json_key}::"}
        for variable, json_key in SOURCE_SECRET_VARIABLES.items()
    ]
    token = iam_token_container(
        host=target_host, user=OWNER_ROLE, region=region, log_group=log_group, image=token_image
    )
    return [token, _after_token(migrate)]


class DatabaseTaskArgs(ComponentArgs):
    vpc_id: pulumi.Input[str]
    database_security_group_id: pulumi.Input[str]
    """The target's security group: the task gets its own ingress rule on it."""
    endpoint_security_group_ids: dict[str, pulumi.Input[str]]
    """The Network's interface endpoint groups: the task is admitted to the ones it calls
    (private DNS sends its log and secret calls there)."""
    target_host: pulumi.Input[str]
    """The RDS instance's own address (not the proxy: restores and DDL are long sessions)."""
    target_database: str
    owner_connect_arn: pulumi.Input[str]
    """`rds-db:connect` as the owner role on the instance (Database.owner_connect_arn)."""
    postgres_major: int
    tools_image: NotRequired[str]
    """The client image (database.toolsImage); default: the pinned image of postgres_major."""
    token_image: NotRequired[str]
    """The IAM-token sidecar's image (database.tokenImage)."""
    architecture: str
    """ARM64 or X86_64 (the postgres and aws-cli images are built for both)."""
    log_retention_days: int
    log_key_arn: pulumi.Input[str]
    """The database's key (CloudWatch Logs may use it for /perfcheck/<prefix>/database/*)."""


class MigrationArgs(DatabaseTaskArgs):
    migration: MigrationSettings
    """Source host, port, database, TLS mode, secret (and its key)."""
    vpc_cidr: str
    """Where the source is assumed to live when migration.sourceCidr is not set."""


class _DatabaseTask(pulumi.ComponentResource):
    """What both one-off tasks share: log group, roles, security group, task definition."""

    task_definition_arn: pulumi.Output[str]
    role_arns: list[pulumi.Output[str]]
    """The execution and task roles: whoever starts the task passes both."""
    family: str
    security_group_id: pulumi.Output[str]
    log_group_name: str

    def _build(
        self,
        name: str,
        args: DatabaseTaskArgs,
        purpose: str,
        containers: Any,
        *,
        secret_arns: list[str],
        secret_key_arns: list[pulumi.Input[str]],
        extra_egress: list[tuple[str, int, str, dict[str, Any]]],
        resolve: dict[str, pulumi.Input[str]] | None = None,
    ) -> None:
        prefix = args["name_prefix"]
        self.family = f"{prefix}-db-{purpose}"
        self.log_group_name = database_task_log_group_name(prefix, purpose)
        region = aws.get_region_output()
        identity = aws.get_caller_identity_output()
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=self.log_group_name,
            retention_in_days=args["log_retention_days"],
            kms_key_id=args["log_key_arn"],
            opts=pulumi.ResourceOptions(parent=self),
        )
        assume = service_trust_policy("ecs-tasks.amazonaws.com", identity.account_id)
        statements = [
            aws.iam.GetPolicyDocumentStatementArgs(
                sid="WriteLogs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.arn, pulumi.Output.concat(log_group.arn, ":*")],
            )
        ]
        if secret_arns:
            read, decrypt = read_secrets_statements(
                secret_arns, secret_key_arns, region.region, sid="SourceSecret"
            )
            # A secret under the AWS-managed key needs no key statement.
            statements += [read, decrypt] if secret_key_arns else [read]
        execution_role, _ = role_with_policy(
            f"{name}-execution-role",
            f"{name}-execution-policy",
            trust=assume,
            description=f"ECS starts the database {purpose} task: its logs"
            + (" and the secret it reads" if secret_arns else ""),
            statements=statements,
            parent=self,
        )
        task_role, _ = role_with_policy(
            f"{name}-task-role",
            f"{name}-task-policy",
            trust=assume,
            description=f"The database {purpose} task logs in as the owner role with IAM",
            statements=[
                aws.iam.GetPolicyDocumentStatementArgs(
                    sid="ConnectAsTheOwnerRole",
                    actions=["rds-db:connect"],
                    resources=[args["owner_connect_arn"]],
                )
            ],
            parent=self,
        )
        self.security_group_id = self._security_group(
            name, args, purpose, extra_egress, needs_secrets=bool(secret_arns)
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
            execution_role_arn=execution_role.arn,
            task_role_arn=task_role.arn,
            container_definitions=pulumi.Output.all(
                target_host=args["target_host"], region=region.region, **(resolve or {})
            ).apply(lambda resolved: json.dumps(containers(resolved))),
            volumes=[aws.ecs.TaskDefinitionVolumeArgs(name="tmp")],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group]),
        )
        self.task_definition_arn = task_definition.arn
        self.role_arns = [execution_role.arn, task_role.arn]
        self.register_outputs(
            {
                "taskDefinitionArn": task_definition.arn,
                "securityGroupId": self.security_group_id,
                "logGroupName": self.log_group_name,
            }
        )

    def _security_group(
        self,
        name: str,
        args: DatabaseTaskArgs,
        purpose: str,
        extra_egress: list[tuple[str, int, str, dict[str, Any]]],
        *,
        needs_secrets: bool,
    ) -> pulumi.Output[str]:
        """Out to the target on 5432 and HTTPS (public images through NAT, logs and secrets
        through their endpoints, which admit the task); nothing may connect in."""
        group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=args["vpc_id"],
            description=f"One-off database {purpose} task: egress to PostgreSQL and HTTPS",
            tags={"Name": f"{args['name_prefix']}-db-{purpose}"},
            opts=pulumi.ResourceOptions(parent=self),
        )
        egress = [
            ("to-https", 443, "HTTPS: ECR Public through NAT, logs through the endpoint",
             {"cidr_ipv4": "0.0.0.0/0"}),
            ("to-target", POSTGRES_PORT, "The RDS instance",
             {"referenced_security_group_id": args["database_security_group_id"]}),
            *extra_egress,
        ]  # fmt: skip
        for rule, port, description, target in egress:
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
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-database-from-{purpose}",
            security_group_id=args["database_security_group_id"],
            ip_protocol="tcp",
            from_port=POSTGRES_PORT,
            to_port=POSTGRES_PORT,
            description=f"One-off {purpose} task to PostgreSQL",
            referenced_security_group_id=group.id,
            opts=pulumi.ResourceOptions(parent=group),
        )
        services = ["logs", "secretsmanager"] if needs_secrets else ["logs"]
        for service in services:
            endpoint_group = args["endpoint_security_group_ids"].get(service)
            if endpoint_group is None:
                continue
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-endpoint-{service}-from-{purpose}",
                security_group_id=endpoint_group,
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                description=f"One-off {purpose} task to the {service} endpoint",
                referenced_security_group_id=group.id,
                opts=pulumi.ResourceOptions(parent=group),
            )
        return group.id


class DatabaseRoles(_DatabaseTask):
    """The roles task: applies the app role and its grants (components/database_roles.py)."""

    def __init__(
        self, name: str, args: DatabaseTaskArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("perfcheck:migration:DatabaseRoles", name, None, opts)
        prefix = args["name_prefix"]
        log_group = database_task_log_group_name(prefix, "roles")
        self._build(
            name,
            args,
            "roles",
            lambda resolved: roles_container_definitions(
                image=_tools_image(args),
                host=resolved["target_host"],
                database=args["target_database"],
                log_group=log_group,
                region=resolved["region"],
                token_image=args.get("token_image", AWS_CLI_IMAGE),
            ),
            secret_arns=[],
            secret_key_arns=[],
            extra_egress=[],
        )


class DatabaseBootstrapArgs(DatabaseTaskArgs):
    master_user: str
    master_secret: SecretRef
    """The RDS-managed master secret and its key: read by this task's execution role only."""


class DatabaseBootstrap(_DatabaseTask):
    """The bootstrap task: the owner role, the app role and its grants, as the master user."""

    container_name = BOOTSTRAP_CONTAINER_NAME

    def __init__(
        self, name: str, args: DatabaseBootstrapArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("perfcheck:migration:DatabaseBootstrap", name, None, opts)
        prefix = args["name_prefix"]
        log_group = database_task_log_group_name(prefix, "bootstrap")
        secret = args["master_secret"]
        self._build(
            name,
            args,
            "bootstrap",
            lambda resolved: bootstrap_container_definitions(
                image=_tools_image(args),
                host=resolved["target_host"],
                database=args["target_database"],
                master_user=args["master_user"],
                master_secret_arn=resolved["master_secret_arn"],
                log_group=log_group,
                region=resolved["region"],
            ),
            secret_arns=[secret.arn],  # type: ignore[list-item]
            secret_key_arns=[secret.kms_key_arn] if secret.kms_key_arn else [],
            extra_egress=[],
            resolve={"master_secret_arn": secret.arn},
        )


class Migration(_DatabaseTask):
    """Task definition, roles, security group and log group of the one-off EFS copy."""

    def __init__(
        self, name: str, args: MigrationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("perfcheck:migration:Migration", name, None, opts)
        settings = args["migration"]
        prefix = args["name_prefix"]
        if settings.source_host is None or settings.source_secret_arn is None:
            raise ValueError("migration needs sourceHost and sourceSecretArn")
        source_secret_arn = settings.source_secret_arn
        log_group = database_task_log_group_name(prefix, "migration")
        key_arns: list[pulumi.Input[str]] = []
        if settings.source_secret_kms_key_arn:
            key_arns.append(settings.source_secret_kms_key_arn)
        self._build(
            name,
            args,
            "migration",
            lambda resolved: migration_container_definitions(
                image=_tools_image(args),
                source_host=settings.source_host or "",
                source_port=settings.source_port,
                source_database=settings.source_database_name or args["target_database"],
                source_ssl_mode=settings.source_ssl_mode,
                source_secret_arn=source_secret_arn,
                target_host=resolved["target_host"],
                target_database=args["target_database"],
                log_group=log_group,
                region=resolved["region"],
                token_image=args.get("token_image", AWS_CLI_IMAGE),
            ),
            secret_arns=[source_secret_arn],
            secret_key_arns=key_arns,
            extra_egress=[
                (
                    "to-source",
                    settings.source_port,
                    "The old EFS-backed PostgreSQL",
                    {"cidr_ipv4": settings.source_cidr or args["vpc_cidr"]},
                )
            ],
        )
