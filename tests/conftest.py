"""Shared fixtures: the real program run offline for each stack, once per test session.

The suite does not depend on which stacks exist: `make new-stack NAME=<any>` adds files the
tests never read. Tests that judge the committed stacks need `staging` and `prod` by name (the
fixtures below, or a call with the name); when one of those files is removed or renamed, each
such test is skipped with a reason naming the stack, not failed.
"""

from __future__ import annotations

import fcntl
import functools
import gc
import logging
import os
import pty
import struct
import subprocess
import tempfile
import termios
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from foundation.records import StackRun
from tests import shared_results
from tools import doc_commands
from tools.offline import policy_driver, preview, runner
from tools.offline.policy_driver import DEPLOY_PACK_DIR, PACK_NAMES, add_pack_paths
from tools.offline.runner import ROOT, StackMissing, run_stack

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


# --- scheduling under xdist (`make test` runs `pytest -n 2`) -------------------------------------

SLOW_FIRST = (
    "test_runtime_dependencies.py",  # a fresh interpreter runs both stacks
    "test_doc_commands.py",  # real previews of the documented commands
    "test_preview_output.py",  # a real preview on a closed pipe
    "test_bench.py",  # the bench's probes run the program and the packs
    "test_procedures.py",  # `make new-stack`, runbook tasks: several program runs
    "redteam/test_redteam_wave4.py",  # the wave's two runs and one judging pass
    "redteam/test_redteam_wave5.py",  # the same for wave 5
    "test_cost_report.py",
    "test_deploy_role.py",
)
"""Test modules (under tests/) that start real processes or run the program several times.

They run first, so the two workers finish together instead of one running a long test alone at
the end.
"""

ONE_WORKER = (
    "redteam/test_redteam_wave4.py",  # `captured()` and `_verdicts()`: the wave, run and judged
    "redteam/test_redteam_wave5.py",  # `captured()`: the wave's two runs
    "test_doc_commands.py",  # the `checked` module fixture: every documented command, checked
)
"""Test modules whose tests share an expensive per-process result (a `functools.cache`, a
module fixture): all their tests go to one worker, so the result is built once, not once in
each worker. Every other test goes to whichever worker is free (xdist's `load`)."""

TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: index for index, name in enumerate(SLOW_FIRST)}

    def position(item: pytest.Item) -> int:
        path = Path(item.path)
        return (
            rank.get(path.relative_to(TESTS).as_posix(), len(rank))
            if path.is_relative_to(TESTS)
            else len(rank)
        )

    items.sort(key=position)  # stable: the collection order within each module is kept


@pytest.hookimpl(optionalhook=True)  # a run without xdist (-p no:xdist) has no such hook
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """xdist's `load` distribution, except that each ONE_WORKER module is one unit of work.

    (`--dist loadgroup` would do this with markers, but xdist 3.8 renames the node ids it
    groups by through an attribute pytest 9 no longer reads, so its groups are ignored.)
    """
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    root = config.rootpath
    modules = {(TESTS / name).relative_to(root).as_posix() for name in ONE_WORKER}

    class SharedWorkScheduling(LoadScopeScheduling):  # type: ignore[misc]
        """LoadScope's decisions, with bookkeeping that does not grow with the work done.

        xdist's LoadScope keeps every unit a worker ever ran, recounts all of them after each
        report and finds each test's position by a linear search of the collection: quadratic in
        the suite's size (about 9 s of the controller's CPU for 4,500 one-test units). Here a
        finished unit leaves its worker's work and positions are looked up in a dict.
        """

        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in modules else nodeid

        def __init__(self, config: pytest.Config, log: Any = None) -> None:
            super().__init__(config, log)
            self.positions: dict[Any, dict[str, int]] = {}

        def _positions(self, node: Any) -> dict[str, int]:
            if node not in self.positions:
                collection = self.registered_collections[node]
                self.positions[node] = {nodeid: i for i, nodeid in enumerate(collection)}
            return self.positions[node]

        def _assign_work_unit(self, node: Any) -> None:
            scope, work_unit = self.workqueue.popitem(last=False)
            self.assigned_work.setdefault(node, {})[scope] = work_unit
            positions = self._positions(node)
            node.send_runtest_some([positions[n] for n, done in work_unit.items() if not done])

        def mark_test_complete(self, node: Any, item_index: int, duration: float = 0) -> None:
            nodeid = self.registered_collections[node][item_index]
            scope = self._split_scope(nodeid)
            workload = self.assigned_work[node]
            workload[scope][nodeid] = True
            if all(workload[scope].values()):
                del workload[scope]
            self._reschedule(node)

    return SharedWorkScheduling(config, log)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Everything imported to collect the suite stays for the whole session (modules, classes,
    pulumi_aws's generated types): move it out of the cyclic collector's reach, so the full
    collections during the tests and pytest's own at the end do not scan it again each time."""
    gc.freeze()


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


class _Recorded(logging.Handler):
    """Every log record the program emits during one run (its `pulumi.log.warn`s, under mocks)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _run_recording(stack: str) -> tuple[StackRun, tuple[logging.LogRecord, ...]]:
    """A repository stack's run, with what the program logged during it."""
    recorder = _Recorded()
    root = logging.getLogger()
    root.addHandler(recorder)
    try:
        run = run_stack(stack)
    finally:
        root.removeHandler(recorder)
    return run, tuple(recorder.records)


@functools.cache
def _recorded_run(stack: str) -> tuple[StackRun, tuple[logging.LogRecord, ...]]:
    """A repository stack's run in this worker: made once per test run (the first worker to ask
    runs the program; the other reads its run and logs its warnings, as a run would)."""
    ran_here: list[bool] = []

    def produce() -> tuple[StackRun, tuple[logging.LogRecord, ...]]:
        ran_here.append(True)
        return _run_recording(stack)

    run, records = shared_results.once_per_test_run(f"program-run-{stack}", produce)
    if not ran_here:
        for record in records:
            logging.getLogger(record.name).handle(record)
    _shared_runs[id(run)] = run
    _freeze_what_stays()
    return run, records


_shared_runs: dict[int, StackRun] = {}
"""This worker's runs of the repository stacks (`shared_run`), by identity."""

_judged: dict[tuple[int, str, tuple[str, ...], bool], Any] = {}
_evaluate_packs = policy_driver.evaluate_packs


def _shared_evaluation(
    run: StackRun,
    stack: str,
    config_dir: Path | None = None,
    *,
    packs: Any = PACK_NAMES,
    dry_run: bool = True,
    cache: Any = None,
) -> Any:
    """`evaluate_packs` on a repository stack's shared run with the committed configs, once per
    worker: the suite judges the same two runs the same way in dozens of tests and in-process
    previews (about a second of CPU each). The report is frozen (tuples); any other call (a
    config directory, loaded packs, another run or stack) is evaluated afresh."""
    packs = tuple(packs)
    if (
        _shared_runs.get(id(run)) is not run
        or stack != run.stack
        or config_dir is not None
        or cache is not None
        or not all(isinstance(pack, str) for pack in packs)
    ):
        return _evaluate_packs(run, stack, config_dir, packs=packs, dry_run=dry_run, cache=cache)
    key = (id(run), stack, packs, dry_run)
    if key not in _judged:
        _judged[key] = _evaluate_packs(run, stack, packs=packs, dry_run=dry_run)
    return _judged[key]


policy_driver.evaluate_packs = _shared_evaluation  # before any test module imports it by name


def _freeze_what_stays() -> None:
    """After a run this worker keeps (and the pulumi_aws modules its first run imported): collect
    the run's garbage once, then move what is left out of the cyclic collector's scans.

    Two runs leave about 270,000 tracked objects that every later full collection would scan
    again (about 0.2 s each, some twenty times a worker); all of them stay for the session.
    """
    gc.collect()
    gc.freeze()


_ran_in_this_worker: list[bool] = []
_run_program = runner.run_program


def _run_program_then_freeze(*args: Any, **kwargs: Any) -> Any:
    """`run_program`, and after the worker's first run that succeeds, `_freeze_what_stays`.

    A worker that reads the shared runs from another (`_recorded_run`) imports the pulumi_aws
    modules only when it first runs the program itself, for a variant of a stack: those modules
    stay for the session too, so they leave the collector's scans then.
    """
    run = _run_program(*args, **kwargs)
    if not _ran_in_this_worker:
        _ran_in_this_worker.append(True)
        _freeze_what_stays()
    return run


runner.run_program = _run_program_then_freeze  # run_stack calls it by its module's name


def shared_run(stack: str) -> StackRun:
    """`cached_run`: one program run per repository stack per test run, shared with the preview.

    The program is a pure function of the repository's files. Tests (`cached_run`, the
    fixtures) and in-process previews in every worker read the same run, so each stack's
    program runs once instead of once for each (about 1.5 s of CPU a stack). A worker's first
    read logs the run's warnings, as `runner.cached_run` does.
    """
    return _recorded_run(stack)[0]


runner.cached_run = shared_run  # before any test module imports it by name
stack_run = shared_run


def _shared_preview_run(stack: str, **options: Any) -> StackRun:
    """The preview's program run, shared across the session for an unchanged repository stack.

    An in-process `preview.main` on a stack file of the repository (no `stacks_dir`, no config
    override) reuses the worker's run (`shared_run`). A reuse logs the first run's warnings
    again, so every report still shows them, once. Any other call (a copied stack directory,
    a broken config) runs the program afresh.
    """
    if options:
        return run_stack(stack, **options)
    misses = _recorded_run.cache_info().misses
    run, records = _recorded_run(stack)
    if _recorded_run.cache_info().misses == misses:  # an earlier run: show its warnings again
        for record in records:
            logging.getLogger(record.name).handle(record)
    return run


@pytest.fixture(scope="session", autouse=True)
def shared_program_runs() -> Iterator[None]:
    """In-process previews of the repository's stacks share one program run each (see above).

    A test that replaces `preview.run_stack` itself (monkeypatch) still gets its replacement.
    """
    original = preview.run_stack
    preview.run_stack = _shared_preview_run
    try:
        yield
    finally:
        preview.run_stack = original


@pytest.fixture(scope="session", autouse=True)
def shared_policy_lint() -> Iterator[None]:
    """parliament's verdict on one policy document is computed once per session.

    The deploy pack lints every IAM document of a stack on every evaluation (about half its
    time on prod), and the suite evaluates the same documents hundreds of times. parliament's
    result is a function of the text (its privilege data is fixed by the pinned version) and the
    pack only reads its findings, so the memo changes no verdict.
    """
    import perfcheck_deploy.iam as iam

    original = iam.analyze_policy_string
    iam.analyze_policy_string = functools.lru_cache(maxsize=4096)(original)
    try:
        yield
    finally:
        iam.analyze_policy_string = original


# --- real processes: each expensive one runs once per test run, whichever worker asks first ----


def pytest_sessionstart(session: pytest.Session) -> None:
    """From the session's start on, `shared_results.once_per_test_run` shares across the
    workers: collection already needs a stack's run (test_policy_spellings builds its cases from
    the prod program's records), and each worker would otherwise run the program for it.

    (The `tmp_path_factory` fixture is this same object; fixtures are not available yet.)
    """
    shared_results.share_under(session.config._tmp_path_factory)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def once_per_test_run() -> Callable[[str, Callable[[], dict[str, Any]]], dict[str, Any]]:
    """A result made by the first worker that asks for it and read by every other
    (tests/shared_results.py): a real preview process costs about 6 s of CPU, so the tests that
    read the same process's output share one run."""
    return shared_results.once_per_test_run


def run_in_terminal(
    argv: Sequence[str], cwd: Path, env: dict[str, str], columns: int = 100, rows: int = 50
) -> tuple[int, str]:
    """A process on a terminal of the given size (TIOCGWINSZ): its exit code and what it showed."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    process = subprocess.Popen(argv, cwd=cwd, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    code = process.wait(timeout=300)
    return code, b"".join(chunks).decode().replace("\r\n", "\n")


PROD_PREVIEW_COMMAND = "make preview STACK=prod"
"""The documented command a person runs on prod (README), as `test_doc_commands` finds it."""


@pytest.fixture(scope="session")
def prod_preview_in_a_terminal(
    once_per_test_run: Callable[[str, Callable[[], dict[str, Any]]], dict[str, Any]],
) -> dict[str, Any]:
    """`make preview STACK=prod` run once, as documented and as a person runs it.

    In a fresh copy of the repository with the documented commands' environment
    (tools/doc_commands.py), on a 100-column terminal whose size the preview must read itself
    (no COLUMNS). The documented-commands test judges its exit code; the report tests read
    its lines. One real process instead of two.
    """

    def produce() -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="doc-commands-") as scratch:
            copy = doc_commands.repository_copy(Path(scratch) / "repo")
            env = doc_commands.offline_environment()
            env = {k: v for k, v in env.items() if k not in ("COLUMNS", "LINES")}
            code, output = run_in_terminal(["bash", "-c", PROD_PREVIEW_COMMAND], copy, env)
        return {"command": PROD_PREVIEW_COMMAND, "code": code, "output": output}

    return once_per_test_run("prod-preview-in-a-terminal", produce)
