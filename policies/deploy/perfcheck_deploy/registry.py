"""The catalogue of checks: each check names the resource types it judges.

Checks are functions `(record, index) -> Iterable[Finding]`, registered per type token, so a run
visits each resource once and dispatches by type (linear in the number of resources).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Callable, Iterable

from foundation.records import ResourceRecord
from perfcheck_deploy.findings import Finding
from perfcheck_deploy.stack import StackIndex

Check = Callable[[ResourceRecord, StackIndex], Iterable[Finding]]

CHECKS_BY_TYPE: dict[str, list[Check]] = defaultdict(list)
CHECK_IDS: dict[str, str] = {}
"""Every check id with a one-line description of what it guards."""
CHECK_MODULE: dict[str, str] = {}
"""Every check id with the module that declares it (whose checks produce its findings)."""
TYPES_BY_MODULE: dict[str, set[str]] = defaultdict(set)
"""The type tokens each module's checks judge (a rule's `resource_types`)."""


def describe(check_id: str, description: str) -> str:
    """Declare a check id once, with what it guards; returns the id for use in findings."""
    CHECK_IDS[check_id] = description
    CHECK_MODULE[check_id] = sys._getframe(1).f_globals.get("__name__", "")
    return check_id


def types_of(check_id: str) -> frozenset[str]:
    """The type tokens whose checks can report `check_id` (those of its declaring module)."""
    return frozenset(TYPES_BY_MODULE.get(CHECK_MODULE.get(check_id, ""), ()))


def checks(*types: str) -> Callable[[Check], Check]:
    """Register a check for these Pulumi type tokens."""

    def register(func: Check) -> Check:
        for type_token in types:
            CHECKS_BY_TYPE[type_token].append(func)
            TYPES_BY_MODULE[func.__module__].add(type_token)
        return func

    return register
