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
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from estimate import WORST, YEAR_3, Estimate, Scenario, estimate_run
from estimate.budget import own_monthly_budget
from estimate.free_tier import FreeTierUse, free_tier_uses
from estimate.model import CATEGORIES
from estimate.owners import OWNERS_FIGURES
from foundation.records import StackRun
from foundation.usage import UsageAssumptions

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "docs" / "cost-estimate.json"
COST_DOC = ROOT / "docs" / "cost.md"
README = ROOT / "README.md"
DOC_STACKS = ("staging", "prod")
"""The stacks the documents' tables show, in this order."""
TABLE_BEGIN = "<!-- generated:cost-stacks (python -m tools.offline.cost --write) -->"
TABLE_END = "<!-- /generated:cost-stacks -->"
BUDGET_TYPE = "aws:budgets/budget:Budget"
SMALL_USD = 0.005
"""Lines below half a cent are counted in the totals but not listed one by one."""
WIDTH = 100
"""The preview's width: every line of the cost section fits in it."""
LABEL = WIDTH - 2 - 3 * 11
"""Width of a component's name; the three money columns take 11 characters each."""


@dataclass(frozen=True)
class CostReport:
    estimate: Estimate
    """The expected month."""
    budget_usd: float | None
    """The stack's own monthly cost budget's limitAmount as registered (None: it has none)."""
    worst: Estimate | None = None
    """The worst month the settings allow (scaling at maximum, deploy overlap, rotations)."""
    year3: Estimate | None = None
    """A month in year 3 (KMS keys after two rotations)."""

    @property
    def over_budget(self) -> bool:
        return self.budget_usd is not None and self.estimate.total > self.budget_usd

    @property
    def worst_over_budget(self) -> bool:
        worst = self.worst or self.estimate
        return self.budget_usd is not None and worst.total > self.budget_usd

    def scenarios(self) -> list[tuple[Scenario, Estimate]]:
        found = [(self.estimate.scenario, self.estimate)]
        found += [(e.scenario, e) for e in (self.worst, self.year3) if e is not None]
        return found


def usage_of(run: StackRun) -> UsageAssumptions:
    """The stack's usage assumptions, validated by the settings exactly as the program does."""
    from settings.loader import settings_from_config

    if not run.config:
        return UsageAssumptions()
    return settings_from_config(run.project, run.stack, run.config).usage.assumptions()


def budget_usd(run: StackRun) -> float | None:
    """The stack's own monthly cost budget's limitAmount (estimate/budget.py), or None."""
    return own_monthly_budget([r.inputs for r in run.by_type(BUDGET_TYPE)])


def cost_report(run: StackRun) -> CostReport:
    usage = usage_of(run)
    return CostReport(
        estimate_run(run, usage),
        budget_usd(run),
        worst=estimate_run(run, usage, scenario=WORST),
        year3=estimate_run(run, usage, scenario=YEAR_3),
    )


def _usd(value: float) -> str:
    return f"${value:,.2f}"


def _share(report: CostReport, estimate: Estimate) -> str:
    if report.budget_usd is None:
        return ""
    share = estimate.total / report.budget_usd * 100
    return f" ({share:.0f} % of the budget{', OVER' if share > 100 else ''})"


def _budget_line(report: CostReport) -> str:
    if report.budget_usd is None:
        return "Budget: the stack has no monthly cost budget of its own (budget-exists fails)"
    share = report.estimate.total / report.budget_usd * 100
    verdict = "OVER BUDGET" if report.over_budget else "within budget"
    worst = ""
    if report.worst is not None:
        worst_share = report.worst.total / report.budget_usd * 100
        worst = f"; the worst month {worst_share:.0f} %"
        worst += " (over: advisory)" if report.worst_over_budget else ""
    return (
        f"Budget (budget.monthlyUsd): {_usd(report.budget_usd)}; the expected month is "
        f"{share:.0f} % of it ({verdict}){worst}"
    )


def _assumed(estimate: Estimate) -> str:
    return ", ".join(
        f"{key} {value:,.12g}" for key, value in estimate.usage.items() if value is not None
    )


def _wrapped(prefix: str, text: str, indent: str = "    ") -> list[str]:
    return textwrap.wrap(
        text, WIDTH, initial_indent=prefix, subsequent_indent=indent, break_on_hyphens=False
    )


def owners_rows(estimate: Estimate) -> list[str]:
    """One row per owners' figure: the services' total beside the range, and the verdict."""
    rows = []
    for figure in OWNERS_FIGURES:
        total = figure.total(estimate)
        verdict = figure.verdict(estimate)
        services = " + ".join(figure.services)
        rows.append(
            f"    {services[:36]:<36} {total:>10,.2f}  {figure.label} {figure.range}: {verdict}"
        )
        if verdict == "over, explained":
            rest = total - figure.explained(estimate)
            kept = ", ".join(b.item for b in figure.beyond)
            rows += _wrapped(
                "      ",
                f"{rest:,.2f} without the lines kept on purpose ({kept}; docs/cost.md)",
                "      ",
            )
    return rows


def _free_tier_lines(uses: list[FreeTierUse]) -> list[str]:
    uses = [use for use in uses if use.usd >= SMALL_USD]
    if not uses:
        return ["  Free tiers: none of the always-free allowances applies"]
    total = sum(use.usd for use in uses)
    parts = "; ".join(f"{use.tier.what} -{_usd(use.usd)}" for use in uses)
    return _wrapped(
        "  ",
        f"Free tiers (account-wide, shared with every stack in the account, so NOT subtracted "
        f"above): up to -{_usd(total)} a month if nothing else uses them: {parts}",
    )


def render_cost_text(report: CostReport) -> list[str]:
    """The preview's closing section: components and their lines, the AWS services beside the
    owners' figures, the three months, the free tiers, the budget: all within 100 columns."""
    estimate = report.estimate
    money = 10
    lines = _wrapped(
        "",
        f"Monthly cost estimate, expected month (USD; {estimate.region} on-demand prices as "
        f"known on {estimate.prices_read}, entered from knowledge; docs/cost.md):",
        "  ",
    )
    lines.append(f"  {'component / line':<{LABEL}} {'fixed':>{money}} {'usage':>{money}} "
                 f"{'total':>{money}}")  # fmt: skip
    for component, fixed, usage in estimate.by_component():
        lines.append(
            f"  {component[:LABEL]:<{LABEL}} {fixed:>{money},.2f} {usage:>{money},.2f} "
            f"{fixed + usage:>{money},.2f}"
        )
        small = 0
        for line in estimate.lines:
            if line.component != component:
                continue
            if line.monthly_usd < SMALL_USD:
                small += 1
                continue
            column = f"{line.monthly_usd:>{money},.2f} {'':>{money}}"
            if line.kind == "usage":
                column = f"{'':>{money}} {line.monthly_usd:>{money},.2f}"
            label = f"{line.resource}: {line.item}"
            if len(label) > LABEL - 2:
                label = label[: LABEL - 3] + "~"
            lines.append(f"    {label:<{LABEL - 2}} {column}")
        if small:
            lines.append(f"    ({small} line(s) under half a cent)")
    lines.append(
        f"  {'TOTAL (expected month)':<{LABEL}} {estimate.total_of('fixed'):>{money},.2f} "
        f"{estimate.total_of('usage'):>{money},.2f} {estimate.total:>{money},.2f}"
    )
    lines.append("  By AWS service as the bill (Cost Explorer) names it, expected month:")
    by_service = estimate.by_category()
    for service in sorted(by_service, key=lambda name: -by_service[name]):
        lines.append(f"    {service:<54} {by_service[service]:>10,.2f}")
    lines.append('  The owners\' figures (seed-notes "Cost") beside the same services:')
    lines += owners_rows(estimate)
    lines.append("  Months:")
    for scenario, month in report.scenarios():
        lines.append(f"    {scenario.title[:52]:<52} {month.total:>10,.2f}{_share(report, month)}")
    lines += _free_tier_lines(free_tier_uses(estimate))
    lines += _wrapped("  ", _budget_line(report))
    lines += _wrapped("  ", f"Usage assumed (perfcheck:usage): {_assumed(estimate)}")
    notes = [f"[not priced] {item}" for item in estimate.unpriced]
    for month in (report.worst, report.year3):
        if month is not None:
            notes += [f"[not priced, {month.scenario.name}] {u}" for u in month.unpriced]
    notes += [f"[note] {note}" for note in estimate.notes]
    for note in dict.fromkeys(notes):
        lines += _wrapped("  ", note)
    return lines


def render_cost_markdown(report: CostReport) -> list[str]:
    estimate = report.estimate
    months = ", ".join(f"{s.title} {_usd(m.total)}" for s, m in report.scenarios())
    lines = [
        "",
        f"**Monthly cost estimate: {_usd(estimate.total)}** "
        f"(fixed {_usd(estimate.total_of('fixed'))}, usage {_usd(estimate.total_of('usage'))}). "
        f"{_budget_line(report)}. Months: {months}.",
        "",
        "<details><summary>Cost by component and by AWS service</summary>",
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
        "| AWS service (Cost Explorer) | Expected month | Owners' figure |",
        "| --- | ---: | --- |",
    ]
    owned = {figure.services: figure for figure in OWNERS_FIGURES}
    for services, figure in owned.items():
        lines.append(
            f"| {' + '.join(services)} | {figure.total(estimate):,.2f} | {figure.label} "
            f"{figure.range}: {figure.verdict(estimate)} |"
        )
    shown = {service for services in owned for service in services}
    for service, usd in sorted(estimate.by_category().items(), key=lambda kv: -kv[1]):
        if service not in shown:
            lines.append(f"| {service} | {usd:,.2f} | |")
    uses = free_tier_uses(estimate)
    lines += [
        "",
        f"Free tiers (account-wide, not subtracted): up to -{_usd(sum(u.usd for u in uses))} "
        "a month if nothing else in the account uses them.",
        "",
        f"USD a month, {estimate.region} on-demand prices as known on {estimate.prices_read}; "
        f"usage assumed: {_assumed(estimate)}.",
    ]
    lines += [f"- not priced: {item}" for item in estimate.unpriced]
    lines += ["", "</details>", ""]
    return lines


def cost_json(report: CostReport) -> dict[str, Any]:
    uses = free_tier_uses(report.estimate)
    return {
        **report.estimate.as_dict(),
        "budgetUsd": report.budget_usd,
        "overBudget": report.over_budget,
        "months": {s.name: round(m.total, 2) for s, m in report.scenarios()},
        "worstOverBudget": report.worst_over_budget,
        "freeTiers": {u.tier.name: round(u.usd, 2) for u in uses},
        "owners": {
            f.label: {
                "range": [f.low, f.high],
                "usd": round(f.total(report.estimate), 2),
                "verdict": f.verdict(report.estimate),
            }
            for f in OWNERS_FIGURES
        },
    }


def snapshot(runs: Sequence[StackRun]) -> dict[str, Any]:
    """Per-stack totals of the committed snapshot (docs/cost-estimate.json)."""
    result: dict[str, Any] = {}
    for run in runs:
        report = cost_report(run)
        result[run.stack] = {
            "monthlyUsd": round(report.estimate.total, 2),
            "months": {s.name: round(m.total, 2) for s, m in report.scenarios()},
            "freeTierUsd": round(sum(u.usd for u in free_tier_uses(report.estimate)), 2),
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


def _owners_cell(service: str) -> str:
    for figure in OWNERS_FIGURES:
        if figure.services[0] == service:
            return f"{figure.label} {figure.range}" + (
                f" (with {' + '.join(figure.services[1:])})" if len(figure.services) > 1 else ""
            )
    return ""


def stacks_table(document: dict[str, Any]) -> str:
    """docs/cost.md's table: each stack's estimate per AWS service, the months and budget."""
    stacks = [stack for stack in DOC_STACKS if stack in document]
    lines = [
        "| AWS service (Cost Explorer) | " + " | ".join(stacks)
        + ' | owners\' figure (seed-notes "Cost") |',
        "| --- | " + " | ".join("---:" for _ in stacks) + " | --- |",
    ]  # fmt: skip
    for service in CATEGORIES:
        cells = [_money(document[s].get("categories", {}).get(service, 0.0)) for s in stacks]
        lines.append(f"| {service} | " + " | ".join(cells) + f" | {_owners_cell(service)} |")
    totals = [f"**{_money(document[s]['monthlyUsd'])}**" for s in stacks]
    lines.append("| **expected month** | " + " | ".join(totals) + " | |")
    for name, label in (("worst", "worst month"), ("year3", "a month in year 3")):
        cells = [_money(document[s].get("months", {}).get(name)) for s in stacks]
        lines.append(f"| {label} | " + " | ".join(cells) + " | |")
    free = [_money(document[s].get("freeTierUsd")) for s in stacks]
    lines.append("| free tiers (account-wide, not subtracted) | " + " | ".join(free) + " | |")
    budgets = [_money(document[s]["budgetUsd"]) for s in stacks]
    lines.append("| budget (`budget.monthlyUsd`) | " + " | ".join(budgets) + " | |")
    return "\n".join(lines) + "\n"


def readme_rows(document: dict[str, Any]) -> list[str]:
    """README's two estimate rows in its 'How the stacks differ' table (staging | prod)."""
    stacks = [document[stack] for stack in DOC_STACKS]

    def split(stack: dict[str, Any]) -> str:
        categories = stack.get("categories", {})
        parts = (
            _money(sum(categories.get(service, 0.0) for service in figure.services))
            for figure in OWNERS_FIGURES
        )
        return " / ".join(parts)

    def months(stack: dict[str, Any]) -> str:
        found = stack.get("months", {})
        return (
            f"{_money(stack['monthlyUsd'])} (worst {_money(found.get('worst'))}, "
            f"year 3 {_money(found.get('year3'))})"
        )

    owners = " / ".join(figure.range for figure in OWNERS_FIGURES)
    return [
        "| Monthly estimate (docs/cost.md) | "
        + " | ".join(months(stack) for stack in stacks)
        + " |",
        "| of which database / cache / CloudWatch+X-Ray | "
        + f"{split(stacks[0])} | {split(stacks[1])} (owners: {owners}) |",
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
            f"{path.relative_to(ROOT)} is stale: run `make regen` (or this with --write)\n"
        )
    if stale:
        return 1
    sys.stdout.write("docs/cost-estimate.json, docs/cost.md and README.md figures are current\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
