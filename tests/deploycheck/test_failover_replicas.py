"""ElastiCache automatic failover needs a replica in every shard: one or more replicas per node
group is what AWS accepts, none is what it refuses (InvalidParameterCombination). Written for a
survivor of the lines engineer's mutation sample (seed 2312): `(replicas or 0) < 1` read as
`(replicas and 0) < 1` refused every group that has replicas."""

from __future__ import annotations

import pytest

from foundation.records import ResourceRecord, StackRun
from tests.deploycheck.through_pack import pack_findings

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"


def _failover_findings(**inputs: object) -> list[str]:
    group = ResourceRecord(
        urn=f"urn:pulumi:prod::perfcheck::{GROUP}::cache",
        type=GROUP,
        name="cache",
        custom=True,
        wire_inputs={
            "description": "cache",
            "engine": "valkey",
            "engineVersion": "8.0",
            "nodeType": "cache.t4g.small",
            "automaticFailoverEnabled": True,
            "numNodeGroups": 1,
            **inputs,
        },
        outputs={},
    )
    run = StackRun("prod", "perfcheck", (group,), {})
    return [f.property_path for f in pack_findings(run) if f.check_id == "elasticache-failover"]


@pytest.mark.parametrize("replicas", [1, 2, 5])
def test_failover_with_a_replica_per_shard_is_accepted(replicas: int) -> None:
    assert _failover_findings(replicasPerNodeGroup=replicas) == []


def test_failover_without_replicas_is_refused() -> None:
    assert _failover_findings(replicasPerNodeGroup=0) == ["replicasPerNodeGroup"]
