"""`make regen`: refresh every committed file generated from the program, in one command.

A change to the program (one more resource, another price) makes several committed files stale at
once; each has its own generator, and this runs them all, running each stack once:

- docs/cost-estimate.json, the figures in docs/cost.md and README.md (tools/offline/cost.py);
- docs/architecture.md, the diagram of prod (tools/offline/diagram.py);
- the policy packs' derived files and policies/README.md's tables (tools/gen_policy_files.py);
- docs/bench.json and docs/performance.md, only when the program's resource counts no longer match
  the kept figures: the `stages` group (the one that counts resources) is measured again, quickly,
  on this machine and merged into the kept result (tools/bench). Timings are never refreshed
  otherwise, so an unchanged tree stays unchanged.

Usage: python -m tools.regen [--check]   (--check: list the stale files, exit 1 if any)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foundation.records import StackRun

ROOT = Path(__file__).resolve().parents[1]
COMMAND = "make regen"


@dataclass(frozen=True)
class Generated:
    """A committed file and the text its generator makes of the program as it is."""

    path: Path
    expected: str

    @property
    def stale(self) -> bool:
        current = self.path.read_text(encoding="utf-8") if self.path.exists() else None
        return current != self.expected


def cost_files(runs: Mapping[str, StackRun]) -> list[Generated]:
    from tools.offline.cost import DOC_STACKS, SNAPSHOT, documents_with, snapshot_text

    text = snapshot_text([runs[stack] for stack in runs if stack in DOC_STACKS])
    documents = documents_with(json.loads(text))
    return [Generated(SNAPSHOT, text), *(Generated(p, t) for p, t in documents.items())]


def diagram_files(runs: Mapping[str, StackRun]) -> list[Generated]:
    from tools.offline.diagram import DEFAULT_OUTPUT, render_markdown

    return [Generated(ROOT / DEFAULT_OUTPUT, render_markdown(runs["prod"]))]


def policy_files(runs: Mapping[str, StackRun]) -> list[Generated]:
    from tools import gen_policy_files as gen

    return [
        Generated(gen.TAGGABLE_TABLE, gen.taggable_table_text()),
        Generated(gen.ECS_SHAPE_TABLE, gen.ecs_shape_text()),
        Generated(gen.README, gen.readme_text()),
    ]


def bench_table_files(runs: Mapping[str, StackRun]) -> list[Generated]:
    """docs/performance.md's "Figures today" table, from the kept docs/bench.json."""
    from tools.bench import doc

    result = json.loads(doc.RESULT.read_text(encoding="utf-8"))
    text = doc.replace_block(doc.DOCUMENT.read_text(encoding="utf-8"), doc.block(result))
    return [Generated(doc.DOCUMENT, text)]


GENERATORS: tuple[Callable[[Mapping[str, StackRun]], list[Generated]], ...] = (
    cost_files,
    diagram_files,
    policy_files,
    bench_table_files,
)


def measured_sizes(result: Mapping[str, Any]) -> dict[str, int]:
    """Resource count per stack in a kept `make bench` result (the `stages` group)."""
    return {
        figure["name"].split(":")[0]: figure["size"]
        for figure in result["figures"]
        if figure["group"] == "stages" and figure["size"]
    }


def bench_counts_stale(runs: Mapping[str, StackRun]) -> bool:
    from tools.bench.doc import RESULT

    program = {stack: len(run.resources) for stack, run in runs.items()}
    kept = measured_sizes(json.loads(RESULT.read_text(encoding="utf-8")))
    return kept != {stack: program[stack] for stack in kept}


def remeasure_stages() -> None:
    """Time the `stages` group again (quick) and merge it into docs/bench.json and the table."""
    from tools.bench import doc

    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / "stages.json"
        command = [sys.executable, "-m", "tools.bench.run", "--quick", "--only", "stages"]
        subprocess.run([*command, "--json", str(fresh)], cwd=ROOT, check=True)
        result = doc.merged([json.loads(doc.RESULT.read_text()), json.loads(fresh.read_text())])
    doc.RESULT.write_text(json.dumps(result, indent=2) + "\n")
    doc.DOCUMENT.write_text(doc.replace_block(doc.DOCUMENT.read_text(), doc.block(result)))


def all_generated(runs: Mapping[str, StackRun]) -> list[Generated]:
    return [generated for generator in GENERATORS for generated in generator(runs)]


def stale_paths(runs: Mapping[str, StackRun]) -> list[str]:
    """Committed generated files that differ from what the program makes of them now."""
    stale = [g.path for g in all_generated(runs) if g.stale]
    if bench_counts_stale(runs):
        from tools.bench.doc import RESULT

        stale.append(RESULT)
    return [_shown(path) for path in stale]


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="list stale files; exit 1 if any")
    args = parser.parse_args(argv)

    from tools.offline.runner import run_stack

    runs = {stack: run_stack(stack) for stack in ("staging", "prod")}
    if args.check:
        stale = stale_paths(runs)
        for path in stale:
            print(f"{path} is stale: run `{COMMAND}`", file=sys.stderr)
        return 1 if stale else 0
    for generated in all_generated(runs):
        if generated.stale:
            generated.path.write_text(generated.expected, encoding="utf-8")
            print(f"wrote {_shown(generated.path)}")
    if bench_counts_stale(runs):
        print("resource counts changed: timing the `stages` group again (a minute or two)")
        remeasure_stages()
        print("wrote docs/bench.json and docs/performance.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
