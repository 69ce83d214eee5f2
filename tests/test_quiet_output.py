"""A green test run stays short: a failed program run leaves no error for asyncio to log later.

Every output that depends on a failing one holds the same error in a future nobody awaits; were
they logged when collected, one broken-settings test would print thousands of lines
(`Future exception was never retrieved`) into an otherwise green `make test`.
"""

from __future__ import annotations

import gc
import logging

import pytest

from tools.offline.runner import ProgramCrashed, run_program


def crashing_program() -> None:
    import pulumi_aws as aws

    bucket = aws.s3.Bucket("quiet-bucket")

    def broken(_: object) -> str:
        raise ValueError("policy is not JSON")

    for index in range(3):
        aws.s3.BucketPolicy(
            f"quiet-policy-{index}", bucket=bucket.id, policy=bucket.arn.apply(broken)
        )


def test_a_crashed_run_logs_nothing_once_its_futures_are_collected(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="asyncio"), pytest.raises(ProgramCrashed):
        run_program(crashing_program)
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        gc.collect()
    logged = [r.getMessage() for r in caplog.records if r.name == "asyncio"]
    assert not [m for m in logged if "never retrieved" in m], logged[:1]
