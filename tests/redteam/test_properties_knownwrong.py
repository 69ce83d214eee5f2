"""Properties behind the known misses of waves 5 and 6, each judged on members of our own.

Each test names the property it guards; its bad members must get a mandatory finding in prod and
its good members no finding at all, through the real packs (tests/redteam/harness.py). A test
fails when the property is taken out of its rule.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from tests.redteam.programs import Program
from tests.redteam.test_properties_wave6 import GITHUB, ROLE, case, check, doc

SUB = "token.actions.githubusercontent.com:sub"
AUD = {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}


def _trust(name: str, bad: bool, condition: dict[str, Any], config: Any = None) -> Program:
    trust = doc(
        {
            "Effect": "Allow",
            "Principal": {"Federated": GITHUB},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition,
        }
    )
    program = case(name, bad, ROLE, {"path": "/perfcheck/prod/", "assumeRolePolicy": trust})
    return dataclasses.replace(program, config=config)


def test_a_web_identity_subject_is_judged_by_the_repositories_it_matches() -> None:
    """Property: a GitHub subject condition admits one repository only when the text before its
    first wildcard names owner and repository in full (`*` is a wildcard under StringLike, a
    literal under StringEquals); a partial owner, any repository of an owner, a repository
    prefix, a `?` in the owner, ForAllValues (true without the key) and another issuer's key
    do not narrow. One narrowing operator is enough (conditions are ANDed)."""
    like, equals = "StringLike", "StringEquals"
    check(
        [
            _trust("kw-oidc-owner-prefix", True, {like: {SUB: "repo:m*/perfcheck:*"}}),
            _trust("kw-oidc-any-owner-one-name", True, {like: {SUB: "repo:*/perfcheck"}}),
            _trust("kw-oidc-owner-any-repo", True, {like: {SUB: "repo:example-org/*"}}),
            _trust("kw-oidc-repo-prefix", True, {like: {SUB: "repo:example-org/perf*"}}),
            _trust(
                "kw-oidc-any-value-owner-char",
                True,
                {f"ForAnyValue:{like}": {SUB: "repo:ex?mple-org/perfcheck:*"}},
            ),
            _trust(
                "kw-oidc-all-values",
                True,
                {f"ForAllValues:{equals}": {SUB: "repo:example-org/perfcheck:ref:main"}},
            ),
            _trust(
                "kw-oidc-one-of-two-wide",
                True,
                {like: {SUB: ["repo:example-org/perfcheck:*", "repo:example-org/*"]}},
            ),
            _trust(
                "kw-oidc-other-issuer-key",
                True,
                {
                    equals: {
                        "oidc.eks.eu-west-1.amazonaws.com/id/X:sub": "system:serviceaccount:a:b"
                    }
                },
            ),
            _trust(
                "kw-oidc-any-value-one-repo",
                False,
                {f"ForAnyValue:{like}": {SUB: "repo:example-org/perfcheck:environment:*"}},
            ),
            _trust(
                "kw-oidc-literal-star",
                False,
                {equals: {**AUD, SUB: "repo:example-org/perfcheck:ref:*"}},
            ),
            _trust(
                "kw-oidc-wide-and-narrow",
                False,
                {like: {SUB: "repo:example-org/*"}, equals: {SUB: "repo:example-org/app:ref:x"}},
            ),
        ]
    )


def _trust_only(repository: str) -> Any:
    def patch(config: dict[str, Any]) -> None:
        config["web-identity-trust-narrowed"] = {
            "enforcementLevel": "mandatory",
            "repositories": [repository],
        }

    return patch


def test_a_web_identity_subject_must_name_a_repository_the_config_trusts() -> None:
    """Property: when the config names the trusted repositories, a subject pinned to another
    repository (even of the same owner) is a finding, and one pinned to a trusted repository in
    another letter case passes."""
    pinned = {"StringEquals": {**AUD, SUB: "repo:example-org/tools:ref:refs/heads/main"}}
    trusted = {"StringLike": {SUB: "repo:Example-Org/Perfcheck:environment:*"}}
    config = _trust_only("example-org/perfcheck")
    check(
        [
            _trust("kw-oidc-untrusted-repo", True, pinned, config=config),
            _trust("kw-oidc-trusted-repo", False, trusted, config=config),
        ],
        alone=True,
    )
