"""Every trust condition of every role the program creates is on a key its principal sends.

Property (review F7): a service assumes a role with a request that carries only the keys the
service puts in it; a trust condition on any other key is false, so the role can never be
assumed (a certain failure at the first task start, rotation or proxy connection). Each key of
each trust condition must therefore be one AWS documents for that principal, in
foundation/aws_limits.py `TRUST_CONDITION_KEYS`, which names the page. A principal not in the
table fails the test (what is not known to work is not assumed to), and docs/security.md, where
an auditor looks, cites the same page for each principal.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from foundation import iampolicy
from foundation.aws_limits import TRUST_CONDITION_KEYS, undocumented_trust_keys
from tools.offline.runner import cached_run

ROOT = Path(__file__).resolve().parents[1]
STACKS = ("staging", "prod", "prod-dr")


def trust_problems(role: str, document: Any) -> list[str]:
    """What in one trust policy a principal is not documented to send (or cannot be read)."""
    try:
        parsed = iampolicy.parse_policy(document)
    except iampolicy.PolicyDocumentError:
        parsed = None
    if not isinstance(parsed, iampolicy.PolicyDocument) or not parsed.statements:
        return [f"{role}: trust policy not readable"]
    problems = []
    for statement in parsed.statements:
        principals = [*statement.principals("Service"), *statement.principals("Federated")]
        if not principals:
            problems.append(f"{role}: statement {statement.label} names no service principal")
        keys = set(statement.condition_keys)
        for principal in principals:
            if principal not in TRUST_CONDITION_KEYS:
                problems.append(f"{role}: {principal} is not in TRUST_CONDITION_KEYS")
            for key in sorted(undocumented_trust_keys(principal, keys)):
                problems.append(f"{role}: {principal} is not documented to send {key}")
    return problems


@pytest.mark.parametrize("stack", STACKS)
def test_every_trust_condition_key_is_one_the_principal_sends(stack: str) -> None:
    roles = [r for r in cached_run(stack).resources if r.type == "aws:iam/role:Role"]
    assert roles
    problems = [p for r in roles for p in trust_problems(r.name, r.inputs["assumeRolePolicy"])]
    assert problems == []


def _trust(principal: str, kind: str = "Service", **condition: str) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {kind: principal},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = {"StringEquals": condition}
    return {"Version": "2012-10-17", "Statement": [statement]}


@pytest.mark.parametrize(
    ("document", "seen"),
    [
        (_trust("lambda.amazonaws.com", **{"aws:SourceAccount": "1"}), "aws:sourceaccount"),
        (_trust("rds.amazonaws.com", **{"aws:SourceArn": "arn:aws:rds:x"}), "aws:sourcearn"),
        (_trust("ecs.amazonaws.com", **{"aws:SourceAccount": "1"}), "aws:sourceaccount"),
        (_trust("monitoring.rds.amazonaws.com", **{"aws:PrincipalOrgID": "o-1"}), "principalorg"),
        (_trust("glue.amazonaws.com"), "not in TRUST_CONDITION_KEYS"),
        (_trust("glue.amazonaws.com", **{"aws:SourceAccount": "1"}), "not documented to send"),
        (_trust("arn:aws:iam::1:root", kind="AWS"), "names no service principal"),
        ("not json", "not readable"),
    ],
)
def test_the_check_sees_a_key_the_service_does_not_send(document: Any, seen: str) -> None:
    assert [p for p in trust_problems("r", document) if seen.lower() in p.lower()], document


def test_documented_keys_pass() -> None:
    for principal, (keys, _) in TRUST_CONDITION_KEYS.items():
        condition = dict.fromkeys(keys, "x")
        assert trust_problems("r", _trust(principal, **condition)) == [], principal


def test_the_auditors_table_cites_the_same_page_for_each_principal() -> None:
    text = (ROOT / "docs" / "security.md").read_text()
    section = text[text.index("## Trust conditions") :].split("\n## ")[0]
    for principal, (_, source) in TRUST_CONDITION_KEYS.items():
        (url, *_) = re.findall(r"https://[^\s)]+", source)
        assert f"`{principal}`" in section and url in section, principal
