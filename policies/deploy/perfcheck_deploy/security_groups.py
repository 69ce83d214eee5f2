"""Security group rules reference security groups that this stack creates.

A rule that names a group by a literal id, or by the id of a group nobody creates, fails with
InvalidGroup.NotFound at `pulumi up` (or, worse, opens a port to a group in another stack). A
reference counts as "in the stack" when it equals the id output of a security group here, or when
the engine recorded the property as computed from one (property dependencies). Every way of
writing a permission is read through the one model, foundation.sgrules.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from foundation import sgrules
from foundation.records import ResourceRecord
from perfcheck_deploy.findings import Finding, finding
from perfcheck_deploy.registry import checks, describe
from perfcheck_deploy.stack import StackIndex, is_unknown

REFERENCE_ID = describe(
    "sg-reference", "security group rules reference security groups created in this stack"
)


def _in_stack(record: ResourceRecord, index: StackIndex, prop: str, value: Any) -> bool:
    if index.find(value, sgrules.SECURITY_GROUPS) is not None:
        return True
    return bool(index.unrecorded_dependencies(record, prop, sgrules.SECURITY_GROUPS))


def _literal(value: Any) -> bool:
    return isinstance(value, str) and not is_unknown(value)


@checks(sgrules.SECURITY_GROUP, *sgrules.RULE_TYPES)
def check_references(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    """Each group a permission belongs to or names (foundation.sgrules) is one of this stack's."""
    judged: set[str] = set()
    for permission in sgrules.rules_of(index, record):
        references = [(permission.path, permission.dependency_prop, permission.peer)]
        if permission.owner_prop is not None:
            references.insert(
                0, (permission.owner_prop, permission.owner_prop, permission.owner_value)
            )
        for path, prop, value in references:
            if path in judged or (
                path != permission.owner_prop and permission.peer_kind != sgrules.GROUP
            ):
                continue
            judged.add(path)
            if _literal(value) and not _in_stack(record, index, prop, value):
                yield finding(
                    REFERENCE_ID,
                    record,
                    path,
                    f"InvalidGroup.NotFound: The security group '{value}' does not exist in this "
                    "stack.",
                    "Pass the .id of a security group created in this stack instead of a "
                    "literal id.",
                )
