"""Shared helpers for the policy tests: run the packs through the driver, pick findings.

(Not a conftest.py: tests/ has no __init__.py, and a second conftest module would clash with
tests/conftest.py under pytest's default import mode.)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from foundation.records import ResourceRecord
from tests.policies.builders import compliant_resources, compliant_stack
from tools.offline.policy_driver import PolicyReport, PolicyViolation, evaluate_packs

Changes = Callable[[Mapping[str, ResourceRecord]], Mapping[str, ResourceRecord | None]]


def run_case(
    changes: Changes | None = None,
    stack: str = "prod",
    config_dir: Path | None = None,
) -> PolicyReport:
    """Evaluate both packs on the compliant stack with `changes(resources)` applied."""
    resources = compliant_resources(stack)
    applied = dict(changes(resources)) if changes else {}
    return evaluate_packs(compliant_stack(stack, **applied), stack, config_dir)


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
