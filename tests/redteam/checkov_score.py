"""Score checkov on the plans tfplan wrote: `python -m tests.redteam.checkov_score PLANS REPORT`.

PLANS is tfplan's output directory (`bad__<name>.json` / `good__<name>.json`), REPORT checkov's
JSON (`checkov -d PLANS --framework terraform_plan -o json --quiet > REPORT`; checkov 3.3.30 in
a virtualenv of its own: its pins conflict with the project's). A program counts as caught
(bad) or flagged (good) when any check fails on its plan, so checkov's figure is generous.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def failed_plans(report: object) -> set[str]:
    runs = report if isinstance(report, list) else [report]
    return {
        Path(check["file_path"]).stem
        for run in runs
        if isinstance(run, dict)
        for check in run.get("results", {}).get("failed_checks", [])
    }


def main(argv: list[str]) -> int:
    plans, report = Path(argv[0]), Path(argv[1])
    failed = failed_plans(json.loads(report.read_text()))
    names = [p.stem for p in plans.glob("*.json")]
    bad = [n for n in names if n.startswith("bad__")]
    good = [n for n in names if n.startswith("good__")]
    caught = sum(n in failed for n in bad)
    flagged = sum(n in failed for n in good)
    print(f"checkov: bad caught {caught}/{len(bad)}; good flagged {flagged}/{len(good)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
