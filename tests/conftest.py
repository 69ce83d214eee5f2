"""Shared fixtures: the real program run offline for each stack, once per test session."""

from __future__ import annotations

import functools

import pytest

from tools.offline.records import StackRun
from tools.offline.runner import run_stack

STACKS = ("staging", "prod")


@functools.cache
def stack_run(stack: str) -> StackRun:
    """The program's registrations for a stack (cached: a run is a pure function of the files)."""
    return run_stack(stack)


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
