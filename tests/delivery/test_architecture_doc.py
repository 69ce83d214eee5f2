"""docs/architecture.md is the diagram of what the prod stack registers today."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.offline.diagram import DEFAULT_OUTPUT, render_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_architecture_doc_is_up_to_date():
    runner = pytest.importorskip(
        "tools.offline.runner", reason="tools/offline/runner.py (run_stack) is not on this branch"
    )
    document = ROOT / DEFAULT_OUTPUT
    expected = render_markdown(runner.cached_run("prod"))  # the session's shared run
    assert document.exists(), f"{DEFAULT_OUTPUT} is missing: run `make regen`"
    assert document.read_text(encoding="utf-8") == expected, (
        f"{DEFAULT_OUTPUT} is stale: run `make regen` and commit it"
    )
