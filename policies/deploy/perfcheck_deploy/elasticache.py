"""ElastiCache replication groups (Redis OSS / Valkey): failover and Multi-AZ, AUTH token and
transit encryption, node type against engine version, parameter group family, windows.

Constraints quoted from the CreateReplicationGroup request documentation shipped in botocore's
`elasticache` model (AuthToken, NumCacheClusters, AutomaticFailoverEnabled,
PreferredMaintenanceWindow). Node type support is a small table from the ElastiCache user guide,
"Supported node types" (minimum engine versions per family) and "Data tiering"; a family it does
not list is not judged.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Mapping
from typing import Any

from foundation.aws_limits import ELASTICACHE_MAX_CACHE_CLUSTERS
from foundation.engine_versions import elasticache_parameter_group_family as expected_family
from foundation.engine_versions import version_tuple as _version
from foundation.records import ResourceRecord
from foundation.windows import (
    ELASTICACHE_MIN_MAINTENANCE_MINUTES,
    ELASTICACHE_MIN_SNAPSHOT_MINUTES,
)
from perfcheck_deploy.data_tier import referenced_family, window_findings
from perfcheck_deploy.findings import Finding, finding
from perfcheck_deploy.registry import checks, describe
from perfcheck_deploy.stack import StackIndex, as_bool, as_int, is_unknown, text

REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
PARAMETER_GROUP = "aws:elasticache/parameterGroup:ParameterGroup"

FAILOVER_ID = describe(
    "elasticache-failover",
    "automatic failover has >= 2 nodes (a replica per shard), Multi-AZ has automatic failover, "
    "cluster mode has automatic failover, at most 6 nodes without shards",
)
AUTH_ID = describe(
    "elasticache-auth-token",
    "an AUTH token comes with transit encryption and is 16-128 printable characters, the only "
    "specials being ! & # $ ^ < > -",
)
NODE_TYPE_ID = describe(
    "elasticache-node-type",
    "the node type exists for the engine and version (Valkey >= 7.2 on current generation, "
    "Graviton minimums, r6gd with data tiering)",
)
FAMILY_ID = describe(
    "elasticache-parameter-group-family",
    "the parameter group family matches the engine and major version (valkey8, redis7)",
)
WINDOWS_ID = describe(
    "elasticache-windows",
    "snapshot (hh24:mi-hh24:mi) and maintenance (ddd:hh24:mi-ddd:hh24:mi) windows are "
    "well-formed, at least 60 minutes and do not overlap",
)

# CreateReplicationGroup, AuthToken: printable ASCII, 16-128 characters, and "the only permitted
# printable special characters are !, &, #, $, ^, <, >, and -".
AUTH_TOKEN_MIN, AUTH_TOKEN_MAX = 16, 128
AUTH_TOKEN_SPECIALS = "!&#$^<>-"
AUTH_TOKEN_ALLOWED = frozenset(string.ascii_letters + string.digits + AUTH_TOKEN_SPECIALS)
MAX_CACHE_CLUSTERS = ELASTICACHE_MAX_CACHE_CLUSTERS
MIN_MAINTENANCE_MINUTES = ELASTICACHE_MIN_MAINTENANCE_MINUTES
MIN_SNAPSHOT_MINUTES = ELASTICACHE_MIN_SNAPSHOT_MINUTES

NODE_TYPE = re.compile(r"^cache\.([a-z0-9]+)\.([a-z0-9]+)$")
# ElastiCache user guide, "Supported node types": previous-generation families. Valkey runs on
# current-generation node types only.
PREVIOUS_GENERATION = frozenset(["t1", "m1", "m2", "m3", "c1", "r3", "t2", "m4", "r4"])
# Minimum Redis OSS version per Graviton family (user guide, "Supported node types").
REDIS_MINIMUM = {
    "t4g": (5, 0, 6),
    "m6g": (5, 0, 6),
    "r6g": (5, 0, 6),
    "m7g": (6, 2, 0),
    "r7g": (6, 2, 0),
    "r6gd": (6, 2, 0),
    "c7gn": (6, 2, 0),
}
VALKEY_MINIMUM = (7, 2, 0)
DATA_TIERING_FAMILY = "r6gd"


@checks(REPLICATION_GROUP)
def check_replication_group(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    inputs = index.inputs(record)
    yield from _failover(record, inputs)
    yield from _auth_token(record, inputs)
    yield from _node_type(record, inputs)
    yield from _parameter_group_family(record, index, inputs)
    yield from window_findings(
        WINDOWS_ID, record, inputs, "snapshotWindow", MIN_SNAPSHOT_MINUTES, MIN_MAINTENANCE_MINUTES
    )


def _failover(record: ResourceRecord, inputs: Mapping[str, Any]) -> Iterator[Finding]:
    failover = as_bool(inputs.get("automaticFailoverEnabled"))
    multi_az = as_bool(inputs.get("multiAzEnabled"))
    shards = as_int(inputs.get("numNodeGroups"))
    replicas = as_int(inputs.get("replicasPerNodeGroup"))
    clusters_raw = inputs.get("numCacheClusters")
    if any(is_unknown(inputs.get(k)) for k in ("numNodeGroups", "replicasPerNodeGroup")):
        return
    cluster_mode = inputs.get("clusterMode") == "enabled" or (shards is not None and shards > 1)
    if failover:
        if shards is not None or replicas is not None:
            if (replicas or 0) < 1:
                yield finding(
                    FAILOVER_ID,
                    record,
                    "replicasPerNodeGroup",
                    "InvalidParameterCombination: automatic failover needs at least one replica "
                    "per node group (shard).",
                    "Set replicasPerNodeGroup >= 1, or turn automatic failover off.",
                )
        elif not is_unknown(clusters_raw):
            clusters = as_int(clusters_raw) if clusters_raw is not None else 1
            if clusters is not None and clusters < 2:
                yield finding(
                    FAILOVER_ID,
                    record,
                    "numCacheClusters",
                    f"InvalidParameterValue: NumCacheClusters must be at least 2 when "
                    f"AutomaticFailoverEnabled is true (it is {clusters}).",
                    "Set numCacheClusters=2 or more (a primary and a replica in another AZ).",
                )
    if multi_az and not failover:
        yield finding(
            FAILOVER_ID,
            record,
            "multiAzEnabled",
            "InvalidParameterCombination: Multi-AZ requires automatic failover to be enabled.",
            "Set automaticFailoverEnabled=True together with multiAzEnabled=True.",
        )
    if cluster_mode and failover is False:
        yield finding(
            FAILOVER_ID,
            record,
            "automaticFailoverEnabled",
            "InvalidParameterCombination: AutomaticFailoverEnabled must be enabled for Valkey or "
            "Redis OSS (cluster mode enabled) replication groups.",
            "Set automaticFailoverEnabled=True.",
        )
    clusters = as_int(clusters_raw) if not is_unknown(clusters_raw) else None
    if clusters is not None and clusters > MAX_CACHE_CLUSTERS:
        yield finding(
            FAILOVER_ID,
            record,
            "numCacheClusters",
            f"InvalidParameterValue: NumCacheClusters {clusters} exceeds the maximum of "
            f"{MAX_CACHE_CLUSTERS} (1 primary plus 5 replicas).",
            "Use at most 6 nodes, or shard with numNodeGroups.",
        )


def _auth_token(record: ResourceRecord, inputs: Mapping[str, Any]) -> Iterator[Finding]:
    token = inputs.get("authToken")
    if token is None or is_unknown(token):
        return
    transit = inputs.get("transitEncryptionEnabled")
    if not is_unknown(transit) and as_bool(transit) is not True:
        yield finding(
            AUTH_ID,
            record,
            "transitEncryptionEnabled",
            "InvalidParameterCombination: AuthToken can be specified only on replication groups "
            "where TransitEncryptionEnabled is true.",
            "Set transitEncryptionEnabled=True (clients then connect with TLS).",
        )
    if not isinstance(token, str):
        yield finding(
            AUTH_ID,
            record,
            "authToken",
            "InvalidParameterValue: the AUTH token must be a string.",
            "Pass the token as a string (a secret Output).",
        )
        return
    # Never quote the token: only its length and which kinds of characters are wrong.
    if not AUTH_TOKEN_MIN <= len(token) <= AUTH_TOKEN_MAX:
        yield finding(
            AUTH_ID,
            record,
            "authToken",
            f"InvalidParameterValue: the AUTH token must be {AUTH_TOKEN_MIN} to {AUTH_TOKEN_MAX} "
            f"characters long (it has {len(token)}).",
            f"Generate {AUTH_TOKEN_MIN}-{AUTH_TOKEN_MAX} characters, e.g. "
            "random.RandomPassword(length=64, override_special='!&#$^<>-').",
        )
    bad = sorted({_char_class(c) for c in token if c not in AUTH_TOKEN_ALLOWED})
    if bad:
        yield finding(
            AUTH_ID,
            record,
            "authToken",
            f"InvalidParameterValue: the AUTH token contains characters ElastiCache does not "
            f"accept ({', '.join(bad)}); the only permitted specials are "
            f"{' '.join(AUTH_TOKEN_SPECIALS)}.",
            f"Restrict the generator's specials, e.g. override_special='{AUTH_TOKEN_SPECIALS}'.",
        )


def _char_class(char: str) -> str:
    """A description of a rejected character that does not reveal the secret."""
    if char == " ":
        return "space"
    if char in '@"/':
        return f"'{char}'"
    if char in string.punctuation:
        return "other punctuation"
    return "non-printable or non-ASCII"


def _node_type(record: ResourceRecord, inputs: Mapping[str, Any]) -> Iterator[Finding]:
    node_type = text(inputs.get("nodeType"))
    if node_type is None:
        return
    match = NODE_TYPE.match(node_type)
    if not match:
        yield finding(
            NODE_TYPE_ID,
            record,
            "nodeType",
            f"InvalidParameterValue: Invalid node type {node_type}.",
            "Use a node type of the form cache.<family>.<size>, e.g. cache.t4g.small.",
        )
        return
    family = match[1]
    engine = text(inputs.get("engine")) or "redis"
    version_text = text(inputs.get("engineVersion"))
    version = _version(version_text) if version_text else None
    if engine == "valkey" and family in PREVIOUS_GENERATION:
        yield finding(
            NODE_TYPE_ID,
            record,
            "nodeType",
            f"InvalidParameterCombination: {node_type} is a previous-generation node type; "
            "Valkey runs on current-generation node types only.",
            "Use cache.t4g, cache.m7g or cache.r7g.",
        )
    if engine == "valkey" and version is not None and version < VALKEY_MINIMUM:
        yield finding(
            NODE_TYPE_ID,
            record,
            "engineVersion",
            f"InvalidParameterValue: Valkey engine version {version_text} does not exist; "
            "ElastiCache offers Valkey 7.2 and later.",
            "Use engineVersion '7.2', '8.0' or later.",
        )
    minimum = REDIS_MINIMUM.get(family)
    if engine == "redis" and minimum is not None and version is not None and version < minimum:
        yield finding(
            NODE_TYPE_ID,
            record,
            "nodeType",
            f"InvalidParameterCombination: {node_type} requires Redis OSS "
            f"{'.'.join(map(str, minimum))} or later (engineVersion is {version_text}).",
            "Raise engineVersion or choose another node type family.",
        )
    tiering = as_bool(inputs.get("dataTieringEnabled"))
    if family == DATA_TIERING_FAMILY and tiering is not True:
        yield finding(
            NODE_TYPE_ID,
            record,
            "dataTieringEnabled",
            f"InvalidParameterCombination: {node_type} nodes require data tiering; set "
            "DataTieringEnabled to true.",
            "Set dataTieringEnabled=True, or use an r7g node type.",
        )
    if tiering and family != DATA_TIERING_FAMILY:
        yield finding(
            NODE_TYPE_ID,
            record,
            "dataTieringEnabled",
            f"InvalidParameterCombination: data tiering is only available on r6gd node types, "
            f"not {node_type}.",
            "Turn data tiering off or use a cache.r6gd node type.",
        )


def _parameter_group_family(
    record: ResourceRecord, index: StackIndex, inputs: Mapping[str, Any]
) -> Iterator[Finding]:
    engine, version = text(inputs.get("engine")) or "redis", text(inputs.get("engineVersion"))
    group_ref = inputs.get("parameterGroupName")
    if version is None or group_ref is None or is_unknown(group_ref):
        return
    expected = expected_family(engine, version)
    if expected is None:
        return
    family = referenced_family(
        record, index, group_ref, PARAMETER_GROUP, lambda name: name.removesuffix(".cluster.on")
    )
    if family is None or family == expected:
        return
    yield finding(
        FAMILY_ID,
        record,
        "parameterGroupName",
        f"InvalidParameterCombination: The parameter group {group_ref} (family {family}) is not "
        f"compatible with engine {engine} {version}, which needs family {expected}.",
        f"Create the parameter group with family='{expected}', or match the engine version.",
    )
