"""Run the real program (`__main__.py`) for one stack under Pulumi's mocks and record everything.

Each run happens in a fresh `contextvars.Context` with its own event loop, config, mocks and
monitor, so two stacks in one process (one pytest session) never see each other's state.
The stack's config comes from its `Pulumi.<stack>.yaml` (plus declared defaults in `Pulumi.yaml`),
turned into the flat string map the Pulumi CLI would hand the program.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import gc
import json
import runpy
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
OFFLINE_SECRET = "offline-placeholder-secret"


class ProgramFailed(Exception):
    """The program stopped (e.g. invalid settings); `resources` is what it had registered."""

    def __init__(self, message: str, resources: tuple[Any, ...]) -> None:
        super().__init__(message)
        self.message = message
        self.resources = resources


def project_name(root: Path = ROOT) -> str:
    return str(yaml.safe_load((root / "Pulumi.yaml").read_text())["name"])


def stack_config(stack: str, root: Path = ROOT) -> tuple[dict[str, str], set[str]]:
    """The flat config map the CLI would pass for this stack, and which keys are secrets."""
    path = root / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise FileNotFoundError(
            f"no stack file {path.name}; stacks: {', '.join(available_stacks(root))}"
        )
    document = yaml.safe_load(path.read_text()) or {}
    return flatten_config(project_name(root), document.get("config") or {}, root)


def flatten_config(
    project: str, config: Mapping[str, Any], root: Path = ROOT
) -> tuple[dict[str, str], set[str]]:
    """Stack-file config (as YAML data) to `namespace:key` -> string, like the CLI does."""
    project_doc = yaml.safe_load((root / "Pulumi.yaml").read_text())
    flat: dict[str, str] = {}
    secret: set[str] = set()
    for key, spec in (project_doc.get("config") or {}).items():
        full = key if ":" in key else f"{project}:{key}"
        if isinstance(spec, dict) and "default" in spec:
            flat[full] = _as_config_string(spec["default"])
    for key, value in config.items():
        full = key if ":" in key else f"{project}:{key}"
        if _contains_secure(value):
            secret.add(full)
            value = _replace_secure(value)
        flat[full] = _as_config_string(value)
    return flat, secret


def available_stacks(root: Path = ROOT) -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml"))


def _as_config_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _contains_secure(value: Any) -> bool:
    if isinstance(value, dict):
        return set(value) == {"secure"} or any(_contains_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_secure(v) for v in value)
    return False


def _replace_secure(value: Any) -> Any:
    """Encrypted values cannot be decrypted offline; a placeholder of the same kind stands in."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return OFFLINE_SECRET
        return {k: _replace_secure(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_secure(v) for v in value]
    return value


def run_stack(
    stack: str,
    config: Mapping[str, str] | None = None,
    secret_keys: set[str] | None = None,
    root: Path = ROOT,
) -> Any:
    """Run the program for `stack` and return its StackRun; raise ProgramFailed if it stops.

    `config` replaces the stack file's config (a flat map), for tests of broken settings.
    """
    if config is None:
        config, secret_keys = stack_config(stack, root)
    program = str(root / "__main__.py")
    return run_program(
        lambda: runpy.run_path(program, run_name="__main__"), stack, config, secret_keys, root
    )


@functools.cache
def cached_run(stack: str) -> Any:
    """`run_stack(stack)` once per process: a run is a pure function of the repository's files."""
    return run_stack(stack)


def run_program(
    program: Callable[[], object],
    stack: str = "test",
    config: Mapping[str, str] | None = None,
    secret_keys: set[str] | None = None,
    root: Path = ROOT,
) -> Any:
    """Run any Pulumi program function under the same mocks (e.g. one component in a test)."""
    with collector_paused():
        return contextvars.Context().run(
            _run_in_fresh_context, program, stack, dict(config or {}), set(secret_keys or ()), root
        )


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a program runs, then restore it.

    A first run imports the pulumi_aws modules the components use: about 390,000 long-lived
    objects (their generated classes), which every automatic full collection during the run
    would scan again, for nothing (0.4 s of a 2.1 s cold run on the 2-core machine). A run's own
    garbage (finished tasks and outputs; they hold no pending work) is left to the next
    collection: collecting it here, over every imported class, cost 0.2 s per run.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run_in_fresh_context(
    program: Callable[[], object],
    stack: str,
    config: dict[str, str],
    secret_keys: set[str],
    root: Path,
) -> Any:
    import pulumi
    from pulumi.runtime import set_all_config, set_mocks
    from pulumi.runtime.settings import get_root_resource
    from pulumi.runtime.stack import run_pulumi_func

    from foundation.records import StackRun
    from tools.offline.mocks import AwsMocks
    from tools.offline.monitor import RecordingMonitor

    project = project_name(root)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    mocks = AwsMocks(region=config.get("aws:region", "eu-west-1"))
    monitor = RecordingMonitor(mocks)
    try:
        set_all_config(config, sorted(secret_keys))
        set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
        try:
            loop.run_until_complete(run_pulumi_func(program))
        except pulumi.RunError as error:
            raise ProgramFailed(str(error), monitor.records()) from None
        outputs = {
            name: loop.run_until_complete(_resolve(value))
            for name, value in (get_root_resource().outputs or {}).items()  # type: ignore[union-attr]
        }
        # Registration order depends on how async work interleaves; URN order does not.
        resources = tuple(sorted(monitor.records(), key=lambda record: record.urn))
        return StackRun(
            stack=stack, project=project, resources=resources, outputs=outputs, config=config
        )
    finally:
        # The mock monitor answers on executor threads, each with an event loop of its own;
        # end them here, or their loops are collected noisily at interpreter exit.
        loop.run_until_complete(loop.shutdown_default_executor())
        monitor.close_thread_loops()
        loop.close()
        asyncio.set_event_loop(None)


async def _resolve(value: Any) -> Any:
    """A stack output's value; a secret one keeps Pulumi's secret wrapper so it can be masked."""
    import pulumi

    from foundation.records import SECRET_SIG, SECRET_SIG_KEY

    output = pulumi.Output.from_input(value)
    resolved = await output.future()
    if await output.is_secret():
        return {SECRET_SIG_KEY: SECRET_SIG, "value": resolved}
    return resolved
