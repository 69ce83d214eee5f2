"""An exemption no wider than its reason (issue 22, wave 7): a reason a reviewer can check (no
placeholder, no expiry date passed), bound to one resource (not every resource whose parent has
the name) and, without 'property', to one finding. Each case fails with its property removed."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from perfcheck_policykit import reasons

from tests.policies.builders import container, record, replace, with_options
from tests.policies.support import judge_compliant, violations
from tests.policies.test_policy_exemptions import REASON, _config_dir
from tools.offline.policy_driver import PolicyConfigError

AUDIT = "guardrails-exemptions-current"
DB = {"type": "aws:rds/instance:Instance", "name": "db", "parent": ""}


def _single_az(r: Any) -> dict[str, Any]:
    return {"db": replace(r["db"], multiAz=False)}


@pytest.mark.parametrize(
    "reason",
    ["TODO", "n/a", "tbd", "FIXME: decide later", "xxx", "temp fix here", "WIP"],
)
def test_a_placeholder_reason_stops_the_run(tmp_path: Path, reason: str) -> None:
    config_dir = _config_dir(tmp_path, "guardrails", "rds-multi-az", [{**DB, "reason": reason}])
    with pytest.raises(PolicyConfigError) as caught:
        judge_compliant(_single_az, config_dir=config_dir)
    assert f"rds-multi-az: exemptions[0].reason: {reason!r} is a placeholder" in str(caught.value)


@pytest.mark.parametrize(
    ("reason", "wrong"),
    [
        ("Kept single-AZ during the move; expires 2026-03-31 (MIG-88)", "expired on 2026-03-31"),
        ("Partner cut-over, valid until 2026-12-07, then removed", "expired on 2026-12-07"),
        ("Reporting copy only; remove by 2025-01-15 per OPS-9", "expired on 2025-01-15"),
        ("Reporting copy only; review on 2026-02-30 per OPS-9", "no date (2026-02-30)"),
        ("Reporting copy only; expires 2026-12-08 per OPS-9", None),
        ("Read-only reporting copy, created 2020-01-01 (OPS-142)", None),
        ("Read-only reporting copy rebuilt nightly (OPS-142)", None),
    ],
)
def test_a_reason_whose_expiry_date_passed_is_none(reason: str, wrong: str | None) -> None:
    problem = reasons.problem(reason, datetime.date(2026, 12, 8))
    assert (problem is None) if wrong is None else (wrong in (problem or ""))


def test_an_expired_reason_stops_the_run(tmp_path: Path) -> None:
    reason = "Single-AZ while the data moves to Aurora; expires 2026-03-31 (MIG-88)."
    config_dir = _config_dir(tmp_path, "guardrails", "rds-multi-az", [{**DB, "reason": reason}])
    with pytest.raises(PolicyConfigError, match="expired on 2026-03-31"):
        judge_compliant(_single_az, config_dir=config_dir)


def test_reasons_of_reviewed_types_and_front_doors_are_held_alike() -> None:
    config = {
        "reviewedTypes": [{"type": "aws:sqs/queue:Queue", "reason": "n/a"}],
        "allowedFrontDoors": [
            {"urn": "urn:pulumi:prod::p::aws:lb/loadBalancer:LB::x", "reason": "x"}
        ],
    }
    errors = reasons.reason_errors("rule", config)
    assert [e.split(":")[1].strip() for e in errors] == [
        "reviewedTypes[0].reason",
        "allowedFrontDoors[0].reason",
    ]


def _component(type_token: str, name: str) -> Any:
    return record("prod", type_token, name, {}, custom=False)


def _replica_under(parent: Any) -> Any:
    base = record(
        "prod",
        "aws:rds/instance:Instance",
        "replica",
        {"instanceClass": "db.t4g.medium", "multiAz": False, "engine": "postgres"},
    )
    return with_options(
        base,
        urn=parent.urn.replace("::" + parent.name, "") + f"${base.type}::replica",
        parent=parent.urn,
    )


def _two_parents_named_reporting(r: Any) -> dict[str, Any]:
    reporting = _component("perfcheck:reporting:Reporting", "reporting")
    warehouse = _component("perfcheck:analytics:Warehouse", "reporting")
    return {
        "c1": reporting,
        "c2": warehouse,
        "replica1": _replica_under(reporting),
        "replica2": _replica_under(warehouse),
    }


def test_an_exemption_matching_two_resources_is_reported_on_each(tmp_path: Path) -> None:
    """The parent named by a logical name another component type shares: the exemption covers
    both replicas, which one reason cannot speak for."""
    entry = {"type": "aws:rds/instance:Instance", "name": "replica", "parent": "reporting"}
    config_dir = _config_dir(tmp_path, "guardrails", "rds-multi-az", [{**entry, "reason": REASON}])
    report = judge_compliant(_two_parents_named_reporting, config_dir=config_dir)
    wide = [v for v in violations(report, AUDIT) if "matching 2 resources" in v.message]
    assert sorted(v.urn for v in wide) == sorted(
        r.urn for k, r in _two_parents_named_reporting({}).items() if k.startswith("replica")
    )
    assert all(v.enforcement_level == "mandatory" for v in wide)


def test_an_exemption_by_the_parent_urn_matches_one_and_passes(tmp_path: Path) -> None:
    parent = _component("perfcheck:reporting:Reporting", "reporting").urn
    entry = {"type": "aws:rds/instance:Instance", "name": "replica", "parent": parent}
    config_dir = _config_dir(tmp_path, "guardrails", "rds-multi-az", [{**entry, "reason": REASON}])
    report = judge_compliant(_two_parents_named_reporting, config_dir=config_dir)
    assert violations(report, AUDIT) == []
    assert [v.urn for v in violations(report, "rds-multi-az")] == [
        _two_parents_named_reporting({})["replica2"].urn
    ]


def _two_root_containers(r: Any) -> dict[str, Any]:
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/perfcheck-edge:1.0.0"
    containers = [container(n, image, p, user="0") for n, p in (("proxy", 80), ("app", 8080))]
    return {"task": replace(r["task"], containerDefinitions=json.dumps(containers))}


TASK = {"type": "aws:ecs/taskDefinition:TaskDefinition", "name": "app", "parent": ""}
NGINX = "The nginx proxy sidecar binds port 80 as root until the 1.27 image (OPS-311)."


def test_an_exemption_without_property_covering_two_findings_is_reported(tmp_path: Path) -> None:
    config_dir = _config_dir(
        tmp_path, "guardrails", "ecs-container-non-root-user", [{**TASK, "reason": NGINX}]
    )
    report = judge_compliant(_two_root_containers, config_dir=config_dir)
    (wide,) = violations(report, AUDIT)
    assert "covering findings of 2 properties" in wide.message
    assert wide.enforcement_level == "mandatory"


def test_an_exemption_naming_its_property_covers_that_finding_only(tmp_path: Path) -> None:
    entry = {**TASK, "property": "containerDefinitions[proxy].user", "reason": NGINX}
    config_dir = _config_dir(tmp_path, "guardrails", "ecs-container-non-root-user", [entry])
    report = judge_compliant(_two_root_containers, config_dir=config_dir)
    assert violations(report, AUDIT) == []
    (left,) = violations(report, "ecs-container-non-root-user")
    assert "containerDefinitions[app].user" in left.message
