"""The deploy checks are rules of the third pack: per-stack level, exemptions bound to a finding
with a reason, and the staleness audit, exactly like the guardrails and cost rules.

Judged on the real prod program (captured once per session) with one value broken."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from through_pack import as_finding

from tools.offline.policy_driver import CONFIG_DIR, evaluate_packs, load_pack, parse_config_file
from tools.offline.runner import cached_run

if TYPE_CHECKING:
    from conftest import ProgramStack

RULE = "rds-performance-insights-retention"
DB = "database-instance"
REASON = "migrating the retention with AWS support (ticket OPS-77); remove after the change"


def _config(tmp_path: Path, entry: dict[str, Any]) -> Path:
    (tmp_path / "prod.deploy.json").write_text(json.dumps({RULE: entry}))
    return tmp_path


def _report(program: ProgramStack, config_dir: Path) -> Any:
    return evaluate_packs(program.run(), "prod", config_dir, packs=("deploy",))


def _db_urn(program: ProgramStack) -> str:
    return next(r.urn for r in program.run().resources if r.name == DB)


def test_every_check_id_is_a_rule_of_the_deploy_pack() -> None:
    from perfcheck_deploy import CHECK_IDS

    names = {policy.name for policy in load_pack("deploy").policies}
    assert set(CHECK_IDS) <= names
    assert names - set(CHECK_IDS) == {"deploy-exemptions-current"}


def test_a_finding_blocks_at_the_default_level_and_says_what_aws_refuses(
    program: ProgramStack, tmp_path: Path
) -> None:
    program.set(DB, performanceInsightsRetentionPeriod=8)
    report = _report(program, tmp_path)
    (violation,) = report.mandatory()
    finding = as_finding(violation)
    assert (violation.pack, violation.policy, finding.resource_name) == (
        "perfcheck-deploy",
        RULE,
        DB,
    )
    assert finding.aws_says and finding.fix and " Fix: " in violation.message


def test_the_level_is_configurable_per_stack(program: ProgramStack, tmp_path: Path) -> None:
    """Staging may lower a deploy rule to advisory (a prod stack may not: test_prod_floor.py)."""
    staging = type(program)(cached_run("staging"))
    staging.set(DB, performanceInsightsRetentionPeriod=8)
    (tmp_path / "staging.deploy.json").write_text(
        json.dumps({RULE: {"enforcementLevel": "advisory"}})
    )
    report = evaluate_packs(staging.run(), "staging", tmp_path, packs=("deploy",))
    assert report.mandatory() == [] and [v.policy for v in report.advisory()] == [RULE]


def test_a_finding_can_be_exempted_per_stack_with_a_reason(
    program: ProgramStack, tmp_path: Path
) -> None:
    program.set(DB, performanceInsightsRetentionPeriod=8)
    finding = as_finding(_report(program, tmp_path).mandatory()[0])
    exemption = {"urn": _db_urn(program), "property": finding.property_path, "reason": REASON}
    report = _report(program, _config(tmp_path, {"exemptions": [exemption]}))
    assert report.violations == ()
    (note,) = report.exemptions
    assert REASON in note.message and note.policy == RULE
    (use,) = report.exemption_uses
    assert use.covered == (_db_urn(program),)


def test_an_exemption_bound_to_another_property_does_not_cover_the_finding(
    program: ProgramStack, tmp_path: Path
) -> None:
    program.set(DB, performanceInsightsRetentionPeriod=8)
    exemption = {"urn": _db_urn(program), "property": "monitoringInterval", "reason": REASON}
    report = _report(program, _config(tmp_path, {"exemptions": [exemption]}))
    assert RULE in {v.policy for v in report.mandatory()}
    assert [use.stale for use in report.exemption_uses] == [True]


def test_a_stale_deploy_exemption_is_reported_by_the_audit(
    program: ProgramStack, tmp_path: Path
) -> None:
    """The value was fixed but the exemption stayed: the audit names it (mandatory in prod)."""
    exemption = {"urn": _db_urn(program), "reason": REASON}
    report = _report(program, _config(tmp_path, {"exemptions": [exemption]}))
    (stale,) = report.violations
    assert stale.policy == "deploy-exemptions-current" and "stale" in stale.message
    assert parse_config_file(CONFIG_DIR / "prod.deploy.json")[
        "deploy-exemptions-current"
    ].enforcement_level == ("mandatory")
