"""The cost section of the offline preview: the stack's monthly estimate, as text, Markdown, JSON.

The estimate (estimate/) prices the run's records with the stack's usage assumptions
(`perfcheck:usage`, read through the settings like the program reads them) and is held against
the AWS Budgets amount the program registered (the Budget resource's limitAmount, from
`budget.monthlyUsd`): the number the Budgets alarm uses is the number shown here.

`python -m tools.offline.cost --write` refreshes docs/cost-estimate.json, the committed per-stack
totals the pull-request comment compares a branch against, and the figures documents quote from
it (docs/cost.md's table of the stacks, README's estimate rows); tests fail when any is stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from estimate import Estimate, estimate_run
from foundation.records import StackRun
from foundation.usage import UsageAssumptions

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "docs" / "cost-estimate.json"
COST_DOC = ROOT / "docs" / "cost.md"
README = ROOT / "README.md"
DOC_STACKS = ("staging", "prod")
"""The stacks the documents' tables show, in this order."""
CATEGORY_ROWS = (
    (
        "database",
        "database (instance, storage, proxy, replicated backups)",
        "RDS Multi-AZ $100-200",
    ),
    ("cache", "cache", "ElastiCache $50-100"),
    (
        "monitoring",
        "monitoring (alarms, dashboard, logs, metrics, X-Ray, RUM)",
        "CloudWatch/X-Ray $20-50",
    ),
    ("network", "network (NAT, VPC endpoints, ALB, flow logs)", ""),
    ("compute", "compute (Fargate, Lambda)", ""),
    ("edge", "edge (CloudFront, WAF)", ""),
    ("security", "security (KMS keys, secrets)", ""),
    ("storage", "storage (S3, ECR)", ""),
)
"""docs/cost.md's rows: category, label, the owners' figure (seed-notes "Cost"), if any."""
TABLE_BEGIN = "<!-- generated:cost-stacks (python -m tools.offline.cost --write) -->"
TABLE_END = "<!-- /generated:cost-stacks -->"
BUDGET_TYPE = "aws:budgets/budget:Budget"
SMALL_USD = 0.005
"""Lines below half a cent are counted in the totals but not listed one by one."""


@dataclass(frozen=True)
class CostReport:
    estimate: Estimate
    budget_usd: float | None
    """The monthly cost budget's limitAmount as registered (None: the stack has none)."""

    @property
    def over_budget(self) -> bool:
        return self.budget_usd is not None and self.estimate.total > self.budget_usd


def usage_of(run: StackRun) -> UsageAssumptions:
    """The stack's usage assumptions, validated by the settings exactly as the program does."""
    from settings.loader import settings_from_config

    if not run.config:
        return UsageAssumptions()
    return settings_from_config(run.project, run.stack, run.config).usage.assumptions()


def budget_usd(run: StackRun) -> float | None:
    """Sum of the monthly COST budgets' limitAmount (what the cost pack compares against)."""
    amounts = [
        float(r.inputs.get("limitAmount"))
        for r in run.by_type(BUDGET_TYPE)
        if r.inputs.get("budgetType") == "COST" and r.inputs.get("timeUnit") == "MONTHLY"
    ]
    return sum(amounts) if amounts else None


def cost_report(run: StackRun) -> CostReport:
    return CostReport(estimate_run(run, usage_of(run)), budget_usd(run))


def _usd(value: float) -> str:
    return f"${value:,.2f}"


def _budget_line(report: CostReport) -> str:
    if report.budget_usd is None:
        return "Budget: none registered (the cost pack's budget-exists rule fails)"
    share = report.estimate.total / report.budget_usd * 100
    verdict = "OVER BUDGET" if report.over_budget else "within budget"
    return (
        f"Budget (budget.monthlyUsd, the AWS Budgets amount): {_usd(report.budget_usd)}; "
        f"the estimate is {share:.0f} % of it ({verdict})"
    )


def _assumed(estimate: Estimate) -> str:
    return ", ".join(
        f"{key} {value:,.12g}" for key, value in estimate.usage.items() if value is not None
    )


def _fit(label: str, width: int) -> str:
    """`label`, or its beginning up to a word boundary and an ellipsis (the table is 100 wide)."""
    if len(label) <= width:
        return label
    cut = max(label.rfind(" ", 0, width - 1), label.rfind("-", 0, width - 1) + 1)
    return label[: cut if cut > width // 2 else width - 1].rstrip(" ,;:(") + "…"


def render_cost_text(report: CostReport) -> list[str]:
    """The preview's closing section: one row per component, its lines beneath, the total."""
    estimate = report.estimate
    lines = [
        f"Monthly cost estimate (USD; {estimate.region} on-demand prices as known on "
        f"{estimate.prices_read}; docs/cost.md):",
        f"  {'component / line':<63} {'fixed':>10} {'usage':>10} {'total':>10}",
    ]
    for component, fixed, usage in estimate.by_component():
        lines.append(f"  {component:<63} {fixed:>10,.2f} {usage:>10,.2f} {fixed + usage:>10,.2f}")
        small = 0
        for line in estimate.lines:
            if line.component != component:
                continue
            if line.monthly_usd < SMALL_USD:
                small += 1
                continue
            column = f"{line.monthly_usd:>10,.2f} {'':>10}"
            if line.kind == "usage":
                column = f"{'':>10} {line.monthly_usd:>10,.2f}"
            label = f"{line.resource}: {line.item}"
            lines.append(f"    {_fit(label, 61):<61} {column}")
        if small:
            lines.append(f"    ({small} line(s) under half a cent)")
    lines.append(
        f"  {'TOTAL':<63} {estimate.total_of('fixed'):>10,.2f} "
        f"{estimate.total_of('usage'):>10,.2f} {estimate.total:>10,.2f}"
    )
    lines.append(f"  {_budget_line(report)}")
    lines.append(f"  Usage assumed (perfcheck:usage): {_assumed(estimate)}")
    lines += [f"  [not priced] {item}" for item in estimate.unpriced]
    lines += [f"  [note] {note}" for note in estimate.notes]
    return lines


def render_cost_markdown(report: CostReport) -> list[str]:
    estimate = report.estimate
    lines = [
        "",
        f"**Monthly cost estimate: {_usd(estimate.total)}** "
        f"(fixed {_usd(estimate.total_of('fixed'))}, usage {_usd(estimate.total_of('usage'))}). "
        f"{_budget_line(report)}.",
        "",
        "<details><summary>Cost by component</summary>",
        "",
        "| Component | Fixed | Usage | Total |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {name} | {fixed:,.2f} | {usage:,.2f} | {fixed + usage:,.2f} |"
        for name, fixed, usage in estimate.by_component()
    ]
    lines += [
        f"| **Total** | {estimate.total_of('fixed'):,.2f} | {estimate.total_of('usage'):,.2f} "
        f"| **{estimate.total:,.2f}** |",
        "",
        f"USD a month, {estimate.region} on-demand prices as known on {estimate.prices_read}; "
        f"usage assumed: {_assumed(estimate)}.",
    ]
    lines += [f"- not priced: {item}" for item in estimate.unpriced]
    lines += ["", "</details>", ""]
    return lines


def cost_json(report: CostReport) -> dict[str, Any]:
    return {
        **report.estimate.as_dict(),
        "budgetUsd": report.budget_usd,
        "overBudget": report.over_budget,
    }


def snapshot(runs: Sequence[StackRun]) -> dict[str, Any]:
    """Per-stack totals of the committed snapshot (docs/cost-estimate.json)."""
    result: dict[str, Any] = {}
    for run in runs:
        report = cost_report(run)
        result[run.stack] = {
            "monthlyUsd": round(report.estimate.total, 2),
            "budgetUsd": report.budget_usd,
            "categories": {
                name: round(usd, 2) for name, usd in sorted(report.estimate.by_category().items())
            },
            "components": {
                name: round(fixed + usage, 2)
                for name, fixed, usage in report.estimate.by_component()
            },
        }
    return result


def snapshot_text(runs: Sequence[StackRun]) -> str:
    return json.dumps(snapshot(runs), indent=2, sort_keys=True) + "\n"


def _money(value: float | None) -> str:
    return "-" if value is None else f"${value:,.2f}"


def stacks_table(document: dict[str, Any]) -> str:
    """docs/cost.md's table: each stack's estimate per category, total and budget."""
    stacks = [stack for stack in DOC_STACKS if stack in document]
    lines = [
        "| | " + " | ".join(stacks) + ' | owners\' figure (seed-notes "Cost") |',
        "| --- | " + " | ".join("---:" for _ in stacks) + " | --- |",
    ]
    for category, label, owners in CATEGORY_ROWS:
        cells = [_money(document[s].get("categories", {}).get(category, 0.0)) for s in stacks]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {owners} |")
    totals = [f"**{_money(document[s]['monthlyUsd'])}**" for s in stacks]
    lines.append("| **total** | " + " | ".join(totals) + " | |")
    budgets = [_money(document[s]["budgetUsd"]) for s in stacks]
    lines.append("| budget (`budget.monthlyUsd`) | " + " | ".join(budgets) + " | |")
    return "\n".join(lines) + "\n"


def readme_rows(document: dict[str, Any]) -> list[str]:
    """README's two estimate rows in its 'How the stacks differ' table (staging | prod)."""
    stacks = [document[stack] for stack in DOC_STACKS]

    def split(stack: dict[str, Any]) -> str:
        categories = stack.get("categories", {})
        parts = (_money(categories.get(name, 0.0)) for name in ("database", "cache", "monitoring"))
        return " / ".join(parts)

    return [
        "| Monthly estimate (docs/cost.md) | "
        + " | ".join(_money(stack["monthlyUsd"]) for stack in stacks)
        + " |",
        "| of which database / cache / CloudWatch+X-Ray | "
        + f"{split(stacks[0])} | {split(stacks[1])} (owners: $100-200 / $50-100 / $20-50) |",
    ]


def documents_with(document: dict[str, Any]) -> dict[Path, str]:
    """docs/cost.md and README.md with their figures taken from `document` (the snapshot)."""
    doc = COST_DOC.read_text()
    begin, end = doc.index(TABLE_BEGIN) + len(TABLE_BEGIN), doc.index(TABLE_END)
    doc = doc[:begin] + "\n" + stacks_table(document) + doc[end:]
    readme = README.read_text().splitlines(keepends=True)
    rows = iter(readme_rows(document))
    for index, line in enumerate(readme):
        if line.startswith(("| Monthly estimate (docs/cost.md) |", "| of which database / cache")):
            readme[index] = next(rows) + "\n"
    return {COST_DOC: doc, README: "".join(readme)}


def main(argv: Sequence[str] | None = None) -> int:
    from tools.offline.runner import available_stacks, run_stack

    parser = argparse.ArgumentParser(
        description="Write or check docs/cost-estimate.json and the figures documents quote."
    )
    parser.add_argument("--write", action="store_true", help="rewrite the snapshot and documents")
    args = parser.parse_args(argv)
    runs = [run_stack(stack) for stack in available_stacks() if stack in DOC_STACKS]
    text = snapshot_text(runs)
    expected = {SNAPSHOT: text, **documents_with(json.loads(text))}
    stale = [path for path, content in expected.items() if path.read_text() != content]
    if args.write:
        for path in stale:
            path.write_text(expected[path])
            sys.stdout.write(f"wrote {path.relative_to(ROOT)}\n")
        return 0
    for path in stale:
        sys.stderr.write(
            f"{path.relative_to(ROOT)} is stale: python -m tools.offline.cost --write\n"
        )
    if stale:
        return 1
    sys.stdout.write("docs/cost-estimate.json, docs/cost.md and README.md figures are current\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
