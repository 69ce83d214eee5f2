"""Every guardrail that judges a task definition's containers fails closed on JSON it cannot read.

Property: a `containerDefinitions` that is not a JSON list of containers is a violation of each
container rule (the provider would refuse it, and a rule that skipped it would pass a task it
never judged); none of them passes it silently. The rules share one wrapper
(type_families.with_containers), so this holds the wrapper and every rule registered through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from tests.policies.builders import replace
from tests.policies.support import run_case, violations
from tools.offline.policy_driver import PolicyReport

CONTAINER_RULES = (
    "ecs-container-non-root-user",
    "ecs-container-read-only-root-filesystem",
    "ecs-depends-on-healthy-has-health-check",
    "ecs-container-logging",
    "ecs-container-not-privileged",
    "ecs-no-credentials-in-environment",
    "ecs-task-images-pinned-by-digest",
)


def _broken_containers(resources: Mapping[str, Any]) -> dict[str, Any]:
    return {"task": replace(resources["task"], containerDefinitions='[{"name": "web",')}


@pytest.fixture(scope="module")
def report() -> PolicyReport:
    return run_case(_broken_containers)


@pytest.mark.parametrize("rule", CONTAINER_RULES)
def test_unreadable_container_json_is_a_violation_of_each_container_rule(
    report: PolicyReport, rule: str
) -> None:
    found = violations(report, rule)
    assert found, f"{rule} passed a task definition whose containers it could not read"
    assert any("not a JSON list of containers" in v.message for v in found), found
