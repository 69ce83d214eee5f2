"""ElastiCache `Cluster` resources: which of them carry their own engine settings.

An `aws.elasticache.Cluster` is either a member of a replication group (`replicationGroupId` set:
engine, encryption and AUTH come from the group, which the rules judge) or a standalone cluster
(CreateCacheCluster). A standalone Redis OSS or Valkey cluster can enable neither TLS, nor AUTH,
nor encryption at rest: only a ReplicationGroup can. A standalone Memcached cluster can enable TLS
(Memcached 1.6.12 and later), has no AUTH, and keeps no data at rest (no snapshots).
"""

from __future__ import annotations

from typing import Final

from perfcheck_policykit import ResourceContext, values

REDIS_ENGINES: Final = frozenset({"redis", "valkey"})
MEMCACHED: Final = "memcached"


def standalone_engine(ctx: ResourceContext) -> str | None:
    """The lower-cased engine of a standalone Cluster; None for a group member or when unknown.

    An unknown `replicationGroupId` is a computed group id, so the cluster is a member. An unknown
    engine is recorded as a note.
    """
    if ctx.get("replicationGroupId") is not None:
        return None
    engine = ctx.get("engine")
    if engine is values.UNKNOWN:
        ctx.unknown("engine")
        return None
    return engine.strip().lower() if isinstance(engine, str) else None


def replication_group_required(ctx: ResourceContext, engine: str, cannot: str) -> None:
    """Report a standalone Redis OSS/Valkey cluster, which cannot do what `cannot` names."""
    ctx.violation(
        "engine",
        f"{values.show(engine)} on a standalone Cluster, which cannot {cannot}",
        "an aws.elasticache.ReplicationGroup (a single-node group is allowed) for Redis OSS and "
        "Valkey",
    )
