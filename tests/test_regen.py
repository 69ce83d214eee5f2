"""`make regen` refreshes every generated file, changes nothing on an unchanged tree, and is what
every staleness test tells a reader to run."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from foundation.records import StackRun
from tools import regen

ROOT = Path(__file__).resolve().parent.parent
STALENESS_TESTS = (
    "tests/test_cost_report.py",
    "tests/delivery/test_architecture_doc.py",
    "tests/policies/test_policy_packs.py",
    "tests/test_bench_doc.py",
)


@pytest.fixture
def runs(staging: StackRun, prod: StackRun) -> dict[str, StackRun]:
    return {"staging": staging, "prod": prod}


def test_an_unchanged_tree_has_nothing_to_regenerate(runs: dict[str, StackRun]) -> None:
    """Idempotence: regen writes only stale files (and times nothing unless the resource counts
    moved), so on the committed tree, which the staleness tests hold current, it changes
    nothing; and each generator makes the same text twice from the same program."""
    assert regen.stale_paths(runs) == []
    first = [(g.path, g.expected) for g in regen.all_generated(runs)]
    assert first == [(g.path, g.expected) for g in regen.all_generated(runs)]


def test_regen_covers_every_file_a_staleness_test_checks(runs: dict[str, StackRun]) -> None:
    covered = {str(g.path.relative_to(ROOT)) for g in regen.all_generated(runs)}
    assert covered >= {
        "docs/cost-estimate.json",
        "docs/cost.md",
        "README.md",
        "docs/architecture.md",
        "docs/performance.md",
        "policies/README.md",
        "policies/cost/perfcheck_cost/taggable_types.json",
        "foundation/ecs_container_shape.json",
    }


def test_regen_writes_the_stale_files_and_leaves_the_current_ones(
    runs: dict[str, StackRun], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale, current = tmp_path / "stale.md", tmp_path / "current.md"
    stale.write_text("old\n")
    current.write_text("same\n")
    before = current.stat().st_mtime_ns

    def generator(_: object) -> list[regen.Generated]:
        return [regen.Generated(stale, "new\n"), regen.Generated(current, "same\n")]

    monkeypatch.setattr(regen, "GENERATORS", (generator,))
    monkeypatch.setattr("tools.offline.runner.run_stack", lambda stack: runs[stack])
    monkeypatch.setattr(regen, "remeasure_stages", lambda: pytest.fail("timed an unchanged tree"))
    assert regen.main(["--check"]) == 1
    assert regen.main([]) == 0
    assert stale.read_text() == "new\n" and current.stat().st_mtime_ns == before
    assert regen.main(["--check"]) == 0


def test_a_changed_resource_count_asks_for_the_stages_to_be_timed_again(
    runs: dict[str, StackRun],
) -> None:
    assert not regen.bench_counts_stale(runs)
    one_more = dataclasses.replace(runs["prod"], resources=(*runs["prod"].resources,) * 2)
    assert regen.bench_counts_stale({**runs, "prod": one_more})


def test_every_staleness_test_names_make_regen() -> None:
    """A stale-file failure names the one command, not the generator of that one file (which
    would leave the other generated files stale)."""
    single_generators = re.compile(
        r"python -m tools\.(offline\.cost|offline\.diagram|gen_policy_files|bench\.doc)"
    )
    for path in STALENESS_TESTS:
        text = (ROOT / path).read_text()
        assert "`make regen`" in text, path
        assert not single_generators.search(text), path
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^regen: .*\n\t\$\(BIN\)/python -m tools\.regen$", makefile, re.M)
