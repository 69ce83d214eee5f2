"""Fail closed on types (issue 22, item 1).

Properties guarded:
- a resource whose type no rule of any pack judges is a finding: mandatory in prod, advisory in
  staging, unless the stack's config lists the type in reviewedTypes with a reason;
- a rule that reads every type for one concern (cost tags) does not make a type judged;
- the judged types are the rules' own declared types, of every pack found beside this one; a
  pack that does not import judges nothing (fail closed);
- reviewed entries are audited: one for a type the stack lacks, or that a rule now judges, is a
  finding; the reviewed list is printed as a note;
- the shipped configs review exactly the types today's stacks register that no rule judges.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.policies.builders import record
from tests.policies.support import judge_compliant, run_case, synthetic_config, violations
from tools.offline.policy_driver import (
    CONFIG_DIR,
    PolicyConfigError,
    evaluate_packs,
    load_pack,
)

load_pack("guardrails")
load_pack("cost")

from perfcheck_cost.taggable_types import TAGGABLE_TYPES  # noqa: E402
from perfcheck_guardrails import judged_types  # noqa: E402

RULE = "resource-type-judged"
GLUE = "aws:glue/catalogDatabase:CatalogDatabase"


def _glue(r: Any) -> dict[str, Any]:
    return {
        "lake": record("prod", GLUE, "lake", {"name": "lake", "tags": r["db"].wire_inputs["tags"]})
    }


def _config_dir(tmp_path: Path, stack: str, **rule: Any) -> Path:
    for pack in ("guardrails", "cost"):
        config = synthetic_config(stack, pack)
        if pack == "guardrails":
            entry = config[RULE]
            config[RULE] = {**entry, **rule}
        (tmp_path / f"{stack}.{pack}.json").write_text(json.dumps(config))
    return tmp_path


def test_a_type_no_rule_judges_is_mandatory_in_prod() -> None:
    (finding,) = violations(run_case(_glue), RULE)
    assert finding.name == "lake" and finding.enforcement_level == "mandatory"
    assert f"'{GLUE}', which no rule of the policy packs judges" in finding.message


def test_the_same_type_is_advisory_in_staging() -> None:
    def glue_staging(r: Any) -> dict[str, Any]:
        return {"lake": record("staging", GLUE, "lake", {"name": "lake"})}

    (finding,) = violations(run_case(glue_staging, stack="staging"), RULE)
    assert finding.enforcement_level == "advisory"


def test_being_taggable_is_not_being_judged() -> None:
    """The cost-tag rule reads every taggable type; it judges none of them for security."""
    assert GLUE in TAGGABLE_TYPES
    assert GLUE not in judged_types.judged_types()
    assert "required-cost-tags" in judged_types.CROSS_CUTTING_RULES


def test_a_reviewed_type_passes_and_the_note_lists_it_with_its_reason(tmp_path: Path) -> None:
    reviewed = [{"type": GLUE, "reason": "a catalog of table names; no data of its own"}]
    config_dir = _config_dir(
        tmp_path,
        "prod",
        reviewedTypes=[*synthetic_config("prod", "guardrails")[RULE]["reviewedTypes"], *reviewed],
        listReviewedTypes=True,
    )
    report = judge_compliant(_glue, config_dir=config_dir)
    assert violations(report, RULE) == []
    (note,) = [n for n in report.exemptions if n.policy == RULE]
    assert f"{GLUE} (a catalog of table names; no data of its own)" in note.message


def test_a_reviewed_type_the_stack_does_not_have_is_stale(tmp_path: Path) -> None:
    entries = [
        *synthetic_config("prod", "guardrails")[RULE]["reviewedTypes"],
        {"type": "aws:sagemaker/domain:Domain", "reason": "analysts run notebooks"},
    ]
    report = judge_compliant(config_dir=_config_dir(tmp_path, "prod", reviewedTypes=entries))
    (finding,) = violations(report, RULE)
    assert "reviewedTypes entry 'aws:sagemaker/domain:Domain'" in finding.message
    assert "(stale)" in finding.message and finding.enforcement_level == "mandatory"


def test_a_reviewed_type_a_rule_now_judges_is_stale(tmp_path: Path) -> None:
    entries = [
        *synthetic_config("prod", "guardrails")[RULE]["reviewedTypes"],
        {"type": "aws:rds/instance:Instance", "reason": "reviewed before a rule existed"},
    ]
    report = judge_compliant(config_dir=_config_dir(tmp_path, "prod", reviewedTypes=entries))
    (finding,) = violations(report, RULE)
    assert "judged by" in finding.message and "rds-storage-encrypted" in finding.message


def test_a_reviewed_type_needs_a_reason(tmp_path: Path) -> None:
    config_dir = _config_dir(tmp_path, "prod", reviewedTypes=[{"type": GLUE, "reason": " "}])
    with pytest.raises(PolicyConfigError) as caught:
        judge_compliant(config_dir=config_dir)
    assert "resource-type-judged" in str(caught.value) and "reason" in str(caught.value)


def test_judged_types_are_the_rules_declared_types_of_every_pack() -> None:
    declared: set[str] = set()
    for pack in ("guardrails", "cost"):
        for policy in load_pack(pack).policies:
            types = policy.resource_types
            if types is not None and policy.name not in judged_types.CROSS_CUTTING_RULES:
                declared |= {t for t in types if t != "pulumi:pulumi:Stack"}
    assert declared <= set(judged_types.judged_types())
    # the cost pack's own types count (a budget is judged only there)
    assert "budget-exists" in judged_types.judged_types()["aws:budgets/budget:Budget"]


def _fake_pack(root: Path, name: str, body: str) -> None:
    package = root / name / f"perfcheck_{name}"
    package.mkdir(parents=True)
    (root / name / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (package / "__init__.py").write_text(body)


def test_a_third_pack_beside_the_others_is_discovered_and_a_broken_one_judges_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_pack(
        tmp_path,
        "deploy22",
        "class R:\n    name = 'deploy-glue'\n"
        f"    resource_types = frozenset({{'{GLUE}'}})\nPOLICIES = (R(),)\n",
    )
    _fake_pack(tmp_path, "broken22", "raise RuntimeError('no botocore here')\n")
    monkeypatch.setattr(judged_types, "_PACKS_DIR", tmp_path)
    try:
        table = judged_types.rule_types(judged_types.sibling_pack_policies())
    finally:
        for name in ("perfcheck_deploy22", "perfcheck_broken22"):
            sys.modules.pop(name, None)
        for name in ("deploy22", "broken22"):
            if str(tmp_path / name) in sys.path:
                sys.path.remove(str(tmp_path / name))
    assert table[GLUE] == {"deploy-glue"}
    assert "aws:rds/instance:Instance" in table  # this pack's own rules are always counted


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_shipped_reviewed_types_are_exactly_the_unjudged_types_of_todays_stack(stack: str) -> None:
    from tools.offline.runner import cached_run

    run = cached_run(stack)
    config = json.loads((CONFIG_DIR / f"{stack}.guardrails.json").read_text())[RULE]
    reviewed = {entry["type"] for entry in config["reviewedTypes"] if "createdBy" not in entry}
    children = [entry for entry in config["reviewedTypes"] if "createdBy" in entry]
    assert all(entry["createdBy"] in {r.type for r in run.resources} for entry in children)
    judged = set(judged_types.judged_types())
    unjudged = {
        r.type
        for r in run.resources
        if r.type not in judged and not r.type.startswith(f"{run.project}:")
    }
    assert reviewed == unjudged
    report = evaluate_packs(run, stack)
    assert violations(report, RULE) == []
    (note,) = [n for n in report.exemptions if n.policy == RULE]
    assert f"{len(reviewed) + len(children)} resource type(s) no rule judges" in note.message


def test_a_reviewed_child_type_stays_current_while_its_component_is_in_the_stack(
    tmp_path: Path,
) -> None:
    """awsx's VPC registers its subnets as children in a real preview (not under mocks): the
    entry is current while the VPC is there, and stale once it is gone."""
    entries = [
        *synthetic_config("prod", "guardrails")[RULE]["reviewedTypes"],
        {
            "type": "aws:ec2/subnet:Subnet",
            "reason": "subnets laid out by awsx",
            "createdBy": "awsx:ec2:Vpc",
        },
    ]
    config_dir = _config_dir(tmp_path, "prod", reviewedTypes=entries)

    def vpc(r: Any) -> dict[str, Any]:
        return {"vpc": record("prod", "awsx:ec2:Vpc", "net", {}, custom=False)}

    assert violations(judge_compliant(vpc, config_dir=config_dir), RULE) == []
    (stale,) = violations(judge_compliant(config_dir=config_dir), RULE)
    assert "reviewedTypes entry 'aws:ec2/subnet:Subnet'" in stale.message
