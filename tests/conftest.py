"""Shared fixtures: the real program run offline for each stack, once per test session."""

from __future__ import annotations

import pytest

from foundation.records import StackRun
from tools.offline.policy_driver import DEPLOY_PACK_DIR, add_pack_paths
from tools.offline.runner import cached_run as stack_run

add_pack_paths(DEPLOY_PACK_DIR)  # the packs' modules (perfcheck_deploy, the kit) import by name

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
