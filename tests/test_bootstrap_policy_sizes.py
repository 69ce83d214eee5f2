"""Every IAM document deploy/bootstrap.sh sends fits IAM's size quotas, as it will be sent.

Property: CreateRole, PutRolePolicy and CreatePolicy refuse a document over IAM's quota
(LimitExceeded / MalformedPolicyDocument), so a deploy policy that grew past it would stop the
first deploy at the bootstrap. The documents are measured after the script filled their
placeholders, with the longest repository name GitHub allows, and the inline policies of one
role are summed (the quota is per role). Sizes are counted as IAM counts them (no white space).
"""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from foundation.aws_limits import (
    IAM_MANAGED_POLICY_MAX_CHARS,
    IAM_ROLE_INLINE_POLICIES_MAX_CHARS,
    IAM_TRUST_POLICY_MAX_CHARS,
    iam_policy_size,
)
from tests.test_bootstrap import documents, run_bootstrap

LONGEST_REPOSITORY = f"{'o' * 39}/{'r' * 100}"
"""GitHub: an owner name has at most 39 characters, a repository name at most 100."""


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    code, output, made = run_bootstrap(
        tmp_path_factory.mktemp("sizes"),
        "--repository",
        LONGEST_REPOSITORY,
        "--region",
        "eu-west-1",
        "--state-bucket",
        "acme-pulumi-state",
    )
    assert code == 0, output
    return made


def _size(call: str) -> int:
    (document,) = documents(call)
    return iam_policy_size(json.dumps(document))


def test_each_roles_inline_policies_fit_together(sent: list[str]) -> None:
    per_role: dict[str, int] = defaultdict(int)
    for call in sent:
        if call.startswith("iam put-role-policy"):
            per_role[call.split()[3]] += _size(call)
    assert per_role, "the bootstrap put no inline policy: this test would judge nothing"
    over = {r: n for r, n in per_role.items() if n > IAM_ROLE_INLINE_POLICIES_MAX_CHARS}
    assert over == {}, f"inline policies over {IAM_ROLE_INLINE_POLICIES_MAX_CHARS}: {over}"


def test_each_managed_policy_and_trust_policy_fits(sent: list[str]) -> None:
    managed = [c for c in sent if c.startswith(("iam create-policy ", "iam create-policy-version"))]
    trusts = [c for c in sent if c.startswith("iam create-role")]
    assert managed and trusts, "no boundary or role created: this test would judge nothing"
    for call in managed:
        assert _size(call) <= IAM_MANAGED_POLICY_MAX_CHARS, call.split("FILE")[0]
    for call in trusts:
        assert _size(call) <= IAM_TRUST_POLICY_MAX_CHARS, call.split("FILE")[0]


def test_the_size_is_counted_without_white_space() -> None:
    assert iam_policy_size('{ "a" :\n\t"b" }') == len('{"a":"b"}')


def _longest_name(first: str, zone: str = "example.com") -> str:
    """A 253-character name under `zone` (DNS's limit, which bootstrap.sh also holds), in
    labels of at most 63."""
    labels, room = [], 253 - len(zone) - 1
    while room > 63:
        labels.append(first * 63)
        room -= 64
    return ".".join([*labels, first * room, zone])


def test_the_record_policy_fits_beside_the_deploy_policy_with_the_longest_names(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Property: with the longest domain and origin names the bootstrap accepts, the role's
    inline policies (the Allow statements and the record policy) still fit IAM's quota."""
    from tests.test_deploy_role_records import bootstrap_for, with_domain_path

    def longest(stack: str, config: dict) -> None:
        with_domain_path(stack, config)
        config["perfcheck:cdn"]["domainName"] = _longest_name("d")
        config["perfcheck:service"]["originDomainName"] = _longest_name("o")

    assert len(_longest_name("d")) == 253
    code, output, made = bootstrap_for(tmp_path_factory.mktemp("long"), "prod", edit=longest)
    assert code == 0, output
    inline = [c for c in made if c.startswith("iam put-role-policy")]
    assert len(inline) == 2 and _longest_name("o") in inline[1]
    total = sum(_size(call) for call in inline)
    assert total <= IAM_ROLE_INLINE_POLICIES_MAX_CHARS, total
