"""iam-policy-size at IAM's quotas exactly: a document of the quota's size passes, one more
character is a finding, and white space is not counted (IAM User Guide, "IAM and AWS STS quotas").
"""

from __future__ import annotations

import json

import pytest
from perfcheck_deploy import iam

from foundation.aws_limits import (
    IAM_MANAGED_POLICY_MAX_CHARS,
    IAM_TRUST_POLICY_MAX_CHARS,
    iam_policy_size,
)
from foundation.records import ResourceRecord
from foundation.stackmodel import UNKNOWN

RECORD = ResourceRecord("urn:x", iam.MANAGED_POLICY, "p", True, {}, {})


def document_of_size(size: int) -> str:
    """A policy document of exactly `size` characters without white space (and some white
    space, which must not count)."""
    empty = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": ""}]}, indent=2)
    padding = size - iam_policy_size(empty)
    text = empty.replace('"Sid": ""', f'"Sid": "{"a" * padding}"')
    assert iam_policy_size(text) == size
    return text


@pytest.mark.parametrize("quota", [IAM_TRUST_POLICY_MAX_CHARS, IAM_MANAGED_POLICY_MAX_CHARS])
def test_a_document_at_the_quota_passes_and_one_more_character_does_not(quota: int) -> None:
    at = iam._known_size(document_of_size(quota))
    over = iam._known_size(document_of_size(quota + 1))
    assert list(iam._over_quota(RECORD, "policy", "the policy", at, quota)) == []
    (finding,) = iam._over_quota(RECORD, "policy", "the policy", over, quota)
    assert finding.check_id == iam.SIZE_ID and str(quota) in finding.aws_says


def test_an_unknown_document_adds_nothing_and_a_structured_one_is_measured() -> None:
    assert iam._known_size(UNKNOWN) == 0 and iam._known_size(None) == 0
    assert iam._known_size({"Version": "2012-10-17"}) == len('{"Version":"2012-10-17"}')


def test_a_roles_inline_quota_counts_the_role_policies_on_it_and_no_others() -> None:
    """The inline quota is per role: its inlinePolicies plus every RolePolicy naming it (found
    once per stack), never a RolePolicy on another role."""
    from foundation.aws_limits import IAM_ROLE_INLINE_POLICIES_MAX_CHARS as QUOTA
    from foundation.records import StackRun, stack_index

    half = QUOTA // 2

    def role(name: str) -> ResourceRecord:
        inline = [{"name": "own", "policy": document_of_size(half)}]
        outputs = {"name": name, "arn": f"arn:aws:iam::1:role/{name}", "id": name}
        return ResourceRecord(
            f"urn:{name}", iam.ROLE, name, True, {"inlinePolicies": inline}, outputs
        )

    def attached(name: str, role_name: str, size: int) -> ResourceRecord:
        inputs = {"role": role_name, "policy": document_of_size(size)}
        return ResourceRecord(f"urn:{name}", iam.ROLE_POLICY, name, True, inputs, {})

    roles = [role("a"), role("b")]
    extra = [attached("on-a", "a", half + 1), attached("on-b", "b", half)]
    index = stack_index(StackRun("s", "p", (*roles, *extra), {}))
    sizes = {
        r.name: [f.property_path for f in iam.check_role(r, index) if f.check_id == iam.SIZE_ID]
        for r in roles
    }
    assert sizes == {"a": ["inlinePolicies"], "b": []}
