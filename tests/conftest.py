"""Shared fixtures: the real program run offline for each stack, once per test session.

The suite does not depend on which stacks exist: `make new-stack NAME=<any>` adds files the
tests never read. Tests that judge the committed stacks need `staging` and `prod` by name (the
fixtures below, or a call with the name); when one of those files is removed or renamed, each
such test is skipped with a reason naming the stack, not failed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from foundation.records import StackRun
from tools.offline.policy_driver import DEPLOY_PACK_DIR, add_pack_paths
from tools.offline.runner import ROOT, StackMissing
from tools.offline.runner import cached_run as stack_run

add_pack_paths(DEPLOY_PACK_DIR)  # the packs' modules (perfcheck_deploy, the kit) import by name

STACKS = ("staging", "prod")
"""The committed stacks the stack-specific tests judge, by name."""


def needs_stack(name: str) -> StackRun:
    """The committed stack's run, or a skip that names the missing stack file."""
    if not (ROOT / f"Pulumi.{name}.yaml").exists():
        pytest.skip(skip_reason(name))
    return stack_run(name)


def skip_reason(name: str) -> str:
    return f"needs stack '{name}' by name: Pulumi.{name}.yaml is not in the repository"


def missing_committed_stack(error: BaseException | None) -> str | None:
    """The committed stack a test needed and the repository no longer has, else None.

    Only a StackMissing for one of STACKS whose file is really absent from the repository: any
    other error, or a made-up stack name, still fails the test.
    """
    while error is not None:
        if isinstance(error, StackMissing):
            absent = not (ROOT / f"Pulumi.{error.stack}.yaml").exists()
            return error.stack if error.stack in STACKS and absent else None
        error = error.__cause__ or error.__context__
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test parametrised with a committed stack's name is skipped when that stack is gone."""
    callspec = getattr(item, "callspec", None)
    for value in callspec.params.values() if callspec else ():
        if (
            isinstance(value, str)
            and value in STACKS
            and not (ROOT / f"Pulumi.{value}.yaml").exists()
        ):
            pytest.skip(skip_reason(value))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.excinfo is not None:
        stack = missing_committed_stack(call.excinfo.value)
        if stack is not None:
            report.outcome = "skipped"
            report.longrepr = (str(item.path), item.location[1] or 0, skip_reason(stack))


@pytest.fixture(params=STACKS)
def each_stack(request: pytest.FixtureRequest) -> StackRun:
    """Parametrises a test over both committed stacks (staging and prod, by name)."""
    return needs_stack(request.param)


@pytest.fixture
def staging() -> StackRun:
    return needs_stack("staging")


@pytest.fixture
def prod() -> StackRun:
    return needs_stack("prod")
