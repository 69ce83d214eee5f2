"""Instance sizes: each stack may only use the database classes and cache node types it allows.

The allowed lists live in each stack's policy config (staging: small burstable sizes; prod: the
sizes the capacity plan needs), so a size change is a reviewed config change, not a surprise on
the bill.
"""

from __future__ import annotations

from perfcheck_policykit import ResourceContext, ResourceRule, schema
from perfcheck_policykit import aws_types as T
from perfcheck_policykit.checks import require_in
from perfcheck_policykit.rules import config_list
from pulumi_policy import Severity

DEFAULT_INSTANCE_CLASSES = (
    "db.t4g.micro",
    "db.t4g.small",
    "db.t4g.medium",
    "db.t4g.large",
    "db.m7g.large",
)
DEFAULT_NODE_TYPES = (
    "cache.t4g.micro",
    "cache.t4g.small",
    "cache.t4g.medium",
    "cache.m7g.large",
)


def _check_instance_class(ctx: ResourceContext) -> None:
    if ctx.type == T.RDS_CLUSTER:
        # A Multi-AZ DB cluster is sized by dbClusterInstanceClass; an Aurora cluster (without
        # it) by its ClusterInstances, judged on their own.
        if ctx.get("dbClusterInstanceClass") is not None:
            require_in(
                ctx,
                "dbClusterInstanceClass",
                set(config_list(ctx.config, "allowedInstanceClasses")),
            )
        return
    require_in(ctx, "instanceClass", set(config_list(ctx.config, "allowedInstanceClasses")))


RDS_INSTANCE_CLASS = ResourceRule(
    name="rds-instance-class-allowed",
    normalises="instanceClass or a Multi-AZ DB cluster's dbClusterInstanceClass",
    description=(
        "RDS instances, Aurora cluster instances and Multi-AZ DB clusters "
        "(dbClusterInstanceClass) may only use the instance classes this stack allows."
    ),
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Pick an allowed instance_class, or add the class to allowedInstanceClasses in the "
        "stack's cost policy config (a reviewed change)."
    ),
    resource_types=[T.RDS_INSTANCE, T.RDS_CLUSTER_INSTANCE, T.RDS_CLUSTER],
    check=_check_instance_class,
    unknowns="instanceClass or dbClusterInstanceClass unknown: note.",
    config_properties={
        "allowedInstanceClasses": schema.string_list(
            "RDS instance classes allowed in this stack.",
            DEFAULT_INSTANCE_CLASSES,
            min_items=1,
            pattern="^db\\.",
        )
    },
    tags=["cost", "sizing", "rds"],
)


def _check_node_type(ctx: ResourceContext) -> None:
    if ctx.type == T.ELASTICACHE_CLUSTER and ctx.get("replicationGroupId") is not None:
        return  # a member of a replication group takes the group's node type
    require_in(ctx, "nodeType", set(config_list(ctx.config, "allowedNodeTypes")))


ELASTICACHE_NODE_TYPE = ResourceRule(
    name="elasticache-node-type-allowed",
    description="ElastiCache clusters may only use the node types this stack allows.",
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Pick an allowed node_type, or add it to allowedNodeTypes in the stack's cost policy "
        "config (a reviewed change)."
    ),
    resource_types=[T.ELASTICACHE_REPLICATION_GROUP, T.ELASTICACHE_CLUSTER],
    check=_check_node_type,
    unknowns="nodeType unknown: note.",
    config_properties={
        "allowedNodeTypes": schema.string_list(
            "ElastiCache node types allowed in this stack.",
            DEFAULT_NODE_TYPES,
            min_items=1,
            pattern="^cache\\.",
        )
    },
    tags=["cost", "sizing", "elasticache"],
)
