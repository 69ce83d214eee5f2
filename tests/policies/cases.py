"""The shape of a rule test case (shared by test_policy_rules, bypass_cases and the spelling
fuzz test): a change to the compliant stack and what it must (or must not) produce."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from foundation.records import ResourceRecord
from tests.policies.builders import app_containers, replace

R = Mapping[str, ResourceRecord]
Changes = Callable[[R], dict[str, ResourceRecord | None]]


@dataclass(frozen=True)
class Case:
    policy: str
    id: str
    changes: Changes
    resource: str  # name of the resource the violation must name ("" for the stack)
    fragment: str  # text the message must contain (the property, what was found)
    level: str = "mandatory"
    stack: str = "prod"


@dataclass(frozen=True)
class Variant:
    policy: str
    id: str
    changes: Changes


def task(r: R, mutate: Callable[[list[dict[str, Any]]], None], **inputs: Any) -> dict[str, Any]:
    containers = app_containers()
    mutate(containers)
    return {"task": replace(r["task"], containerDefinitions=json.dumps(containers), **inputs)}


def by_name(containers: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(c for c in containers if c["name"] == name)
