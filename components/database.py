"""RDS PostgreSQL off EFS: private, encrypted, Multi-AZ in prod, TLS-only, observable, recoverable.

The master credentials never pass through the program: RDS generates them into a Secrets
Manager secret under the database's own key and rotates them, and no task reads them (a person
uses them once, to create the owner role: components/database_roles.py).

The app logs in as its own least-privilege role with IAM authentication: its task role may
`rds-db:connect` as that role, the app signs a 15-minute token per new connection, and no task
ever holds a database password, so a rotation can never strand a running task. RDS Proxy (on in
both stacks) pools the connections with end-to-end IAM authentication (DefaultAuthScheme
IAM_AUTH): clients authenticate to the proxy with IAM, and the proxy to the database with IAM as
the same user, so the proxy reads no secret either and needs no path to Secrets Manager.
"""

from __future__ import annotations

from typing import Literal

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.contracts import ComponentArgs, DatabaseConnection, SecretRef
from components.data_names import (
    RDS_LOG_EXPORTS,
    database_identifier,
    database_proxy_name,
    database_task_log_group_name,
    rds_log_group_name,
)
from components.database_roles import APP_ROLE, OWNER_ROLE
from components.encryption import ServiceGrant, create_kms_key
from components.trust import role_with_policy, service_trust_policy
from foundation.app_contract import POSTGRES_PORT
from foundation.engine_versions import instance_engine_version, postgres_parameter_group_family
from settings.schema import DatabaseSettings

MASTER_USERNAME = "perfcheck_admin"
CA_CERTIFICATE = "rds-ca-rsa2048-g1"
MONITORING_INTERVAL_SECONDS = 60
ENHANCED_MONITORING_POLICY = "service-role/AmazonRDSEnhancedMonitoringRole"
EXTENDED_SUPPORT_DISABLED = "open-source-rds-extended-support-disabled"

# Parameters whose PostgreSQL context is not `postmaster`, which RDS applies without a restart.
# AWS accepts `immediate` only for dynamic parameters and `pending-reboot` for both kinds
# (ModifyDBParameterGroup), so anything not listed here is sent as `pending-reboot`.
DYNAMIC_PARAMETERS = frozenset(
    {
        "log_min_duration_statement",
        "log_connections",
        "log_disconnections",
        "log_lock_waits",
        "log_statement",
    }
)

ApplyMethod = Literal["immediate", "pending-reboot"]


def parameter_apply_method(name: str) -> ApplyMethod:
    """`immediate` for a parameter known to be dynamic, else `pending-reboot` (always accepted)."""
    return "immediate" if name in DYNAMIC_PARAMETERS else "pending-reboot"


def database_parameters(slow_statement_ms: int) -> dict[str, str]:
    """The parameter group's values.

    - rds.force_ssl: every client connection must use TLS (the proxy's too).
    - log_min_duration_statement: statements slower than the setting land in the exported log.
    - log_connections / log_disconnections: who connected from where; cheap with pooled
      connections (the proxy or per-task pools keep them long-lived) and what an audit asks for.
    - log_lock_waits: waits longer than deadlock_timeout, the usual cause of slow statements.
    - log_statement=ddl: schema changes (migrations) are recorded.
    """
    return {
        "rds.force_ssl": "1",
        "log_min_duration_statement": str(slow_statement_ms),
        "log_connections": "1",
        "log_disconnections": "1",
        "log_lock_waits": "1",
        "log_statement": "ddl",
    }


class DatabaseArgs(ComponentArgs):
    database: DatabaseSettings
    """The stack's database section (engine, size, backups, windows, proxy, DR region)."""
    is_prod: bool
    """Prod keeps automated backups after deletion and applies changes in the maintenance window."""
    protect: bool
    """Pulumi protect on the instance, its keys and its parameter group."""
    subnet_ids: pulumi.Input[list[str]]
    """The Network's isolated subnets (no route to the internet)."""
    security_group_id: pulumi.Input[str]
    """The Network's database security group (open only to the service or its proxy)."""
    proxy_security_group_id: pulumi.Input[str] | None
    """The Network's db-proxy security group; required when the proxy is on."""


class Database(pulumi.ComponentResource):
    """RDS PostgreSQL instance, its key, parameter group, logs, monitoring, rotation and proxy."""

    connection: DatabaseConnection
    identifier: str
    """The instance identifier (known before the instance exists: alarms and log groups use it)."""
    instance_address: pulumi.Output[str]
    """The instance's own endpoint host (one-off tasks such as the migration connect here)."""
    master_secret: SecretRef
    """The RDS-managed master secret (JSON with `username` and `password`): used by no task."""
    owner_connect_arn: pulumi.Output[str]
    """`rds-db:connect` as the owner role on the instance itself (migrations, the roles task)."""
    key_arn: pulumi.Output[str]
    """The database's CMK: storage, Performance Insights, master secret and its log groups."""

    def __init__(
        self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("perfcheck:database:Database", name, None, opts)
        settings = args["database"]
        prefix = args["name_prefix"]
        protect = args["protect"]
        self.identifier = database_identifier(prefix)
        if settings.proxy_enabled and args["proxy_security_group_id"] is None:
            raise ValueError(
                "database.proxyEnabled is true but the network has no db-proxy security group"
            )

        region = aws.get_region_output()
        identity = aws.get_caller_identity_output()
        partition = aws.get_partition_output()
        log_group_arn_prefix = pulumi.Output.concat(
            "arn:", partition.partition, ":logs:", region.region, ":", identity.account_id,
            ":log-group:",
        )  # fmt: skip
        key = create_kms_key(
            f"{name}-key",
            alias=f"{prefix}/database",
            retain_on_delete=True,  # final snapshots and retained backups outlive the stack
            description=f"{prefix} PostgreSQL storage, Performance Insights, master secret, logs",
            parent=self,
            grants=[
                ServiceGrant(
                    principal=pulumi.Output.concat("logs.", region.region, ".amazonaws.com"),
                    condition_key="kms:EncryptionContext:aws:logs:arn",
                    condition_values=[
                        pulumi.Output.concat(
                            log_group_arn_prefix, rds_log_group_name(self.identifier, "*")
                        ),
                        pulumi.Output.concat(
                            log_group_arn_prefix, database_task_log_group_name(prefix, "*")
                        ),
                    ],
                )
            ],
            protect=protect,
        )
        self.key_arn = key.arn

        # Prod applies instance changes in the maintenance window: an instance moves to a new
        # subnet or parameter group only then, so the `up` that replaced the group must not
        # delete the old one it still uses; it is left for a person to delete after the window
        # (docs/replacements.md; perfcheck_deploy/in_use.py `in-use-deferred`).
        outlives_the_window = args["is_prod"]
        subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets",
            description=f"{prefix} PostgreSQL: isolated subnets only",
            subnet_ids=args["subnet_ids"],
            tags={"Name": f"{self.identifier}-subnets"},
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=outlives_the_window),
        )
        family = postgres_parameter_group_family(settings.engine_version)
        parameter_group = aws.rds.ParameterGroup(
            f"{name}-params",
            family=family,
            description=f"{prefix} {family}: TLS only, slow statement and connection logging",
            parameters=[
                aws.rds.ParameterGroupParameterArgs(
                    name=parameter, value=value, apply_method=parameter_apply_method(parameter)
                )
                for parameter, value in database_parameters(settings.slow_statement_ms).items()
            ],
            tags={"Name": f"{self.identifier}-{family}"},
            # A new family (major upgrade) creates the new group (generated name) before the old
            # one is deleted; not protected, since the engine refuses to replace a protected
            # resource and the group holds no data (perfcheck_deploy/in_use.py).
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=outlives_the_window),
        )
        log_groups = [
            aws.cloudwatch.LogGroup(
                f"{name}-log-{log_type}",
                name=rds_log_group_name(self.identifier, log_type),
                retention_in_days=settings.log_retention_days,
                kms_key_id=key.arn,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for log_type in RDS_LOG_EXPORTS
        ]
        monitoring_role, monitoring_policy = self._monitoring_role(
            name, partition.partition, identity.account_id
        )

        # A final snapshot name must be new in the account: a random suffix per instance
        # lifetime keeps a second destroy/recreate cycle from colliding with the first snapshot.
        snapshot_suffix = random.RandomId(
            f"{name}-final-snapshot-suffix",
            byte_length=4,
            # Anything that replaces the instance renews the suffix, so the replacement's own
            # final snapshot never collides with the one its predecessor left.
            keepers={
                "identifier": self.identifier,
                "dbName": settings.database_name,
                "username": MASTER_USERNAME,
                "kmsKeyId": key.arn,
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        instance = aws.rds.Instance(
            f"{name}-instance",
            identifier=self.identifier,
            engine="postgres",
            engine_version=instance_engine_version(settings.engine_version, True),
            auto_minor_version_upgrade=True,
            # Permits the major upgrade a new `database.engineVersion` asks for (ModifyDBInstance
            # refuses another major's EngineVersion without it); nothing upgrades on its own.
            allow_major_version_upgrade=True,
            engine_lifecycle_support=EXTENDED_SUPPORT_DISABLED,
            instance_class=settings.instance_class,
            storage_type="gp3",
            allocated_storage=settings.allocated_storage_gb,
            max_allocated_storage=settings.max_allocated_storage_gb,
            storage_encrypted=True,
            kms_key_id=key.arn,
            db_name=settings.database_name,
            username=MASTER_USERNAME,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=key.arn,
            iam_database_authentication_enabled=True,
            port=POSTGRES_PORT,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[args["security_group_id"]],
            publicly_accessible=False,
            network_type="IPV4",
            multi_az=settings.multi_az,
            parameter_group_name=parameter_group.name,
            ca_cert_identifier=CA_CERTIFICATE,
            backup_retention_period=settings.backup_retention_days,
            backup_window=settings.backup_window,
            maintenance_window=settings.maintenance_window,
            copy_tags_to_snapshot=True,
            # Automated backups outlive a deletion or replacement (point-in-time restore stays
            # possible until their retention ends), in every stack.
            delete_automated_backups=False,
            deletion_protection=settings.deletion_protection,
            skip_final_snapshot=False,
            final_snapshot_identifier=pulumi.Output.concat(
                self.identifier, "-final-", snapshot_suffix.hex
            ),
            apply_immediately=not args["is_prod"],
            performance_insights_enabled=True,
            performance_insights_kms_key_id=key.arn,
            performance_insights_retention_period=settings.performance_insights_retention_days,
            monitoring_interval=MONITORING_INTERVAL_SECONDS,
            monitoring_role_arn=monitoring_role.arn,
            enabled_cloudwatch_logs_exports=list(RDS_LOG_EXPORTS),
            tags={"Name": self.identifier},
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=protect,
                # RDS would otherwise create the export log groups itself, without retention.
                # RDS checks the monitoring role's permissions when the instance is created.
                depends_on=[*log_groups, monitoring_role, monitoring_policy],
            ),
        )
        self.instance_address = instance.address
        master_secret_arn = instance.master_user_secrets.apply(
            lambda secrets: secrets[0].secret_arn
        )
        self.master_secret = SecretRef(arn=master_secret_arn, kms_key_arn=key.arn)

        aws.secretsmanager.SecretRotation(
            f"{name}-master-secret-rotation",
            secret_id=master_secret_arn,
            rotation_rules=aws.secretsmanager.SecretRotationRotationRulesArgs(
                automatically_after_days=settings.password_rotation_days
            ),
            # The first rotation follows the schedule, not the first deploy.
            rotate_immediately=False,
            opts=pulumi.ResourceOptions(parent=instance),
        )

        self.dr_backups_arn: pulumi.Output[str] | None = None
        """The DR region's automated-backups ARN, which the region-loss restore needs."""
        if settings.dr_region is not None:
            self.dr_backups_arn = self._replicate_backups(name, prefix, instance, settings, protect)

        def db_user(resource_id: pulumi.Input[str], user: str) -> pulumi.Output[str]:
            return pulumi.Output.format(
                "arn:{0}:rds-db:{1}:{2}:dbuser:{3}/{4}",
                partition.partition,
                region.region,
                identity.account_id,
                resource_id,
                user,
            )

        self.owner_connect_arn = db_user(instance.resource_id, OWNER_ROLE)
        proxy_name: pulumi.Output[str] | None = None
        host: pulumi.Output[str] = instance.address
        connect_arn = db_user(instance.resource_id, APP_ROLE)
        if settings.proxy_enabled:
            proxy = self._proxy(
                name,
                prefix,
                instance,
                args,
                db_user(instance.resource_id, APP_ROLE),
                account=identity.account_id,
            )
            proxy_name = proxy.name
            host = proxy.endpoint
            # rds-db:connect through a proxy names the proxy's resource id (prx-...), the last
            # part of its ARN.
            connect_arn = db_user(proxy.arn.apply(lambda arn: arn.rsplit(":", 1)[-1]), APP_ROLE)

        self.connection = DatabaseConnection(
            host=host,
            port=pulumi.Output.from_input(POSTGRES_PORT),
            database_name=settings.database_name,
            username=APP_ROLE,
            connect_arn=connect_arn,
            instance_identifier=instance.identifier,
            proxy_name=proxy_name,
        )
        self.register_outputs(
            {
                "host": host,
                "instanceArn": instance.arn,
                "instanceIdentifier": instance.identifier,
                "masterSecretArn": master_secret_arn,
                "keyArn": key.arn,
            }
        )

    def _monitoring_role(
        self, name: str, partition: pulumi.Output[str], account_id: pulumi.Output[str]
    ) -> tuple[aws.iam.Role, aws.iam.RolePolicyAttachment]:
        """The role enhanced monitoring publishes OS metrics with (AWS's managed policy)."""
        assume = service_trust_policy("monitoring.rds.amazonaws.com", account_id)
        role = aws.iam.Role(
            f"{name}-monitoring-role",
            assume_role_policy=assume,
            description="RDS enhanced monitoring publishes OS metrics to CloudWatch Logs",
            opts=pulumi.ResourceOptions(parent=self),
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-monitoring-policy",
            role=role.name,
            policy_arn=pulumi.Output.concat(
                "arn:", partition, ":iam::aws:policy/", ENHANCED_MONITORING_POLICY
            ),
            opts=pulumi.ResourceOptions(parent=role),
        )
        return role, attachment

    def _replicate_backups(
        self,
        name: str,
        prefix: str,
        instance: aws.rds.Instance,
        settings: DatabaseSettings,
        protect: bool,
    ) -> pulumi.Output[str]:
        """Automated backups (snapshots + transaction logs) copied to the DR region, under a key
        that lives there: a region loss still leaves a point-in-time restore. Returns their ARN
        (the resource's id is the DR region's DBInstanceAutomatedBackupsArn)."""
        dr_region = settings.dr_region
        dr_key = create_kms_key(
            f"{name}-dr-key",
            alias=f"{prefix}/database-dr",
            description=f"{prefix} PostgreSQL automated backups replicated from the primary region",
            parent=self,
            protect=protect,
            region=dr_region,
            retain_on_delete=True,
        )
        replication = aws.rds.InstanceAutomatedBackupsReplication(
            f"{name}-backups-dr",
            source_db_instance_arn=instance.arn,
            retention_period=settings.backup_retention_days,
            kms_key_id=dr_key.arn,
            region=dr_region,
            opts=pulumi.ResourceOptions(parent=instance, protect=protect),
        )
        return replication.id

    def _proxy(
        self,
        name: str,
        prefix: str,
        instance: aws.rds.Instance,
        args: DatabaseArgs,
        app_user_arn: pulumi.Output[str],
        *,
        account: pulumi.Output[str],
    ) -> aws.rds.Proxy:
        """RDS Proxy in the isolated subnets: TLS required, end-to-end IAM authentication (the
        proxy connects as the client's user with its own role's `rds-db:connect`), and a pool
        whose limits come from `database.proxy` (the connection alarm derives from them)."""
        pool = args["database"].proxy
        assume = service_trust_policy("rds.amazonaws.com", account)
        role, policy = role_with_policy(
            f"{name}-proxy-role",
            f"{name}-proxy-connect",
            trust=assume,
            description="RDS Proxy connects to PostgreSQL as the app role with IAM",
            statements=[
                aws.iam.GetPolicyDocumentStatementArgs(
                    sid="ConnectAsTheAppRole", actions=["rds-db:connect"], resources=[app_user_arn]
                )
            ],
            parent=self,
        )
        proxy_name = database_proxy_name(prefix)
        proxy = aws.rds.Proxy(
            f"{name}-proxy",
            name=proxy_name,
            engine_family="POSTGRESQL",
            require_tls=True,
            idle_client_timeout=pool.idle_client_timeout_seconds,
            debug_logging=False,
            role_arn=role.arn,
            vpc_subnet_ids=args["subnet_ids"],
            vpc_security_group_ids=[args["proxy_security_group_id"]],  # type: ignore[list-item]
            default_auth_scheme="IAM_AUTH",
            tags={"Name": proxy_name},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        target_group = aws.rds.ProxyDefaultTargetGroup(
            f"{name}-proxy-pool",
            db_proxy_name=proxy.name,
            connection_pool_config=aws.rds.ProxyDefaultTargetGroupConnectionPoolConfigArgs(
                max_connections_percent=pool.max_connections_percent,
                max_idle_connections_percent=pool.max_idle_connections_percent,
                connection_borrow_timeout=pool.connection_borrow_timeout_seconds,
                # No session pinning filter: RDS documents EXCLUDE_VARIABLE_SETS for the MySQL
                # engine family only (RDS user guide, "Avoiding pinning an RDS Proxy").
            ),
            opts=pulumi.ResourceOptions(parent=proxy),
        )
        aws.rds.ProxyTarget(
            f"{name}-proxy-target",
            db_proxy_name=proxy.name,
            target_group_name=target_group.name,
            db_instance_identifier=instance.identifier,
            opts=pulumi.ResourceOptions(parent=proxy),
        )
        return proxy
