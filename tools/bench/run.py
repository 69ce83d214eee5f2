"""`make bench`: how fast the preview, the packs and the tests are on this machine, and how the
packs scale. Prints a table and writes JSON (default out/bench.json).

Every figure is the median of several runs (the run count is printed with it):
- the offline preview of each stack (`python -m tools.offline.preview`), a whole process;
- in a fresh process per run, as `make preview` runs them: the program under mocks, the judging
  stage (the three packs) and the deploy pack alone, cold (first call in the process, imports
  included) and warm (called again);
- the packs through their analyzer interface on synthetic stacks of 1,000, 5,000 and 20,000
  resources (`tests.policies.builders.synthetic_stack`: copies of a realistic 24-resource stack
  of the judged types, every tenth copy broken), per resource, against an empty pack (the
  protocol's own cost), in two rows: the two packs of 74228b1's figures (guardrails and cost)
  and the deploy pack (the third since issue 23; the judging stage runs all three);
- the whole test suite (`pytest -q -n 2`), a whole process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tools.bench.probes import DEPLOY, EMPTY, EMPTY_STOCK, JUDGED, PACKS

ROOT = Path(__file__).resolve().parents[2]
STACKS: tuple[str, ...] = ("staging", "prod")
SIZES: tuple[int, ...] = (1000, 5000, 20000)
GROUPS: tuple[str, ...] = ("preview", "stages", "throughput", "tests")

# What issue 10 asks of the figures.
PREVIEW_LIMIT_S = 3.0  # the offline preview of prod, whole process
TESTS_LIMIT_S = 60.0  # the whole test suite
GROWTH_LIMIT = 1.5  # packs' time per resource at the largest size over the smallest
FLOOR_RATIO_LIMIT = 3.0  # packs' time over the empty pack's at 5,000 resources
FLOOR_RATIO_SIZE = 5000


class BenchError(RuntimeError):
    """A measured command failed; the message says which and how."""


@dataclass
class Figure:
    """One measured quantity: every run's value and their median."""

    group: str
    name: str
    runs: list[float]
    unit: str = "s"
    how: str = ""
    size: int | None = None
    per_resource_ms: float | None = None
    ratio: float | None = None
    median: float = field(init=False)

    def __post_init__(self) -> None:
        self.median = median(self.runs)


@dataclass
class Target:
    """One requirement on the figures and whether this run met it."""

    name: str
    value: float
    limit: float
    met: bool = field(init=False)

    def __post_init__(self) -> None:
        self.met = self.value < self.limit


def median(values: Iterable[float]) -> float:
    items = list(values)
    if not items:
        raise ValueError("median of no runs")
    return statistics.median(items)


# -- the machine ------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """What the figures depend on: CPUs, CPU model, memory, Python."""
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model(),
        "memory_gib": memory_gib(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def cpu_model(lscpu_text: str | None = None) -> str:
    """`lscpu`'s model name (else the platform's processor string)."""
    if lscpu_text is None:
        try:
            lscpu_text = subprocess.run(
                ["lscpu"], capture_output=True, text=True, check=False, timeout=10
            ).stdout
        except (OSError, subprocess.SubprocessError):
            lscpu_text = ""
    for line in lscpu_text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "Model name":
            return value.strip()
    return platform.processor() or "unknown"


def memory_gib(meminfo_text: str | None = None) -> float | None:
    """MemTotal from /proc/meminfo, in GiB."""
    if meminfo_text is None:
        try:
            meminfo_text = Path("/proc/meminfo").read_text()
        except OSError:
            return None
    match = re.search(r"^MemTotal:\s+(\d+) kB", meminfo_text, re.MULTILINE)
    return round(int(match.group(1)) / 1024**2, 1) if match else None


# -- measuring ----------------------------------------------------------------------------------


def _wall(command: Sequence[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done


def _failure(command: Sequence[str], done: subprocess.CompletedProcess[str]) -> BenchError:
    tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
    return BenchError(f"`{' '.join(command)}` exited with {done.returncode}:\n{tail}")


def measure_preview(stack: str, repeats: int) -> Figure:
    command = [sys.executable, "-m", "tools.offline.preview", "--stack", stack]
    runs = []
    for _ in range(repeats):
        seconds, done = _wall(command)
        if done.returncode not in (0, 1):  # 1: the preview ran and found something blocking
            raise _failure(command, done)
        runs.append(seconds)
    return Figure("preview", f"make preview STACK={stack}", runs, how="whole process")


def run_probe(probe: str, *args: str) -> dict[str, Any]:
    """Start `tools.bench.probes <probe>` in a fresh interpreter and return its answer."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "probe.json"
        command = [sys.executable, "-m", "tools.bench.probes", probe, "--out", str(out), *args]
        _, done = _wall(command)
        if done.returncode != 0 or not out.exists():
            raise _failure(command, done)
        return json.loads(out.read_text())


def stage_figures(stack: str, answers: Sequence[Mapping[str, Any]]) -> list[Figure]:
    """Figures from several `stages` probe answers (one fresh process each)."""
    size = answers[0]["resources"]
    figures = [
        Figure(
            "stages",
            f"{stack}: import pulumi, pulumi_aws",
            [a["import_pulumi_aws"] for a in answers],
            how="cold",
        )
    ]
    for key, label in (
        ("program", "program under mocks"),
        ("packs", "three packs (judging stage)"),
        ("deploy", "of which the deploy pack"),
    ):
        cold = [a[key]["cold"] for a in answers]
        warm = [seconds for a in answers for seconds in a[key]["warm"]]
        figures.append(Figure("stages", f"{stack}: {label}", cold, how="cold"))
        figures.append(
            Figure(
                "stages",
                f"{stack}: {label}",
                warm,
                how="warm",
                size=size,
                per_resource_ms=1000 * median(warm) / size,
            )
        )
    return figures


def throughput_figures(answer: Mapping[str, Any]) -> list[Figure]:
    """Per-size figures for each row of packs and both floors, with each row's ratio to the
    packs' servicer floor."""
    figures = []
    for size_text, entry in answer["sizes"].items():
        size = int(size_text)
        seconds = entry["seconds"]
        floors = {name: median(seconds[name]) for name in (EMPTY, EMPTY_STOCK)}
        for name, runs in seconds.items():
            ratio = median(runs) / floors[EMPTY] if name in JUDGED else None
            figures.append(
                Figure(
                    "throughput",
                    f"{size:,} resources: {name}",
                    runs,
                    how=f"warm, {entry['violations'][name]:,} violations",
                    size=size,
                    per_resource_ms=1000 * median(runs) / size,
                    ratio=ratio,
                )
            )
    return figures


def measure_tests(repeats: int) -> Figure:
    command = [sys.executable, "-m", "pytest", "-q", "-n", "2"]
    runs = []
    for _ in range(repeats):
        seconds, done = _wall(command)
        if done.returncode != 0:
            raise _failure(command, done)
        runs.append(seconds)
    passed = re.search(r"(\d+) passed", done.stdout)
    how = f"whole process, {passed.group(1)} tests" if passed else "whole process"
    return Figure("tests", "pytest -q -n 2", runs, how=how)


_ROW_NAMES = {PACKS: "packs", DEPLOY: "deploy pack"}
"""How a target names each row of packs. "packs" is 74228b1's two packs (guardrails and cost),
the row its targets and table judged, so those target lines compare like with like across
commits; the floor ratio is judged on that row, the deploy pack on its growth only."""
LEGACY_PACKS = "both packs"
"""The two packs' row name in results measured before the deploy pack had its own row (then
there were no other packs): read as PACKS."""


def _row_of(figure: Figure) -> str | None:
    label = figure.name.rpartition(": ")[2]
    if label == LEGACY_PACKS:
        return PACKS
    return label if label in JUDGED else None


def targets(figures: Sequence[Figure]) -> list[Target]:
    """Issue 10's requirements, judged on whichever figures were measured."""
    found: list[Target] = []
    by_name = {(f.group, f.name, f.how): f for f in figures}
    prod = by_name.get(("preview", "make preview STACK=prod", "whole process"))
    if prod is not None:
        found.append(Target("prod preview, whole process (s)", prod.median, PREVIEW_LIMIT_S))
    tests = next((f for f in figures if f.group == "tests"), None)
    if tests is not None:
        found.append(Target("test suite (s)", tests.median, TESTS_LIMIT_S))
    rows: dict[str, dict[int, Figure]] = {row: {} for row in JUDGED}
    for figure in figures:
        row = _row_of(figure) if figure.group == "throughput" else None
        if row is not None and figure.size is not None:
            rows[row][figure.size] = figure
    for row, by_size in rows.items():
        if len(by_size) >= 2:
            smallest, largest = by_size[min(by_size)], by_size[max(by_size)]
            assert smallest.per_resource_ms and largest.per_resource_ms
            found.append(
                Target(
                    f"{_ROW_NAMES[row]} per resource, {max(by_size):,} over {min(by_size):,}",
                    largest.per_resource_ms / smallest.per_resource_ms,
                    GROWTH_LIMIT,
                )
            )
    at_size = rows[PACKS].get(FLOOR_RATIO_SIZE)
    if at_size is not None and at_size.ratio is not None:
        found.append(
            Target(
                f"{_ROW_NAMES[PACKS]} over the empty pack at {FLOOR_RATIO_SIZE:,}",
                at_size.ratio,
                FLOOR_RATIO_LIMIT,
            )
        )
    return found


# -- reporting ----------------------------------------------------------------------------------


def _number(value: float | None, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def render_table(figures: Sequence[Figure], goals: Sequence[Target] = ()) -> str:
    """The figures as a fixed-width table, then each target met or missed."""
    header = ("Figure", "How", "Median s", "Runs", "ms/resource", "x floor")
    rows = [
        (
            f.name,
            f.how,
            _number(f.median),
            str(len(f.runs)),
            _number(f.per_resource_ms, 4),
            _number(f.ratio, 2),
        )
        for f in figures
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines = []
    group = None
    for figure, row in zip((None, *figures), (header, *rows), strict=True):
        if figure is not None and figure.group != group:
            group = figure.group
            lines.append(f"-- {group}")
        cells = [
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    for goal in goals:
        verdict = "met" if goal.met else "MISSED"
        lines.append(f"target: {goal.name} = {goal.value:.2f} (< {goal.limit:g}): {verdict}")
    return "\n".join(lines)


def report(
    figures: Sequence[Figure], settings: Mapping[str, Any], about: Mapping[str, Any]
) -> dict[str, Any]:
    """The JSON document `make bench` writes."""
    return {
        "machine": dict(about),
        "settings": dict(settings),
        "figures": [asdict(f) for f in figures],
        "targets": [asdict(t) for t in targets(figures)],
    }


# -- the command --------------------------------------------------------------------------------


def collect(
    groups: Sequence[str],
    *,
    repeats: int,
    warm: int,
    test_repeats: int,
    sizes: Sequence[int],
    stacks: Sequence[str] = STACKS,
    progress: Any = None,
) -> list[Figure]:
    def say(text: str) -> None:
        if progress is not None:
            progress.write(f"bench: {text}\n")
            progress.flush()

    figures: list[Figure] = []
    if "preview" in groups:
        for stack in stacks:
            say(f"preview {stack} x{repeats}")
            figures.append(measure_preview(stack, repeats))
    if "stages" in groups:
        for stack in stacks:
            say(f"stages {stack} x{repeats} processes, {warm} warm calls each")
            answers = [run_probe("stages", "--stack", stack, "--warm", str(warm))]
            answers += [
                run_probe("stages", "--stack", stack, "--warm", "0") for _ in range(repeats - 1)
            ]
            figures.extend(stage_figures(stack, answers))
    if "throughput" in groups:
        say(f"packs on synthetic stacks {', '.join(map(str, sizes))} x{repeats}")
        sizes_args = [str(size) for size in sizes]
        answer = run_probe("throughput", "--sizes", *sizes_args, "--repeats", str(repeats))
        figures.extend(throughput_figures(answer))
    if "tests" in groups:
        say(f"test suite x{test_repeats}")
        figures.append(measure_tests(test_repeats))
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--json", type=Path, default=ROOT / "out" / "bench.json")
    parser.add_argument("--quick", action="store_true", help="fewer runs per figure (3, tests 1)")
    parser.add_argument("--repeats", type=int, help="runs per figure (default 5; quick 3)")
    parser.add_argument("--only", nargs="+", choices=GROUPS, default=list(GROUPS))
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args(argv)
    repeats = args.repeats if args.repeats is not None else (3 if args.quick else 5)
    if repeats < 1 or min(args.sizes) < 1:
        parser.error(f"--repeats and --sizes must be at least 1 (got {repeats}, {args.sizes})")
    settings = {
        "repeats": repeats,
        "warm_calls": repeats,
        "test_repeats": 1 if args.quick else 3,
        "sizes": args.sizes,
        "groups": args.only,
    }
    load_before = os.getloadavg()  # the figures only mean something on an idle machine
    try:
        figures = collect(
            args.only,
            repeats=repeats,
            warm=repeats,
            test_repeats=settings["test_repeats"],
            sizes=args.sizes,
            progress=sys.stderr,
        )
    except BenchError as error:
        sys.stderr.write(f"bench: {error}\n")
        return 2
    about = {
        **machine(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    sys.stdout.write(
        f"{about['cpu_model']}, {about['nproc']} CPUs, {about['memory_gib']} GiB, "
        f"Python {about['python']}; load average before {about['load_average_before'][0]}, "
        f"after {about['load_average_after'][0]}\n"
    )
    sys.stdout.write(render_table(figures, targets(figures)) + "\n")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report(figures, settings, about), indent=2) + "\n")
    sys.stdout.write(f"wrote {args.json}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
