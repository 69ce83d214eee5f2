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


class _Judge(_Recorder):
    """A recorder that also notes unknown reads (require_at_least reports them)."""

    def __init__(self, **props: Any) -> None:
        super().__init__(**props)
        self.unknown_reads: list[str] = []

    def unknown(self, prop: str) -> None:
        self.unknown_reads.append(prop)


@pytest.mark.parametrize(
    ("value", "when_missing", "refused"),
    [
        (None, None, True),  # no AWS default to fall back on: absent fails
        (None, 0, True),  # the AWS default is below the minimum
        (None, 6.999, True),
        (None, 7, False),  # the AWS default meets the minimum
        (None, 35, False),
        (6, 35, True),  # a value given is judged, whatever the default
        (6.5, None, True),
        (7, None, False),
        (7.0, 0, False),
        ("7", 0, False),  # a numeric string (some providers send them)
        ("seven", 35, True),  # not a number: fails, never passes
        (True, 35, True),
    ],
)
def test_require_at_least_judges_a_value_and_an_absent_one_by_the_aws_default(
    value: Any, when_missing: float | None, refused: bool
) -> None:
    """At least `minimum` (7 here): a given value is compared; an absent one passes only when the
    AWS default it gets meets the minimum, and fails when there is no default (None). Kills
    blind:28 (no default read as a passing default)."""
    ctx = _Judge(backupRetentionPeriod=value)
    checks.require_at_least(
        ctx,  # type: ignore[arg-type]
        "backupRetentionPeriod",
        7,
        when_missing=when_missing,
        unit="days",
    )
    assert bool(ctx.found) is refused, ctx.found
    assert ctx.unknown_reads == []


def test_require_at_least_notes_a_computed_value_and_judges_nothing() -> None:
    ctx = _Judge(backupRetentionPeriod=values.UNKNOWN)
    checks.require_at_least(ctx, "backupRetentionPeriod", 7, when_missing=None)  # type: ignore[arg-type]
    assert ctx.found == [] and ctx.unknown_reads == ["backupRetentionPeriod"]
