"""The suite's shared work changes no verdict (tests/conftest.py, tests/iam_policy_evaluator.py).

Properties: every reader of a repository stack's run in a worker (`runner.cached_run`, the
fixtures, in-process previews) reads one cache, so each stack's program runs once per worker;
the packs judge a shared run with the committed configs once per worker, with the verdict of a
fresh evaluation, and any other evaluation (another run, a config directory) afresh;
a result shared between workers (tests/shared_results.py) is made once per test run, a failure is
not kept, results are shared from collection on (nothing before the session starts), and a
worker that reads another's run logs that run's warnings without running the program, and
freezes what its own first program run leaves;
an in-process preview of a repository stack that reuses the session's run still
reports every warning the program logs on a fresh run; the IAM evaluator's compiled wildcard
lists match a whole action or ARN (not a part of it), an empty list matches nothing, and a
statement that still holds a placeholder is refused, not judged.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from foundation.records import StackRun
from tests import shared_results
from tests.iam_policy_evaluator import Request, decide
from tools.offline import policy_driver, preview, runner
from tools.offline.runner import run_stack


def test_every_reader_of_a_stacks_run_shares_the_one_cache(pytestconfig: pytest.Config) -> None:
    """tests/conftest.py is executed once: a second copy of it (a test loading it by path)
    installs a cache of its own, and the readers after it run each stack again."""
    path = Path(__file__).with_name("conftest.py")
    loaded = [
        plugin
        for plugin in pytestconfig.pluginmanager.get_plugins()
        if Path(getattr(plugin, "__file__", None) or "") == path
    ]
    assert len(loaded) == 1, loaded
    assert runner.cached_run is loaded[0].shared_run
    assert loaded[0].stack_run is loaded[0].shared_run
    assert preview.run_stack is loaded[0]._shared_preview_run


@pytest.fixture
def shared_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A test run's shared directory of this test's own."""
    monkeypatch.setattr(shared_results, "_directory", [tmp_path])
    return tmp_path


def test_a_shared_result_is_made_once_and_a_failure_is_not_kept(shared_in: Path) -> None:
    made: list[int] = []

    def produce() -> dict[str, int]:
        made.append(1)
        return {"made": len(made)}

    def fail() -> dict[str, int]:
        raise RuntimeError("the program crashed")

    with pytest.raises(RuntimeError):
        shared_results.once_per_test_run("result", fail)
    assert shared_results.once_per_test_run("result", produce) == {"made": 1}
    assert shared_results.once_per_test_run("result", produce) == {"made": 1}
    assert shared_results.once_per_test_run("other", produce) == {"made": 2}
    assert len(made) == 2


def test_a_shared_program_run_is_one_per_stack_config_and_secret_keys(
    shared_in: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, dict[str, str], set[str] | None]] = []

    def fake_run(stack: str, config: dict[str, str], secret_keys: set[str] | None) -> int:
        calls.append((stack, config, secret_keys))
        return len(calls)

    monkeypatch.setattr(runner, "run_stack", fake_run)
    asked = [
        ("prod", {"a": "1", "b": "2"}, None),
        ("prod", {"b": "2", "a": "1"}, set()),  # the same run
        ("prod", {"a": "1", "b": "3"}, None),
        ("prod", {"a": "1", "b": "2"}, {"a"}),
        ("staging", {"a": "1", "b": "2"}, None),
    ]
    made = [shared_results.program_run(*arguments) for arguments in asked]
    assert made == [1, 1, 2, 3, 4]


_shared_while_collecting = list(shared_results._directory)
"""Where results were shared when this module was collected (imported)."""


def test_results_are_shared_from_collection_on(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Collection runs the prod program (test_policy_spellings' cases): the workers share that
    run too, under the directory every worker of this test run resolves (its base temps'
    parent under xdist)."""
    base = tmp_path_factory.getbasetemp()
    expected = base.parent if base.name.startswith("popen-gw") else base
    assert _shared_while_collecting == [expected]
    assert shared_results._directory == [expected]


def test_before_the_session_nothing_is_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shared_results, "_directory", [])
    made: list[int] = []
    for _ in range(2):
        shared_results.once_per_test_run("result", lambda: made.append(1))
    assert len(made) == 2


def test_a_worker_reading_anothers_run_logs_its_warnings_without_running(
    shared_in: Path, pytestconfig: pytest.Config, caplog: pytest.LogCaptureFixture
) -> None:
    path = Path(__file__).with_name("conftest.py")
    (conftest,) = [
        plugin
        for plugin in pytestconfig.pluginmanager.get_plugins()
        if Path(getattr(plugin, "__file__", None) or "") == path
    ]
    warning = logging.LogRecord("pulumi", logging.WARNING, "x", 1, "a warning of the run", (), None)
    other_workers = ({"resources": "of the other worker's run"}, (warning,))
    shared_results.once_per_test_run("program-run-staging", lambda: other_workers)
    with caplog.at_level(logging.WARNING):
        run, records = conftest._recorded_run.__wrapped__("staging")
    assert run == other_workers[0]
    assert [record.getMessage() for record in records] == ["a warning of the run"]
    assert "a warning of the run" in caplog.text


def test_a_shared_runs_evaluation_is_made_once_and_equals_a_fresh_one(
    prod: StackRun, pytestconfig: pytest.Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = Path(__file__).with_name("conftest.py")
    (conftest,) = [
        plugin
        for plugin in pytestconfig.pluginmanager.get_plugins()
        if Path(getattr(plugin, "__file__", None) or "") == path
    ]
    evaluated: list[StackRun] = []
    real = policy_driver._evaluate

    def spy(run: StackRun, *args: Any, **kwargs: Any) -> Any:
        evaluated.append(run)
        return real(run, *args, **kwargs)

    monkeypatch.setattr(policy_driver, "_evaluate", spy)
    first = policy_driver.evaluate_packs(prod, "prod", packs=("cost",))
    before = len(evaluated)
    assert policy_driver.evaluate_packs(prod, "prod", packs=["cost"]) is first
    assert len(evaluated) == before
    assert conftest._evaluate_packs(prod, "prod", packs=("cost",)) == first
    copy = dataclasses.replace(prod)
    policy_driver.evaluate_packs(copy, "prod", packs=("cost",))
    policy_driver.evaluate_packs(prod, "prod", policy_driver.CONFIG_DIR, packs=("cost",))
    assert len(evaluated) == before + 3  # the fresh one, the copy, the config directory


def test_the_memo_keeps_no_other_run_and_keys_on_the_packs(
    prod: StackRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the worker's shared runs are memoised: a memo of any other run, keyed by its id,
    would hand its report to a later run that reuses the id. And the packs asked for are part
    of the key: one pack's report is never another's."""
    evaluated: list[StackRun] = []
    real = policy_driver._evaluate

    def spy(run: StackRun, *args: Any, **kwargs: Any) -> Any:
        evaluated.append(run)
        return real(run, *args, **kwargs)

    monkeypatch.setattr(policy_driver, "_evaluate", spy)
    copy = dataclasses.replace(prod)
    policy_driver.evaluate_packs(copy, "prod", packs=("cost",))
    policy_driver.evaluate_packs(copy, "prod", packs=("cost",))
    assert evaluated == [copy, copy]
    cost = policy_driver.evaluate_packs(prod, "prod", packs=("cost",))
    deploy = policy_driver.evaluate_packs(prod, "prod", packs=("deploy",))
    assert deploy is not cost
    assert deploy == policy_driver.evaluate_packs(prod, "prod", packs=("deploy",))


def test_what_a_shared_run_leaves_is_out_of_the_collectors_scans() -> None:
    """The session's runs and the modules they imported stay; full collections skip them."""
    run = runner.cached_run("staging")
    assert gc.get_freeze_count() > 0
    assert all(tracked is not run for tracked in gc.get_objects())  # frozen: not listed


def test_a_workers_first_program_run_leaves_the_collectors_scans_once(
    pytestconfig: pytest.Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that read the shared runs imports pulumi_aws's modules at its own first run:
    what that run leaves is frozen then, once; a run that fails freezes nothing."""
    path = Path(__file__).with_name("conftest.py")
    (conftest,) = [
        plugin
        for plugin in pytestconfig.pluginmanager.get_plugins()
        if Path(getattr(plugin, "__file__", None) or "") == path
    ]
    frozen: list[bool] = []
    monkeypatch.setattr(conftest, "_ran_in_this_worker", [])
    monkeypatch.setattr(conftest, "_freeze_what_stays", lambda: frozen.append(True))
    assert runner.run_program is conftest._run_program_then_freeze

    def crashing() -> None:
        raise RuntimeError("a bug in the program")

    with pytest.raises(runner.ProgramCrashed):
        runner.run_program(crashing)
    assert frozen == []
    runner.run_program(lambda: None)
    runner.run_program(lambda: None)
    assert frozen == [True]


def test_a_preview_on_the_shared_run_reports_the_programs_warnings(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        run_stack("prod")  # a fresh run, outside the session's cache
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert logged, "prod logs no warning: this test would prove nothing; pick a stack that does"
    for attempt in ("first", "again"):  # the second preview certainly reuses the shared run
        out = tmp_path / f"{attempt}.json"
        assert preview.main(["--stack", "prod", "--json", str(out)]) == 0
        assert json.loads(out.read_text())["warnings"] == logged, attempt


def _allow(action: object, resource: object = "*") -> dict[str, object]:
    statement = {"Effect": "Allow", "Action": action, "Resource": resource}
    return {"Version": "2012-10-17", "Statement": [statement]}


@pytest.mark.parametrize(
    ("patterns", "action", "expected"),
    [
        ("iam:Get*", "iam:GetRole", "Allow"),
        ("IAM:get*", "iam:GetRole", "Allow"),  # IAM folds the case of action names
        ("iam:Get*", "xiam:GetRole", "ImplicitDeny"),  # the whole name, not a part of it
        ("iam:GetRole", "iam:GetRolePolicy", "ImplicitDeny"),
        (["s3:Put?bject", "ec2:*"], "s3:PutObject", "Allow"),
        ([], "iam:GetRole", "ImplicitDeny"),  # an empty list grants nothing
    ],
)
def test_action_lists_match_whole_names_case_folded(
    patterns: object, action: str, expected: str
) -> None:
    assert decide(_allow(patterns), Request(action, "arn:aws:iam::1:role/x")) == expected


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        ("arn:aws:s3:::bucket/*", "Allow"),
        ("arn:aws:s3:::BUCKET/*", "ImplicitDeny"),  # ARNs are case-sensitive
        ("arn:aws:s3:::buck", "ImplicitDeny"),
        ([], "ImplicitDeny"),
    ],
)
def test_resource_lists_match_whole_arns_case_sensitively(resource: object, expected: str) -> None:
    request = Request("s3:GetObject", "arn:aws:s3:::bucket/key")
    assert decide(_allow("s3:GetObject", resource), request) == expected


def test_a_statement_with_a_placeholder_left_is_refused() -> None:
    document = _allow("s3:GetObject", "arn:aws:s3:::perfcheck-${Stack}-state/*")
    with pytest.raises(ValueError, match="placeholder"):
        decide(document, Request("s3:GetObject", "arn:aws:s3:::perfcheck-prod-state/x"))


@pytest.mark.parametrize(("effect", "expected"), [("Allow", "Allow"), ("Deny", "Deny")])
def test_a_single_unlisted_statement_is_judged_as_one_statement(effect: str, expected: str) -> None:
    """IAM accepts `Statement` as one object, not only a list: it is that one statement."""
    statement = {"Effect": effect, "Action": "s3:GetObject", "Resource": "*"}
    document = {"Version": "2012-10-17", "Statement": statement}
    assert decide(document, Request("s3:GetObject", "arn:aws:s3:::bucket/key")) == expected
    assert decide(document, Request("s3:PutObject", "arn:aws:s3:::bucket/key")) == "ImplicitDeny"
