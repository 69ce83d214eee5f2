"""The catalogue of checks: each check names the resource types it judges.

Checks are functions `(record, index) -> Iterable[Finding]`, registered per type token, so a run
visits each resource once and dispatches by type (linear in the number of resources).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from foundation.records import ResourceRecord
from perfcheck_deploy.findings import Finding
from perfcheck_deploy.stack import StackIndex

Check = Callable[[ResourceRecord, StackIndex], Iterable[Finding]]

CHECKS_BY_TYPE: dict[str, list[Check]] = defaultdict(list)
CHECK_IDS: dict[str, str] = {}
"""Every check id with a one-line description of what it guards."""


def describe(check_id: str, description: str) -> str:
    """Declare a check id once, with what it guards; returns the id for use in findings."""
    CHECK_IDS[check_id] = description
    return check_id


def checks(*types: str) -> Callable[[Check], Check]:
    """Register a check for these Pulumi type tokens."""

    def register(func: Check) -> Check:
        for type_token in types:
            CHECKS_BY_TYPE[type_token].append(func)
        return func

    return register
