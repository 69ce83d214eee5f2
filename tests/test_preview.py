"""The offline preview command (`make preview`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from foundation.records import SECRET_SIG, SECRET_SIG_KEY, StackRun
from tools.offline import preview
from tools.offline.preview import StageResult, mask_secrets
from tools.offline.runner import available_stacks


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_preview_prints_tree_counts_outputs_and_writes_json(
    stack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "preview.json"
    assert preview.main(["--stack", stack, "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"pulumi:pulumi:Stack perfcheck-{stack}" in text
    assert "├─ perfcheck:network:Network  network" in text
    assert "By type:" in text and "Result: OK" in text
    result = json.loads(out.read_text())
    assert result["ok"] is True and result["stack"] == stack
    assert result["resourceCount"] == len(result["resources"]) > 10


def test_a_blocking_stage_fails_the_preview(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_stage(run: object) -> StageResult:
        return StageResult("policy", blocking=["rds-storage-encrypted: database unencrypted"])

    monkeypatch.setattr(preview, "default_stages", lambda *_: [failing_stage])
    assert preview.main(["--stack", "staging"]) == 1


def test_unknown_stack_is_refused_with_the_stacks_that_exist(
    capsys: pytest.CaptureFixture[str],
) -> None:
    stacks = available_stacks()
    unknown = next(f"qa{n}" for n in range(100) if f"qa{n}" not in stacks)
    assert preview.main(["--stack", unknown]) == 2
    assert f"unknown stack '{unknown}'; stacks: {', '.join(stacks)}" in capsys.readouterr().err


def test_secrets_are_masked() -> None:
    wrapped = {SECRET_SIG_KEY: SECRET_SIG, "value": "s3cr3t"}
    assert mask_secrets({"a": [wrapped], "b": 1}) == {"a": ["[secret]"], "b": 1}


def test_both_stacks_pass_the_deploy_checks(each_stack) -> None:
    result = preview.policy_stage(each_stack)
    assert [line for line in result.blocking if line.startswith("perfcheck-deploy/")] == []


def test_a_deploy_check_finding_blocks_the_preview(each_stack) -> None:
    from dataclasses import replace

    from foundation.records import StackRun

    role = each_stack.one("aws:iam/role:Role", "network-flow-logs-role")
    broken = replace(role, wire_inputs={**role.wire_inputs, "assumeRolePolicy": "{not json"})
    resources = tuple(broken if r is role else r for r in each_stack.resources)
    result = preview.policy_stage(
        StackRun(each_stack.stack, each_stack.project, resources, {}, each_stack.config)
    )
    deploy = [line for line in result.blocking if line.startswith("perfcheck-deploy/")]
    assert len(deploy) == 1 and "network-flow-logs-role" in deploy[0]


@pytest.mark.parametrize("whole_process", [False, True])
def test_the_heap_is_frozen_between_program_and_stages_only_for_a_whole_process(
    whole_process: bool, staging: StackRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []

    def run_stack(stack: str) -> StackRun:
        events.append("program")
        return staging

    def stage(run: StackRun) -> StageResult:
        events.append("stage")
        return StageResult("stage")

    monkeypatch.setattr(preview, "run_stack", run_stack)
    monkeypatch.setattr(preview, "default_stages", lambda *_: [stage, stage])
    monkeypatch.setattr(preview, "after_program", lambda: events.append("freeze"))
    assert preview.main(["--stack", "staging"], whole_process=whole_process) == 0
    frozen = ["freeze"] if whole_process else []
    assert events == ["program", *frozen, "stage", "stage"]


def test_after_program_freezes_the_heap(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    calls: list[str] = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    preview.after_program()
    assert calls == ["freeze"]
