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
import copy
import functools
import gc
import json
import re
import runpy
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from tools.offline import aws_packages

ROOT = Path(__file__).resolve().parents[2]
OFFLINE_SECRET = "offline-placeholder-secret"


class StackFileError(Exception):
    """A stack file that cannot be read as the CLI would read it: YAML syntax, duplicate keys.

    `line` and `column` are 1-based, as an editor shows them.
    """

    def __init__(self, path: Path, line: int | None, column: int | None, problem: str) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.problem = problem
        where = path.name if line is None else f"{path.name}:{line}:{column}"
        super().__init__(f"{where}: {problem}")


class _StrictLoader(yaml.SafeLoader):
    """YAML's safe loader that refuses a key given twice in one mapping.

    PyYAML (like many YAML readers) keeps the last of two equal keys; in a stack file that hides
    a mistake (two `perfcheck:database` blocks, the first silently ignored).
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
            if key in seen:
                first = seen[key].start_mark.line + 1
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key '{key}' (first given on line {first}); YAML keeps only the "
                    "last one, so remove or merge one of them",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def read_stack_file(path: Path) -> dict[str, Any]:
    """A stack file's YAML document; StackFileError (file, line, column) when it is not valid.

    Each distinct text is parsed once per process (the preview, `make new-stack` and the tests
    read the same few files many times; PyYAML's pure-Python parse is over 100 times the cost of
    a copy); every caller gets its own copy, so none changes another's."""
    return copy.deepcopy(_parsed_stack_file(path.read_text(), path))


@functools.lru_cache(maxsize=64)
def _parsed_stack_file(text: str, path: Path) -> dict[str, Any]:
    try:
        document = yaml.load(text, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = " ".join(part for part in (error.context, error.problem) if part)
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise StackFileError(path, line, column, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as error:
        raise StackFileError(path, None, None, f"invalid YAML: {error}") from None
    if document is None:
        return {}
    if not isinstance(document, dict) or not isinstance(document.get("config") or {}, dict):
        raise StackFileError(
            path, 1, 1, "expected a mapping with a `config:` section of `namespace:key: value`"
        )
    return document


def stack_file_lines(path: Path) -> dict[str, int]:
    """Line of each top-level `config:` key and nested path (`perfcheck:network.cidr`)."""
    lines: dict[str, int] = {}
    root = yaml.compose(path.read_text(), Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return lines
    for key_node, value_node in root.value:
        if key_node.value == "config" and isinstance(value_node, yaml.MappingNode):
            _node_lines(value_node, "", lines)
    return lines


def _node_lines(node: yaml.MappingNode, prefix: str, lines: dict[str, int]) -> None:
    for key_node, value_node in node.value:
        dotted = f"{prefix}{key_node.value}"
        lines[dotted] = key_node.start_mark.line + 1
        if isinstance(value_node, yaml.MappingNode):
            _node_lines(value_node, dotted + ".", lines)


def vpc_range_overlaps(stack: str, directory: Path = ROOT) -> list[str]:
    """Problems when `stack`'s VPC range overlaps another stack file's in `directory`.

    Two stacks in one range cannot be peered or reach each other over a transit gateway or VPN
    later; the README asks for distinct ranges and this keeps them distinct. File:line for both.
    """
    import ipaddress

    def cidr(name: str) -> tuple[ipaddress.IPv4Network, str] | None:
        path = directory / f"Pulumi.{name}.yaml"
        network = (read_stack_file(path).get("config") or {}).get(f"{project}:network")
        value = network.get("cidr", DEFAULT_VPC_CIDR) if isinstance(network, dict) else None
        try:
            parsed = ipaddress.IPv4Network(str(value))
        except ValueError:
            return None  # the settings report a malformed range, with what is allowed
        line = stack_file_lines(path).get(f"{project}:network.cidr")
        return parsed, f"{path.name}:{line}" if line else path.name

    project = project_name(ROOT)
    mine = cidr(stack)
    if mine is None:
        return []
    try:
        example = f"e.g. {free_vpc_range(directory, project)}"
    except ValueError:
        example = "one no other stack uses"
    problems = []
    for other in available_stacks(directory):
        theirs = cidr(other) if other != stack else None
        if theirs and mine[0].overlaps(theirs[0]):
            problems.append(
                f"{mine[1]}: {project}:network.cidr {mine[0]} overlaps stack '{other}' "
                f"({theirs[1]}: {theirs[0]}); give each stack its own range ({example}) "
                "so the VPCs can be peered later"
            )
    return problems


DEFAULT_VPC_CIDR = "10.0.0.0/16"


def free_vpc_range(directory: Path, project: str) -> str:
    """A /16 in 10.0.0.0/8 that overlaps no stack file's range in `directory` (for a new stack).

    A stack without `network.cidr` uses the default range, so that range counts as taken too.
    Raises ValueError when every /16 of 10.0.0.0/8 is taken (nothing sensible to pick).
    """
    import ipaddress

    used = []
    for name in available_stacks(directory):
        network = (read_stack_file(directory / f"Pulumi.{name}.yaml").get("config") or {}).get(
            f"{project}:network"
        )
        value = network.get("cidr", DEFAULT_VPC_CIDR) if isinstance(network, dict) else None
        with contextlib.suppress(ValueError):
            used.append(ipaddress.IPv4Network(str(value or DEFAULT_VPC_CIDR)))
    # Round numbers first (10.10, 10.20, ...), then every other /16 of 10.0.0.0/8.
    seconds = [*range(10, 256, 10), *(n for n in range(1, 256) if n % 10)]
    for second in seconds:
        candidate = ipaddress.IPv4Network(f"10.{second}.0.0/16")
        if not any(candidate.overlaps(u) for u in used):
            return str(candidate)
    raise ValueError("every /16 of 10.0.0.0/8 overlaps a stack's network.cidr; choose one by hand")


class ProgramFailed(Exception):
    """The program stopped (e.g. invalid settings); `resources` is what it had registered."""

    def __init__(self, message: str, resources: tuple[Any, ...]) -> None:
        super().__init__(message)
        self.message = message
        self.resources = resources


class ProgramCrashed(Exception):
    """The program raised an exception: a bug in code, not a bad setting.

    `where` says what it came from in the user's terms: the resource Pulumi was processing, the
    component being constructed and the line of project code; `error` keeps the exception (and
    its traceback, for `--debug`).
    """

    def __init__(self, error: BaseException, where: list[str], resources: tuple[Any, ...]) -> None:
        self.error = error
        self.where = where
        self.resources = resources
        root = innermost_cause(error)
        super().__init__(f"{type(root).__name__}: {root}")


_PROCESSING = re.compile(r"While processing resource: '([^']+)', type: '([^']+)'")


def innermost_cause(error: BaseException) -> BaseException:
    """The exception that started it all (Pulumi wraps it once per resource it passed through)."""
    seen = {id(error)}
    while (error.__cause__ or error.__context__) is not None:
        following = error.__cause__ or error.__context__
        assert following is not None
        if id(following) in seen:
            break
        seen.add(id(following))
        error = following
    return error


def crash_location(error: BaseException, root: Path = ROOT) -> list[str]:
    """Resource, component and code line an exception came from, innermost first."""
    where: list[str] = []
    resources = _PROCESSING.findall(str(error))
    if resources:
        name, type_token = resources[-1]
        where.append(f"resource '{name}' ({type_token})")
    cause = innermost_cause(error)
    component: str | None = None
    code: str | None = None
    for frame, line in traceback.walk_tb(cause.__traceback__):
        path = Path(frame.f_code.co_filename)
        if not path.is_relative_to(root) or path.is_relative_to(root / ".venv"):
            continue
        relative = path.relative_to(root)
        if relative.parts[0] in ("tools", "tests"):
            continue  # the offline tools' own frames, or a test's stand-in
        code = f"{relative}:{line} (in {frame.f_code.co_name})"
        owner = frame.f_locals.get("self")
        if _is_component(owner):
            component = f"component '{owner._name}' ({owner._type})"
    if component:
        where.append(component)
    if code:
        where.append(f"code {code}")
    return where


def _is_component(value: object) -> bool:
    import pulumi

    return isinstance(value, pulumi.ComponentResource)


def project_name(root: Path = ROOT) -> str:
    return str(_project_document((root / "Pulumi.yaml").read_text())["name"])


@functools.lru_cache(maxsize=8)
def _project_document(text: str) -> Any:
    """Pulumi.yaml's document, parsed once per distinct text (shared: read it, never change it)."""
    return yaml.safe_load(text)


def stack_config(
    stack: str, root: Path = ROOT, stacks_dir: Path | None = None
) -> tuple[dict[str, str], set[str]]:
    """The flat config map the CLI would pass for this stack, and which keys are secrets.

    `stacks_dir`: where `Pulumi.<stack>.yaml` lives when not next to the program (a test's copy).
    """
    directory = stacks_dir or root
    path = directory / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise StackMissing(stack, directory)
    document = read_stack_file(path)
    return flatten_config(project_name(root), document.get("config") or {}, root)


class StackMissing(FileNotFoundError):
    """No `Pulumi.<stack>.yaml`: names the stack (a test that needs it by name can say so)."""

    def __init__(self, stack: str, directory: Path) -> None:
        self.stack = stack
        stacks = ", ".join(available_stacks(directory))
        super().__init__(f"no stack file Pulumi.{stack}.yaml; stacks: {stacks}")


def flatten_config(
    project: str, config: Mapping[str, Any], root: Path = ROOT
) -> tuple[dict[str, str], set[str]]:
    """Stack-file config (as YAML data) to `namespace:key` -> string, like the CLI does."""
    project_doc = _project_document((root / "Pulumi.yaml").read_text())
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
    stacks_dir: Path | None = None,
) -> Any:
    """Run the program for `stack` and return its StackRun; raise ProgramFailed if it stops.

    `config` replaces the stack file's config (a flat map), for tests of broken settings;
    `stacks_dir` is where the stack file lives when not in `root`.
    """
    if config is None:
        config, secret_keys = stack_config(stack, root, stacks_dir)
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
    aws_packages.install()
    with collector_paused(), source_positions_skipped():
        return contextvars.Context().run(
            _run_in_fresh_context, program, stack, dict(config or {}), set(secret_keys or ()), root
        )


@contextlib.contextmanager
def source_positions_skipped() -> Iterator[None]:
    """The SDK's source positions are not worked out while a program runs offline.

    At every registration the SDK walks the Python stack (`traceback.extract_stack`, a file URI
    per frame) to tell the engine where in the program the resource was made, which the engine
    only displays. The offline monitor records none of it, and the walk was about a tenth of a
    run. The SDK's function is restored after the run; an SDK without it is left as it is.
    """
    from pulumi.runtime import resource as sdk_resource
    from pulumi.runtime.proto import source_pb2

    original = getattr(sdk_resource, "_get_stack_trace", None)
    if original is None:
        yield
        return
    sdk_resource._get_stack_trace = source_pb2.StackTrace  # an empty trace: no source position
    try:
        yield
    finally:
        sdk_resource._get_stack_trace = original


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
            _forget_failed_outputs(loop)
            raise ProgramFailed(str(error), monitor.records()) from None
        except Exception as error:  # any other exception is a bug in the program's code
            _forget_failed_outputs(loop)
            _abandon_pending_work(loop)
            raise ProgramCrashed(error, crash_location(error, root), monitor.records()) from error
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


_UNRETRIEVED = ("Future exception was never retrieved", "Task exception was never retrieved")


def _forget_failed_outputs(loop: asyncio.AbstractEventLoop) -> None:
    """After a failed run: its outputs' exceptions are reported once, as the run's failure.

    Every output that depended on the failing one holds the same error in a future nobody
    awaits; when each is collected, asyncio would log it with its traceback (thousands of lines
    over a test session). Only this loop's such messages are dropped; anything else it reports
    still goes to asyncio's default handler.
    """

    def handler(event_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if context.get("message") not in _UNRETRIEVED:
            event_loop.default_exception_handler(context)

    loop.set_exception_handler(handler)


def _abandon_pending_work(loop: asyncio.AbstractEventLoop) -> None:
    """After a crash: cancel the run's unfinished tasks and forget its pending outputs.

    Pulumi's runtime keeps outstanding output tasks in a set the next run in this process would
    wait on (bound to this, soon closed, loop): a crashed run must leave none behind.
    """
    from pulumi.runtime.settings import SETTINGS

    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    with SETTINGS.lock:
        SETTINGS.outputs.clear()


async def _resolve(value: Any) -> Any:
    """A stack output's value; a secret one keeps Pulumi's secret wrapper so it can be masked."""
    import pulumi

    from foundation.records import SECRET_SIG, SECRET_SIG_KEY

    output = pulumi.Output.from_input(value)
    resolved = await output.future()
    if await output.is_secret():
        return {SECRET_SIG_KEY: SECRET_SIG, "value": resolved}
    return resolved
