"""The cost part of the pull-request comment: both stacks' totals and the change from the base.

Standard library only, so the comment job runs it with the runner's `python3` and no virtualenv:
it reads the head's offline-preview JSON files (`<dir>/offline-<stack>.json`, key `cost`) and the
base branch's committed totals (docs/cost-estimate.json at the base commit; `python -m
tools.offline.cost --write` keeps it current and a test fails when it is stale).

Usage: python3 tools/offline/cost_diff.py --previews DIR --base FILE [--stacks staging prod]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

STACKS = ("staging", "prod")


def _usd(value: float | None) -> str:
    return "n/a" if value is None else f"${value:,.2f}"


def _change(head: float | None, base: float | None) -> str:
    if head is None or base is None:
        return "n/a"
    delta = head - base
    if abs(delta) < 0.005:
        return "no change"
    percent = f" ({delta / base * 100:+.1f} %)" if base else ""
    return f"{'+' if delta > 0 else '-'}${abs(delta):,.2f}{percent}"


def head_costs(previews: Path, stacks: Sequence[str]) -> dict[str, Mapping[str, Any] | None]:
    """Each stack's `cost` section from its offline-preview JSON (None when it is missing)."""
    result: dict[str, Mapping[str, Any] | None] = {}
    for stack in stacks:
        path = previews / f"offline-{stack}.json"
        try:
            result[stack] = json.loads(path.read_text()).get("cost")
        except (OSError, ValueError):
            result[stack] = None
    return result


def render(
    head: Mapping[str, Mapping[str, Any] | None],
    base: Mapping[str, Any] | None,
) -> str:
    """The Markdown table: per stack, base total, this branch's total, difference, budget."""
    title = "Monthly cost estimate" + (f": {next(iter(head))}" if len(head) == 1 else "")
    lines = [
        f"#### {title}",
        "",
        "| Stack | Base branch | This pull request | Difference | Budget | Worst month |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    details: list[str] = []
    for stack, cost in head.items():
        base_stack = (base or {}).get(stack) or {}
        base_total = base_stack.get("monthlyUsd")
        if cost is None:
            lines.append(
                f"| {stack} | {_usd(base_total)} | no estimate (preview failed) | n/a | | |"
            )
            continue
        total = cost.get("monthlyUsd")
        budget = cost.get("budgetUsd")
        flag = " :x: over budget" if cost.get("overBudget") else ""
        worst = (cost.get("months") or {}).get("worst")
        warn = " :warning: over budget" if cost.get("worstOverBudget") else ""
        lines.append(
            f"| {stack} | {_usd(base_total)} | {_usd(total)} | {_change(total, base_total)} "
            f"| {_usd(budget)}{flag} | {_usd(worst)}{warn} |"
        )
        base_components = base_stack.get("components") or {}
        for component in cost.get("components") or []:
            name, now = component["component"], component["monthlyUsd"]
            before = base_components.get(name)
            if before is None or abs(now - before) >= 0.005:
                details.append(
                    f"| {stack} | {name} | {_usd(before)} | {_usd(now)} | {_change(now, before)} |"
                )
        for name in sorted(
            set(base_components) - {c["component"] for c in cost.get("components") or []}
        ):
            details.append(f"| {stack} | {name} | {_usd(base_components[name])} | removed | |")
    if base is None:
        lines += ["", "The base branch has no docs/cost-estimate.json: no difference to show."]
    if details:
        lines += [
            "",
            "<details><summary>Components that changed</summary>",
            "",
            "| Stack | Component | Base | This pull request | Difference |",
            "| --- | --- | ---: | ---: | ---: |",
            *details,
            "",
            "</details>",
        ]
    lines += [
        "",
        "On-demand list prices and the stacks' usage assumptions (docs/cost.md); not a bill.",
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--previews", type=Path, required=True, help="offline-<stack>.json dir")
    parser.add_argument("--base", type=Path, help="the base branch's docs/cost-estimate.json")
    parser.add_argument("--stacks", nargs="+", default=list(STACKS))
    args = parser.parse_args(argv)
    base: Mapping[str, Any] | None = None
    if args.base is not None and args.base.is_file():
        try:
            base = json.loads(args.base.read_text())
        except ValueError:
            base = None
    sys.stdout.write(render(head_costs(args.previews, args.stacks), base))
    return 0


if __name__ == "__main__":
    sys.exit(main())
