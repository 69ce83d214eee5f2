"""The suite does not depend on which stacks exist (README, Adding a stack).

A stack added with `make new-stack` is never read by a test; a committed stack that a test needs
by name (staging, prod) and that was removed or renamed skips that test with a reason naming it,
while any other missing stack still fails.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tools.offline.runner import ROOT, StackMissing, free_vpc_range, stack_config


@pytest.fixture
def conftest(pytestconfig: pytest.Config) -> ModuleType:
    """tests/conftest.py as pytest loaded it (`import conftest` may find another directory's).

    The loaded module, not a second execution of the file: a second copy would install its own
    program-run cache (`runner.cached_run`), and tests reading that would run each stack again.
    """
    path = Path(__file__).with_name("conftest.py")
    for plugin in pytestconfig.pluginmanager.get_plugins():
        if isinstance(plugin, ModuleType) and Path(plugin.__file__ or "") == path:
            return plugin
    raise LookupError(f"pytest has not loaded {path}")


def test_a_missing_committed_stack_is_named_and_anything_else_is_not(
    conftest: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    present = StackMissing("prod", ROOT)
    assert conftest.missing_committed_stack(present) is None  # the file exists: a real failure
    monkeypatch.setattr(conftest, "ROOT", tmp_path)  # a repository without prod and staging
    assert conftest.missing_committed_stack(StackMissing("prod", tmp_path)) == "prod"
    assert conftest.missing_committed_stack(StackMissing("qa", tmp_path)) is None  # made up
    assert conftest.missing_committed_stack(FileNotFoundError("Pulumi.prod.yaml")) is None
    try:
        try:
            raise StackMissing("staging", tmp_path)
        except StackMissing as error:
            raise RuntimeError("while running the stack") from error
    except RuntimeError as wrapped:
        assert conftest.missing_committed_stack(wrapped) == "staging"
    assert "needs stack 'staging' by name" in conftest.skip_reason("staging")


def test_a_missing_stack_file_raises_stack_missing_naming_it(tmp_path: Path) -> None:
    with pytest.raises(StackMissing) as raised:
        stack_config("qa", stacks_dir=tmp_path)
    assert raised.value.stack == "qa" and "Pulumi.qa.yaml" in str(raised.value)


def test_the_free_range_avoids_every_stack_and_refuses_when_none_is_left(tmp_path: Path) -> None:
    staging = (ROOT / "Pulumi.staging.yaml").read_text()
    cidr = staging.split("cidr: ", 1)[1].split()[0]
    (tmp_path / "Pulumi.a.yaml").write_text(staging.replace(cidr, "10.0.0.0/9"))
    assert free_vpc_range(tmp_path, "perfcheck") == "10.130.0.0/16"
    (tmp_path / "Pulumi.b.yaml").write_text(staging.replace(cidr, "10.128.0.0/9"))
    with pytest.raises(ValueError, match=r"every /16 of 10\.0\.0\.0/8"):
        free_vpc_range(tmp_path, "perfcheck")
