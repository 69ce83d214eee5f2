"""`make preview`: run a stack's program offline, judge it, and print what `pulumi up` would create.

Stages: settings and program (under mocks) -> policy packs (through pulumi_policy's analyzer
interface, with the stack's policy config: guardrails, cost, and deploy, what AWS would reject).

Exit codes: 0 fine; 1 a mandatory policy violation (a deploy finding included); 2 something to
edit in a file (stack file YAML, duplicate key, setting, missing or invalid policy config,
overlapping VPC range); 3 the program's code raised an exception (a bug, reported with the
resource, component and line); 4 the report cannot be written (a --json/--markdown path that is
a directory or not writable, checked before the run); 141 stdout was closed early (`| head`):
the run ends quietly, as a tool ended by SIGPIPE. Each failure is one message naming the file
and what to change; no traceback reaches the user unless `--debug` asks for it. The text report
itself is laid out by tools/offline/render.py.
"""

from __future__ import annotations

if not __package__:  # run by its path (python tools/offline/preview.py): run it as a module
    import runpy
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    runpy.run_module("tools.offline.preview", run_name="__main__", alter_sys=True)
    raise SystemExit(0)  # the module exits with its own code; this line is never reached

import argparse
import functools
import gc
import json
import logging
import os
import re
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from foundation.records import StackRun, is_secret_wrapper
from tools.offline.cost import cost_json, cost_report, render_cost_markdown, render_cost_text
from tools.offline.markdown import render_failure_markdown, render_markdown
from tools.offline.policy_driver import PACK_NAMES, PolicyConfigError, config_file_for
from tools.offline.render import report_lines
from tools.offline.runner import (
    ROOT,
    ProgramCrashed,
    ProgramFailed,
    StackFileError,
    available_stacks,
    innermost_cause,
    run_stack,
    stack_file_lines,
    vpc_range_overlaps,
)

SECRET_MASK = "[secret]"

EXIT_OK = 0
EXIT_BLOCKING = 1
"""A mandatory policy violation (of any pack: a deploy finding is one)."""
EXIT_INPUT = 2
"""Something to edit in a file: the stack file, a setting, a policy config."""
EXIT_PROGRAM_ERROR = 3
"""The program's (or a judging stage's) code raised an exception: a bug to fix in code."""
EXIT_OUTPUT = 4
"""The report cannot be written: a --json/--markdown path (a directory, not writable)."""
EXIT_PIPE_CLOSED = 141
"""The reader closed stdout early (`| head`): quiet, the code a shell gives a tool SIGPIPE ends."""


class PreviewFailed(Exception):
    """One failure of the preview: its exit code, a message saying what to edit, the cause."""

    def __init__(self, code: int, message: str, cause: BaseException | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.cause = cause


@dataclass(frozen=True)
class RootCause:
    """One message of a rule, with every resource it was reported on."""

    message: str
    resources: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.resources)


@dataclass(frozen=True)
class FindingGroup:
    """One rule at one level: its root causes (each printed once, with a count) and its fix."""

    source: str
    level: str
    causes: tuple[RootCause, ...]
    fix: str

    @property
    def count(self) -> int:
        return sum(cause.count for cause in self.causes)

    def lines(self, shown: int = 5) -> list[str]:
        plural = "s" if self.count != 1 else ""
        lines = [f"{self.source}: {self.count} finding{plural}"]
        for cause in self.causes:
            names = ", ".join(cause.resources[:shown])
            more = f" +{cause.count - shown} more" if cause.count > shown else ""
            lines.append(f"  {cause.message}  [x{cause.count}: {names}{more}]")
        lines.append(f"  fix: {self.fix}")
        return lines


@dataclass
class StageResult:
    """What one judging stage found: blocking problems and notes that do not block."""

    name: str
    blocking: list[str] = field(default_factory=list)
    advisory: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: Any = None
    groups: list[FindingGroup] = field(default_factory=list)
    """Blocking and advisory findings grouped by rule and root cause (empty: print the lists)."""


Stage = Callable[[StackRun], StageResult]


def policy_stage(run: StackRun, config_dir: Path | None = None) -> StageResult:
    """The three policy packs (guardrails, cost, deploy: what AWS would refuse) through
    pulumi_policy's analyzer interface, with the stack's config: one judging stage."""
    from tools.offline.policy_driver import evaluate_packs

    report = evaluate_packs(run, run.stack, config_dir)
    return StageResult(
        f"Policy packs ({', '.join(PACK_NAMES)})",
        blocking=[f"{v.pack}/{v.policy}: {v.message}" for v in report.mandatory()],
        advisory=[f"{v.pack}/{v.policy}: {v.message}" for v in report.advisory()],
        notes=[
            *(str(n) for n in (*report.exemptions, *report.diagnostics)),
            # An exemption that covers nothing today (renamed, removed, a typo in its glob) would
            # silently hide a future resource of that name: each one is named.
            *(f"[stale exemption] {use}" for use in report.stale_exemptions()),
        ],
        data=report,
        groups=group_violations(report.violations),
    )


def group_violations(violations: Sequence[Any]) -> list[FindingGroup]:
    """One group per rule and level; inside, one root cause per message, with a count.

    A message starts with the resource it is about (`<type> '<name>': `); without that prefix
    the same cause on a hundred resources is one line.
    """
    from tools.offline.policy_driver import load_pack
    from tools.offline.remediation import fix_for

    remediation = {
        rule.name: rule.remediation_steps
        for pack in PACK_NAMES
        for rule in load_pack(pack).policies
    }
    grouped: dict[tuple[str, str, str], dict[str, list[str]]] = {}
    for violation in violations:
        prefix = f"{violation.type} '{violation.name}': "
        message = violation.message.removeprefix(prefix)
        key = (violation.pack, violation.policy, violation.enforcement_level)
        grouped.setdefault(key, {}).setdefault(message, []).append(violation.name or "(stack)")
    order = {"mandatory": 0, "advisory": 1}
    return [
        FindingGroup(
            f"{pack}/{policy}",
            level,
            tuple(
                RootCause(message, tuple(sorted(names)))
                for message, names in sorted(causes.items(), key=lambda item: -len(item[1]))
            ),
            fix_for(policy, remediation.get(policy)),
        )
        for (pack, policy, level), causes in sorted(
            grouped.items(), key=lambda item: (order.get(item[0][2], 2), item[0][:2])
        )
    ]


def default_stages(config_dir: Path | None = None) -> list[Stage]:
    """The judging stages the preview runs on every stack (policy configs from `config_dir`)."""
    return [functools.partial(policy_stage, config_dir=config_dir)]


def mask_secrets(value: Any) -> Any:
    """A copy with every secret replaced by a mask, for printing and JSON."""
    if is_secret_wrapper(value):
        return SECRET_MASK
    if isinstance(value, dict):
        return {k: mask_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(v) for v in value]
    return value


def to_json(run: StackRun, stages: Sequence[StageResult], seconds: float) -> dict[str, Any]:
    return {
        "stack": run.stack,
        "project": run.project,
        "seconds": round(seconds, 3),
        "resourceCount": len(run.resources),
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "parent": r.parent,
                "custom": r.custom,
                "protect": r.protect,
                "dependencies": list(r.dependencies),
                "inputs": mask_secrets(dict(r.wire_inputs)),
            }
            for r in run.resources
        ],
        "outputs": mask_secrets(dict(run.outputs)),
        "stages": [
            {
                "name": s.name,
                "blocking": s.blocking,
                "advisory": s.advisory,
                "notes": s.notes,
                "groups": [
                    {
                        "source": g.source,
                        "level": g.level,
                        "count": g.count,
                        "causes": [
                            {"message": c.message, "count": c.count, "resources": list(c.resources)}
                            for c in g.causes
                        ],
                        "fix": g.fix,
                    }
                    for g in s.groups
                ],
            }
            for s in stages
        ],
        "ok": not any(s.blocking for s in stages),
    }


def after_program() -> None:
    """Freeze what the program left in memory out of the garbage collector's view.

    For a process that runs one preview and exits (the command line, the benchmark's probes).
    Everything alive once the program has run lives until exit: the pulumi_aws classes its
    imports made (about 390,000 tracked objects) and the stack run. Frozen, they are not scanned
    again by the collections the judging stages trigger (parliament's 10 MB of IAM data alone:
    0.2 s) nor by the interpreter's collections at exit (1.4 s). Nothing is freed later that would
    have been freed otherwise but the run's own garbage, a few megabytes, until exit.
    """
    gc.freeze()


def preview(
    stack: str,
    stages: Sequence[Stage] | None = None,
    *,
    whole_process: bool = False,
    stacks_dir: Path | None = None,
) -> tuple[StackRun, list[StageResult]]:
    """Run the program and every stage; raises ProgramFailed when the program stops.

    `whole_process`: this process exists for this preview only, so `after_program` applies.
    `stacks_dir`: a directory laid out like the repository (`Pulumi.<stack>.yaml`,
    `policies/config/`) that holds the stack's files; default the repository.
    """
    run = run_stack(stack) if stacks_dir is None else run_stack(stack, stacks_dir=stacks_dir)
    if whole_process:
        after_program()
    if stages is None:
        stages = default_stages(stacks_dir / "policies" / "config" if stacks_dir else None)
    results = [stage(run) for stage in stages]
    return run, results


def checked_preview(
    stack: str, *, whole_process: bool = False, stacks_dir: Path | None = None
) -> tuple[StackRun, list[StageResult]]:
    """`preview` with every failure turned into one PreviewFailed (exit code and message)."""
    directory = stacks_dir or ROOT
    stacks = available_stacks(directory)
    if stack not in stacks:
        raise PreviewFailed(EXIT_INPUT, f"unknown stack '{stack}'; stacks: {', '.join(stacks)}")
    config_dir = directory / "policies" / "config"
    missing = [
        config_file_for(stack, pack, config_dir)
        for pack in PACK_NAMES
        if not config_file_for(stack, pack, config_dir).exists()
    ]
    if missing:
        names = ", ".join(str(path.relative_to(directory)) for path in missing)
        raise PreviewFailed(
            EXIT_INPUT,
            f"stack '{stack}' has no policy config: {names} missing. Without it every rule runs "
            "at its pack default (mandatory, production thresholds). Create the files with "
            f"`make new-stack NAME={stack} FROM=staging` (or FROM=prod), which copies that "
            "stack's policy configs, or copy them by hand (README, Adding a stack).",
        )
    try:
        overlaps = vpc_range_overlaps(stack, directory)
        if overlaps:
            raise PreviewFailed(EXIT_INPUT, "\n".join(overlaps))
        check_policy_configs(stack, config_dir)
        return preview(stack, whole_process=whole_process, stacks_dir=stacks_dir)
    except PreviewFailed:
        raise
    except (StackFileError, PolicyConfigError) as error:
        raise PreviewFailed(EXIT_INPUT, f"{error}", error) from None
    except ProgramFailed as failure:
        located = with_stack_file_lines(failure.message, directory / f"Pulumi.{stack}.yaml")
        message = f"{located}\nNothing was registered: {len(failure.resources)} resources."
        raise PreviewFailed(EXIT_INPUT, message, failure) from None
    except ProgramCrashed as crash:
        where = "; ".join(crash.where) or "no project code on the stack"
        message = (
            f"The program raised an exception: {crash}\n"
            f"From: {where}.\n"
            "This is a bug in the code, not in the stack file; rerun with --debug for the "
            "traceback."
        )
        raise PreviewFailed(EXIT_PROGRAM_ERROR, message, crash.error) from None
    except Exception as error:  # a judging stage or the runner itself
        raise internal_error(error) from None


_PROBLEM = re.compile(r"^(  - )([A-Za-z0-9_-]+:[^\s:]+): ")


def with_stack_file_lines(message: str, stack_file: Path) -> str:
    """Each `  - key: problem` line of a settings error, prefixed with where the key is written.

    A key that is not in the file (missing, or a default) keeps its line as it is.
    """
    try:
        lines = stack_file_lines(stack_file)
    except (OSError, yaml.YAMLError):
        return message
    located = []
    for line in message.splitlines():
        match = _PROBLEM.match(line)
        key = re.sub(r"\[\d+\]$", "", match.group(2)) if match else ""
        while key and key not in lines and "." in key:
            key = key.rsplit(".", 1)[0]  # a nested default: point at its section
        if match and key in lines:
            line = f"{match.group(1)}{stack_file.name}:{lines[key]}: {line[len(match.group(1)) :]}"
        located.append(line)
    return "\n".join(located)


def check_policy_configs(stack: str, config_dir: Path) -> None:
    """Configure each pack with the stack's file as the engine would, before the program runs.

    A typo in a policy config is then reported in a fraction of a second, not after the whole
    program; raises PolicyConfigError.
    """
    from tools.offline.policy_driver import PackSession, load_pack, parse_config_file

    for pack in PACK_NAMES:
        path = config_file_for(stack, pack, config_dir)
        try:
            PackSession(load_pack(pack), stack, parse_config_file(path))
        except PolicyConfigError as error:
            located = [located_in_config(problem, path) for problem in error.errors]
            raise PolicyConfigError(located) from None


def located_in_config(problem: str, path: Path) -> str:
    """`<file>:<line>: <policy>: ...`: the file named as the user opens it, at the policy's line."""
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    problem = problem.removeprefix(f"{path}: ")
    policy = problem.split(":", 1)[0]
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return f"{shown}: {problem}"
    line = next((n for n, text in enumerate(lines, 1) if f'"{policy}"' in text), None)
    return f"{shown}:{line}: {problem}" if line else f"{shown}: {problem}"


def internal_error(error: BaseException) -> PreviewFailed:
    """An exception in the preview's own code (a stage, the estimate): exit 3, one paragraph."""
    cause = innermost_cause(error)
    message = (
        f"The preview's own code raised {type(cause).__name__}: {cause}\n"
        "This is a bug in the tools, not in the stack; rerun with --debug for the traceback."
    )
    return PreviewFailed(EXIT_PROGRAM_ERROR, message, error)


def print_report(
    run: StackRun,
    results: Sequence[StageResult],
    seconds: float,
    cost: Sequence[str] = (),
    warnings: Sequence[str] = (),
) -> None:
    """The text report (tools/offline/render.py): verdict first and last, terminal width."""
    outputs = mask_secrets(dict(run.outputs))
    lines = report_lines(run, results, seconds, outputs=outputs, warnings=warnings, cost=cost)
    sys.stdout.write("\n".join(lines) + "\n")


def output_problem(option: str, path: Path | None) -> str | None:
    """Why `path` cannot take the report, found before the run (not after it), or None.

    Creates the missing parent directories and, for a new file, creates and removes it: the
    system's own answer, which also holds for root and read-only mounts.
    """
    if path is None:
        return None
    if path.is_dir():
        return f"{option} {path}: is a directory; give a file name (e.g. {path / 'preview.out'})"
    blocking_file = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocking_file is not None:
        return f"{option} {path}: {blocking_file} is a file, not a directory; choose another path"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        with path.open("a"):
            pass
        if not existed:
            path.unlink()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        where = (
            f" ({error.filename})" if error.filename and str(error.filename) != str(path) else ""
        )
        return f"{option} {path}: cannot be written: {reason}{where}; choose another path"
    return None


def write_output(option: str, path: Path, text: str) -> None:
    """Write one report file; raises PreviewFailed (exit 4) when the system refuses."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise PreviewFailed(EXIT_OUTPUT, f"{option} {path}: cannot write it ({reason})") from None


class ProgramWarnings(logging.Handler):
    """Collects what the program logs as warnings (pulumi.log.warn) for the report."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def main(argv: Sequence[str] | None = None, *, whole_process: bool = False) -> int:
    """The command; `whole_process` when the process exits after it (see `after_program`)."""
    parser = argparse.ArgumentParser(prog="make preview", description=__doc__)
    parser.add_argument("--stack", default="staging", help="stack name (default: staging)")
    parser.add_argument("--json", type=Path, help="also write the result as JSON to this file")
    parser.add_argument("--markdown", type=Path, help="also write a Markdown summary to this file")
    parser.add_argument(
        "--debug", action="store_true", help="on a failure, also print the Python traceback"
    )
    parser.add_argument(
        "--stacks-dir",
        type=Path,
        help="directory holding Pulumi.<stack>.yaml and policies/config/ (default: the repository)",
    )
    args = parser.parse_args(argv)
    problems = [
        problem
        for problem in (
            output_problem("--json", args.json),
            output_problem("--markdown", args.markdown),
        )
        if problem
    ]
    if problems:
        sys.stderr.write("\n".join(problems) + "\n")
        return EXIT_OUTPUT
    warnings = ProgramWarnings()
    root = logging.getLogger()
    root.addHandler(warnings)
    try:
        return _run(args, whole_process, warnings)
    except PreviewFailed as failure:  # an output file the system refused after all
        sys.stderr.write(f"{failure.message}\n")
        return failure.code
    finally:
        root.removeHandler(warnings)


def _run(args: argparse.Namespace, whole_process: bool, warnings: ProgramWarnings) -> int:
    started = time.perf_counter()
    try:
        run, results = checked_preview(
            args.stack, whole_process=whole_process, stacks_dir=args.stacks_dir
        )
    except PreviewFailed as failure:
        sys.stderr.write(f"{failure.message}\n")
        if args.debug and failure.cause is not None:
            sys.stderr.write("".join(traceback.format_exception(failure.cause)))
        if args.markdown:
            write_output(
                "--markdown", args.markdown, render_failure_markdown(args.stack, failure.message)
            )
        return failure.code
    seconds = time.perf_counter() - started
    try:
        cost = cost_report(run)
    except Exception as error:  # the estimate's own code: a bug in the tools, exit 3
        failure = internal_error(error)
        sys.stderr.write(f"{failure.message}\n")
        if args.debug:
            sys.stderr.write("".join(traceback.format_exception(error)))
        return failure.code
    print_report(run, results, seconds, render_cost_text(cost), warnings.messages)
    if args.json:
        document = {
            **to_json(run, results, seconds),
            "warnings": warnings.messages,
            "cost": cost_json(cost),
        }
        write_output("--json", args.json, json.dumps(document, indent=2) + "\n")
    if args.markdown:
        markdown = render_markdown(run, results, warnings.messages) + "\n".join(
            render_cost_markdown(cost)
        )
        write_output("--markdown", args.markdown, markdown)
    return EXIT_BLOCKING if any(r.blocking for r in results) else EXIT_OK


def run_command() -> int:
    """The process: main, and a reader that stops early (`make preview | head`) ends it quietly."""
    try:
        exit_code = main(whole_process=True)
        sys.stdout.flush()
    except BrokenPipeError:
        # Nothing more can be shown; point stdout at /dev/null so the exit's flush is silent too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE_CLOSED
    after_program()  # what the judging stages left, too: the interpreter's exit need not scan it
    return exit_code


if __name__ == "__main__":
    sys.exit(run_command())
