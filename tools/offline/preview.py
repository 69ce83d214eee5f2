"""`make preview`: run a stack's program offline, judge it, and print what `pulumi up` would create.

Stages: settings and program (under mocks) -> policy packs (through pulumi_policy's analyzer
interface, with the stack's policy config) -> deploy checks (what AWS would reject). Exit codes:
0 fine, 1 a mandatory policy violation or a deploy-check finding, 2 invalid settings or a
program error. No traceback reaches the user.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foundation.records import StackRun, is_secret_wrapper, type_counts
from tools.offline.cost import cost_json, cost_report, render_cost_markdown, render_cost_text
from tools.offline.markdown import render_markdown
from tools.offline.policy_driver import PolicyConfigError
from tools.offline.runner import ProgramFailed, available_stacks, run_stack

SECRET_MASK = "[secret]"


@dataclass
class StageResult:
    """What one judging stage found: blocking problems and notes that do not block."""

    name: str
    blocking: list[str] = field(default_factory=list)
    advisory: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: Any = None


Stage = Callable[[StackRun], StageResult]


def deploy_check_stage(run: StackRun) -> StageResult:
    """What AWS would refuse at `pulumi up` (deploycheck): every finding blocks."""
    from deploycheck import run_deploy_checks

    findings = run_deploy_checks(run)
    return StageResult("Deploy checks", blocking=[str(f) for f in findings], data=findings)


def policy_stage(run: StackRun) -> StageResult:
    """Both policy packs through pulumi_policy's analyzer interface, with the stack's config."""
    from tools.offline.policy_driver import evaluate_packs

    report = evaluate_packs(run, run.stack)
    return StageResult(
        "Policy packs (guardrails, cost)",
        blocking=[f"{v.pack}/{v.policy}: {v.message}" for v in report.mandatory()],
        advisory=[f"{v.pack}/{v.policy}: {v.message}" for v in report.advisory()],
        notes=[str(n) for n in (*report.exemptions, *report.diagnostics)],
        data=report,
    )


def default_stages() -> list[Stage]:
    """The judging stages the preview runs on every stack."""
    return [policy_stage, deploy_check_stage]


def mask_secrets(value: Any) -> Any:
    """A copy with every secret replaced by a mask, for printing and JSON."""
    if is_secret_wrapper(value):
        return SECRET_MASK
    if isinstance(value, dict):
        return {k: mask_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(v) for v in value]
    return value


def render_tree(run: StackRun) -> list[str]:
    """The component -> children tree, in registration order."""
    children: dict[str | None, list[Any]] = {}
    urns = {r.urn for r in run.resources}
    for record in run.resources:
        parent = record.parent if record.parent in urns else None
        children.setdefault(parent, []).append(record)
    lines = [f"pulumi:pulumi:Stack {run.project}-{run.stack}"]

    def walk(parent: str | None, indent: str) -> None:
        items = children.get(parent, [])
        for index, record in enumerate(items):
            last = index == len(items) - 1
            marker = "└─ " if last else "├─ "
            flags = " [protect]" if record.protect else ""
            lines.append(f"{indent}{marker}{record.type}  {record.name}{flags}")
            walk(record.urn, indent + ("   " if last else "│  "))

    walk(None, "   ")
    return lines


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
            {"name": s.name, "blocking": s.blocking, "advisory": s.advisory, "notes": s.notes}
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
    stack: str, stages: Sequence[Stage] | None = None, *, whole_process: bool = False
) -> tuple[StackRun, list[StageResult]]:
    """Run the program and every stage; raises ProgramFailed when the program stops.

    `whole_process`: this process exists for this preview only, so `after_program` applies.
    """
    run = run_stack(stack)
    if whole_process:
        after_program()
    results = [stage(run) for stage in (default_stages() if stages is None else stages)]
    return run, results


def print_report(run: StackRun, results: Sequence[StageResult], seconds: float) -> None:
    out = sys.stdout
    out.write(f"perfcheck offline preview - stack '{run.stack}' (Pulumi mocks, no cloud)\n\n")
    out.write(f"Resources to create: {len(run.resources)}\n")
    out.write("\n".join(render_tree(run)) + "\n\nBy type:\n")
    for type_token, count in type_counts(run):
        out.write(f"  {count:4d}  {type_token}\n")
    out.write("\nOutputs:\n")
    for name, value in sorted(mask_secrets(dict(run.outputs)).items()):
        out.write(f"  {name}: {json.dumps(value)}\n")
    for result in results:
        out.write(
            f"\n{result.name}: {len(result.blocking)} blocking, {len(result.advisory)} advisory\n"
        )
        for line in result.blocking:
            out.write(f"  [mandatory] {line}\n")
        for line in result.advisory:
            out.write(f"  [advisory]  {line}\n")
        for line in result.notes:
            out.write(f"  [note]      {line}\n")
    blocking = sum(len(r.blocking) for r in results)
    verdict = "OK" if blocking == 0 else f"FAILED: {blocking} blocking finding(s)"
    out.write(f"\nResult: {verdict} ({seconds:.2f} s)\n")


def main(argv: Sequence[str] | None = None, *, whole_process: bool = False) -> int:
    """The command; `whole_process` when the process exits after it (see `after_program`)."""
    parser = argparse.ArgumentParser(prog="make preview", description=__doc__)
    parser.add_argument("--stack", default="staging", help="stack name (default: staging)")
    parser.add_argument("--json", type=Path, help="also write the result as JSON to this file")
    parser.add_argument("--markdown", type=Path, help="also write a Markdown summary to this file")
    args = parser.parse_args(argv)
    stacks = available_stacks()
    if args.stack not in stacks:
        sys.stderr.write(f"unknown stack '{args.stack}'; stacks: {', '.join(stacks)}\n")
        return 2
    started = time.perf_counter()
    try:
        run, results = preview(args.stack, whole_process=whole_process)
    except PolicyConfigError as error:
        sys.stderr.write(f"{error}\n")
        return 2
    except ProgramFailed as failure:
        sys.stderr.write(f"{failure.message}\n")
        sys.stderr.write(f"Nothing was registered: {len(failure.resources)} resources.\n")
        if args.markdown:
            args.markdown.parent.mkdir(parents=True, exist_ok=True)
            args.markdown.write_text(
                f"### Offline preview: `{args.stack}` **failed**\n\n```\n{failure.message}\n```\n"
            )
        return 2
    seconds = time.perf_counter() - started
    print_report(run, results, seconds)
    cost = cost_report(run)
    sys.stdout.write("\n" + "\n".join(render_cost_text(cost)) + "\n")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        document = {**to_json(run, results, seconds), "cost": cost_json(cost)}
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        markdown = render_markdown(run, results) + "\n".join(render_cost_markdown(cost))
        args.markdown.write_text(markdown)
    return 1 if any(r.blocking for r in results) else 0


if __name__ == "__main__":
    exit_code = main(whole_process=True)
    after_program()  # what the judging stages left, too: the interpreter's exit need not scan it
    sys.exit(exit_code)
