"""Results the workers of one test run share (`pytest -n 2`): made by the first that asks.

Session fixtures and `functools.cache` live in one worker, so each worker would make every
shared result again (a program run is about 1.5 s of CPU). Here the first worker to ask makes it
and pickles it under the run's own temporary directory, behind a lock; the other reads it.

The directory is new for every test run (pytest's numbered base temp), so a result never
outlives the code that made it: a run after a change makes everything again.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import pickle
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

_directory: list[Path] = []
"""The run's shared directory, once the session has started (empty before: nothing shared)."""


def share_under(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where this run's workers share results: the common parent of their base temps."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    _directory[:] = [shared]
    return shared


def once_per_test_run(key: str, produce: Callable[[], T]) -> T:
    """`produce()` made once across the run's workers (from the session's start, collection
    included; once per caller before it, e.g. in a module imported outside pytest). A failure
    is not kept: the next to ask tries again."""
    if not _directory:
        return produce()
    directory = _directory[0]
    result = directory / f"{key}.pickle"
    with open(directory / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if result.exists():
            return pickle.loads(result.read_bytes())  # type: ignore[no-any-return]
        value = produce()
        result.write_bytes(pickle.dumps(value))
        return value


def program_run(stack: str, config: Mapping[str, str], secret_keys: set[str] | None = None) -> Any:
    """The repository's unchanged program run on `stack` with `config` (a flat map), once per
    test run for the same stack, config and secret keys (a test that patches the program's code
    must call `run_stack` itself)."""
    from tools.offline.runner import run_stack

    given = json.dumps([stack, sorted(config.items()), sorted(secret_keys or ())])
    key = hashlib.sha256(given.encode()).hexdigest()[:20]
    return once_per_test_run(
        f"program-run-{stack}-{key}", lambda: run_stack(stack, dict(config), secret_keys)
    )
