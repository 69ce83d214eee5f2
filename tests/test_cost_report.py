"""The estimate where people decide: the cost pack, the preview's table, the PR comment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from foundation.records import StackRun
from tests.test_settings import config_with
from tools.offline import cost_diff, preview
from tools.offline.cost import (
    COST_DOC,
    README,
    SNAPSHOT,
    cost_report,
    documents_with,
    snapshot_text,
)
from tools.offline.policy_driver import evaluate_packs
from tools.offline.runner import run_stack

RULE = "monthly-estimate-within-budget"


def _findings(run: StackRun, stack: str) -> list:
    return evaluate_packs(run, stack, packs=["cost"]).for_policy(RULE)


@pytest.mark.parametrize(("stack", "level"), [("prod", "mandatory"), ("staging", "advisory")])
def test_a_stack_over_its_budget_fails_the_cost_pack_naming_estimate_and_budget(
    stack: str, level: str
) -> None:
    """The pack (stack outputs, through the analyzer) and the preview's table (inputs) price the
    same stack to the cent: staging's single NAT gateway included, which the VPC's outputs do not
    name the way its inputs do."""
    run = run_stack(stack, config=config_with(stack, "budget", monthlyUsd=100))
    total = cost_report(run).estimate.total
    (violation,) = _findings(run, stack)
    assert violation.enforcement_level == level
    assert f"limitAmount is $100.00 a month but the estimate is ${total:,.2f}" in (
        violation.message
    )
    assert "observability-budget" in violation.message


def test_the_pack_prices_the_usage_of_the_stack_config(prod: StackRun) -> None:
    """The engine sends the stack config in ConfigureStack; traffic there moves the estimate."""
    assert _findings(prod, "prod") == []
    busy = config_with("prod", "usage", requestsPerMonth=20_000_000_000)
    (violation,) = _findings(run_stack("prod", config=busy), "prod")
    assert "but the estimate is $" in violation.message and "cdn $" in violation.message


def test_the_budget_the_alarm_uses_is_the_budget_the_estimate_is_held_to(
    each_stack: StackRun,
) -> None:
    budget = each_stack.one("aws:budgets/budget:Budget", "observability-budget")
    settings_amount = json.loads(each_stack.config["perfcheck:budget"])["monthlyUsd"]
    assert float(budget.inputs["limitAmount"]) == settings_amount
    assert cost_report(each_stack).budget_usd == settings_amount


def test_preview_ends_with_the_cost_table_and_writes_it_to_json_and_markdown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_json, out_md = tmp_path / "p.json", tmp_path / "p.md"
    assert (
        preview.main(["--stack", "staging", "--json", str(out_json), "--markdown", str(out_md)])
        == 0
    )
    text = capsys.readouterr().out
    tail = text[text.index("Result: OK") :]
    assert "Monthly cost estimate" in tail and "  TOTAL " in tail
    assert "database-instance: db.t4g.medium Single-AZ" in tail
    document = json.loads(out_json.read_text())["cost"]
    assert document["monthlyUsd"] > 0 and document["budgetUsd"] == 300
    assert {c["component"] for c in document["components"]} >= {"database", "cache", "network"}
    assert f"**Monthly cost estimate: ${document['monthlyUsd']:,.2f}**" in out_md.read_text()


def test_the_committed_totals_are_current(staging: StackRun, prod: StackRun) -> None:
    text = snapshot_text([prod, staging])
    assert SNAPSHOT.read_text() == text, (
        "docs/cost-estimate.json is stale: run `make regen` (refreshes every generated file)"
    )
    for path, content in documents_with(json.loads(text)).items():
        assert path.read_text() == content, (
            f"{path.name} is stale: run `make regen` (refreshes every generated file)"
        )


def test_the_documents_quote_the_snapshot_figures() -> None:
    """A changed estimate changes the quoted figures (the check can fail)."""
    document = json.loads(SNAPSHOT.read_text())
    document["prod"]["monthlyUsd"] = 1234.5
    document["prod"]["categories"]["Amazon ElastiCache"] = 99.99
    documents = documents_with(document)
    assert "| Monthly estimate (docs/cost.md) |" in documents[README]
    assert "$1,234.50" in documents[README] and "$1,234.50" in documents[COST_DOC]
    assert "| Amazon ElastiCache | " in documents[COST_DOC] and "$99.99" in documents[COST_DOC]


def _head(total: float, budget: float, components: dict[str, float]) -> dict:
    return {
        "monthlyUsd": total,
        "budgetUsd": budget,
        "overBudget": total > budget,
        "components": [{"component": k, "monthlyUsd": v} for k, v in components.items()],
    }


def test_the_comment_shows_both_totals_and_the_difference_from_the_base() -> None:
    base = {
        "staging": {"monthlyUsd": 200.0, "components": {"database": 50.0, "cache": 10.0}},
        "prod": {"monthlyUsd": 600.0, "components": {"database": 160.0}},
    }
    head = {
        "staging": _head(200.0, 250, {"database": 50.0, "cache": 10.0}),
        "prod": _head(1200.0, 1000, {"database": 760.0}),
    }
    text = cost_diff.render(head, base)
    assert "| staging | $200.00 | $200.00 | no change | $250.00 |" in text
    assert "| prod | $600.00 | $1,200.00 | +$600.00 (+100.0 %) | $1,000.00 :x: over budget |" in (
        text
    )
    assert "| prod | database | $160.00 | $760.00 | +$600.00 (+375.0 %) |" in text
    assert "staging | database" not in text


def test_the_comment_shows_the_worst_month_and_warns_when_it_is_over_budget() -> None:
    calm = {**_head(800.0, 1000, {}), "months": {"worst": 900.0}, "worstOverBudget": False}
    busy = {**_head(800.0, 1000, {}), "months": {"worst": 1100.0}, "worstOverBudget": True}
    text = cost_diff.render({"prod": calm, "staging": busy}, None)
    assert "| $1,000.00 | $900.00 |" in text
    assert "| $1,000.00 | $1,100.00 :warning: over budget |" in text


def test_the_comment_says_so_when_the_base_has_no_totals_or_a_preview_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "offline-prod.json").write_text(json.dumps({"cost": _head(10.0, 20, {})}))
    assert cost_diff.main(["--previews", str(tmp_path), "--base", str(tmp_path / "none")]) == 0
    text = capsys.readouterr().out
    assert "| staging | n/a | no estimate (preview failed) | n/a | |" in text
    assert "| prod | n/a | $10.00 | n/a | $20.00 |" in text
    assert "no docs/cost-estimate.json" in text


def test_the_comment_command_runs_on_a_bare_python_without_the_repository(tmp_path: Path) -> None:
    """The workflow runs it with the runner's python3: standard library only, run by path."""
    import subprocess
    import sys

    script = Path(cost_diff.__file__)
    (tmp_path / "offline-prod.json").write_text(json.dumps({"cost": _head(10.0, 20, {})}))
    result = subprocess.run(
        [sys.executable, "-I", str(script), "--previews", str(tmp_path), "--stacks", "prod"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "#### Monthly cost estimate: prod" in result.stdout
