"""Shared fixtures: the real program run offline for each stack, once per test session."""

from __future__ import annotations

import pytest

from foundation.records import StackRun
from tools.offline.runner import cached_run as stack_run

STACKS = ("staging", "prod")


@pytest.fixture(params=STACKS)
def each_stack(request: pytest.FixtureRequest) -> StackRun:
    """Parametrises a test over every stack."""
    return stack_run(request.param)


@pytest.fixture
def staging() -> StackRun:
    return stack_run("staging")


@pytest.fixture
def prod() -> StackRun:
    return stack_run("prod")
