"""Findings grouped by rule and root cause, each with the project's fix, in text, JSON, Markdown."""

from __future__ import annotations

import dataclasses

from foundation.records import StackRun
from tools.offline import preview
from tools.offline.markdown import render_markdown
from tools.offline.policy_driver import PACK_NAMES, PolicyViolation, load_pack
from tools.offline.remediation import FIX_FOR_RULE


def test_every_rule_of_both_packs_says_what_to_change_in_this_project() -> None:
    rules = {rule.name for pack in PACK_NAMES for rule in load_pack(pack).policies}
    assert rules == set(FIX_FOR_RULE), rules ^ set(FIX_FOR_RULE)
    for fix in FIX_FOR_RULE.values():
        assert (
            "perfcheck:" in fix
            or "components/" in fix
            or "policies/config" in fix
            or ("remove" in fix)
        ), fix
        assert "=True" not in fix and "=False" not in fix  # settings, not Python arguments


def _violation(name: str, message: str, policy: str = "required-cost-tags") -> PolicyViolation:
    type_token = "aws:sns/topic:Topic"
    return PolicyViolation(
        "perfcheck-cost",
        policy,
        "mandatory",
        "medium",
        f"urn:{name}",
        name,
        type_token,
        f"{type_token} '{name}': {message}",
    )


def test_one_root_cause_on_a_hundred_resources_is_one_line_with_a_count() -> None:
    violations = [_violation(f"topic-{i:03d}", "tags.Environment is 'x'") for i in range(100)]
    violations.append(_violation("topic-odd", "tags.Owner is missing"))
    (group,) = preview.group_violations(violations)
    assert group.source == "perfcheck-cost/required-cost-tags" and group.count == 101
    first, second = group.causes
    assert (first.message, first.count) == ("tags.Environment is 'x'", 100)
    assert (second.message, second.count) == ("tags.Owner is missing", 1)
    lines = group.lines()
    assert lines[0] == "perfcheck-cost/required-cost-tags: 101 findings"
    assert "[x100: topic-000, topic-001, topic-002, topic-003, topic-004 +95 more]" in lines[1]
    assert lines[-1] == f"  fix: {FIX_FOR_RULE['required-cost-tags']}"


def test_the_report_prints_groups_and_the_markdown_and_json_carry_them(
    staging: StackRun, capsys
) -> None:
    violations = [_violation(f"topic-{i}", "tags.Owner is missing") for i in range(30)]
    result = preview.StageResult(
        "Policy packs (guardrails, cost)",
        blocking=[f"{v.pack}/{v.policy}: {v.message}" for v in violations],
        groups=preview.group_violations(violations),
    )
    preview.print_report(staging, [result], 1.0)
    out = capsys.readouterr().out
    assert out.count("tags.Owner is missing") == 1
    assert "[mandatory] perfcheck-cost/required-cost-tags: 30 findings" in out
    markdown = render_markdown(staging, [result])
    assert markdown.count("tags.Owner is missing") == 1 and "(x30:" in markdown
    document = preview.to_json(staging, [result], 1.0)
    (group,) = document["stages"][0]["groups"]
    assert group["count"] == 30 and group["causes"][0]["count"] == 30
    assert len(document["stages"][0]["blocking"]) == 30  # the flat list stays for tools


def test_an_ungrouped_stage_still_prints_its_lines(staging: StackRun, capsys) -> None:
    result = preview.StageResult("Deploy checks", blocking=["a finding"])
    preview.print_report(staging, [dataclasses.replace(result)], 1.0)
    assert "  [mandatory] a finding" in capsys.readouterr().out


def test_stale_exemptions_the_driver_reports_are_printed(
    staging: StackRun, monkeypatch, capsys
) -> None:
    import tools.offline.policy_driver as driver

    original = driver.evaluate_packs

    class WithStale:
        def __init__(self, report: object) -> None:
            self._report = report

        def __getattr__(self, name: str) -> object:
            return getattr(self._report, name)

        def stale_exemptions(self) -> list[str]:
            return ["perfcheck-guardrails/rds-multi-az exemption 0 (reporting-*) is stale"]

    monkeypatch.setattr(driver, "evaluate_packs", lambda *a: WithStale(original(*a)))
    result = preview.policy_stage(staging)
    assert "[stale exemption] perfcheck-guardrails/rds-multi-az exemption 0" in result.notes[-1]
    preview.print_report(staging, [result], 1.0)
    assert "[note]      [stale exemption]" in capsys.readouterr().out


def test_the_policy_stage_judges_with_the_configs_of_the_directory_it_is_given(
    staging: StackRun, tmp_path
) -> None:
    """A stack laid out elsewhere (`--stacks-dir`) is judged with the policy configs beside it,
    not the repository's: there, db.t4g.medium is not an allowed class, so it blocks."""
    import json
    import shutil

    from tools.offline.runner import ROOT

    config_dir = tmp_path / "policies" / "config"
    config_dir.mkdir(parents=True)
    for path in (ROOT / "policies" / "config").glob("staging.*.json"):
        shutil.copy(path, config_dir / path.name)
    cost = json.loads((config_dir / "staging.cost.json").read_text())
    cost["rds-instance-class-allowed"]["allowedInstanceClasses"] = ["db.t4g.micro"]
    (config_dir / "staging.cost.json").write_text(json.dumps(cost))

    def blocking_rules(result: preview.StageResult) -> set[str]:
        return {line.split(":")[0] for line in result.blocking}

    assert "perfcheck-cost/rds-instance-class-allowed" not in blocking_rules(
        preview.policy_stage(staging)
    )
    elsewhere = preview.default_stages(config_dir)[0](staging)
    assert "perfcheck-cost/rds-instance-class-allowed" in blocking_rules(elsewhere)
