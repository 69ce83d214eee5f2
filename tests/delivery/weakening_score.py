"""Score the gates against `weakening_edits`: each edit is applied to a copy of the repository and
the gate tests that judge its file run there (for a stack's policy config or settings, that
stack's offline preview too). An edit is caught when a test fails or the preview exits non-zero;
a benign edit must be caught by nothing.

    .venv/bin/python -m tests.delivery.weakening_score [--only NAME ...] [--benign]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.delivery.weakening_edits import BENIGN_EDITS, WEAKENING_EDITS, Edit

ROOT = Path(__file__).resolve().parents[2]
GATE_TESTS = (
    "tests/delivery/test_gate_invariants.py",
    "tests/delivery/test_gate_properties.py",
    "tests/delivery/test_workflows.py",
)
CONFIG_TESTS = ("tests/policies/test_policy_config.py", "tests/policies/test_policy_exemptions.py")
EXTRA_TESTS = {
    "perf/": ("tests/delivery/test_k6_thresholds.py",),
    "lighthouse/": ("tests/delivery/test_lighthouse.py",),
}


# Tests that apply their own fixed edits to the current text: they fail when an edit removes the
# text they anchor on, which says nothing about whether a gate judged the edit's effect.
CORPUS_TESTS = (
    "test_each_weakening_edit_is_reported",
    "test_a_weakening_edit_is_reported_by_the_property_it_breaks",
    "test_an_unrelated_edit_is_not_reported",
    "test_every_property_has_weakening_edits_of_its_own",
    "test_every_property_is_in_the_table_and_has_edits",
    "test_the_delivery_doc_carries_the_generated_table",
)

_NOT_CORPUS = " and ".join(f"not {name}" for name in CORPUS_TESTS)


def judges(edit: Edit) -> tuple[tuple[str, ...], str | None]:
    """The test files that judge the edited file, and the stack whose preview judges it."""
    path = edit.path
    if path.startswith("policies/config/"):
        return CONFIG_TESTS, Path(path).name.split(".")[0]
    if path.startswith("Pulumi.") and path.count(".") == 2:
        return GATE_TESTS, path.split(".")[1]
    extra = next((tests for prefix, tests in EXTRA_TESTS.items() if path.startswith(prefix)), ())
    return GATE_TESTS + extra, None


def copy_repository(into: Path) -> Path:
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.split(b"\0")
    repo = into / "repo"
    for name in filter(None, files):
        source = ROOT / os.fsdecode(name)
        if source.is_file():
            target = repo / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    (repo / ".venv").symlink_to((ROOT / ".venv").resolve())
    return repo


def judge(repo: Path, edit: Edit) -> list[str]:
    """What caught the edit (empty: nothing did)."""
    target = repo / edit.path
    original = target.read_text()
    target.write_text(edit.apply(original))
    try:
        tests, stack = judges(edit)
        caught = []
        run = subprocess.run(
            [
                str(repo / ".venv/bin/python"),
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:xdist",
                "-rf",
                "-k",
                _NOT_CORPUS,
                *tests,
            ],
            cwd=repo,
            capture_output=True,
            text=True,
        )
        if run.returncode == 1:
            failed = [line[7:] for line in run.stdout.splitlines() if line.startswith("FAILED")]
            real = [line for line in failed if not any(name in line for name in CORPUS_TESTS)]
            if real:
                caught.append(f"tests: {real[0][:100]}")
            else:
                print(f"  ({edit.name}: only corpus tests failed, their anchor moved)", flush=True)
        elif run.returncode != 0:
            caught.append(f"pytest exit {run.returncode} (not a test failure)")
        if stack:
            preview = subprocess.run(
                [str(repo / ".venv/bin/python"), "-m", "tools.offline.preview", "--stack", stack],
                cwd=repo,
                capture_output=True,
                text=True,
            )
            if preview.returncode != 0:
                caught.append(f"preview {stack} exit {preview.returncode}")
        return caught
    finally:
        target.write_text(original)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--benign", action="store_true", help="score the benign edits instead")
    args = parser.parse_args(argv)
    edits = [
        e
        for e in (BENIGN_EDITS if args.benign else WEAKENING_EDITS)
        if not args.only or e.name in args.only
    ]
    with tempfile.TemporaryDirectory(prefix="weakening-") as temp:
        repo = copy_repository(Path(temp))
        flagged = 0
        for edit in edits:
            caught = judge(repo, edit)
            flagged += bool(caught)
            verdict = "; ".join(caught) if caught else "MISSED" if not args.benign else "green"
            print(f"{edit.name:55} {edit.path:42} {verdict}", flush=True)
    label = "flagged (should be 0)" if args.benign else "caught"
    print(f"{flagged}/{len(edits)} {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
