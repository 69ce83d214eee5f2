"""Runbooks: every alarm a stack creates has a section in docs/runbooks/alarms.md named after its
slug (the part of the alarm name after `<project>-<stack>-`), and every section says what the
alarm means, what to check first and how to mitigate."""

from __future__ import annotations

import pytest
from test_observability import CASES, component_runs, wired

from components.alarm_catalog import WatchedScope, alarm_catalog
from foundation.records import StackRun
from settings.schema import AlarmSettings
from tools.offline.runner import ROOT

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
RUNBOOK = ROOT / "docs" / "runbooks" / "alarms.md"
PARTS = ("What it means", "First checks", "How to mitigate")


@pytest.fixture(scope="session")
def observability_runs() -> dict[str, StackRun]:
    return component_runs()


def runbook_sections(text: str) -> dict[str, str]:
    """`## <slug>` heading -> the section's text."""
    sections: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            sections[current] = ""
        elif current is not None:
            sections[current] += line + "\n"
    return sections


def check_runbook_sections(run: StackRun, runbook: str) -> None:
    """Every alarm of the stack has a runbook section, and its description links to it."""
    prefix = f"{run.project}-{run.stack}-"
    sections = runbook_sections(runbook)
    alarms = run.by_type(ALARM)
    assert alarms, "the stack has no alarms"
    for alarm in alarms:
        name = alarm.inputs["name"]
        assert name.startswith(prefix), f"{name} does not follow components.naming.alarm_name"
        slug = name.removeprefix(prefix)
        assert slug in sections, f"no runbook section '## {slug}' for alarm {name}"
        for part in PARTS:
            assert part in sections[slug], f"runbook '## {slug}' has no '{part}'"
        assert f"docs/runbooks/alarms.md#{slug}" in alarm.inputs["alarmDescription"], name


@pytest.mark.parametrize("case", list(CASES))
def test_every_alarm_of_the_component_has_a_runbook_section(observability_runs, case):
    check_runbook_sections(observability_runs[case], RUNBOOK.read_text())


def test_a_missing_section_fails(observability_runs):
    run = observability_runs["prod"]
    text = RUNBOOK.read_text()
    check_runbook_sections(run, text)
    for heading in ("## cache-evictions\n", "## cdn-cache-hit-rate-low\n"):
        with pytest.raises(AssertionError, match="no runbook section"):
            check_runbook_sections(run, text.replace(heading, ""))
    with pytest.raises(AssertionError, match="How to mitigate"):
        check_runbook_sections(run, text.replace("How to mitigate", "Mitigation", 1))


def test_sections_match_the_alarm_catalog_exactly():
    """No alarm without a section, and no section left behind for an alarm that is gone."""
    slugs = {
        spec.slug
        for nodes, cdn_metrics in ((1, False), (3, True))
        for spec in alarm_catalog(
            AlarmSettings.model_validate({}),
            WatchedScope(
                cache_nodes=nodes, database_max_connections=1802, cdn_additional_metrics=cdn_metrics
            ),
        )
    }
    sections = runbook_sections(RUNBOOK.read_text())
    assert set(sections) == slugs
    for slug, text in sections.items():
        for part in PARTS:
            assert part in text, f"{slug}: no '{part}'"


def test_real_stacks_have_a_runbook_section_per_alarm(each_stack: StackRun) -> None:
    check_runbook_sections(wired(each_stack), RUNBOOK.read_text())
