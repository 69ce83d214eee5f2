"""How `pytest -n 2` shares the suite's work between its workers (tests/conftest.py).

Properties: every test of a ONE_WORKER module is in one unit of work (one worker builds the
module's shared result), every other test is a unit of its own (any free worker takes it); the
scheduler is only used for xdist's default `load` distribution; the SLOW_FIRST modules run
before the rest, in the listed order, keeping each module's own order; and every module either
list names exists, so a renamed module cannot drop out of them unnoticed.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent


@pytest.fixture
def conftest(pytestconfig: pytest.Config) -> ModuleType:
    path = TESTS / "conftest.py"
    (module,) = [
        plugin
        for plugin in pytestconfig.pluginmanager.get_plugins()
        if Path(getattr(plugin, "__file__", None) or "") == path
    ]
    return module


def _scheduler(conftest: ModuleType, dist: str) -> Any:
    options = {"dist": dist, "tx": ["popen", "popen"]}
    config = SimpleNamespace(getvalue=options.get, rootpath=TESTS.parent)
    return conftest.pytest_xdist_make_scheduler(config, None)


def test_a_one_worker_module_is_one_unit_and_any_other_test_is_its_own(
    conftest: ModuleType,
) -> None:
    scheduler = _scheduler(conftest, "load")
    for module in conftest.ONE_WORKER:
        path = f"tests/{module}"
        units = {scheduler._split_scope(f"{path}::test_{n}[x-{n}]") for n in range(3)}
        assert units == {path}
    others = [f"tests/test_preview.py::test_{n}" for n in range(3)]
    assert [scheduler._split_scope(nodeid) for nodeid in others] == others
    # a module whose name merely starts like a grouped one is not grouped
    lookalike = f"tests/{conftest.ONE_WORKER[0]}x::test_a"
    assert scheduler._split_scope(lookalike) == lookalike


@pytest.mark.parametrize("dist", ["loadscope", "loadfile", "worksteal", "each"])
def test_another_distribution_asked_for_is_xdists_own(conftest: ModuleType, dist: str) -> None:
    assert _scheduler(conftest, dist) is None


def test_every_listed_module_exists(conftest: ModuleType) -> None:
    missing = [
        name
        for name in (*conftest.SLOW_FIRST, *conftest.ONE_WORKER)
        if not (TESTS / name).is_file()
    ]
    assert missing == []


def test_slow_modules_come_first_in_the_listed_order(conftest: ModuleType) -> None:
    def item(module: str, name: str) -> Any:
        return SimpleNamespace(path=TESTS / module, name=name)

    first, second = conftest.SLOW_FIRST[:2]
    items = [
        item("test_preview.py", "a"),
        item(second, "b1"),
        item("redteam/test_properties.py", "c"),
        item(first, "d"),
        item(second, "b2"),
        item("test_preview.py", "e"),
    ]
    conftest.pytest_collection_modifyitems(items)
    assert [i.name for i in items] == ["d", "b1", "b2", "a", "c", "e"]
