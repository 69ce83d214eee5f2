"""The shared cache (Next.js ISR cache handler): ElastiCache Valkey/Redis, TLS only, AUTH token,
encrypted at rest under its own key, Multi-AZ with automatic failover in prod.

What is in the cache can always be rebuilt from the database and the app, so snapshots are for a
faster warm start, not for durability.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.contracts import CacheConnection, ComponentArgs
from components.data_names import cache_replication_group_id, cache_slow_log_group_name
from components.encryption import ServiceGrant, create_kms_key
from foundation.app_contract import REDIS_PORT
from foundation.aws_limits import ELASTICACHE_FAILOVER_MIN_NODES, failover_nodes_problem
from foundation.engine_versions import cache_parameter_group_family
from settings.schema import CacheSettings


def cache_parameters() -> dict[str, str]:
    """allkeys-lru: when memory is full, evict the least recently used key of any kind. ISR
    entries carry no TTL, so the default (volatile-lru) would evict nothing and refuse writes."""
    return {"maxmemory-policy": "allkeys-lru"}


def failover_settings(nodes: int, multi_az: bool) -> tuple[bool, bool]:
    """(automatic_failover_enabled, multi_az_enabled): a replica is promoted automatically
    whenever one exists; Multi-AZ (replicas spread over AZs) needs automatic failover."""
    problem = failover_nodes_problem(nodes, multi_az)
    if problem:
        raise ValueError(problem)
    return nodes >= ELASTICACHE_FAILOVER_MIN_NODES, multi_az


class CacheArgs(ComponentArgs):
    cache: CacheSettings
    """The stack's cache section (engine, version, node type and count, snapshots, windows)."""
    is_prod: bool
    """Prod applies changes in the maintenance window and keeps a final snapshot."""
    protect: bool
    """Pulumi protect on the replication group and its key (not the parameter group)."""
    subnet_ids: pulumi.Input[list[str]]
    """The Network's isolated subnets."""
    security_group_id: pulumi.Input[str]
    """The Network's cache security group (open only to the service)."""
    auth_token: pulumi.Input[str]
    """Secret Output: the AUTH token a new group starts with (AppSecrets.redis_auth_token_value)."""


class Cache(pulumi.ComponentResource):
    """Replication group, subnet group, parameter group, slow-log group and key."""

    connection: CacheConnection
    replication_group_id: str
    """Known before the group exists (alarms and dashboards use it)."""
    member_clusters: pulumi.Output[list[str]]
    """Node ids (`<group>-001`, ...): the CacheClusterId dimension of per-node metrics."""
    key_arn: pulumi.Output[str]
    slow_log_group_name: str
    group: aws.elasticache.ReplicationGroup
    """The replication group: the token re-sync follows its replacement."""

    def __init__(
        self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("perfcheck:cache:Cache", name, None, opts)
        settings = args["cache"]
        prefix = args["name_prefix"]
        protect = args["protect"]
        is_prod = args["is_prod"]
        self.replication_group_id = cache_replication_group_id(prefix)
        self.slow_log_group_name = cache_slow_log_group_name(self.replication_group_id)
        automatic_failover, multi_az = failover_settings(settings.nodes, settings.multi_az)

        region = aws.get_region_output()
        identity = aws.get_caller_identity_output()
        partition = aws.get_partition_output()
        key = create_kms_key(
            f"{name}-key",
            alias=f"{prefix}/cache",
            retain_on_delete=True,  # the final snapshot outlives the stack
            description=f"{prefix} ElastiCache data at rest, snapshots and slow log",
            parent=self,
            grants=[
                ServiceGrant(
                    principal=pulumi.Output.concat("logs.", region.region, ".amazonaws.com"),
                    condition_key="kms:EncryptionContext:aws:logs:arn",
                    condition_values=[
                        pulumi.Output.format(
                            "arn:{0}:logs:{1}:{2}:log-group:{3}",
                            partition.partition,
                            region.region,
                            identity.account_id,
                            self.slow_log_group_name,
                        )
                    ],
                )
            ],
            protect=protect,
        )
        self.key_arn = key.arn

        subnet_group = aws.elasticache.SubnetGroup(
            f"{name}-subnets",
            description=f"{prefix} cache: isolated subnets only",
            subnet_ids=args["subnet_ids"],
            opts=pulumi.ResourceOptions(parent=self),
        )
        family = cache_parameter_group_family(settings.engine, settings.engine_version)
        parameter_group = aws.elasticache.ParameterGroup(
            f"{name}-params",
            family=family,
            description=f"{prefix} {family}: allkeys-lru eviction for the ISR cache",
            parameters=[
                aws.elasticache.ParameterGroupParameterArgs(name=parameter, value=value)
                for parameter, value in cache_parameters().items()
            ],
            # Not protected: a new family replaces it create-before-delete
            # (perfcheck_deploy/in_use.py). Prod's group moves to the new one only in its
            # maintenance window, so the old one is left for a person to delete after it.
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=is_prod),
        )
        slow_log = aws.cloudwatch.LogGroup(
            f"{name}-slow-log",
            name=self.slow_log_group_name,
            retention_in_days=settings.slow_log_retention_days,
            kms_key_id=key.arn,
            opts=pulumi.ResourceOptions(parent=self),
        )

        final_snapshot: pulumi.Output[str] | None = None
        if is_prod:
            suffix = random.RandomId(
                f"{name}-final-snapshot-suffix",
                byte_length=4,
                # What replaces the group renews the suffix (no snapshot-name collision).
                keepers={
                    "replicationGroupId": self.replication_group_id,
                    "engine": settings.engine,
                    "kmsKeyId": key.arn,
                },
                opts=pulumi.ResourceOptions(parent=self),
            )
            final_snapshot = pulumi.Output.concat(self.replication_group_id, "-final-", suffix.hex)

        group = aws.elasticache.ReplicationGroup(
            f"{name}-group",
            replication_group_id=self.replication_group_id,
            description=f"{prefix} shared Next.js ISR cache",
            engine=settings.engine,
            engine_version=settings.engine_version,
            # Off: ElastiCache takes major.minor only, so an automatic minor upgrade would read as
            # drift that the next `up` tries to undo (refused). Minor upgrades are a settings
            # change, applied in the maintenance window (prod) like any other.
            auto_minor_version_upgrade=False,
            node_type=settings.node_type,
            num_cache_clusters=settings.nodes,
            cluster_mode="disabled",
            automatic_failover_enabled=automatic_failover,
            multi_az_enabled=multi_az,
            port=REDIS_PORT,
            subnet_group_name=subnet_group.name,
            security_group_ids=[args["security_group_id"]],
            parameter_group_name=parameter_group.name,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            at_rest_encryption_enabled=True,
            kms_key_id=key.arn,
            auth_token=pulumi.Output.secret(args["auth_token"]),
            # Sent only when the group is created without prior state: the secret's AWSCURRENT
            # at that `up` (components/secrets.py current_value). A replacement gets the state's
            # old value instead (ignoreChanges), which the re-sync invocation corrects
            # (components/secret_rotation.py). Afterwards the rotation owns it (ROTATE adds the new
            # token beside the old, SET drops the old once every task has restarted; see
            # components/secret_rotation.py), so the program never sends a token again.
            auth_token_update_strategy="ROTATE",
            snapshot_retention_limit=settings.snapshot_retention_days,
            snapshot_window=settings.snapshot_window,
            final_snapshot_identifier=final_snapshot,
            maintenance_window=settings.maintenance_window,
            apply_immediately=not is_prod,
            log_delivery_configurations=[
                aws.elasticache.ReplicationGroupLogDeliveryConfigurationArgs(
                    destination=slow_log.name,
                    destination_type="cloudwatch-logs",
                    log_format="json",
                    log_type="slow-log",
                )
            ],
            tags={"Name": self.replication_group_id},
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=protect,
                additional_secret_outputs=["authToken"],
                ignore_changes=["authToken"],
                # The id is fixed, so a replacement (a new subnet group, key, port: ForceNew in
                # the provider) cannot create the new group first: CreateReplicationGroup answers
                # ReplicationGroupAlreadyExists. Delete first (a short outage; the cache holds no
                # data of record). In prod `protect` refuses any replacement until it is lifted
                # for that one `up`.
                delete_before_replace=True,
            ),
        )
        self.group = group
        self.member_clusters = group.member_clusters
        self.connection = CacheConnection(
            host=group.primary_endpoint_address,
            port=group.port.apply(lambda port: int(port or REDIS_PORT)),
            replication_group_id=group.id,
        )
        self.register_outputs(
            {
                "host": group.primary_endpoint_address,
                "replicationGroupId": group.id,
                "keyArn": key.arn,
            }
        )
