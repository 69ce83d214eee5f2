"""Security group rules reference security groups that this stack creates.

A rule that names a group by a literal id, or by the id of a group nobody creates, fails with
InvalidGroup.NotFound at `pulumi up` (or, worse, opens a port to a group in another stack). A
reference counts as "in the stack" when it equals the id output of a security group here, or when
the engine recorded the property as computed from one (property dependencies).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from foundation.records import ResourceRecord
from perfcheck_deploy.findings import Finding, finding
from perfcheck_deploy.registry import checks, describe
from perfcheck_deploy.stack import StackIndex, is_unknown

SECURITY_GROUPS = (
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
)
RULE_REFERENCES = {
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (
        "securityGroupId",
        "referencedSecurityGroupId",
    ),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (
        "securityGroupId",
        "referencedSecurityGroupId",
    ),
    "aws:ec2/securityGroupRule:SecurityGroupRule": ("securityGroupId", "sourceSecurityGroupId"),
}

REFERENCE_ID = describe(
    "sg-reference", "security group rules reference security groups created in this stack"
)


def _in_stack(record: ResourceRecord, index: StackIndex, prop: str, value: Any) -> bool:
    if index.find(value, SECURITY_GROUPS) is not None:
        return True
    return bool(index.unrecorded_dependencies(record, prop, SECURITY_GROUPS))


def _missing(record: ResourceRecord, path: str, value: str) -> Finding:
    return finding(
        REFERENCE_ID,
        record,
        path,
        f"InvalidGroup.NotFound: The security group '{value}' does not exist in this stack.",
        "Pass the .id of a security group created in this stack instead of a literal id.",
    )


@checks(*RULE_REFERENCES)
def check_rule(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    inputs = index.inputs(record)
    for prop in RULE_REFERENCES[record.type]:
        value = inputs.get(prop)
        if not isinstance(value, str) or not value or is_unknown(value):
            continue
        if not _in_stack(record, index, prop, value):
            yield _missing(record, prop, value)


@checks("aws:ec2/securityGroup:SecurityGroup")
def check_inline_rules(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    inputs = index.inputs(record)
    own_id = record.outputs.get("id")
    for prop in ("ingress", "egress"):
        rules = inputs.get(prop)
        if not isinstance(rules, list):
            continue
        for position, rule in enumerate(rules):
            groups = rule.get("securityGroups") if isinstance(rule, Mapping) else None
            if not isinstance(groups, list):
                continue
            for group_index, value in enumerate(groups):
                if not isinstance(value, str) or is_unknown(value) or value == own_id:
                    continue
                if not _in_stack(record, index, prop, value):
                    yield _missing(
                        record, f"{prop}[{position}].securityGroups[{group_index}]", value
                    )
