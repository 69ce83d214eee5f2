"""What the RDS and ElastiCache checks read alike: a parameter group's family, and a daily
backup/snapshot window beside the weekly maintenance window (one reading, so the two services
cannot drift apart)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from foundation.records import ResourceRecord
from foundation.windows import WINDOW_FIX, window_pair_problems
from perfcheck_deploy.findings import Finding, finding
from perfcheck_deploy.stack import StackIndex, is_unknown, text


def referenced_family(
    record: ResourceRecord,
    index: StackIndex,
    group_ref: Any,
    group_type: str,
    default_family: Callable[[str], str],
) -> str | None:
    """The family of the parameter group `group_ref` names: a group of this stack (by reference
    or by name), or an AWS default group (`default.<family>...`); None when not known."""
    group = index.resolve(record, "parameterGroupName", group_ref, (group_type,))
    if group is None:
        group = next(
            (g for g in index.of_type(group_type) if index.inputs(g).get("name") == group_ref),
            None,
        )
    if group is not None:
        family = index.inputs(group).get("family")
        return family if isinstance(family, str) and not is_unknown(family) else None
    if isinstance(group_ref, str) and group_ref.startswith("default."):
        return default_family(group_ref.removeprefix("default."))
    return None


def window_findings(
    check_id: str,
    record: ResourceRecord,
    inputs: Mapping[str, Any],
    daily_key: str,
    daily_minimum: int,
    weekly_minimum: int,
) -> Iterator[Finding]:
    """The daily window at `daily_key` and `maintenanceWindow`, each and together, as AWS
    refuses them."""
    for key, problem in window_pair_problems(
        daily_key,
        text(inputs.get(daily_key)),
        daily_minimum,
        text(inputs.get("maintenanceWindow")),
        weekly_minimum,
    ):
        yield finding(
            check_id, record, key, f"InvalidParameterValue: {key}: {problem}.", WINDOW_FIX
        )
