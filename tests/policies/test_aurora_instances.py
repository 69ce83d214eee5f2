"""An RDS instance of an Aurora engine keeps its storage, standby, backups and final snapshot on
its cluster: the instance-level data-safety and encryption rules leave it to the cluster's
rules, whatever case the engine is written in, and judge any other engine's instance."""

from __future__ import annotations

from typing import Any

import pytest

from tests.policies.builders import record
from tests.policies.support import run_case, violations

CLUSTER_LEVEL_RULES = (
    "rds-storage-encrypted",
    "rds-multi-az",
    "rds-deletion-protection",
    "rds-backup-retention",
    "rds-final-snapshot",
)


def _instance(engine: str) -> Any:
    return lambda r: {
        "extra": record(
            "prod",
            "aws:rds/instance:Instance",
            "member-one",
            {
                "engine": engine,
                "instanceClass": "db.r7g.large",
                "clusterIdentifier": "perfcheck-prod-cluster",
                "tags": r["db"].wire_inputs["tags"],
            },
        )
    }


def _judged(engine: str) -> set[str]:
    report = run_case(_instance(engine))
    return {
        rule
        for rule in CLUSTER_LEVEL_RULES
        if any(v.name == "member-one" for v in violations(report, rule))
    }


@pytest.mark.parametrize("engine", ["aurora-postgresql", " Aurora-MySQL"])
def test_an_aurora_instance_is_left_to_its_cluster(engine: str) -> None:
    assert _judged(engine) == set()


def test_the_same_instance_of_another_engine_is_judged_by_each_rule() -> None:
    assert _judged("postgres") == set(CLUSTER_LEVEL_RULES)
