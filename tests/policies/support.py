"""Shared helpers for the policy tests: run the packs through the driver, pick findings.

(Not a conftest.py: tests/ has no __init__.py, and a second conftest module would clash with
tests/conftest.py under pytest's default import mode.)
"""

from __future__ import annotations

import functools
import json
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from foundation.records import ResourceRecord
from tests.policies.builders import compliant_resources, compliant_stack
from tools.offline.policy_driver import (
    CONFIG_DIR,
    PolicyReport,
    PolicyViolation,
    evaluate_packs,
)

Changes = Callable[[Mapping[str, ResourceRecord]], Mapping[str, ResourceRecord | None]]


def synthetic_config(stack: str, pack: str) -> dict[str, Any]:
    """The stack's policy config without its exemptions: those are bound to the real stack's
    resources, which the synthetic stack does not have (they would be reported as stale)."""
    config = json.loads((CONFIG_DIR / f"{stack}.{pack}.json").read_text())
    # Reviewed types are the real stack's too: keep those the synthetic stack registers (the
    # rest would be reported as stale), and leave their list out of the report (a note).
    reviewed = config.get("resource-type-judged")
    if isinstance(reviewed, dict) and reviewed.get("reviewedTypes"):
        present = {r.type for r in compliant_resources(stack).values()}
        reviewed["reviewedTypes"] = [e for e in reviewed["reviewedTypes"] if e["type"] in present]
        reviewed["listReviewedTypes"] = False
    for name, entry in list(config.items()):
        if isinstance(entry, dict) and "exemptions" in entry:
            entry = {k: v for k, v in entry.items() if k != "exemptions"}
            config[name] = entry if len(entry) > 1 else entry.get("enforcementLevel", entry)
    return config


@functools.cache
def synthetic_config_dir() -> Path:
    directory = Path(tempfile.mkdtemp(prefix="perfcheck-policy-config-"))
    for stack in ("staging", "prod"):
        for pack in ("guardrails", "cost"):
            (directory / f"{stack}.{pack}.json").write_text(
                json.dumps(synthetic_config(stack, pack))
            )
    return directory


def run_case(
    changes: Changes | None = None,
    stack: str = "prod",
    config_dir: Path | None = None,
) -> PolicyReport:
    """Evaluate both packs on the compliant stack with `changes(resources)` applied."""
    resources = compliant_resources(stack)
    applied = dict(changes(resources)) if changes else {}
    return evaluate_packs(
        compliant_stack(stack, **applied), stack, config_dir or synthetic_config_dir()
    )


def violations(report: PolicyReport, policy: str) -> list[PolicyViolation]:
    return report.for_policy(policy)


def messages(report: PolicyReport) -> list[str]:
    everything: list[Any] = [
        *report.violations,
        *report.exemptions,
        *report.diagnostics,
        *report.not_applicable,
    ]
    return [item.message for item in everything]


@functools.cache
def compliant_report(stack: str) -> PolicyReport:
    """The compliant stack under the stack's own config (computed once per session)."""
    return run_case(stack=stack)
