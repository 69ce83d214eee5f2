"""Exemptions: one resource, one rule, a written reason, and the exemption is reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.policies.builders import compliant_stack, replace
from tests.policies.support import run_case, violations
from tools.offline.policy_driver import CONFIG_DIR, PolicyConfigError, evaluate_packs

REASON = "legacy reporting replica, retired in Q3 (ticket OPS-142)"


def _config_dir(tmp_path: Path, pack: str, policy: str, exemptions: list[dict[str, Any]]) -> Path:
    for name in ("guardrails", "cost"):
        config = json.loads((CONFIG_DIR / f"prod.{name}.json").read_text())
        if name == pack:
            entry = config[policy]
            entry = {"enforcementLevel": entry} if isinstance(entry, str) else dict(entry)
            entry["exemptions"] = exemptions
            config[policy] = entry
        (tmp_path / f"prod.{name}.json").write_text(json.dumps(config))
    return tmp_path


def _single_az(r):
    return {"db": replace(r["db"], multiAz=False)}


def test_exempted_resource_is_reported_as_an_exemption_not_a_violation(tmp_path: Path) -> None:
    config_dir = _config_dir(
        tmp_path, "guardrails", "rds-multi-az", [{"resource": "d*", "reason": REASON}]
    )
    report = run_case(_single_az, config_dir=config_dir)
    assert violations(report, "rds-multi-az") == []
    assert report.mandatory() == []
    (note,) = report.exemptions
    assert note.policy == "rds-multi-az"
    assert note.name == "db"
    assert note.urn.endswith("::db")
    assert REASON in note.message
    assert "'rds-multi-az'" in note.message
    assert "multiAz is false" in note.message  # what was exempted is visible


def test_exemption_covers_one_rule_only(tmp_path: Path) -> None:
    config_dir = _config_dir(
        tmp_path, "guardrails", "rds-multi-az", [{"resource": "db", "reason": REASON}]
    )
    report = run_case(
        lambda r: {"db": replace(r["db"], multiAz=False, deletionProtection=False)},
        config_dir=config_dir,
    )
    assert violations(report, "rds-multi-az") == []
    assert [v.name for v in violations(report, "rds-deletion-protection")] == ["db"]


def test_exemption_for_another_name_or_type_does_not_apply(tmp_path: Path) -> None:
    config_dir = _config_dir(
        tmp_path,
        "guardrails",
        "rds-multi-az",
        [
            {"resource": "reporting-*", "reason": REASON},
            {"resource": "db", "type": "aws:rds/cluster:*", "reason": REASON},
        ],
    )
    report = run_case(_single_az, config_dir=config_dir)
    assert [v.name for v in violations(report, "rds-multi-az")] == ["db"]
    assert report.exemptions == ()


def test_exemption_on_a_compliant_resource_reports_nothing(tmp_path: Path) -> None:
    config_dir = _config_dir(
        tmp_path, "guardrails", "rds-multi-az", [{"resource": "db", "reason": REASON}]
    )
    report = evaluate_packs(compliant_stack("prod"), "prod", config_dir)
    assert report.exemptions == ()
    assert report.violations == ()


def test_exemption_works_for_stack_rules(tmp_path: Path) -> None:
    config_dir = _config_dir(
        tmp_path,
        "guardrails",
        "security-group-no-public-ingress",
        [{"resource": "alb-https-in", "reason": "temporary load test from a partner, OPS-9"}],
    )
    report = run_case(
        lambda r: {"alb_https_in": replace(r["alb_https_in"], fromPort=0, toPort=65535)},
        config_dir=config_dir,
    )
    assert violations(report, "security-group-no-public-ingress") == []
    assert [n.name for n in report.exemptions] == ["alb-https-in"]


def test_exemption_works_for_cost_rules(tmp_path: Path) -> None:
    config_dir = _config_dir(
        tmp_path,
        "cost",
        "rds-instance-class-allowed",
        [{"resource": "db", "type": "aws:rds/*", "reason": "Black Friday capacity, until 2 Dec"}],
    )
    report = run_case(
        lambda r: {"db": replace(r["db"], instanceClass="db.r7g.2xlarge")},
        config_dir=config_dir,
    )
    assert violations(report, "rds-instance-class-allowed") == []
    assert "Black Friday capacity" in report.exemptions[0].message


@pytest.mark.parametrize(
    "exemption,error",
    [
        ({"resource": "db"}, "'reason' is a required property"),
        ({"resource": "db", "reason": ""}, "should be non-empty"),
        ({"resource": "db", "reason": "   "}, "does not match"),
        ({"reason": REASON}, "'resource' is a required property"),
        ({"resource": "db", "reason": REASON, "until": "2025"}, "Additional properties"),
    ],
)
def test_exemption_needs_a_resource_and_a_written_reason(
    tmp_path: Path, exemption: dict[str, Any], error: str
) -> None:
    config_dir = _config_dir(tmp_path, "guardrails", "rds-multi-az", [exemption])
    with pytest.raises(PolicyConfigError) as caught:
        evaluate_packs(compliant_stack("prod"), "prod", config_dir)
    assert "rds-multi-az: exemptions.0" in str(caught.value)
    assert error in str(caught.value)
