"""The kit's small checks (perfcheck_policykit/checks.py) and the config schemas they are tuned
by, property by property.

Written for the survivors of the lines engineer's mutation sample (seed 2312): the compliant
stacks give every presence check a computed (unknown) value, so nothing held what a check does
with a known one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.policies.test_policy_config import _errors
from tools.offline.policy_driver import load_pack

load_pack("guardrails")  # puts the kit on sys.path
from perfcheck_policykit import checks, values  # noqa: E402


class _Recorder:
    """The part of a rule's context a check uses: reads, accepted unknowns, violations."""

    def __init__(self, **props: Any) -> None:
        self.props = props
        self.accepted: list[str] = []
        self.found: list[tuple[str, str, str]] = []

    def get(self, prop: str) -> Any:
        return values.get(self.props, prop)

    def accept_unknown(self, prop: str) -> None:
        self.accepted.append(prop)

    def violation(self, prop: str, found: str, expected: str, detail: str = "") -> None:
        self.found.append((prop, found, expected))


@pytest.mark.parametrize(("value", "found"), [(None, "not set"), ("", "empty"), ("  \t", "empty")])
def test_require_set_refuses_an_absent_or_blank_value(value: Any, found: str) -> None:
    ctx = _Recorder(kmsKeyId=value)
    checks.require_set(ctx, "kmsKeyId", "a KMS key ARN")  # type: ignore[arg-type]
    assert ctx.found == [("kmsKeyId", found, "a KMS key ARN")]


@pytest.mark.parametrize("value", ["arn:aws:kms:eu-west-1:123456789012:key/abc", "alias/x"])
def test_require_set_accepts_a_known_value_without_echoing_it(value: str) -> None:
    ctx = _Recorder(kmsKeyId=value)
    assert checks.require_set(ctx, "kmsKeyId", "a KMS key ARN") == value  # type: ignore[arg-type]
    assert ctx.found == [] and ctx.accepted == []


def test_require_set_counts_a_computed_value_as_set() -> None:
    ctx = _Recorder(kmsKeyId=values.UNKNOWN)
    checks.require_set(ctx, "kmsKeyId", "a KMS key ARN")  # type: ignore[arg-type]
    assert ctx.found == [] and ctx.accepted == ["kmsKeyId"]


def test_an_empty_list_of_allowed_viewer_tls_versions_is_a_config_error(tmp_path: Path) -> None:
    """An allowed-values list must name at least one value (min_items=1): an empty one would turn
    the rule into 'everything fails' silently at config time. Kills min_items 1 -> 0."""
    message = _errors(tmp_path, {"cloudfront-viewer-tls": {"allowedMinimumProtocolVersions": []}})
    assert "cloudfront-viewer-tls: allowedMinimumProtocolVersions" in message
