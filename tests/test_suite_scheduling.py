"""How `pytest -n 2` shares the suite's work between its workers (tests/conftest.py).

Properties: every test of a ONE_WORKER module is in one unit of work (one worker builds the
module's shared result), every other test is a unit of its own (any free worker takes it); the
scheduler is only used for xdist's default `load` distribution; over a whole run it sends every
test once, to one worker, the tests of a ONE_WORKER module to the same one, and a worker's
bookkeeping keeps only units with a test still to run (what makes a report's cost independent of
the work already done); a crashed worker's unfinished tests go to another; the SLOW_FIRST modules
run before the rest, in the listed order, keeping each module's own order; and every module
either list names exists, so a renamed module cannot drop out of them unnoticed.
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
    config = SimpleNamespace(
        getvalue=options.get,
        rootpath=TESTS.parent,
        option=SimpleNamespace(loadscopereorder=True),
    )
    return conftest.pytest_xdist_make_scheduler(config, None)


class _Worker:
    """A stand-in for xdist's WorkerController: records what it is sent, runs it in order."""

    def __init__(self, name: str) -> None:
        self.gateway = SimpleNamespace(id=name)
        self.sent: list[int] = []
        self.reported = 0
        self.shutting_down = False

    def send_runtest_some(self, indexes: list[int]) -> None:
        self.sent.extend(indexes)

    def shutdown(self) -> None:
        self.shutting_down = True


def _started(conftest: ModuleType, collection: list[str]) -> tuple[Any, list[_Worker]]:
    scheduler = _scheduler(conftest, "load")
    workers = [_Worker("gw0"), _Worker("gw1")]
    for worker in workers:
        scheduler.add_node(worker)
    for worker in workers:
        scheduler.add_node_collection(worker, collection)
    scheduler.schedule()
    return scheduler, workers


def _collection(conftest: ModuleType) -> list[str]:
    grouped = [f"tests/{conftest.ONE_WORKER[0]}::test_{n}" for n in range(4)]
    return [*(f"tests/test_preview.py::test_{n}" for n in range(7)), *grouped]


def test_a_run_sends_each_test_once_and_keeps_only_unfinished_units(
    conftest: ModuleType,
) -> None:
    collection = _collection(conftest)
    scheduler, workers = _started(conftest, collection)
    turn = 0
    while busy := [w for w in workers if w.reported < len(w.sent)]:
        worker = busy[turn % len(busy)]
        scheduler.mark_test_complete(worker, worker.sent[worker.reported])
        worker.reported += 1
        turn += 1
        for other in workers:
            units = scheduler.assigned_work[other].values()
            assert all(not all(unit.values()) for unit in units), "a finished unit is kept"
    assert sorted(i for w in workers for i in w.sent) == list(range(len(collection)))
    grouped = {collection.index(n) for n in collection if conftest.ONE_WORKER[0] in n}
    assert any(grouped <= set(w.sent) for w in workers)
    for worker in workers:  # in collection order, which SLOW_FIRST sets
        singles = [i for i in worker.sent if i not in grouped]
        assert singles == sorted(singles)
    assert scheduler.tests_finished and not scheduler.has_pending


def test_a_crashed_workers_unfinished_tests_go_to_the_other(conftest: ModuleType) -> None:
    collection = _collection(conftest)
    scheduler, (crashed, survivor) = _started(conftest, collection)
    scheduler.mark_test_complete(crashed, crashed.sent[0])
    unfinished = crashed.sent[1:]
    assert unfinished
    crash_item = scheduler.remove_node(crashed)
    assert crash_item == collection[unfinished[0]]
    while survivor.reported < len(survivor.sent):
        scheduler.mark_test_complete(survivor, survivor.sent[survivor.reported])
        survivor.reported += 1
    assert set(unfinished) <= set(survivor.sent)
    assert sorted([*survivor.sent, crashed.sent[0]]) == list(range(len(collection)))


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
