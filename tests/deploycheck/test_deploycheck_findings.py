"""The Finding type and the runner's guarantees: one line, frozen, no secret, no traceback."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest
from perfcheck_deploy import Finding
from perfcheck_deploy.registry import CHECKS_BY_TYPE
from through_pack import pack_findings as run_deploy_checks

if TYPE_CHECKING:
    from conftest import ProgramStack


def sample() -> Finding:
    return Finding(
        check_id="ecs-fargate-size",
        urn="urn:pulumi:prod::perfcheck::aws:ecs/taskDefinition:TaskDefinition::app",
        resource_name="app",
        resource_type="aws:ecs/taskDefinition:TaskDefinition",
        property_path="cpu/memory",
        aws_says="ClientException: No Fargate configuration exists for given values.",
        fix="Pick a cpu/memory pair from the Fargate table.",
    )


def test_finding_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        sample().check_id = "other"  # type: ignore[misc]


def test_finding_str_is_one_line_with_every_part() -> None:
    text = str(sample())
    assert "\n" not in text
    assert text == (
        "[ecs-fargate-size] aws:ecs/taskDefinition:TaskDefinition 'app' cpu/memory: "
        "ClientException: No Fargate configuration exists for given values. "
        "Fix: Pick a cpu/memory pair from the Fargate table."
    )


def test_multiline_texts_are_folded(program: ProgramStack, monkeypatch: pytest.MonkeyPatch) -> None:
    """A text over several lines (here a failing check's error, as a parser may raise one)
    reaches the report as one line, on the resource it is about."""

    def broken(record: object, index: object) -> list[Finding]:
        raise ValueError("first line\n  second line\r\nthird line")

    token = "aws:ecs/taskDefinition:TaskDefinition"
    monkeypatch.setitem(CHECKS_BY_TYPE, token, [broken, *CHECKS_BY_TYPE[token]])
    findings = [f for f in program.findings() if f.resource_name == "web-task"]
    (found,) = findings
    assert "first line second line third line" in found.aws_says
    assert "\n" not in found.aws_says and "\n" not in str(found) and "\r" not in str(found)


def test_auth_token_never_appears_in_findings(program: ProgramStack) -> None:
    token = program.token(20, '@"/ ')
    program.set("cache-group", authToken=program.secret(token), transitEncryptionEnabled=False)
    findings = program.findings()
    assert {f.check_id for f in findings} == {"elasticache-auth-token"}
    assert len(findings) == 2
    for item in findings:
        for text in (str(item), repr(item)):
            assert token not in text
            assert token[:8] not in text


def test_a_failing_check_becomes_a_finding(
    program: ProgramStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(record: object, index: object) -> list[Finding]:
        raise KeyError("boom")

    token = "aws:rds/instance:Instance"
    monkeypatch.setitem(CHECKS_BY_TYPE, token, [broken, *CHECKS_BY_TYPE[token]])
    program.set("database-instance", performanceInsightsRetentionPeriod=8)
    findings = {f.check_id: f for f in run_deploy_checks(program.run())}
    assert sorted(findings) == ["deploycheck-internal-error", "rds-performance-insights-retention"]
    error = findings["deploycheck-internal-error"]
    assert "KeyError" in error.aws_says and error.resource_name == "database-instance"


def test_findings_of_one_rule_follow_resource_order(program: ProgramStack) -> None:
    """Each rule reports its findings in the order the program registered the resources."""
    program.set("database-instance", performanceInsightsRetentionPeriod=8, monitoringInterval=7)
    for task in ("web-task", "database-bootstrap-task", "database-roles-task"):
        program.set(task, cpu="300")
    order = [record.name for record in program.run().resources]
    by_rule: dict[str, list[str]] = {}
    for f in program.findings():
        by_rule.setdefault(f.check_id, []).append(f.resource_name)
    assert len(by_rule) >= 2
    assert any(len(set(names)) >= 3 for names in by_rule.values()), by_rule  # an order to keep
    for names in by_rule.values():
        assert names == sorted(names, key=order.index)
