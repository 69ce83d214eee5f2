"""Security group and rule descriptions use only the characters EC2 accepts.

CreateSecurityGroup and AuthorizeSecurityGroupIngress/Egress refuse a description with any other
character (`InvalidParameterValue: Invalid security group description`); the rule is in the EC2
API reference for GroupDescription and IpRange/UserIdGroupPair Description, not in botocore's
model, so it is written here. An apostrophe is the usual culprit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from foundation.records import ResourceRecord
from perfcheck_deploy.findings import Finding, finding
from perfcheck_deploy.registry import checks, describe
from perfcheck_deploy.stack import StackIndex, is_unknown

ALLOWED = re.compile(r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*")
MAX_LENGTH = 255

DESCRIPTION_ID = describe(
    "ec2-description-characters",
    "security group and rule descriptions use only a-zA-Z0-9, spaces and ._-:/()#,@[]+=&;{}!$*",
)


def _problem(path: str, value: Any, record: ResourceRecord) -> Finding | None:
    if not isinstance(value, str) or is_unknown(value):
        return None
    bad = sorted({c for c in value if not ALLOWED.fullmatch(c)})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        return finding(
            DESCRIPTION_ID,
            record,
            path,
            f"InvalidParameterValue: Invalid security group description (characters {shown}).",
            "Use only letters, digits, spaces and ._-:/()#,@[]+=&;{}!$* in the description.",
        )
    if len(value) > MAX_LENGTH:
        return finding(
            DESCRIPTION_ID,
            record,
            path,
            f"InvalidParameterValue: the description is {len(value)} characters; at most 255.",
            "Shorten the description to 255 characters.",
        )
    return None


@checks(
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
)
def description_characters(record: ResourceRecord, index: StackIndex) -> Iterator[Finding]:
    inputs = index.inputs(record)
    candidates: list[tuple[str, Any]] = [("description", inputs.get("description"))]
    for direction in ("ingress", "egress"):
        rules = inputs.get(direction)
        if isinstance(rules, list):
            candidates += [
                (f"{direction}[{i}].description", rule.get("description"))
                for i, rule in enumerate(rules)
                if isinstance(rule, dict)
            ]
    for path, value in candidates:
        problem = _problem(path, value, record)
        if problem is not None:
            yield problem
