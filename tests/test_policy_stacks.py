"""Both policy packs on the real stacks, through the analyzer interface, with their config."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from foundation.records import StackRun
from tools.offline import preview
from tools.offline.policy_driver import evaluate_packs
from tools.offline.runner import cached_run

README = Path(__file__).resolve().parents[1] / "policies" / "README.md"


def test_each_stack_has_no_mandatory_violation_under_its_own_config(each_stack: StackRun) -> None:
    report = evaluate_packs(each_stack, each_stack.stack)
    assert [str(v) for v in report.mandatory()] == []
    assert set(report.config_files) == {"guardrails", "cost", "deploy"}
    assert all(path is not None for path in report.config_files.values())


def test_every_prod_advisory_finding_and_exemption_is_explained_in_the_readme() -> None:
    report = evaluate_packs(cached_run("prod"), "prod")
    section = README.read_text().split("## Advisory findings on prod", 1)[1]
    rows = {
        (cells[1].strip(" `"), cells[2].strip(" `"))
        for line in section.splitlines()
        if line.startswith("| `") and len(cells := line.split("|")) > 3
    }
    found = {(v.policy, v.name) for v in report.advisory()}
    found |= {(n.policy, n.name) for n in report.exemptions}
    assert found == rows


def _break_prod(run: StackRun) -> StackRun:
    """A deliberately broken copy: database unencrypted, a container as root, an empty cost tag."""
    resources = []
    for record in run.resources:
        inputs = json.loads(json.dumps(dict(record.wire_inputs)))
        if record.type == "aws:rds/instance:Instance":
            inputs["storageEncrypted"] = False
        elif record.type == "aws:ecs/taskDefinition:TaskDefinition" and record.name == "web-task":
            containers = json.loads(inputs["containerDefinitions"])
            containers[0]["user"] = "0"
            inputs["containerDefinitions"] = json.dumps(containers)
        elif record.type == "aws:sns/topic:Topic":
            # A resource's own empty tag overrides the provider's default: the tag is missing.
            inputs["tags"] = {**inputs["tags"], "CostCenter": ""}
        resources.append(dataclasses.replace(record, wire_inputs=inputs))
    return dataclasses.replace(run, resources=tuple(resources))


def test_a_broken_copy_of_prod_fails_the_offline_preview_naming_the_violations(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = _break_prod(cached_run("prod"))
    monkeypatch.setattr(preview, "run_stack", lambda stack: broken)
    assert preview.main(["--stack", "prod"]) == 1
    out = capsys.readouterr().out
    assert "[mandatory] perfcheck-guardrails/rds-storage-encrypted:" in out
    assert "[mandatory] perfcheck-guardrails/ecs-container-non-root-user:" in out
    assert "[mandatory] perfcheck-cost/required-cost-tags:" in out
    assert "CostCenter" in out
    assert "Result: FAILED" in out


def test_a_policy_config_typo_stops_the_preview(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = README.parent / "config"
    for path in source.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text())
    cost = json.loads((tmp_path / "prod.cost.json").read_text())
    cost["rds-instance-class-allowed"]["allowedInstanceClass"] = ["db.r7g.large"]
    (tmp_path / "prod.cost.json").write_text(json.dumps(cost))
    import tools.offline.policy_driver as driver

    original = driver.evaluate_packs
    monkeypatch.setattr(
        driver, "evaluate_packs", lambda run, stack, *_: original(run, stack, config_dir=tmp_path)
    )
    assert preview.main(["--stack", "prod"]) == 2
    err = capsys.readouterr().err
    assert "rds-instance-class-allowed" in err and "allowedInstanceClass" in err


ORIGIN_PATH_RULES = (
    "cloudfront-origin-https",
    "alb-http-listener-redirects-to-https",
    "alb-http-listener-rules-redirect-to-https",
    "alb-behind-cloudfront-internal",
    "cloudfront-https-origin-name-coverable",
)


def test_the_origin_path_needs_no_exemption_on_either_stack(each_stack: StackRun) -> None:
    """The internal ALB behind a VPC origin passes the transit and origin rules as it is: no
    finding and no exemption, in the report or in the stack's policy config."""
    report = evaluate_packs(each_stack, each_stack.stack)
    findings = [*report.mandatory(), *report.advisory()]
    assert [str(v) for v in findings if v.policy in ORIGIN_PATH_RULES] == []
    assert [n.policy for n in report.exemptions if n.policy in ORIGIN_PATH_RULES] == []
    config = json.loads(
        (README.parent / "config" / f"{each_stack.stack}.guardrails.json").read_text()
    )
    for rule in ORIGIN_PATH_RULES:
        entry = config[rule]
        assert entry == "mandatory" or not entry.get("exemptions"), rule


def test_an_internet_facing_origin_alb_would_be_blocked_in_prod() -> None:
    run = cached_run("prod")
    resources = []
    for record in run.resources:
        if record.type == "aws:lb/loadBalancer:LoadBalancer":
            record = dataclasses.replace(
                record,
                wire_inputs={**record.wire_inputs, "internal": False},
                outputs={**record.outputs, "internal": False},
            )
        resources.append(record)
    report = evaluate_packs(dataclasses.replace(run, resources=tuple(resources)), "prod")
    blocking = {v.policy for v in report.mandatory()}
    # The ALB is no longer private, and its HTTP listener serves in plaintext.
    assert {"alb-behind-cloudfront-internal", "alb-http-listener-redirects-to-https"} <= blocking
