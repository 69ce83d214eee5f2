"""The offline preview command (`make preview`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.offline import preview
from tools.offline.preview import StageResult, mask_secrets
from tools.offline.records import SECRET_SIG, SECRET_SIG_KEY


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

    monkeypatch.setattr(preview, "default_stages", lambda: [failing_stage])
    assert preview.main(["--stack", "staging"]) == 1


def test_unknown_stack_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert preview.main(["--stack", "qa"]) == 2
    assert "unknown stack 'qa'; stacks: prod, staging" in capsys.readouterr().err


def test_secrets_are_masked() -> None:
    wrapped = {SECRET_SIG_KEY: SECRET_SIG, "value": "s3cr3t"}
    assert mask_secrets({"a": [wrapped], "b": 1}) == {"a": ["[secret]"], "b": 1}
